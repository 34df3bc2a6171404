/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main() for replaying fuzz inputs without libFuzzer (gcc or clang): every
 * file named on the command line, or every regular file of a directory
 * named there, is read whole and passed once to LLVMFuzzerTestOneInput().
 * A crash or a failed invariant aborts; an unreadable input fails. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-util.h"

static int replay_file(const char *path) {
        struct stat st;
        uint8_t *buf;
        size_t n = 0;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        /* exactly size bytes, as libFuzzer gives them: ASan sees overreads */
        buf = malloc(st.st_size > 0 ? (size_t) st.st_size : 1);
        if (!buf) {
                close(fd);
                return -1;
        }
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t) k;
        }
        close(fd);
        if (n != (size_t) st.st_size) {
                fprintf(stderr, "%s: short read\n", path);
                free(buf);
                return -1;
        }
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        return 0;
}

static int not_hidden(const struct dirent *de) {
        return de->d_name[0] != '.';
}

/* Replay the regular files of dir in name order; returns the count or -1. */
static int replay_dir(const char *dir) {
        struct dirent **list = NULL;
        int n = scandir(dir, &list, not_hidden, alphasort), count = 0;

        if (n < 0) {
                fprintf(stderr, "%s: %s\n", dir, strerror(errno));
                return -1;
        }
        for (int i = 0; i < n; i++) {
                char path[4096];
                struct stat st;

                snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                        if (replay_file(path) < 0)
                                count = -1;
                        else if (count >= 0)
                                count++;
                }
                free(list[i]);
        }
        free(list);
        return count;
}

int main(int argc, char *argv[]) {
        int failed = 0, total = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        failed = 1;
                } else if (S_ISDIR(st.st_mode)) {
                        int n = replay_dir(argv[i]);
                        if (n < 0)
                                failed = 1;
                        else
                                total += n;
                } else if (replay_file(argv[i]) < 0)
                        failed = 1;
                else
                        total++;
        }
        printf("%d inputs replayed\n", total);
        return failed;
}
