/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's private parts, grouped by the file that defines them:
 * the guard object (guard.c), the fanotify thread and its decisions
 * (guard-thread.c), the hasher thread with its deadline (guard-hash.c). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "filescan.h"
#include "guard-cache.h"
#include "guard.h"
#include "policy.h"
#include "store.h"

#define GUARD_HASH_MAX_SIZE (UINT64_C(64) << 20)      /* larger files are allowed unhashed */
#define GUARD_HASH_TIMEOUT_MS 2000                      /* slower hashes are allowed, finished later */
#define GUARD_CRIT_INTERVAL_USEC (10 * 1000000)         /* one critical entry per 10 s at most */
#define GUARD_LOG_QUEUE_MAX 1024

/* One journal entry queued by the thread for the loop. */
#define GUARD_LOG_FIELDS 12
struct guard_log {
        struct guard_log *next;
        const char *message_id;
        int priority;
        char *message;
        char *fields[GUARD_LOG_FIELDS + 1];     /* "NAME=value", NULL-terminated */
};

struct guard_hasher;

struct vb_guard {
        /* Set before the thread starts, read-only afterwards. */
        char *root;                     /* host prefix without trailing '/'; "" for the host */
        size_t root_len;
        char *self_exe;                 /* /proc/self/exe: never denied */
        pid_t self_pid;
        struct vb_strv mounts;          /* the host paths whose mounts are marked */
        bool active;
        char *off_reason;               /* when not active */
        int fan_fd, stop_fd, log_fd;
        pthread_t thread;
        bool thread_started;
        sd_event_source *log_source;

        /* The policy in force. The loop swaps it under policy_lock; the thread
         * holds the lock for each decision, so once guard_set_policy()
         * returns the old policy is no longer looked at. */
        pthread_mutex_t policy_lock;
        const struct vb_policy *policy;
        char **qhashes;                 /* sha256 of quarantined files, sorted */
        size_t n_qhashes;
        bool needs_content;             /* some ban has sha256 or markers, or something is quarantined */
        char markers_digest[65];        /* of the marker set the cache was filled with */
        struct vb_guard_cache *cache;
        struct guard_hasher *hasher;

        /* Entries for the journal, taken by the loop. */
        pthread_mutex_t log_lock;
        struct guard_log *log_head, *log_tail;
        size_t log_n;
        uint64_t log_dropped;

        /* Owned by the thread. */
        int64_t last_crit_usec;
        uint64_t crit_suppressed;
        uint64_t events, denied, overflows;
};

/* guard.c */
void guard_log_push(struct vb_guard *g, struct guard_log *l);
/* A rate-limited critical entry about a fault that made us allow (thread only). */
void guard_log_fault(struct vb_guard *g, const char *what, const char *path);

/* guard-thread.c */
void *guard_thread(void *userdata);

/* guard-hash.c: one hashing thread, so that a read that hangs (a stuck
 * network file system) cannot hold a permission event past its deadline. */
int hasher_new(struct guard_hasher **ret);
/* Read fd (from offset 0, through a dup) into *ret, waiting timeout_ms at
 * most. -ETIMEDOUT: the hash goes on and its result is handed out later by
 * hasher_take_late(); -EBUSY: still busy with an earlier timed-out file;
 * other negative errno: the read failed. */
int hasher_run(struct guard_hasher *h, int fd, const struct vb_file_key *key, const struct vb_policy *policy,
               unsigned timeout_ms, struct vb_file_content *ret);
bool hasher_take_late(struct guard_hasher *h, struct vb_file_key *ret_key, struct vb_file_content *ret);
/* Stop it: joined when idle, else left to finish and free itself. */
void hasher_release(struct guard_hasher *h);
