/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's private parts, grouped by the file that defines them:
 * the guard object (guard.c), the fanotify thread and its decisions
 * (guard-thread.c), the hasher thread with its deadline (guard-hash.c),
 * the process sweep (guard-sweep.c) and the supervision of the thread by
 * the loop (guard-supervise.c). */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "filescan.h"
#include "guard-cache.h"
#include "guard.h"
#include "policy.h"
#include "store.h"

#define GUARD_HASH_MAX_SIZE (UINT64_C(64) << 20)      /* larger files: allowed, verified at once by the sweep */
#define GUARD_HASH_TIMEOUT_MS 2000                      /* slower hashes: allowed, verified by the sweep */
#define GUARD_LEARNED_MAX 4096                          /* contents learned from files denied by path */
#define GUARD_HASHERS_MAX 4                             /* hashers left behind on slow files, at most */
/* Supervision: a thread busy with one batch of events for longer than this
 * is stuck (the hash deadline is 2 s); the loop looks every second while
 * the thread is busy, so an exec waits 4 s at most for a fault of ours. */
#define GUARD_STUCK_USEC (3 * 1000000)
#define GUARD_CHECK_USEC (1 * 1000000)
#define GUARD_RESTARTS_MAX 5                            /* then vendorband exits and systemd restarts it */
#define GUARD_CRIT_INTERVAL_USEC (10 * 1000000)         /* one critical entry per 10 s at most */
#define GUARD_LOG_QUEUE_MAX 1024

/* One journal entry queued by the thread for the loop. */
#define GUARD_LOG_FIELDS 14
struct guard_log {
        struct guard_log *next;
        const char *message_id;
        int priority;
        char *message;
        char *fields[GUARD_LOG_FIELDS + 1];     /* "NAME=value", NULL-terminated */
};

struct guard_hasher;
struct guard_sweep;

/* One run of the fanotify thread: its fd, its hasher and its heartbeat. A
 * stuck run is abandoned (its fd replaced by /dev/null, which releases the
 * pending execs) and a new run takes its place; the old thread exits when
 * it wakes up. */
struct guard_run {
        struct vb_guard *g;
        int fan_fd, stop_fd;
        pthread_t thread;
        bool started;
        struct guard_hasher *hasher;
        atomic_int_fast64_t busy_since;         /* CLOCK_MONOTONIC usec the current batch began; 0 idle */
        atomic_bool abandoned, exited;
        struct guard_run *next;                 /* abandoned runs, kept until their thread exits */
};

struct vb_guard {
        /* Set before the thread starts, read-only afterwards. */
        char *root;                     /* host prefix without trailing '/'; "" for the host */
        size_t root_len;
        pid_t self_pid;
        struct vb_strv mounts;          /* the host paths whose mounts are marked */
        bool mounts_chosen;             /* by the first run; later runs mark the same */
        bool active;
        char *off_reason;               /* when not active */
        int log_fd, kick_fd;
        sd_event *event;
        sd_event_source *log_source;
        sd_event_source *kick_source;           /* the thread began a batch: supervise it */
        sd_event_source *check_timer;           /* looks at the heartbeat while the thread is busy */
        atomic_bool watched;                    /* the loop supervises the current batch */
        struct guard_run *run;                  /* the current run (swapped under policy_lock) */
        struct guard_run *abandoned;            /* stuck runs left behind */
        unsigned restarts;
        bool hashers_reported;                  /* all hashers stuck: said once */
        char *test_freeze_path;                 /* guard-test.h */
        unsigned test_hash_delay_ms;
        char *test_hash_delay_path;
        char self_sha256[65];                   /* our own executable: never denied */
        struct guard_sweep *sweep;
        void (*on_suspect)(const char *path, void *userdata);
        void *on_suspect_userdata;

        /* The policy in force. The loop swaps it under policy_lock; the thread
         * holds the lock for each decision, so once guard_set_policy()
         * returns the old policy is no longer looked at. */
        pthread_mutex_t policy_lock;
        const struct vb_policy *policy;
        char **qhashes;                 /* sha256 of quarantined files, sorted */
        size_t n_qhashes;
        struct vb_strv learned;         /* sha256 of files denied by path: banned under any name */
        bool needs_content;             /* some ban has sha256 or markers, or something is quarantined */
        char markers_digest[65];        /* of the marker set the cache was filled with */
        pthread_mutex_t cache_lock;     /* the cache is shared by the thread and the sweep */
        struct vb_guard_cache *cache;
        atomic_uint hashers_left;       /* hashers left behind on slow files, still running */

