/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action ledger (see store-enforce.h). Enforcement is rare, so these
 * statements are prepared per call rather than cached. */
#include <errno.h>
#include <string.h>

#include "store-enforce.h"
#include "store-internal.h"

static int prepare(struct vb_store *s, const char *sql, sqlite3_stmt **ret) {
        if (!s->db)
                return -EBADF;
        int rc = sqlite3_prepare_v2(s->db, sql, -1, ret, NULL);
        return rc == SQLITE_OK ? 0 : store_fail(s, rc);
}

static void finalizep(sqlite3_stmt **st) {
        sqlite3_finalize(*st);
}
#define _cleanup_finalize_ _cleanup_(finalizep)

int store_action_begin(struct vb_store *s, int64_t finding_id, const char *kind, const char *target,
                       int64_t *ret_id) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "INSERT INTO actions (finding_id, kind, target, state, created_usec) "
                       "VALUES (nullif(?1, 0), ?2, ?3, 'pending', ?4)", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "itti", finding_id, kind, target, now_usec());
        if (r >= 0)
                r = store_step(s, st);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = sqlite3_last_insert_rowid(s->db);
        return 0;
}

int store_action_finish(struct vb_store *s, int64_t id, const char *state, const char *detail) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "UPDATE actions SET state = ?2, detail = ?3, finished_usec = ?4 WHERE id = ?1", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "itti", id, state, detail, now_usec());
        if (r >= 0)
                r = store_step(s, st);
        return r < 0 ? r : 0;
}

int store_actions_foreach(struct vb_store *s, const char *state, int (*cb)(const struct vb_action *a, void *ud),
                          void *ud) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT id, ifnull(finding_id, 0), kind, target, state, detail, created_usec, "
                       "ifnull(finished_usec, 0) FROM actions WHERE ?1 IS NULL OR state = ?1 ORDER BY id", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "t", state);
        while (r >= 0 && (r = store_step(s, st)) > 0) {
                struct vb_action a = {
                        .id = sqlite3_column_int64(st, 0),
                        .finding_id = sqlite3_column_int64(st, 1),
                        .kind = column_text(st, 2),
                        .target = column_text(st, 3),
                        .state = column_text(st, 4),
                        .detail = column_text(st, 5),
                        .created_usec = sqlite3_column_int64(st, 6),
                        .finished_usec = sqlite3_column_int64(st, 7),
                };
                r = cb(&a, ud);
        }
        return r < 0 ? r : 0;
}

int store_blocked_packages(struct vb_store *s, const char *source, int (*cb)(const char *package, void *ud),
                           void *ud) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT DISTINCT package FROM findings WHERE subject = 'package' AND verdict = 'block' "
                       "AND action = 'blocked' AND package IS NOT NULL AND ifnull(source, 'dpkg') = ?1 "
                       "ORDER BY package", &st);
        if (r >= 0)
                r = store_bind(s, st, "t", source);
        while (r >= 0 && (r = store_step(s, st)) > 0)
                r = cb(column_text(st, 0), ud);
        return r < 0 ? r : 0;
}

int store_finding_set_action(struct vb_store *s, int64_t finding_id, const char *action) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "UPDATE findings SET action = ?2 WHERE id = ?1", &st);
        if (r >= 0)
                r = store_bind(s, st, "it", finding_id, action);
        if (r >= 0)
                r = store_step(s, st);
        if (r >= 0 && sqlite3_changes(s->db) == 0)
                r = -ENOENT;
        return r < 0 ? r : 0;
}

int store_finding_is_restored(struct vb_store *s, int64_t finding_id) {
        _cleanup_finalize_ sqlite3_stmt *st = NULL;
        int r;

        r = prepare(s, "SELECT action = 'restored' FROM findings WHERE id = ?1", &st);
        if (r >= 0)
                r = store_bind(s, st, "i", finding_id);
        if (r >= 0)
                r = store_step(s, st);
        if (r < 0)
                return r;
        return r > 0 && sqlite3_column_int(st, 0) ? 1 : 0;
}
