/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SQLite ledger (WAL): schema and migrations, the compiled policy, the
 * package inventory, the file hash cache and the findings. Prepared
 * statements only; every multi-step change in one transaction; SQLite
 * result codes mapped to negative errno here and nowhere else. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filescan.h"
#include "policy.h"

#define VB_STORE_FILE "vendorban.db"
/* The schema version (PRAGMA user_version) this build creates and reads. */
#define VB_STORE_SCHEMA_VERSION 5

/* One connection with its prepared statements: use it from one thread at
 * a time (each thread that needs the database opens its own). */
struct vb_store;

/* Open (creating and migrating if needed) the database at a host path.
 * read_only: open without creating or migrating (for status queries).
 * Like sqlite3_open(), *ret is set even on failure (except -ENOMEM, where it
 * may be NULL) so that store_errmsg(*ret) can explain; such a store only
 * answers store_errmsg() and must be released with store_free() (use
 * _cleanup_(store_freep)). Errors: -ENOENT (read_only and no file),
 * -EACCES, -EBADMSG (not a database or corrupt), -EPROTONOSUPPORT (schema
 * newer than VB_STORE_SCHEMA_VERSION), -ESTALE (read_only and the schema is
 * older: the daemon upgrades it on its next start), -EBUSY, -EIO. */
int store_open(const char *path, bool read_only, struct vb_store **ret);
void store_free(struct vb_store *s);
static inline void store_freep(struct vb_store **s) {
        if (*s)
                store_free(*s);
}
/* The message of the last failure (SQLite's or ours), for the programs to
 * print. Errors of every function: negative errno, mapped from SQLite as
 * BUSY/LOCKED -EBUSY, FULL -ENOSPC, READONLY -EROFS, CORRUPT/NOTADB
 * -EBADMSG, CANTOPEN -EACCES/-ENOENT, NOMEM -ENOMEM, UNIQUE/PRIMARY KEY
 * -EEXIST, other constraints -EINVAL, PERM/AUTH -EPERM, the rest -EIO. */
const char *store_errmsg(struct vb_store *s);
/* PRAGMA user_version, or negative errno. */
int store_schema_version(struct vb_store *s);
/* How long a write waits for another connection's lock before -EBUSY
 * (default 5000 ms). */
int store_set_busy_timeout(struct vb_store *s, int ms);

/* Batch many writes in one transaction (BEGIN IMMEDIATE). store_begin()
 * with one open: -EBUSY; store_commit() without: -EINVAL; a failed commit
 * leaves the transaction open for store_rollback(), which is a no-op when
 * none is open. */
int store_begin(struct vb_store *s);
int store_commit(struct vb_store *s);
int store_rollback(struct vb_store *s);

/* Replace the compiled policy (bans, phases, indicator tables, and the
 * last-known-good text of the whole policy) in one transaction; on failure
 * the previous one is untouched. Must not be called inside store_begin():
 * -EBUSY. Two bans with the same id: -EEXIST. A policy read back from the
 * ledger (last_known_good) is already there: 0, nothing written. */
int store_policy_compile(struct vb_store *s, const struct vb_policy *p, int64_t now);
struct vb_policy_info {
        char digest[65];
        int64_t loaded_at;
        size_t n_bans;
        size_t n_indicators;
};
int store_policy_info(struct vb_store *s, struct vb_policy_info *ret); /* -ENOENT if none */
/* The last policy compiled successfully (each compile keeps it), read back
 * for a start with broken policy files: -ENOENT if there never was one,
 * -EINVAL (diag filled) if it cannot be read back. *ret_saved_at: when it
 * was compiled (unix seconds). */
int store_policy_last_good(struct vb_store *s, struct vb_policy **ret, int64_t *ret_saved_at, struct vb_diag *diag);
/* Indexed lookups in the compiled policy: ban ids whose package indicator
 * (literal, or SQLite GLOB for patterns with *?[) matches name / whose
 * sha256 list has the hash; each (ban, pattern) once. cb returns <0 to
 * stop, and that value is returned; otherwise the number of matches.
 * cb must not call the same lookup again. */
int store_policy_lookup_package(struct vb_store *s, const char *name,
                                int (*cb)(const char *ban_id, const char *pattern, void *userdata), void *userdata);
int store_policy_lookup_sha256(struct vb_store *s, const char *sha256,
                               int (*cb)(const char *ban_id, const char *pattern, void *userdata), void *userdata);

/* Package inventory. */
struct vb_inventory_entry {
        const char *name;
        const char *arch;               /* "" if none */
        const char *version;
        const char *maintainer;         /* may be NULL */
        const char *status;
};
/* Insert or refresh (last_seen = now). A package seen again after being
 * removed is installed again: removed_at cleared, first_seen = now. */
int store_package_upsert(struct vb_store *s, const struct vb_inventory_entry *e, int64_t now);
/* Mark every package not seen since "before" as removed (removed_at =
 * before). Returns the number of packages marked. */
int store_packages_sweep(struct vb_store *s, int64_t before);
int store_package_count(struct vb_store *s, size_t *ret);      /* not removed */

/* File hash cache, valid while the key and the marker set are unchanged. */
struct vb_file_key {
        uint64_t dev;
        uint64_t ino;
        uint64_t size;
        int64_t mtime_ns;
        int64_t ctime_ns;
};
/* 0 and ret filled on a hit (ret may be NULL); -ENOENT on a miss or a
 * stale entry (any key field or markers_digest different). */
