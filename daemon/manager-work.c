/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loop's side of the work: queue the watcher's events, wait out a
 * burst (debounce), hold file events back while dpkg holds its lock, and
 * hand batches and scans to the work thread (manager-worker.c); then, when
 * a job comes back, its journal entry, the guard and the status. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#include "journal.h"
#include "manager.h"
#include "rpmdb.h"
#include "summarizer.h"

#define DPKG_DEFER_MAX_USEC (2 * 1000000)
#define DPKG_DEFER_STEP_USEC (100 * 1000)

void manager_notify_status(struct vb_manager *m) {
        bool busy = m->worker && worker_busy(m->worker);

        sd_notifyf(0, "STATUS=%s%s mode, %zu ban(s), %u watches%s, %llu new finding(s) since start%s; "
                   "longest loop stall %llu.%llu ms",
                   m->policy->last_known_good ? "LAST-KNOWN-GOOD policy (files broken), " : "",
                   mode_to_string(m->policy->config.mode), m->policy->n_bans,
                   m->watcher ? watcher_num_watches(m->watcher) : 0,
                   m->watcher && watcher_failed_watches(m->watcher) ? " (some failed: periodic rescans cover them)"
                                                                    : "",
                   (unsigned long long) m->findings_new, busy ? ", scanning" : "",
                   (unsigned long long) (m->stall_max_usec / 1000),
                   (unsigned long long) (m->stall_max_usec % 1000 / 100));
}

static struct vb_job *job_new(enum vb_job_kind kind, const char *why) {
        struct vb_job *j = calloc(1, sizeof *j);

        if (j) {
                j->kind = kind;
                snprintf(j->why, sizeof j->why, "%s", why);
        }
        return j;
}

/* Before work is queued, the ledger is looked at (a stat): if it went
 * away, the work goes to the new one. Not while a job runs: the check
 * after it comes soon enough, and the rows it writes are copied over. */
static void ledger_check_if_idle(struct vb_manager *m) {
        if (!worker_busy(m->worker))
                manager_ledger_check(m);
}

void manager_scan(struct vb_manager *m, const char *why, bool files) {
        struct vb_job *j = job_new(VB_JOB_SCAN, why);

        ledger_check_if_idle(m);
        if (!j) {
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Out of memory: the %s scan was not queued.", why);
                return;
        }
        j->files = files;
        worker_submit(m->worker, j);
        manager_stall_watch(m);
}

void manager_full_scan(struct vb_manager *m, const char *why) {
        manager_scan(m, why, true);
}

/* The ledger failed during a job: have the rescan timer come back soon to
 * record what went to the journal only meanwhile. */
static void ledger_retry_soon(struct vb_manager *m) {
        uint64_t t;

        if (m->rescan_timer && sd_event_now(m->event, CLOCK_MONOTONIC, &t) >= 0) {
                (void) sd_event_source_set_time(m->rescan_timer, t + MANAGER_LEDGER_RETRY_USEC);
                (void) sd_event_source_set_enabled(m->rescan_timer, SD_EVENT_ONESHOT);
        }
}

static void log_scan_done(const struct vb_job *j, bool audit) {
        const struct vb_scan_stats *st = &j->stats;
        char pk[32], fl[32];
        int r = j->r;

        if (j->dpkg_error[0])
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Package database unreadable during %s: %s", j->why,
                              j->dpkg_error);
        snprintf(pk, sizeof pk, "VENDORBAN_PACKAGES=%zu", st->packages);
        snprintf(fl, sizeof fl, "VENDORBAN_FILES=%zu", st->files);
        journal_event(VB_MID_SCAN_DONE, r < 0 && r != -ECANCELED ? LOG_ERR : LOG_INFO,
                      (const char *const[]) { pk, fl, NULL },
                      "Scan (%s) %s: %zu packages, %zu files (%zu hashed, %zu cached), %zu flagged, %zu %s, "
                      "%.2fs%s%s.",
                      j->why, r == -ECANCELED ? "cancelled" : r < 0 ? "failed" : "done", st->packages, st->files,
                      st->files_hashed, st->files_cached, st->flagged, st->blocked,
                      audit ? "would block" : "blocked", st->duration_usec / 1e6,
                      r < 0 && r != -ECANCELED ? ": " : "", r < 0 && r != -ECANCELED ? strerror(-r) : "");
}

