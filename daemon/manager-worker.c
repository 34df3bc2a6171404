/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The work thread: every scan and every batch of events runs here, on a
 * ledger connection of its own, so that the loop only schedules and stays
 * free for signals, events and watchdog pings. A queue of jobs in, a list
 * of finished jobs out (an eventfd wakes the loop); a running scan yields
 * to queued events between files, and stops when cancelled. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "journal.h"
#include "manager.h"

#define WORKER_STOP_WAIT_USEC (800 * 1000)  /* SIGTERM is honoured within 1 s */

struct vb_worker {
        struct vb_manager *m;
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t wake;            /* a job was queued, or stop */
        pthread_cond_t idle;            /* the running job finished, or the thread exited */
        struct vb_job *queue, *queue_tail;
        struct vb_job *done, *done_tail;
        bool busy;
        enum vb_job_kind running;       /* the running job's kind, while busy */
        bool held;                      /* a policy job is done: take no job until worker_resume_held */
        bool stop;
        bool exited;
        atomic_bool cancel;             /* stop the running job */
        atomic_bool events_waiting;     /* an events job is queued: a running scan yields to it */
        int efd;                        /* readable when jobs are done */
        sd_event_source *done_source;
};

static void job_free(struct vb_job *j) {
        if (j) {
                policy_free(j->policy);
                free(j->diag);
        }
        while (j && j->events) {
                struct vb_watch_event *next = j->events->next;
                free(j->events);
                j->events = next;
        }
        free(j);
}

static struct vb_job *queue_pop_locked(struct vb_worker *w, bool events_only) {
        struct vb_job **pp = &w->queue, *prev = NULL;

        for (; *pp; prev = *pp, pp = &(*pp)->next) {
                struct vb_job *j = *pp;
                if (events_only && j->kind != VB_JOB_EVENTS)
                        continue;
                *pp = j->next;
                if (w->queue_tail == j)
                        w->queue_tail = prev;
                j->next = NULL;
                bool more = false;
                for (struct vb_job *k = w->queue; k; k = k->next)
                        more = more || k->kind == VB_JOB_EVENTS;
                atomic_store(&w->events_waiting, more);
                return j;
        }
        return NULL;
}

static void finish(struct vb_worker *w, struct vb_job *j) {
        uint64_t one = 1;

        pthread_mutex_lock(&w->lock);
        if (w->done_tail)
                w->done_tail->next = j;
        else
                w->done = j;
        w->done_tail = j;
        pthread_mutex_unlock(&w->lock);
        (void) !write(w->efd, &one, sizeof one);
}

/* Called by the scan between files when events wait: run them now. */
static void yield_to_events(void *userdata) {
        struct vb_worker *w = userdata;

        for (;;) {
                pthread_mutex_lock(&w->lock);
                struct vb_job *j = w->stop ? NULL : queue_pop_locked(w, true);
                pthread_mutex_unlock(&w->lock);
                if (!j)
                        return;
                manager_job_run(w->m, j, NULL);
                finish(w, j);
        }
}

static void *worker_thread(void *userdata) {
        struct vb_worker *w = userdata;
        struct vb_job_yield y = {
                .cancel = &w->cancel, .yield = &w->events_waiting, .cb = yield_to_events, .userdata = w,
        };

        pthread_mutex_lock(&w->lock);
        for (;;) {
                while (!w->stop && (!w->queue || w->held))
                        pthread_cond_wait(&w->wake, &w->lock);
                if (w->stop)
                        break;
                struct vb_job *j = queue_pop_locked(w, false);
                w->busy = true;
                w->running = j->kind;
                atomic_store(&w->cancel, false);
                pthread_mutex_unlock(&w->lock);

                manager_job_run(w->m, j, &y);
                if (j->kind == VB_JOB_POLICY) {
                        /* The loop swaps the policy in: no job may read it meanwhile. */
                        pthread_mutex_lock(&w->lock);
                        w->held = true;
                        pthread_mutex_unlock(&w->lock);
                }
                finish(w, j);

                pthread_mutex_lock(&w->lock);
                w->busy = false;
                pthread_cond_broadcast(&w->idle);
        }
        w->exited = true;
        pthread_cond_broadcast(&w->idle);
        pthread_mutex_unlock(&w->lock);
        manager_job_thread_exit(w->m);
        return NULL;
}

/* On the loop: hand each finished job to the manager. */
static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct vb_worker *w = userdata;
        uint64_t n;

        (void) !read(w->efd, &n, sizeof n);
        pthread_mutex_lock(&w->lock);
        struct vb_job *list = w->done;
        w->done = w->done_tail = NULL;
        pthread_mutex_unlock(&w->lock);
        while (list) {
                struct vb_job *next = list->next;
                manager_job_done(w->m, list);
                job_free(list);
                list = next;
        }
        return 0;
}

