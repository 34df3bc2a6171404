/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/proc.c: real child processes running a copy of sleep inside
 * a fake root, found by their inside-root path and stopped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "proc.h"
#include "util.h"

#define KESLD "/opt/kaspersky/kesl/bin/kesld"

static const char *sleep_binary(void) {
        return access("/usr/bin/sleep", X_OK) == 0 ? "/usr/bin/sleep" : "/bin/sleep";
}

/* ROOT/opt/kaspersky/kesl/bin/kesld: a copy of sleep. Returns the host path. */
static char *install_kesld(const char *root) {
        char *dst = path_under_root(root, KESLD);
        char buf[65536];
        ssize_t l;

        write_file(root, KESLD, "");
        int in = open(sleep_binary(), O_RDONLY | O_CLOEXEC);
        int out = open(dst, O_WRONLY | O_TRUNC | O_CLOEXEC);
        ck_assert_int_ge(in, 0);
        ck_assert_int_ge(out, 0);
        while ((l = read(in, buf, sizeof buf)) > 0)
                ck_assert_int_eq(write(out, buf, (size_t) l), l);
        ck_assert_int_eq(l, 0);
        ck_assert_int_eq(fchmod(out, 0755), 0);
        close(in);
        ck_assert_int_eq(close(out), 0);
        return dst;
}

/* Fork a child that runs exe for 100 s, with SIGTERM blocked if asked
 * (blocked signals survive exec). */
static pid_t spawn(const char *exe, bool block_term) {
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                sigset_t ss;
                sigemptyset(&ss);
                if (block_term)
                        sigaddset(&ss, SIGTERM);
                sigprocmask(SIG_SETMASK, &ss, NULL);
                execl(exe, "kesld", "100", (char *) NULL);
                _exit(127);
        }
        return pid;
}

static void sleep_ms(long ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
        nanosleep(&ts, NULL);
}

