/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every module (see util.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

int strv_push(struct vb_strv *s, const char *value) {
        char **v = realloc(s->v, (s->n + 2) * sizeof(char *));
        if (!v)
                return -ENOMEM;
        s->v = v;
        v[s->n] = strdup(value);
        if (!v[s->n])
                return -ENOMEM;
        v[++s->n] = NULL;
        return 0;
}

void strv_clear(struct vb_strv *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

bool strv_contains(const struct vb_strv *s, const char *value) {
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->v[i], value) == 0)
                        return true;
        return false;
}

char *path_under_root(const char *root, const char *path) {
        if (!root || root[0] == '\0' || strcmp(root, "/") == 0)
                return strdup(path);

        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
                rl--;
        while (path[0] == '/' && path[1] == '/')
                path++;

        char *r = malloc(rl + strlen(path) + 2);
        if (!r)
                return NULL;
        memcpy(r, root, rl);
        if (path[0] != '/')
                r[rl++] = '/';
        strcpy(r + rl, path);
        return r;
}

int64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_sec(void) {
        return now_usec() / 1000000;
}

int date_parse(const char *s, int64_t *ret) {
        int y, m, d, n = 0;

        if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
                return -EINVAL;
        if (s[4] != '-' || s[7] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
                return -EINVAL;

        static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (d > mdays[m - 1] + (m == 2 && leap))
                return -EINVAL;

        struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
        *ret = (int64_t) timegm(&tm);
        return 0;
}

void date_format(int64_t t, char buf[static 11]) {
        time_t tt = (time_t) t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(buf, 11, "%Y-%m-%d", &tm);
}

void hex_encode(const unsigned char *in, size_t len, char *out) {
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[in[i] >> 4];
                out[2 * i + 1] = digits[in[i] & 0xf];
        }
        out[2 * len] = '\0';
}

/* Without openat2 (kernels before 5.6, valgrind): walk the components one
 * by one and refuse every symlink (-ELOOP). Stricter than RESOLVE_IN_ROOT,
 * never less safe. */
static int open_beneath_no_symlinks(int rfd, const char *path, int flags) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int dfd = -1;
        char *save = NULL, *next;

        if (!copy)
                return -ENOMEM;
        dfd = fcntl(rfd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return -errno;
        for (char *c = strtok_r(copy, "/", &save); c; c = next) {
                next = strtok_r(NULL, "/", &save);
                if (strcmp(c, "..") == 0)
                        return -EXDEV;
                int fd = openat(dfd, c, next ? O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
                                             : flags | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                close(dfd);
                dfd = fd;
        }
        if (!copy[0]) {
                int fd = openat(rfd, ".", flags | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        return TAKE_FD(dfd);
}

int open_in_root(const char *root, const char *path, int flags) {
        if (!root || root[0] == '\0' || strcmp(root, "/") == 0) {
                int fd = open(path, flags | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }

        _cleanup_close_ int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rfd < 0)
                return -errno;

        struct open_how how = {
                .flags = (uint64_t) (flags | O_CLOEXEC),
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        while (path[0] == '/')
                path++;
        int fd = (int) syscall(SYS_openat2, rfd, path[0] ? path : ".", &how, sizeof how);
        if (fd < 0 && errno == ENOSYS)
                return open_beneath_no_symlinks(rfd, path, flags);
        return fd < 0 ? -errno : fd;
}

int mkdir_open_in_root(const char *root, const char *path, int flags, int *ret_fd) {
        _cleanup_free_ char *p = strdup(path);
        _cleanup_close_ int fd = open_in_root(root, "/", flags | O_DIRECTORY);

        if (!p)
                return -ENOMEM;
        if (fd < 0)
                return fd;
        for (char *s = p + 1; *s;) {
                char *e = strchrnul(s, '/');
                bool last = *e == '\0';

                *e = '\0';
                if (mkdirat(fd, s, 0755) < 0 && errno != EEXIST)
                        return -errno;
                int nfd = open_in_root(root, p, flags | O_DIRECTORY);
                if (nfd < 0)
                        return nfd;
                close(fd);
                fd = nfd;
                if (last)
                        break;
                *e = '/';
                s = e + 1;
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}
