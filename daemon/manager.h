/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's one manager object: it owns the event loop and every event
 * source, the policy in force, the ledger, the watcher and the work that
 * the watcher's events have queued. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "policy.h"
#include "scan.h"
#include "store.h"
#include "watcher.h"
#include "guard.h"
#include "summarizer.h"

struct vb_worker;

#define MANAGER_LEDGER_RETRY_USEC (30 * 1000000)

/* A piece of work for the work thread (manager-worker.c): a scan, or a
 * batch of watcher events. The results are read by the loop when done. */
enum vb_job_kind {
        VB_JOB_SCAN,
        VB_JOB_EVENTS,
        VB_JOB_RPM,                             /* the rpm packages installed since rpm_since */
        VB_JOB_POLICY,                          /* load and compile the policy files (a reload) */
};

struct vb_job {
        struct vb_job *next;
        enum vb_job_kind kind;
        char why[64];                           /* scan: "startup", "periodic", ... */
        bool files;                             /* scan: the watched paths too, not only the packages */
        struct vb_watch_event *events;          /* events: the batch (owned) */
        int64_t rpm_since;                      /* rpm: install times already evaluated */
        int64_t rpm_newest;                     /* rpm (result): the newest install time seen */
        /* Results: */
        int64_t started_usec;                   /* when the thread took it (now_usec()) */
        int r;
        struct vb_scan_stats stats;
        char dpkg_error[1100];                  /* scan: the dpkg database could not be read: where, what */
        bool guard_stale;                       /* something was blocked: refresh the guard's set */
        bool ledger_failed;                     /* the ledger could not be written: retry soon */
        uint64_t findings_new;
        struct vb_policy *policy;               /* policy (result): the loaded policy, owned until taken */
        struct vb_diag *diag;                   /* policy (result): why it failed to load (owned) */
};

/* How a scan in the work thread stops (cancel) or lets events run (yield). */
struct vb_job_yield {
        const atomic_bool *cancel;
        const atomic_bool *yield;
        void (*cb)(void *userdata);
        void *userdata;
};

struct vb_manager {
        char *root;
        char *config_path;
        sd_event *event;
        sd_event_source *sigterm_source;
        sd_event_source *sigint_source;
        sd_event_source *sighup_source;
        sd_event_source *watch_source;          /* the watcher's eventfd */
        sd_event_source *debounce_timer;        /* fires debounce_ms after the first queued event */
        sd_event_source *rescan_timer;          /* the periodic rescan */
        sd_event_source *journal_timer;         /* retries the entries journald did not take yet */
        sd_event_source *journal_post;          /* after each dispatch: arms journal_timer if entries wait */
        sd_event_source *stall_timer;           /* manager-stall.c: armed only while work is queued or running */
        uint64_t stall_max_usec;                /* the loop's longest stall measured since start */
        bool reload_rescan;                     /* a reload cancelled a scan: run one again if it fails */

        struct vb_policy *policy;
        struct vb_store *store;                 /* NULL while the ledger is unusable */
        struct vb_watcher *watcher;
        struct vb_guard *guard;                 /* the exec guard thread (guard.h); NULL when off */
        struct vb_worker *worker;               /* runs every scan and event batch */
        bool worker_abandoned;                  /* it did not stop in time at exit: leave what it uses */
        char *pidfile;
        char *ledger_path;                      /* host path of the ledger; NULL until known */

        struct vb_watch_event *pending;         /* events waiting for the debounce timer */
        struct vb_watch_event *pending_tail;
        int64_t deferred_since;                 /* file events held back while dpkg runs */

        uint64_t findings_new;
        uint64_t scans;
        bool dpkg_dirty;                        /* the dpkg database moved: re-read it once dpkg is done */
        bool rpm_dirty;                         /* the rpm database moved: read what is new */
        int64_t rpm_since;                      /* newest rpm install time already evaluated */
        int64_t rpm_deferred_since;             /* last read while an rpm transaction still ran; 0 if none */
        struct vb_summarizer *summary;          /* the compliance summary (summary.c) */

        const char *scan_after_watch;           /* a scan waiting for the watches to be in place, or NULL */