        /* Entries for the journal and files to re-check, taken by the loop. */
        pthread_mutex_t log_lock;
        struct guard_log *log_head, *log_tail;
        size_t log_n;
        uint64_t log_dropped;
        struct vb_strv suspects;        /* paths inside the root found running banned content */

        /* Owned by the thread. */
        int64_t last_crit_usec;
        uint64_t crit_suppressed;
        uint64_t events, denied, overflows;
};

/* guard.c */
void guard_log_push(struct vb_guard *g, struct guard_log *l);
/* A rate-limited critical entry about a fault that made us allow (thread only). */
void guard_log_fault(struct vb_guard *g, const char *what, const char *path);
/* Hand a path (inside the root) to the loop, to be evaluated and enforced. */
void guard_suspect_push(struct vb_guard *g, const char *path);
/* A new run: fanotify fd, marks on g->mounts, hasher; the thread not started. */
int guard_run_open(struct vb_guard *g, struct guard_run **ret);
int guard_run_start(struct guard_run *r);
/* Stop and free a run whose thread is not stuck. */
void guard_run_close(struct guard_run *r);
void guard_run_free(struct guard_run *r);
/* Content of a file as the cache knows it (cache_lock taken inside). */
bool guard_content_get(struct vb_guard *g, const struct vb_file_key *key, struct vb_file_content *ret);
void guard_content_put(struct vb_guard *g, const struct vb_file_key *key, const struct vb_file_content *c);
void guard_file_key(const struct stat *st, struct vb_file_key *ret);
/* Is this sha256 banned whatever the path: quarantined or learned (policy_lock held). */
const char *guard_hash_banned(struct vb_guard *g, const char *sha256);

/* guard-thread.c */
void *guard_thread(void *userdata);             /* userdata: struct guard_run */

/* guard-sweep.c: a thread that judges running processes by what they run
 * (their executable and every executable mapping, memfd and deleted files
 * included) and kills those running banned content. Woken by the kernel's
 * exec events (the proc connector) where it is available, by the guard
 * for execs it allowed unverified (at once), and, only where the proc
 * connector is missing, every GUARD_SWEEP_INTERVAL_MS in enforce mode. */
#define GUARD_SWEEP_INTERVAL_MS 5000            /* without the proc connector, in enforce mode */
#define GUARD_SWEEP_LOADER_WATCH_MS 1000        /* how long a loader launch is watched for its program */
int guard_sweep_new(struct vb_guard *g, struct guard_sweep **ret);
void guard_sweep_free(struct guard_sweep *s);
/* Verify the file behind fd (dup'ed) at once, without a deadline, then
 * judge every process (pid first). */
void guard_sweep_verify(struct guard_sweep *s, pid_t pid, int fd);
/* Judge every process now (the set of banned content grew). */
void guard_sweep_all(struct guard_sweep *s);
bool guard_sweep_has_connector(const struct guard_sweep *s);

/* guard-supervise.c */
int guard_supervise_start(struct vb_guard *g);
void guard_supervise_stop(struct vb_guard *g);
/* Thread side: a batch begins (kicks the loop if it does not watch yet). */
void guard_supervise_batch_begin(struct guard_run *r);
void guard_supervise_batch_end(struct guard_run *r);

/* guard-hash.c: one hashing thread, so that a read that hangs (a stuck
 * network file system) cannot hold a permission event past its deadline. */
int hasher_new(struct guard_hasher **ret);
/* Read fd (from offset 0, through a dup) into *ret, waiting timeout_ms at
 * most. -ETIMEDOUT: the hash goes on and its result is handed out later by
 * hasher_take_late(); -EBUSY: still busy with an earlier timed-out file;
 * other negative errno: the read failed. */
int hasher_run(struct guard_hasher *h, int fd, const struct vb_file_key *key, const struct vb_policy *policy,
               unsigned timeout_ms, unsigned test_delay_ms, struct vb_file_content *ret);
bool hasher_is_busy(struct guard_hasher *h);
bool hasher_take_late(struct guard_hasher *h, struct vb_file_key *ret_key, struct vb_file_content *ret);
/* Stop it: joined when idle, else left to finish and free itself (then
 * *left, if not NULL, is decremented). */
void hasher_release(struct guard_hasher *h, atomic_uint *left);
