/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's hasher thread (see guard-internal.h). It owns one job at
 * a time: a dup of the event's fd and a scanner built for the job, so it
 * never looks at the policy and may outlive a policy swap or the guard. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "guard-internal.h"

struct guard_hasher {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;            /* CLOCK_MONOTONIC */
        bool stop, detached;
        atomic_uint *left;              /* decremented when a detached hasher ends */
        unsigned test_delay_ms;
        /* The job: posted by hasher_run, finished by the thread. */
        bool busy, has_job, done, abandoned;
        int fd;
        struct vb_filescan *scan;
        struct vb_file_key key;
        struct vb_file_content result;
        int error;
        /* A result that came after its deadline, for the cache. */
        bool has_late;
        struct vb_file_key late_key;
        struct vb_file_content late;
};

static void hasher_free(struct guard_hasher *h) {
        pthread_mutex_destroy(&h->lock);
        pthread_cond_destroy(&h->cond);
        free(h);
}

static void *hasher_thread(void *userdata) {
        struct guard_hasher *h = userdata;

        pthread_mutex_lock(&h->lock);
        for (;;) {
                while (!h->has_job && !h->stop)
                        pthread_cond_wait(&h->cond, &h->lock);
                if (!h->has_job)
                        break;
                h->has_job = false;
                int fd = h->fd;
                struct vb_filescan *scan = h->scan;
                pthread_mutex_unlock(&h->lock);

                struct vb_file_content c = {};
                if (h->test_delay_ms > 0)
                        (void) poll(NULL, 0, (int) h->test_delay_ms);
                int r = lseek(fd, 0, SEEK_SET) < 0 ? -errno : filescan_fd(scan, fd, &c);
                close(fd);
                filescan_free(scan);

                pthread_mutex_lock(&h->lock);
                if (h->abandoned) {
                        if (r >= 0) {
                                h->late_key = h->key;
                                h->late = c;
                                h->has_late = true;
                        }
                } else {
                        h->result = c;
                        h->error = r;
                        h->done = true;
                }
                h->busy = false;
                pthread_cond_broadcast(&h->cond);
                if (h->stop)
                        break;
        }
        bool detached = h->detached;
        atomic_uint *left = h->left;
        pthread_mutex_unlock(&h->lock);
        if (detached) {
                hasher_free(h);
                if (left)
                        atomic_fetch_sub(left, 1);
        }
        return NULL;
}

int hasher_new(struct guard_hasher **ret) {
        struct guard_hasher *h = calloc(1, sizeof *h);
        pthread_condattr_t attr;
        int r;

        if (!h)
                return -ENOMEM;
        pthread_mutex_init(&h->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&h->cond, &attr);
        pthread_condattr_destroy(&attr);
        h->fd = -1;
        r = -pthread_create(&h->thread, NULL, hasher_thread, h);
        if (r < 0) {
                hasher_free(h);
                return r;
        }
        *ret = h;
        return 0;
}

static void deadline_after(struct timespec *ts, unsigned ms) {
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_sec += ms / 1000;
        ts->tv_nsec += (long) (ms % 1000) * 1000000;
        if (ts->tv_nsec >= 1000000000) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000;
        }
}

int hasher_run(struct guard_hasher *h, int fd, const struct vb_file_key *key, const struct vb_policy *policy,
               unsigned timeout_ms, unsigned test_delay_ms, struct vb_file_content *ret) {
        struct vb_filescan *scan = NULL;
        struct timespec deadline;
        int r;

        pthread_mutex_lock(&h->lock);
        bool busy = h->busy;
        pthread_mutex_unlock(&h->lock);
        if (busy)
                return -EBUSY;

        r = filescan_new_for_policy(policy, &scan); /* the policy's automaton, shared */
        if (r < 0)
                return r;
        int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0) {
                r = -errno;
                filescan_free(scan);
                return r;
        }

        deadline_after(&deadline, timeout_ms);
        pthread_mutex_lock(&h->lock);
        h->busy = h->has_job = true;
        h->done = h->abandoned = false;
        h->fd = dfd;
        h->scan = scan;
        h->key = *key;
        h->error = 0;
        h->test_delay_ms = test_delay_ms;
        pthread_cond_broadcast(&h->cond);
        r = 0;
        while (!h->done && r != ETIMEDOUT)
                r = pthread_cond_timedwait(&h->cond, &h->lock, &deadline);
        if (h->done) {
                r = h->error;
                if (r >= 0)
                        *ret = h->result;
        } else {
                h->abandoned = true;
                r = -ETIMEDOUT;
        }
        pthread_mutex_unlock(&h->lock);
        return r;
}

bool hasher_take_late(struct guard_hasher *h, struct vb_file_key *ret_key, struct vb_file_content *ret) {
        pthread_mutex_lock(&h->lock);
        bool has = h->has_late;
        if (has) {
                *ret_key = h->late_key;
                *ret = h->late;
                h->has_late = false;
        }
        pthread_mutex_unlock(&h->lock);
        return has;
}

bool hasher_is_busy(struct guard_hasher *h) {
        pthread_mutex_lock(&h->lock);
        bool busy = h->busy;
        pthread_mutex_unlock(&h->lock);
        return busy;
}

void hasher_release(struct guard_hasher *h, atomic_uint *left) {
        if (!h)
                return;
        pthread_mutex_lock(&h->lock);
        h->stop = true;
        bool busy = h->busy;
        pthread_t t = h->thread;
        if (busy) {
                h->detached = true;
                h->left = left;
                if (left)
                        atomic_fetch_add(left, 1);
        }
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
        if (busy) {
                pthread_detach(t);
                return;
        }
        pthread_join(t, NULL);
        hasher_free(h);
}