        /* Owned by the work thread (manager-job.c), read by the loop only
         * while the thread is paused (worker_pause): */
        struct vb_store *job_store;             /* the thread's own ledger connection */
        bool job_ledger;                        /* the loop has a ledger: the thread may open one */
        int ledger_error;                       /* why the ledger cannot be written now; 0 if it can */
        struct vb_pathset owned;                /* files of packages that matched a ban */
};

int manager_new(const char *root, const char *config_path, struct vb_manager **ret);
struct vb_manager *manager_free(struct vb_manager *m);
static inline void manager_freep(struct vb_manager **m) {
        manager_free(*m);
}

/* Load the policy, open the ledger, start watching, reconcile. */
int manager_startup(struct vb_manager *m);
int manager_run(struct vb_manager *m);

/* The watcher's first watches are in place: run the scan waiting for them. */
void manager_watcher_ready(struct vb_manager *m);
/* Open (creating) the ledger named by the policy; says why if it cannot. */
int manager_open_ledger(struct vb_manager *m);
/* manager-ledger.c: the ledger file deleted or replaced under us? Then
 * recreate or reopen it, losing no row, and say so. */
void manager_ledger_check(struct vb_manager *m);

/* manager-work.c (the loop): the queued events and the jobs they lead to. */
int manager_on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata);
/* Queue a scan of the packages (and, if files, the watched paths). */
void manager_scan(struct vb_manager *m, const char *why, bool files);
void manager_full_scan(struct vb_manager *m, const char *why);
/* quarantine_retention over store (the work thread's, after a full scan). */
void manager_expire_quarantine(struct vb_manager *m, struct vb_store *store);
void manager_notify_status(struct vb_manager *m);
void manager_on_guard_suspect(const char *path, void *userdata);

/* A job came back from the work thread: its journal entry, the guard, the
 * status; then manager_scan_done() for a finished scan. */
void manager_job_done(struct vb_manager *m, struct vb_job *j);
/* Hooks, on the loop: a scan finished (its figures in j->stats; j->r < 0
 * if it failed or was cancelled), a policy was loaded or reloaded. */
void manager_scan_done(struct vb_manager *m, const struct vb_job *j);
void manager_policy_loaded(struct vb_manager *m, bool reload);

/* A reload's policy job came back (manager.c): swap the policy in, or
 * keep the one in force and say why. The work thread is held till then. */
void manager_policy_job_done(struct vb_manager *m, struct vb_job *j);

/* manager-stall.c: the loop's longest stall: the longest iteration of the
 * loop (its work, not its wait), and how late a timer fires that ticks
 * every MANAGER_STALL_TICK_USEC while work is queued or running (never
 * while idle); reported in the notify STATUS and /run/vendorban/loop-stall. */
#define MANAGER_STALL_TICK_USEC (50 * 1000)
int manager_stall_start(struct vb_manager *m);
void manager_stall_watch(struct vb_manager *m);
/* One iteration of the loop took usec (manager_run): keep the longest. */
void manager_stall_note(struct vb_manager *m, uint64_t usec);
uint64_t manager_monotonic_usec(void);

/* manager-job.c (the work thread): run a job, recording every decision. */
void manager_job_run(struct vb_manager *m, struct vb_job *j, const struct vb_job_yield *y);
void manager_job_thread_exit(struct vb_manager *m);

/* manager-worker.c */
int worker_new(struct vb_manager *m, struct vb_worker **ret);
/* Stop the thread (cancelling its job), waiting 0.8 s at most; false if
 * it had not stopped by then (it is left running until the process exits). */
bool worker_free(struct vb_worker *w);
void worker_submit(struct vb_worker *w, struct vb_job *j);
/* Cancel the running job and hold the thread between jobs until
 * worker_resume(); the loop may then change the policy and the ledger.
 * Submit nothing while paused. True if a job was running (and cancelled). */
bool worker_pause(struct vb_worker *w);
void worker_resume(struct vb_worker *w);
/* After a policy job the thread holds between jobs until the loop has
 * swapped the policy in: worker_pause(), change it, then this (instead of
 * worker_resume) lets the thread go on. */
void worker_resume_held(struct vb_worker *w);
/* A reload: cancel the running scan and drop the queued ones (events and
 * other jobs go on). True if a scan was cancelled or dropped. */
bool worker_cancel_scans(struct vb_worker *w);
bool worker_busy(struct vb_worker *w);
