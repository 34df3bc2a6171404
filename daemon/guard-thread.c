/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's thread: read fanotify events, decide each one under the
 * policy lock, write the answer at once, and only then gather what the
 * journal entry needs and queue it for the loop. It never blocks on the
 * loop or on logging, and every fault turns into an allow; an exec allowed
 * without its content known goes to the sweep to be verified at once. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <syslog.h>

#include "engine.h"
#include "guard-internal.h"
#include "guard-test.h"
#include "journal.h"

/* No path is exempt: banned content at /usr/bin/apt-get is denied like
 * anywhere else. Only our own executable (by content) and our own process
 * and its children are never denied. */

struct verdict {
        bool would_deny, deny, fault;
        bool settled;                   /* allowed for what the file is: may be remembered */
        bool unverified;                /* allowed without its content known: the sweep verifies it */
        bool have_content;
        bool by_path;                   /* denied by a path indicator: learn its content */
        struct stat st;                 /* the file as decided on */
        char host_path[PATH_MAX];
        const char *path;               /* inside the root (points into host_path) */
        char sha256[65];
        char ban[64];
        char indicators[256];
        pid_t ppid;
        char comm[32];
};

static bool is_never_denied(const struct vb_guard *g, const struct verdict *v) {
        return g->self_sha256[0] && v->have_content && strcmp(v->sha256, g->self_sha256) == 0;
}

/* "PID (COMM) S PPID ...": comm may hold spaces and parentheses. */
static int read_stat(pid_t pid, char *comm, size_t comm_size, pid_t *ret_ppid) {
        char p[64], buf[512];
        snprintf(p, sizeof p, "/proc/%d/stat", (int) pid);
        _cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n <= 0)
                return n < 0 ? -errno : -EIO;
        buf[n] = '\0';
        char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
        int ppid;
        if (!open_paren || !close_paren || close_paren < open_paren || sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
                return -EBADMSG;
        snprintf(comm, comm_size, "%.*s", (int) (close_paren - open_paren - 1), open_paren + 1);
        *ret_ppid = ppid;
        return 0;
}

static const char *inside_root(const struct vb_guard *g, const char *host) {
        if (g->root_len == 0)
                return host;
        if (strncmp(host, g->root, g->root_len) == 0 && host[g->root_len] == '/')
                return host + g->root_len;
        return NULL;
}

/* A fresh hasher when the current one is still busy with a slow file, so
 * that one slow file does not skip the content check of every other one;
 * at most GUARD_HASHERS_MAX are left behind. */
static int hasher_free_one(struct vb_guard *g, struct guard_run *r) {
        if (!hasher_is_busy(r->hasher))
                return 0;
        if (atomic_load(&g->hashers_left) >= GUARD_HASHERS_MAX)
                return -EBUSY;
        struct guard_hasher *h = NULL;
        int k = hasher_new(&h);
        if (k < 0)
                return k;
        hasher_release(r->hasher, &g->hashers_left);
        r->hasher = h;
        return 0;
}

/* The content of the file: from the cache, or hashed (bounded in size and
 * time) and cached. When it cannot be known in time, the exec is allowed
 * and the sweep verifies it at once (v->unverified). */
static bool file_content(struct vb_guard *g, struct guard_run *run, int fd, const struct stat *st,
                         struct verdict *v, struct vb_file_content *ret) {
        struct vb_file_key key, late_key;
        struct vb_file_content late;

        guard_file_key(st, &key);
        if (hasher_take_late(run->hasher, &late_key, &late))
                guard_content_put(g, &late_key, &late);
        if (guard_content_get(g, &key, ret))
                return true;
        if (key.size > GUARD_HASH_MAX_SIZE) {
                v->unverified = true;
                guard_log_fault(g, "file larger than 64 MiB, allowed and verified at once", v->host_path);
                return false;
        }
        const struct vb_policy *p = g->policy;
        unsigned delay = g->test_hash_delay_path && v->path && strcmp(v->path, g->test_hash_delay_path) == 0
                                 ? g->test_hash_delay_ms : 0;
        int r = hasher_free_one(g, run);
        if (r >= 0)
                r = hasher_run(run->hasher, fd, &key, p, GUARD_HASH_TIMEOUT_MS, delay, ret);
        if (r < 0) {
                v->fault = true;
                v->unverified = r == -ETIMEDOUT || r == -EBUSY;
                guard_log_fault(g,
                                r == -ETIMEDOUT ? "hashing took longer than 2 s; allowed and verified at once"
                                : r == -EBUSY   ? "every hasher is busy with a slow file; allowed and verified at once"
                                : r == -ENOMEM  ? "out of memory"
                                                : "cannot read the file",
                                v->host_path);
                return false;
        }
        guard_content_put(g, &key, ret);
        return true;
}

