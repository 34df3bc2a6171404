/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/policy-hint.c: the hint for a libconfig syntax error (a bare
 * word needs quotes, an unclosed quote is named where it opens) and the
 * nearest known key to an unknown one. */
#include <string.h>

#include "harness.h"
#include "policy-hint.h"

static const char *const config_keys[] = {
        "mode", "watch_paths", "rescan_interval", "debounce_ms", "exec_guard", "apt_hook_on_error",
        "state_dir", "bans_dir", "vendor_bans_dir", "dpkg_admin_dir", "hook_on_error", "auditor_group", NULL,
};

START_TEST(test_policy_hint_bare_word_needs_quotes) {
        const char *text = "# comment\nmode = enforce;\nexec_guard = true;\n";
        char buf[256];
        int line = 0;

        ck_assert(policy_syntax_hint(text, 2, &line, buf, sizeof buf));
        ck_assert_int_eq(line, 2);
        ck_assert_str_eq(buf, "a text value needs double quotes: mode = \"enforce\";");
        /* libconfig may name the line after the bare word */
        ck_assert(policy_syntax_hint("mode = enforce\nexec_guard = true;\n", 2, &line, buf, sizeof buf));
        ck_assert_int_eq(line, 1);
}
END_TEST

START_TEST(test_policy_hint_unclosed_quote_where_it_opens) {
        const char *text = "# a \"quoted\" comment\nmode = \"audit;\n\nexec_guard = true;\nstate_dir = \"/x\";\n";
        char buf[256];
        int line = 0;

        ck_assert(policy_syntax_hint(text, 5, &line, buf, sizeof buf));
        ck_assert_int_eq(line, 2);
        ck_assert_str_eq(buf, "the quote opened on line 2 is not closed on that line");
        /* an escaped quote inside a string closes nothing */
        ck_assert(policy_syntax_hint("a = \"x\\\";\nb = 1;\n", 2, &line, buf, sizeof buf));
        ck_assert_int_eq(line, 1);
}
END_TEST

START_TEST(test_policy_hint_nothing_to_say) {
        char buf[256] = "";
        int line = 7;

        ck_assert(!policy_syntax_hint("mode = \"audit\";\nexec_guard = true;\nrescan_interval = ;\n", 3, &line, buf,
                                      sizeof buf));
        ck_assert_int_eq(line, 7);
        ck_assert(!policy_syntax_hint("exec_guard = false\n", 1, &line, buf, sizeof buf));
        ck_assert(!policy_syntax_hint(NULL, 1, &line, buf, sizeof buf));
        ck_assert(!policy_syntax_hint("x", 0, &line, buf, sizeof buf));
}
END_TEST

START_TEST(test_policy_hint_nearest_key) {
        ck_assert_str_eq(policy_nearest_key("mdoe", config_keys), "mode");
        ck_assert_str_eq(policy_nearest_key("state_dri", config_keys), "state_dir");
        ck_assert_str_eq(policy_nearest_key("Mode", config_keys), "mode");
        ck_assert_str_eq(policy_nearest_key("watchpaths", config_keys), "watch_paths");
        ck_assert_str_eq(policy_nearest_key("auditors_group", config_keys), "auditor_group");
        ck_assert_ptr_null(policy_nearest_key("zzzzzzzz", config_keys));
        ck_assert_ptr_null(policy_nearest_key(NULL, config_keys));
        char longname[200];
        memset(longname, 'a', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        ck_assert_ptr_null(policy_nearest_key(longname, config_keys));
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("policy-hint");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_policy_hint_bare_word_needs_quotes);
        tcase_add_test(tc, test_policy_hint_unclosed_quote_where_it_opens);
        tcase_add_test(tc, test_policy_hint_nothing_to_say);
        tcase_add_test(tc, test_policy_hint_nearest_key);
        suite_add_tcase(s, tc);
        return s;
}
