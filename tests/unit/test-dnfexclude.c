/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/dnfexclude.c: vendorban's names in dnf.conf's excludepkgs
 * next to the admin's own, taken out again, and the file rewritten in
 * place with its mode; a real dnf reading the result. */
#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "dnfexclude.h"
#include "harness.h"
#include "util.h"

static char *edit(const char *in, const char *const *names, size_t n) {
        char *out = NULL;
        size_t len = 0;

        ck_assert_int_eq(dnfexclude_edit(in, strlen(in), names, n, &out, &len), 0);
        ck_assert_uint_eq(strlen(out), len);
        return out;
}

START_TEST(test_dnfexclude_adds_key_under_main) {
        const char *names[] = { "kesl", "klnagent64", "kesl" };
        _cleanup_free_ char *out = edit("[main]\ngpgcheck=1\n", names, 3);

        ck_assert_str_eq(out, "[main]\n" DNFEXCLUDE_MARK "kesl,klnagent64\nexcludepkgs=kesl,klnagent64\ngpgcheck=1\n");
}
END_TEST

START_TEST(test_dnfexclude_keeps_admin_names_and_takes_ours_out) {
        const char *names[] = { "kesl" };
        _cleanup_free_ char *one = edit("# mine\n[main]\nexclude=foo, bar*\nbest=True\n[other]\nexcludepkgs=x\n", names, 1);

        ck_assert_str_eq(one, "# mine\n[main]\n" DNFEXCLUDE_MARK "kesl\nexcludepkgs=foo,bar*,kesl\nbest=True\n[other]\n"
                              "excludepkgs=x\n");
        /* Again: nothing changes. */
        _cleanup_free_ char *two = edit(one, names, 1);
        ck_assert_str_eq(two, one);
        /* Nothing blocked any more: the admin's names stay, ours go. */
        _cleanup_free_ char *three = edit(one, NULL, 0);
        ck_assert_str_eq(three, "# mine\n[main]\nexcludepkgs=foo,bar*\nbest=True\n[other]\nexcludepkgs=x\n");
}
END_TEST

START_TEST(test_dnfexclude_removes_the_key_it_made) {
        const char *names[] = { "kesl" };
        _cleanup_free_ char *one = edit("[main]\ngpgcheck=1", names, 1);
        _cleanup_free_ char *two = edit(one, NULL, 0);

        ck_assert_str_eq(one, "[main]\n" DNFEXCLUDE_MARK "kesl\nexcludepkgs=kesl\ngpgcheck=1");
        ck_assert_str_eq(two, "[main]\ngpgcheck=1");
}
END_TEST

START_TEST(test_dnfexclude_adds_main_when_missing) {
        const char *names[] = { "kesl" };
        _cleanup_free_ char *out = edit("", names, 1);

        ck_assert_str_eq(out, "[main]\n" DNFEXCLUDE_MARK "kesl\nexcludepkgs=kesl\n");
}
END_TEST

START_TEST(test_dnfexclude_refuses_bad_names) {
        const char *bad[] = { "", "*", "a b", "a,b", "a/b", "a\nb" };
        char *out = NULL;
        size_t len = 0;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const char *n[] = { bad[i] };
                ck_assert_int_eq(dnfexclude_edit("[main]\n", 7, n, 1, &out, &len), -EINVAL);
        }
        ck_assert_int_eq(dnfexclude_edit("[main]\0x\n", 9, NULL, 0, &out, &len), -EINVAL);
        ck_assert(dnfexclude_name_is_valid("kesl-*"));
}
END_TEST

START_TEST(test_dnfexclude_write_keeps_mode_and_skips_without_dnf) {
        char *dir = tmpdir_make();
        const char *names[] = { "kesl" };
        _cleanup_free_ char *conf = NULL;
        struct stat st;

        ck_assert_int_eq(dnfexclude_write(dir, names, 1), -ENOENT);
        write_file(dir, "etc/dnf/dnf.conf", "[main]\nbest=True\n");
        ck_assert(asprintf(&conf, "%s/etc/dnf/dnf.conf", dir) > 0);
        ck_assert_int_eq(chmod(conf, 0640), 0);
        ck_assert_int_eq(dnfexclude_write(dir, names, 1), 1);
        ck_assert_int_eq(dnfexclude_write(dir, names, 1), 0);
        ck_assert_int_eq(stat(conf, &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0640);
        ck_assert_int_eq(dnfexclude_write(dir, NULL, 0), 1);
        tmpdir_remove(dir);
}
END_TEST

/* dnf's own configuration parser takes what we write. */
START_TEST(test_dnfexclude_real_dnf_reads_our_excludes) {
        char *dir = tmpdir_make();
        const char *names[] = { "kesl", "klnagent64" };
        _cleanup_free_ char *conf = NULL;
        extern char **environ;
        pid_t pid;
        int status;

        if (access("/usr/bin/python3", X_OK) < 0) {
                tmpdir_remove(dir);
                return;
        }
        write_file(dir, "etc/dnf/dnf.conf", "[main]\nexcludepkgs=foo\n");
        ck_assert_int_eq(dnfexclude_write(dir, names, 2), 1);
        ck_assert(asprintf(&conf, "%s/etc/dnf/dnf.conf", dir) > 0);
        const char *prog = "import dnf, sys\n"
                           "b = dnf.Base(); b.conf.read(sys.argv[1])\n"
                           "sys.exit(0 if sorted(b.conf.excludepkgs) == ['foo', 'kesl', 'klnagent64'] else 1)\n";
        char *argv[] = { "python3", "-c", (char *) prog, conf, NULL };
        ck_assert_int_eq(posix_spawn(&pid, "/usr/bin/python3", NULL, NULL, argv, environ), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        tmpdir_remove(dir);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("dnfexclude");
        TCase *tc = tcase_create("dnfexclude");

        tcase_add_test(tc, test_dnfexclude_adds_key_under_main);
        tcase_add_test(tc, test_dnfexclude_keeps_admin_names_and_takes_ours_out);
        tcase_add_test(tc, test_dnfexclude_removes_the_key_it_made);
        tcase_add_test(tc, test_dnfexclude_adds_main_when_missing);
        tcase_add_test(tc, test_dnfexclude_refuses_bad_names);
        tcase_add_test(tc, test_dnfexclude_write_keeps_mode_and_skips_without_dnf);
        tcase_add_test(tc, test_dnfexclude_real_dnf_reads_our_excludes);
        suite_add_tcase(s, tc);
        return s;
}