int store_file_lookup(struct vb_store *s, const char *path, const struct vb_file_key *key,
                      const char *markers_digest, struct vb_file_content *ret);
int store_file_put(struct vb_store *s, const char *path, const struct vb_file_key *key,
                   const char *markers_digest, const struct vb_file_content *c);
int store_file_count(struct vb_store *s, size_t *ret);

/* Findings. One row per (ban, subject kind, package, version, path): seeing
 * the same thing again updates last_seen, verdict, indicators, action and
 * mode (first_seen, event and decided times stay those of the first
 * sighting) and returns ret_new = false. ret_id and ret_new may be NULL.
 * A first_seen_usec of 0 is taken from last_seen_usec. */
struct vb_finding {
        int64_t id;
        const char *ban;
        const char *vendor;
        const char *subject;            /* "package" or "file" */
        const char *package;            /* may be NULL for a loose file */
        const char *version;            /* may be NULL */
        const char *arch;               /* may be NULL */
        const char *path;               /* may be NULL for a package */
        const char *sha256;             /* may be NULL */
        enum vb_verdict verdict;
        const char *indicators;         /* "package:kesl, maintainer:*@kaspersky.com*" */
        const char *action;             /* "would-block", "flagged", "blocked", ... */
        const char *mode;               /* "audit" or "enforce" */
        int64_t first_seen_usec;
        int64_t last_seen_usec;
        int64_t event_usec;             /* when the triggering event happened (0 if unknown) */
        int64_t decided_usec;           /* when the verdict was reached and logged */
        const char *source;             /* package database: "dpkg" or "rpm"; NULL for a file */
        int64_t gone_usec;              /* when a scan found the subject gone; 0 while it is there */
};
int store_finding_record(struct vb_store *s, const struct vb_finding *f, int64_t *ret_id, bool *ret_new);
/* Newest first (last_seen, then id). The pointers in the struct are valid
 * during the call only. cb returns <0 to stop, and that value is returned. */
int store_findings_foreach(struct vb_store *s, int (*cb)(const struct vb_finding *f, void *userdata),
                           void *userdata);
int store_finding_count(struct vb_store *s, size_t *ret);
/* Resolve the findings whose subject has gone (gone_usec = now_usec): with
 * installed (a full scan just read the dpkg database), dpkg package
 * findings whose name and version it denies; always, file findings whose
 * path (inside root) no longer exists and that no quarantine row holds. A
 * finding seen again is unresolved by store_finding_record. ret_n (may be
 * NULL): how many were resolved now. */
int store_findings_mark_gone(struct vb_store *s, const char *root,
                             bool (*installed)(const char *name, const char *version, void *ud), void *ud,
                             int64_t now_usec, size_t *ret_n);

/* The enforcement ledger (store-quarantine.c): one quarantine row per file
 * moved aside. struct vb_quarantine_entry is defined in quarantine.h; the
 * strings in it are valid during the call only. Every write here is
 * committed durably (synchronous = FULL) before it returns, and must not
 * be made inside store_begin() (-EBUSY): the row has to be on disk before
 * the file is touched. */
struct vb_quarantine_entry;
/* Insert a row as given (state, path, owner, mode, size, mtime, sha256,
 * stored_name, error, created_usec; id, moved and restored are ignored). */
int store_quarantine_insert(struct vb_store *s, const struct vb_quarantine_entry *e, int64_t *ret_id);
/* Set state and error (NULL clears it); usec goes to moved_usec for
 * 'quarantined', to restored_usec for 'restored', nowhere otherwise.
 * -ENOENT if there is no such row. */
int store_quarantine_set_state(struct vb_store *s, int64_t id, const char *state, const char *error,
                               int64_t usec);
/* Rows in id order: all of them (state NULL) or those in one state. cb
 * returns <0 to stop, and that value is returned; otherwise the number of
 * rows. store_quarantine_get(): that row only, -ENOENT if none. */
int store_quarantine_foreach(struct vb_store *s, const char *state,
                             int (*cb)(const struct vb_quarantine_entry *e, void *userdata), void *userdata);
int store_quarantine_get(struct vb_store *s, int64_t id,
                         int (*cb)(const struct vb_quarantine_entry *e, void *userdata), void *userdata);
/* How many rows other than except_id hold stored_name in the quarantine
 * directory ('pending' or 'quarantined'). */
int store_quarantine_count_stored(struct vb_store *s, const char *stored_name, int64_t except_id, size_t *ret);
/* Is the file at path still the one this connection opened (device and
 * inode)? 0 yes; -ENOENT it was deleted; -ESTALE another file is there
 * now. The connection itself still reads and writes what it opened. */
int store_check_file(struct vb_store *s, const char *path);
/* Close a connection whose file was deleted or replaced (store_check_file)
 * without removing anything by name: the -wal and -shm now at the path
 * may belong to another database. */
void store_free_orphaned(struct vb_store *s);
/* A complete copy of the database as this connection sees it (VACUUM
 * INTO), to path, which must not exist. */
int store_copy_to(struct vb_store *s, const char *path);
/* Add to this database every quarantine row of the database at from_path
 * that it lacks (same stored name, path and creation time), with no
 * finding id (those number the other file's findings). */
int store_quarantine_merge(struct vb_store *s, const char *from_path, size_t *ret_added);
/* For the modules that act on the system and report through the store:
 * remember a message for store_errmsg() and return r (a negative errno). */
int store_action_failf(struct vb_store *s, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
