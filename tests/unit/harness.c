/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main() for every Check suite, and temporary-file helpers. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

char *tmpdir_make(void) {
        const char *base = getenv("TMPDIR");
        char *p;

        ck_assert(asprintf(&p, "%s/vbtest.XXXXXX", base ? base : "/tmp") > 0);
        ck_assert_ptr_nonnull(mkdtemp(p));
        return p;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

void tmpdir_remove(char *dir) {
        if (dir)
                nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
}

void write_file(const char *dir, const char *relpath, const char *content) {
        char *path;

        ck_assert(asprintf(&path, "%s/%s", dir, relpath) > 0);
        for (char *s = strchr(path + strlen(dir) + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                mkdir(path, 0755);
                *s = '/';
        }
        FILE *f = fopen(path, "we");
        ck_assert_msg(f, "cannot write %s: %s", path, strerror(errno));
        fputs(content, f);
        ck_assert_int_eq(fclose(f), 0);
        free(path);
}

int main(void) {
        SRunner *sr = srunner_create(test_suite());
        int failed;

        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
