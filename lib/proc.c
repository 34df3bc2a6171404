/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding processes by what they run (executable and executable mappings)
 * in /proc and stopping them through pidfds (see proc.h). Holds no state
 * between calls; never logs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "filescan.h"
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

/* ---------------------------------------------------------------- what a process runs */

#define MAPS_MAX_FILES 512

/* Strip " (deleted)" from path in place; true if it was there. */
static bool strip_deleted(char *path) {
        size_t l = strlen(path), sl = strlen(DELETED_SUFFIX);
        if (l > sl && strcmp(path + l - sl, DELETED_SUFFIX) == 0) {
                path[l - sl] = '\0';
                return true;
        }
        return false;
}

static int call_for(int fd, char *path, bool is_exe, int (*cb)(const struct vb_proc_file *, void *), void *ud,
                    dev_t *seen_dev, ino_t *seen_ino, size_t *n_seen) {
        struct vb_proc_file f = { .fd = fd, .is_exe = is_exe, .path = path };

        if (fstat(fd, &f.st) < 0 || !S_ISREG(f.st.st_mode))
                return 0;
        for (size_t i = 0; i < *n_seen; i++)
                if (seen_dev[i] == f.st.st_dev && seen_ino[i] == f.st.st_ino)
                        return 0;
        if (*n_seen < MAPS_MAX_FILES) {
                seen_dev[*n_seen] = f.st.st_dev;
                seen_ino[*n_seen] = f.st.st_ino;
                (*n_seen)++;
        }
        f.deleted = strip_deleted(path);
        f.is_memfd = strncmp(path, "/memfd:", 7) == 0;
        return cb(&f, ud);
}

/* Is path (as the kernel shows it) worth opening under the filter? */
static bool wanted(const char *path, const char *under) {
        size_t l = under ? strlen(under) : 0;
        if (l == 0 || strncmp(path, "/memfd:", 7) == 0)
                return true;
        return strncmp(path, under, l) == 0 && path[l] == '/';
}

