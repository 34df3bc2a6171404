/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loop's stall meter: the longest iteration of the loop (timed by
 * manager_run), and, while work is queued or running, how late a timer due
 * every MANAGER_STALL_TICK_USEC fires. Idle, the timer is off. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "manager.h"

#define STALL_FILE "/run/vendorban/loop-stall"

uint64_t manager_monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* For benches and tests: "max_usec N". Best effort, only when it grows. */
static void write_stall_file(struct vb_manager *m) {
        _cleanup_free_ char *path = path_under_root(m->root, STALL_FILE);
        _cleanup_free_ char *tmp = NULL;

        if (!path || asprintf(&tmp, "%s.new", path) < 0)
                return;
        FILE *f = fopen(tmp, "we");
        if (!f)
                return;
        (void) fchmod(fileno(f), 0644);
        fprintf(f, "max_usec %llu\n", (unsigned long long) m->stall_max_usec);
        if (fclose(f) != 0 || rename(tmp, path) < 0)
                (void) unlink(tmp);
}

static bool stall_record(struct vb_manager *m, uint64_t usec) {
        if (usec <= m->stall_max_usec)
                return false;
        m->stall_max_usec = usec;
        write_stall_file(m);
        return true;
}

void manager_stall_note(struct vb_manager *m, uint64_t usec) {
        if (stall_record(m, usec) && m->policy && !worker_busy(m->worker))
                manager_notify_status(m); /* idle now: the figure it ends with */
}

static int on_stall_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        struct vb_manager *m = userdata;
        uint64_t now = manager_monotonic_usec();
        bool grew = stall_record(m, now > usec ? now - usec : 0);

        if (m->worker && worker_busy(m->worker)) {
                (void) sd_event_source_set_time(s, now + MANAGER_STALL_TICK_USEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        } else if (grew && m->policy)
                manager_notify_status(m); /* idle now: the figure it ends with */
        return 0;
}

int manager_stall_start(struct vb_manager *m) {
        int r = sd_event_add_time(m->event, &m->stall_timer, CLOCK_MONOTONIC, UINT64_MAX, 1, on_stall_tick, m);

        if (r >= 0)
                r = sd_event_source_set_enabled(m->stall_timer, SD_EVENT_OFF);
        if (r >= 0)
                (void) sd_event_source_set_description(m->stall_timer, "stall-meter");
        return r;
}

/* Work was queued: tick until it is all done (the tick after the last job
 * also measures the loop's own handling of its result). */
void manager_stall_watch(struct vb_manager *m) {
        int enabled = SD_EVENT_OFF;

        if (!m->stall_timer || sd_event_source_get_enabled(m->stall_timer, &enabled) < 0 || enabled != SD_EVENT_OFF)
                return;
        (void) sd_event_source_set_time(m->stall_timer, manager_monotonic_usec() + MANAGER_STALL_TICK_USEC);
        (void) sd_event_source_set_enabled(m->stall_timer, SD_EVENT_ONESHOT);
}
