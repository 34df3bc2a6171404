/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding processes by executable in /proc and stopping them through pidfds
 * (see proc.h). Holds no state between calls; never logs. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "proc.h"
#include "util.h"

#define DELETED_SUFFIX " (deleted)"
#define KILL_WAIT_MS 1000

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The canonical root with no trailing slash; "" for the host. */
static int root_canonical(const char *root, char **ret) {
        if (!root || root[0] == '\0' || strcmp(root, "/") == 0) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        *ret = realpath(root, NULL);
        if (!*ret)
                return -errno;
        if (strcmp(*ret, "/") == 0)
                (*ret)[0] = '\0';
        return 0;
}

/* The executable of pid as a path inside root, in buf; 0 if it has none we
 * can read or it lies outside root. */
static int exe_inside_root(int procfd, long pid, const char *root, char *buf, size_t size, const char **ret) {
        char link[64];
        snprintf(link, sizeof link, "%ld/exe", pid);

        ssize_t l = readlinkat(procfd, link, buf, size - 1);
        if (l < 0)
                return (errno == ENOENT || errno == EACCES || errno == EPERM || errno == ESRCH) ? 0 : -errno;
        if ((size_t) l == size - 1)
                return 0;       /* too long to be one of ours */
        buf[l] = '\0';

        size_t sl = strlen(DELETED_SUFFIX);
        if ((size_t) l > sl && strcmp(buf + l - sl, DELETED_SUFFIX) == 0)
                buf[l - sl] = '\0';

        size_t rl = strlen(root);
        if (strncmp(buf, root, rl) != 0 || buf[rl] != '/')
                return 0;
        *ret = buf + rl;
        return 1;
}

static int pids_push(pid_t **pids, size_t *n, size_t *cap, pid_t pid) {
        if (*n == *cap) {
                size_t c = *cap ? *cap * 2 : 8;
                pid_t *p = realloc(*pids, c * sizeof(pid_t));
                if (!p)
                        return -ENOMEM;
                *pids = p;
                *cap = c;
        }
        (*pids)[(*n)++] = pid;
        return 0;
}

int proc_find_by_exe(const char *root, const char *const *paths, size_t n, pid_t **ret_pids, size_t *ret_n) {
        _cleanup_free_ char *croot = NULL;
        _cleanup_free_ const char **sorted = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0, cap = 0;
        char buf[PATH_MAX + sizeof(DELETED_SUFFIX)];
        int r;

        r = root_canonical(root, &croot);
        if (r < 0)
                return r;
        sorted = malloc((n ? n : 1) * sizeof(char *));
        if (!sorted)
                return -ENOMEM;
        if (n > 0)
                memcpy(sorted, paths, n * sizeof(char *));
        qsort(sorted, n, sizeof(char *), cmp_str);

        _cleanup_(closedirp) DIR *d = opendir("/proc");
        if (!d)
                return -errno;
        pid_t self = getpid();
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);
                if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end != '\0' || pid <= 1 || pid == self)
                        continue;

                const char *inside = NULL;
                r = exe_inside_root(dirfd(d), pid, croot, buf, sizeof buf, &inside);
                if (r < 0)
                        return r;
                if (r == 0 || !bsearch(&inside, sorted, n, sizeof(char *), cmp_str))
                        continue;
                r = pids_push(&pids, &n_pids, &cap, (pid_t) pid);
                if (r < 0)
                        return r;
        }
        if (errno != 0)
                return -errno;

        *ret_pids = TAKE_PTR(pids);
        *ret_n = n_pids;
        return 0;
}

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll the pidfds still in pfds (fd >= 0) until they all exit or timeout_ms
 * passes. An exited process has its fd closed and set to -1. Returns how
 * many are still alive. */
static size_t wait_exit(struct pollfd *pfds, size_t n, unsigned timeout_ms) {
        int64_t deadline = now_ms() + timeout_ms;
        size_t alive;

        for (;;) {
                alive = 0;
                for (size_t i = 0; i < n; i++) {
                        if (pfds[i].fd >= 0 && (pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                                close(pfds[i].fd);
                                pfds[i].fd = -1;
                        }
                        pfds[i].revents = 0;
                        alive += pfds[i].fd >= 0;
                }
                int64_t left = deadline - now_ms();
                if (alive == 0 || left <= 0)
                        return alive;
                if (poll(pfds, n, left > INT_MAX ? INT_MAX : (int) left) < 0 && errno != EINTR)
                        return alive;
        }
}

/* Send sig through every pidfd still open. A process already gone (ESRCH)
 * is left for wait_exit() to notice. Returns the first other error. */
static int signal_all(struct pollfd *pfds, size_t n, int sig) {
        int ret = 0;

        for (size_t i = 0; i < n; i++) {
                if (pfds[i].fd < 0)
                        continue;
                if (syscall(SYS_pidfd_send_signal, pfds[i].fd, sig, NULL, 0) < 0 && errno != ESRCH && ret == 0)
                        ret = -errno;
        }
        return ret;
}

static void close_all(struct pollfd *pfds, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (pfds[i].fd >= 0)
                        close(pfds[i].fd);
}

int proc_stop(const pid_t *pids, size_t n, unsigned grace_ms, size_t *ret_killed) {
        pid_t self = getpid();
        size_t opened = 0;
        int ret = 0, r;

        if (ret_killed)
                *ret_killed = 0;
        for (size_t i = 0; i < n; i++)
                if (pids[i] <= 1 || pids[i] == self)
                        return -EINVAL;
        if (n == 0)
                return 0;

        _cleanup_free_ struct pollfd *pfds = calloc(n, sizeof(struct pollfd));
        if (!pfds)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                pfds[i].events = POLLIN;
                pfds[i].fd = (int) syscall(SYS_pidfd_open, pids[i], 0);
                if (pfds[i].fd >= 0)
                        opened++;
                else if (errno != ESRCH && ret == 0)
                        ret = -errno;
        }

        r = signal_all(pfds, n, SIGTERM);
        if (r < 0 && ret == 0)
                ret = r;
        size_t alive = wait_exit(pfds, n, grace_ms);
        if (alive > 0) {
                r = signal_all(pfds, n, SIGKILL);
                if (r < 0 && ret == 0)
                        ret = r;
                alive = wait_exit(pfds, n, KILL_WAIT_MS);
        }
        close_all(pfds, n);

        if (ret_killed)
                *ret_killed = opened - alive;
        if (alive > 0 && ret == 0)
                ret = -ETIMEDOUT;
        return ret;
}
