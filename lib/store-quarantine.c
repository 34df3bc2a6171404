/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The quarantine ledger: owns the quarantine table (the other actions are
 * in store-enforce.c). Every write is committed durably (WAL synced) before it
 * returns, because the caller changes the file system right after relying on it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "quarantine.h"
#include "store-internal.h"
#include "util.h"

int store_action_failf(struct vb_store *s, int r, const char *fmt, ...) {
        _cleanup_free_ char *m = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        return store_failf(s, r, "%s", m ? m : "out of memory");
}

static int store_sync(struct vb_store *s, bool full) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, full ? STORE_STMT_SYNC_FULL : STORE_STMT_SYNC_NORMAL,
                          full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", &st);
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

/* Step a bound write statement as its own transaction, synced to disk
 * when it returns (synchronous can only change outside a transaction). */
static int store_step_durable(struct vb_store *s, sqlite3_stmt *st) {
        int r, k;

        if (!s->db)
                return store_failf(s, -EBADF, "the database is not open");
        if (!sqlite3_get_autocommit(s->db))
                return store_failf(s, -EBUSY, "the quarantine ledger must be written outside a transaction, "
                                   "so that each row is on disk before its file is touched");
        r = store_sync(s, true);
        if (r < 0)
                return r;
        r = store_step(s, st);
        k = store_sync(s, false);
        if (r < 0)
                return r;
        return k < 0 ? k : 0;
}

int store_quarantine_insert(struct vb_store *s, const struct vb_quarantine_entry *e, int64_t *ret_id) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!e || !e->state || !e->path || !e->sha256 || !e->stored_name)
                return -EINVAL;

        r = store_prepare(s, STORE_STMT_QUARANTINE_INSERT,
                          "INSERT INTO quarantine (finding_id, state, path, uid, gid, mode, size, mtime_ns, "
                          "                        sha256, stored_name, error, created_usec) "
                          "VALUES (nullif(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "ittiiiuittti", e->finding_id, e->state, e->path, (int64_t) e->uid,
                       (int64_t) e->gid, (int64_t) e->mode, e->size, e->mtime_ns, e->sha256, e->stored_name,
                       e->error, e->created_usec);
        if (r < 0)
                return r;
        r = store_step_durable(s, st);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = sqlite3_last_insert_rowid(s->db);
        return 0;
}

int store_quarantine_set_state(struct vb_store *s, int64_t id, const char *state, const char *error,
                               int64_t usec) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!state)
                return -EINVAL;

        r = store_prepare(s, STORE_STMT_QUARANTINE_SET_STATE,
                          "UPDATE quarantine SET state = ?2, error = ?3, "
                          "        moved_usec = CASE WHEN ?2 = 'quarantined' THEN ?4 ELSE moved_usec END, "
                          "        restored_usec = CASE WHEN ?2 = 'restored' THEN ?4 ELSE restored_usec END, "
                          "        deleted_usec = CASE WHEN ?2 = 'deleted' THEN ?4 ELSE deleted_usec END "
                          "WHERE id = ?1", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "itti", id, state, error, usec);
        if (r < 0)
                return r;
        r = store_step_durable(s, st);
        if (r < 0)
                return r;
        if (sqlite3_changes(s->db) == 0)
                return store_failf(s, -ENOENT, "no quarantine entry %lld", (long long) id);
        return 0;
}

#define QUARANTINE_COLUMNS \
        "id, ifnull(finding_id, 0), state, path, sha256, stored_name, error, uid, gid, mode, size, " \
        "mtime_ns, created_usec, ifnull(moved_usec, 0), ifnull(restored_usec, 0), ifnull(deleted_usec, 0)"

static void quarantine_entry_from_row(sqlite3_stmt *st, struct vb_quarantine_entry *e) {
        *e = (struct vb_quarantine_entry) {
                .id = sqlite3_column_int64(st, 0),
                .finding_id = sqlite3_column_int64(st, 1),
                .state = column_text(st, 2),
                .path = column_text(st, 3),
                .sha256 = column_text(st, 4),
                .stored_name = column_text(st, 5),
                .error = column_text(st, 6),
                .uid = (uint32_t) sqlite3_column_int64(st, 7),
                .gid = (uint32_t) sqlite3_column_int64(st, 8),
                .mode = (uint32_t) sqlite3_column_int64(st, 9),
                .size = column_u64(st, 10),
                .mtime_ns = sqlite3_column_int64(st, 11),
                .created_usec = sqlite3_column_int64(st, 12),
                .moved_usec = sqlite3_column_int64(st, 13),
                .restored_usec = sqlite3_column_int64(st, 14),
                .deleted_usec = sqlite3_column_int64(st, 15),
        };
}

/* Step st to the end, calling cb per row; the number of rows or cb's stop value. */
static int quarantine_rows(struct vb_store *s, sqlite3_stmt *st,
                           int (*cb)(const struct vb_quarantine_entry *e, void *userdata), void *userdata) {
        struct vb_quarantine_entry e;
        int r, n = 0;

        while ((r = store_step(s, st)) > 0) {
                quarantine_entry_from_row(st, &e);
                if (cb) {
                        r = cb(&e, userdata);
                        if (r < 0)
                                return r;
                }
                n++;
        }
        return r < 0 ? r : n;
}

int store_quarantine_foreach(struct vb_store *s, const char *state,
                             int (*cb)(const struct vb_quarantine_entry *e, void *userdata), void *userdata) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (state) {
                r = store_prepare(s, STORE_STMT_QUARANTINE_FOREACH_STATE,
                                  "SELECT " QUARANTINE_COLUMNS " FROM quarantine WHERE state = ? ORDER BY id", &st);
                if (r >= 0)
                        r = store_bind(s, st, "t", state);
        } else
                r = store_prepare(s, STORE_STMT_QUARANTINE_FOREACH,
                                  "SELECT " QUARANTINE_COLUMNS " FROM quarantine ORDER BY id", &st);
        if (r < 0)
                return r;
        return quarantine_rows(s, st, cb, userdata);
}

int store_quarantine_get(struct vb_store *s, int64_t id,
                         int (*cb)(const struct vb_quarantine_entry *e, void *userdata), void *userdata) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, STORE_STMT_QUARANTINE_GET,
                          "SELECT " QUARANTINE_COLUMNS " FROM quarantine WHERE id = ?", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "i", id);
        if (r < 0)
                return r;
        r = quarantine_rows(s, st, cb, userdata);
        if (r == 0)
                return store_failf(s, -ENOENT, "no quarantine entry %lld", (long long) id);
        return r < 0 ? r : 0;
}

int store_quarantine_count_stored(struct vb_store *s, const char *stored_name, int64_t except_id, size_t *ret) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!stored_name || !ret)
                return -EINVAL;

        r = store_prepare(s, STORE_STMT_QUARANTINE_COUNT_STORED,
                          "SELECT count(*) FROM quarantine "
                          "WHERE sha256 = substr(?1, 1, 64) AND stored_name = ?1 AND id != ?2 "
                          "      AND state IN ('pending', 'quarantined')", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "ti", stored_name, except_id);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return store_failf(s, -EIO, "count query returned no row");
        *ret = (size_t) sqlite3_column_int64(st, 0);
        return 0;
}
