/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/units.c: masking on disk under a temporary root. The D-Bus
 * path needs a running systemd and is not exercised here. */
#include <errno.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "units.h"
#include "util.h"

/* Without openat2 (valgrind 3.19 does not know it) open_in_root() falls
 * back to refusing every symlink; only the symlink test cares. */
static bool openat2_missing(void) {
        struct open_how how = { .flags = O_PATH };
        int fd = (int) syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);

        if (fd >= 0) {
                close(fd);
                return false;
        }
        return errno == ENOSYS;
}

static char *unit_path(const char *root, const char *unit) {
        char *p;
        ck_assert(asprintf(&p, "%s/etc/systemd/system/%s", root, unit) > 0);
        return p;
}

static void assert_links_to_dev_null(const char *path) {
        char target[PATH_MAX];
        ssize_t l = readlink(path, target, sizeof target - 1);
        ck_assert_int_gt(l, 0);
        target[l] = '\0';
        ck_assert_str_eq(target, "/dev/null");
}

START_TEST(test_units_mask_and_unmask_under_root) {
        char *root = tmpdir_make();
        _cleanup_free_ char *path = unit_path(root, "kesl.service");

        ck_assert(!units_is_masked(root, "kesl.service"));
        /* ROOT/etc/systemd/system does not exist yet: mask creates it. */
        ck_assert_int_eq(units_mask(root, "kesl.service", false), 0);
        assert_links_to_dev_null(path);
        ck_assert(units_is_masked(root, "kesl.service"));
        ck_assert(!units_is_masked(root, "klnagent.service"));

        ck_assert_int_eq(units_unmask(root, "kesl.service"), 0);
        ck_assert(!units_is_masked(root, "kesl.service"));
        ck_assert_int_eq(access(path, F_OK), -1);
        /* Unmasking what is not masked is fine. */
        ck_assert_int_eq(units_unmask(root, "kesl.service"), 0);
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_units_mask_is_idempotent) {
        char *root = tmpdir_make();

        ck_assert_int_eq(units_mask(root, "kesl-supervisor.service", false), 0);
        ck_assert_int_eq(units_mask(root, "kesl-supervisor.service", false), 0);
        ck_assert(units_is_masked(root, "kesl-supervisor.service"));
        ck_assert_int_eq(units_mask(root, "kesl.timer", false), 0);
        ck_assert(units_is_masked(root, "kesl.timer"));
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_units_mask_refuses_real_file_and_other_symlink) {
        char *root = tmpdir_make();
        _cleanup_free_ char *real = unit_path(root, "kesl.service");
        _cleanup_free_ char *link = unit_path(root, "klnagent.service");

        write_file(root, "etc/systemd/system/kesl.service", "[Service]\nExecStart=/bin/true\n");
        ck_assert_int_eq(symlink("/lib/systemd/system/other.service", link), 0);

        ck_assert_int_eq(units_mask(root, "kesl.service", false), -EEXIST);
        ck_assert_int_eq(units_mask(root, "klnagent.service", false), -EEXIST);
        ck_assert(!units_is_masked(root, "kesl.service"));
        ck_assert(!units_is_masked(root, "klnagent.service"));

        /* Unmask leaves what is not a mask alone. */
        ck_assert_int_eq(units_unmask(root, "kesl.service"), -EEXIST);
        ck_assert_int_eq(units_unmask(root, "klnagent.service"), -EEXIST);
        struct stat st;
        ck_assert_int_eq(lstat(real, &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(lstat(link, &st), 0);
        ck_assert(S_ISLNK(st.st_mode));
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_units_mask_resolves_symlinks_inside_root) {
        char *root = tmpdir_make();
        if (openat2_missing()) {
                /* The fallback refuses every symlink: it must fail, not escape. */
                write_file(root, "realetc/placeholder", "");
                _cleanup_free_ char *link = NULL;
                ck_assert(asprintf(&link, "%s/etc", root) > 0);
                ck_assert_int_eq(symlink("/realetc", link), 0);
                ck_assert_int_lt(units_mask(root, "kesl.service", false), 0);
                ck_assert_int_eq(access("/realetc", F_OK), -1);
                tmpdir_remove(root);
                return;
        }
        _cleanup_free_ char *etc = NULL, *real = NULL;

        /* ROOT/etc -> /realetc must mean ROOT/realetc, never the host's. */
        ck_assert(asprintf(&etc, "%s/etc", root) > 0);
        ck_assert(asprintf(&real, "%s/realetc/systemd/system/kesl.service", root) > 0);
        write_file(root, "realetc/placeholder", "");
        ck_assert_int_eq(symlink("/realetc", etc), 0);

        ck_assert_int_eq(units_mask(root, "kesl.service", false), 0);
        assert_links_to_dev_null(real);
        ck_assert(units_is_masked(root, "kesl.service"));
        ck_assert_int_eq(units_unmask(root, "kesl.service"), 0);
        ck_assert_int_eq(access(real, F_OK), -1);
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_units_invalid_names) {
        char *root = tmpdir_make();
        static const char *const bad[] = {
                "", "kesl", ".service", "../kesl.service", "a/kesl.service", "kesl.service/",
                "kesl service", "kesl.service\n", "kesl.exe", "kesl.servicex",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ck_assert_msg(!units_name_is_valid(bad[i]), "accepted \"%s\"", bad[i]);
                ck_assert_int_eq(units_mask(root, bad[i], false), -EINVAL);
                ck_assert_int_eq(units_unmask(root, bad[i]), -EINVAL);
                ck_assert(!units_is_masked(root, bad[i]));
                ck_assert_int_eq(units_stop(bad[i]), -EINVAL);
        }
        ck_assert(!units_name_is_valid(NULL));
        ck_assert(units_name_is_valid("kesl@.service"));
        ck_assert(units_name_is_valid("kesl@x.service"));
        ck_assert(units_name_is_valid("opt-kaspersky.mount"));
        ck_assert(units_name_is_valid("kesl.socket"));
        /* Nothing was created for the bad names. */
        ck_assert_int_eq(access(root, F_OK), 0);
        _cleanup_free_ char *etc = NULL;
        ck_assert(asprintf(&etc, "%s/etc", root) > 0);
        ck_assert_int_eq(access(etc, F_OK), -1);
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_units_no_systemd_under_root) {
        char *root = tmpdir_make();

        write_file(root, "run/systemd/system/placeholder", "");
        ck_assert(!units_systemd_running(root));
        /* The D-Bus path is for the host only. */
        ck_assert_int_eq(units_mask(root, "kesl.service", true), -EINVAL);
        if (!units_systemd_running("/"))
                ck_assert_int_eq(units_stop("kesl.service"), -EOPNOTSUPP);
        tmpdir_remove(root);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("units");
        TCase *tc = tcase_create("units");

        tcase_add_test(tc, test_units_mask_and_unmask_under_root);
        tcase_add_test(tc, test_units_mask_is_idempotent);
        tcase_add_test(tc, test_units_mask_refuses_real_file_and_other_symlink);
        tcase_add_test(tc, test_units_mask_resolves_symlinks_inside_root);
        tcase_add_test(tc, test_units_invalid_names);
        tcase_add_test(tc, test_units_no_systemd_under_root);
        suite_add_tcase(s, tc);
        return s;
}
