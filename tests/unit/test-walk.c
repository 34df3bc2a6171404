/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/walk.c: any depth with a bounded number of descriptors,
 * full paths, symlinks not followed, callback errors stop the walk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"
#include "walk.h"

#define DEPTH 1500

struct seen {
        char *paths[8];
        unsigned char types[8];
        size_t n;
        int max_fds;
        size_t errors;
        int stop_at;            /* return -ECANCELED at this file (1-based), 0: never */
};

static int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        int n = 0;

        ck_assert_ptr_nonnull(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static int on_file(int dfd, const char *name, const char *path, unsigned char type, void *userdata) {
        struct seen *s = userdata;
        struct stat st;

        ck_assert_int_eq(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
        ck_assert_uint_lt(s->n, ELEMENTSOF(s->paths));
        s->paths[s->n] = strdup(path);
        s->types[s->n++] = type;
        int fds = count_fds();
        if (fds > s->max_fds)
                s->max_fds = fds;
        return s->stop_at > 0 && (int) s->n == s->stop_at ? -ECANCELED : 0;
}

static void on_error(const char *path, int error, void *userdata) {
        struct seen *s = userdata;
        (void) path;
        (void) error;
        s->errors++;
}

static void seen_clear(struct seen *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->paths[i]);
        *s = (struct seen) {};
}

static const char *find_path(const struct seen *s, const char *suffix) {
        for (size_t i = 0; i < s->n; i++) {
                size_t l = strlen(s->paths[i]), k = strlen(suffix);
                if (l >= k && strcmp(s->paths[i] + l - k, suffix) == 0)
                        return s->paths[i];
        }
        return NULL;
}

/* DIR/top, DIR/link -> /etc, and DEPTH nested "d" directories holding "f". */
static void make_tree(const char *dir) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        write_file(dir, "top", "x\n");
        ck_assert_int_eq(symlinkat("/etc", fd, "link"), 0);
        for (int i = 0; i < DEPTH; i++) {
                ck_assert_int_eq(mkdirat(fd, "d", 0755), 0);
                int sub = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                ck_assert_int_ge(sub, 0);
                close(fd);
                fd = sub;
        }
        int f = openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ck_assert_int_ge(f, 0);
        close(f);
        close(fd);
}

START_TEST(test_walk_any_depth_few_descriptors) {
        char *dir = tmpdir_make();
        struct seen s = {};

        make_tree(dir);
        int before = count_fds();
        ck_assert_int_eq(walk_tree(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "/top", on_file, on_error, &s), 0);
        ck_assert_int_eq(count_fds(), before);  /* every descriptor closed */
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_eq(s.n, 3);
        ck_assert_ptr_nonnull(find_path(&s, "/top/top"));
        ck_assert_ptr_nonnull(find_path(&s, "/top/link"));
        const char *deep = find_path(&s, "/d/f");
        ck_assert_ptr_nonnull(deep);
        ck_assert_uint_eq(strlen(deep), strlen("/top") + 2 * DEPTH + 2);
        ck_assert_int_lt(s.max_fds, before + 80);       /* bounded, not one per level */
        for (size_t i = 0; i < s.n; i++)
                if (strcmp(s.paths[i], "/top/link") == 0)
                        ck_assert_int_eq(s.types[i], DT_LNK);   /* reported, not followed */
        seen_clear(&s);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_walk_callback_stops_it) {
        char *dir = tmpdir_make();
        struct seen s = { .stop_at = 1 };

        make_tree(dir);
        int before = count_fds();
        ck_assert_int_eq(walk_tree(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), "/", on_file, on_error, &s),
                         -ECANCELED);
        ck_assert_int_eq(count_fds(), before);
        ck_assert_uint_eq(s.n, 1);
        ck_assert(s.paths[0][0] == '/' && s.paths[0][1] != '/');
        seen_clear(&s);
        tmpdir_remove(dir);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("walk");
        TCase *tc = tcase_create("core");
        tcase_set_timeout(tc, 60);

        tcase_add_test(tc, test_walk_any_depth_few_descriptors);
        tcase_add_test(tc, test_walk_callback_stops_it);
        suite_add_tcase(s, tc);
        return s;
}
