/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manager's life: build it, load the policy and the ledger, start the
 * watcher, reconcile, then serve signals (SIGHUP reloads, keeping the last
 * good policy; SIGTERM exits) and the periodic rescan. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#include "enforce.h"
#include "journal.h"
#include "last-good.h"
#include "ledger-access.h"
#include "quarantine.h"
#include "manager.h"
#include "rpmdb.h"

#define PIDFILE "/run/vendorban/vendorband.pid"
#define JOURNAL_RETRY_USEC (250 * 1000)
#define RESCAN_FALLBACK_SEC 900        /* when watches are missing and no rescan is configured */

static void log_policy_error(struct vb_manager *m, const struct vb_diag *d, int r, bool keeping) {
        char where[1100] = "";

        if (d->n > 0)
                snprintf(where, sizeof where, "%s:%u: %s", d->items[0].file, d->items[0].line, d->items[0].message);
        else
                snprintf(where, sizeof where, "%s", strerror(-r));
        _cleanup_free_ char *field = NULL;
        if (asprintf(&field, "VENDORBAN_POLICY_ERROR=%s", where) < 0)
                field = NULL;
        journal_event(VB_MID_POLICY_ERROR, LOG_ERR, (const char *const[]) { field, NULL },
                      "Policy %s failed (%zu error(s)), %s: %s", keeping ? "reload" : "load", d->n ? d->n : 1,
                      keeping ? "keeping the policy in force" : "not starting", where);
        if (keeping)
                sd_notifyf(0, "STATUS=Policy reload failed, keeping the previous policy (%.16s): %s",
                           m->policy->digest, where);
}

static void log_policy_loaded(const struct vb_policy *p, const char *how) {
        char dg[96];
        snprintf(dg, sizeof dg, "VENDORBAN_POLICY_DIGEST=%s", p->digest);
        journal_event(VB_MID_POLICY_LOADED, LOG_INFO, (const char *const[]) { dg, NULL },
                      "Policy %s: %zu ban(s), mode %s, %zu watched path(s), digest %.16s.", how, p->n_bans,
                      mode_to_string(p->config.mode), p->config.watch_paths.n, p->digest);
}

/* The auditor group reads the ledger: root:GROUP 0750 on the state
 * directory, 0640 on the ledger and its WAL files (quarantine/ stays 0700). */
static void share_ledger(struct vb_manager *m, const char *dir, const char *db) {
        const char *group = m->policy->config.auditor_group;
        gid_t gid;
        int r;

        if (geteuid() != 0)
                return;
        r = ledger_access_group(group, &gid);
        if (r >= 0)
                r = ledger_access_share(dir, db, gid);
        if (r == -ENOENT)
                journal_event(VB_MID_DAEMON, LOG_NOTICE, NULL,
                              "Group %s does not exist: the ledger %s stays readable by root only.", group, db);
        else if (r < 0)
                journal_event(VB_MID_DAEMON, LOG_WARNING, NULL,
                              "Cannot share the ledger %s with group %s: %s, ignoring.", db, group, strerror(-r));
}

int manager_open_ledger(struct vb_manager *m) {
        _cleanup_free_ char *dir = path_under_root(m->root, m->policy->config.state_dir);
        _cleanup_free_ char *db = NULL;
        int r;

        if (!dir || asprintf(&db, "%s/%s", dir, VB_STORE_FILE) < 0)
                return -ENOMEM;
        free(m->ledger_path);
        m->ledger_path = strdup(db);
        r = mkdir_p(dir, 0700);
        if (r >= 0)
                r = store_open(db, false, &m->store);
        if (r >= 0)
                share_ledger(m, dir, db);
        if (r >= 0) {
                /* The compiled copy is for 'vendorbanctl status' only: a ledger
                 * that opened but cannot take it now (locked, full) is kept;
                 * each later write says whether it works. */
                int k = store_policy_compile(m->store, m->policy, now_sec());
                if (k < 0)
                        journal_event(VB_MID_DAEMON, LOG_ERR, NULL,
                                      "Cannot store the compiled policy in the ledger %s: %s — %s. Keeping the "
                                      "ledger; the policy in force is the one loaded.",
                                      db, strerror(-k), store_errmsg(m->store));
        }
        if (r < 0) {
                struct statvfs sv;
                bool fs = r != -EBADMSG && statvfs(dir, &sv) == 0;
                bool ro = fs && (sv.f_flag & ST_RDONLY);
                bool full = fs && !ro && (uint64_t) sv.f_bavail * sv.f_frsize < 256 * 1024;
                journal_event(VB_MID_DAEMON, LOG_CRIT, NULL,
                              "Cannot use the ledger %s: %s%s%s%s. Running without it: findings go to the journal "
                              "only, nothing is enforced. %s The file is never deleted by vendorband.",
                              db, strerror(-r), m->store ? " — " : "", m->store ? store_errmsg(m->store) : "",
                              ro ? " (its file system is mounted read-only)"
                                 : full ? " (its file system is full)" : "",
                              r == -EBADMSG ? "The file is not a SQLite database or is damaged: move it aside "
                                              "(mv vendorban.db vendorban.db.broken) and reload or restart "
                                              "vendorband to start a new ledger."
                              : ro ? "Make the file system writable, then reload or restart vendorband."
                              : full ? "Free some space on it, then reload or restart vendorband."
                                   : "Check the file system and permissions, or move the file aside and reload "
                                     "or restart vendorband to start a new ledger.");
                store_free(m->store);
                m->store = NULL;
        }
        m->job_ledger = m->store && m->ledger_path;
        return 0;
}

