/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The store's record of the machine: the files hash cache, the package
 * inventory and the findings. Owns the files, packages and findings tables;
 * never touches the policy tables. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "store-internal.h"
#include "util.h"

static bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

/* Files. */

/* Markers found: an integer while only markers 0..63 are (as always), else
 * a blob of every word, little-endian, so no schema change is needed. */
static bool marker_words_high(const struct vb_file_content *c) {
        for (size_t w = 1; w < VB_MARKER_WORDS; w++)
                if (c->marker_words[w])
                        return true;
        return false;
}

static void marker_words_read(sqlite3_stmt *st, int col, struct vb_file_content *c) {
        const unsigned char *b;
        size_t n;

        if (sqlite3_column_type(st, col) != SQLITE_BLOB) {
                c->marker_hits = column_u64(st, col);
                return;
        }
        b = sqlite3_column_blob(st, col);
        n = (size_t) sqlite3_column_bytes(st, col);
        for (size_t i = 0; b && i < n && i < sizeof c->marker_words; i++)
                c->marker_words[i / 8] |= (uint64_t) b[i] << (8 * (i % 8));
}

static bool file_row_matches(sqlite3_stmt *st, const struct vb_file_key *key, const char *markers_digest) {
        const char *sha = column_text(st, 6);

        return column_u64(st, 0) == key->dev &&
                column_u64(st, 1) == key->ino &&
                column_u64(st, 2) == key->size &&
                sqlite3_column_int64(st, 3) == key->mtime_ns &&
                sqlite3_column_int64(st, 4) == key->ctime_ns &&
                streq_ptr(column_text(st, 5), markers_digest) &&
                sha && strlen(sha) == 64;
}

int store_file_lookup(struct vb_store *s, const char *path, const struct vb_file_key *key,
                      const char *markers_digest, struct vb_file_content *ret) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!path || !key)
                return -EINVAL;

        r = store_prepare(s, STORE_STMT_FILE_LOOKUP,
                          "SELECT dev, ino, size, mtime_ns, ctime_ns, markers_digest, sha256, is_elf, marker_hits "
                          "FROM files WHERE path = ?", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "t", path);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        if (r == 0 || !file_row_matches(st, key, markers_digest))
                return -ENOENT;

        if (ret) {
                *ret = (struct vb_file_content) {
                        .is_elf = sqlite3_column_int(st, 7) != 0,
                        .size = key->size,
                };
                marker_words_read(st, 8, ret);
                memcpy(ret->sha256, column_text(st, 6), sizeof(ret->sha256));
        }
        return 0;
}

int store_file_put(struct vb_store *s, const char *path, const struct vb_file_key *key,
                   const char *markers_digest, const struct vb_file_content *c) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!path || !key || !c)
                return -EINVAL;

        r = store_prepare(s, STORE_STMT_FILE_PUT,
                          "INSERT INTO files (path, dev, ino, size, mtime_ns, ctime_ns, sha256, is_elf, "
                          "                   marker_hits, markers_digest, hashed_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (path) DO UPDATE SET "
                          "        dev = excluded.dev, ino = excluded.ino, size = excluded.size, "
                          "        mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, "
                          "        sha256 = excluded.sha256, is_elf = excluded.is_elf, "
                          "        marker_hits = excluded.marker_hits, markers_digest = excluded.markers_digest, "
                          "        hashed_at = excluded.hashed_at", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "tuuuiitbuti", path, key->dev, key->ino, key->size, key->mtime_ns, key->ctime_ns,
                       c->sha256, (int) c->is_elf, c->marker_hits, markers_digest, now_sec());
        if (r < 0)
                return r;
        unsigned char blob[sizeof c->marker_words];
        if (marker_words_high(c)) {
                for (size_t i = 0; i < sizeof blob; i++)
                        blob[i] = (unsigned char) (c->marker_words[i / 8] >> (8 * (i % 8)));
                if (sqlite3_bind_blob(st, 9, blob, sizeof blob, SQLITE_STATIC) != SQLITE_OK)
                        return -ENOMEM;
        }
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

int store_file_count(struct vb_store *s, size_t *ret) {
        return store_count(s, STORE_STMT_FILE_COUNT, "SELECT count(*) FROM files", ret);
}

/* Packages. */

