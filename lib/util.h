/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every module: cleanup attributes, string vectors,
 * paths under a root, time. No globals, no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Hand ownership of a pointer out of a _cleanup_ variable. */
#define TAKE_PTR(p)                          \
        ({                                   \
                __typeof__(p) _p_ = (p);     \
                (p) = NULL;                  \
                _p_;                         \
        })

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

#define TAKE_FD(fd)                          \
        ({                                   \
                int _fd_ = (fd);             \
                (fd) = -1;                   \
                _fd_;                        \
        })

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* A growable vector of owned, NUL-terminated strings. */
struct vb_strv {
        char **v;
        size_t n;
};

int strv_push(struct vb_strv *s, const char *value);     /* copies value; -ENOMEM */
void strv_clear(struct vb_strv *s);
bool strv_contains(const struct vb_strv *s, const char *value);

/* "ROOT" + "/abs/path" -> newly allocated host path. A root of NULL, "" or
 * "/" returns a copy of path. path must be absolute. */
char *path_under_root(const char *root, const char *path);

/* Wall clock in microseconds / seconds since the epoch. */
int64_t now_usec(void);
int64_t now_sec(void);

/* "2024-07-20" -> seconds since the epoch at 00:00 UTC; -EINVAL if not a
 * real calendar date in that exact format. */
int date_parse(const char *s, int64_t *ret);
/* seconds since epoch -> "2024-07-20" (buf of at least 11 bytes). */
void date_format(int64_t t, char buf[static 11]);

/* Lower-case hex of len bytes; out must hold 2*len+1. */
void hex_encode(const unsigned char *in, size_t len, char *out);

/* Open path (absolute, inside root) resolving every component inside the
 * root, as if root were "/": an absolute symlink in the root points into
 * the root, never out to the host (openat2 RESOLVE_IN_ROOT). flags as for
 * open(2); O_CLOEXEC is added. Returns an fd or a negative errno. */
int open_in_root(const char *root, const char *path, int flags);

/* Open the directory path inside root with flags (O_DIRECTORY added),
 * creating it and its parents with mode 0755 as needed; every component is
 * resolved inside root. */
int mkdir_open_in_root(const char *root, const char *path, int flags, int *ret_fd);

/* mkdir -p on the host: parents get 0755, the last directory mode. */
int mkdir_p(const char *path, mode_t mode);