/* quarantine_retention: quarantined copies older than it are deleted (rows
 * kept). Run by the work thread after each full scan, on its own store. */
void manager_expire_quarantine(struct vb_manager *m, struct vb_store *store) {
        _cleanup_free_ char *qdir = NULL;
        size_t n = 0;
        int r;

        if (!store || m->policy->config.quarantine_retention <= 0)
                return;
        qdir = enforce_quarantine_dir(m->policy);
        if (!qdir)
                return;
        r = quarantine_expire(store, m->root, qdir, m->policy->config.quarantine_retention, now_usec(), &n);
        if (n > 0)
                journal_event(VB_MID_ACTION, LOG_NOTICE,
                              (const char *const[]) { "VENDORBAN_ACTION=delete-quarantined", NULL },
                              "Deleted %zu quarantined cop%s older than quarantine_retention (%llds); the ledger "
                              "rows are kept.", n, n == 1 ? "y" : "ies",
                              (long long) m->policy->config.quarantine_retention);
        if (r < 0)
                journal_event(VB_MID_DAEMON, LOG_WARNING, NULL, "Quarantine retention: %s, ignoring.",
                              store_errmsg(store) ?: strerror(-r));
}

/* Finish or roll back what a crash interrupted, and in enforce mode make
 * the APT pins match the ledger. */
static void repair_and_pin(struct vb_manager *m) {
        struct vb_enforcer e = {
                .root = m->root, .policy = m->policy, .store = m->store, .on_outcome = journal_action_cb,
        };
        size_t fixed = 0;

        if (!m->store)
                return;
        int r = enforce_recover(&e, &fixed);
        if (r < 0 || fixed > 0)
                journal_event(VB_MID_DAEMON, r < 0 ? LOG_ERR : LOG_NOTICE, NULL,
                              "Repaired %zu half-done action(s) found in the ledger%s%s.", fixed,
                              r < 0 ? "; some could not be checked: " : "", r < 0 ? strerror(-r) : "");
        if (m->policy->config.mode == VB_MODE_ENFORCE)
                (void) enforce_apt_pins(&e);
}

/* The rescan period in force: the configured one, or, when some watched
 * paths could not be watched and none is configured, a fallback. */
static unsigned rescan_interval(struct vb_manager *m) {
        unsigned interval = m->policy->config.rescan_interval;

        if (interval == 0 && m->watcher && watcher_failed_watches(m->watcher) > 0)
                interval = RESCAN_FALLBACK_SEC;
        return interval;
}

/* Watches could not be added: say what the limit is, the sysctl that
 * raises it, and that periodic rescans cover what is not watched. */
static unsigned long read_ulong(const char *path) {
        unsigned long v = 0;
        FILE *f = fopen(path, "re");

        if (f) {
                if (fscanf(f, "%lu", &v) != 1)
                        v = 0;
                fclose(f);
        }
        return v;
}

