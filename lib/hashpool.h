/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A pool of hashing threads for full scans: the caller (one thread, which
 * owns the ledger) hands over open files, the workers read and hash them
 * with their own scanner, and the caller collects the results. Slots are
 * allocated once, so a scan of many files allocates nothing per file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "filescan.h"

struct vb_hashpool;

/* A finished job, valid until the next hashpool call. */
struct vb_hash_result {
        const char *path;               /* as given to hashpool_submit */
        struct stat st;                 /* as given */
        struct vb_file_content content;
        int error;                      /* 0 or a negative errno: content is not set */
};

/* n_workers 0 = one per online CPU (at most 8). */
int hashpool_new(const char *const *markers, size_t n_markers, unsigned n_workers, struct vb_hashpool **ret);
/* The same with the policy's markers: its compiled automaton, shared, when
 * it has one (policy_compile), so a scan builds none of its own. */
struct vb_policy;
int hashpool_new_for_policy(const struct vb_policy *pol, unsigned n_workers, struct vb_hashpool **ret);
void hashpool_free(struct vb_hashpool *p);

/* Queue fd (ownership passes to the pool; it is closed after hashing).
 * Blocks while every slot is queued or running; -EAGAIN (fd still the
 * caller's) when every slot is busy and finished results wait: take them
 * with hashpool_next, then submit again. */
int hashpool_submit(struct vb_hashpool *p, int fd, const char *path, const struct stat *st);

/* Take one finished result: wait=false returns 0 at once when none is
 * ready, wait=true waits unless nothing is in flight. Returns 1 with
 * *ret set, 0 when there is nothing (more) to take. */
int hashpool_next(struct vb_hashpool *p, bool wait, struct vb_hash_result **ret);
