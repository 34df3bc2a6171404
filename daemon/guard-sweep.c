/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The process sweep (see guard-internal.h): a thread that judges processes
 * by what they run, their executable and executable mappings (memfd and
 * deleted files included), and kills those that run banned content. It
 * catches what the exec permission events cannot stop: the loader launching
 * a file, a memfd or fexecve, an exec allowed before its content was known
 * (a huge file, a slow hash). Kills first, logs after, through the loop. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>

#include "engine.h"
#include "guard-internal.h"
#include "journal.h"
#include "proc.h"

#define VERIFY_MAX 64
#define WATCH_MAX 64
#define WATCH_STEP_MS 1                 /* for the first WATCH_FAST_MS of a loader launch, */
#define WATCH_FAST_MS 20
#define WATCH_SLOW_STEP_MS 10           /* then this, up to GUARD_SWEEP_LOADER_WATCH_MS */

struct verify {
        pid_t pid;
        int fd;
};

struct watch {
        pid_t pid;
        int64_t since_ms;
};

struct guard_sweep {
        struct vb_guard *g;
        pthread_t thread;
        int wake_fd, cn_fd;
        pthread_mutex_t lock;           /* guards the queue below */
        bool stop, all;
        struct verify verify[VERIFY_MAX];
        size_t n_verify;
        /* Owned by the thread. */
        struct watch watch[WATCH_MAX];
        size_t n_watch;
        int64_t next_periodic_ms;
        pid_t reported[64];             /* audit mode: each process reported once */
        size_t n_reported;
};

static int64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(struct guard_sweep *s) {
        uint64_t one = 1;
        (void) !write(s->wake_fd, &one, sizeof one);
}

void guard_sweep_verify(struct guard_sweep *s, pid_t pid, int fd) {
        if (!s)
                return;
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        pthread_mutex_lock(&s->lock);
        if (dfd >= 0 && s->n_verify < VERIFY_MAX)
                s->verify[s->n_verify++] = (struct verify) { .pid = pid, .fd = dfd };
        else {
                if (dfd >= 0)
                        close(dfd);
                s->all = true;  /* the periodic sweep catches it */
        }
        pthread_mutex_unlock(&s->lock);
        wake(s);
}

void guard_sweep_all(struct guard_sweep *s) {
        if (!s)
                return;
        pthread_mutex_lock(&s->lock);
        s->all = true;
        pthread_mutex_unlock(&s->lock);
        wake(s);
}

bool guard_sweep_has_connector(const struct guard_sweep *s) {
        return s && s->cn_fd >= 0;
}

/* ---------------------------------------------------------------- judging one process */

struct judge {
        struct guard_sweep *s;
        pid_t pid;
        bool enforce, killed, reported;
        bool no_interp_exe;             /* the exe is an ELF without PT_INTERP: the loader itself, or static */
        size_t files;
        char path[PATH_MAX];
        char sha256[65];
        char ban[64];
        char indicators[256];
        char suspect[PATH_MAX];         /* a file inside the root to quarantine, or "" */
};

/* An ELF whose program headers have no PT_INTERP: the dynamic loader (or a
 * static program). Launched directly, the loader maps its program after
 * the exec: such a process is watched for a while. */
