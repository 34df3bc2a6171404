/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Undoing and repairing quarantine: quarantine_restore() puts a file back
 * with its owner, mode and mtime; quarantine_recover() settles the rows a
 * crash left half-done. Never overwrites a file at the original path and
 * never removes a stored copy that another row still needs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarantine-internal.h"
#include "util.h"

/* A ledger row copied out of its callback. */
struct qr_row {
        int64_t id;
        char *state, *path, *sha256, *stored;
        uint32_t uid, gid, mode;
        uint64_t size;
        int64_t mtime_ns;
};

static void qr_row_clear(struct qr_row *row) {
        free(row->state);
        free(row->path);
        free(row->sha256);
        free(row->stored);
        *row = (struct qr_row) {};
}

static int qr_row_copy(const struct vb_quarantine_entry *e, void *userdata) {
        struct qr_row *row = userdata;

        *row = (struct qr_row) {
                .id = e->id, .uid = e->uid, .gid = e->gid, .mode = e->mode, .size = e->size,
                .mtime_ns = e->mtime_ns,
                .state = strdup(e->state), .path = strdup(e->path),
                .sha256 = strdup(e->sha256), .stored = strdup(e->stored_name),
        };
        if (!row->state || !row->path || !row->sha256 || !row->stored) {
                qr_row_clear(row);
                return -ENOMEM;
        }
        return 0;
}

struct qr_rows {
        struct qr_row *v;
        size_t n;
};

static void qr_rows_clear(struct qr_rows *rows) {
        for (size_t i = 0; i < rows->n; i++)
                qr_row_clear(&rows->v[i]);
        free(rows->v);
        *rows = (struct qr_rows) {};
}

static int qr_rows_push(const struct vb_quarantine_entry *e, void *userdata) {
        struct qr_rows *rows = userdata;
        struct qr_row *v = realloc(rows->v, (rows->n + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        rows->v = v;
        if (qr_row_copy(e, &v[rows->n]) < 0)
                return -ENOMEM;
        rows->n++;
        return 0;
}

/* Put owner and mode back; chown first, because it clears set-id bits. */
static int qr_apply_owner(struct vb_store *s, int fd, const struct qr_row *row) {
        if (fchown(fd, row->uid, row->gid) < 0)
                return store_action_failf(s, -errno, "cannot give %s back to %u:%u: %m", row->path, row->uid,
                                          row->gid);
        if (fchmod(fd, row->mode) < 0)
                return store_action_failf(s, -errno, "cannot give %s back its mode %04o: %m", row->path,
                                          row->mode);
        return 0;
}

/* Is the original at its path? 1 with that content (its fd in *ret_fd),
 * 0 not there (nor its directory), 2 something else is, or <0. */
static int qr_check_original(struct vb_store *s, const char *root, const struct qr_row *row, int *ret_fd) {
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *base;
        struct stat st;
        char sha[65];
        int r;

        r = qr_open_parent(s, root, row->path, &pfd, &base);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r < 0)
                return r;
        fd = qr_open_regular(pfd, base, &st);
        if (fd == -ENOENT)
                return 0;
        if (fd == -ELOOP || fd == -EISDIR || fd == -EINVAL)
                return 2;
        if (fd < 0)
                return store_action_failf(s, fd, "cannot open %s: %s", row->path, strerror(-fd));
        r = qr_hash_fd(fd, sha);
        if (r < 0)
                return store_action_failf(s, r, "cannot read %s: %s", row->path, strerror(-r));
        if (strcasecmp(sha, row->sha256) != 0)
                return 2;
        if (ret_fd)
                *ret_fd = TAKE_FD(fd);
        return 1;
}

/* Recovery. */

/* Remove qdir/stored if it holds the row's content and no other row needs it. */
static int qr_drop_unneeded(struct vb_store *s, int qfd, const struct qr_row *row) {
        size_t n;
        int r;

        r = store_quarantine_count_stored(s, row->stored, row->id, &n);
        if (r < 0 || n > 0)
                return r;
        if (qr_check_stored(qfd, row->stored, row->sha256) == 1 && unlinkat(qfd, row->stored, 0) < 0)
                return store_action_failf(s, -errno, "cannot remove the unneeded copy %s: %m", row->stored);
        return 0;
}

static int qr_seal_stored(struct vb_store *s, int qfd, const struct qr_row *row) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        fd = qr_open_regular(qfd, row->stored, &st);
        if (fd < 0)
                return store_action_failf(s, fd, "cannot open the quarantined %s: %s", row->stored,
                                          strerror(-fd));
        if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0) < 0)
                return store_action_failf(s, -errno, "cannot seal the quarantined %s: %m", row->stored);
        return 0;
}

