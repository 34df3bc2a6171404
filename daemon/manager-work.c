/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the daemon does with the watcher's events: queue them, wait out a
 * burst (debounce), then evaluate the packages first (so their files count
 * as owned) and the loose files after, each decision going to the ledger
 * and the journal. File events are held back while dpkg holds its lock. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#include "journal.h"
#include "manager.h"
#include "report.h"
#include "rpmdb.h"

#define DPKG_DEFER_MAX_USEC (2 * 1000000)
#define DPKG_DEFER_STEP_USEC (100 * 1000)
#define LEDGER_RETRY_USEC (30 * 1000000)
#define LEDGER_BUSY_TIMEOUT_MS 5000     /* the store's default */

struct work_ctx {
        struct vb_manager *m;
        struct vb_store *store;         /* the ledger for this work; NULL once it failed */
        int64_t event_usec;
};

/* The ledger cannot be written (r): say so once, what it means and what
 * to do, and have the rescan timer come back soon to record what went to
 * the journal only meanwhile. */
static void ledger_failed(struct vb_manager *m, int r) {
        uint64_t t;

        if (m->rescan_timer && sd_event_now(m->event, CLOCK_MONOTONIC, &t) >= 0) {
                (void) sd_event_source_set_time(m->rescan_timer, t + LEDGER_RETRY_USEC);
                (void) sd_event_source_set_enabled(m->rescan_timer, SD_EVENT_ONESHOT);
        }
        if (m->ledger_error == r)
                return;
        m->ledger_error = r;
        journal_event(VB_MID_DAEMON, LOG_ERR, NULL,
                      "Cannot write the ledger: %s (%s)%s. Findings go to the journal only until it can be "
                      "written; retrying in %d s.",
                      strerror(-r), store_errmsg(m->store),
                      r == -EBUSY ? ": another process holds its lock (a long 'vendorbanctl scan', an sqlite3 "
                                    "session?)"
                      : r == -ENOSPC ? ": the file system is full, free some space"
                      : r == -EROFS || r == -EACCES ? ": the file system or file is read-only"
                      : r == -EBADMSG ? ": the file is damaged; stop vendorband, move it aside and start again"
                                      : "",
                      LEDGER_RETRY_USEC / 1000000);
}

/* The ledger to use for the next piece of work: NULL if there is none or
 * if it cannot take a write now (a lock held by another process makes
 * every statement wait the busy timeout: wait once here, not per row). */
static struct vb_store *work_store(struct vb_manager *m) {
        int r;

        if (!m->store)
                return NULL;
        /* Known to be locked: look without waiting; the retry comes back. */
        if (m->ledger_error == -EBUSY)
                (void) store_set_busy_timeout(m->store, 0);
        r = store_begin(m->store);
        if (r >= 0)
                r = store_rollback(m->store);
        if (m->ledger_error == -EBUSY)
                (void) store_set_busy_timeout(m->store, LEDGER_BUSY_TIMEOUT_MS);
        if (r < 0) {
                ledger_failed(m, r);
                return NULL;
        }
        if (m->ledger_error != 0) {
                m->ledger_error = 0;
                journal_event(VB_MID_DAEMON, LOG_NOTICE, NULL, "The ledger can be written again.");
        }
        return m->store;
}

static int on_decision(const struct vb_scan_item *item, void *userdata) {
        struct work_ctx *w = userdata;
        bool is_new = false;
        int r;

        struct vb_reporter rep = { .store = w->store, .policy = w->m->policy, .root = w->m->root };
        r = report_decision(&rep, item, w->event_usec, &is_new, NULL);
        if (r < 0) {
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL,
                              "Failed to record a finding in the ledger (%s: %s), logged to the journal only.",
                              strerror(-r), store_errmsg(w->store));
                ledger_failed(w->m, r);
                if (r == -EBUSY)
                        w->store = NULL; /* do not wait the busy timeout again for every match */
        }
        if (is_new)
                w->m->findings_new++;
        if (item->decision->verdict == VB_VERDICT_BLOCK && w->m->policy->config.mode == VB_MODE_ENFORCE)
                w->m->guard_stale = true;
        return 0;
}

/* The exec guard denies quarantined content by hash: tell it what is new. */
static void refresh_guard(struct vb_manager *m) {
        if (!m->guard_stale)
                return;
        m->guard_stale = false;
        (void) guard_apply(&m->guard, m->event, m->root, m->policy, m->store);
}

static struct vb_scan_options scan_options(struct vb_manager *m, struct vb_store *store, bool packages,
                                           bool files) {
        return (struct vb_scan_options) {
                .root = m->root, .policy = m->policy, .store = store, .now = now_sec(),
                .packages = packages, .files = files, .owned = &m->owned,
        };
}

