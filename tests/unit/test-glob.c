/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/glob.c: name globs, path globs with "**", and bounded cost
 * on patterns that make naive backtracking explode. */
#include <string.h>

#include "glob.h"
#include "harness.h"

#define LONG_LEN 4000

START_TEST(test_glob_name_literal) {
        ck_assert(glob_match_name("kesl", "kesl", false));
        ck_assert(!glob_match_name("kesl", "kesl2", false));
        ck_assert(!glob_match_name("kesl", "libkesl", false));
        ck_assert(!glob_match_name("kesl", "kes", false));
        ck_assert(glob_match_name("", "", false));
        ck_assert(!glob_match_name("", "a", false));
        ck_assert(!glob_match_name("a", "", false));
}
END_TEST

START_TEST(test_glob_name_null_never_matches) {
        ck_assert(!glob_match_name(NULL, "kesl", false));
        ck_assert(!glob_match_name("kesl", NULL, false));
        ck_assert(!glob_match_path(NULL, "/opt"));
        ck_assert(!glob_match_path("/opt", NULL));
}
END_TEST

START_TEST(test_glob_name_star) {
        ck_assert(glob_match_name("kesl-*", "kesl-gui", false));
        ck_assert(glob_match_name("kesl-*", "kesl-", false));
        ck_assert(!glob_match_name("kesl-*", "kesl2", false));
        ck_assert(!glob_match_name("kesl-*", "kesl", false));
        ck_assert(!glob_match_name("kesl-*", "libkesl-gui", false));
        ck_assert(glob_match_name("kics4net*", "kics4net", false));
        ck_assert(glob_match_name("kics4net*", "kics4net-agent", false));
        ck_assert(glob_match_name("*", "", false));
        ck_assert(glob_match_name("**", "anything", false));
        ck_assert(glob_match_name("*Kaspersky Lab*", "AO Kaspersky Lab <x@y>", false));
        ck_assert(glob_match_name("a*b*c", "aXbYc", false));
        ck_assert(!glob_match_name("a*b*c", "aXbYcd", false));
        /* Names have no path semantics: '*' crosses '/'. */
        ck_assert(glob_match_name("a*b", "a/x/b", false));
}
END_TEST

START_TEST(test_glob_name_question) {
        ck_assert(glob_match_name("kes?", "kesl", false));
        ck_assert(!glob_match_name("kes?", "kes", false));
        ck_assert(!glob_match_name("kes?", "kesl2", false));
        ck_assert(glob_match_name("??", "a/", false));
}
END_TEST

START_TEST(test_glob_name_classes) {
        ck_assert(glob_match_name("klnagent[0-9][0-9]", "klnagent64", false));
        ck_assert(!glob_match_name("klnagent[0-9][0-9]", "klnagentXY", false));
        ck_assert(glob_match_name("[abc]x", "bx", false));
        ck_assert(!glob_match_name("[abc]x", "dx", false));
        ck_assert(glob_match_name("[!abc]x", "dx", false));
        ck_assert(!glob_match_name("[!abc]x", "ax", false));
        ck_assert(glob_match_name("[^abc]x", "dx", false));
        ck_assert(!glob_match_name("[^abc]x", "cx", false));
        ck_assert(glob_match_name("[a-cx-z]", "y", false));
        ck_assert(!glob_match_name("[a-cx-z]", "m", false));
        /* ']' first in a class is literal; '-' last is literal. */
        ck_assert(glob_match_name("[]]", "]", false));
        ck_assert(glob_match_name("[!]]", "a", false));
        ck_assert(!glob_match_name("[!]]", "]", false));
        ck_assert(glob_match_name("[a-]", "-", false));
        ck_assert(glob_match_name("[*?]", "*", false));
        ck_assert(!glob_match_name("[*?]", "a", false));
}
END_TEST

START_TEST(test_glob_name_unclosed_class_is_literal) {
        ck_assert(glob_match_name("a[b", "a[b", false));
        ck_assert(!glob_match_name("a[b", "ab", false));
        ck_assert(glob_match_name("[", "[", false));
}
END_TEST

START_TEST(test_glob_name_escapes) {
        ck_assert(glob_match_name("a\\*", "a*", false));
        ck_assert(!glob_match_name("a\\*", "ab", false));
        ck_assert(glob_match_name("\\?", "?", false));
        ck_assert(!glob_match_name("\\?", "x", false));
        ck_assert(glob_match_name("\\[a]", "[a]", false));
        ck_assert(glob_match_name("[\\]]", "]", false));
        ck_assert(glob_match_name("[a\\-z]", "-", false));
        ck_assert(!glob_match_name("[a\\-z]", "m", false));
        /* A trailing backslash stands for itself. */
        ck_assert(glob_match_name("a\\", "a\\", false));
}
END_TEST