/* Decide one exec (policy lock held). Cheap on the common path: a
 * readlink, an fstat, a cache lookup and the engine's pattern matches. */
static void decide(struct vb_guard *g, struct guard_run *run, const struct fanotify_event_metadata *ev,
                   struct verdict *v) {
        char link[64];
        struct stat st;

        snprintf(link, sizeof link, "/proc/self/fd/%d", ev->fd);
        ssize_t n = readlink(link, v->host_path, sizeof v->host_path - 1);
        if (n < 0 || fstat(ev->fd, &st) < 0) {
                v->fault = true;
                guard_log_fault(g, "cannot identify the file being executed", NULL);
                return;
        }
        v->host_path[n] = '\0';
        if (n > 10 && strcmp(v->host_path + n - 10, " (deleted)") == 0)
                v->host_path[n - 10] = '\0';
        v->path = inside_root(g, v->host_path);
        if (!v->path || !S_ISREG(st.st_mode))
                return; /* not the root's business */

        struct vb_file_content c = {};
        bool have = g->needs_content && file_content(g, run, ev->fd, &st, v, &c);
        v->st = st;
        v->have_content = have;
        struct vb_file f = {
                .path = v->path, .sha256 = have ? c.sha256 : NULL, .is_elf = have && c.is_elf,
                .marker_hits = have ? c.marker_hits : 0, .first_seen = st.st_ctim.tv_sec,
                .marker_words = have ? c.marker_words : NULL,
        };
        struct vb_decision d;
        engine_evaluate_file(g->policy, &f, now_sec(), &d);
        if (have)
                memcpy(v->sha256, c.sha256, sizeof v->sha256);
        if (d.verdict == VB_VERDICT_BLOCK) {
                v->would_deny = true;
                snprintf(v->ban, sizeof v->ban, "%s", d.ban->id);
                decision_format_indicators(&d, v->indicators, sizeof v->indicators);
                for (size_t i = 0; i < d.n_matches && i < VB_MATCHES_MAX; i++)
                        v->by_path = v->by_path || d.matches[i].kind == VB_IND_PATH;
        } else if (have) {
                const char *why = guard_hash_banned(g, c.sha256);
                if (why) {
                        v->would_deny = true;
                        snprintf(v->indicators, sizeof v->indicators, "%s:%s", why, c.sha256);
                }
        }
        if (!v->would_deny) {
                /* Settled only if the whole answer is known: its content
                 * was looked at whenever the policy needs content, and the
                 * inode has no other name (a hard link or a bind mount of
                 * a banned path would share its mark). */
                struct statx stx;
                bool mount_root = statx(ev->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) == 0 &&
                                  (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                                  (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
                v->settled = !v->fault && !v->unverified && (have || !g->needs_content) && st.st_nlink == 1 &&
                             !mount_root;
                return;
        }
        if (is_never_denied(g, v)) {
                v->would_deny = false;
                return;
        }
        /* Blocked by the policy: only now look at who asks. Our own process
         * and its children are always allowed. */
        if (read_stat((pid_t) ev->pid, v->comm, sizeof v->comm, &v->ppid) < 0)
                snprintf(v->comm, sizeof v->comm, "?");
        if (ev->pid == g->self_pid || v->ppid == g->self_pid) {
                v->would_deny = false;
                return;
        }
        v->deny = g->policy->config.mode == VB_MODE_ENFORCE;
}

static void field(struct guard_log *l, size_t *n, const char *name, const char *value) {
        if (*n < GUARD_LOG_FIELDS && value && value[0] && asprintf(&l->fields[*n], "%s=%s", name, value) >= 0)
                (*n)++;
}

/* After the answer: who tried (the process, its executable and its
 * parent), into a journal entry for the loop. */
static void log_denial(struct vb_guard *g, pid_t pid, const struct verdict *v) {
        char exe_link[64], exe[PATH_MAX] = "", pcomm[32] = "", pidbuf[16], ppidbuf[16];
        pid_t pppid;

        snprintf(exe_link, sizeof exe_link, "/proc/%d/exe", (int) pid);
        ssize_t n = readlink(exe_link, exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        if (v->ppid > 0 && read_stat(v->ppid, pcomm, sizeof pcomm, &pppid) < 0)
                pcomm[0] = '\0';
        snprintf(pidbuf, sizeof pidbuf, "%d", (int) pid);
        snprintf(ppidbuf, sizeof ppidbuf, "%d", (int) v->ppid);

        struct guard_log *l = calloc(1, sizeof *l);
        if (!l)
                return;
        l->message_id = VB_MID_EXEC_DENIED;
        l->priority = v->deny ? LOG_ERR : LOG_WARNING;
        if (asprintf(&l->message,
                     "%s execution of %s (%s%s%s): matched %s. Tried by process %d (%s, %s), parent %d (%s).",
                     v->deny ? "Denied" : "Would deny (audit mode)", v->path, v->ban[0] ? "ban " : "banned content",
                     v->ban, v->deny ? "" : "; allowed, as the mode is audit", v->indicators, (int) pid, v->comm,
                     exe[0] ? exe : "?", (int) v->ppid, pcomm[0] ? pcomm : "?") < 0) {
                free(l);
                return;
        }
        size_t k = 0;
        field(l, &k, "VENDORBAN_PATH", v->path);
        field(l, &k, "VENDORBAN_SHA256", v->sha256);
        /* The catalog's name for it: journald substitutes no name with a digit. */
        field(l, &k, "VENDORBAN_FILE_DIGEST", v->sha256);
        field(l, &k, "VENDORBAN_OUTCOME", v->deny ? "denied" : "would deny");
        field(l, &k, "VENDORBAN_BAN", v->ban);
        field(l, &k, "VENDORBAN_INDICATOR", v->indicators);
        field(l, &k, "VENDORBAN_VERDICT", "block");
        field(l, &k, "VENDORBAN_ACTION", v->deny ? "exec-denied" : "would-deny-exec");
        field(l, &k, "VENDORBAN_PID", pidbuf);
        /* The catalog names these: "unknown" rather than a field left out
         * (a process that exited before it was looked at). */
        field(l, &k, "VENDORBAN_COMM", v->comm[0] ? v->comm : "unknown");
        field(l, &k, "VENDORBAN_EXE", exe[0] ? exe : "unknown");
        field(l, &k, "VENDORBAN_PPID", ppidbuf);
        field(l, &k, "VENDORBAN_PARENT_COMM", pcomm[0] ? pcomm : "unknown");
        guard_log_push(g, l);
}

static void answer(struct guard_run *run, int fd, uint32_t response) {
        struct fanotify_response r = { .fd = fd, .response = response };
        ssize_t k;

        do
                k = write(run->fan_fd, &r, sizeof r);
        while (k < 0 && errno == EINTR);
        /* ENOENT: the kernel no longer waits for it (the fd was closed
         * under us at stop): nothing to do. */
}

/* A file allowed as it is gets an ignore mark on its inode: its next
 * executions cost nothing until it is modified (the kernel then drops the
 * mark) or the policy or the quarantine changes (guard.c flushes every
 * mark). A file modified between the decision and the mark loses it again.
 * A rename keeps the mark: the watcher sees the rename into a watched path
 * and the daemon evaluates the file there. */
static void remember_allowed(struct guard_run *r, int fd, const struct stat *decided, bool settled) {
        struct stat now;

        /* A write through a shared mapping sends no modify event (and on
         * tmpfs does not even change the mtime): every allowed file we
         * hashed is watched for a close after writing, which drops its
         * mark and its cached hash (forget_written()). */
        if (fanotify_mark(r->fan_fd, FAN_MARK_ADD, FAN_CLOSE_WRITE, fd, NULL) < 0 || !settled)
                return;
        if (fanotify_mark(r->fan_fd, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM, fd, NULL) < 0)
                return;
        if (fstat(fd, &now) < 0 || now.st_size != decided->st_size ||
            now.st_mtim.tv_sec != decided->st_mtim.tv_sec || now.st_mtim.tv_nsec != decided->st_mtim.tv_nsec ||
            now.st_ctim.tv_sec != decided->st_ctim.tv_sec || now.st_ctim.tv_nsec != decided->st_ctim.tv_nsec)
                (void) fanotify_mark(r->fan_fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM, fd,
                                     NULL);
}

/* A file we allowed was closed after a write: forget what we knew of it. */
static void forget_written(struct guard_run *r, int fd) {
        struct vb_guard *g = r->g;
        struct stat st;

        (void) fanotify_mark(r->fan_fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_OPEN_EXEC_PERM, fd, NULL);
        (void) fanotify_mark(r->fan_fd, FAN_MARK_REMOVE, FAN_CLOSE_WRITE, fd, NULL);
        if (fstat(fd, &st) < 0)
                return;
        pthread_mutex_lock(&g->cache_lock);
        guard_cache_remove(g->cache, (uint64_t) st.st_dev, (uint64_t) st.st_ino);
        pthread_mutex_unlock(&g->cache_lock);
}

/* After a denial by path: the file's content is banned under any name
 * (a copy, a hard link, a bind mount). Hashed after the answer. */
static void learn_content(struct guard_run *r, const struct fanotify_event_metadata *ev, struct verdict *v) {
        struct vb_guard *g = r->g;
        struct vb_file_content c;
        bool added = false;

        pthread_mutex_lock(&g->policy_lock);
        if (g->policy && (v->have_content || file_content(g, r, ev->fd, &v->st, v, &c))) {
                const char *sha = v->have_content ? v->sha256 : c.sha256;
                if (!guard_hash_banned(g, sha) && strcmp(sha, g->self_sha256) != 0 &&
                    g->learned.n < GUARD_LEARNED_MAX && strv_push(&g->learned, sha) >= 0) {
                        g->needs_content = added = true;
                        /* Files allowed before with this content lose their marks. */
                        (void) fanotify_mark(r->fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
                }
                if (!v->have_content)
                        memcpy(v->sha256, c.sha256, sizeof v->sha256);
        }
        pthread_mutex_unlock(&g->policy_lock);
        if (added)
                guard_sweep_all(g->sweep);
}

/* Test only (guard-test.h): freeze here, before answering, until abandoned. */
static void test_freeze(struct guard_run *r, int fd) {
        char link[64], path[PATH_MAX];
        struct vb_guard *g = r->g;

        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, path, sizeof path - 1);
        if (n <= 0)
                return;
        path[n] = '\0';
        const char *in = inside_root(g, path);
        if (!in || strcmp(in, g->test_freeze_path) != 0)
                return;
        while (!atomic_load(&r->abandoned))
                (void) poll(NULL, 0, 50);
}

static void handle_event(struct guard_run *r, const struct fanotify_event_metadata *ev) {
        struct vb_guard *g = r->g;

        if (ev->mask & FAN_Q_OVERFLOW) {
                /* The kernel allowed what it could not queue. */
                g->overflows++;
                guard_log_fault(g, "the fanotify queue overflowed (the kernel allowed the execs it dropped)", NULL);
                return;
        }
        if (ev->fd < 0)
                return;
        if (atomic_load(&r->abandoned) || !(ev->mask & (FAN_OPEN_EXEC_PERM | FAN_CLOSE_WRITE))) {
                close(ev->fd);
                return;
        }
        if (!(ev->mask & FAN_OPEN_EXEC_PERM)) {
                forget_written(r, ev->fd);
                close(ev->fd);
                return;
        }
        if (g->test_freeze_path) {
                test_freeze(r, ev->fd);
                if (atomic_load(&r->abandoned)) {
                        close(ev->fd);
                        return;
                }
        }

        struct verdict v = {};
        g->events++;
        pthread_mutex_lock(&g->policy_lock);
        if (g->policy)
                decide(g, r, ev, &v);
        pthread_mutex_unlock(&g->policy_lock);
        answer(r, ev->fd, v.deny ? FAN_DENY : FAN_ALLOW);
        if (!v.would_deny && v.path && S_ISREG(v.st.st_mode) && (v.settled || v.have_content))
                remember_allowed(r, ev->fd, &v.st, v.settled);
        if (v.unverified)
                guard_sweep_verify(g->sweep, (pid_t) ev->pid, ev->fd);
        if (v.would_deny && v.by_path)
                learn_content(r, ev, &v);
        close(ev->fd);

        if (v.would_deny) {
                g->denied += v.deny;
                log_denial(g, (pid_t) ev->pid, &v);
        }
}

void *guard_thread(void *userdata) {
        struct guard_run *r = userdata;
        struct pollfd p[2] = { { .fd = r->fan_fd, .events = POLLIN }, { .fd = r->stop_fd, .events = POLLIN } };
        char buf[16384] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));

        while (!atomic_load(&r->abandoned)) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        /* Never leave the loop while the fd is open:
                         * the kernel would wait for our answers. */
                        guard_log_fault(r->g, "poll() on the fanotify fd failed, retrying", NULL);
                        (void) poll(NULL, 0, 10);
                        continue;
                }
                if (p[1].revents || atomic_load(&r->abandoned))
                        break;
                for (;;) {
                        ssize_t n = read(r->fan_fd, buf, sizeof buf);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0) {
                                if (n < 0 && errno != EAGAIN)
                                        guard_log_fault(r->g, "reading fanotify events failed", NULL);
                                break;
                        }
                        const struct fanotify_event_metadata *ev = (const void *) buf;
                        for (; FAN_EVENT_OK(ev, n); ev = FAN_EVENT_NEXT(ev, n)) {
                                guard_supervise_batch_begin(r);         /* the heartbeat, per event */
                                handle_event(r, ev);
                        }
                        if (atomic_load(&r->abandoned))
                                break;
                }
                guard_supervise_batch_end(r);
        }
        if (atomic_load(&r->abandoned)) {
                hasher_release(r->hasher, &r->g->hashers_left);
                r->hasher = NULL;
        }
        atomic_store(&r->exited, true);
        return NULL;
}
