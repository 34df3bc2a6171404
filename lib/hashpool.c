/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hashing pool (see hashpool.h). Each slot moves FREE -> QUEUED (by
 * the caller) -> DONE (by a worker) -> FREE (when the caller has taken the
 * result and calls in again). One mutex, two condition variables. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashpool.h"
#include "match-policy.h"

#define HASHPOOL_SLOTS 64
#define HASHPOOL_WORKERS_MAX 8

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE, SLOT_TAKEN };

struct slot {
        enum slot_state state;
        int fd;
        char *path;
        size_t path_cap;
        struct vb_hash_result result;
};

struct vb_hashpool {
        pthread_mutex_t lock;
        pthread_cond_t work;            /* a slot was queued, or stop */
        pthread_cond_t done;            /* a slot finished */
        struct slot slots[HASHPOOL_SLOTS];
        size_t in_flight;               /* QUEUED + RUNNING + DONE */
        bool stop;
        pthread_t workers[HASHPOOL_WORKERS_MAX];
        struct vb_filescan *scanners[HASHPOOL_WORKERS_MAX];
        struct vb_marker_automaton *markers; /* built once, shared by the scanners */
        unsigned n_workers;
};

struct worker_arg {
        struct vb_hashpool *pool;
        struct vb_filescan *scanner;
};

static struct slot *find_slot(struct vb_hashpool *p, enum slot_state state) {
        for (size_t i = 0; i < HASHPOOL_SLOTS; i++)
                if (p->slots[i].state == state)
                        return &p->slots[i];
        return NULL;
}

static void *worker_main(void *userdata) {
        struct worker_arg *a = userdata;
        struct vb_hashpool *p = a->pool;
        struct vb_filescan *scanner = a->scanner;

        free(a);
        pthread_mutex_lock(&p->lock);
        for (;;) {
                struct slot *s = NULL;
                while (!p->stop && !(s = find_slot(p, SLOT_QUEUED)))
                        pthread_cond_wait(&p->work, &p->lock);
                if (p->stop)
                        break;
                s->state = SLOT_RUNNING;
                pthread_mutex_unlock(&p->lock);

                int r = filescan_fd(scanner, s->fd, &s->result.content);
                close(s->fd);
                s->fd = -1;

                pthread_mutex_lock(&p->lock);
                s->result.error = r < 0 ? r : 0;
                s->state = SLOT_DONE;
                pthread_cond_signal(&p->done);
        }
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

/* A pool whose scanners search with markers (taken over: unref'd with
 * the pool; may be NULL for none). */
static int hashpool_new_with(struct vb_marker_automaton *markers, unsigned n_workers, struct vb_hashpool **ret) {
        struct vb_hashpool *p = calloc(1, sizeof *p);
        int r = 0;

        if (!p) {
                marker_automaton_unref(markers);
                return -ENOMEM;
        }
        p->markers = markers;
        if (n_workers == 0) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);
                n_workers = n > 0 ? (unsigned) n : 1;
        }
        if (n_workers > HASHPOOL_WORKERS_MAX)
                n_workers = HASHPOOL_WORKERS_MAX;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->work, NULL);
        pthread_cond_init(&p->done, NULL);
        for (size_t i = 0; i < HASHPOOL_SLOTS; i++)
                p->slots[i].fd = -1;

        for (unsigned i = 0; i < n_workers && r >= 0; i++) {
                struct worker_arg *a = malloc(sizeof *a);
                r = a ? filescan_new_shared(p->markers, &p->scanners[i]) : -ENOMEM;
                if (r < 0) {
                        free(a);
                        break;
                }
                *a = (struct worker_arg) { .pool = p, .scanner = p->scanners[i] };
                r = -pthread_create(&p->workers[i], NULL, worker_main, a);
                if (r < 0) {
                        free(a);
                        filescan_free(p->scanners[i]);
                        p->scanners[i] = NULL;
                        break;
                }
                p->n_workers++;
        }
        if (p->n_workers == 0) {
                hashpool_free(p);
                return r < 0 ? r : -EAGAIN;
        }
        *ret = p;
        return 0;
}

int hashpool_new(const char *const *markers, size_t n_markers, unsigned n_workers, struct vb_hashpool **ret) {
        struct vb_marker_automaton *a = NULL;
        int r;

        if (n_markers > VB_MARKERS_MAX)
                return -EINVAL;
        if (n_markers > 0) {
                r = marker_automaton_new(markers, n_markers, &a);
                if (r < 0)
                        return r;
        }
        return hashpool_new_with(a, n_workers, ret);
}

int hashpool_new_for_policy(const struct vb_policy *pol, unsigned n_workers, struct vb_hashpool **ret) {
        if (pol->index)
                return hashpool_new_with(marker_automaton_ref(pol->index->markers), n_workers, ret);
        return hashpool_new((const char *const *) pol->markers, pol->n_markers, n_workers, ret);
}

void hashpool_free(struct vb_hashpool *p) {
        if (!p)
                return;
        pthread_mutex_lock(&p->lock);
        p->stop = true;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->lock);
        for (unsigned i = 0; i < p->n_workers; i++) {
                pthread_join(p->workers[i], NULL);
                filescan_free(p->scanners[i]);
        }
        for (size_t i = 0; i < HASHPOOL_SLOTS; i++) {
                if (p->slots[i].fd >= 0)
                        close(p->slots[i].fd);
                free(p->slots[i].path);
        }
        marker_automaton_unref(p->markers);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
        pthread_mutex_destroy(&p->lock);
        free(p);
}

/* The result handed out last is given back when the caller calls in. */
static void release_taken(struct vb_hashpool *p) {
        struct slot *s = find_slot(p, SLOT_TAKEN);
        if (s) {
                s->state = SLOT_FREE;
                p->in_flight--;
        }
}

int hashpool_submit(struct vb_hashpool *p, int fd, const char *path, const struct stat *st) {
        size_t len = strlen(path) + 1;
        struct slot *s;

        pthread_mutex_lock(&p->lock);
        release_taken(p);
        while (!(s = find_slot(p, SLOT_FREE))) {
                if (find_slot(p, SLOT_DONE)) {
                        /* Every slot is busy and results wait: the caller
                         * must take them first (the fd stays the caller's). */
                        pthread_mutex_unlock(&p->lock);
                        return -EAGAIN;
                }
                pthread_cond_wait(&p->done, &p->lock);
        }
        if (len > s->path_cap) {
                char *np = realloc(s->path, len);
                if (!np) {
                        pthread_mutex_unlock(&p->lock);
                        close(fd);
                        return -ENOMEM;
                }
                s->path = np;
                s->path_cap = len;
        }
        memcpy(s->path, path, len);
        s->fd = fd;
        s->result = (struct vb_hash_result) { .path = s->path, .st = *st };
        s->state = SLOT_QUEUED;
        p->in_flight++;
        pthread_cond_signal(&p->work);
        pthread_mutex_unlock(&p->lock);
        return 0;
}

int hashpool_next(struct vb_hashpool *p, bool wait, struct vb_hash_result **ret) {
        struct slot *s;

        pthread_mutex_lock(&p->lock);
        release_taken(p);
        while (!(s = find_slot(p, SLOT_DONE)) && wait && p->in_flight > 0)
                pthread_cond_wait(&p->done, &p->lock);
        if (s) {
                s->state = SLOT_TAKEN;
                *ret = &s->result;
        }
        pthread_mutex_unlock(&p->lock);
        return s ? 1 : 0;
}
