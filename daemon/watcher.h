/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The watcher: one thread that owns every call to libinotifytools (it is
 * not thread-safe and has no fd accessor) and hands classified events to
 * the sd-event loop through a queue and an eventfd. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

enum vb_watch_kind {
        VB_WATCH_PACKAGE,       /* info/NAME[:ARCH].list appeared or changed: path = "NAME[:ARCH]" */
        VB_WATCH_DPKG_DB,       /* status or updates/ changed */
        VB_WATCH_FILE,          /* a file under a watched path was written or moved in */
        VB_WATCH_DIR,           /* a directory appeared under a watched path: scan it */
        VB_WATCH_RESCAN,        /* queue overflow or a watch lost: rescan everything */
        VB_WATCH_RPM_DB,        /* rpm wrote its database (or let go of its lock) */
        VB_WATCH_READY,         /* the first watches are in place, or failed (watcher_start_error) */
};

struct vb_watch_event {
        struct vb_watch_event *next;
        enum vb_watch_kind kind;
        int64_t usec;           /* when the watcher read it */
        char path[];            /* inside the root (VB_WATCH_PACKAGE: the package) */
};

struct vb_watcher;

/* Start watching: dpkg_admindir, the rpm database directory (NULL if the
 * root has none) and every watch path, all inside root. event_fd becomes
 * readable whenever events are queued. Returns at once; the watches are
 * added in the thread (a large tree takes seconds), which then queues one
 * VB_WATCH_READY event. previous (may be NULL) is the watcher this one
 * replaces: taken, and stopped by the new thread before it starts watching
 * (so that the caller does not wait for it). */
int watcher_start(const char *root, const char *dpkg_admindir, const char *rpm_dbdir,
                  const struct vb_strv *watch_paths, struct vb_watcher *previous, struct vb_watcher **ret);
int watcher_event_fd(struct vb_watcher *w);
/* Take every queued event (a list, oldest first; free each with free()). */
struct vb_watch_event *watcher_take(struct vb_watcher *w);
/* After VB_WATCH_READY: 0, or why watching could not start (the thread
 * has stopped; nothing is watched). -EINPROGRESS before. */
int watcher_start_error(struct vb_watcher *w);
/* Watches that could not be added (e.g. max_user_watches reached). */
unsigned watcher_failed_watches(struct vb_watcher *w);
unsigned watcher_num_watches(struct vb_watcher *w);
/* Stop the thread and free everything; NULL is fine. */
void watcher_stop(struct vb_watcher *w);
