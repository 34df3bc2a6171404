/* SPDX-License-Identifier: GPL-2.0-or-later */
/* bench/gen-root: build a synthetic root for the scan benchmarks: a dpkg
 * database with N packages (status + info/NAME.list) and F files under
 * /opt and /usr/local: ELF binaries (a real ELF with a unique tail),
 * scripts and data, all with distinct content. A few banned files are
 * hidden among them: ELFs under /opt/kaspersky and an ELF carrying the
 * "AO Kaspersky Lab" marker elsewhere. Prints the banned paths.
 *
 * usage: gen-root ROOT N_PACKAGES N_FILES ELF_TEMPLATE */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static void mkdirs(char *path) {
        for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                mkdir(path, 0755);
                *s = '/';
        }
}

static void write_all(const char *path, const void *buf, size_t len, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || write(fd, buf, len) != (ssize_t) len || close(fd) < 0) {
                fprintf(stderr, "gen-root: %s: %s\n", path, strerror(errno));
                exit(1);
        }
}

int main(int argc, char **argv) {
        if (argc != 5) {
                fprintf(stderr, "usage: gen-root ROOT N_PACKAGES N_FILES ELF_TEMPLATE\n");
                return 2;
        }
        const char *root = argv[1];
        long n_pkgs = atol(argv[2]), n_files = atol(argv[3]);
        static char elf[1 << 20], buf[(1 << 20) + 64 * 1024], path[4096];
        FILE *t = fopen(argv[4], "re");
        size_t elf_len = t ? fread(elf, 1, sizeof elf - 65536, t) : 0;
        if (t)
                fclose(t);
        if (elf_len < 64) {
                fprintf(stderr, "gen-root: cannot read %s\n", argv[4]);
                return 1;
        }

        snprintf(path, sizeof path, "%s/var/lib/dpkg/info/x", root);
        mkdirs(path);
        snprintf(path, sizeof path, "%s/var/lib/dpkg/updates/x", root);
        mkdirs(path);
        snprintf(path, sizeof path, "%s/var/lib/dpkg/status", root);
        FILE *status = fopen(path, "we");
        for (long p = 0; p < n_pkgs; p++) {
                fprintf(status, "Package: benchpkg%05ld\nStatus: install ok installed\nPriority: optional\n"
                                "Section: misc\nInstalled-Size: 100\nMaintainer: Bench Maintainers <bench@example.org>\n"
                                "Architecture: all\nVersion: 1.%ld-1\nDescription: synthetic package %ld\n"
                                " generated for the vendorban benchmarks.\n\n", p, p, p);
                snprintf(path, sizeof path, "%s/var/lib/dpkg/info/benchpkg%05ld.list", root, p);
                FILE *l = fopen(path, "we");
                fprintf(l, "/.\n/usr\n/usr/share\n/usr/share/doc\n/usr/share/doc/benchpkg%05ld\n"
                           "/usr/share/doc/benchpkg%05ld/copyright\n", p, p);
                fclose(l);
        }
        fclose(status);

        for (long i = 0; i < n_files; i++) {
                int kind = (int) (next() % 10);         /* 0: ELF, 1-2: script, 3-9: data */
                bool banned_path = i % 50000 == 17, banned_marker = i % 50000 == 4242;
                size_t len;
                mode_t mode = 0644;

                if (banned_path)
                        snprintf(path, sizeof path, "%s/opt/kaspersky/kesl/bin/kesl-%ld", root, i);
                else
                        snprintf(path, sizeof path, "%s/%s/app%03ld/%s/f%06ld", root, i % 3 ? "opt" : "usr/local",
                                 i % 400, kind == 0 ? "bin" : kind < 3 ? "libexec" : "share", i);
                mkdirs(path);
                if (kind == 0 || banned_path || banned_marker) {
                        memcpy(buf, elf, elf_len);
                        len = elf_len;
                        len += (size_t) snprintf(buf + len, 64, "unique %ld %s", i,
                                                 banned_marker ? "(c) AO Kaspersky Lab" : "");
                        mode = 0755;
                } else if (kind < 3) {
                        len = (size_t) snprintf(buf, 256, "#!/bin/sh\n# script %ld\n", i);
                        for (size_t k = 0; k < 40; k++)
                                len += (size_t) snprintf(buf + len, 64, "echo line %zu of %ld\n", k, i);
                        mode = 0755;
                } else {
                        len = 1024 + next() % (15 * 1024);
                        for (size_t k = 0; k < len; k += 8) {
                                uint64_t v = next();
                                memcpy(buf + k, &v, 8);
                        }
                }
                write_all(path, buf, len, mode);
                if (banned_path || banned_marker)
                        printf("%s\n", path + strlen(root));
        }
        return 0;
}
