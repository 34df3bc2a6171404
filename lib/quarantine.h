/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Quarantine: move a banned file out of its place into a root-only
 * directory (mode 0, named by its sha256), with a ledger row written before
 * the file is touched; repair after a crash; put files back. */
#pragma once

#include <stdint.h>

#include "store.h"

/* One quarantine ledger row. The strings are valid during the callback
 * only. state: "pending", "quarantined", "restored", "rolled-back",
 * "failed" or "deleted". */
struct vb_quarantine_entry {
        int64_t id;
        int64_t finding_id;             /* 0 if none (NULL in the ledger) */
        const char *state;
        const char *path;               /* original path, inside the root */
        const char *sha256;
        const char *stored_name;        /* name in the quarantine directory */
        const char *error;              /* NULL unless failed */
        uint32_t uid, gid, mode;        /* mode: the permission bits, 07777 */
        uint64_t size;
        int64_t mtime_ns;
        int64_t created_usec, moved_usec, restored_usec;       /* 0 if not yet */
        int64_t deleted_usec;                                   /* 0 if not deleted */
};

/* Where quarantine_file_ex() stops as if killed, for tests of recovery. */
enum vb_quarantine_hook {
        VB_QUARANTINE_HOOK_NONE,
        VB_QUARANTINE_HOOK_CRASH_AFTER_LEDGER,  /* row committed, file untouched */
        VB_QUARANTINE_HOOK_CRASH_DURING_COPY,   /* cross-fs: temporary copy written, not renamed */
        VB_QUARANTINE_HOOK_CRASH_BEFORE_UNLINK, /* stored copy in place (cross-fs or shared), original left */
        VB_QUARANTINE_HOOK_CRASH_AFTER_MOVE,    /* file in the quarantine dir, row still pending */
};

/* Move root+path into root+qdir. path and qdir are absolute paths inside
 * root (root NULL, "" or "/" for the host); both are resolved inside the
 * root, so no symlink can lead out of it, and path's last component must
 * be a regular file, not a symlink (-ELOOP). expected_sha256 (or NULL):
 * the content the decision was made on; anything else is -ESTALE and
 * nothing is moved (re-evaluate the file). qdir is created 0700; one with
 * group or other permissions, not owned by us, or a symlink is -EPERM.
 * Must not be called inside store_begin() (-EBUSY).
 * Once the ledger row exists, a failure leaves the original in place
 * (a copy that ran out of space is removed: -ENOSPC) and sets the row
 * 'failed' with the reason; *ret_id is set as soon as the row exists.
 * Messages for every error: store_errmsg(s). */
int quarantine_file(struct vb_store *s, const char *root, const char *qdir, const char *path,
                    const char *expected_sha256, int64_t finding_id, int64_t *ret_id);
int quarantine_file_ex(struct vb_store *s, const char *root, const char *qdir, const char *path,
                       const char *expected_sha256, int64_t finding_id, enum vb_quarantine_hook hook,
                       int64_t *ret_id);

/* Bring ledger and disk into agreement after a crash: each 'pending' row
 * becomes 'rolled-back' (the file is still in its place; partial copies
 * are removed), 'quarantined' (it was moved) or 'failed'; each
 * 'quarantined' row whose stored file is gone becomes 'restored' (if the
 * original is back) or 'failed'. ret_fixed (may be NULL): rows changed.
 * A row that cannot be checked is left as it is; the first such error is
 * returned after all other rows were handled. */
int quarantine_recover(struct vb_store *s, const char *root, const char *qdir, size_t *ret_fixed);

/* Put a 'quarantined' file back (else -EINVAL; no such row: -ENOENT) with
 * its owner, mode and mtime. Refuses to overwrite: -EEXIST if something
 * is at the path; -ENOENT if its directory is gone (recreate it first);
 * -EBADMSG if the stored copy no longer has the recorded sha256. A stored
 * copy shared with another row is copied, not moved. */
int quarantine_restore(struct vb_store *s, const char *root, const char *qdir, int64_t id);

/* All rows, in id order; cb returns <0 to stop, and that value is
 * returned, otherwise the number of rows. quarantine_get(): one row,
 * -ENOENT if none. */
int quarantine_foreach(struct vb_store *s, int (*cb)(const struct vb_quarantine_entry *e, void *ud), void *ud);
int quarantine_get(struct vb_store *s, int64_t id, int (*cb)(const struct vb_quarantine_entry *e, void *ud),
                   void *ud);

/* Remove the stored copy of a 'quarantined' entry for good (else -EINVAL;
 * no such row: -ENOENT); the row stays, state 'deleted' (written first).
 * A copy shared with another held entry stays for that one. */
int quarantine_delete(struct vb_store *s, const char *root, const char *qdir, int64_t id, int64_t now_usec);
/* quarantine_delete() every entry quarantined more than retention_sec ago
 * (0: keep forever). ret_n (may be NULL): how many. The first error is
 * returned after the others were tried. */
int quarantine_expire(struct vb_store *s, const char *root, const char *qdir, int64_t retention_sec,
                      int64_t now_usec, size_t *ret_n);