static bool elf_without_interp(int fd) {
        Elf64_Ehdr eh;
        if (pread(fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
            eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64)
                return false;
        for (unsigned i = 0; i < eh.e_phnum; i++) {
                Elf64_Phdr ph;
                if (pread(fd, &ph, sizeof ph, (off_t) (eh.e_phoff + i * sizeof ph)) != (ssize_t) sizeof ph)
                        return false;
                if (ph.p_type == PT_INTERP)
                        return false;
        }
        return true;
}

/* The content of f: cached, else hashed now (no deadline: nobody waits). */
static int content_of(struct guard_sweep *s, const struct vb_proc_file *f, struct vb_file_content *ret) {
        struct vb_guard *g = s->g;
        struct vb_file_key key;
        struct vb_filescan *scan = NULL;
        int r;

        guard_file_key(&f->st, &key);
        if (guard_content_get(g, &key, ret))
                return 0;
        pthread_mutex_lock(&g->policy_lock);
        r = g->policy ? filescan_new_for_policy(g->policy, &scan) : -ESRCH; /* its automaton, shared */
        pthread_mutex_unlock(&g->policy_lock);
        if (r < 0)
                return r;
        r = lseek(f->fd, 0, SEEK_SET) < 0 ? -errno : filescan_fd(scan, f->fd, ret);
        filescan_free(scan);
        if (r >= 0 && !f->is_memfd)
                guard_content_put(g, &key, ret);
        return r;
}

static int judge_file(const struct vb_proc_file *f, void *userdata) {
        struct judge *j = userdata;
        struct vb_guard *g = j->s->g;
        struct vb_file_content c;
        const char *path = f->path;

        j->files++;
        if (f->is_exe)
                j->no_interp_exe = elf_without_interp(f->fd);
        /* Under --root, files of the host are not ours to judge; memfds
         * have no place and are judged by content alone. */
        if (!f->is_memfd && g->root_len > 0) {
                if (strncmp(path, g->root, g->root_len) != 0 || path[g->root_len] != '/')
                        return 0;
                path += g->root_len;
        }
        if (content_of(j->s, f, &c) < 0)
                return 0;

        bool block = false;
        pthread_mutex_lock(&g->policy_lock);
        if (g->policy) {
                struct vb_file vf = { .path = path, .sha256 = c.sha256, .is_elf = c.is_elf,
                                      .marker_hits = c.marker_hits, .first_seen = f->st.st_ctim.tv_sec,
                                      .marker_words = c.marker_words };
                struct vb_decision d;
                engine_evaluate_file(g->policy, &vf, now_sec(), &d);
                const char *why = NULL;
                if (d.verdict == VB_VERDICT_BLOCK) {
                        block = true;
                        snprintf(j->ban, sizeof j->ban, "%s", d.ban->id);
                        decision_format_indicators(&d, j->indicators, sizeof j->indicators);
                } else if ((why = guard_hash_banned(g, c.sha256))) {
                        block = true;
                        snprintf(j->indicators, sizeof j->indicators, "%s:%s", why, c.sha256);
                }
                if (block && g->self_sha256[0] && strcmp(c.sha256, g->self_sha256) == 0)
                        block = false;
                j->enforce = g->policy->config.mode == VB_MODE_ENFORCE;
        }
        pthread_mutex_unlock(&g->policy_lock);
        if (!block)
                return 0;
        snprintf(j->path, sizeof j->path, "%s%s", path, f->deleted && !f->is_memfd ? " (deleted)" : "");
        memcpy(j->sha256, c.sha256, sizeof j->sha256);
        if (!f->is_memfd && !f->deleted)
                snprintf(j->suspect, sizeof j->suspect, "%s", path);
        return 1;
}

static void field(struct guard_log *l, size_t *n, const char *name, const char *value) {
        if (*n < GUARD_LOG_FIELDS && value && value[0] && asprintf(&l->fields[*n], "%s=%s", name, value) >= 0)
                (*n)++;
}

static void log_kill(struct guard_sweep *s, const struct judge *j, int r, const char *comm) {
        char pid[16];
        struct guard_log *l = calloc(1, sizeof *l);

        if (!l)
                return;
        snprintf(pid, sizeof pid, "%d", (int) j->pid);
        l->message_id = VB_MID_PROCESS_KILLED;
        l->priority = j->enforce && r >= 0 ? LOG_ERR : LOG_WARNING;
        if (asprintf(&l->message, "%s process %d (%s) running %s (%s%s): matched %s.",
                     !j->enforce ? "Would kill (audit mode)" : r >= 0 ? "Killed" : "Failed to kill", (int) j->pid, comm,
                     j->path, j->ban[0] ? "ban " : "banned content", j->ban, j->indicators) < 0) {
                free(l);
                return;
        }
        size_t k = 0;
        field(l, &k, "VENDORBAN_PATH", j->path);
        field(l, &k, "VENDORBAN_SHA256", j->sha256);
        field(l, &k, "VENDORBAN_BAN", j->ban);
        field(l, &k, "VENDORBAN_INDICATOR", j->indicators);
        field(l, &k, "VENDORBAN_VERDICT", "block");
        field(l, &k, "VENDORBAN_ACTION", j->enforce ? "process-killed" : "would-kill-process");
        field(l, &k, "VENDORBAN_PID", pid);
        field(l, &k, "VENDORBAN_COMM", comm);
        guard_log_push(s->g, l);
}

static bool reported_before(struct guard_sweep *s, pid_t pid) {
        for (size_t i = 0; i < s->n_reported; i++)
                if (s->reported[i] == pid)
                        return true;
        s->reported[s->n_reported++ % ELEMENTSOF(s->reported)] = pid;
        if (s->n_reported > ELEMENTSOF(s->reported))
                s->n_reported = ELEMENTSOF(s->reported);
        return false;
}

/* Judge pid: kill it (enforce mode) if it runs banned content. Returns 1
 * if it is the loader (or a static program) with nothing else mapped yet:
 * worth another look soon. */
static int judge_pid(struct guard_sweep *s, pid_t pid) {
        struct judge j = { .s = s, .pid = pid };
        char comm[64] = "?", p[64];

        if (pid <= 1 || pid == s->g->self_pid)
                return 0;
        /* The pidfd first: the process judged is the one signalled, even
         * if the pid is reused meanwhile. */
        int pfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pfd < 0)
                return 0;
        int r = proc_foreach_exec_file(pid, s->g->root, judge_file, &j);
        if (r <= 0) {
                close(pfd);
                return j.no_interp_exe && j.files <= 1;
        }
        if (j.enforce)
                r = syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) < 0 ? -errno : 0;
        close(pfd);
        if (!j.enforce && reported_before(s, pid))
                return 0;
        if (j.suspect[0])
                guard_suspect_push(s->g, j.suspect);    /* the loop quarantines it */
        snprintf(p, sizeof p, "/proc/%d/comm", (int) pid);
        FILE *f = fopen(p, "re");
        if (f) {
                if (fgets(comm, sizeof comm, f))
                        comm[strcspn(comm, "\n")] = '\0';
                fclose(f);
        }
        log_kill(s, &j, r, comm);
        return 0;
}

