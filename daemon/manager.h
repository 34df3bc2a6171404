/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's one manager object: it owns the event loop and every event
 * source, the policy in force, the ledger, the watcher and the work that
 * the watcher's events have queued. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "policy.h"
#include "scan.h"
#include "store.h"
#include "watcher.h"
#include "guard.h"
#include "summarizer.h"

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

        struct vb_policy *policy;
        struct vb_store *store;                 /* NULL while the ledger is unusable */
        struct vb_watcher *watcher;
        struct vb_guard *guard;                 /* the exec guard thread (guard.h); NULL when off */
        struct vb_pathset owned;                /* files of packages that matched a ban */
        char *pidfile;

        struct vb_watch_event *pending;         /* events waiting for the debounce timer */
        struct vb_watch_event *pending_tail;
        int64_t deferred_since;                 /* file events held back while dpkg runs */

        bool guard_stale;                       /* something was blocked: refresh the guard's quarantine set */
        uint64_t findings_new;
        uint64_t scans;
        int ledger_error;                       /* why the ledger cannot be written now; 0 if it can */
        bool dpkg_dirty;                        /* the dpkg database moved: re-read it once dpkg is done */
        bool rpm_dirty;                         /* the rpm database moved: read what is new */
        int64_t rpm_since;                      /* newest rpm install time already evaluated */
        int64_t rpm_deferred_since;             /* last read while an rpm transaction still ran; 0 if none */
        struct vb_summarizer *summary;          /* the compliance summary (summary.c) */
};

int manager_new(const char *root, const char *config_path, struct vb_manager **ret);
struct vb_manager *manager_free(struct vb_manager *m);
static inline void manager_freep(struct vb_manager **m) {
        manager_free(*m);
}

/* Load the policy, open the ledger, start watching, reconcile. */
int manager_startup(struct vb_manager *m);
int manager_run(struct vb_manager *m);

/* manager-work.c: the queued events and the scans they lead to. */
int manager_on_watch(sd_event_source *s, int fd, uint32_t revents, void *userdata);
int manager_full_scan(struct vb_manager *m, const char *why);
void manager_notify_status(struct vb_manager *m);
void manager_on_guard_suspect(const char *path, void *userdata);
