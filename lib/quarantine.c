/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Moving a file into quarantine. Owns the files it puts in the quarantine
 * directory; the ledger row is written through store-quarantine.c, and on
 * disk, before the file is touched. The file-system helpers are in
 * quarantine-fs.c, recovery and restore in quarantine-restore.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quarantine-internal.h"
#include "util.h"

/* quarantine_file(). */

#define QR_HOOKED 2             /* stopped by a test hook, as if killed */

struct qr_move {
        struct vb_store *s;
        const char *path;
        const char *base;       /* points into path */
        int pfd, fd, qfd;       /* the original's directory, the original, qdir */
        struct stat st;         /* of the original, when it was hashed */
        char sha256[65];
        char stored[QR_NAME_MAX];
        bool dedupe;            /* qdir/stored already holds this content */
        bool created;           /* we put qdir/stored there by copying */
        bool unsettled;         /* failed with the file possibly moved: leave the row to recovery */
        int64_t id;
        enum vb_quarantine_hook hook;
};

static int64_t mtime_ns(const struct stat *st) {
        return (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void qr_move_done(struct qr_move *m) {
        closep(&m->pfd);
        closep(&m->fd);
        closep(&m->qfd);
}

static int qr_inspect(struct qr_move *m, const char *root, const char *expected_sha256) {
        struct stat now;
        int r;

        r = qr_open_parent(m->s, root, m->path, &m->pfd, &m->base);
        if (r < 0)
                return r;
        m->fd = qr_open_regular(m->pfd, m->base, &m->st);
        if (m->fd == -ELOOP)
                return store_action_failf(m->s, -ELOOP, "%s is a symlink; refusing to quarantine it", m->path);
        if (m->fd == -EISDIR || m->fd == -EINVAL)
                return store_action_failf(m->s, m->fd, "%s is not a regular file; refusing to quarantine it",
                                          m->path);
        if (m->fd < 0)
                return store_action_failf(m->s, m->fd, "cannot open %s: %s", m->path, strerror(-m->fd));

        r = qr_hash_fd(m->fd, m->sha256);
        if (r < 0)
                return store_action_failf(m->s, r, "cannot read %s: %s", m->path, strerror(-r));
        if (expected_sha256 && strcasecmp(expected_sha256, m->sha256) != 0)
                return store_action_failf(m->s, -ESTALE, "%s changed since it was judged (sha256 %s, expected %s)",
                                          m->path, m->sha256, expected_sha256);
        if (fstat(m->fd, &now) < 0)
                return store_action_failf(m->s, -errno, "cannot stat %s: %m", m->path);
        if (now.st_size != m->st.st_size || now.st_mtim.tv_sec != m->st.st_mtim.tv_sec ||
            now.st_mtim.tv_nsec != m->st.st_mtim.tv_nsec)
                return store_action_failf(m->s, -ESTALE, "%s changed while it was read", m->path);
        return 0;
}

/* sha256, or sha256.N if that name holds something else (it never should). */
static int qr_pick_name(struct qr_move *m) {
        for (int i = 0; i < QR_MAX_SUFFIX; i++) {
                int r;

                if (i == 0)
                        memcpy(m->stored, m->sha256, sizeof(m->sha256));
                else
                        snprintf(m->stored, sizeof(m->stored), "%s.%d", m->sha256, i);
                r = qr_check_stored(m->qfd, m->stored, m->sha256);
                if (r < 0)
                        return store_action_failf(m->s, r, "cannot check %s in the quarantine directory: %s",
                                                  m->stored, strerror(-r));
                if (r < 2) {
                        m->dedupe = r == 1;
                        return 0;
                }
        }
        return store_action_failf(m->s, -EEXIST, "no free name for %s in the quarantine directory", m->sha256);
}

static int qr_record(struct qr_move *m, int64_t finding_id) {
        struct vb_quarantine_entry e = {
                .finding_id = finding_id,
                .state = "pending",
                .path = m->path,
                .sha256 = m->sha256,
                .stored_name = m->stored,
                .uid = m->st.st_uid,
                .gid = m->st.st_gid,
                .mode = m->st.st_mode & 07777,
                .size = (uint64_t) m->st.st_size,
                .mtime_ns = mtime_ns(&m->st),
                .created_usec = now_usec(),
        };

        return store_quarantine_insert(m->s, &e, &m->id);
}

/* Remove the original, if it is still the file that was hashed. */
static int qr_unlink_original(struct qr_move *m) {
        struct stat now;

        if (fstatat(m->pfd, m->base, &now, AT_SYMLINK_NOFOLLOW) < 0)
                return store_action_failf(m->s, -errno, "cannot stat %s: %m", m->path);
        if (now.st_dev != m->st.st_dev || now.st_ino != m->st.st_ino)
                return store_action_failf(m->s, -ESTALE, "%s was replaced while it was quarantined", m->path);
        if (unlinkat(m->pfd, m->base, 0) < 0)
                return store_action_failf(m->s, -errno, "cannot remove %s: %m", m->path);
        return 0;
}

/* After a rename: did we move the very file we hashed, unchanged? If
 * not, put it back. */
static int qr_check_renamed(struct qr_move *m) {
        struct stat moved, now;

        if (fstatat(m->qfd, m->stored, &moved, AT_SYMLINK_NOFOLLOW) < 0 || fstat(m->fd, &now) < 0)
                return store_action_failf(m->s, -errno, "cannot stat the quarantined %s: %m", m->path);
        if (moved.st_dev == m->st.st_dev && moved.st_ino == m->st.st_ino && now.st_size == m->st.st_size &&
            now.st_mtim.tv_sec == m->st.st_mtim.tv_sec && now.st_mtim.tv_nsec == m->st.st_mtim.tv_nsec)
                return 0;

        if (renameat2(m->qfd, m->stored, m->pfd, m->base, RENAME_NOREPLACE) < 0) {
                m->unsettled = true;
                return store_action_failf(m->s, -EIO, "%s changed while it was quarantined, and moving it "
                                          "back from %s failed: %m", m->path, m->stored);
        }
        return store_action_failf(m->s, -ESTALE, "%s changed while it was quarantined; put back", m->path);
}

/* 1 if moved, 0 if it must be copied instead (another file system). */
static int qr_move_rename(struct qr_move *m) {
        int r;

        if (renameat2(m->pfd, m->base, m->qfd, m->stored, RENAME_NOREPLACE) >= 0) {
                r = qr_check_renamed(m);
                return r < 0 ? r : 1;
        }
        if (errno == EXDEV)
                return 0;       /* same st_dev, but two bind mounts */
        if (errno != EEXIST)
                return store_action_failf(m->s, -errno, "cannot move %s into quarantine: %m", m->path);

        /* Another copy of the same file got there first. */
        r = qr_check_stored(m->qfd, m->stored, m->sha256);
        if (r != 1)
                return store_action_failf(m->s, -EEXIST, "%s appeared in the quarantine directory with "
                                          "other content", m->stored);
        m->dedupe = true;
        r = qr_unlink_original(m);
        return r < 0 ? r : 1;
}

static int qr_move_copy(struct qr_move *m) {
        _cleanup_close_ int tfd = -EBADF;
        char tmp[QR_NAME_MAX];
        int r;

        r = qr_temp_name(tmp, m->stored, m->id);
        if (r < 0)
                return store_action_failf(m->s, r, "no temporary name for %s", m->stored);
        tfd = qr_copy_to_temp(m->s, m->fd, m->qfd, tmp, (uint64_t) m->st.st_size,
                              mtime_ns(&m->st), m->sha256, m->path);
        if (tfd < 0)
                return tfd;
        if (m->hook == VB_QUARANTINE_HOOK_CRASH_DURING_COPY)
                return QR_HOOKED;

        if (renameat2(m->qfd, tmp, m->qfd, m->stored, RENAME_NOREPLACE) >= 0)
                m->created = true;
        else {
                int e = errno;
                /* EEXIST with the same content: another copy got there first. */
                bool same = e == EEXIST && qr_check_stored(m->qfd, m->stored, m->sha256) == 1;

                (void) unlinkat(m->qfd, tmp, 0);
                if (!same)
                        return store_action_failf(m->s, -e, "cannot name the copy of %s %s: %s", m->path,
                                                  m->stored, strerror(e));
        }

        r = qr_fsync_dir(m->s, m->qfd, "the quarantine directory");
        if (r >= 0 && m->hook == VB_QUARANTINE_HOOK_CRASH_BEFORE_UNLINK)
                return QR_HOOKED;
        if (r >= 0)
                r = qr_unlink_original(m);
        if (r < 0 && m->created)
                (void) unlinkat(m->qfd, m->stored, 0);
        return r;
}

/* <0, QR_HOOKED, or >= 0 when the file is in qdir and gone from its path. */
static int qr_move(struct qr_move *m) {
        struct stat qst;
        int r;

        if (m->dedupe)
                return m->hook == VB_QUARANTINE_HOOK_CRASH_BEFORE_UNLINK ? QR_HOOKED : qr_unlink_original(m);
        if (fstat(m->qfd, &qst) < 0)
                return store_action_failf(m->s, -errno, "cannot stat the quarantine directory: %m");
        if (qst.st_dev == m->st.st_dev) {
                r = qr_move_rename(m);
                if (r != 0)
                        return r;
        }
        return qr_move_copy(m);
}

/* The stored copy: root's, mode 0; everything synced; the row says so. */
static int qr_finish(struct qr_move *m) {
        _cleanup_close_ int sfd = -EBADF;
        struct stat st;
        int r;

        sfd = qr_open_regular(m->qfd, m->stored, &st);
        if (sfd < 0)
                return store_action_failf(m->s, sfd, "cannot open the quarantined %s: %s", m->stored,
                                          strerror(-sfd));
        if ((st.st_uid != 0 || st.st_gid != 0) && fchown(sfd, 0, 0) < 0)
                return store_action_failf(m->s, -errno, "cannot chown the quarantined %s: %m", m->stored);
        if (fchmod(sfd, 0) < 0)
                return store_action_failf(m->s, -errno, "cannot chmod the quarantined %s: %m", m->stored);
        r = qr_fsync_dir(m->s, m->qfd, "the quarantine directory");
        if (r < 0)
                return r;
        r = qr_fsync_dir(m->s, m->pfd, "the directory of the quarantined file");
        if (r < 0)
                return r;
        return store_quarantine_set_state(m->s, m->id, "quarantined", NULL, now_usec());
}

static int qr_fail_row(struct qr_move *m, int r) {
        _cleanup_free_ char *msg = strdup(store_errmsg(m->s));

        (void) qr_set_state(m->s, m->id, "failed", msg ? msg : strerror(-r), 0);
        return r;
}

int quarantine_file_ex(struct vb_store *s, const char *root, const char *qdir, const char *path,
                       const char *expected_sha256, int64_t finding_id, enum vb_quarantine_hook hook,
                       int64_t *ret_id) {
        _cleanup_(qr_move_done) struct qr_move m = {
                .s = s, .path = path, .pfd = -EBADF, .fd = -EBADF, .qfd = -EBADF, .hook = hook,
        };
        int r;

        if (!s || !qdir || !path)
                return -EINVAL;
        if (ret_id)
                *ret_id = 0;

        r = qr_inspect(&m, root, expected_sha256);
        if (r < 0)
                return r;
        r = qr_open_qdir(s, root, qdir, &m.qfd);
        if (r < 0)
                return r;
        r = qr_pick_name(&m);
        if (r < 0)
                return r;

        /* From here on the row exists, and on disk, before the file is touched. */
        r = qr_record(&m, finding_id);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = m.id;
        if (hook == VB_QUARANTINE_HOOK_CRASH_AFTER_LEDGER)
                return 0;

        r = qr_move(&m);
        if (r < 0 && !m.unsettled)
                return qr_fail_row(&m, r);
        if (r < 0)
                return r;
        if (r == QR_HOOKED || hook == VB_QUARANTINE_HOOK_CRASH_AFTER_MOVE)
                return 0;
        /* The file has moved: a failure now leaves the row pending, for
         * quarantine_recover() to finish. */
        return qr_finish(&m);
}

int quarantine_file(struct vb_store *s, const char *root, const char *qdir, const char *path,
                    const char *expected_sha256, int64_t finding_id, int64_t *ret_id) {
        return quarantine_file_ex(s, root, qdir, path, expected_sha256, finding_id, VB_QUARANTINE_HOOK_NONE,
                                  ret_id);
}

int quarantine_foreach(struct vb_store *s, int (*cb)(const struct vb_quarantine_entry *e, void *ud), void *ud) {
        return store_quarantine_foreach(s, NULL, cb, ud);
}

int quarantine_get(struct vb_store *s, int64_t id, int (*cb)(const struct vb_quarantine_entry *e, void *ud),
                   void *ud) {
        return store_quarantine_get(s, id, cb, ud);
}
