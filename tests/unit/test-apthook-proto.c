/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for cli/apthook-proto.c: APT's Pre-Install-Pkgs protocol v3 as APT
 * writes it (installs, upgrades, downgrades, reinstalls, configure and
 * remove actions, multi-arch names), and every kind of bad input: another
 * version, garbage, truncation, NUL bytes, over-long lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apthook-proto.h"
#include "harness.h"

/* The head of a real stream (apt 2.6, trimmed). */
#define HEAD                                                    \
        "VERSION 3\n"                                           \
        "APT::Architecture=amd64\n"                             \
        "APT::Build-Essential::=build-essential\n"              \
        "DPkg::Pre-Install-Pkgs::=/usr/sbin/vendorbanctl apt-hook\n" \
        "Dir::Etc=etc/apt\n"                                    \
        "Quoted=%22a%3db%22\n"                                  \
        "Empty=\n"                                              \
        "\n"

static int parse(const char *s, struct apthook_request *r, struct apthook_error *err) {
        return apthook_parse(s, strlen(s), r, err);
}

/* Parse s, which must fail with -EINVAL at line; the message must contain
 * what. */
static void expect_error(const char *s, size_t len, unsigned line, const char *what) {
        struct apthook_request r = {};
        struct apthook_error err;
        int k = apthook_parse(s, len, &r, &err);

        ck_assert_msg(k == -EINVAL, "expected -EINVAL, got %d for input \"%.80s\"", k, s);
        ck_assert_msg(err.line == line, "expected line %u, got %u (%s)", line, err.line, err.message);
        ck_assert_msg(strstr(err.message, what), "message \"%s\" lacks \"%s\"", err.message, what);
        /* past the configuration a bad line is counted, and the request
         * (every other line, and the bad one if it gave a name) kept */
        if (r.n_bad == 0) {
                ck_assert_ptr_null(r.pkgs);
                ck_assert_ptr_null(r.text);
        }
        for (size_t i = 0; i < r.n_pkgs; i++)
                ck_assert(r.pkgs[i].action != APTHOOK_BAD || (r.pkgs[i].name && !r.pkgs[i].file));
        apthook_request_clear(&r);
}

static void expect_error_str(const char *s, unsigned line, const char *what) {
        expect_error(s, strlen(s), line, what);
}

START_TEST(test_apthook_new_install) {
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(parse(HEAD "kesl - - none < 12.1.0.1297 amd64 none /var/cache/apt/archives/kesl_12.1.0.1297_amd64.deb\n"
                               "kesl - - none < 12.1.0.1297 amd64 none **CONFIGURE**\n",
                               &r, &err),
                         0);
        ck_assert_uint_eq(r.version, 3);
        ck_assert_uint_eq(r.n_config, 6);
        ck_assert_uint_eq(r.n_pkgs, 2);

        const struct apthook_pkg *p = &r.pkgs[0];
        ck_assert_str_eq(p->name, "kesl");
        ck_assert_ptr_null(p->name_arch);
        ck_assert_ptr_null(p->old_version);
        ck_assert_ptr_null(p->old_arch);
        ck_assert_ptr_null(p->old_multiarch);
        ck_assert_int_eq(p->direction, '<');
        ck_assert_str_eq(p->new_version, "12.1.0.1297");
        ck_assert_str_eq(p->new_arch, "amd64");
        ck_assert_str_eq(p->new_multiarch, "none");
        ck_assert_int_eq(p->action, APTHOOK_UNPACK);
        ck_assert_str_eq(p->file, "/var/cache/apt/archives/kesl_12.1.0.1297_amd64.deb");
        ck_assert_uint_eq(p->line, 9);

        p = &r.pkgs[1];
        ck_assert_int_eq(p->action, APTHOOK_CONFIGURE);
        ck_assert_ptr_null(p->file);
        ck_assert_uint_eq(p->line, 10);
        ck_assert_str_eq(apthook_action_to_string(p->action), "configure");
        apthook_request_clear(&r);
        ck_assert_ptr_null(r.pkgs);
}
END_TEST

