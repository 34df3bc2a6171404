/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scratch files for the fuzz harnesses (see fuzz-util.h). Owns one
 * directory per process under /dev/shm (else $TMPDIR); touches nothing
 * outside it. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-util.h"

static char *scratch;

_Noreturn void fuzz_fail(const char *file, int line, const char *expr) {
        fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, expr);
        abort();
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void scratch_remove(void) {
        if (scratch)
                nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        free(scratch);
        scratch = NULL;
}

const char *fuzz_dir(void) {
        const char *base = getenv("TMPDIR");

        if (scratch)
                return scratch;
        /* tmpfs: on ext4, rewriting a file in place every run waits for
         * the disk (auto_da_alloc), slowing fuzzing tenfold. libFuzzer
         * ends with _Exit() (no atexit), so run sets FUZZ_SCRATCH to a
         * directory it removes itself. */
        if (getenv("FUZZ_SCRATCH"))
                base = getenv("FUZZ_SCRATCH");
        else if (access("/dev/shm", W_OK) == 0)
                base = "/dev/shm";
        if (asprintf(&scratch, "%s/vbfuzz.XXXXXX", base && *base ? base : "/tmp") < 0 || !mkdtemp(scratch)) {
                fprintf(stderr, "cannot create a scratch directory: %s\n", strerror(errno));
                abort();
        }
        atexit(scratch_remove);
        return scratch;
}

void fuzz_write(const char *relpath, const void *data, size_t size) {
        char path[4096];
        const char *p = data;
        int fd;

        snprintf(path, sizeof path, "%s/%s", fuzz_dir(), relpath);
        for (char *s = strchr(path + strlen(scratch) + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                if (mkdir(path, 0700) < 0 && errno != EEXIST)
                        fuzz_fail(__FILE__, __LINE__, "mkdir of a scratch directory");
                *s = '/';
        }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                fuzz_fail(__FILE__, __LINE__, "open of a scratch file");
        while (size > 0) {
                ssize_t k = write(fd, p, size);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        fuzz_fail(__FILE__, __LINE__, "write of a scratch file");
                p += k;
                size -= (size_t) k;
        }
        if (close(fd) < 0)
                fuzz_fail(__FILE__, __LINE__, "close of a scratch file");
}

void fuzz_unlink(const char *relpath) {
        char path[4096];

        snprintf(path, sizeof path, "%s/%s", fuzz_dir(), relpath);
        if (unlink(path) < 0 && errno != ENOENT)
                fuzz_fail(__FILE__, __LINE__, "unlink of a scratch file");
}

bool fuzz_include_escapes(const uint8_t *data, size_t size) {
        static const char directive[] = "include";
        bool found = false;

        /* case-insensitive, in case a libconfig version matches it so */
        for (const uint8_t *at = data; !found && (at = memchr(at, '@', data + size - at)); at++)
                found = (size_t) (data + size - at - 1) >= sizeof directive - 1 &&
                        strncasecmp((const char *) at + 1, directive, sizeof directive - 1) == 0;
        if (!found)
                return false;
        return memchr(data, '/', size) || memchr(data, '\\', size) || memmem(data, size, "..", 2);
}
