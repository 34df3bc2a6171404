/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's life (see guard.h): choose and mark the mounts, start
 * and stop the thread (one "run" at a time), swap the policy, keep the
 * status file, and drain the thread's journal entries and suspect files on
 * the loop. The thread itself and its decisions are in guard-thread.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <syslog.h>

#include "guard-internal.h"
#include "guard-test.h"
#include "journal.h"
#include "quarantine.h"

/* Guarded by default, inside the root, besides the watch paths: where
 * programs live and where a download lands. Missing ones are skipped. */
static const char *const default_mounts[] = { "/", "/usr", "/opt", "/tmp", "/var/tmp", "/home", "/dev/shm" };

/* ---------------------------------------------------------------- journal queue */

static void log_free(struct guard_log *l) {
        for (size_t i = 0; l->fields[i]; i++)
                free(l->fields[i]);
        free(l->message);
        free(l);
}

void guard_log_push(struct vb_guard *g, struct guard_log *l) {
        pthread_mutex_lock(&g->log_lock);
        if (g->log_n >= GUARD_LOG_QUEUE_MAX) {
                g->log_dropped++;
                pthread_mutex_unlock(&g->log_lock);
                log_free(l);
                return;
        }
        if (g->log_tail)
                g->log_tail->next = l;
        else
                g->log_head = l;
        g->log_tail = l;
        g->log_n++;
        pthread_mutex_unlock(&g->log_lock);

        uint64_t one = 1;
        (void) !write(g->log_fd, &one, sizeof one);
}

void guard_log_fault(struct vb_guard *g, const char *what, const char *path) {
        int64_t now = now_usec();

        if (g->last_crit_usec != 0 && now - g->last_crit_usec < GUARD_CRIT_INTERVAL_USEC) {
                g->crit_suppressed++;
                return;
        }
        struct guard_log *l = calloc(1, sizeof *l);
        if (!l)
                return;
        l->message_id = VB_MID_GUARD;
        l->priority = LOG_CRIT;
        if (asprintf(&l->message,
                     "Exec guard fault: %s%s%s; the exec was allowed. %llu more fault(s) in the last 10 s were "
                     "not logged; %llu overflow(s) so far.",
                     what, path ? ": " : "", path ? path : "", (unsigned long long) g->crit_suppressed,
                     (unsigned long long) g->overflows) < 0 ||
            (path && asprintf(&l->fields[0], "VENDORBAN_PATH=%s", path) < 0)) {
                free(l->message);
                free(l);
                return;
        }
        g->last_crit_usec = now;
        g->crit_suppressed = 0;
        guard_log_push(g, l);
}

static void log_drain(struct vb_guard *g) {
        uint64_t n;
        (void) !read(g->log_fd, &n, sizeof n);

        pthread_mutex_lock(&g->log_lock);
        struct guard_log *list = g->log_head;
        uint64_t dropped = g->log_dropped;
        struct vb_strv suspects = g->suspects;
        g->suspects = (struct vb_strv) {};
        g->log_head = g->log_tail = NULL;
        g->log_n = 0;
        g->log_dropped = 0;
        pthread_mutex_unlock(&g->log_lock);

        while (list) {
                struct guard_log *next = list->next;
                journal_event(list->message_id, list->priority, (const char *const *) list->fields, "%s",
                              list->message);
                log_free(list);
                list = next;
        }
        if (dropped > 0)
                journal_event(VB_MID_GUARD, LOG_CRIT, NULL,
                              "Exec guard: %llu journal entr(ies) dropped, the queue to the journal was full; the "
                              "decisions were made and answered as usual.",
                              (unsigned long long) dropped);
        for (size_t i = 0; i < suspects.n; i++)
                if (g->on_suspect)
                        g->on_suspect(suspects.v[i], g->on_suspect_userdata);
        strv_clear(&suspects);
}

void guard_suspect_push(struct vb_guard *g, const char *path) {
        pthread_mutex_lock(&g->log_lock);
        bool added = g->suspects.n < GUARD_LOG_QUEUE_MAX && !strv_contains(&g->suspects, path) &&
                     strv_push(&g->suspects, path) >= 0;
        pthread_mutex_unlock(&g->log_lock);
        if (added) {
                uint64_t one = 1;
                (void) !write(g->log_fd, &one, sizeof one);
        }
}

static int on_log(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        log_drain(userdata);
        return 0;
}

/* ---------------------------------------------------------------- status file */