static void log_watch_limit(struct vb_manager *m) {
        /* The user namespace's limit, when lower, is the one that bites. */
        unsigned long limit = read_ulong("/proc/sys/fs/inotify/max_user_watches");
        unsigned long ns = read_ulong("/proc/sys/user/max_inotify_watches");

        if (ns > 0 && (limit == 0 || ns < limit))
                limit = ns;
        unsigned long want = limit < 524288 ? 1048576 : limit * 2;
        journal_event(VB_MID_DAEMON, LOG_WARNING, NULL,
                      "Watches under the watched paths could not be added (%u time(s)): the inotify watch "
                      "limit is reached (%lu, %u watches in use by vendorband). "
                      "Raise it: sysctl -w fs.inotify.max_user_watches=%lu, and keep it in "
                      "/etc/sysctl.d/60-vendorban.conf, then reload vendorband. Until then, what is not watched "
                      "is covered by a periodic rescan every %u s%s.",
                      watcher_failed_watches(m->watcher), limit, watcher_num_watches(m->watcher), want,
                      rescan_interval(m), m->policy->config.rescan_interval ? "" : " (rescan_interval is 0: a fallback)");
}

static int start_watcher(struct vb_manager *m) {
        int r;

        m->watch_source = sd_event_source_unref(m->watch_source);
        struct vb_watcher *previous = TAKE_PTR(m->watcher); /* stopped by the new one's thread */

        _cleanup_free_ char *rpm_dbdir = NULL;
        (void) rpmdb_locate(m->root, &rpm_dbdir); /* none: nothing of rpm to watch */
        r = watcher_start(m->root, m->policy->config.dpkg_admin_dir, rpm_dbdir, &m->policy->config.watch_paths,
                          previous, &m->watcher);
        if (r < 0)
                return r;
        r = sd_event_add_io(m->event, &m->watch_source, watcher_event_fd(m->watcher), EPOLLIN, manager_on_watch, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->watch_source, "watcher");
        return 0;
}

static int arm_rescan(struct vb_manager *m);

/* The watcher thread has its first watches in place (manager_on_watch):
 * say what could not be watched, and run the scan that waited for it. */
void manager_watcher_ready(struct vb_manager *m) {
        int r = watcher_start_error(m->watcher);

        if (r < 0)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Failed to start watching: %s; periodic rescans only.",
                              strerror(-r));
        else if (watcher_failed_watches(m->watcher) > 0)
                log_watch_limit(m);
        (void) arm_rescan(m);
        if (m->scan_after_watch) {
                manager_full_scan(m, m->scan_after_watch);
                m->scan_after_watch = NULL;
        }
        manager_notify_status(m);
}

/* Watch, and once the watches are in place, scan (why): whatever lands
 * meanwhile is seen by one or the other. */
static void watch_then_scan(struct vb_manager *m, const char *why) {
        int r = start_watcher(m);

        if (r < 0) {
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Failed to start watching: %s; periodic rescans only.",
                              strerror(-r));
                manager_full_scan(m, why);
                return;
        }
        m->scan_after_watch = why;
}

static int arm_rescan(struct vb_manager *m) {
        unsigned interval = rescan_interval(m);
        uint64_t t;

        if (interval == 0)
                return m->rescan_timer ? sd_event_source_set_enabled(m->rescan_timer, SD_EVENT_OFF) : 0;
        sd_event_now(m->event, CLOCK_MONOTONIC, &t);
        t += (uint64_t) interval * 1000000;
        if (m->rescan_timer) {
                (void) sd_event_source_set_time(m->rescan_timer, t);
                return sd_event_source_set_enabled(m->rescan_timer, SD_EVENT_ONESHOT);
        }
        return -ENOENT;
}

static int on_rescan(sd_event_source *s, uint64_t usec, void *userdata) {
        struct vb_manager *m = userdata;

        manager_full_scan(m, "periodic");
        (void) arm_rescan(m);
        return 0;
}

/* SIGHUP: the policy files are read and compiled in the work thread (a
 * VB_JOB_POLICY job), so that the loop goes on serving events and the
 * watchdog; manager_policy_job_done() swaps the result in. */
static int manager_reload(struct vb_manager *m) {
        sd_notifyf(0, "RELOADING=1\nSTATUS=Reloading the policy");
        if (!m->store) {
                /* It may have been repaired or moved aside since. */
                worker_pause(m->worker);
                (void) manager_open_ledger(m);
                worker_resume(m->worker);
        }
        /* The running scan is cancelled; the reload queues a new one. */
        if (worker_cancel_scans(m->worker))
                m->reload_rescan = true;
        struct vb_job *j = calloc(1, sizeof *j);
        if (!j) {
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Out of memory: the policy reload was not queued.");
                sd_notify(0, "READY=1");
                return 0;
        }
        j->kind = VB_JOB_POLICY;
        snprintf(j->why, sizeof j->why, "reload");
        worker_submit(m->worker, j);
        manager_stall_watch(m);
        return 0;
}