START_TEST(test_apthook_upgrade_downgrade_reinstall) {
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(parse(HEAD "hello 2.10-2 amd64 none < 2.10-3 amd64 none /tmp/hello_2.10-3_amd64.deb\n"
                               "libfoo1 2.0 amd64 same > 1.0 amd64 same /tmp/libfoo1_1.0_amd64.deb\n"
                               "tzdata 2024a all foreign = 2024a all foreign /tmp/tzdata_2024a_all.deb\n"
                               "perl 5.36.0-7 amd64 allowed < 1:5.36.0-8~bpo12+1 amd64 allowed /tmp/perl.deb\n",
                               &r, &err),
                         0);
        ck_assert_uint_eq(r.n_pkgs, 4);
        ck_assert_int_eq(r.pkgs[0].direction, '<');
        ck_assert_str_eq(r.pkgs[0].old_version, "2.10-2");
        ck_assert_str_eq(r.pkgs[0].old_arch, "amd64");
        ck_assert_int_eq(r.pkgs[1].direction, '>');
        ck_assert_str_eq(r.pkgs[1].old_multiarch, "same");
        ck_assert_str_eq(r.pkgs[1].new_version, "1.0");
        ck_assert_int_eq(r.pkgs[2].direction, '=');
        ck_assert_str_eq(r.pkgs[2].new_arch, "all");
        ck_assert_str_eq(r.pkgs[3].new_version, "1:5.36.0-8~bpo12+1");
        for (size_t i = 0; i < r.n_pkgs; i++)
                ck_assert_int_eq(r.pkgs[i].action, APTHOOK_UNPACK);
        apthook_request_clear(&r);
}
END_TEST

START_TEST(test_apthook_remove_and_configure) {
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(parse(HEAD "kesl 12.1.0.1297 amd64 none > - - none **REMOVE**\n"
                               "hello 2.10-3 amd64 none = 2.10-3 amd64 none **CONFIGURE**\n",
                               &r, &err),
                         0);
        ck_assert_uint_eq(r.n_pkgs, 2);
        ck_assert_int_eq(r.pkgs[0].action, APTHOOK_REMOVE);
        ck_assert_str_eq(r.pkgs[0].old_version, "12.1.0.1297");
        ck_assert_ptr_null(r.pkgs[0].new_version);
        ck_assert_ptr_null(r.pkgs[0].new_arch);
        ck_assert_ptr_null(r.pkgs[0].file);
        ck_assert_int_eq(r.pkgs[1].action, APTHOOK_CONFIGURE);
        apthook_request_clear(&r);
}
END_TEST

START_TEST(test_apthook_multiarch_names) {
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(parse(HEAD "libc6:i386 - - none < 2.36-9 i386 same /tmp/libc6_2.36-9_i386.deb\n"
                               "libc6 2.36-8 amd64 same < 2.36-9 amd64 same /tmp/libc6_2.36-9_amd64.deb\n"
                               "libstdc++6:arm64 - - none < 12.2.0-14 arm64 same /tmp/x.deb\n"
                               "gcc-12-base:i386 - - no < 12.2.0-14 i386 no /tmp/y.deb\n",
                               &r, &err),
                         0);
        ck_assert_uint_eq(r.n_pkgs, 4);
        ck_assert_str_eq(r.pkgs[0].name, "libc6");
        ck_assert_str_eq(r.pkgs[0].name_arch, "i386");
        ck_assert_ptr_null(r.pkgs[1].name_arch);
        ck_assert_str_eq(r.pkgs[2].name, "libstdc++6");
        ck_assert_str_eq(r.pkgs[2].name_arch, "arm64");
        ck_assert_str_eq(r.pkgs[3].new_multiarch, "no");
        apthook_request_clear(&r);
}
END_TEST

START_TEST(test_apthook_file_with_blanks) {
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(parse(HEAD "hello - - none < 1.0 all none /home/a b/hello 1.0.deb\n", &r, &err), 0);
        ck_assert_str_eq(r.pkgs[0].file, "/home/a b/hello 1.0.deb");
        apthook_request_clear(&r);
}
END_TEST

START_TEST(test_apthook_no_packages) {
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(parse("VERSION 3\n\n", &r, &err), 0);
        ck_assert_uint_eq(r.n_pkgs, 0);
        ck_assert_uint_eq(r.n_config, 0);
        apthook_request_clear(&r);
}
END_TEST

START_TEST(test_apthook_many_packages) {
        struct apthook_request r = {};
        struct apthook_error err;
        char *s = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&s, &len);

        fputs(HEAD, f);
        for (int i = 0; i < 5000; i++)
                fprintf(f, "pkg%d - - none < 1.%d amd64 none /var/cache/apt/archives/pkg%d_1.%d_amd64.deb\n", i, i, i, i);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(apthook_parse(s, len, &r, &err), 0);
        ck_assert_uint_eq(r.n_pkgs, 5000);
        ck_assert_str_eq(r.pkgs[4999].name, "pkg4999");
        apthook_request_clear(&r);
        free(s);
}
END_TEST

