/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for cli/json.c: nesting and commas, string escaping (control
 * characters, invalid UTF-8), time formatting. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "harness.h"

/* Escape len bytes of s and compare with the expected body. */
static void check_escape(const char *s, size_t len, const char *want) {
        char buf[256];
        size_t n = json_escape(s, len, buf, sizeof buf);

        ck_assert_str_eq(buf, want);
        ck_assert_uint_eq(n, strlen(want));
}

START_TEST(test_json_escape_specials_and_controls) {
        check_escape("plain", 5, "plain");
        check_escape("a\"b\\c", 5, "a\\\"b\\\\c");
        check_escape("t\tn\nr\r", 6, "t\\u0009n\\u000ar\\u000d");
        check_escape("\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f");
        check_escape("a\0b", 3, "a\\u0000b");
        check_escape("/opt/x", 6, "/opt/x");
}
END_TEST

START_TEST(test_json_escape_keeps_valid_utf8) {
        check_escape("caf\xc3\xa9", 5, "caf\xc3\xa9");                 /* U+00E9 */
        check_escape("\xe2\x80\x94", 3, "\xe2\x80\x94");                /* U+2014 */
        check_escape("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");        /* U+1F600 */
        check_escape("\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf");        /* U+10FFFF */
}
END_TEST

START_TEST(test_json_escape_invalid_utf8_bytewise) {
        check_escape("\xff", 1, "\\u00ff");
        check_escape("a\x80z", 3, "a\\u0080z");                         /* lone continuation */
        check_escape("\xc3", 1, "\\u00c3");                             /* truncated at end */
        check_escape("\xc3(", 2, "\\u00c3(");                           /* bad continuation */
        check_escape("\xc0\xaf", 2, "\\u00c0\\u00af");                  /* overlong '/' */
        check_escape("\xe0\x80\xaf", 3, "\\u00e0\\u0080\\u00af");       /* overlong 3-byte */
        check_escape("\xed\xa0\x80", 3, "\\u00ed\\u00a0\\u0080");       /* surrogate U+D800 */
        check_escape("\xf4\x90\x80\x80", 4, "\\u00f4\\u0090\\u0080\\u0080"); /* > U+10FFFF */
        check_escape("\xe2\x80", 2, "\\u00e2\\u0080");                  /* truncated 3-byte */
}
END_TEST

START_TEST(test_json_escape_truncates_like_snprintf) {
        char buf[4];
        size_t n = json_escape("\xff\xff", 2, buf, sizeof buf);

        ck_assert_uint_eq(n, 12);
        ck_assert_str_eq(buf, "\\u0");
}
END_TEST

START_TEST(test_json_writer_nesting_and_commas) {
        struct vb_strv v = {};
        char *out = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&out, &size);
        struct vb_json j;
        char *a = strdup("x"), *b = strdup("y\n");
        char *items[] = { a, b, NULL };

        ck_assert_ptr_nonnull(f);
        v.v = items;
        v.n = 2;
        json_init(&j, f);
        json_object_begin(&j);
        json_kv_string(&j, "s", "v");
        json_kv_string(&j, "n", NULL);
        json_kv_int(&j, "i", -5);
        json_kv_uint(&j, "u", 18446744073709551615ULL);
        json_kv_bool(&j, "b", true);
        json_key(&j, "a");
        json_array_begin(&j);
        json_object_begin(&j);
        json_object_end(&j);
        json_array_begin(&j);
        json_array_end(&j);
        json_null(&j);
        json_array_end(&j);
        json_kv_strv(&j, "v", &v);
        json_kv_time(&j, "t0", 0);
        json_kv_time(&j, "t", 1764093600123456LL);
        json_object_end(&j);
        ck_assert_int_eq(json_finish(&j), 0);
        fclose(f);
        ck_assert_str_eq(out, "{\"s\":\"v\",\"n\":null,\"i\":-5,\"u\":18446744073709551615,\"b\":true,"
                              "\"a\":[{},[],null],\"v\":[\"x\",\"y\\u000a\"],\"t0\":null,"
                              "\"t\":\"2025-11-25T18:00:00.123456Z\"}\n");
        free(out);
        free(a);
        free(b);
}
END_TEST

START_TEST(test_json_format_times) {
        char buf[32];

        cli_format_usec(0, buf, sizeof buf);
        ck_assert_str_eq(buf, "1970-01-01T00:00:00.000000Z");
        cli_format_usec(1721433600000001LL, buf, sizeof buf);
        ck_assert_str_eq(buf, "2024-07-20T00:00:00.000001Z");
        cli_format_sec(1721433600, buf, sizeof buf);
        ck_assert_str_eq(buf, "2024-07-20T00:00:00Z");
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("json");
        TCase *tc = tcase_create("core");
        tcase_add_test(tc, test_json_escape_specials_and_controls);
        tcase_add_test(tc, test_json_escape_keeps_valid_utf8);
        tcase_add_test(tc, test_json_escape_invalid_utf8_bytewise);
        tcase_add_test(tc, test_json_escape_truncates_like_snprintf);
        tcase_add_test(tc, test_json_writer_nesting_and_commas);
        tcase_add_test(tc, test_json_format_times);
        suite_add_tcase(s, tc);
        return s;
}