int store_package_upsert(struct vb_store *s, const struct vb_inventory_entry *e, int64_t now) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!e || !e->name || !e->version || !e->status)
                return -EINVAL;

        r = store_prepare(s, STORE_STMT_PACKAGE_UPSERT,
                          "INSERT INTO packages (name, arch, version, maintainer, status, first_seen, last_seen) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
                          "ON CONFLICT (name, arch) DO UPDATE SET "
                          "        version = excluded.version, maintainer = excluded.maintainer, "
                          "        status = excluded.status, last_seen = excluded.last_seen, "
                          "        first_seen = CASE WHEN removed_at IS NULL THEN first_seen "
                          "                          ELSE excluded.first_seen END, "
                          "        removed_at = NULL", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "ttttti", e->name, e->arch ? e->arch : "", e->version, e->maintainer, e->status,
                       now);
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

int store_packages_sweep(struct vb_store *s, int64_t before) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, STORE_STMT_PACKAGE_SWEEP,
                          "UPDATE packages SET removed_at = ?1 WHERE last_seen < ?1 AND removed_at IS NULL", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "i", before);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        return sqlite3_changes(s->db);
}

int store_package_count(struct vb_store *s, size_t *ret) {
        return store_count(s, STORE_STMT_PACKAGE_COUNT, "SELECT count(*) FROM packages WHERE removed_at IS NULL",
                           ret);
}

/* Findings. */

static enum vb_verdict verdict_from_string(const char *v) {
        if (streq_ptr(v, "block"))
                return VB_VERDICT_BLOCK;
        if (streq_ptr(v, "flag"))
                return VB_VERDICT_FLAG;
        return VB_VERDICT_ALLOW;
}

int store_finding_record(struct vb_store *s, const struct vb_finding *f, int64_t *ret_id, bool *ret_new) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!f || !f->ban || !f->subject)
                return -EINVAL;

        /* n_seen tells an insert (1) from an update (> 1). */
        r = store_prepare(s, STORE_STMT_FINDING_RECORD,
                          "INSERT INTO findings (ban, vendor, subject, package, version, arch, path, sha256, "
                          "                      verdict, indicators, action, mode, first_seen_usec, "
                          "                      last_seen_usec, event_usec, decided_usec, source) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                          "ON CONFLICT (ban, subject, ifnull(package, ''), ifnull(version, ''), ifnull(path, '')) "
                          "DO UPDATE SET "
                          "        last_seen_usec = max(last_seen_usec, excluded.last_seen_usec), "
                          "        verdict = excluded.verdict, indicators = excluded.indicators, "
                          "        action = CASE WHEN action = 'restored' AND sha256 IS excluded.sha256 "
                          "                      THEN 'restored' ELSE excluded.action END, "
                          "        sha256 = excluded.sha256, mode = excluded.mode, n_seen = n_seen + 1, "
                          "        source = ifnull(excluded.source, source), gone_usec = NULL "
                          "RETURNING id, n_seen", &st);
        if (r < 0)
                return r;
        r = store_bind(s, st, "ttttttttttttiiiit", f->ban, f->vendor, f->subject, f->package, f->version,
                       f->arch, f->path, f->sha256, verdict_to_string(f->verdict), f->indicators, f->action,
                       f->mode, f->first_seen_usec ? f->first_seen_usec : f->last_seen_usec,
                       f->last_seen_usec, f->event_usec, f->decided_usec, f->source);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return store_failf(s, -EIO, "recording a finding returned no row");

        if (ret_id)
                *ret_id = sqlite3_column_int64(st, 0);
        if (ret_new)
                *ret_new = sqlite3_column_int64(st, 1) == 1;
        return 0;
}

int store_findings_foreach(struct vb_store *s, int (*cb)(const struct vb_finding *f, void *userdata),
                           void *userdata) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        if (!cb)
                return -EINVAL;

        r = store_prepare(s, STORE_STMT_FINDING_FOREACH,
                          "SELECT id, ban, vendor, subject, package, version, arch, path, sha256, verdict, "
                          "       indicators, action, mode, first_seen_usec, last_seen_usec, event_usec, "
                          "       decided_usec, source, ifnull(gone_usec, 0) "
                          "FROM findings ORDER BY last_seen_usec DESC, id DESC", &st);
        if (r < 0)
                return r;

        while ((r = store_step(s, st)) > 0) {
                struct vb_finding f = {
                        .id = sqlite3_column_int64(st, 0),
                        .ban = column_text(st, 1),
                        .vendor = column_text(st, 2),
                        .subject = column_text(st, 3),
                        .package = column_text(st, 4),
                        .version = column_text(st, 5),
                        .arch = column_text(st, 6),
                        .path = column_text(st, 7),
                        .sha256 = column_text(st, 8),
                        .verdict = verdict_from_string(column_text(st, 9)),
                        .indicators = column_text(st, 10),
                        .action = column_text(st, 11),
                        .mode = column_text(st, 12),
                        .first_seen_usec = sqlite3_column_int64(st, 13),
                        .last_seen_usec = sqlite3_column_int64(st, 14),
                        .event_usec = sqlite3_column_int64(st, 15),
                        .decided_usec = sqlite3_column_int64(st, 16),
                        .source = column_text(st, 17),
                        .gone_usec = sqlite3_column_int64(st, 18),
                };

                r = cb(&f, userdata);
                if (r < 0)
                        return r;
        }
        return r;
}

