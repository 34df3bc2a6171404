/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/util.c and lib/diag.c. */
#include <errno.h>
#include <string.h>

#include "diag.h"
#include "harness.h"
#include "util.h"

START_TEST(test_util_path_under_root_joins) {
        char *p = path_under_root("/tmp/r/", "/opt/x");
        ck_assert_str_eq(p, "/tmp/r/opt/x");
        free(p);
        p = path_under_root("/", "/opt/x");
        ck_assert_str_eq(p, "/opt/x");
        free(p);
        p = path_under_root(NULL, "/opt/x");
        ck_assert_str_eq(p, "/opt/x");
        free(p);
}
END_TEST

START_TEST(test_util_date_parse_accepts_real_dates_only) {
        int64_t t;
        char buf[11];

        ck_assert_int_eq(date_parse("2024-07-20", &t), 0);
        ck_assert_int_eq(t, 1721433600);
        date_format(t, buf);
        ck_assert_str_eq(buf, "2024-07-20");
        ck_assert_int_eq(date_parse("2024-02-29", &t), 0);
        ck_assert_int_eq(date_parse("2023-02-29", &t), -EINVAL);
        ck_assert_int_eq(date_parse("2024-13-01", &t), -EINVAL);
        ck_assert_int_eq(date_parse("2024-7-20", &t), -EINVAL);
        ck_assert_int_eq(date_parse("2024-07-20x", &t), -EINVAL);
        ck_assert_int_eq(date_parse("", &t), -EINVAL);
        ck_assert_int_eq(date_parse(NULL, &t), -EINVAL);
}
END_TEST

START_TEST(test_util_strv_push_and_contains) {
        struct vb_strv s = {};
        ck_assert_int_eq(strv_push(&s, "a"), 0);
        ck_assert_int_eq(strv_push(&s, "b"), 0);
        ck_assert_uint_eq(s.n, 2);
        ck_assert_ptr_null(s.v[2]);
        ck_assert(strv_contains(&s, "b"));
        ck_assert(!strv_contains(&s, "c"));
        strv_clear(&s);
        ck_assert_uint_eq(s.n, 0);
}
END_TEST

START_TEST(test_diag_counts_past_capacity) {
        struct vb_diag d = {};
        for (int i = 0; i < VB_DIAG_MAX + 5; i++)
                diag_add(&d, "f.conf", (unsigned) i + 1, "error %d", i);
        ck_assert_uint_eq(d.n, VB_DIAG_MAX + 5);
        ck_assert_str_eq(d.items[0].message, "error 0");
        ck_assert_uint_eq(d.items[1].line, 2);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("util");
        TCase *tc = tcase_create("core");
        tcase_add_test(tc, test_util_path_under_root_joins);
        tcase_add_test(tc, test_util_date_parse_accepts_real_dates_only);
        tcase_add_test(tc, test_util_strv_push_and_contains);
        tcase_add_test(tc, test_diag_counts_past_capacity);
        suite_add_tcase(s, tc);
        return s;
}