int proc_foreach_exec_file(pid_t pid, const char *under, int (*cb)(const struct vb_proc_file *f, void *userdata),
                           void *userdata) {
        char p[64], path[PATH_MAX + sizeof(DELETED_SUFFIX)];
        _cleanup_free_ dev_t *seen_dev = calloc(MAPS_MAX_FILES, sizeof(dev_t));
        _cleanup_free_ ino_t *seen_ino = calloc(MAPS_MAX_FILES, sizeof(ino_t));
        size_t n_seen = 0;
        int r;

        if (!seen_dev || !seen_ino)
                return -ENOMEM;
        snprintf(p, sizeof p, "/proc/%d/exe", (int) pid);
        ssize_t l = readlink(p, path, sizeof path - 1);
        if (l > 0 && (size_t) l < sizeof path - 1) {
                path[l] = '\0';
        }
        /* The executable is always opened: the caller may want to know
         * what it is (the loader, launched directly) wherever it lies. */
        if (l > 0 && (size_t) l < sizeof path - 1) {
                _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
                if (fd >= 0) {
                        r = call_for(fd, path, true, cb, userdata, seen_dev, seen_ino, &n_seen);
                        if (r != 0)
                                return r;
                }
        }

        snprintf(p, sizeof p, "/proc/%d/maps", (int) pid);
        _cleanup_(fclosep) FILE *f = fopen(p, "re");
        if (!f)
                return 0;
        char line[PATH_MAX + 256];
        while (fgets(line, sizeof line, f)) {
                unsigned long start, end, ino;
                char perms[8];
                int off = 0;
                if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %n", &start, &end, perms, &ino, &off) != 4 || off == 0 ||
                    ino == 0 || perms[2] != 'x' || line[off] != '/')
                        continue;
                line[strcspn(line, "\n")] = '\0';
                snprintf(path, sizeof path, "%s", line + off);
                if (!wanted(path, under))
                        continue;
                char mf[96];
                snprintf(mf, sizeof mf, "/proc/%d/map_files/%lx-%lx", (int) pid, start, end);
                _cleanup_close_ int fd = open(mf, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
                if (fd < 0)
                        continue;
                r = call_for(fd, path, false, cb, userdata, seen_dev, seen_ino, &n_seen);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* The files a package (or a loose file) consists of, as proc_find_running
 * matches them: by path, by inode, and by content for memfds. */
struct target {
        const char *path;               /* inside the root */
        bool have_stat, have_sha;
        struct stat st;
        char sha256[65];
};

struct running_ctx {
        const char *root;               /* canonical, "" for the host */
        struct target *t;               /* sorted by path */
        size_t n;
        struct vb_filescan *scan;
};

static int cmp_target(const void *a, const void *b) {
        return strcmp(((const struct target *) a)->path, ((const struct target *) b)->path);
}

static int sha_of_fd(struct running_ctx *c, int fd, char out[static 65]) {
        struct vb_file_content fc;
        int r;

        if (!c->scan) {
                r = filescan_new(NULL, 0, &c->scan);
                if (r < 0)
                        return r;
        }
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        r = filescan_fd(c->scan, fd, &fc);
        if (r < 0)
                return r;
        memcpy(out, fc.sha256, 65);
        return 0;
}

/* A memfd runs one of the targets if it has the same size and sha256. */
static bool memfd_matches(struct running_ctx *c, const struct vb_proc_file *f) {
        char sha[65];
        bool hashed = false;

        for (size_t i = 0; i < c->n; i++) {
                struct target *t = &c->t[i];
                if (!t->have_stat || t->st.st_size != f->st.st_size || !S_ISREG(t->st.st_mode))
                        continue;
                if (!hashed) {
                        if (sha_of_fd(c, f->fd, sha) < 0)
                                return false;
                        hashed = true;
                }
                if (!t->have_sha) {
                        _cleanup_close_ int fd = open_in_root(c->root[0] ? c->root : "/", t->path,
                                                              O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
                        if (fd < 0 || sha_of_fd(c, fd, t->sha256) < 0)
                                continue;
                        t->have_sha = true;
                }
                if (strcmp(t->sha256, sha) == 0)
                        return true;
        }
        return false;
}

static int running_cb(const struct vb_proc_file *f, void *userdata) {
        struct running_ctx *c = userdata;
        size_t rl = strlen(c->root);

        if (f->is_memfd)
                return memfd_matches(c, f) ? 1 : 0;
        for (size_t i = 0; i < c->n; i++)
                if (c->t[i].have_stat && c->t[i].st.st_dev == f->st.st_dev && c->t[i].st.st_ino == f->st.st_ino)
                        return 1;
        if (strncmp(f->path, c->root, rl) != 0 || f->path[rl] != '/')
                return 0;
        struct target key = { .path = f->path + rl };
        return bsearch(&key, c->t, c->n, sizeof *c->t, cmp_target) ? 1 : 0;
}

int proc_find_running(const char *root, const char *const *paths, size_t n, pid_t **ret_pids, size_t *ret_n) {
        _cleanup_free_ char *croot = NULL;
        _cleanup_free_ struct target *t = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0, cap = 0;
        int r;

        r = root_canonical(root, &croot);
        if (r < 0)
                return r;
        t = calloc(n ? n : 1, sizeof *t);
        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                t[i].path = paths[i];
                _cleanup_close_ int fd = open_in_root(croot[0] ? croot : "/", paths[i],
                                                      O_PATH | O_NOFOLLOW | O_CLOEXEC);
                t[i].have_stat = fd >= 0 && fstat(fd, &t[i].st) == 0 && S_ISREG(t[i].st.st_mode);
        }
        qsort(t, n, sizeof *t, cmp_target);
        struct running_ctx c = { .root = croot, .t = t, .n = n };

        _cleanup_(closedirp) DIR *d = opendir("/proc");
        if (!d) {
                filescan_free(c.scan);
                return -errno;
        }
        pid_t self = getpid();
        struct dirent *de;
        r = 0;
        while ((errno = 0, de = readdir(d))) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);
                if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end != '\0' || pid <= 1 || pid == self)
                        continue;
                int k = proc_foreach_exec_file((pid_t) pid, croot, running_cb, &c);
                if (k < 0) {
                        r = k;
                        break;
                }
                if (k > 0 && (r = pids_push(&pids, &n_pids, &cap, (pid_t) pid)) < 0)
                        break;
        }
        if (r == 0 && errno != 0)
                r = -errno;
        filescan_free(c.scan);
        if (r < 0)
                return r;
        *ret_pids = TAKE_PTR(pids);
        *ret_n = n_pids;
        return 0;
}

/* ---------------------------------------------------------------- stopping */

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