static void write_status(const char *root, const char *text) {
        _cleanup_free_ char *path = path_under_root(root, VB_GUARD_STATUS_FILE);
        _cleanup_free_ char *tmp = NULL;

        if (!path || asprintf(&tmp, "%s.tmp", path) < 0)
                return;
        char *slash = strrchr(path, '/');
        *slash = '\0';
        (void) mkdir(path, 0755);
        *slash = '/';
        FILE *f = fopen(tmp, "we");
        if (!f)
                return;
        fprintf(f, "%s\n", text);
        if (fclose(f) == 0 && rename(tmp, path) == 0)
                return;
        (void) unlink(tmp);
}

static void write_status_active(const struct vb_guard *g, const char *root) {
        size_t len = strlen("active") + 1;
        for (size_t i = 0; i < g->mounts.n; i++)
                len += strlen(g->mounts.v[i]) + 1;
        _cleanup_free_ char *s = malloc(len);
        if (!s)
                return;
        strcpy(s, "active");
        for (size_t i = 0; i < g->mounts.n; i++) {
                strcat(s, " ");
                strcat(s, g->mounts.v[i]);
        }
        write_status(root, s);
}

/* ---------------------------------------------------------------- policy */

static int collect_quarantined(const struct vb_quarantine_entry *e, void *userdata) {
        if (strcmp(e->state, "quarantined") != 0 || !e->sha256 || strlen(e->sha256) != 64)
                return 0;
        return strv_push(userdata, e->sha256);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Hand the thread a new policy and set of quarantined hashes (owned from now). */
static void set_policy(struct vb_guard *g, const struct vb_policy *p, struct vb_strv *qhashes) {
        bool content = p->n_markers > 0 || qhashes->n > 0 || (g->policy == p && g->learned.n > 0);
        for (size_t i = 0; i < p->n_bans && !content; i++)
                content = p->bans[i].match[VB_IND_SHA256].n > 0;
        if (qhashes->n > 1)
                qsort(qhashes->v, qhashes->n, sizeof *qhashes->v, cmp_str);

        pthread_mutex_lock(&g->policy_lock);
        struct vb_strv old = { .v = g->qhashes, .n = g->n_qhashes };
        if (g->policy != p)
                strv_clear(&g->learned);        /* a new policy: learned again from its own paths */
        g->policy = p;
        g->qhashes = qhashes->v;
        g->n_qhashes = qhashes->n;
        g->needs_content = content;
        if (strcmp(g->markers_digest, p->markers_digest) != 0) {
                pthread_mutex_lock(&g->cache_lock);
                guard_cache_clear(g->cache);
                pthread_mutex_unlock(&g->cache_lock);
                memcpy(g->markers_digest, p->markers_digest, sizeof g->markers_digest);
        }
        /* Files allowed under the old policy carry ignore marks (see
         * guard-thread.c): drop them all, so each is asked about again. The
         * file system marks stay. */
        if (g->run)
                (void) fanotify_mark(g->run->fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
        pthread_mutex_unlock(&g->policy_lock);
        *qhashes = (struct vb_strv) {};
        strv_clear(&old);
        /* Processes already running content banned now are stopped. */
        if (g->sweep)
                guard_sweep_all(g->sweep);
}

/* ---------------------------------------------------------------- content */

void guard_file_key(const struct stat *st, struct vb_file_key *ret) {
        *ret = (struct vb_file_key) {
                .dev = st->st_dev, .ino = st->st_ino, .size = (uint64_t) st->st_size,
                .mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                .ctime_ns = (int64_t) st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
        };
}

bool guard_content_get(struct vb_guard *g, const struct vb_file_key *key, struct vb_file_content *ret) {
        pthread_mutex_lock(&g->cache_lock);
        bool hit = guard_cache_get(g->cache, key, ret);
        pthread_mutex_unlock(&g->cache_lock);
        return hit;
}

void guard_content_put(struct vb_guard *g, const struct vb_file_key *key, const struct vb_file_content *c) {
        pthread_mutex_lock(&g->cache_lock);
        int r = guard_cache_put(g->cache, key, c);
        pthread_mutex_unlock(&g->cache_lock);
        if (r == -ENOMEM)
                guard_log_fault(g, "out of memory for the hash cache", NULL);
}

const char *guard_hash_banned(struct vb_guard *g, const char *sha256) {
        const char *key = sha256;

        if (g->n_qhashes > 0 && bsearch(&key, g->qhashes, g->n_qhashes, sizeof *g->qhashes, cmp_str))
                return "quarantined";
        return strv_contains(&g->learned, sha256) ? "same-content-as-banned-path" : NULL;
}

/* The sha256 of our own executable: never denied, whatever a ban says. */
static void hash_self(struct vb_guard *g) {
        struct vb_filescan *scan = NULL;
        struct vb_file_content c;
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

        if (fd < 0 || filescan_new(NULL, 0, &scan) < 0)
                return;
        if (filescan_fd(scan, fd, &c) >= 0)
                memcpy(g->self_sha256, c.sha256, sizeof g->self_sha256);
        filescan_free(scan);
}

/* ---------------------------------------------------------------- start and stop */

/* Is path (not followed if a symlink) the root of a mount? */
static bool is_mount_root(const char *path) {
        struct statx stx;

        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0 || !S_ISDIR(stx.stx_mode))
                return false;
        return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) && (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int pick_mounts(struct vb_guard *g, const char *root, const struct vb_policy *p) {
        const char *env = getenv(VB_GUARD_MOUNTS_ENV);

        if (env && env[0]) {
                _cleanup_free_ char *copy = strdup(env);
                if (!copy)
                        return -ENOMEM;
                char *save = NULL;
                for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save))
                        if (strv_push(&g->mounts, t) < 0)
                                return -ENOMEM;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(default_mounts) + p->config.watch_paths.n; i++) {
                const char *in = i < ELEMENTSOF(default_mounts) ? default_mounts[i]
                                                                : p->config.watch_paths.v[i - ELEMENTSOF(default_mounts)];
                _cleanup_free_ char *host = path_under_root(root, in);
                if (!host)
                        return -ENOMEM;
                /* Under --root (tests, a mounted image) only mounts of the
                 * root's own are marked, never the host's mount that
                 * happens to hold the directory. */
                if (g->root_len > 0 && !is_mount_root(host))
                        continue;
                if (!strv_contains(&g->mounts, host) && strv_push(&g->mounts, host) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static bool kernel_refuses(int r) {
        return r == -EPERM || r == -EINVAL || r == -ENOSYS || r == -EOPNOTSUPP || r == -EACCES;
}

/* Mark the file system of every chosen mount on fan_fd. With keep, drop
 * from g->mounts the ones that do not exist (the first run chooses). */
static int mark_mounts(struct vb_guard *g, int fan_fd, bool keep) {
        struct vb_strv marked = {};
        int first_error = 0;

        for (size_t i = 0; i < g->mounts.n; i++) {
                /* The whole file system, not the mount: under systemd the
                 * service sees its own copies of the mounts (ProtectSystem=),
                 * and a mount mark would only see execs through those. */
                int r = fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM, AT_FDCWD,
                                      g->mounts.v[i]);
                if (r < 0 && errno == EINVAL) /* before Linux 4.20 */
                        r = fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM, AT_FDCWD,
                                          g->mounts.v[i]);
                if (r < 0) {
                        if (errno != ENOENT && errno != ENOTDIR && first_error == 0)
                                first_error = -errno;
                        continue;
                }
                if (strv_push(&marked, g->mounts.v[i]) < 0) {
                        strv_clear(&marked);
                        return -ENOMEM;
                }
        }
        if (!keep) {
                size_t n = marked.n;
                strv_clear(&marked);
                return n > 0 ? 0 : first_error < 0 ? first_error : -ENOENT;
        }
        strv_clear(&g->mounts);
        g->mounts = marked;
        if (g->mounts.n == 0)
                return first_error < 0 ? first_error : -ENOENT;
        return 0;
}

void guard_run_free(struct guard_run *r) {
        if (!r)
                return;
        hasher_release(r->hasher, &r->g->hashers_left);
        if (r->fan_fd >= 0)
                close(r->fan_fd);
        if (r->stop_fd >= 0)
                close(r->stop_fd);
        free(r);
}

int guard_run_open(struct vb_guard *g, struct guard_run **ret) {
        struct guard_run *r = calloc(1, sizeof *r);
        int k;

        if (!r)
                return -ENOMEM;
        r->g = g;
        r->stop_fd = -1;
        r->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
        if (r->fan_fd < 0) {
                k = -errno;
                guard_run_free(r);
                return k;
        }
        k = mark_mounts(g, r->fan_fd, g->mounts_chosen == false);
        g->mounts_chosen = true;
        if (k >= 0) {
                r->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                k = r->stop_fd < 0 ? -errno : hasher_new(&r->hasher);
        }
        if (k < 0) {
                guard_run_free(r);
                return k;
        }
        *ret = r;
        return 0;
}

int guard_run_start(struct guard_run *r) {
        int k = -pthread_create(&r->thread, NULL, guard_thread, r);
        r->started = k >= 0;
        return k;
}

void guard_run_close(struct guard_run *r) {
        if (!r)
                return;
        if (r->started) {
                uint64_t one = 1;
                (void) !write(r->stop_fd, &one, sizeof one);
                pthread_join(r->thread, NULL);
        }
        /* Events still queued are allowed by the kernel when the fd closes. */
        guard_run_free(r);
}

static int guard_open(struct vb_guard *g, sd_event *event, const char *root, const struct vb_policy *p) {
        int r;

        r = pick_mounts(g, root, p);
        if (r < 0)
                return r;
        r = guard_run_open(g, &g->run);
        if (r < 0)
                return r;
        g->log_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (g->log_fd < 0)
                return -errno;
        r = guard_cache_new(VB_GUARD_CACHE_MAX, &g->cache);
        if (r >= 0)
                r = sd_event_add_io(event, &g->log_source, g->log_fd, EPOLLIN, on_log, g);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(g->log_source, "exec-guard-log");
        g->event = sd_event_ref(event);
        r = guard_supervise_start(g);
        if (r >= 0)
                r = guard_sweep_new(g, &g->sweep);
        return r;
}

static void test_hooks(struct vb_guard *g) {
        const char *f = getenv(VB_GUARD_TEST_FREEZE_ENV), *d = getenv(VB_GUARD_TEST_HASH_DELAY_ENV);
        char *end;

        if (f && f[0])
                g->test_freeze_path = strdup(f);
        if (d && d[0]) {
                unsigned long ms = strtoul(d, &end, 10);
                if (*end == ':' && end[1] == '/') {
                        g->test_hash_delay_ms = (unsigned) ms;
                        g->test_hash_delay_path = strdup(end + 1);
                }
        }
}

static struct vb_guard *guard_alloc(const char *root) {
        struct vb_guard *g = calloc(1, sizeof *g);
        if (!g)
                return NULL;
        g->log_fd = g->kick_fd = -1;
        pthread_mutex_init(&g->policy_lock, NULL);
        pthread_mutex_init(&g->log_lock, NULL);
        pthread_mutex_init(&g->cache_lock, NULL);
        bool real_root = !root || !root[0] || strcmp(root, "/") == 0;
        g->root = strdup(real_root ? "" : root);
        if (!g->root) {
                guard_stop(g);
                return NULL;
        }
        g->root_len = strlen(g->root);
        while (g->root_len > 0 && g->root[g->root_len - 1] == '/')
                g->root[--g->root_len] = '\0';
        g->self_pid = getpid();
        hash_self(g);
        test_hooks(g);
        return g;
}

/* Release what guard_open got, leaving an inactive guard that remembers why. */
static void guard_close(struct vb_guard *g) {
        guard_supervise_stop(g);
        guard_run_close(g->run);        /* first: its thread hands files to the sweep */
        g->run = NULL;
        /* Abandoned runs: their thread exits once it wakes up; one still
         * stuck is left alone (and its memory with it). */
        while (g->abandoned) {
                struct guard_run *r = g->abandoned;
                g->abandoned = r->next;
                if (atomic_load(&r->exited)) {
                        pthread_join(r->thread, NULL);
                        guard_run_free(r);
                } else
                        pthread_detach(r->thread);
        }
        guard_sweep_free(g->sweep);
        g->sweep = NULL;
        if (g->log_fd >= 0)
                log_drain(g);
        g->log_source = sd_event_source_disable_unref(g->log_source);
        if (g->log_fd >= 0)
                close(g->log_fd);
        g->log_fd = -1;
        g->event = sd_event_unref(g->event);
        guard_cache_free(g->cache);
        g->cache = NULL;
        g->active = false;
}

static void guard_off(struct vb_guard *g, const char *root, int r) {
        char text[512];

        guard_close(g);
        snprintf(text, sizeof text, "off: %s",
                 kernel_refuses(r) ? "the kernel refuses fanotify exec permission events"
                 : r == -ENOENT    ? "no mount to guard (under --root, only mounts inside the root are guarded)"
                                   : "cannot start");
        snprintf(text + strlen(text), sizeof text - strlen(text), " (%s)", strerror(-r));
        free(g->off_reason);
        g->off_reason = strdup(text + 5);
        write_status(root, text);
        journal_event(VB_MID_GUARD, LOG_WARNING, NULL,
                      "Exec guard not running: %s. vendorband goes on without it: banned binaries are still found "
                      "and quarantined after the fact, but not stopped at exec time.%s",
                      text + 5, kernel_refuses(r) ? " It needs CAP_SYS_ADMIN and a kernel with "
                                                    "CONFIG_FANOTIFY_ACCESS_PERMISSIONS (5.0 or later)." : "");
}

static int guard_start(sd_event *event, const char *root, const struct vb_policy *p, struct vb_strv *qhashes,
                       struct vb_guard **ret) {
        struct vb_guard *g = guard_alloc(root);
        int r;

        if (!g)
                return -ENOMEM;
        *ret = g;
        r = guard_open(g, event, root, p);
        if (r < 0) {
                guard_off(g, root, r);
                return 0;
        }
        set_policy(g, p, qhashes);
        r = guard_run_start(g->run);
        if (r < 0) {
                guard_off(g, root, r);
                return 0;
        }
        g->active = true;
        write_status_active(g, root);

        char list[1024] = "";
        for (size_t i = 0; i < g->mounts.n; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", g->mounts.v[i]);
        journal_event(VB_MID_GUARD, LOG_INFO, NULL,
                      "Exec guard active on the mount(s) of %s (%s mode: %s). Running processes are judged by what "
                      "they run %s.",
                      list, mode_to_string(p->config.mode),
                      p->config.mode == VB_MODE_ENFORCE ? "banned binaries are denied"
                                                        : "banned binaries are logged, not denied",
                      guard_sweep_has_connector(g->sweep)
                              ? "at each exec (kernel exec events)"
                              : "every few seconds (no kernel exec events here: the proc connector needs "
                                "CAP_NET_ADMIN, AF_NETLINK and the host's network and PID namespaces)");
        return 0;
}

int guard_apply(struct vb_guard **g, sd_event *event, const char *root, const struct vb_policy *policy,
                struct vb_store *store) {
        struct vb_strv q = {};
        int r;

        if (!policy->config.exec_guard) {
                bool was = *g && (*g)->active;
                guard_stop(*g);
                *g = NULL;
                write_status(root, "off: exec_guard = false in vendorban.conf");
                journal_event(VB_MID_GUARD, was ? LOG_NOTICE : LOG_INFO, NULL,
                              "Exec guard %s: exec_guard = false in vendorban.conf.", was ? "stopped" : "off");
                return 0;
        }
        if (*g && !(*g)->active)
                return 0;       /* refused before: logged once, not retried */
        if (store) {
                r = quarantine_foreach(store, collect_quarantined, &q);
                if (r < 0)
                        journal_event(VB_MID_GUARD, LOG_ERR, NULL,
                                      "Exec guard: cannot read the quarantine ledger (%s); quarantined content is "
                                      "not denied at exec time until the next reload.", strerror(-r));
        }
        if (*g)
                set_policy(*g, policy, &q);
        else {
                r = guard_start(event, root, policy, &q, g);
                if (r < 0) {
                        strv_clear(&q);
                        return r;
                }
        }
        strv_clear(&q);
        return 0;
}

void guard_on_suspect(struct vb_guard *g, void (*fn)(const char *path, void *userdata), void *userdata) {
        if (!g)
                return;
        g->on_suspect = fn;
        g->on_suspect_userdata = userdata;
}

bool guard_is_active(const struct vb_guard *g) {
        return g && g->active;
}

void guard_stop(struct vb_guard *g) {
        if (!g)
                return;
        bool was = g->active;
        guard_close(g);
        if (was) {
                write_status(g->root[0] ? g->root : "/", "off: vendorband stopped");
                journal_event(VB_MID_GUARD, LOG_INFO, NULL,
                              "Exec guard stopped after %llu exec(s) checked, %llu denied.",
                              (unsigned long long) g->events, (unsigned long long) g->denied);
        }
        pthread_mutex_lock(&g->policy_lock);
        struct vb_strv q = { .v = g->qhashes, .n = g->n_qhashes };
        g->qhashes = NULL;
        g->n_qhashes = 0;
        pthread_mutex_unlock(&g->policy_lock);
        strv_clear(&q);
        strv_clear(&g->mounts);
        strv_clear(&g->learned);
        strv_clear(&g->suspects);
        pthread_mutex_destroy(&g->policy_lock);
        pthread_mutex_destroy(&g->log_lock);
        pthread_mutex_destroy(&g->cache_lock);
        free(g->off_reason);
        free(g->test_freeze_path);
        free(g->test_hash_delay_path);
        free(g->root);
        free(g);
}
