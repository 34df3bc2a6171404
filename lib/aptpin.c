/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The APT pin file (see aptpin.h): its content, built in memory, and its
 * atomic replacement. Touches nothing in preferences.d but vendorban.pref
 * and our own temporary ".vendorban.pref.*" (APT ignores dot files). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "aptpin.h"
#include "util.h"

#define NAME_MAX_LEN 255

static const char header[] =
        "# Managed by vendorban: do not edit. This file is regenerated from the\n"
        "# vendorban policy and the installed packages; changes here are lost.\n";

bool aptpin_name_is_valid(const char *name) {
        bool literal = false;

        if (!name || strlen(name) < 2 || strlen(name) > NAME_MAX_LEN)
                return false;
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789*", name[0]))
                return false;
        for (const char *c = name; *c; c++) {
                if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789+.-*", *c))
                        return false;
                literal = literal || *c != '*';
        }
        return literal;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The whole file for the sorted names, in *ret (NUL-terminated). */
static int content_build(const char *const *sorted, size_t n, const char *ban_info, char **ret, size_t *ret_len) {
        _cleanup_free_ char *info = strdup(ban_info ? ban_info : "");
        char *buf = NULL;
        size_t len = 0;

        if (!info)
                return -ENOMEM;
        for (char *c = info; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        *c = ' ';

        FILE *f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        fputs(header, f);
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0)
                        continue;
                fprintf(f, "\nExplanation: banned by vendorban%s%s\n"
                           "Package: %s\n"
                           "Pin: version *\n"
                           "Pin-Priority: -1\n",
                        info[0] ? ": " : "", info, sorted[i]);
        }
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_len = len;
        return 0;
}

/* True if dfd/APTPIN_FILE is a regular file, mode 0644, holding content. */
static bool file_has_content(int dfd, const char *content, size_t len) {
        _cleanup_close_ int fd = openat(dfd, APTPIN_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *buf = malloc(len + 1);
        struct stat st;
        size_t have = 0;

        if (fd < 0 || !buf || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 07777) != 0644)
                return false;
        if ((size_t) st.st_size != len)
                return false;
        while (have <= len) {
                ssize_t l = read(fd, buf + have, len + 1 - have);
                if (l < 0 && errno == EINTR)
                        continue;
                if (l <= 0)
                        break;
                have += (size_t) l;
        }
        return have == len && memcmp(buf, content, len) == 0;
}

static int write_all(int fd, const char *p, size_t len) {
        while (len > 0) {
                ssize_t l = write(fd, p, len);
                if (l < 0 && errno == EINTR)
                        continue;
                if (l < 0)
                        return -errno;
                p += l;
                len -= (size_t) l;
        }
        return 0;
}

/* Write content to a new temporary file in dfd and fsync it. */
static int tmp_write(int dfd, const char *tmp, const char *content, size_t len) {
        _cleanup_close_ int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        int r;

        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0644) < 0)
                return -errno;
        r = write_all(fd, content, len);
        if (r < 0)
                return r;
        if (fsync(fd) < 0)
                return -errno;
        r = close(fd);
        fd = -1;
        return r < 0 ? -errno : 0;
}

static int replace_atomic(int dfd, const char *content, size_t len) {
        unsigned char rnd[8];
        char hex[2 * sizeof rnd + 1], tmp[64];
        int r;

        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
                return -EIO;
        hex_encode(rnd, sizeof rnd, hex);
        snprintf(tmp, sizeof tmp, "." APTPIN_FILE ".%s", hex);

        r = tmp_write(dfd, tmp, content, len);
        if (r >= 0 && renameat(dfd, tmp, dfd, APTPIN_FILE) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dfd, tmp, 0);
                return r;
        }
        return fsync(dfd) < 0 ? -errno : 0;
}

int aptpin_write(const char *root, const char *const *names, size_t n, const char *ban_info) {
        _cleanup_free_ const char **sorted = NULL;
        _cleanup_free_ char *content = NULL;
        _cleanup_close_ int dfd = -1;
        size_t len;
        int r;

        if (n == 0)
                return aptpin_remove(root);
        for (size_t i = 0; i < n; i++)
                if (!aptpin_name_is_valid(names[i]))
                        return -EINVAL;

        sorted = malloc(n * sizeof(char *));
        if (!sorted)
                return -ENOMEM;
        memcpy(sorted, names, n * sizeof(char *));
        qsort(sorted, n, sizeof(char *), cmp_str);
        r = content_build(sorted, n, ban_info, &content, &len);
        if (r < 0)
                return r;

        r = mkdir_open_in_root(root, APTPIN_DIR, O_RDONLY, &dfd);
        if (r < 0)
                return r;
        if (file_has_content(dfd, content, len))
                return 0;
        r = replace_atomic(dfd, content, len);
        return r < 0 ? r : 1;
}

int aptpin_remove(const char *root) {
        _cleanup_close_ int dfd = open_in_root(root, APTPIN_DIR, O_RDONLY | O_DIRECTORY);

        if (dfd == -ENOENT)
                return 0;
        if (dfd < 0)
                return dfd;
        if (unlinkat(dfd, APTPIN_FILE, 0) < 0)
                return errno == ENOENT ? 0 : -errno;
        return fsync(dfd) < 0 ? -errno : 1;
}
