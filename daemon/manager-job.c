/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the work thread does with a job: a scan, or a batch of events
 * (packages first, so their files count as owned, then directories and
 * files), each decision recorded on the thread's own ledger connection.
 * Runs only in the work thread; the loop sees the job's results. */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "enforce.h"
#include "journal.h"
#include "manager.h"
#include "plan.h"
#include "report.h"

#define LEDGER_BUSY_TIMEOUT_MS 5000     /* the store's default */

struct work_ctx {
        struct vb_manager *m;
        struct vb_job *job;
        struct vb_store *store;         /* the ledger for this work; NULL once it failed */
        int64_t event_usec;
};

/* The ledger cannot be written (r): say so once, what it means and what
 * to do; the loop has the rescan come back soon. */
static void ledger_failed(struct vb_manager *m, struct vb_job *j, int r) {
        j->ledger_failed = true;
        if (m->ledger_error == r)
                return;
        m->ledger_error = r;
        journal_event(VB_MID_DAEMON, LOG_ERR, NULL,
                      "Cannot write the ledger: %s (%s)%s. Findings go to the journal only until it can be "
                      "written; retrying in %d s.",
                      strerror(-r), store_errmsg(m->job_store),
                      r == -EBUSY ? ": another process holds its lock (a long 'vendorbanctl scan', an sqlite3 "
                                    "session?)"
                      : r == -ENOSPC ? ": the file system is full, free some space"
                      : r == -EROFS || r == -EACCES ? ": the file system or file is read-only"
                      : r == -EBADMSG ? ": the file is damaged; stop vendorband, move it aside and start again"
                                      : "",
                      MANAGER_LEDGER_RETRY_USEC / 1000000);
}

static struct vb_store *open_job_store(struct vb_manager *m) {
        if (!m->job_ledger || !m->ledger_path) {
                store_free(m->job_store);
                m->job_store = NULL;
                return NULL;
        }
        if (!m->job_store && store_open(m->ledger_path, false, &m->job_store) < 0) {
                store_free(m->job_store);
                m->job_store = NULL;
        }
        return m->job_store;
}

/* The ledger to use for the next piece of work: NULL if there is none or
 * if it cannot take a write now (a lock held by another process makes
 * every statement wait the busy timeout: wait once here, not per row). */
static struct vb_store *work_store(struct vb_manager *m, struct vb_job *j) {
        struct vb_store *s = open_job_store(m);
        int r;

        if (!s)
                return NULL;
        /* Known to be locked: look without waiting; the retry comes back. */
        if (m->ledger_error == -EBUSY)
                (void) store_set_busy_timeout(s, 0);
        r = store_begin(s);
        if (r >= 0)
                r = store_rollback(s);
        if (m->ledger_error == -EBUSY)
                (void) store_set_busy_timeout(s, LEDGER_BUSY_TIMEOUT_MS);
        if (r < 0) {
                ledger_failed(m, j, r);
                return NULL;
        }
        if (m->ledger_error != 0) {
                m->ledger_error = 0;
                journal_event(VB_MID_DAEMON, LOG_NOTICE, NULL, "The ledger can be written again.");
        }
        return s;
}

/* Run a plan's steps one at a time, each action recorded (ledger row
 * first, journal after through on_outcome). */
static void run_plan(struct work_ctx *w, const struct vb_scan_item *item, const struct vb_plan *plan,
                     int64_t finding_id) {
        struct vb_action_context ctx = {
                .ban = item->decision->ban->id,
                .package = item->pkg ? item->pkg->name : NULL,
                .version = item->pkg ? item->pkg->version : NULL,
                .path = item->file ? item->file->path : NULL,
                .sha256 = item->file ? item->file->sha256 : NULL,
        };
        struct vb_enforcer e = {
                .root = w->m->root, .policy = w->m->policy, .store = w->store,
                .on_outcome = journal_action_cb, .userdata = &ctx,
        };
        struct vb_enforce_result res = {};

        for (size_t i = 0; i < plan->n_steps; i++)
                (void) enforce_step(&e, plan, i, finding_id, &res);
}