START_TEST(test_apthook_wrong_version) {
        expect_error_str("VERSION 2\nA=b\n\nhello - < 1.0 /tmp/h.deb\n", 1, "version 2");
        expect_error_str("VERSION 4\n\n", 1, "version 4");
        expect_error_str("VERSION 3 \n\n", 1, "expected \"VERSION 3\"");
        expect_error_str("version 3\n\n", 1, "expected \"VERSION 3\"");
        /* Version 1: bare file names, what APT sends without the Version option. */
        expect_error_str("/var/cache/apt/archives/kesl_1_amd64.deb\n", 1, "protocol version 1");
}
END_TEST

START_TEST(test_apthook_garbage) {
        expect_error_str("\x7f" "ELF\x02\x01\x01\n", 1, "expected \"VERSION 3\"");
        expect_error_str("VERSION 3\nno equals sign\n\n", 2, "not Key=Value");
        expect_error_str("VERSION 3\n=value\n\n", 2, "not Key=Value");
        expect_error_str(HEAD "hello\n", 9, "expected 9 fields");
        expect_error_str(HEAD "hello - < 1.0 /tmp/h.deb\n", 9, "expected 9 fields");
        expect_error_str(HEAD "hello  - - none < 1.0 all none /tmp/h.deb\n", 9, "empty");
        expect_error_str(HEAD "-hello - - none < 1.0 all none /tmp/h.deb\n", 9, "bad package name");
        expect_error_str(HEAD "he$llo - - none < 1.0 all none /tmp/h.deb\n", 9, "bad package name");
        expect_error_str(HEAD "hello: - - none < 1.0 all none /tmp/h.deb\n", 9, "architecture qualifier");
        expect_error_str(HEAD "hello - - none ? 1.0 all none /tmp/h.deb\n", 9, "direction");
        expect_error_str(HEAD "hello - - none << 1.0 all none /tmp/h.deb\n", 9, "direction");
        expect_error_str(HEAD "hello - - none < 1.0 all maybe /tmp/h.deb\n", 9, "multi-arch");
        expect_error_str(HEAD "hello - amd64 none < 1.0 all none /tmp/h.deb\n", 9, "architecture is");
        expect_error_str(HEAD "hello 1.0 a/b none < 1.0 all none /tmp/h.deb\n", 9, "bad old architecture");
        expect_error_str(HEAD "hello - - none < 1.0\x01 all none /tmp/h.deb\n", 9, "bad new version");
        expect_error_str(HEAD "hello - - none < 1.0 all none relative/h.deb\n", 9, "absolute path");
        expect_error_str(HEAD "hello - - none < 1.0 all none **UNPACK**\n", 9, "absolute path");
        expect_error_str(HEAD "hello - - none < 1.0 all none **ERROR**\n", 9, "**ERROR**");
        expect_error_str(HEAD "hello 1.0 all none > - - none /tmp/h.deb\n", 9, "no new version");
        expect_error_str(HEAD "hello - - none < 1.0 all none /tmp/h.deb\n\n", 10, "empty line");
}
END_TEST

START_TEST(test_apthook_truncated) {
        expect_error("", 0, 0, "empty input");
        expect_error_str("VERS", 1, "no newline");
        expect_error_str("VERSION 3\n", 2, "truncated");
        expect_error_str("VERSION 3\nAPT::Architecture=amd64\n", 3, "truncated");
        expect_error_str("VERSION 3\nAPT::Architecture=am", 2, "no newline");
        expect_error_str(HEAD "hello - - none < 1.0 all none /tmp/h.deb", 9, "no newline");
        expect_error_str(HEAD "hello - - none < 1.0 all none /tmp/h.deb\nkesl - - no", 10, "no newline");
}
END_TEST

START_TEST(test_apthook_nul_byte) {
        static const char s[] = "VERSION 3\n\nhello - - none < 1.0 all none /tmp/h\0.deb\n";

        expect_error(s, sizeof s - 1, 3, "NUL byte");
}
END_TEST

/* A bad package line (APT's **ERROR**, a NUL byte, a cut) hides nothing:
 * it is kept by name, and the lines after it are read. */