void manager_notify_status(struct vb_manager *m) {
        sd_notifyf(0, "STATUS=%s%s mode, %zu ban(s), %u watches%s, %llu new finding(s) since start",
                   m->policy->last_known_good ? "LAST-KNOWN-GOOD policy (files broken), " : "",
                   mode_to_string(m->policy->config.mode), m->policy->n_bans,
                   m->watcher ? watcher_num_watches(m->watcher) : 0,
                   m->watcher && watcher_failed_watches(m->watcher) ? " (some failed: periodic rescans cover them)"
                                                                    : "",
                   (unsigned long long) m->findings_new);
}

static int scan_pass(struct vb_manager *m, const char *why, bool files) {
        struct work_ctx w = { .m = m, .store = work_store(m) };
        struct vb_scan_options o = scan_options(m, w.store, true, files);
        struct vb_scan_stats st = {};
        struct vb_diag diag = {};
        char pk[32], fl[32];

        pathset_clear(&m->owned);
        int r = scan_run(&o, on_decision, &w, &st, &diag);
        m->scans++;
        /* fleet hook: scan completed (before anything else is logged: the
         * summary takes the scan's start as now - duration). */
        summary_scan_done(m, files && r >= 0, (uint64_t) st.duration_usec);
        if (diag.n > 0)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Package database unreadable during %s: %s:%u: %s", why,
                              diag.items[0].file, diag.items[0].line, diag.items[0].message);
        snprintf(pk, sizeof pk, "VENDORBAN_PACKAGES=%zu", st.packages);
        snprintf(fl, sizeof fl, "VENDORBAN_FILES=%zu", st.files);
        journal_event(VB_MID_SCAN_DONE, r < 0 ? LOG_ERR : LOG_INFO, (const char *const[]) { pk, fl, NULL },
                      "Scan (%s) %s: %zu packages, %zu files (%zu hashed, %zu cached), %zu flagged, %zu %s, "
                      "%.2fs%s%s.",
                      why, r < 0 ? "failed" : "done", st.packages, st.files, st.files_hashed, st.files_cached,
                      st.flagged, st.blocked, m->policy->config.mode == VB_MODE_AUDIT ? "would block" : "blocked", st.duration_usec / 1e6, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
        refresh_guard(m);
        manager_notify_status(m);
        return r;
}

int manager_full_scan(struct vb_manager *m, const char *why) {
        return scan_pass(m, why, true);
}