static void watch_add(struct guard_sweep *s, pid_t pid) {
        for (size_t i = 0; i < s->n_watch; i++)
                if (s->watch[i].pid == pid)
                        return;
        if (s->n_watch < WATCH_MAX)
                s->watch[s->n_watch++] = (struct watch) { .pid = pid, .since_ms = mono_ms() };
}

static void judge_and_watch(struct guard_sweep *s, pid_t pid) {
        if (judge_pid(s, pid) > 0)
                watch_add(s, pid);
}

static void sweep_all(struct guard_sweep *s) {
        DIR *d = opendir("/proc");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);
                if (de->d_name[0] >= '1' && de->d_name[0] <= '9' && *end == '\0')
                        (void) judge_pid(s, (pid_t) pid);
        }
        closedir(d);
}

/* ---------------------------------------------------------------- the proc connector */

static int connector_open(void) {
        int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
        if (fd < 0)
                return -errno;
        struct sockaddr_nl a = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC };
        struct {
                struct nlmsghdr nh;
                struct cn_msg cn;
                enum proc_cn_mcast_op op;
        } __attribute__((packed)) msg = {
                .nh = { .nlmsg_len = sizeof msg, .nlmsg_type = NLMSG_DONE, .nlmsg_pid = 0 },
                .cn = { .id = { .idx = CN_IDX_PROC, .val = CN_VAL_PROC }, .len = sizeof(enum proc_cn_mcast_op) },
                .op = PROC_CN_MCAST_LISTEN,
        };
        int bufsize = 1 << 20;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
        if (bind(fd, (struct sockaddr *) &a, sizeof a) < 0 || send(fd, &msg, sizeof msg, 0) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

/* Judge each process that just exec'ed. A lost message (ENOBUFS) costs a
 * full sweep. */
static void connector_read(struct guard_sweep *s) {
        char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

        for (;;) {
                ssize_t n = recv(s->cn_fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == ENOBUFS) {
                        s->all = true;
                        continue;
                }
                if (n <= 0)
                        return;
                for (struct nlmsghdr *nh = (struct nlmsghdr *) buf; NLMSG_OK(nh, (size_t) n);
                     nh = NLMSG_NEXT(nh, n)) {
                        struct cn_msg *cn = NLMSG_DATA(nh);
                        if (nh->nlmsg_type != NLMSG_DONE || cn->len < sizeof(struct proc_event))
                                continue;
                        struct proc_event *ev = (struct proc_event *) cn->data;
                        if (ev->what == PROC_EVENT_EXEC)
                                judge_and_watch(s, ev->event_data.exec.process_pid);
                }
        }
}

/* ---------------------------------------------------------------- the thread */

static void verify_one(struct guard_sweep *s, const struct verify *v) {
        struct vb_proc_file f = { .fd = v->fd, .path = "" };
        struct vb_file_content c;

        /* Hash the file into the cache; then the process that exec'ed it,
         * and every other running it, are judged with its content known. */
        if (fstat(v->fd, &f.st) == 0)
                (void) content_of(s, &f, &c);
        close(v->fd);
        judge_and_watch(s, v->pid);
}

static bool periodic_needed(struct guard_sweep *s) {
        /* Without exec events, memfd and loader launches are only seen by
         * looking; in audit mode there is nothing to stop. */
        struct vb_guard *g = s->g;
        pthread_mutex_lock(&g->policy_lock);
        bool enforce = g->policy && g->policy->config.mode == VB_MODE_ENFORCE;
        pthread_mutex_unlock(&g->policy_lock);
        return s->cn_fd < 0 && enforce;
}

static void *sweep_thread(void *userdata) {
        struct guard_sweep *s = userdata;
        struct pollfd p[2] = { { .fd = s->wake_fd, .events = POLLIN }, { .fd = s->cn_fd, .events = POLLIN } };

        for (;;) {
                int64_t now = mono_ms(), timeout = -1;
                for (size_t i = 0; i < s->n_watch; i++) {
                        int64_t step = now - s->watch[i].since_ms < WATCH_FAST_MS ? WATCH_STEP_MS : WATCH_SLOW_STEP_MS;
                        if (timeout < 0 || step < timeout)
                                timeout = step;
                }
                if (s->n_watch == 0 && periodic_needed(s)) {
                        if (s->next_periodic_ms == 0)
                                s->next_periodic_ms = now + GUARD_SWEEP_INTERVAL_MS;
                        timeout = s->next_periodic_ms > now ? s->next_periodic_ms - now : 0;
                }
                if (poll(p, s->cn_fd >= 0 ? 2 : 1, (int) timeout) < 0 && errno != EINTR)
                        (void) poll(NULL, 0, 10);
                if (p[0].revents) {
                        uint64_t n;
                        (void) !read(s->wake_fd, &n, sizeof n);
                }

                pthread_mutex_lock(&s->lock);
                bool stop = s->stop, all = s->all;
                struct verify v[VERIFY_MAX];
                size_t nv = s->n_verify;
                memcpy(v, s->verify, nv * sizeof *v);
                s->n_verify = 0;
                s->all = false;
                pthread_mutex_unlock(&s->lock);
                if (stop) {
                        for (size_t i = 0; i < nv; i++)
                                close(v[i].fd);
                        break;
                }

                if (s->cn_fd >= 0 && p[1].revents)
                        connector_read(s);
                for (size_t i = 0; i < nv; i++)
                        verify_one(s, &v[i]);
                now = mono_ms();
                if (s->next_periodic_ms != 0 && now >= s->next_periodic_ms) {
                        all = true;
                        s->next_periodic_ms = 0;
                }
                if (all || nv > 0)
                        sweep_all(s);
                /* Loader launches: look again until the program is mapped. */
                size_t k = 0;
                for (size_t i = 0; i < s->n_watch; i++)
                        if (judge_pid(s, s->watch[i].pid) > 0 &&
                            now - s->watch[i].since_ms < GUARD_SWEEP_LOADER_WATCH_MS)
                                s->watch[k++] = s->watch[i];
                s->n_watch = k;
        }
        return NULL;
}

int guard_sweep_new(struct vb_guard *g, struct guard_sweep **ret) {
        struct guard_sweep *s = calloc(1, sizeof *s);
        int r;

        if (!s)
                return -ENOMEM;
        s->g = g;
        pthread_mutex_init(&s->lock, NULL);
        s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        s->cn_fd = connector_open();
        if (s->wake_fd < 0) {
                r = -errno;
                guard_sweep_free(s);
                return r;
        }
        r = -pthread_create(&s->thread, NULL, sweep_thread, s);
        if (r < 0) {
                s->thread = 0;
                guard_sweep_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void guard_sweep_free(struct guard_sweep *s) {
        if (!s)
                return;
        if (s->thread) {
                pthread_mutex_lock(&s->lock);
                s->stop = true;
                pthread_mutex_unlock(&s->lock);
                wake(s);
                pthread_join(s->thread, NULL);
        }
        for (size_t i = 0; i < s->n_verify; i++)
                close(s->verify[i].fd);
        if (s->cn_fd >= 0)
                close(s->cn_fd);
        if (s->wake_fd >= 0)
                close(s->wake_fd);
        pthread_mutex_destroy(&s->lock);
        free(s);
}