/* A 'pending' row: the move started and did not finish. 1 if settled. */
static int qr_recover_pending(struct vb_store *s, const char *root, int qfd, const struct qr_row *row) {
        char tmp[QR_NAME_MAX];
        int orig, r;

        if (qr_temp_name(tmp, row->stored, row->id) >= 0)
                (void) unlinkat(qfd, tmp, 0);  /* a partial copy, if any */

        orig = qr_check_original(s, root, row, NULL);
        if (orig < 0)
                return orig;
        if (orig == 1) {
                /* Never moved; a complete copy that was not yet in use goes too. */
                r = qr_drop_unneeded(s, qfd, row);
                if (r < 0)
                        return r;
                r = qr_set_state(s, row->id, "rolled-back", NULL, 0);
                return r < 0 ? r : 1;
        }

        r = qr_check_stored(qfd, row->stored, row->sha256);
        if (r < 0)
                return store_action_failf(s, r, "cannot read the quarantined %s: %s", row->stored, strerror(-r));
        if (r == 1) {
                r = qr_seal_stored(s, qfd, row);
                if (r >= 0)
                        r = qr_set_state(s, row->id, "quarantined", NULL, now_usec());
                return r < 0 ? r : 1;
        }
        r = qr_set_state(s, row->id, "failed",
                         orig == 2 ? "the file changed before quarantine could move it"
                                   : "file lost before quarantine could record it", 0);
        return r < 0 ? r : 1;
}