static bool contains(const pid_t *pids, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* Look for pid among the processes running path inside root, for up to 5 s
 * (the child needs a moment to exec). */
static bool find_eventually(const char *root, const char *path, pid_t pid) {
        const char *paths[] = { "/usr/bin/true", path };

        for (int i = 0; i < 500; i++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                ck_assert_int_eq(proc_find_by_exe(root, paths, ELEMENTSOF(paths), &pids, &n), 0);
                if (contains(pids, n, pid))
                        return true;
                sleep_ms(10);
        }
        return false;
}

/* valgrind 3.19 does not know pidfd_open: there proc_stop must refuse with
 * -ENOSYS without signalling anything, and the test kills the children. */
static bool have_pidfd(void) {
        int fd = (int) syscall(SYS_pidfd_open, getpid(), 0);

        if (fd >= 0) {
                close(fd);
                return true;
        }
        ck_assert_int_eq(errno, ENOSYS);
        fprintf(stderr, "pidfd_open unavailable (valgrind?): checking the error path only\n");
        return false;
}

/* Without pidfds: proc_stop fails and leaves the processes alone. */
static bool stop_without_pidfd(pid_t *pids, size_t n) {
        size_t killed = 9;

        if (have_pidfd())
                return false;
        ck_assert_int_eq(proc_stop(pids, n, 10, &killed), -ENOSYS);
        ck_assert_uint_eq(killed, 0);
        for (size_t i = 0; i < n; i++) {
                ck_assert_int_eq(kill(pids[i], 0), 0);
                kill(pids[i], SIGKILL);
                waitpid(pids[i], NULL, 0);
        }
        return true;
}

static int reap(pid_t pid) {
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        return status;
}

START_TEST(test_proc_find_and_stop_with_sigterm) {
        char *root = tmpdir_make();
        _cleanup_free_ char *exe = install_kesld(root);
        pid_t pid = spawn(exe, false);

        ck_assert(find_eventually(root, KESLD, pid));
        /* The same process seen from the host root, by its host path. */
        ck_assert(find_eventually("/", exe, pid));

        if (stop_without_pidfd(&pid, 1))
                goto out;
        size_t killed = 99;
        ck_assert_int_eq(proc_stop(&pid, 1, 5000, &killed), 0);
        ck_assert_uint_eq(killed, 1);
        int status = reap(pid);
        ck_assert(WIFSIGNALED(status));
        ck_assert_int_eq(WTERMSIG(status), SIGTERM);
out:
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_proc_stop_kills_process_ignoring_sigterm) {
        char *root = tmpdir_make();
        _cleanup_free_ char *exe = install_kesld(root);
        pid_t pid = spawn(exe, true);

        ck_assert(find_eventually(root, KESLD, pid));
        if (stop_without_pidfd(&pid, 1))
                goto out;
        size_t killed = 0;
        ck_assert_int_eq(proc_stop(&pid, 1, 200, &killed), 0);
        ck_assert_uint_eq(killed, 1);
        int status = reap(pid);
        ck_assert(WIFSIGNALED(status));
        ck_assert_int_eq(WTERMSIG(status), SIGKILL);
out:
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_proc_find_matches_deleted_executable) {
        char *root = tmpdir_make();
        _cleanup_free_ char *exe = install_kesld(root);
        pid_t pid = spawn(exe, false);

        ck_assert(find_eventually(root, KESLD, pid));
        ck_assert_int_eq(unlink(exe), 0);
        ck_assert(find_eventually(root, KESLD, pid));
        if (!stop_without_pidfd(&pid, 1)) {
                ck_assert_int_eq(proc_stop(&pid, 1, 5000, NULL), 0);
                reap(pid);
        }
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_proc_find_ignores_unrelated_and_outside_root) {
        char *root = tmpdir_make();
        _cleanup_free_ char *exe = install_kesld(root);
        pid_t kesld = spawn(exe, false);
        pid_t other = spawn(sleep_binary(), false);
        const char *paths[] = { KESLD, "/usr/bin/sleep", "/bin/sleep" };

        ck_assert(find_eventually(root, KESLD, kesld));
        /* Wait until the other child runs the host's sleep: it is outside
         * root even though its path is listed. */
        _cleanup_free_ char *host_sleep = realpath(sleep_binary(), NULL);
        ck_assert(find_eventually("/", host_sleep, other));

        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        ck_assert_int_eq(proc_find_by_exe(root, paths, ELEMENTSOF(paths), &pids, &n), 0);
        ck_assert(contains(pids, n, kesld));
        ck_assert(!contains(pids, n, other));
        ck_assert(!contains(pids, n, getpid()));
        ck_assert(!contains(pids, n, 1));

        pid_t both[] = { kesld, other };
        if (!stop_without_pidfd(both, 2)) {
                ck_assert_int_eq(proc_stop(both, 2, 5000, NULL), 0);
                reap(kesld);
                reap(other);
        }
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_proc_find_nothing_returns_empty) {
        const char *paths[] = { "/no/such/binary" };
        pid_t *pids = (pid_t *) 1;
        size_t n = 42;

        ck_assert_int_eq(proc_find_by_exe("/", paths, 1, &pids, &n), 0);
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(pids);
        ck_assert_int_eq(proc_find_by_exe("/", NULL, 0, &pids, &n), 0);
        ck_assert_uint_eq(n, 0);
        ck_assert_int_eq(proc_find_by_exe("/no/such/root", paths, 1, &pids, &n), -ENOENT);
}
END_TEST

START_TEST(test_proc_stop_refuses_init_and_self) {
        pid_t init = 1, self = getpid();
        size_t killed = 7;

        ck_assert_int_eq(proc_stop(&init, 1, 10, &killed), -EINVAL);
        ck_assert_uint_eq(killed, 0);
        ck_assert_int_eq(proc_stop(&self, 1, 10, NULL), -EINVAL);
        ck_assert_int_eq(proc_stop(NULL, 0, 10, &killed), 0);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("proc");
        TCase *tc = tcase_create("proc");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_proc_find_and_stop_with_sigterm);
        tcase_add_test(tc, test_proc_stop_kills_process_ignoring_sigterm);
        tcase_add_test(tc, test_proc_find_matches_deleted_executable);
        tcase_add_test(tc, test_proc_find_ignores_unrelated_and_outside_root);
        tcase_add_test(tc, test_proc_find_nothing_returns_empty);
        tcase_add_test(tc, test_proc_stop_refuses_init_and_self);
        suite_add_tcase(s, tc);
        return s;
}
