/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to lib/quarantine*.c: the helpers of quarantine-fs.c (safe
 * opening of paths inside the root and of the quarantine directory,
 * hashing and copying through open fds). A helper that takes the store
 * says why it failed through store_action_failf(). */
#pragma once

#include <stdint.h>
#include <sys/stat.h>

#include "quarantine.h"

#define QR_MAX_SUFFIX 100       /* sha256, sha256.1 ... sha256.99 */

/* A name in the quarantine directory or a temporary file name. */
#define QR_NAME_MAX 128

/* The directory of path (absolute, inside root) resolved inside the root,
 * opened O_RDONLY|O_DIRECTORY; *ret_base points into path. -EINVAL for a
 * path that is not absolute or ends in "/", "." or "..". */
int qr_open_parent(struct vb_store *s, const char *root, const char *path, int *ret_fd, const char **ret_base);

/* qdir inside root, created 0700 if missing; -EPERM if it is a symlink,
 * not a directory, not ours or open to group or others. */
int qr_open_qdir(struct vb_store *s, const char *root, const char *qdir, int *ret_fd);

/* Open dfd/name read-only without following a symlink (-ELOOP) and only if
 * it is a regular file (-EISDIR, -EINVAL otherwise); ret_st filled. */
int qr_open_regular(int dfd, const char *name, struct stat *ret_st);

/* The sha256 of the whole file behind fd (read from offset 0). */
int qr_hash_fd(int fd, char ret[static 65]);

/* 1 if dfd/name is a regular file with that sha256, 0 if there is
 * nothing there, 2 if something else is. */
int qr_check_stored(int dfd, const char *name, const char *sha256);

/* Copy the file behind in (size bytes from offset 0) into a new file
 * dfd/tmpname (O_EXCL, mode 0), with mtime_ns, fsynced, its size and
 * sha256 checked. Returns its fd; on failure nothing is left behind.
 * Messages name what (a human noun) was being copied. */
int qr_copy_to_temp(struct vb_store *s, int in, int dfd, const char *tmpname, uint64_t size, int64_t mtime_ns,
                    const char *sha256, const char *what);

/* fsync a directory fd; a message on failure. */
int qr_fsync_dir(struct vb_store *s, int dfd, const char *what);

/* "<stored_name>.<id>.tmp": the temporary copy of a cross-device move. */
int qr_temp_name(char buf[static QR_NAME_MAX], const char *stored_name, int64_t id);

/* Set a row's state, keeping the message of the error being returned. */
int qr_set_state(struct vb_store *s, int64_t id, const char *state, const char *error, int64_t usec);
