/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scanning a root: every installed dpkg package (with its file list, and
 * the content of every file it installed) and every regular file under the
 * watched paths, each evaluated by the engine.
 * Owns no state of its own; the store (if given) supplies the hash cache. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "engine.h"
#include "policy.h"
#include "store.h"

/* How far a scan has got, for a progress display (vb_scan_options.progress). */
struct vb_scan_progress {
        size_t packages, packages_total;        /* total: of the dpkg database; 0 until known */
        size_t files;                           /* files evaluated (loose and package content) */
        size_t files_expected;                  /* vb_scan_options.files_expected; 0 = unknown */
        uint64_t bytes;                         /* their size, hashed now or taken from the cache */
        int64_t elapsed_usec;
        bool done;                              /* the last call, when the scan ends */
};

struct vb_scan_options {
        const char *root;                       /* NULL or "/" for the real root */
        const struct vb_policy *policy;
        struct vb_store *store;                 /* hash cache and inventory; may be NULL */
        int64_t now;                            /* seconds since the epoch */
        bool packages;                          /* scan the dpkg database */
        bool files;                             /* scan the watched paths */
        /* Paths owned by packages that matched a ban: the file pass skips
         * them (the package finding covers them). May be NULL. Filled by
         * scan_run and scan_package. */
        struct vb_pathset *owned;
        /* Paths that could not be read (a directory that cannot be opened,
         * a file that cannot be hashed), each named; may be NULL (then
         * only counted in the stats' errors). */
        struct vb_diag *unreadable;
        /* For a caller running the scan in a thread of its own (may be
         * NULL): checked between files and packages, *cancel set stops the
         * scan (-ECANCELED); *yield set calls yield_cb(yield_userdata)
         * there, outside the scan's batching transaction, so that the
         * caller can do other work (and record it) in the meantime. */
        const atomic_bool *cancel;
        const atomic_bool *yield;
        void (*yield_cb)(void *userdata);
        void *yield_userdata;
        /* Called from the scanning thread at most every 200 ms (and once
         * with done set) during scan_run; may be NULL. */
        void (*progress)(const struct vb_scan_progress *p, void *userdata);
        void *progress_userdata;
        size_t files_expected;                  /* e.g. the files the last scan saw; 0 = unknown */
};

/* A set of paths (sorted on demand) for "owned by a matched package". */
struct vb_pathset {
        struct vb_strv paths;
        bool sorted;
};
int pathset_add(struct vb_pathset *s, const char *path);
bool pathset_contains(struct vb_pathset *s, const char *path);
void pathset_clear(struct vb_pathset *s);

/* One evaluated subject. Only one of pkg / file is set. All pointers are
 * valid during the callback only. */
struct vb_scan_item {
        const struct vb_package *pkg;
        const struct vb_file *file;
        const struct vb_decision *decision;
};

struct vb_scan_stats {
        size_t packages;                        /* packages evaluated */
        size_t files;                           /* loose files evaluated */
        size_t files_hashed;                    /* read and hashed this time */
        size_t files_cached;                    /* answered from the hash cache */
        uint64_t bytes_hashed;
        size_t flagged;
        size_t blocked;
        size_t errors;                          /* unreadable files etc., skipped */
        int64_t duration_usec;
};

/* Called for every subject whose decision matched a ban (verdict may still
 * be allow if exempt or not yet in force). A negative return stops the scan
 * and is returned. */
typedef int (*vb_scan_cb)(const struct vb_scan_item *item, void *userdata);

/* Full scan. Bad dpkg data is reported in diag and returned as -EINVAL
 * after the file part has still run. */
int scan_run(const struct vb_scan_options *o, vb_scan_cb cb, void *userdata, struct vb_scan_stats *ret_stats,
             struct vb_diag *diag);

/* One package by name (arch may be NULL); -ENOENT if dpkg does not list it
 * as having files on disk. installed_at overrides the .list mtime when > 0
 * (a live install is a new install "now"). A package that matches no ban
 * by its fields has every file it lists content-checked (sha256, markers
 * in ELF files; each match delivered as a file). scan_run does the same,
 * leaving the files under the watched paths to its file pass. */
int scan_package(const struct vb_scan_options *o, const char *name, const char *arch, int64_t installed_at,
                 vb_scan_cb cb, void *userdata, struct vb_diag *diag);

/* The rpm database's packages (rpmdb.h), all or (since > 0) those
 * installed at or after since; scan_run does this after the dpkg pass.
 * -ENOENT if the root has no rpm database; -EINVAL with librpm's words in
 * diag for one it cannot read (what it could read is still evaluated).
 * ret_newest (may be NULL) gets the newest install time seen. */
int scan_rpm_packages(const struct vb_scan_options *o, int64_t since, vb_scan_cb cb, void *userdata,
                      int64_t *ret_newest, struct vb_diag *diag);

/* One loose file by its path inside the root; -ENOENT if gone, 0 if it is
 * not a regular file (nothing to do). */
int scan_file(const struct vb_scan_options *o, const char *path, vb_scan_cb cb, void *userdata);

/* Every regular file below one directory (inside the root), as the file
 * pass of scan_run does for a watched path. */
int scan_tree(const struct vb_scan_options *o, const char *path, vb_scan_cb cb, void *userdata,
              struct vb_scan_stats *ret_stats);