int worker_new(struct vb_manager *m, struct vb_worker **ret) {
        struct vb_worker *w = calloc(1, sizeof *w);
        int r;

        if (!w)
                return -ENOMEM;
        w->m = m;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        pthread_cond_init(&w->idle, NULL);
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r = w->efd < 0 ? -errno : 0;
        if (r >= 0)
                r = sd_event_add_io(m->event, &w->done_source, w->efd, EPOLLIN, on_done, w);
        if (r >= 0) {
                (void) sd_event_source_set_description(w->done_source, "worker-done");
                r = -pthread_create(&w->thread, NULL, worker_thread, w);
                w->started = r >= 0;
        }
        if (r < 0) {
                worker_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

bool worker_free(struct vb_worker *w) {
        bool exited = true;

        if (!w)
                return true;
        if (w->started) {
                struct timespec deadline;
                clock_gettime(CLOCK_REALTIME, &deadline);
                deadline.tv_nsec += WORKER_STOP_WAIT_USEC * 1000L;
                deadline.tv_sec += deadline.tv_nsec / 1000000000L;
                deadline.tv_nsec %= 1000000000L;

                pthread_mutex_lock(&w->lock);
                w->stop = true;
                atomic_store(&w->cancel, true);
                pthread_cond_broadcast(&w->wake);
                while (!w->exited && pthread_cond_timedwait(&w->idle, &w->lock, &deadline) == 0)
                        ;
                exited = w->exited;
                pthread_mutex_unlock(&w->lock);
                if (!exited) {
                        /* A file still being hashed: do not wait for it. The
                         * ledger is left as a crash would leave it, which
                         * the next start repairs. */
                        pthread_detach(w->thread);
                        return false;
                }
                pthread_join(w->thread, NULL);
        }
        for (struct vb_job *j = w->queue, *next; j; j = next) {
                next = j->next;
                job_free(j);
        }
        for (struct vb_job *j = w->done, *next; j; j = next) {
                next = j->next;
                job_free(j);
        }
        sd_event_source_unref(w->done_source);
        if (w->efd >= 0)
                close(w->efd);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        pthread_cond_destroy(&w->idle);
        free(w);
        return true;
}

/* Queue a job. A scan already waiting absorbs a new one (the waiting one
 * widens to the files if either wanted them). */
void worker_submit(struct vb_worker *w, struct vb_job *j) {
        if (!w) {               /* shutting down: the work thread is gone, nothing more is done */
                job_free(j);
                return;
        }
        pthread_mutex_lock(&w->lock);
        if (j->kind == VB_JOB_SCAN)
                for (struct vb_job *k = w->queue; k; k = k->next)
                        if (k->kind == VB_JOB_SCAN) {
                                k->files = k->files || j->files;
                                pthread_mutex_unlock(&w->lock);
                                job_free(j);
                                return;
                        }
        if (w->queue_tail)
                w->queue_tail->next = j;
        else
                w->queue = j;
        w->queue_tail = j;
        if (j->kind == VB_JOB_EVENTS)
                atomic_store(&w->events_waiting, true);
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
}

/* Cancel the running job and hold the thread between jobs (manager.h). */
bool worker_pause(struct vb_worker *w) {
        pthread_mutex_lock(&w->lock);
        bool was_busy = w->busy;
        atomic_store(&w->cancel, true);
        while (w->busy && !w->exited)
                pthread_cond_wait(&w->idle, &w->lock);
        atomic_store(&w->cancel, false);
        /* Keep the lock: the thread cannot take a job until worker_resume. */
        return was_busy;
}

void worker_resume(struct vb_worker *w) {
        pthread_mutex_unlock(&w->lock);
}

void worker_resume_held(struct vb_worker *w) {
        w->held = false;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
}

bool worker_cancel_scans(struct vb_worker *w) {
        bool any = false;

        if (!w)
                return false;
        pthread_mutex_lock(&w->lock);
        for (struct vb_job **pp = &w->queue, *prev = NULL; *pp;) {
                struct vb_job *j = *pp;
                if (j->kind != VB_JOB_SCAN) {
                        prev = j;
                        pp = &j->next;
                        continue;
                }
                *pp = j->next;
                if (w->queue_tail == j)
                        w->queue_tail = prev;
                job_free(j);
                any = true;
        }
        if (w->busy && w->running == VB_JOB_SCAN) {
                atomic_store(&w->cancel, true);
                any = true;
        }
        pthread_mutex_unlock(&w->lock);
        return any;
}

bool worker_busy(struct vb_worker *w) {
        if (!w)
                return true;    /* shutting down: nothing is to start now */
        pthread_mutex_lock(&w->lock);
        bool busy = w->busy || w->queue;
        pthread_mutex_unlock(&w->lock);
        return busy;
}
