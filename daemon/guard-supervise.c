/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loop's watch over the exec guard's thread: the thread stamps a
 * heartbeat before each event and kicks the loop when a batch begins; while
 * it is busy the loop looks every second, and a thread stuck on one event
 * for GUARD_STUCK_USEC is abandoned: its fanotify fd is replaced by
 * /dev/null (the kernel then allows every exec it held) and a new run takes
 * over. No wake-up at all while the guard is idle. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>

#include "guard-internal.h"
#include "journal.h"

static int64_t mono_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void guard_supervise_batch_begin(struct guard_run *r) {
        atomic_store(&r->busy_since, mono_usec());
        if (!atomic_exchange(&r->g->watched, true)) {
                uint64_t one = 1;
                (void) !write(r->g->kick_fd, &one, sizeof one);
        }
}

void guard_supervise_batch_end(struct guard_run *r) {
        atomic_store(&r->busy_since, 0);
}

static void arm(struct vb_guard *g) {
        uint64_t t;

        if (sd_event_now(g->event, CLOCK_MONOTONIC, &t) < 0)
                return;
        (void) sd_event_source_set_time(g->check_timer, t + GUARD_CHECK_USEC);
        (void) sd_event_source_set_enabled(g->check_timer, SD_EVENT_ONESHOT);
}

/* Abandon the stuck run and start a new one. -EDEADLK if the thread is
 * stuck while holding the policy (it could touch a freed policy later):
 * then only a restart of the whole daemon is safe. */
static int restart(struct vb_guard *g, int64_t stuck_usec) {
        struct guard_run *old = g->run, *run = NULL;
        int r;

        if (pthread_mutex_trylock(&g->policy_lock) != 0)
                return -EDEADLK;
        atomic_store(&old->abandoned, true);
        /* The fd number stays valid for the old thread (writes to it now
         * fail), while the fanotify group loses its last reference: the
         * kernel answers every pending and unread event with "allow". */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup3(null, old->fan_fd, O_CLOEXEC) < 0) {
                r = -errno;
                if (null >= 0)
                        close(null);
                atomic_store(&old->abandoned, false);
                pthread_mutex_unlock(&g->policy_lock);
                return r;
        }
        close(null);
        g->run = NULL;
        pthread_mutex_unlock(&g->policy_lock);
        old->next = g->abandoned;
        g->abandoned = old;
        g->restarts++;

        r = guard_run_open(g, &run);
        if (r >= 0) {
                pthread_mutex_lock(&g->policy_lock);
                g->run = run;
                pthread_mutex_unlock(&g->policy_lock);
                r = guard_run_start(run);
        }
        char f_restarts[48];
        snprintf(f_restarts, sizeof f_restarts, "VENDORBAN_GUARD_RESTARTS=%u", g->restarts);
        journal_event(VB_MID_GUARD_RESTART, LOG_CRIT, (const char *const[]) { f_restarts, NULL },
                      "Exec guard thread stuck on one exec for %.1f s: its fanotify fd was closed, which let the "
                      "execs it held run, and %s (restart %u of at most %u). Execs wait %d s at most for a fault "
                      "inside vendorband.",
                      stuck_usec / 1e6, r < 0 ? "a new guard thread could not be started" : "a new guard thread took over",
                      g->restarts, GUARD_RESTARTS_MAX, (int) ((GUARD_STUCK_USEC + GUARD_CHECK_USEC) / 1000000));
        if (r < 0 && run) {
                pthread_mutex_lock(&g->policy_lock);
                g->run = NULL;
                pthread_mutex_unlock(&g->policy_lock);
                guard_run_free(run);
        }
        return r;
}

static int on_check(sd_event_source *s, uint64_t usec, void *userdata) {
        struct vb_guard *g = userdata;
        struct guard_run *run = g->run;

        if (!run)
                return 0;
        int64_t busy = atomic_load(&run->busy_since);
        if (busy == 0) {
                /* Idle: stop looking, unless a batch began meanwhile. */
                atomic_store(&g->watched, false);
                if (atomic_load(&run->busy_since) != 0 && !atomic_exchange(&g->watched, true))
                        arm(g);
                return 0;
        }
        /* The hashers' heartbeat: the guard leaves a hasher behind when
         * it outlives its deadline; with all of them stuck, content checks
         * wait for the sweep. Said once each time it happens. */
        unsigned left = atomic_load(&g->hashers_left);
        if (left >= GUARD_HASHERS_MAX && !g->hashers_reported)
                journal_event(VB_MID_GUARD, LOG_CRIT, NULL,
                              "Exec guard: %u hasher threads are stuck reading files (a hung file system?): execs "
                              "whose content is not known yet are allowed and verified by the process sweep.",
                              left);
        g->hashers_reported = left >= GUARD_HASHERS_MAX;
        int64_t stuck = mono_usec() - busy;
        if (stuck < GUARD_STUCK_USEC) {
                arm(g);
                return 0;
        }
        int r = g->restarts >= GUARD_RESTARTS_MAX ? -ELOOP : restart(g, stuck);
        if (r < 0) {
                journal_event(VB_MID_GUARD_RESTART, LOG_CRIT, NULL,
                              "Exec guard thread stuck for %.1f s and %s: vendorband exits so that systemd starts it "
                              "again (the kernel allows the execs it held when the process ends).",
                              stuck / 1e6,
                              r == -EDEADLK ? "holding the policy, so it cannot be replaced in place"
                              : r == -ELOOP ? "restarted too often already"
                                            : "could not be replaced");
                return sd_event_exit(g->event, -EDEADLK);
        }
        atomic_store(&g->watched, false);
        return 0;
}

static int on_kick(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct vb_guard *g = userdata;
        uint64_t n;
        int enabled = SD_EVENT_OFF;

        (void) !read(fd, &n, sizeof n);
        if (sd_event_source_get_enabled(g->check_timer, &enabled) >= 0 && enabled == SD_EVENT_OFF)
                arm(g);
        return 0;
}

int guard_supervise_start(struct vb_guard *g) {
        int r;

        g->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (g->kick_fd < 0)
                return -errno;
        r = sd_event_add_io(g->event, &g->kick_source, g->kick_fd, EPOLLIN, on_kick, g);
        if (r >= 0)
                r = sd_event_add_time(g->event, &g->check_timer, CLOCK_MONOTONIC, UINT64_MAX, 100000, on_check, g);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(g->kick_source, "exec-guard-kick");
        (void) sd_event_source_set_description(g->check_timer, "exec-guard-supervise");
        return sd_event_source_set_enabled(g->check_timer, SD_EVENT_OFF);
}

void guard_supervise_stop(struct vb_guard *g) {
        g->check_timer = sd_event_source_disable_unref(g->check_timer);
        g->kick_source = sd_event_source_disable_unref(g->kick_source);
        if (g->kick_fd >= 0)
                close(g->kick_fd);
        g->kick_fd = -1;
}
