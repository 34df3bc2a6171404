/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What scan.c and scan-content.c share: the context of one scan, and the
 * content checks (hash or cached hash, then the engine) of single files. */
#pragma once

#include <sys/stat.h>

#include "filescan.h"
#include "hashpool.h"
#include "scan.h"

struct scan_ctx {
        const struct vb_scan_options *o;
        vb_scan_cb cb;
        void *userdata;
        struct vb_scan_stats *stats;
        struct vb_filescan *fs;
        struct vb_hashpool *pool;       /* hashing threads for the walk, or NULL */
        size_t batch;                   /* file cache rows written in this transaction */
        bool in_tx;                     /* scan_run batches its writes in a transaction */
        bool files_pass;                /* the file pass follows: it covers the watched paths */
        struct vb_pathset *installed;   /* full scan: "name\x1fversion" of each dpkg package seen, or NULL */
        struct vb_scan_progress prog;   /* for o->progress */
        int64_t start_usec, next_tick_usec;
};

/* Tell o->progress how far the scan has got (rate-limited unless force). */
void scan_progress(struct scan_ctx *c, bool force);

/* A path that could not be read: counted, and named in o->unreadable. */
void scan_report_unreadable(struct scan_ctx *c, const char *path, int error);

/* Hand a match to the caller, outside the batching transaction. */
int scan_deliver(struct scan_ctx *c, const struct vb_scan_item *item);
void scan_count_verdict(struct vb_scan_stats *st, const struct vb_decision *d);

/* Hash (or take from the cache) the regular file name in dfd, whose path
 * inside the root is path, then evaluate it; not a regular file: 0. */
int scan_regular(struct scan_ctx *c, int dfd, const char *name, const char *path);
void scan_batch_commit(struct scan_ctx *c);

/* Content-check the files a package lists. */
int scan_package_files(struct scan_ctx *c, const struct vb_strv *files);

int scan_filescan_new(const struct vb_policy *p, struct vb_filescan **ret);
/* Start the hashing threads (or a scanner here); finish drains them. */
int scan_hash_start(struct scan_ctx *c);
int scan_hash_finish(struct scan_ctx *c, int r);