static bool lock_is_held(const char *dir, const char *name) {
        _cleanup_free_ char *lock = NULL;

        if (asprintf(&lock, "%s/%s", dir, name) < 0)
                return false;
        _cleanup_close_ int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
        return fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/* dpkg holds "lock" while it runs; APT (and dpkg itself) hold
 * "lock-frontend" for a whole transaction, across its several dpkg runs:
 * one install is read (and logged) once, when both are free. */
static bool dpkg_is_running(struct vb_manager *m) {
        _cleanup_free_ char *dir = path_under_root(m->root, m->policy->config.dpkg_admin_dir);

        return dir && (lock_is_held(dir, "lock") || lock_is_held(dir, "lock-frontend"));
}

/* rpm holds an fcntl lock on DBPATH/.rpm.lock for a whole transaction. */
static bool rpm_is_running(struct vb_manager *m) {
        _cleanup_free_ char *dbpath = NULL, *dir = NULL, *lock = NULL;

        if (rpmdb_locate(m->root, &dbpath) < 0 || !(dir = path_under_root(m->root, dbpath)) ||
            asprintf(&lock, "%s/.rpm.lock", dir) < 0)
                return false;
        _cleanup_close_ int fd = open(lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return false;
        struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
        return fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/* The rpm database moved: evaluate the packages installed since the last
 * look (rpm records each one's install time; the same second again, as
 * the ledger keeps one finding per package and version). */
static void work_rpm(struct vb_manager *m) {
        struct work_ctx w = { .m = m, .store = work_store(m), .event_usec = now_usec() };
        struct vb_scan_options o = scan_options(m, w.store, true, false);
        struct vb_diag diag = {};
        int64_t newest = 0;

        int r = scan_rpm_packages(&o, m->rpm_since, on_decision, &w, &newest, &diag);
        if (r < 0 && r != -ENOENT)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "rpm database unreadable: %s%s%s",
                              diag.n ? diag.items[0].file : strerror(-r), diag.n ? ": " : "",
                              diag.n ? diag.items[0].message : "");
        if (newest > m->rpm_since)
                m->rpm_since = newest;
        refresh_guard(m);
        manager_notify_status(m);
}

static void work_package(struct vb_manager *m, struct vb_store *store, const struct vb_watch_event *ev) {
        struct vb_scan_options o = scan_options(m, store, true, false);
        struct work_ctx w = { .m = m, .store = store, .event_usec = ev->usec };
        struct vb_diag diag = {};
        _cleanup_free_ char *name = strdup(ev->path);

        if (!name)
                return;
        char *arch = strchr(name, ':');
        if (arch)
                *arch++ = '\0';
        int r = scan_package(&o, name, arch, ev->usec / 1000000, on_decision, &w, &diag);
        if (r < 0 && r != -ENOENT)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Failed to evaluate package %s: %s%s%s", ev->path,
                              diag.n ? diag.items[0].file : strerror(-r), diag.n ? ": " : "",
                              diag.n ? diag.items[0].message : "");
}

static void work_file(struct vb_manager *m, struct vb_store *store, const struct vb_watch_event *ev) {
        struct vb_scan_options o = scan_options(m, store, false, true);
        struct work_ctx w = { .m = m, .store = store, .event_usec = ev->usec };

        if (ev->kind == VB_WATCH_DIR)
                (void) scan_tree(&o, ev->path, on_decision, &w, NULL);
        else
                (void) scan_file(&o, ev->path, on_decision, &w);
}

static int cmp_event(const void *a, const void *b) {
        const struct vb_watch_event *x = *(const struct vb_watch_event *const *) a;
        const struct vb_watch_event *y = *(const struct vb_watch_event *const *) b;
        int r = (int) x->kind - (int) y->kind;

        if (r == 0)
                r = strcmp(x->path, y->path);
        if (r == 0)
                r = x->usec < y->usec ? -1 : x->usec > y->usec;
        return r;
}

/* Evaluate a batch of events: sorted by kind (packages before directories
 * before files) and path, each subject once, with its earliest event time. */
static void work_batch(struct vb_manager *m, struct vb_watch_event *list) {
        size_t n = 0, k = 0;
        bool rescan = false;

        for (struct vb_watch_event *ev = list; ev; ev = ev->next) {
                n++;
                rescan = rescan || ev->kind == VB_WATCH_RESCAN;
        }
        _cleanup_free_ struct vb_watch_event **v = rescan ? NULL : calloc(n ? n : 1, sizeof *v);
        if (rescan || !v) {
                m->dpkg_dirty = true; /* dpkg may still be at work: read its database again when it is done */
                if (rescan)
                        journal_event(VB_MID_RESCAN, LOG_WARNING, NULL,
                                      "Filesystem events were lost (inotify queue overflow or a lost watch): "
                                      "rescanning everything.");
                (void) manager_full_scan(m, rescan ? "events were lost" : "out of memory for events");
                goto finish;
        }
        for (struct vb_watch_event *ev = list; ev; ev = ev->next)
                v[k++] = ev;
        qsort(v, n, sizeof *v, cmp_event);
        struct vb_store *store = NULL;
        bool probed = false;    /* the ledger is probed once, and only if there is work */

        for (size_t i = 0; i < n; i++) {
                if (i > 0 && v[i]->kind == v[i - 1]->kind && strcmp(v[i]->path, v[i - 1]->path) == 0)
                        continue;
                switch (v[i]->kind) {
                case VB_WATCH_PACKAGE:
                        m->dpkg_dirty = true;
                        if (!probed)
                                store = work_store(m), probed = true;
                        work_package(m, store, v[i]);
                        break;
                case VB_WATCH_FILE:
                case VB_WATCH_DIR:
                        if (!probed)
                                store = work_store(m), probed = true;
                        work_file(m, store, v[i]);
                        break;
                case VB_WATCH_DPKG_DB:  /* the .list renames carry what matters; the settle pass the rest */
                        m->dpkg_dirty = true;
                        break;
                case VB_WATCH_RPM_DB:   /* read after the batch (on_debounce), at once */
                        m->rpm_dirty = true;
                        m->rpm_deferred_since = 0;
                        break;
                case VB_WATCH_RESCAN:
                        break;
                }
        }
        refresh_guard(m);
        manager_notify_status(m);
finish:
        while (list) {
                struct vb_watch_event *next = list->next;
                free(list);
                list = next;
        }
}

static void pending_append(struct vb_manager *m, struct vb_watch_event *list) {
        if (!list)
                return;
        if (m->pending_tail)
                m->pending_tail->next = list;
        else
                m->pending = list;
        while (list->next)
                list = list->next;
        m->pending_tail = list;
}

/* Split the pending list: what can run now, and file events to hold back
 * while dpkg is unpacking (its packages are evaluated first, so their
 * files are known as theirs and not reported one by one). */
static struct vb_watch_event *pending_take(struct vb_manager *m, bool hold_files) {
        struct vb_watch_event *now = NULL, **now_tail = &now, *held = NULL, **held_tail = &held;

        for (struct vb_watch_event *ev = m->pending, *next; ev; ev = next) {
                next = ev->next;
                ev->next = NULL;
                bool is_file = ev->kind == VB_WATCH_FILE || ev->kind == VB_WATCH_DIR;
                if (hold_files && is_file) {
                        *held_tail = ev;
                        held_tail = &ev->next;
                } else {
                        *now_tail = ev;
                        now_tail = &ev->next;
                }
        }
        m->pending = held;
        m->pending_tail = NULL;
        for (struct vb_watch_event *ev = held; ev; ev = ev->next)
                m->pending_tail = ev;
        return now;
}

static int on_debounce(sd_event_source *s, uint64_t usec, void *userdata) {
        struct vb_manager *m = userdata;
        int64_t now = now_usec();
        bool hold = false;

        bool dpkg_running = dpkg_is_running(m);

        if (dpkg_running) {
                if (m->deferred_since == 0)
                        m->deferred_since = now;
                hold = now - m->deferred_since < DPKG_DEFER_MAX_USEC;
        }
        if (!hold)
                m->deferred_since = 0;

        work_batch(m, pending_take(m, hold));

        /* A .list event can be missed or come too early (a queue overflow,
         * or the package read while dpkg folds updates/ into status): once
         * dpkg has let go of its lock, read the whole database once more. */
        if (m->dpkg_dirty && !dpkg_running) {
                m->dpkg_dirty = false;
                (void) scan_pass(m, "dpkg finished", false);
        }

        /* rpm wrote its database: read what it holds now. If a transaction
         * (another rpm, a long dnf run) still holds the lock, read again once
         * it is done, or every DPKG_DEFER_MAX_USEC of a long one. */
        if (m->rpm_dirty && (m->rpm_deferred_since == 0 || now - m->rpm_deferred_since >= DPKG_DEFER_MAX_USEC ||
                             !rpm_is_running(m))) {
                work_rpm(m);
                m->rpm_dirty = rpm_is_running(m);
                m->rpm_deferred_since = m->rpm_dirty ? now : 0;
        }

        if (m->pending || m->dpkg_dirty || m->rpm_dirty) {
                uint64_t t;
                sd_event_now(m->event, CLOCK_MONOTONIC, &t);
                sd_event_source_set_time(s, t + DPKG_DEFER_STEP_USEC);
                sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        return 0;
}

int manager_on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct vb_manager *m = userdata;
        int enabled = SD_EVENT_OFF;
        uint64_t t;
        int r;

        pending_append(m, watcher_take(m->watcher));
        if (!m->pending)
                return 0;

        sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        t += (uint64_t) m->policy->config.debounce_ms * 1000;
        if (m->debounce_timer) {
                uint64_t armed = 0;
                r = sd_event_source_get_enabled(m->debounce_timer, &enabled);
                if (r >= 0 && enabled != SD_EVENT_OFF && sd_event_source_get_time(m->debounce_timer, &armed) >= 0 &&
                    armed <= t)
                        return 0; /* already armed: the burst joins the batch */
                /* Not armed, or armed later (file events held back while
                 * dpkg runs): new events get the debounce delay, no more. */
        }
        if (!m->debounce_timer) {
                r = sd_event_add_time(m->event, &m->debounce_timer, CLOCK_MONOTONIC, t, 1000, on_debounce, m);
                if (r < 0) {
                        journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Failed to arm the debounce timer: %s",
                                      strerror(-r));
                        return 0;
                }
                (void) sd_event_source_set_description(m->debounce_timer, "debounce");
                return 0;
        }
        (void) sd_event_source_set_time(m->debounce_timer, t);
        (void) sd_event_source_set_enabled(m->debounce_timer, SD_EVENT_ONESHOT);
        return 0;
}

/* The exec guard found a file running banned content after the fact
 * (guard_on_suspect): evaluate it like a file event, so that in enforce
 * mode it is quarantined. */
void manager_on_guard_suspect(const char *path, void *userdata) {
        struct vb_manager *m = userdata;
        size_t len = strlen(path);
        struct vb_watch_event *ev = calloc(1, sizeof *ev + len + 1);

        if (!ev)
                return;
        ev->kind = VB_WATCH_FILE;
        ev->usec = now_usec();
        memcpy(ev->path, path, len + 1);
        pending_append(m, ev);
        if (m->watcher)
                (void) manager_on_watch(NULL, -1, 0, m); /* arms the debounce timer */
}
