/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's life (see guard.h): choose and mark the mounts, start
 * and stop the thread, swap the policy, keep the status file, and drain the
 * thread's journal entries on the loop. The thread itself and its
 * decisions are in guard-thread.c. */
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
        bool content = p->n_markers > 0 || qhashes->n > 0;
        for (size_t i = 0; i < p->n_bans && !content; i++)
                content = p->bans[i].match[VB_IND_SHA256].n > 0;
        if (qhashes->n > 1)
                qsort(qhashes->v, qhashes->n, sizeof *qhashes->v, cmp_str);

        pthread_mutex_lock(&g->policy_lock);
        struct vb_strv old = { .v = g->qhashes, .n = g->n_qhashes };
        g->policy = p;
        g->qhashes = qhashes->v;
        g->n_qhashes = qhashes->n;
        g->needs_content = content;
        if (strcmp(g->markers_digest, p->markers_digest) != 0) {
                guard_cache_clear(g->cache);
                memcpy(g->markers_digest, p->markers_digest, sizeof g->markers_digest);
        }
        /* Files allowed under the old policy carry ignore marks (see
         * guard-thread.c): drop them all, so each is asked about again. The
         * file system marks stay. */
        if (g->fan_fd >= 0)
                (void) fanotify_mark(g->fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
        pthread_mutex_unlock(&g->policy_lock);
        *qhashes = (struct vb_strv) {};
        strv_clear(&old);
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

/* Mark the file system of every chosen mount; keep the ones that exist,
 * in g->mounts. */
static int mark_mounts(struct vb_guard *g) {
        struct vb_strv marked = {};
        int first_error = 0;

        for (size_t i = 0; i < g->mounts.n; i++) {
                /* The whole file system, not the mount: under systemd the
                 * service sees its own copies of the mounts (ProtectSystem=),
                 * and a mount mark would only see execs through those. */
                int r = fanotify_mark(g->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM, AT_FDCWD,
                                      g->mounts.v[i]);
                if (r < 0 && errno == EINVAL) /* before Linux 4.20 */
                        r = fanotify_mark(g->fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM, AT_FDCWD,
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
        strv_clear(&g->mounts);
        g->mounts = marked;
        if (g->mounts.n == 0)
                return first_error < 0 ? first_error : -ENOENT;
        return 0;
}

static int guard_open(struct vb_guard *g, sd_event *event, const char *root, const struct vb_policy *p) {
        int r;

        g->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
        if (g->fan_fd < 0)
                return -errno;
        r = pick_mounts(g, root, p);
        if (r >= 0)
                r = mark_mounts(g);
        if (r < 0)
                return r;
        g->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        g->log_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (g->stop_fd < 0 || g->log_fd < 0)
                return -errno;
        r = guard_cache_new(VB_GUARD_CACHE_MAX, &g->cache);
        if (r >= 0)
                r = hasher_new(&g->hasher);
        if (r >= 0)
                r = sd_event_add_io(event, &g->log_source, g->log_fd, EPOLLIN, on_log, g);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(g->log_source, "exec-guard-log");
        return 0;
}

static struct vb_guard *guard_alloc(const char *root) {
        struct vb_guard *g = calloc(1, sizeof *g);
        if (!g)
                return NULL;
        g->fan_fd = g->stop_fd = g->log_fd = -1;
        pthread_mutex_init(&g->policy_lock, NULL);
        pthread_mutex_init(&g->log_lock, NULL);
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
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
                exe[n] = '\0';
                g->self_exe = strdup(exe);
        }
        return g;
}

/* Release what guard_open got, leaving an inactive guard that remembers why. */
static void guard_close(struct vb_guard *g) {
        if (g->thread_started) {
                uint64_t one = 1;
                (void) !write(g->stop_fd, &one, sizeof one);
                pthread_join(g->thread, NULL);
                g->thread_started = false;
        }
        /* Events still queued are allowed by the kernel when the fd closes. */
        if (g->fan_fd >= 0)
                close(g->fan_fd);
        g->fan_fd = -1;
        hasher_release(g->hasher);
        g->hasher = NULL;
        if (g->log_fd >= 0)
                log_drain(g);
        g->log_source = sd_event_source_disable_unref(g->log_source);
        if (g->stop_fd >= 0)
                close(g->stop_fd);
        if (g->log_fd >= 0)
                close(g->log_fd);
        g->stop_fd = g->log_fd = -1;
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
        r = -pthread_create(&g->thread, NULL, guard_thread, g);
        if (r < 0) {
                guard_off(g, root, r);
                return 0;
        }
        g->thread_started = g->active = true;
        write_status_active(g, root);

        char list[1024] = "";
        for (size_t i = 0; i < g->mounts.n; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", g->mounts.v[i]);
        journal_event(VB_MID_GUARD, LOG_INFO, NULL, "Exec guard active on the mount(s) of %s (%s mode: %s).", list,
                      mode_to_string(p->config.mode),
                      p->config.mode == VB_MODE_ENFORCE ? "banned binaries are denied"
                                                        : "banned binaries are logged, not denied");
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
        pthread_mutex_destroy(&g->policy_lock);
        pthread_mutex_destroy(&g->log_lock);
        free(g->off_reason);
        free(g->self_exe);
        free(g->root);
        free(g);
}
