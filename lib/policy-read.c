/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading one policy file safely, before libconfig sees it: regular files
 * only (opened O_NONBLOCK, checked with fstat), a size limit, and the text
 * checks for what would make libconfig exit or read other files. Also
 * lists the directories of the policy. No libconfig here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy-parse.h"

#define POLICY_FILE_MAX (4u * 1024 * 1024)

/* What a file that is not a regular file is, for the message refusing it. */
const char *policy_file_type_name(mode_t m) {
        if (S_ISFIFO(m))
                return "a FIFO";
        if (S_ISCHR(m))
                return "a character device";
        if (S_ISBLK(m))
                return "a block device";
        if (S_ISSOCK(m))
                return "a socket";
        return "not a regular file";
}

/* The whole of a file, NUL-terminated; negative errno on failure. Opened
 * with O_NONBLOCK and checked with fstat() before any read, so a FIFO or a
 * device in place of a policy file is refused (-EBADF, its type in
 * *ret_type) instead of blocking the caller. */
int policy_file_read(const char *path, char **ret, size_t *ret_size, mode_t *ret_type) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        *ret_type = st.st_mode & S_IFMT;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if ((uint64_t) st.st_size > POLICY_FILE_MAX)
                return -EFBIG;
        buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += k;
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

/* What libconfig must never see, refused with file:line before it does:
 * an @-directive at the start of a line (libconfig 1.5 calls exit() on
 * '@include ""', and an included file is opened by libconfig itself, so it
 * could be a FIFO that blocks, and it would escape the digest) and NUL
 * bytes (libconfig would silently stop reading there). Returns the number
 * of problems reported. */
unsigned policy_text_check(struct vb_diag *diag, const char *file, const char *bytes, size_t size) {
        unsigned line = 1, bad = 0;
        bool line_start = true;

        for (size_t i = 0; i < size; i++) {
                char c = bytes[i];

                if (c == '\0') {
                        diag_add(diag, file, line, "NUL byte in a policy file: refused");
                        return bad + 1;
                }
                if (c == '\n') {
                        line++;
                        line_start = true;
                        continue;
                }
                if (line_start && c == '@') {
                        size_t n = strcspn(bytes + i + 1, " \t\r\n\"");

                        diag_add(diag, file, line, "\"@%.*s\" directives are not supported (libconfig would "
                                 "read another file unchecked); put extra settings in a drop-in file "
                                 "(see vendorban-ban.conf(5))", (int) (n > 32 ? 32 : n), bytes + i + 1);
                        bad++;
                }
                if (c != ' ' && c != '\t')
                        line_start = false;
        }
        return bad;
}


static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n > k && strcmp(s + n - k, suffix) == 0;
}

int policy_dir_list(const char *host_dir, const char *suffix, bool want_dirs, struct vb_strv *ret) {
        _cleanup_(closedirp) DIR *d = opendir(host_dir);
        struct vb_strv names = {};
        struct dirent *de;
        int r;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                struct stat st;
                bool dir;

                if (de->d_name[0] == '.' || !ends_with(de->d_name, suffix))
                        continue;
                /* Anything but a directory counts as a file: a FIFO or a
                 * device named *.conf is refused by name when read, not
                 * skipped; a dangling link is reported as missing. */
                dir = fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
                if (dir != want_dirs)
                        continue;
                r = strv_push(&names, de->d_name);
                if (r < 0) {
                        strv_clear(&names);
                        return r;
                }
        }
        if (names.n > 0)
                qsort(names.v, names.n, sizeof(char *), strcmp_ptr);
        *ret = names;
        return 0;
}

int policy_pending_scan(const char *host_dir, struct vb_strv *pending) {
        static const char *const suffixes[] = {
                ".dpkg-dist", ".dpkg-new", ".dpkg-old", ".ucf-dist", ".ucf-new", ".ucf-old",
        };
        _cleanup_(closedirp) DIR *d = opendir(host_dir);
        struct dirent *de;
        int r;

        if (!d)
                return 0;
        while ((de = readdir(d)))
                for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                        _cleanup_free_ char *path = NULL;

                        if (!ends_with(de->d_name, suffixes[i]))
                                continue;
                        if (asprintf(&path, "%s/%s", host_dir, de->d_name) < 0)
                                return -ENOMEM;
                        r = strv_push(pending, path);
                        if (r < 0)
                                return r;
                }
        return 0;
}

bool policy_is_masked(const char *host_path) {
        char target[16];
        ssize_t n = readlink(host_path, target, sizeof target - 1);

        if (n < 0)
                return false;
        target[n] = '\0';
        return strcmp(target, "/dev/null") == 0;
}
