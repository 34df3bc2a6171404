/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/gen-large: build the tree of a large host for bench/large-host:
 * N_FILES small files (64 B to 2 KiB, distinct content) spread evenly over
 * N_DIRS directories under ROOT/opt/large (100 per parent), a few of them
 * banned (an ELF under /opt/kaspersky, an ELF with the "AO Kaspersky Lab"
 * marker). Prints the banned paths (inside ROOT).
 *
 * usage: gen-large ROOT N_DIRS N_FILES ELF_TEMPLATE */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint64_t next(void) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static void die(const char *what, const char *path) {
        fprintf(stderr, "gen-large: %s %s: %s\n", what, path, strerror(errno));
        exit(1);
}

static void mkdir_or_die(const char *path) {
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                die("mkdir", path);
}

static void write_or_die(const char *path, const void *buf, size_t len, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, buf, len) != (ssize_t) len || close(fd) < 0)
                die("write", path);
}

int main(int argc, char **argv) {
        static char elf[1 << 20], buf[(1 << 20) + 256], path[4096];

        if (argc != 5) {
                fprintf(stderr, "usage: gen-large ROOT N_DIRS N_FILES ELF_TEMPLATE\n");
                return 2;
        }
        const char *root = argv[1];
        long n_dirs = atol(argv[2]), n_files = atol(argv[3]);
        FILE *t = fopen(argv[4], "re");
        size_t elf_len = t ? fread(elf, 1, sizeof elf - 256, t) : 0;
        if (t)
                fclose(t);
        if (elf_len < 64 || n_dirs < 1 || n_files < 1) {
                fprintf(stderr, "gen-large: bad arguments or unreadable %s\n", argv[4]);
                return 2;
        }

        snprintf(path, sizeof path, "%s/opt", root);
        mkdir_or_die(path);
        snprintf(path, sizeof path, "%s/opt/large", root);
        mkdir_or_die(path);
        for (long d = 0; d < n_dirs; d++) {
                if (d % 100 == 0) {
                        snprintf(path, sizeof path, "%s/opt/large/p%04ld", root, d / 100);
                        mkdir_or_die(path);
                }
                snprintf(path, sizeof path, "%s/opt/large/p%04ld/d%06ld", root, d / 100, d);
                mkdir_or_die(path);
        }
        for (long i = 0; i < n_files; i++) {
                long d = i % n_dirs;
                size_t len = 64 + next() % 1985;

                snprintf(path, sizeof path, "%s/opt/large/p%04ld/d%06ld/f%07ld", root, d / 100, d, i);
                for (size_t k = 0; k < len; k += 8) {
                        uint64_t v = next();
                        memcpy(buf + k, &v, 8);
                }
                write_or_die(path, buf, len, 0644);
        }

        /* The banned ones: one by path, one by marker, far apart in the walk. */
        snprintf(path, sizeof path, "%s/opt/kaspersky", root);
        mkdir_or_die(path);
        snprintf(path, sizeof path, "%s/opt/kaspersky/kesl", root);
        memcpy(buf, elf, elf_len);
        write_or_die(path, buf, elf_len, 0755);
        printf("/opt/kaspersky/kesl\n");
        snprintf(path, sizeof path, "%s/opt/large/p%04ld/d%06ld/agent", root, (n_dirs - 1) / 100, n_dirs - 1);
        memcpy(buf, elf, elf_len);
        size_t len = elf_len + (size_t) snprintf(buf + elf_len, 64, "(c) AO Kaspersky Lab");
        write_or_die(path, buf, len, 0755);
        printf("/opt/large/p%04ld/d%06ld/agent\n", (n_dirs - 1) / 100, n_dirs - 1);
        return 0;
}