START_TEST(test_apthook_bad_line_hides_nothing) {
        static const char s[] = HEAD "kesl - - none < 12.1 amd64 none **ERROR**\n"
                                     "hello - - none < 1.0 all none /tmp/h.deb\n"
                                     "klnagent64 - - none < 15 amd64 none /tmp/k\0.deb\n"
                                     "junk\n"
                                     "kav4fs - - none < 8 amd64 none /var/cache/apt/archives/kav4";
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(apthook_parse(s, sizeof s - 1, &r, &err), -EINVAL);
        ck_assert_uint_eq(err.line, 9);
        ck_assert(strstr(err.message, "**ERROR**"));
        ck_assert_uint_eq(r.n_bad, 4);
        ck_assert_uint_eq(r.n_pkgs, 5);
        ck_assert_int_eq(r.pkgs[0].action, APTHOOK_BAD);
        ck_assert_str_eq(r.pkgs[0].name, "kesl");
        ck_assert_str_eq(r.pkgs[0].new_version, "12.1");
        ck_assert_ptr_null(r.pkgs[0].file);
        ck_assert_int_eq(r.pkgs[1].action, APTHOOK_UNPACK);
        ck_assert_str_eq(r.pkgs[1].name, "hello");
        ck_assert_int_eq(r.pkgs[2].action, APTHOOK_BAD);
        ck_assert_str_eq(r.pkgs[2].name, "klnagent64");
        ck_assert_ptr_null(r.pkgs[2].file);
        ck_assert_int_eq(r.pkgs[3].action, APTHOOK_BAD);
        ck_assert_str_eq(r.pkgs[3].name, "junk");
        ck_assert_int_eq(r.pkgs[4].action, APTHOOK_BAD);
        ck_assert_str_eq(r.pkgs[4].name, "kav4fs");
        ck_assert_uint_eq(r.pkgs[4].line, 13);
        apthook_request_clear(&r);
}
END_TEST

START_TEST(test_apthook_long_lines) {
        size_t n = strlen("VERSION 3\nKey=") + APTHOOK_LINE_MAX + 2;
        char *s = malloc(n + 1);
        struct apthook_request r = {};
        struct apthook_error err;

        /* A value that makes the line exactly APTHOOK_LINE_MAX long passes... */
        ck_assert_ptr_nonnull(s);
        strcpy(s, "VERSION 3\nKey=");
        memset(s + 14, 'v', APTHOOK_LINE_MAX - 4);
        strcpy(s + 14 + APTHOOK_LINE_MAX - 4, "\n\n");
        ck_assert_int_eq(parse(s, &r, &err), 0);
        apthook_request_clear(&r);

        /* ... one byte more does not, with or without a newline after it. */
        memset(s + 14, 'v', APTHOOK_LINE_MAX - 3);
        strcpy(s + 14 + APTHOOK_LINE_MAX - 3, "\n\n");
        expect_error_str(s, 2, "longer than");
        s[14 + APTHOOK_LINE_MAX - 3] = '\0';
        expect_error_str(s, 2, "longer than");
        free(s);
}
END_TEST

START_TEST(test_apthook_input_too_large) {
        struct apthook_request r = {};
        struct apthook_error err;
        static const char s[] = "VERSION 3\n\n";

        /* Only the length is looked at: no need for a real 64 MiB buffer. */
        ck_assert_int_eq(apthook_parse(s, (size_t) APTHOOK_INPUT_MAX + 1, &r, &err), -E2BIG);
        ck_assert(strstr(err.message, "larger than"));
}
END_TEST

START_TEST(test_apthook_error_quotes_sanitized) {
        struct apthook_request r = {};
        struct apthook_error err;

        ck_assert_int_eq(parse("\x1b[31mVERSION\n", &r, &err), -EINVAL);
        ck_assert(!strchr(err.message, '\x1b'));
        ck_assert(strstr(err.message, "?[31mVERSION"));
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("apthook-proto");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_apthook_new_install);
        tcase_add_test(tc, test_apthook_upgrade_downgrade_reinstall);
        tcase_add_test(tc, test_apthook_remove_and_configure);
        tcase_add_test(tc, test_apthook_multiarch_names);
        tcase_add_test(tc, test_apthook_file_with_blanks);
        tcase_add_test(tc, test_apthook_no_packages);
        tcase_add_test(tc, test_apthook_many_packages);
        tcase_add_test(tc, test_apthook_wrong_version);
        tcase_add_test(tc, test_apthook_garbage);
        tcase_add_test(tc, test_apthook_truncated);
        tcase_add_test(tc, test_apthook_nul_byte);
        tcase_add_test(tc, test_apthook_bad_line_hides_nothing);
        tcase_add_test(tc, test_apthook_long_lines);
        tcase_add_test(tc, test_apthook_input_too_large);
        tcase_add_test(tc, test_apthook_error_quotes_sanitized);
        suite_add_tcase(s, tc);
        return s;
}