/* A decision: plan it, record the finding (ledger, then journal), run the plan. */
static int on_decision(const struct vb_scan_item *item, void *userdata) {
        struct work_ctx *w = userdata;
        struct vb_plan plan;
        struct vb_report rp;
        int r;

        r = enforce_plan(w->m->policy, item, w->store != NULL, &plan);
        if (r < 0)
                return 0; /* out of memory: the next scan sees it again */
        if (!plan.record) {
                plan_clear(&plan);
                return 0;
        }
        struct vb_reporter rep = { .store = w->store, .policy = w->m->policy, .root = w->m->root };
        r = report_record(&rep, item, &plan, w->event_usec, &rp);
        if (r < 0) {
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL,
                              "Failed to record a finding in the ledger (%s: %s), logged to the journal only.",
                              strerror(-r), store_errmsg(w->store));
                ledger_failed(w->m, w->job, r);
                if (r == -EBUSY)
                        w->store = NULL; /* do not wait the busy timeout again for every match */
        }
        if (rp.is_new) {
                (void) journal_finding(&rp.finding, item->decision->ban, item->decision->phase);
                w->job->findings_new++;
        }
        if (r >= 0 && !rp.restored && plan.n_steps > 0) {
                run_plan(w, item, &plan, rp.finding.id);
                w->job->guard_stale = true;
        }
        plan_clear(&plan);
        return 0;
}

static struct vb_scan_options scan_options(struct vb_manager *m, struct vb_store *store, bool packages,
                                           bool files, const struct vb_job_yield *y) {
        return (struct vb_scan_options) {
                .root = m->root, .policy = m->policy, .store = store, .now = now_sec(),
                .packages = packages, .files = files, .owned = &m->owned,
                .cancel = y ? y->cancel : NULL, .yield = y ? y->yield : NULL,
                .yield_cb = y ? y->cb : NULL, .yield_userdata = y ? y->userdata : NULL,
        };
}

static void job_scan(struct vb_manager *m, struct vb_job *j, const struct vb_job_yield *y) {
        struct work_ctx w = { .m = m, .job = j, .store = work_store(m, j) };
        struct vb_scan_options o = scan_options(m, w.store, true, j->files, y);
        struct vb_diag diag = {};

        pathset_clear(&m->owned);
        j->r = scan_run(&o, on_decision, &w, &j->stats, &diag);
        if (j->files && j->r >= 0)
                manager_expire_quarantine(m, w.store);  /* quarantine_retention */
        if (diag.n > 0)
                snprintf(j->dpkg_error, sizeof j->dpkg_error, "%s:%u: %s", diag.items[0].file, diag.items[0].line,
                         diag.items[0].message);
}

static void work_package(struct work_ctx *w, const struct vb_watch_event *ev) {
        struct vb_scan_options o = scan_options(w->m, w->store, true, false, NULL);
        struct vb_diag diag = {};
        _cleanup_free_ char *name = strdup(ev->path);

        if (!name)
                return;
        char *arch = strchr(name, ':');
        if (arch)
                *arch++ = '\0';
        w->event_usec = ev->usec;
        int r = scan_package(&o, name, arch, ev->usec / 1000000, on_decision, w, &diag);
        if (r < 0 && r != -ENOENT)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Failed to evaluate package %s: %s%s%s", ev->path,
                              diag.n ? diag.items[0].file : strerror(-r), diag.n ? ": " : "",
                              diag.n ? diag.items[0].message : "");
}

static void work_file(struct work_ctx *w, const struct vb_watch_event *ev, const struct vb_job_yield *y) {
        struct vb_scan_options o = scan_options(w->m, w->store, false, true, NULL);

        o.cancel = y ? y->cancel : NULL;        /* a new directory can be big: stop it on exit */
        w->event_usec = ev->usec;
        if (ev->kind == VB_WATCH_DIR)
                (void) scan_tree(&o, ev->path, on_decision, w, NULL);
        else
                (void) scan_file(&o, ev->path, on_decision, w);
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
 * before files) and path, each subject once, with its earliest event time.
 * The ledger is probed once, and only if there is work. */
