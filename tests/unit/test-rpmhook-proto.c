/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for cli/rpmhook-proto.c: the dnf plugin's stream to rpm-hook,
 * accepted whole or refused with the line that is wrong. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "rpmhook-proto.h"

static int parse(const char *s, struct rpmhook_request *r, struct rpmhook_error *e) {
        return rpmhook_parse(s, strlen(s), r, e);
}

START_TEST(test_rpmhook_parses_packages) {
        struct rpmhook_request r;
        struct rpmhook_error e;

        ck_assert_int_eq(parse("VENDORBAN-RPM-HOOK 1\n"
                               "PKG\tinstall\tkesl\t12.1-1\tx86_64\tAO Kaspersky Lab\t\t/var/cache/k.rpm\n"
                               "PKG\tupgrade\thello\t1:2.12-1\t\t\tFedora <f@example.org>\t\n", &r, &e), 0);
        ck_assert_uint_eq(r.n_pkgs, 2);
        ck_assert_str_eq(r.pkgs[0].name, "kesl");
        ck_assert_str_eq(r.pkgs[0].vendor, "AO Kaspersky Lab");
        ck_assert_ptr_null(r.pkgs[0].packager);
        ck_assert_str_eq(r.pkgs[0].file, "/var/cache/k.rpm");
        ck_assert_str_eq(r.pkgs[1].action, "upgrade");
        ck_assert_str_eq(r.pkgs[1].evr, "1:2.12-1");
        ck_assert_ptr_null(r.pkgs[1].arch);
        ck_assert_ptr_null(r.pkgs[1].file);
        ck_assert_uint_eq(r.pkgs[1].line, 3);
        rpmhook_request_clear(&r);

        ck_assert_int_eq(parse("VENDORBAN-RPM-HOOK 1\n", &r, &e), 0);
        ck_assert_uint_eq(r.n_pkgs, 0);
        rpmhook_request_clear(&r);
}
END_TEST

START_TEST(test_rpmhook_refuses_bad_input_with_its_line) {
        static const struct {
                const char *in;
                unsigned line;
        } bad[] = {
                { "", 0 },
                { "VENDORBAN-RPM-HOOK 2\n", 1 },
                { "VENDORBAN-RPM-HOOK 1", 1 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tkesl\t1-1\tx86_64\t\t\t\n", 0 }, /* ok: checked below */
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tkesl\t1-1\tx86_64\t\t\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tkesl\t1-1\tx86_64\t\t\t\t\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\terase\tkesl\t1-1\tx86_64\t\t\t\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\t\t1-1\tx86_64\t\t\t\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tke sl\t1-1\tx86_64\t\t\t\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tkesl\t\tx86_64\t\t\t\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tkesl\t1-1\tx86_64\tA\rB\t\t\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tkesl\t1-1\tx86_64\t\t\tk.rpm\n", 2 },
                { "VENDORBAN-RPM-HOOK 1\nPACKAGE\tinstall\tkesl\t1-1\tx86_64\t\t\t\n", 2 },
        };
        struct rpmhook_request r;
        struct rpmhook_error e;

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                int k = parse(bad[i].in, &r, &e);
                if (i == 3) {
                        ck_assert_int_eq(k, 0);
                        rpmhook_request_clear(&r);
                        continue;
                }
                ck_assert_msg(k == -EINVAL, "input %zu accepted", i);
                ck_assert_uint_eq(e.line, bad[i].line);
                ck_assert(e.message[0]);
        }
        ck_assert_int_eq(rpmhook_parse("VENDORBAN-RPM-HOOK 1\n\0", 22, &r, &e), -EINVAL);
}
END_TEST

START_TEST(test_rpmhook_limits_sizes) {
        struct rpmhook_request r;
        struct rpmhook_error e;
        size_t n = RPMHOOK_LINE_MAX + 64;
        char *big = malloc(n + 1);

        ck_assert_ptr_nonnull(big);
        memset(big, 'a', n);
        memcpy(big, "VENDORBAN-RPM-HOOK 1\nPKG\tinstall\t", 33);
        big[n - 1] = '\n';
        big[n] = '\0';
        ck_assert_int_eq(rpmhook_parse(big, n, &r, &e), -EINVAL);
        ck_assert_uint_eq(e.line, 2);
        ck_assert_int_eq(rpmhook_parse(big, RPMHOOK_INPUT_MAX + 1, &r, &e), -E2BIG);
        free(big);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("rpmhook-proto");
        TCase *tc = tcase_create("rpmhook-proto");

        tcase_add_test(tc, test_rpmhook_parses_packages);
        tcase_add_test(tc, test_rpmhook_refuses_bad_input_with_its_line);
        tcase_add_test(tc, test_rpmhook_limits_sizes);
        suite_add_tcase(s, tc);
        return s;
}
