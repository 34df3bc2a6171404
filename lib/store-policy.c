/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled policy in the store: the policy_* tables, replaced as a whole
 * in one transaction, and the indexed lookups the scanners use. Owns no
 * other table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"
#include "util.h"

static bool pattern_is_glob(const char *p) {
        return strpbrk(p, "*?[") != NULL;
}

/* "a\nb\nc", or "" for an empty vector. */
static char *strv_join_lines(const struct vb_strv *v) {
        size_t len = 1;
        char *s, *p;

        for (size_t i = 0; i < v->n; i++)
                len += strlen(v->v[i]) + 1;
        s = p = malloc(len);
        if (!s)
                return NULL;
        *p = '\0';
        for (size_t i = 0; i < v->n; i++)
                p = stpcpy(stpcpy(p, i > 0 ? "\n" : ""), v->v[i]);
        return s;
}

static int compile_clear(struct vb_store *s) {
        static const char *const sql[] = {
                "DELETE FROM policy_exemptions",
                "DELETE FROM policy_indicators",
                "DELETE FROM policy_phases",
                "DELETE FROM policy_bans",
                "DELETE FROM policy_info",
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(sql); i++) {
                r = store_run_once(s, sql[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compile_ban_row(struct vb_store *s, const struct vb_ban *b) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *entities = NULL, *alternatives = NULL;
        int r;

        entities = strv_join_lines(&b->entities);
        alternatives = strv_join_lines(&b->alternatives);
        if (!entities || !alternatives)
                return store_failf(s, -ENOMEM, "out of memory");

        r = store_prepare(s, STORE_STMT_POLICY_BAN_INSERT,
                          "INSERT INTO policy_bans (id, vendor, authority, reference, file, entities, alternatives) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "ttttttt", b->id, b->vendor, b->authority, b->reference, b->file,
                       entities, alternatives);
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

static int compile_phase(struct vb_store *s, const char *ban_id, size_t seq, const struct vb_phase *ph) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, STORE_STMT_POLICY_PHASE_INSERT,
                          "INSERT INTO policy_phases (ban_id, seq, from_date, applies_to, action, reason) "
                          "VALUES (?, ?, ?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "tiittt", ban_id, (int64_t) seq, ph->from, applies_to_string(ph->applies_to),
                       verdict_to_string(ph->action), ph->reason);
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

static int compile_pattern(struct vb_store *s, const char *ban_id, bool exemption, const char *kind,
                           const char *pattern) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (exemption)
                r = store_prepare(s, STORE_STMT_POLICY_EXEMPTION_INSERT,
                                  "INSERT INTO policy_exemptions (ban_id, kind, pattern) VALUES (?, ?, ?)", &st);
        else
                r = store_prepare(s, STORE_STMT_POLICY_INDICATOR_INSERT,
                                  "INSERT INTO policy_indicators (ban_id, kind, pattern, is_glob) "
                                  "VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        if (exemption)
                r = store_bind(s, st, "ttt", ban_id, kind, pattern);
        else
                r = store_bind(s, st, "tttb", ban_id, kind, pattern, (int) pattern_is_glob(pattern));
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

static int compile_patterns(struct vb_store *s, const char *ban_id, bool exemption, const char *kind,
                            const struct vb_strv *v) {
        int r;

        for (size_t i = 0; i < v->n; i++) {
                r = compile_pattern(s, ban_id, exemption, kind, v->v[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int compile_ban(struct vb_store *s, const struct vb_ban *b, size_t *n_indicators) {
        int r;

        r = compile_ban_row(s, b);
        for (size_t i = 0; r >= 0 && i < b->n_phases; i++)
                r = compile_phase(s, b->id, i, &b->phases[i]);
        for (int k = 0; r >= 0 && k < _VB_IND_MAX; k++) {
                r = compile_patterns(s, b->id, false, indicator_kind_to_string(k), &b->match[k]);
                *n_indicators += b->match[k].n;
        }
        if (r >= 0)
                r = compile_patterns(s, b->id, true, "package", &b->exempt_packages);
        if (r >= 0)
                r = compile_patterns(s, b->id, true, "path", &b->exempt_paths);
        return r;
}

static int compile_info(struct vb_store *s, const struct vb_policy *p, int64_t now, size_t n_indicators) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, STORE_STMT_POLICY_INFO_INSERT,
                          "INSERT INTO policy_info (id, digest, markers_digest, loaded_at, n_bans, n_indicators) "
                          "VALUES (1, ?, ?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "ttiii", p->digest, p->markers_digest, now, (int64_t) p->n_bans,
                       (int64_t) n_indicators);
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

/* The whole policy as text, kept to start with when the files break. */
static int compile_last_good(struct vb_store *s, const struct vb_policy *p, int64_t now) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        r = policy_serialize(p, &text);
        if (r < 0)
                return store_failf(s, r, "cannot write the policy as text");
        r = store_prepare(s, STORE_STMT_POLICY_LAST_GOOD_PUT,
                          "INSERT OR REPLACE INTO policy_last_good (id, digest, saved_at, text) VALUES (1, ?, ?, ?)",
                          &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "tit", p->digest, now, text);
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

int store_policy_last_good(struct vb_store *s, struct vb_policy **ret, int64_t *ret_saved_at, struct vb_diag *diag) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        const char *text;
        int r;

        r = store_prepare(s, STORE_STMT_POLICY_LAST_GOOD_GET,
                          "SELECT text, saved_at FROM policy_last_good WHERE id = 1", &st);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;
        text = column_text(st, 0);
        if (!text)
                return -ENOENT;
        if (ret_saved_at)
                *ret_saved_at = sqlite3_column_int64(st, 1);
        r = policy_deserialize(text, ret, diag);
        if (r >= 0)
                (*ret)->last_known_good = true;
        return r;
}

int store_policy_compile(struct vb_store *s, const struct vb_policy *p, int64_t now) {
        size_t n_indicators = 0;
        int r;

        if (!p)
                return -EINVAL;
        if (p->last_known_good)
                return 0;       /* read back from this ledger: it is there, with its date */
        if (s->db && !sqlite3_get_autocommit(s->db))
                return store_failf(s, -EBUSY, "cannot compile the policy inside an open transaction");

        r = store_begin(s);
        if (r < 0)
                return r;

        r = compile_clear(s);
        for (size_t i = 0; r >= 0 && i < p->n_bans; i++)
                r = compile_ban(s, &p->bans[i], &n_indicators);
        if (r >= 0)
                r = compile_info(s, p, now, n_indicators);
        if (r >= 0)
                r = compile_last_good(s, p, now);
        if (r >= 0)
                r = store_commit(s);
        if (r < 0) {
                store_rollback_quiet(s);
                return r;
        }
        return 0;
}

int store_policy_info(struct vb_store *s, struct vb_policy_info *ret) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        const char *digest;
        int r;

        r = store_prepare(s, STORE_STMT_POLICY_INFO_GET,
                          "SELECT digest, loaded_at, n_bans, n_indicators FROM policy_info WHERE id = 1", &st);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return -ENOENT;

        digest = column_text(st, 0);
        *ret = (struct vb_policy_info) {
                .loaded_at = sqlite3_column_int64(st, 1),
                .n_bans = (size_t) sqlite3_column_int64(st, 2),
                .n_indicators = (size_t) sqlite3_column_int64(st, 3),
        };
        snprintf(ret->digest, sizeof(ret->digest), "%s", digest ? digest : "");
        return 0;
}

static int policy_lookup(struct vb_store *s, enum store_stmt_id id, const char *sql, const char *key,
                         int (*cb)(const char *ban_id, const char *pattern, void *userdata), void *userdata) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r, n = 0;

        if (!key || !cb)
                return -EINVAL;

        r = store_prepare(s, id, sql, &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "t", key);
        if (r < 0)
                return r;

        while ((r = store_step(s, st)) > 0) {
                r = cb(column_text(st, 0), column_text(st, 1), userdata);
                if (r < 0)
                        return r;
                n++;
        }
        return r < 0 ? r : n;
}

int store_policy_lookup_package(struct vb_store *s, const char *name,
                                int (*cb)(const char *ban_id, const char *pattern, void *userdata), void *userdata) {
        /* The literal half uses policy_indicators_by_pattern, the glob half
         * walks only the glob rows through policy_indicators_globs. */
        return policy_lookup(s, STORE_STMT_POLICY_LOOKUP_PACKAGE,
                             "SELECT ban_id, pattern FROM policy_indicators "
                             "        WHERE kind = 'package' AND pattern = ?1 AND NOT is_glob "
                             "UNION "
                             "SELECT ban_id, pattern FROM policy_indicators "
                             "        WHERE kind = 'package' AND is_glob AND ?1 GLOB pattern "
                             "ORDER BY 1, 2",
                             name, cb, userdata);
}

int store_policy_lookup_sha256(struct vb_store *s, const char *sha256,
                               int (*cb)(const char *ban_id, const char *pattern, void *userdata), void *userdata) {
        return policy_lookup(s, STORE_STMT_POLICY_LOOKUP_SHA256,
                             "SELECT DISTINCT ban_id, pattern FROM policy_indicators "
                             "        WHERE kind = 'sha256' AND pattern = ?1 "
                             "ORDER BY 1, 2",
                             sha256, cb, userdata);
}