int store_finding_count(struct vb_store *s, size_t *ret) {
        return store_count(s, STORE_STMT_FINDING_COUNT, "SELECT count(*) FROM findings", ret);
}

/* Gone subjects. */

static int finding_set_gone(struct vb_store *s, int64_t id, int64_t now_usec) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, STORE_STMT_FINDING_GONE_SET,
                          "UPDATE findings SET gone_usec = ?2 WHERE id = ?1 AND gone_usec IS NULL", &st);
        if (r >= 0)
                r = store_bind(s, st, "ii", id, now_usec);
        if (r >= 0)
                r = store_step(s, st);
        return r < 0 ? r : 0;
}

/* File findings not held in the quarantine, as (id, path) pairs. */
static int gone_file_candidates(struct vb_store *s, int64_t **ret_ids, struct vb_strv *ret_paths) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        _cleanup_free_ int64_t *ids = NULL;
        size_t n = 0;
        int r;

        r = store_prepare(s, STORE_STMT_FINDING_GONE_FILES,
                          "SELECT id, path FROM findings f WHERE gone_usec IS NULL AND subject = 'file' "
                          "AND path IS NOT NULL AND NOT EXISTS (SELECT 1 FROM quarantine q "
                          "      WHERE q.finding_id = f.id AND q.state IN ('pending', 'quarantined'))", &st);
        if (r < 0)
                return r;
        while ((r = store_step(s, st)) > 0) {
                int64_t *m = realloc(ids, (n + 1) * sizeof *ids);
                if (!m)
                        return -ENOMEM;
                ids = m;
                ids[n++] = sqlite3_column_int64(st, 0);
                r = strv_push(ret_paths, column_text(st, 1));
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret_ids = TAKE_PTR(ids);
        return (int) n;
}

/* dpkg package findings not yet gone whose name and version installed() denies. */
static int gone_packages(struct vb_store *s, bool (*installed)(const char *name, const char *version, void *ud),
                         void *ud, int64_t now_usec, size_t *gone) {
        _cleanup_free_ int64_t *ids = NULL;
        size_t n = 0;
        int r;

        {
                _cleanup_reset_ sqlite3_stmt *st = NULL;

                /* rpm findings are judged by the rpm pass, not here. */
                r = store_prepare(s, STORE_STMT_FINDING_GONE_PACKAGES,
                                  "SELECT id, package, version FROM findings WHERE gone_usec IS NULL "
                                  "AND subject = 'package' AND package IS NOT NULL "
                                  "AND ifnull(source, 'dpkg') = 'dpkg'", &st);
                if (r < 0)
                        return r;
                while ((r = store_step(s, st)) > 0) {
                        if (installed(column_text(st, 1), column_text(st, 2), ud))
                                continue;
                        int64_t *m = realloc(ids, (n + 1) * sizeof *ids);
                        if (!m)
                                return -ENOMEM;
                        ids = m;
                        ids[n++] = sqlite3_column_int64(st, 0);
                }
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n; i++) {
                r = finding_set_gone(s, ids[i], now_usec);
                if (r < 0)
                        return r;
                (*gone)++;
        }
        return 0;
}

int store_findings_mark_gone(struct vb_store *s, const char *root,
                             bool (*installed)(const char *name, const char *version, void *ud), void *ud,
                             int64_t now_usec, size_t *ret_n) {
        _cleanup_free_ int64_t *ids = NULL;
        _cleanup_(strv_clear) struct vb_strv paths = {};
        size_t gone = 0;
        int r, n;

        if (installed) {
                r = gone_packages(s, installed, ud, now_usec, &gone);
                if (r < 0)
                        return r;
        }

        n = gone_file_candidates(s, &ids, &paths);
        if (n < 0)
                return n;
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *host = path_under_root(root, paths.v[i]);
                struct stat st;

                if (!host)
                        return -ENOMEM;
                if (lstat(host, &st) == 0 || errno != ENOENT)
                        continue;
                r = finding_set_gone(s, ids[i], now_usec);
                if (r < 0)
                        return r;
                gone++;
        }
        if (ret_n)
                *ret_n = gone;
        return 0;
}
