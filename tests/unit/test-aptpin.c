/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/aptpin.c: the exact file, its atomic replacement, removal,
 * refused names, and a real apt-cache reading what we wrote. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "aptpin.h"
#include "harness.h"
#include "util.h"

#define PIN "etc/apt/preferences.d/vendorban.pref"
#define APT_CACHE "/usr/bin/apt-cache"

static const char header[] =
        "# Managed by vendorban: do not edit. This file is regenerated from the\n"
        "# vendorban policy and the installed packages; changes here are lost.\n";


static char *read_all(const char *dir, const char *rel) {
        _cleanup_free_ char *path = NULL;
        char *buf = NULL;
        size_t len = 0;

        ck_assert(asprintf(&path, "%s/%s", dir, rel) > 0);
        FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        FILE *m = open_memstream(&buf, &len);
        int c;
        while ((c = fgetc(f)) != EOF)
                fputc(c, m);
        fclose(f);
        fclose(m);
        return buf;
}

static struct stat stat_pin(const char *root) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        ck_assert(asprintf(&path, "%s/%s", root, PIN) > 0);
        ck_assert_int_eq(stat(path, &st), 0);
        return st;
}

static size_t count_entries(const char *root, const char *rel) {
        _cleanup_free_ char *path = NULL;
        size_t n = 0;

        ck_assert(asprintf(&path, "%s/%s", root, rel) > 0);
        DIR *d = opendir(path);
        ck_assert_ptr_nonnull(d);
        for (struct dirent *de; (de = readdir(d));)
                n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
        closedir(d);
        return n;
}