/* A 'quarantined' row: is its stored copy still there? 1 if changed. */
static int qr_recover_quarantined(struct vb_store *s, const char *root, int qfd, const struct qr_row *row) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int orig, r;

        if (fstatat(qfd, row->stored, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                return 0;
        if (errno != ENOENT)
                return store_action_failf(s, -errno, "cannot stat the quarantined %s: %m", row->stored);

        orig = qr_check_original(s, root, row, &fd);
        if (orig < 0)
                return orig;
        if (orig == 1) {
                /* A restore whose last ledger write was lost. */
                r = qr_apply_owner(s, fd, row);
                if (r >= 0)
                        r = qr_set_state(s, row->id, "restored", NULL, now_usec());
                return r < 0 ? r : 1;
        }
        r = qr_set_state(s, row->id, "failed", "the stored copy is missing from the quarantine directory", 0);
        return r < 0 ? r : 1;
}

int quarantine_recover(struct vb_store *s, const char *root, const char *qdir, size_t *ret_fixed) {
        _cleanup_(qr_rows_clear) struct qr_rows rows = {};
        _cleanup_close_ int qfd = -EBADF;
        size_t fixed = 0;
        int r, first = 0;

        if (ret_fixed)
                *ret_fixed = 0;
        if (!s || !qdir)
                return -EINVAL;
        r = store_quarantine_foreach(s, "pending", qr_rows_push, &rows);
        if (r >= 0)
                r = store_quarantine_foreach(s, "quarantined", qr_rows_push, &rows);
        if (r < 0)
                return r;
        if (rows.n == 0)
                return 0;
        r = qr_open_qdir(s, root, qdir, &qfd);
        if (r < 0)
                return r;

        for (size_t i = 0; i < rows.n; i++) {
                const struct qr_row *row = &rows.v[i];

                if (strcmp(row->state, "pending") == 0)
                        r = qr_recover_pending(s, root, qfd, row);
                else
                        r = qr_recover_quarantined(s, root, qfd, row);
                if (r < 0 && first == 0)
                        first = r;
                if (r > 0)
                        fixed++;
        }
        (void) fsync(qfd);
        if (ret_fixed)
                *ret_fixed = fixed;
        return first;
}

/* Restore. */

struct qr_restore {
        struct vb_store *s;
        const struct qr_row *row;
        int pfd, qfd, sfd;      /* the original's directory, qdir, the stored copy */
        const char *base;
        struct stat sst;
};

static void qr_restore_done(struct qr_restore *x) {
        closep(&x->pfd);
        closep(&x->qfd);
        closep(&x->sfd);
}

static int qr_restore_open(struct qr_restore *x, const char *root, const char *qdir) {
        struct vb_store *s = x->s;
        struct stat st;
        char sha[65];
        int r;

        r = qr_open_parent(s, root, x->row->path, &x->pfd, &x->base);
        if (r == -ENOENT || r == -ENOTDIR)
                return store_action_failf(s, -ENOENT, "the directory of %s no longer exists; recreate it, "
                                          "then restore again", x->row->path);
        if (r < 0)
                return r;
        if (fstatat(x->pfd, x->base, &st, AT_SYMLINK_NOFOLLOW) >= 0)
                return store_action_failf(s, -EEXIST, "%s exists; refusing to overwrite it", x->row->path);
        if (errno != ENOENT)
                return store_action_failf(s, -errno, "cannot stat %s: %m", x->row->path);

        r = qr_open_qdir(s, root, qdir, &x->qfd);
        if (r < 0)
                return r;
        x->sfd = qr_open_regular(x->qfd, x->row->stored, &x->sst);
        if (x->sfd < 0)
                return store_action_failf(s, x->sfd, "cannot open the stored copy %s of %s: %s", x->row->stored,
                                          x->row->path, strerror(-x->sfd));
        r = qr_hash_fd(x->sfd, sha);
        if (r < 0)
                return store_action_failf(s, r, "cannot read the stored copy %s: %s", x->row->stored,
                                          strerror(-r));
        if (strcasecmp(sha, x->row->sha256) != 0)
                return store_action_failf(s, -EBADMSG, "the stored copy %s no longer has sha256 %s; "
                                          "not restoring it", x->row->stored, x->row->sha256);
        return 0;
}

/* 1 if moved back, 0 if it must be copied (another file system). */
static int qr_restore_rename(struct qr_restore *x) {
        int r;

        if (renameat2(x->qfd, x->row->stored, x->pfd, x->base, RENAME_NOREPLACE) < 0) {
                if (errno == EXDEV)
                        return 0;
                return store_action_failf(x->s, errno == EEXIST ? -EEXIST : -errno,
                                          "cannot move %s back to %s: %m", x->row->stored, x->row->path);
        }
        r = qr_apply_owner(x->s, x->sfd, x->row);
        if (r < 0)
                return r;
        r = qr_fsync_dir(x->s, x->pfd, x->row->path);
        if (r < 0)
                return r;
        r = qr_fsync_dir(x->s, x->qfd, "the quarantine directory");
        return r < 0 ? r : 1;
}

static int qr_restore_copy(struct qr_restore *x, bool shared) {
        _cleanup_close_ int tfd = -EBADF;
        char tmp[QR_NAME_MAX];
        int r;

        snprintf(tmp, sizeof(tmp), ".vendorban-restore.%" PRIi64, x->row->id);
        (void) unlinkat(x->pfd, tmp, 0);       /* left by a crash during an earlier restore */
        tfd = qr_copy_to_temp(x->s, x->sfd, x->pfd, tmp, (uint64_t) x->sst.st_size, x->row->mtime_ns,
                              x->row->sha256, x->row->path);
        if (tfd < 0)
                return tfd;
        r = qr_apply_owner(x->s, tfd, x->row);
        if (r >= 0 && renameat2(x->pfd, tmp, x->pfd, x->base, RENAME_NOREPLACE) < 0)
                r = store_action_failf(x->s, -errno, "cannot put %s back: %m", x->row->path);
        if (r < 0) {
                (void) unlinkat(x->pfd, tmp, 0);
                return r;
        }
        r = qr_fsync_dir(x->s, x->pfd, x->row->path);
        if (r < 0 || shared)
                return r;
        /* Ours alone: the stored copy goes. Should that fail, it only takes space. */
        if (unlinkat(x->qfd, x->row->stored, 0) >= 0)
                (void) fsync(x->qfd);
        return 0;
}

int quarantine_restore(struct vb_store *s, const char *root, const char *qdir, int64_t id) {
        _cleanup_(qr_row_clear) struct qr_row row = {};
        _cleanup_(qr_restore_done) struct qr_restore x = {
                .s = s, .row = &row, .pfd = -EBADF, .qfd = -EBADF, .sfd = -EBADF,
        };
        struct stat pst;
        size_t n_others;
        int r;

        if (!s || !qdir)
                return -EINVAL;
        r = store_quarantine_get(s, id, qr_row_copy, &row);
        if (r < 0)
                return r;
        if (strcmp(row.state, "quarantined") != 0)
                return store_action_failf(s, -EINVAL, "quarantine entry %" PRIi64 " is %s; only a quarantined "
                                          "file can be restored", id, row.state);

        r = qr_restore_open(&x, root, qdir);
        if (r < 0)
                return r;
        r = store_quarantine_count_stored(s, row.stored, row.id, &n_others);
        if (r < 0)
                return r;
        if (fstat(x.pfd, &pst) < 0)
                return store_action_failf(s, -errno, "cannot stat the directory of %s: %m", row.path);

        /* Move it back if no other row needs the stored copy, else copy it. */
        r = 0;
        if (n_others == 0 && pst.st_dev == x.sst.st_dev)
                r = qr_restore_rename(&x);
        if (r == 0)
                r = qr_restore_copy(&x, n_others > 0);
        if (r < 0)
                return r;
        return store_quarantine_set_state(s, id, "restored", NULL, now_usec());
}