START_TEST(test_glob_name_casefold_ascii_only) {
        ck_assert(glob_match_name("*@kaspersky.com*", "Support <SUPPORT@KASPERSKY.COM>", true));
        ck_assert(!glob_match_name("*@kaspersky.com*", "Support <SUPPORT@KASPERSKY.COM>", false));
        ck_assert(glob_match_name("*kaspersky lab*", "AO KASPERSKY LAB", true));
        ck_assert(glob_match_name("[a-z]x", "KX", true));
        ck_assert(glob_match_name("[A-Z]x", "kx", true));
        ck_assert(!glob_match_name("[!k]x", "KX", true));
        ck_assert(!glob_match_name("[a-z]", "K", false));
        /* Non-ASCII bytes are compared as they are: no locale folding. */
        ck_assert(!glob_match_name("\xc3\xa9", "\xc3\x89", true));
        ck_assert(glob_match_name("\xc3\xa9", "\xc3\xa9", true));
}
END_TEST

START_TEST(test_glob_path_star_stays_in_component) {
        ck_assert(glob_match_path("/opt/*", "/opt/kaspersky"));
        ck_assert(!glob_match_path("/opt/*", "/opt/kaspersky/kesl"));
        ck_assert(glob_match_path("/opt/*/bin/*", "/opt/kaspersky/bin/kesl"));
        ck_assert(!glob_match_path("/opt/*/bin/*", "/opt/kaspersky/x/bin/kesl"));
        ck_assert(glob_match_path("/opt/k*y", "/opt/kaspersky"));
        ck_assert(!glob_match_path("/opt/k*", "/opt/kaspersky/"));
        ck_assert(glob_match_path("/usr/share/*.lua", "/usr/share/a.lua"));
        /* "**" inside a component is just two stars. */
        ck_assert(glob_match_path("/opt/ka**", "/opt/kaspersky"));
        ck_assert(!glob_match_path("/opt/ka**", "/opt/kaspersky/x"));
}
END_TEST

START_TEST(test_glob_path_question_and_class_not_slash) {
        ck_assert(glob_match_path("/opt/a?b", "/opt/axb"));
        ck_assert(!glob_match_path("/opt/a?b", "/opt/a/b"));
        ck_assert(!glob_match_path("/opt/a[/]b", "/opt/a/b"));
        ck_assert(!glob_match_path("/opt/a[!x]b", "/opt/a/b"));
        ck_assert(glob_match_path("/opt/a[!x]b", "/opt/ayb"));
        ck_assert(glob_match_path("/opt/kesl-1[0-9]", "/opt/kesl-12"));
}
END_TEST

START_TEST(test_glob_path_literal) {
        ck_assert(glob_match_path("/opt/kaspersky", "/opt/kaspersky"));
        ck_assert(!glob_match_path("/opt/kaspersky", "/opt/kaspersky/x"));
        ck_assert(!glob_match_path("/opt/kaspersky", "/opt"));
        ck_assert(!glob_match_path("/opt/kaspersky", "/opt/Kaspersky"));
        ck_assert(glob_match_path("/", "/"));
        ck_assert(glob_match_path("/opt/\\*", "/opt/*"));
        ck_assert(!glob_match_path("/opt/\\*", "/opt/x"));
        /* An escaped '/' is still a separator. */
        ck_assert(glob_match_path("/opt\\/x", "/opt/x"));
        ck_assert(!glob_match_path("/opt\\/x", "/optx"));
}
END_TEST

START_TEST(test_glob_path_trailing_dstar_below_only) {
        ck_assert(glob_match_path("/opt/kaspersky/**", "/opt/kaspersky/a"));
        ck_assert(glob_match_path("/opt/kaspersky/**", "/opt/kaspersky/a/b/c"));
        ck_assert(!glob_match_path("/opt/kaspersky/**", "/opt/kaspersky"));
        ck_assert(!glob_match_path("/opt/kaspersky/**", "/opt/kaspersky/"));
        ck_assert(!glob_match_path("/opt/kaspersky/**", "/opt/kasperskyX/a"));
        ck_assert(!glob_match_path("/opt/kaspersky/**", "/opt/kasperskyfoo/x"));
        ck_assert(!glob_match_path("/opt/kaspersky/**", "/opt/kasp/a"));
        ck_assert(!glob_match_path("/opt/kaspersky/**", "/var/opt/kaspersky/a"));
        ck_assert(!glob_match_path("/opt/kaspersky/**", "/opt"));
        ck_assert(glob_match_path("/var/opt/kaspersky/**", "/var/opt/kaspersky/kesl/private/storage.db"));
}
END_TEST

