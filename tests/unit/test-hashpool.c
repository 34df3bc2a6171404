/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/hashpool.c: every submitted file comes back exactly once,
 * with the same hash a single scanner gives, whatever the interleaving. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "hashpool.h"

#define N_FILES 300

static const char *const markers[] = { "AO Kaspersky Lab" };

static void make_files(const char *dir) {
        for (int i = 0; i < N_FILES; i++) {
                char name[32], content[64];
                snprintf(name, sizeof name, "f%03d", i);
                snprintf(content, sizeof content, "%s content %d", i % 7 == 0 ? "\177ELF AO Kaspersky Lab" : "text", i);
                write_file(dir, name, content);
        }
}

static int open_file(const char *dir, int i, struct stat *st) {
        char path[512];
        snprintf(path, sizeof path, "%s/f%03d", dir, i);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fstat(fd, st), 0);
        return fd;
}

static void check_result(const char *dir, const struct vb_hash_result *res, bool *seen) {
        struct vb_filescan *s;
        struct vb_file_content want;
        struct stat st;
        int i;

        ck_assert_int_eq(res->error, 0);
        ck_assert_int_eq(sscanf(res->path, "p%d", &i), 1);
        ck_assert(!seen[i]);
        seen[i] = true;
        ck_assert_int_eq(filescan_new(markers, 1, &s), 0);
        int fd = open_file(dir, i, &st);
        ck_assert_int_eq(filescan_fd(s, fd, &want), 0);
        close(fd);
        filescan_free(s);
        ck_assert_str_eq(res->content.sha256, want.sha256);
        ck_assert_int_eq(res->content.is_elf, want.is_elf);
        ck_assert_uint_eq(res->content.marker_hits, want.marker_hits);
        ck_assert_uint_eq((uint64_t) res->st.st_ino, (uint64_t) st.st_ino);
}

START_TEST(test_hashpool_returns_every_file_once_with_its_hash) {
        char *dir = tmpdir_make();
        struct vb_hashpool *p;
        struct vb_hash_result *res;
        bool seen[N_FILES] = {};
        size_t got = 0;

        make_files(dir);
        ck_assert_int_eq(hashpool_new(markers, 1, (unsigned) _i + 1, &p), 0);
        for (int i = 0; i < N_FILES; i++) {
                struct stat st;
                char path[16];
                int fd = open_file(dir, i, &st), r;

                snprintf(path, sizeof path, "p%d", i);
                while ((r = hashpool_submit(p, fd, path, &st)) == -EAGAIN)
                        while (hashpool_next(p, false, &res) > 0) {
                                check_result(dir, res, seen);
                                got++;
                        }
                ck_assert_int_eq(r, 0);
                if (i % 5 == 0 && hashpool_next(p, false, &res) > 0) {
                        check_result(dir, res, seen);
                        got++;
                }
        }
        while (hashpool_next(p, true, &res) > 0) {
                check_result(dir, res, seen);
                got++;
        }
        ck_assert_uint_eq(got, N_FILES);
        ck_assert_int_eq(hashpool_next(p, true, &res), 0);
        hashpool_free(p);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_hashpool_reports_read_errors) {
        char *dir = tmpdir_make();
        struct vb_hashpool *p;
        struct vb_hash_result *res;
        struct stat st;

        ck_assert_int_eq(hashpool_new(markers, 1, 2, &p), 0);
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fstat(fd, &st), 0);
        ck_assert_int_eq(hashpool_submit(p, fd, "dir", &st), 0);
        ck_assert_int_eq(hashpool_next(p, true, &res), 1);
        ck_assert_int_eq(res->error, -EISDIR);
        ck_assert_str_eq(res->path, "dir");
        hashpool_free(p);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_hashpool_free_with_work_in_flight) {
        char *dir = tmpdir_make();
        struct vb_hashpool *p;

        make_files(dir);
        ck_assert_int_eq(hashpool_new(markers, 1, 2, &p), 0);
        for (int i = 0; i < 50; i++) {
                struct stat st;
                int fd = open_file(dir, i, &st);
                if (hashpool_submit(p, fd, "x", &st) == -EAGAIN)
                        close(fd);
        }
        hashpool_free(p); /* joins the workers, closes what was not hashed */
        tmpdir_remove(dir);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("hashpool");
        TCase *tc = tcase_create("core");
        tcase_add_loop_test(tc, test_hashpool_returns_every_file_once_with_its_hash, 0, 3);
        tcase_add_test(tc, test_hashpool_reports_read_errors);
        tcase_add_test(tc, test_hashpool_free_with_work_in_flight);
        suite_add_tcase(s, tc);
        return s;
}
