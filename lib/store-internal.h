/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to lib/store*.c: the store object, its cache of prepared
 * statements and the helpers every store file uses to bind, step and map
 * errors. Nothing outside lib/store*.c includes this. */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One slot per statement kept prepared for the life of the store. The SQL
 * text is written where the statement is used; the slot only caches it. */
enum store_stmt_id {
        STORE_STMT_USER_VERSION,
        STORE_STMT_BEGIN,
        STORE_STMT_COMMIT,
        STORE_STMT_ROLLBACK,
        STORE_STMT_POLICY_BAN_INSERT,
        STORE_STMT_POLICY_PHASE_INSERT,
        STORE_STMT_POLICY_INDICATOR_INSERT,
        STORE_STMT_POLICY_EXEMPTION_INSERT,
        STORE_STMT_POLICY_INFO_INSERT,
        STORE_STMT_POLICY_INFO_GET,
        STORE_STMT_POLICY_LOOKUP_PACKAGE,
        STORE_STMT_POLICY_LOOKUP_SHA256,
        STORE_STMT_POLICY_LAST_GOOD_PUT,
        STORE_STMT_POLICY_LAST_GOOD_GET,
        STORE_STMT_FILE_LOOKUP,
        STORE_STMT_FILE_PUT,
        STORE_STMT_FILE_COUNT,
        STORE_STMT_PACKAGE_UPSERT,
        STORE_STMT_PACKAGE_SWEEP,
        STORE_STMT_PACKAGE_COUNT,
        STORE_STMT_FINDING_RECORD,
        STORE_STMT_FINDING_FOREACH,
        STORE_STMT_FINDING_COUNT,
        STORE_STMT_SYNC_FULL,
        STORE_STMT_SYNC_NORMAL,
        STORE_STMT_QUARANTINE_INSERT,
        STORE_STMT_QUARANTINE_SET_STATE,
        STORE_STMT_QUARANTINE_FOREACH,
        STORE_STMT_QUARANTINE_FOREACH_STATE,
        STORE_STMT_QUARANTINE_GET,
        STORE_STMT_QUARANTINE_COUNT_STORED,
        STORE_STMT_FINDING_GONE_PACKAGES,
        STORE_STMT_FINDING_GONE_FILES,
        STORE_STMT_FINDING_GONE_SET,
        _STORE_STMT_MAX,
};

struct vb_store {
        sqlite3 *db;                    /* NULL once a failed open has closed it */
        bool read_only;
        uint64_t dev, ino;              /* the file opened (store_check_file); 0 if unknown */
        char *errmsg;                   /* the message of the last failure, ours or SQLite's */
        sqlite3_stmt *stmts[_STORE_STMT_MAX];
};

/* Map an SQLite result code to a negative errno, remember the message. */
int store_fail(struct vb_store *s, int rc);
/* Remember a message of our own and return r (a negative errno). */
int store_failf(struct vb_store *s, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The cached statement for id, prepared from sql on first use. -EBUSY if
 * it is already stepping (a callback re-entering the same query). */
int store_prepare(struct vb_store *s, enum store_stmt_id id, const char *sql, sqlite3_stmt **ret);
/* Bind ?1, ?2, ... in order. types, one letter per value:
 *   t  const char * (NULL binds NULL)
 *   i  int64_t
 *   u  uint64_t, stored as its two's-complement int64 bit pattern
 *   b  bool (promoted to int) */
int store_bind(struct vb_store *s, sqlite3_stmt *st, const char *types, ...);
/* 1 on a row, 0 when done, negative errno on failure. */
int store_step(struct vb_store *s, sqlite3_stmt *st);
/* Prepare, step to completion and finalize a statement used once. */
int store_run_once(struct vb_store *s, const char *sql);
/* Run a "SELECT count(*) ..." statement without parameters. */
int store_count(struct vb_store *s, enum store_stmt_id id, const char *sql, size_t *ret);
/* ROLLBACK if a transaction is open, keeping the saved error message. */
void store_rollback_quiet(struct vb_store *s);

/* For _cleanup_: a cached statement is reset (and unbound), not freed. */
static inline void stmt_resetp(sqlite3_stmt **st) {
        if (*st) {
                sqlite3_reset(*st);
                sqlite3_clear_bindings(*st);
        }
}
#define _cleanup_reset_ _cleanup_(stmt_resetp)

static inline const char *column_text(sqlite3_stmt *st, int i) {
        return (const char *) sqlite3_column_text(st, i);
}

/* The inverse of the 'u' binding. */
static inline uint64_t column_u64(sqlite3_stmt *st, int i) {
        return (uint64_t) sqlite3_column_int64(st, i);
}
