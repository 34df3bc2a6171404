/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for cli/timespec.c: the times --since and --until take. */
#include <stdint.h>

#include "cli.h"
#include "harness.h"

/* 2026-11-25T18:30:15Z */
#define NOW (INT64_C(1795631415) * 1000000)
#define DAY (INT64_C(86400) * 1000000)

static int64_t parse(const char *s) {
        int64_t t = -1;

        ck_assert_int_eq(cli_parse_time(s, NOW, &t), 0);
        return t;
}

START_TEST(test_timespec_absolute_dates_and_times_are_utc) {
        ck_assert_int_eq(parse("2026-11-25"), INT64_C(1795564800) * 1000000);
        ck_assert_int_eq(parse("2026-11-25 18:30"), INT64_C(1795631400) * 1000000);
        ck_assert_int_eq(parse("2026-11-25T18:30:15Z"), NOW);
        ck_assert_int_eq(parse("2026-11-25T18:30:15"), NOW);
        ck_assert_int_eq(parse("2024-09-29"), INT64_C(1727568000) * 1000000);
}
END_TEST

START_TEST(test_timespec_words_and_spans_count_back_from_now) {
        ck_assert_int_eq(parse("now"), NOW);
        ck_assert_int_eq(parse("today"), INT64_C(1795564800) * 1000000);
        ck_assert_int_eq(parse("yesterday"), INT64_C(1795564800) * 1000000 - DAY);
        ck_assert_int_eq(parse("-2h"), NOW - INT64_C(7200) * 1000000);
        ck_assert_int_eq(parse("2h ago"), NOW - INT64_C(7200) * 1000000);
        ck_assert_int_eq(parse("7 d ago"), NOW - 7 * DAY);
        ck_assert_int_eq(parse("-1w"), NOW - 7 * DAY);
        ck_assert_int_eq(parse("-30s"), NOW - INT64_C(30) * 1000000);
        ck_assert_int_eq(parse("-15m"), NOW - INT64_C(900) * 1000000);
}
END_TEST

START_TEST(test_timespec_rejects_what_it_cannot_read) {
        static const char *const bad[] = {
                "", "last tuesday", "2026-13-01", "2026-02-31", "2026-11-25 25:00", "2026-11-25X",
                "-2", "-h", "2y ago", "ago", "-99999999999d", "1969-12-31", "2026-11-5", "2026-11-25 18:3",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                int64_t t = 42;

                ck_assert_msg(cli_parse_time(bad[i], NOW, &t) < 0, "accepted '%s'", bad[i]);
                ck_assert_int_eq(t, 42);
        }
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("cli-timespec");
        TCase *tc = tcase_create("core");
        tcase_add_test(tc, test_timespec_absolute_dates_and_times_are_utc);
        tcase_add_test(tc, test_timespec_words_and_spans_count_back_from_now);
        tcase_add_test(tc, test_timespec_rejects_what_it_cannot_read);
        suite_add_tcase(s, tc);
        return s;
}
