/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file-system steps every quarantine operation shares: opening paths
 * inside the root without being led out of it, the checked quarantine
 * directory, hashing and copying through open fds. Owns no state. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filescan.h"
#include "quarantine-internal.h"
#include "util.h"

#define QR_COPY_BUFSIZE (128 * 1024)

static void filescan_freep(struct vb_filescan **f) {
        filescan_free(*f);
}

int qr_open_parent(struct vb_store *s, const char *root, const char *path, int *ret_fd, const char **ret_base) {
        _cleanup_free_ char *dir = NULL;
        const char *slash, *base;
        int fd;

        slash = path ? strrchr(path, '/') : NULL;
        if (!path || path[0] != '/' || !slash)
                return store_action_failf(s, -EINVAL, "%s is not an absolute path", path ? path : "(null)");
        base = slash + 1;
        if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
                return store_action_failf(s, -EINVAL, "%s does not name a file", path);

        dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        if (!dir)
                return -ENOMEM;
        fd = open_in_root(root, dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return store_action_failf(s, fd, "cannot open the directory of %s: %s", path, strerror(-fd));
        *ret_fd = fd;
        *ret_base = base;
        return 0;
}

static int qr_check_qdir(struct vb_store *s, int fd, const char *qdir) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return store_action_failf(s, -errno, "cannot stat %s: %m", qdir);
        if (st.st_uid != geteuid())
                return store_action_failf(s, -EPERM, "quarantine directory %s is owned by uid %u, not by us; "
                                          "refusing to use it", qdir, (unsigned) st.st_uid);
        if (st.st_mode & 077)
                return store_action_failf(s, -EPERM, "quarantine directory %s has mode %04o; refusing to use "
                                          "it until it is 0700 (chmod 0700 %s)", qdir,
                                          (unsigned) (st.st_mode & 07777), qdir);
        return 0;
}

int qr_open_qdir(struct vb_store *s, const char *root, const char *qdir, int *ret_fd) {
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const char *base;
        int r;

        r = qr_open_parent(s, root, qdir, &pfd, &base);
        if (r < 0)
                return r;
        if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
                return store_action_failf(s, -errno, "cannot create quarantine directory %s: %m", qdir);

        fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
                return store_action_failf(s, -EPERM, "quarantine directory %s is a symlink or no directory; "
                                          "refusing to use it", qdir);
        if (fd < 0)
                return store_action_failf(s, -errno, "cannot open quarantine directory %s: %m", qdir);
        r = qr_check_qdir(s, fd, qdir);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int qr_open_regular(int dfd, const char *name, struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        struct stat before;

        /* lstat first, so that opening never touches a device or a FIFO. */
        if (fstatat(dfd, name, &before, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(before.st_mode))
                return -ELOOP;
        if (!S_ISREG(before.st_mode))
                return S_ISDIR(before.st_mode) ? -EISDIR : -EINVAL;

        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, ret_st) < 0)
                return -errno;
        if (!S_ISREG(ret_st->st_mode) || ret_st->st_dev != before.st_dev || ret_st->st_ino != before.st_ino)
                return -ESTALE;         /* swapped between the two looks */
        return TAKE_FD(fd);
}

int qr_hash_fd(int fd, char ret[static 65]) {
        _cleanup_(filescan_freep) struct vb_filescan *fs = NULL;
        struct vb_file_content c;
        int r;

        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        r = filescan_new(NULL, 0, &fs);
        if (r < 0)
                return r;
        r = filescan_fd(fs, fd, &c);
        if (r < 0)
                return r;
        memcpy(ret, c.sha256, 65);
        return 0;
}

int qr_check_stored(int dfd, const char *name, const char *sha256) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        char sha[65];
        int r;

        fd = qr_open_regular(dfd, name, &st);
        if (fd == -ENOENT)
                return 0;
        if (fd == -ELOOP || fd == -EISDIR || fd == -EINVAL)
                return 2;
        if (fd < 0)
                return fd;
        r = qr_hash_fd(fd, sha);
        if (r < 0)
                return r;
        return strcasecmp(sha, sha256) == 0 ? 1 : 2;
}

int qr_fsync_dir(struct vb_store *s, int dfd, const char *what) {
        if (fsync(dfd) < 0)
                return store_action_failf(s, -errno, "cannot sync %s: %m", what);
        return 0;
}

int qr_temp_name(char buf[static QR_NAME_MAX], const char *stored_name, int64_t id) {
        int k = snprintf(buf, QR_NAME_MAX, "%s.%" PRIi64 ".tmp", stored_name, id);

        return k > 0 && k < QR_NAME_MAX ? 0 : -ENAMETOOLONG;
}

int qr_set_state(struct vb_store *s, int64_t id, const char *state, const char *error, int64_t usec) {
        _cleanup_free_ char *saved = strdup(store_errmsg(s));
        int r;

        r = store_quarantine_set_state(s, id, state, error, usec);
        if (r >= 0 && saved)
                (void) store_action_failf(s, 0, "%s", saved);
        return r;
}

static int qr_copy_data(int in, int out, uint64_t size) {
        _cleanup_free_ char *buf = malloc(QR_COPY_BUFSIZE);
        uint64_t done = 0;

        if (!buf)
                return -ENOMEM;
        while (done < size) {
                ssize_t k = pread(in, buf, QR_COPY_BUFSIZE, (off_t) done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ESTALE;         /* shrank since it was hashed */
                for (ssize_t w = 0; w < k;) {
                        ssize_t n = write(out, buf + w, (size_t) (k - w));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return -errno;
                        w += n;
                }
                done += (uint64_t) k;
        }
        return 0;
}

/* Write, sync and check the temporary copy; nothing is removed here. */
static int qr_fill_temp(struct vb_store *s, int in, int out, uint64_t size, int64_t mtime_ns, const char *sha256,
                        const char *what) {
        struct timespec ts[2] = {
                { .tv_nsec = UTIME_OMIT },
                { .tv_sec = mtime_ns / 1000000000, .tv_nsec = mtime_ns % 1000000000 },
        };
        struct stat st;
        char sha[65];
        int r;

        r = qr_copy_data(in, out, size);
        if (r == -ENOSPC || r == -EDQUOT)
                return store_action_failf(s, r, "no space left to copy %s: %s", what, strerror(-r));
        if (r < 0)
                return store_action_failf(s, r, "cannot copy %s: %s", what, strerror(-r));
        if (futimens(out, ts) < 0 || fsync(out) < 0 || fstat(out, &st) < 0)
                return store_action_failf(s, -errno, "cannot write the copy of %s: %m", what);
        if ((uint64_t) st.st_size != size)
                return store_action_failf(s, -ESTALE, "%s changed size while it was copied", what);
        r = qr_hash_fd(out, sha);
        if (r < 0)
                return store_action_failf(s, r, "cannot read back the copy of %s: %s", what, strerror(-r));
        if (strcasecmp(sha, sha256) != 0)
                return store_action_failf(s, -ESTALE, "%s changed while it was copied", what);
        return 0;
}

int qr_copy_to_temp(struct vb_store *s, int in, int dfd, const char *tmpname, uint64_t size, int64_t mtime_ns,
                    const char *sha256, const char *what) {
        _cleanup_close_ int out = -EBADF;
        int r;

        out = openat(dfd, tmpname, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
        if (out < 0)
                return store_action_failf(s, -errno, "cannot create a temporary copy of %s: %m", what);
        r = qr_fill_temp(s, in, out, size, mtime_ns, sha256, what);
        if (r < 0) {
                (void) unlinkat(dfd, tmpname, 0);
                return r;
        }
        return TAKE_FD(out);
}