void manager_policy_job_done(struct vb_manager *m, struct vb_job *j) {
        bool rescan = m->reload_rescan;

        m->reload_rescan = false;
        /* The thread is held after a policy job: this only takes its lock. */
        worker_pause(m->worker);
        if (j->r < 0) {
                worker_resume_held(m->worker);
                static const struct vb_diag none;
                log_policy_error(m, j->diag ?: &none, j->r, true);
                if (rescan)
                        manager_full_scan(m, "reload failed"); /* the cancelled scan, again */
                sd_notify(0, "READY=1");
                return;
        }

        struct vb_policy *p = TAKE_PTR(j->policy);
        (void) guard_apply(&m->guard, m->event, m->root, p, m->store); /* before the old policy is freed */
        guard_on_suspect(m->guard, manager_on_guard_suspect, m);
        policy_free(m->policy);
        m->policy = p;
        log_policy_loaded(p, "reloaded");
        policy_source_write(m->root, p);
        if (p->config.mode == VB_MODE_ENFORCE && m->store) {
                struct vb_enforcer e = {
                        .root = m->root, .policy = p, .store = m->store, .on_outcome = journal_action_cb,
                };
                (void) enforce_apt_pins(&e);
        }
        worker_resume_held(m->worker);
        (void) arm_rescan(m);
        watch_then_scan(m, "policy reloaded");
        manager_policy_loaded(m, true);
        manager_notify_status(m);
        sd_notify(0, "READY=1");
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        return manager_reload(userdata);
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct vb_manager *m = userdata;

        sd_notify(0, "STOPPING=1\nSTATUS=Shutting down");
        return sd_event_exit(m->event, 0);
}

/* The journal never blocks the loop (journal.h): entries journald did not
 * take wait in a queue, retried every JOURNAL_RETRY_USEC while any wait. */
static int on_journal_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        if (journal_flush() > 0) {
                (void) sd_event_source_set_time_relative(s, JOURNAL_RETRY_USEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        }
        return 0;
}

static int on_journal_post(sd_event_source *s, void *userdata) {
        struct vb_manager *m = userdata;
        int enabled = SD_EVENT_OFF;

        if (sd_event_source_get_enabled(m->journal_timer, &enabled) >= 0 && enabled != SD_EVENT_OFF)
                return 0;
        if (journal_flush() > 0) {
                (void) sd_event_source_set_time_relative(m->journal_timer, JOURNAL_RETRY_USEC);
                (void) sd_event_source_set_enabled(m->journal_timer, SD_EVENT_ONESHOT);
        }
        return 0;
}

static void write_pidfile(struct vb_manager *m) {
        m->pidfile = path_under_root(m->root, PIDFILE);
        if (!m->pidfile)
                return;
        _cleanup_free_ char *dir = strdup(m->pidfile);
        if (!dir)
                return;
        *strrchr(dir, '/') = '\0';
        (void) mkdir_p(dir, 0755);
        FILE *f = fopen(m->pidfile, "we");
        if (f) {
                /* Readable by all (UMask=0077 would make it 0600), so that
                 * 'vendorbanctl status' run by an auditor sees the daemon. */
                (void) fchmod(fileno(f), 0644);
                fprintf(f, "%d\n", (int) getpid());
                fclose(f);
        }
}

int manager_new(const char *root, const char *config_path, struct vb_manager **ret) {
        _cleanup_(manager_freep) struct vb_manager *m = calloc(1, sizeof *m);
        int r;

        if (!m)
                return -ENOMEM;
        m->root = strdup(root ? root : "/");
        m->config_path = config_path ? strdup(config_path) : NULL;
        if (!m->root || (config_path && !m->config_path))
                return -ENOMEM;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_signal(m->event, &m->sigterm_source, SIGTERM, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sigint_source, SIGINT, on_exit_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sighup_source, SIGHUP, on_sighup, m);
        if (r >= 0)
                r = sd_event_set_watchdog(m->event, true);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->journal_timer, CLOCK_MONOTONIC, UINT64_MAX, 10000,
                                      on_journal_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->journal_timer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_post(m->event, &m->journal_post, on_journal_post, m);
        if (r < 0)
                return r;
        r = manager_stall_start(m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->journal_timer, "journal-retry");
        (void) sd_event_source_set_description(m->journal_post, "journal-post");
        *ret = TAKE_PTR(m);
        return 0;
}