START_TEST(test_aptpin_writes_exact_content) {
        char *root = tmpdir_make();
        const char *names[] = { "kesl", "kaspersky*", "kesl", "klnagent64" };

        ck_assert_int_eq(aptpin_write(root, names, ELEMENTSOF(names), "kaspersky (BIS\nFinal Determination)"), 1);
        _cleanup_free_ char *got = read_all(root, PIN);
        _cleanup_free_ char *want = NULL;
        ck_assert(asprintf(&want, "%s"
                           "\nExplanation: banned by vendorban: kaspersky (BIS Final Determination)\n"
                           "Package: kaspersky*\nPin: version *\nPin-Priority: -1\n"
                           "\nExplanation: banned by vendorban: kaspersky (BIS Final Determination)\n"
                           "Package: kesl\nPin: version *\nPin-Priority: -1\n"
                           "\nExplanation: banned by vendorban: kaspersky (BIS Final Determination)\n"
                           "Package: klnagent64\nPin: version *\nPin-Priority: -1\n", header) > 0);
        ck_assert_str_eq(got, want);
        ck_assert_uint_eq(stat_pin(root).st_mode & 07777, 0644);
        ck_assert_uint_eq(count_entries(root, "etc/apt/preferences.d"), 1);

        /* No ban info: no dangling colon. */
        ck_assert_int_eq(aptpin_write(root, names, 1, NULL), 1);
        free(got);
        got = read_all(root, PIN);
        free(want);
        ck_assert(asprintf(&want, "%s\nExplanation: banned by vendorban\n"
                           "Package: kesl\nPin: version *\nPin-Priority: -1\n", header) > 0);
        ck_assert_str_eq(got, want);
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_aptpin_unchanged_content_is_not_rewritten) {
        char *root = tmpdir_make();
        const char *names[] = { "kesl", "kesl-gui" };

        ck_assert_int_eq(aptpin_write(root, names, 2, "kaspersky"), 1);
        struct stat a = stat_pin(root);
        const char *reordered[] = { "kesl-gui", "kesl", "kesl" };
        ck_assert_int_eq(aptpin_write(root, reordered, 3, "kaspersky"), 0);
        struct stat b = stat_pin(root);
        ck_assert_uint_eq(a.st_ino, b.st_ino);
        ck_assert_int_eq(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);

        /* A wrong mode is repaired by a rewrite. */
        _cleanup_free_ char *path = NULL;
        ck_assert(asprintf(&path, "%s/%s", root, PIN) > 0);
        ck_assert_int_eq(chmod(path, 0600), 0);
        ck_assert_int_eq(aptpin_write(root, names, 2, "kaspersky"), 1);
        ck_assert_uint_eq(stat_pin(root).st_mode & 07777, 0644);
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_aptpin_replaces_atomically) {
        char *root = tmpdir_make();
        const char *first[] = { "kesl" };
        const char *second[] = { "klnagent64", "kesl-gui" };
        _cleanup_free_ char *path = NULL;

        ck_assert(asprintf(&path, "%s/%s", root, PIN) > 0);
        ck_assert_int_eq(aptpin_write(root, first, 1, "v1"), 1);
        _cleanup_free_ char *old = read_all(root, PIN);
        struct stat a = stat_pin(root);
        /* A reader that opened the old file keeps reading all of it. */
        FILE *reader = fopen(path, "re");
        ck_assert_ptr_nonnull(reader);

        ck_assert_int_eq(aptpin_write(root, second, 2, "v2"), 1);
        struct stat b = stat_pin(root);
        ck_assert_uint_ne(a.st_ino, b.st_ino);  /* renamed over, not rewritten in place */
        ck_assert_uint_eq(count_entries(root, "etc/apt/preferences.d"), 1);

        char buf[4096];
        size_t l = fread(buf, 1, sizeof buf - 1, reader);
        buf[l] = '\0';
        fclose(reader);
        ck_assert_str_eq(buf, old);

        _cleanup_free_ char *now = read_all(root, PIN);
        ck_assert_ptr_nonnull(strstr(now, "Package: kesl-gui\n"));
        ck_assert_ptr_nonnull(strstr(now, "Package: klnagent64\n"));
        ck_assert_ptr_null(strstr(now, "Package: kesl\n"));
        ck_assert_ptr_nonnull(strstr(now, "banned by vendorban: v2\n"));
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_aptpin_removal) {
        char *root = tmpdir_make();
        const char *names[] = { "kesl" };

        ck_assert_int_eq(aptpin_remove(root), 0);       /* no directory at all */
        ck_assert_int_eq(aptpin_write(root, names, 1, "x"), 1);
        ck_assert_int_eq(aptpin_write(root, NULL, 0, "x"), 1);
        _cleanup_free_ char *gone = read_all(root, PIN);
        ck_assert_ptr_null(gone);
        ck_assert_int_eq(aptpin_remove(root), 0);
        ck_assert_int_eq(aptpin_write(root, NULL, 0, NULL), 0);
        /* Others' files are left alone. */
        write_file(root, "etc/apt/preferences.d/other.pref", "Package: x\nPin: version *\nPin-Priority: 100\n");
        ck_assert_int_eq(aptpin_write(root, names, 1, "x"), 1);
        ck_assert_int_eq(aptpin_remove(root), 1);
        ck_assert_uint_eq(count_entries(root, "etc/apt/preferences.d"), 1);
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_aptpin_refuses_invalid_names) {
        char *root = tmpdir_make();
        static const char *const bad[] = {
                "", "k", "Kesl", "kesl pkg", "kesl\n", "kesl\nPin-Priority: 1000", "-kesl", ".kesl",
                "kesl/x", "kesl:amd64", "*", "**", "kesl?", "kesl_x",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const char *names[] = { "kesl", bad[i] };
                ck_assert_msg(!aptpin_name_is_valid(bad[i]), "accepted \"%s\"", bad[i]);
                ck_assert_int_eq(aptpin_write(root, names, 2, "x"), -EINVAL);
        }
        ck_assert(!aptpin_name_is_valid(NULL));
        ck_assert_uint_eq(count_entries(root, "."), 0);         /* nothing written, not even the directory */

        ck_assert(aptpin_name_is_valid("kaspersky*"));
        ck_assert(aptpin_name_is_valid("*kaspersky*"));
        ck_assert(aptpin_name_is_valid("libstdc++6"));
        ck_assert(aptpin_name_is_valid("kesl-12.0"));

        /* An existing file is left as it was. */
        const char *good[] = { "kesl" }, *mixed[] = { "kesl-gui", "bad name" };
        ck_assert_int_eq(aptpin_write(root, good, 1, "x"), 1);
        _cleanup_free_ char *before = read_all(root, PIN);
        ck_assert_int_eq(aptpin_write(root, mixed, 2, "x"), -EINVAL);
        _cleanup_free_ char *after = read_all(root, PIN);
        ck_assert_str_eq(before, after);
        tmpdir_remove(root);
}
END_TEST

static const char dpkg_status[] =
        "Package: kesl\nStatus: install ok installed\nMaintainer: X <x@example.com>\nArchitecture: all\nVersion: 12.0\n\n"
        "Package: kaspersky-agent\nStatus: install ok installed\nMaintainer: X <x@example.com>\nArchitecture: all\nVersion: 1.0\n\n"
        "Package: hello\nStatus: install ok installed\nMaintainer: X <x@example.com>\nArchitecture: all\nVersion: 2.0\n";