void manager_job_done(struct vb_manager *m, struct vb_job *j) {
        manager_ledger_check(m); /* before the guard reads it */
        m->findings_new += j->findings_new;
        if (j->ledger_failed)
                ledger_retry_soon(m);
        if (j->kind == VB_JOB_SCAN) {
                m->scans++;
                manager_scan_done(m, j); /* first: the summary takes its start as now - duration */
                log_scan_done(j, m->policy->config.mode == VB_MODE_AUDIT);
        }
        if (j->kind == VB_JOB_RPM && j->rpm_newest > m->rpm_since)
                m->rpm_since = j->rpm_newest;
        if (j->kind == VB_JOB_POLICY) {
                manager_policy_job_done(m, j);  /* its own guard_apply and status */
                return;
        }
        /* The exec guard denies quarantined content by hash: tell it what is new. */
        if (j->guard_stale)
                (void) guard_apply(&m->guard, m->event, m->root, m->policy, m->store);
        manager_notify_status(m);
}

void manager_scan_done(struct vb_manager *m, const struct vb_job *j) {
        /* fleet hook: the compliance summary. It takes now - duration as
         * the scan's start: count from when the thread began it. */
        summary_scan_done(m, j->files && j->r >= 0, (uint64_t) (now_usec() - j->started_usec));
}

/* The rpm database moved: evaluate, in the work thread, the packages
 * installed since the last look. */
static void submit_rpm(struct vb_manager *m) {
        struct vb_job *j = job_new(VB_JOB_RPM, "rpm");

        if (!j)
                return;
        j->rpm_since = m->rpm_since;
        worker_submit(m->worker, j);
        manager_stall_watch(m);
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

/* Hand a batch to the work thread. Lost events mean a full rescan; a
 * package or dpkg database event means the database is read once more
 * when dpkg is done. */
static void submit_batch(struct vb_manager *m, struct vb_watch_event *list) {
        bool rescan = false, work = false;

        for (struct vb_watch_event *ev = list; ev; ev = ev->next) {
                rescan = rescan || ev->kind == VB_WATCH_RESCAN;
                work = work || ev->kind == VB_WATCH_PACKAGE || ev->kind == VB_WATCH_FILE || ev->kind == VB_WATCH_DIR;
                if (ev->kind == VB_WATCH_PACKAGE || ev->kind == VB_WATCH_DPKG_DB)
                        m->dpkg_dirty = true;
                if (ev->kind == VB_WATCH_RPM_DB) { /* read after the batch (on_debounce), at once */
                        m->rpm_dirty = true;
                        m->rpm_deferred_since = 0;
                }
        }
        struct vb_job *j = !rescan && work ? job_new(VB_JOB_EVENTS, "events") : NULL;
        if (j) {
                ledger_check_if_idle(m);
                j->events = list;
                worker_submit(m->worker, j);
                manager_stall_watch(m);
                return;
        }
        if (rescan || work) {
                m->dpkg_dirty = true; /* dpkg may still be at work: read its database again when it is done */
                if (rescan)
                        journal_event(VB_MID_RESCAN, LOG_WARNING, NULL,
                                      "Filesystem events were lost (inotify queue overflow or a lost watch): "
                                      "rescanning everything.");
                manager_full_scan(m, rescan ? "events were lost" : "out of memory for events");
        }
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

        submit_batch(m, pending_take(m, hold));

        /* A .list event can be missed or come too early (a queue overflow,
         * or the package read while dpkg folds updates/ into status): once
         * dpkg has let go of its lock, read the whole database once more. */
        if (m->dpkg_dirty && !dpkg_running) {
                m->dpkg_dirty = false;
                manager_scan(m, "dpkg finished", false);
        }

        /* rpm wrote its database: read what it holds now. If a transaction
         * (another rpm, a long dnf run) still holds the lock, read again once
         * it is done, or every DPKG_DEFER_MAX_USEC of a long one. */
        if (m->rpm_dirty && (m->rpm_deferred_since == 0 || now - m->rpm_deferred_since >= DPKG_DEFER_MAX_USEC ||
                             !rpm_is_running(m))) {
                submit_rpm(m);
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

        struct vb_watch_event *list = watcher_take(m->watcher), **pp = &list;
        bool ready = false;
        while (*pp) {
                struct vb_watch_event *ev = *pp;
                if (ev->kind == VB_WATCH_READY) {
                        *pp = ev->next;
                        free(ev);
                        ready = true;
                } else
                        pp = &ev->next;
        }
        pending_append(m, list);
        if (ready)
                manager_watcher_ready(m);
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