struct vb_manager *manager_free(struct vb_manager *m) {
        if (!m)
                return NULL;
        /* First, so that nothing else is freed under a job. A job that does
         * not stop within the bound is left to the process exit, with what
         * it reads. */
        if (!worker_free(m->worker)) {
                journal_event(VB_MID_DAEMON, LOG_NOTICE, NULL,
                              "Exiting while a scan is still reading a file; the next start scans again.");
                m->worker_abandoned = true;
        }
        m->worker = NULL;
        guard_stop(m->guard);
        /* Still adding its first watches (seconds on a large tree, and not
         * interruptible): leave the thread to the process exit. */
        if (m->watcher && watcher_start_error(m->watcher) == -EINPROGRESS)
                m->watcher = NULL;
        summarizer_free(m->summary);
        watcher_stop(m->watcher);
        sd_event_source_unref(m->watch_source);
        sd_event_source_unref(m->debounce_timer);
        sd_event_source_unref(m->rescan_timer);
        sd_event_source_unref(m->journal_timer);
        sd_event_source_unref(m->journal_post);
        sd_event_source_unref(m->stall_timer);
        sd_event_source_unref(m->sigterm_source);
        sd_event_source_unref(m->sigint_source);
        sd_event_source_unref(m->sighup_source);
        sd_event_unref(m->event);
        while (m->pending) {
                struct vb_watch_event *next = m->pending->next;
                free(m->pending);
                m->pending = next;
        }
        store_free(m->store);
        if (m->pidfile)
                (void) unlink(m->pidfile);
        free(m->pidfile);
        free(m->config_path);
        (void) journal_flush();
        if (m->worker_abandoned)
                return NULL; /* the process exits now; the job still reads these */
        pathset_clear(&m->owned);
        policy_free(m->policy);
        free(m->ledger_path);
        free(m->root);
        free(m);
        return NULL;
}

int manager_startup(struct vb_manager *m) {
        struct vb_diag diag = {};
        int r;

        sd_notify(0, "STATUS=Loading the policy");
        r = policy_load(m->root, m->config_path, &m->policy, &diag);
        if (r < 0) {
                diag_print(&diag, stderr);
                /* Broken files: run the last-known-good policy, loudly. */
                if (last_good_start(m->root, m->config_path, &diag, r, &m->policy) < 0) {
                        log_policy_error(m, &diag, r, false);
                        return r;
                }
        } else
                log_policy_loaded(m->policy, "loaded");
        policy_source_write(m->root, m->policy);
        (void) manager_open_ledger(m);
        summary_start(m); /* fleet: the host key and the daily summary timer */
        repair_and_pin(m);
        write_pidfile(m);
        r = worker_new(m, &m->worker);
        if (r < 0) {
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Failed to start the work thread: %s", strerror(-r));
                return r;
        }

        (void) guard_apply(&m->guard, m->event, m->root, m->policy, m->store);
        guard_on_suspect(m->guard, manager_on_guard_suspect, m);
        r = sd_event_add_time(m->event, &m->rescan_timer, CLOCK_MONOTONIC, UINT64_MAX, 1000000, on_rescan, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->rescan_timer, "rescan");
        (void) arm_rescan(m);

        /* Watch first, then reconcile, both off the loop: READY=1 comes at
         * once, the loop serves events and the watchdog meanwhile. */
        sd_notify(0, "STATUS=Reconciling: watching, then scanning packages and watched paths");
        watch_then_scan(m, "startup");
        manager_policy_loaded(m, false);
        return 0;
}

/* Hook: what follows a policy (re)load, on the loop, the work thread
 * running again. (At start the summary follows the startup scan.) */
void manager_policy_loaded(struct vb_manager *m, bool reload) {
        if (reload)
                summary_write(m, "reload"); /* fleet hook: policy loaded */
}

/* sd_event_loop(), with each iteration's work (prepare and dispatch, not
 * the wait) timed: the longest is the loop's longest stall. */
int manager_run(struct vb_manager *m) {
        int r, code = 0;

        sd_notify(0, "READY=1");
        for (;;) {
                r = sd_event_get_state(m->event);
                if (r < 0)
                        return r;
                if (r == SD_EVENT_FINISHED)
                        break;
                uint64_t t0 = manager_monotonic_usec();
                r = sd_event_prepare(m->event);
                if (r == 0) {
                        r = sd_event_wait(m->event, UINT64_MAX);
                        t0 = manager_monotonic_usec();
                }
                if (r > 0)
                        r = sd_event_dispatch(m->event);
                if (r < 0)
                        return r;
                manager_stall_note(m, manager_monotonic_usec() - t0);
        }
        r = sd_event_get_exit_code(m->event, &code);
        return r < 0 ? r : code;
}