static void job_events(struct vb_manager *m, struct vb_job *j, const struct vb_job_yield *y) {
        struct work_ctx w = { .m = m, .job = j };
        size_t n = 0, k = 0;
        bool probed = false;

        for (struct vb_watch_event *ev = j->events; ev; ev = ev->next)
                n++;
        _cleanup_free_ struct vb_watch_event **v = calloc(n ? n : 1, sizeof *v);
        if (!v) {
                j->r = -ENOMEM;
                return;
        }
        for (struct vb_watch_event *ev = j->events; ev; ev = ev->next)
                v[k++] = ev;
        qsort(v, n, sizeof *v, cmp_event);

        for (size_t i = 0; i < n; i++) {
                if (i > 0 && v[i]->kind == v[i - 1]->kind && strcmp(v[i]->path, v[i - 1]->path) == 0)
                        continue;
                if (v[i]->kind != VB_WATCH_PACKAGE && v[i]->kind != VB_WATCH_FILE && v[i]->kind != VB_WATCH_DIR)
                        continue;
                if (!probed)
                        w.store = work_store(m, j), probed = true;
                if (v[i]->kind == VB_WATCH_PACKAGE)
                        work_package(&w, v[i]);
                else
                        work_file(&w, v[i], y);
        }
}

/* The rpm database moved: the packages installed since the last look (rpm
 * records each one's install time; the same second again, as the ledger
 * keeps one finding per package and version). */
static void job_rpm(struct vb_manager *m, struct vb_job *j) {
        struct work_ctx w = { .m = m, .job = j, .store = work_store(m, j), .event_usec = now_usec() };
        struct vb_scan_options o = scan_options(m, w.store, true, false, NULL);
        struct vb_diag diag = {};

        j->r = scan_rpm_packages(&o, j->rpm_since, on_decision, &w, &j->rpm_newest, &diag);
        if (j->r < 0 && j->r != -ENOENT)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "rpm database unreadable: %s%s%s",
                              diag.n ? diag.items[0].file : strerror(-j->r), diag.n ? ": " : "",
                              diag.n ? diag.items[0].message : "");
}

/* A reload: read the policy files and store the compiled copy in the
 * ledger, here rather than on the loop (a big policy takes 50-150 ms).
 * The loop swaps the result in (manager_policy_job_done). */
static void job_policy(struct vb_manager *m, struct vb_job *j) {
        j->diag = calloc(1, sizeof *j->diag);
        if (!j->diag) {
                j->r = -ENOMEM;
                return;
        }
        j->r = policy_load(m->root, m->config_path, &j->policy, j->diag);
        if (j->r < 0) {
                policy_free(j->policy);
                j->policy = NULL;
                return;
        }
        struct vb_store *s = open_job_store(m);
        if (!s)
                return;
        /* A valid policy is not refused because the ledger is busy or
         * full: it only lacks its compiled copy there. */
        int k = store_policy_compile(s, j->policy, now_sec());
        if (k < 0)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL,
                              "Cannot store the reloaded policy in the ledger: %s — %s. The reloaded policy is "
                              "in force all the same.", strerror(-k), store_errmsg(s));
}

void manager_job_run(struct vb_manager *m, struct vb_job *j, const struct vb_job_yield *y) {
        j->started_usec = now_usec();
        switch (j->kind) {
        case VB_JOB_SCAN:
                job_scan(m, j, y);
                break;
        case VB_JOB_EVENTS:
                job_events(m, j, y);
                break;
        case VB_JOB_RPM:
                job_rpm(m, j);
                break;
        case VB_JOB_POLICY:
                job_policy(m, j);
                break;
        }
}

void manager_job_thread_exit(struct vb_manager *m) {
        store_free(m->job_store);
        m->job_store = NULL;
}