/* An APT tree in root that knows nothing of the host: config from
 * ROOT/apt.conf (APT_CONFIG), three installed packages, no sources. */
static void apt_root_make(const char *root) {
        _cleanup_free_ char *conf = NULL;

        ck_assert(asprintf(&conf, "Dir \"%s/\";\nDir::State::status \"%s/var/lib/dpkg/status\";\n", root, root) > 0);
        write_file(root, "apt.conf", conf);
        write_file(root, "var/lib/dpkg/status", dpkg_status);
        write_file(root, "etc/apt/sources.list", "");
        write_file(root, "etc/apt/sources.list.d/.keep", "");
        write_file(root, "etc/apt/apt.conf.d/.keep", "");
        write_file(root, "var/lib/apt/lists/partial/.keep", "");
        write_file(root, "var/cache/apt/archives/partial/.keep", "");
}

/* Run apt-cache policy on our packages; stdout and stderr land in
 * ROOT/out and ROOT/err. Returns the exit status. */
static int apt_cache_policy(const char *root) {
        _cleanup_free_ char *env_conf = NULL, *out = NULL, *err = NULL;
        char *const argv[] = { (char *) "apt-cache", (char *) "policy", (char *) "kesl",
                               (char *) "kaspersky-agent", (char *) "hello", NULL };
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int status;

        ck_assert(asprintf(&env_conf, "APT_CONFIG=%s/apt.conf", root) > 0);
        ck_assert(asprintf(&out, "%s/out", root) > 0);
        ck_assert(asprintf(&err, "%s/err", root) > 0);
        char *const envp[] = { env_conf, (char *) "LC_ALL=C", (char *) "PATH=/usr/bin:/bin", NULL };

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ck_assert_int_eq(posix_spawn(&pid, APT_CACHE, &fa, NULL, argv, envp), 0);
        posix_spawn_file_actions_destroy(&fa);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        return WEXITSTATUS(status);
}

START_TEST(test_aptpin_real_apt_reads_our_pins) {
        if (access(APT_CACHE, X_OK) < 0)
                return; /* no APT here: the other tests still hold */

        char *root = tmpdir_make();
        const char *names[] = { "kesl", "kaspersky-*" };
        apt_root_make(root);

        /* Without pins, APT would install kesl. */
        ck_assert_int_eq(apt_cache_policy(root), 0);
        _cleanup_free_ char *before = read_all(root, "out");
        ck_assert_ptr_nonnull(strstr(before, "kesl:\n  Installed: 12.0\n  Candidate: 12.0\n"));

        ck_assert_int_eq(aptpin_write(root, names, 2, "kaspersky (BIS Final Determination)"), 1);
        ck_assert_int_eq(apt_cache_policy(root), 0);
        _cleanup_free_ char *out = read_all(root, "out"), *err = read_all(root, "err");
        ck_assert_str_eq(err, "");
        ck_assert_ptr_nonnull(strstr(out, "kesl:\n  Installed: 12.0\n  Candidate: (none)\n"));
        ck_assert_ptr_nonnull(strstr(out, " 12.0 -1\n"));
        ck_assert_ptr_nonnull(strstr(out, "kaspersky-agent:\n  Installed: 1.0\n  Candidate: (none)\n"));
        ck_assert_ptr_nonnull(strstr(out, "hello:\n  Installed: 2.0\n  Candidate: 2.0\n"));

        /* The check can tell: a malformed record makes apt-cache fail. */
        write_file(root, "etc/apt/preferences.d/broken.pref", "Package: kesl\nPin: version *\n");
        ck_assert_int_ne(apt_cache_policy(root), 0);
        _cleanup_free_ char *err2 = read_all(root, "err");
        ck_assert_ptr_nonnull(strstr(err2, "E: "));
        tmpdir_remove(root);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("aptpin");
        TCase *tc = tcase_create("aptpin");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_aptpin_writes_exact_content);
        tcase_add_test(tc, test_aptpin_unchanged_content_is_not_rewritten);
        tcase_add_test(tc, test_aptpin_replaces_atomically);
        tcase_add_test(tc, test_aptpin_removal);
        tcase_add_test(tc, test_aptpin_refuses_invalid_names);
        tcase_add_test(tc, test_aptpin_real_apt_reads_our_pins);
        suite_add_tcase(s, tc);
        return s;
}