START_TEST(test_glob_path_middle_dstar) {
        ck_assert(glob_match_path("/a/**/b", "/a/b"));
        ck_assert(glob_match_path("/a/**/b", "/a/x/b"));
        ck_assert(glob_match_path("/a/**/b", "/a/x/y/b"));
        ck_assert(glob_match_path("/a/**/b", "/a/b/b"));
        ck_assert(!glob_match_path("/a/**/b", "/a/x/y/c"));
        ck_assert(!glob_match_path("/a/**/b", "/a/b/c"));
        ck_assert(!glob_match_path("/a/**/b", "/a"));
        ck_assert(!glob_match_path("/a/**/b", "/ab"));
        ck_assert(!glob_match_path("/a/**/b", "/x/a/b"));
        ck_assert(glob_match_path("/a/**/b/**/c", "/a/1/b/2/3/c"));
        ck_assert(glob_match_path("/a/**/b/**/c", "/a/b/c"));
        ck_assert(!glob_match_path("/a/**/b/**/c", "/a/1/c"));
        ck_assert(glob_match_path("/a/**/**/b", "/a/b"));
        ck_assert(glob_match_path("/a/**/*.so", "/a/lib/x/libk.so"));
        ck_assert(!glob_match_path("/a/**/*.so", "/a/lib/x/libk.so.1"));
}
END_TEST

START_TEST(test_glob_path_leading_dstar) {
        ck_assert(glob_match_path("/**/kesl", "/kesl"));
        ck_assert(glob_match_path("/**/kesl", "/opt/kaspersky/bin/kesl"));
        ck_assert(!glob_match_path("/**/kesl", "/opt/kaspersky/bin/kesl2"));
        ck_assert(glob_match_path("/**", "/x"));
        ck_assert(glob_match_path("/**", "/x/y"));
        ck_assert(!glob_match_path("/**", "/"));
}
END_TEST

static void fill(char *buf, size_t n, char c) {
        memset(buf, c, n);
        buf[n] = '\0';
}

START_TEST(test_glob_name_no_blowup_on_stars) {
        char s[LONG_LEN + 2];

        fill(s, LONG_LEN, 'a');
        ck_assert(!glob_match_name("*a*a*a*a*b", s, false));
        ck_assert(!glob_match_name("*a*a*a*a*a*a*a*a*a*a*b", s, true));
        s[LONG_LEN - 1] = 'b';
        ck_assert(glob_match_name("*a*a*a*a*b", s, false));
        ck_assert(glob_match_name("*?*?*?*?*b", s, false));
}
END_TEST

/* "/aaaa/aaaa/..." of LONG_LEN characters. */
static void fill_path(char *buf, size_t n) {
        for (size_t i = 0; i < n; i++)
                buf[i] = i % 5 == 0 ? '/' : 'a';
        buf[n] = '\0';
}

START_TEST(test_glob_path_no_blowup) {
        char s[LONG_LEN + 2];

        fill_path(s, LONG_LEN);
        ck_assert_uint_eq(strlen(s), LONG_LEN);
        ck_assert(!glob_match_path("/**/*a*a*a*a*b", s));
        ck_assert(!glob_match_path("/**/a*/**/a*/**/a*/**/a*/**/b", s));
        ck_assert(!glob_match_path("/**/**/**/**/**/**/x", s));
        ck_assert(glob_match_path("/aaaa/**", s));
        ck_assert(glob_match_path("/**/aaaa", s));

        /* One long component. */
        s[0] = '/';
        memset(s + 1, 'a', LONG_LEN - 1);
        ck_assert(!glob_match_path("/*a*a*a*a*b", s));
        s[LONG_LEN - 1] = 'b';
        ck_assert(glob_match_path("/*a*a*a*a*b", s));
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("glob");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_glob_name_literal);
        tcase_add_test(tc, test_glob_name_null_never_matches);
        tcase_add_test(tc, test_glob_name_star);
        tcase_add_test(tc, test_glob_name_question);
        tcase_add_test(tc, test_glob_name_classes);
        tcase_add_test(tc, test_glob_name_unclosed_class_is_literal);
        tcase_add_test(tc, test_glob_name_escapes);
        tcase_add_test(tc, test_glob_name_casefold_ascii_only);
        tcase_add_test(tc, test_glob_path_star_stays_in_component);
        tcase_add_test(tc, test_glob_path_question_and_class_not_slash);
        tcase_add_test(tc, test_glob_path_literal);
        tcase_add_test(tc, test_glob_path_trailing_dstar_below_only);
        tcase_add_test(tc, test_glob_path_middle_dstar);
        tcase_add_test(tc, test_glob_path_leading_dstar);
        tcase_add_test(tc, test_glob_name_no_blowup_on_stars);
        tcase_add_test(tc, test_glob_path_no_blowup);
        suite_add_tcase(s, tc);
        return s;
}
