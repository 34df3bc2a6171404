/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The store's connection: open, pragmas, schema migrations, transactions,
 * the statement cache and the one mapping of SQLite result codes to errno.
 * The policy tables live in store-policy.c, the rest in store-ledger.c. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-internal.h"
#include "util.h"

#define STORE_BUSY_TIMEOUT_MS 5000

/* Schema v1. The comments are kept by SQLite and shown by ".schema". */
static const char schema_v1[] =
        "CREATE TABLE policy_info (\n"
        "        -- The compiled policy as a whole; one row, written by each compile.\n"
        "        id INTEGER PRIMARY KEY CHECK (id = 1),\n"
        "        digest TEXT NOT NULL,            -- sha256 over every policy file loaded\n"
        "        markers_digest TEXT NOT NULL,    -- sha256 over the marker set (keys the files cache)\n"
        "        loaded_at INTEGER NOT NULL,      -- unix seconds\n"
        "        n_bans INTEGER NOT NULL,\n"
        "        n_indicators INTEGER NOT NULL\n"
        ");\n"
        "CREATE TABLE policy_bans (\n"
        "        -- One row per ban definition (one bans.d file).\n"
        "        id TEXT PRIMARY KEY,\n"
        "        vendor TEXT NOT NULL,\n"
        "        authority TEXT NOT NULL,\n"
        "        reference TEXT,\n"
        "        file TEXT,                       -- host path it was loaded from\n"
        "        entities TEXT NOT NULL,          -- newline-joined\n"
        "        alternatives TEXT NOT NULL       -- newline-joined, '' if none\n"
        ");\n"
        "CREATE TABLE policy_phases (\n"
        "        -- The dated steps of a ban, in file order (seq).\n"
        "        ban_id TEXT NOT NULL REFERENCES policy_bans (id),\n"
        "        seq INTEGER NOT NULL,\n"
        "        from_date INTEGER NOT NULL,      -- unix seconds, 00:00 UTC\n"
        "        applies_to TEXT NOT NULL CHECK (applies_to IN ('new-installs', 'existing', 'all')),\n"
        "        action TEXT NOT NULL CHECK (action IN ('flag', 'block')),\n"
        "        reason TEXT,\n"
        "        PRIMARY KEY (ban_id, seq)\n"
        ");\n"
        "CREATE TABLE policy_indicators (\n"
        "        -- Every match pattern of every ban; is_glob if it holds any of *?[.\n"
        "        ban_id TEXT NOT NULL REFERENCES policy_bans (id),\n"
        "        kind TEXT NOT NULL,              -- indicator_kind_to_string()\n"
        "        pattern TEXT NOT NULL,\n"
        "        is_glob INTEGER NOT NULL CHECK (is_glob IN (0, 1))\n"
        ");\n"
        "CREATE INDEX policy_indicators_by_pattern ON policy_indicators (kind, pattern);\n"
        "CREATE INDEX policy_indicators_globs ON policy_indicators (kind) WHERE is_glob;\n"
        "CREATE INDEX policy_indicators_by_ban ON policy_indicators (ban_id);\n"
        "CREATE TABLE policy_exemptions (\n"
        "        -- Package-name and path globs a ban does not apply to.\n"
        "        ban_id TEXT NOT NULL REFERENCES policy_bans (id),\n"
        "        kind TEXT NOT NULL CHECK (kind IN ('package', 'path')),\n"
        "        pattern TEXT NOT NULL\n"
        ");\n"
        "CREATE INDEX policy_exemptions_by_ban ON policy_exemptions (ban_id);\n"
        "CREATE TABLE packages (\n"
        "        -- The package inventory; rows of removed packages are kept with removed_at.\n"
        "        name TEXT NOT NULL,\n"
        "        arch TEXT NOT NULL DEFAULT '',   -- '' if the manager has none\n"
        "        version TEXT NOT NULL,\n"
        "        maintainer TEXT,\n"
        "        status TEXT NOT NULL,\n"
        "        first_seen INTEGER NOT NULL,     -- unix seconds, of the current installation\n"
        "        last_seen INTEGER NOT NULL,\n"
        "        removed_at INTEGER,              -- NULL while installed\n"
        "        PRIMARY KEY (name, arch)\n"
        ") WITHOUT ROWID;\n"
        "CREATE INDEX packages_installed ON packages (last_seen) WHERE removed_at IS NULL;\n"
        "CREATE TABLE files (\n"
        "        -- The hash cache: valid while the stat key and the marker set are unchanged.\n"
        "        path TEXT PRIMARY KEY,           -- host path\n"
        "        dev INTEGER NOT NULL,            -- uint64 stored as its int64 bit pattern\n"
        "        ino INTEGER NOT NULL,            -- likewise\n"
        "        size INTEGER NOT NULL,           -- likewise\n"
        "        mtime_ns INTEGER NOT NULL,\n"
        "        ctime_ns INTEGER NOT NULL,\n"
        "        sha256 TEXT NOT NULL,\n"
        "        is_elf INTEGER NOT NULL,\n"
        "        marker_hits INTEGER NOT NULL,    -- uint64 bit set, stored as int64\n"
        "        markers_digest TEXT,             -- the marker set the hits were searched for\n"
        "        hashed_at INTEGER NOT NULL       -- unix seconds\n"
        ") WITHOUT ROWID;\n"
        "CREATE TABLE findings (\n"
        "        -- What was found, one row per (ban, subject, package, version, path).\n"
        "        -- ban is deliberately no foreign key: findings outlive policy reloads.\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        ban TEXT NOT NULL,\n"
        "        vendor TEXT,\n"
        "        subject TEXT NOT NULL,           -- 'package' or 'file'\n"
        "        package TEXT,\n"
        "        version TEXT,\n"
        "        arch TEXT,\n"
        "        path TEXT,\n"
        "        sha256 TEXT,\n"
        "        verdict TEXT NOT NULL,           -- verdict_to_string()\n"
        "        indicators TEXT,\n"
        "        action TEXT,\n"
        "        mode TEXT,\n"
        "        n_seen INTEGER NOT NULL DEFAULT 1,\n"
        "        first_seen_usec INTEGER NOT NULL,\n"
        "        last_seen_usec INTEGER NOT NULL,\n"
        "        event_usec INTEGER NOT NULL,     -- of the first sighting; 0 if unknown\n"
        "        decided_usec INTEGER NOT NULL    -- of the first sighting\n"
        ");\n"
        "CREATE UNIQUE INDEX findings_key ON findings\n"
        "        (ban, subject, ifnull(package, ''), ifnull(version, ''), ifnull(path, ''));\n"
        "CREATE INDEX findings_newest ON findings (last_seen_usec DESC, id DESC);\n"
        "PRAGMA user_version = 1;\n";

/* Schema v2: the enforcement ledger. A quarantine row is written and
 * committed before its file is touched, so a crash mid-move is repaired
 * from it on the next start (quarantine_recover()). */
static const char schema_v2[] =
        "CREATE TABLE quarantine (\n"
        "        -- One row per file moved (or about to be moved) into the quarantine directory.\n"
        "        -- finding_id is deliberately no foreign key, like findings.ban.\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        finding_id INTEGER,              -- NULL if not from a finding\n"
        "        state TEXT NOT NULL CHECK (state IN ('pending', 'quarantined', 'restored', 'rolled-back', 'failed')),\n"
        "        path TEXT NOT NULL,              -- original path, inside the root\n"
        "        uid INTEGER NOT NULL,\n"
        "        gid INTEGER NOT NULL,\n"
        "        mode INTEGER NOT NULL,           -- permission bits (07777) of the original\n"
        "        size INTEGER NOT NULL,\n"
        "        mtime_ns INTEGER NOT NULL,\n"
        "        sha256 TEXT NOT NULL,\n"
        "        stored_name TEXT NOT NULL,       -- file name in the quarantine directory: sha256[.N]\n"
        "        error TEXT,                      -- why it failed, or NULL\n"
        "        created_usec INTEGER NOT NULL,\n"
        "        moved_usec INTEGER,\n"
        "        restored_usec INTEGER\n"
        ");\n"
        "CREATE INDEX quarantine_by_state ON quarantine (state);\n"
        "CREATE INDEX quarantine_by_sha256 ON quarantine (sha256);\n"
        "CREATE TABLE actions (\n"
        "        -- Every other enforcement step (store-enforce.c): written 'pending'\n"
        "        -- and committed before the step, finished after it.\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        finding_id INTEGER,\n"
        "        kind TEXT NOT NULL CHECK (kind IN ('stop-process', 'stop-unit', 'mask-unit', 'apt-pin')),\n"
        "        target TEXT NOT NULL,\n"
        "        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'undone')),\n"
        "        detail TEXT,\n"
        "        created_usec INTEGER NOT NULL,\n"
        "        finished_usec INTEGER\n"
        ");\n"
        "CREATE INDEX actions_by_state ON actions (state);\n"
        "PRAGMA user_version = 2;\n";

/* Schema v3: the last policy compiled successfully, whole, as text
 * (policy_serialize()), so that vendorband can start with it when the
 * policy files are broken. Written with every compile. */
static const char schema_v3[] =
        "CREATE TABLE policy_last_good (\n"
        "        -- One row: the last policy loaded without an error, as libconfig text.\n"
        "        id INTEGER PRIMARY KEY CHECK (id = 1),\n"
        "        digest TEXT NOT NULL,            -- of the files it was loaded from\n"
        "        saved_at INTEGER NOT NULL,       -- unix seconds\n"
        "        text TEXT NOT NULL\n"
        ");\n"
        "PRAGMA user_version = 3;\n";

/* Schema v4: which package database a package finding came from
 * ('dpkg' or 'rpm'; NULL for files and for rows older than v4). */
static const char schema_v4[] =
        "ALTER TABLE findings ADD COLUMN source TEXT;\n"
        "PRAGMA user_version = 4;\n";

/* Schema v5: a finding whose package or file has gone since (removed by
 * the admin, its quarantined copy deleted) is resolved, with the time a
 * scan noticed it; a quarantined copy can be deleted (state 'deleted', the
 * row kept). SQLite cannot change a CHECK: the quarantine table is rebuilt. */
static const char schema_v5[] =
        "ALTER TABLE findings ADD COLUMN gone_usec INTEGER;  -- NULL while the subject is there\n"
        "CREATE TABLE quarantine_v5 (\n"
        "        -- One row per file moved (or about to be moved) into the quarantine directory.\n"
        "        -- finding_id is deliberately no foreign key, like findings.ban.\n"
        "        id INTEGER PRIMARY KEY,\n"
        "        finding_id INTEGER,              -- NULL if not from a finding\n"
        "        state TEXT NOT NULL CHECK (state IN ('pending', 'quarantined', 'restored', 'rolled-back', 'failed',\n"
        "                                             'deleted')),\n"
        "        path TEXT NOT NULL,              -- original path, inside the root\n"
        "        uid INTEGER NOT NULL,\n"
        "        gid INTEGER NOT NULL,\n"
        "        mode INTEGER NOT NULL,           -- permission bits (07777) of the original\n"
        "        size INTEGER NOT NULL,\n"
        "        mtime_ns INTEGER NOT NULL,\n"
        "        sha256 TEXT NOT NULL,\n"
        "        stored_name TEXT NOT NULL,       -- file name in the quarantine directory: sha256[.N]\n"
        "        error TEXT,                      -- why it failed, or NULL\n"
        "        created_usec INTEGER NOT NULL,\n"
        "        moved_usec INTEGER,\n"
        "        restored_usec INTEGER,\n"
        "        deleted_usec INTEGER             -- the stored copy removed (quarantine delete, retention)\n"
        ");\n"
        "INSERT INTO quarantine_v5 (id, finding_id, state, path, uid, gid, mode, size, mtime_ns, sha256,\n"
        "                           stored_name, error, created_usec, moved_usec, restored_usec)\n"
        "        SELECT id, finding_id, state, path, uid, gid, mode, size, mtime_ns, sha256,\n"
        "               stored_name, error, created_usec, moved_usec, restored_usec FROM quarantine;\n"
        "DROP TABLE quarantine;\n"
        "ALTER TABLE quarantine_v5 RENAME TO quarantine;\n"
        "CREATE INDEX quarantine_by_state ON quarantine (state);\n"
        "CREATE INDEX quarantine_by_sha256 ON quarantine (sha256);\n"
        "PRAGMA user_version = 5;\n";

/* Each step runs in its own transaction and must end by setting
 * user_version to its own number (checked after it ran). */
struct store_migration {
        int version;
        const char *sql;
};

static const struct store_migration migrations[] = {
        { 1, schema_v1 },
        { 2, schema_v2 },
        { 3, schema_v3 },
        { 4, schema_v4 },
        { 5, schema_v5 },
};

_Static_assert(ELEMENTSOF(migrations) == VB_STORE_SCHEMA_VERSION, "one migration per schema version");

/* The one place SQLite result codes become errno. */
static int errno_from_sqlite(sqlite3 *db, int rc) {
        switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
        case SQLITE_CONSTRAINT_ROWID:
                return -EEXIST;
        case SQLITE_IOERR_NOMEM:
                return -ENOMEM;
        }

        switch (rc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_CANTOPEN:
                return db && sqlite3_system_errno(db) == ENOENT ? -ENOENT : -EACCES;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CONSTRAINT:
                /* NOT NULL, CHECK, FOREIGN KEY: the caller passed bad data. */
                return -EINVAL;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EPERM;
        default:
                return -EIO;
        }
}

static void store_set_errmsg(struct vb_store *s, char *msg) {
        if (!msg)
                return;         /* out of memory: keep the older message */
        free(s->errmsg);
        s->errmsg = msg;
}

int store_fail(struct vb_store *s, int rc) {
        const char *m = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

        store_set_errmsg(s, strdup(m ? m : sqlite3_errstr(rc)));
        return errno_from_sqlite(s->db, rc);
}

int store_failf(struct vb_store *s, int r, const char *fmt, ...) {
        va_list ap;
        char *m;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        store_set_errmsg(s, m);
        return r;
}

const char *store_errmsg(struct vb_store *s) {
        if (!s)
                return "out of memory";
        if (s->errmsg)
                return s->errmsg;
        return s->db ? sqlite3_errmsg(s->db) : "no error";
}

int store_prepare(struct vb_store *s, enum store_stmt_id id, const char *sql, sqlite3_stmt **ret) {
        int rc;

        assert(id < _STORE_STMT_MAX);
        if (!s->db)
                return store_failf(s, -EBADF, "the database is not open");

        if (!s->stmts[id]) {
                rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id], NULL);
                if (rc != SQLITE_OK)
                        return store_fail(s, rc);
        } else if (sqlite3_stmt_busy(s->stmts[id]))
                return store_failf(s, -EBUSY, "store query re-entered from its own callback");

        *ret = s->stmts[id];
        return 0;
}

static int store_bind_one(sqlite3_stmt *st, int i, char type, va_list *ap) {
        const char *t;

        switch (type) {
        case 't':
                t = va_arg(*ap, const char *);
                return t ? sqlite3_bind_text(st, i, t, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
        case 'i':
                return sqlite3_bind_int64(st, i, va_arg(*ap, int64_t));
        case 'u':
                /* Two's complement, so column_u64() gets the same bits back. */
                return sqlite3_bind_int64(st, i, (sqlite3_int64) va_arg(*ap, uint64_t));
        case 'b':
                return sqlite3_bind_int(st, i, va_arg(*ap, int) ? 1 : 0);
        default:
                return SQLITE_MISUSE;
        }
}

int store_bind(struct vb_store *s, sqlite3_stmt *st, const char *types, ...) {
        va_list ap;
        int rc = SQLITE_OK;

        va_start(ap, types);
        for (int i = 0; types[i] && rc == SQLITE_OK; i++)
                rc = store_bind_one(st, i + 1, types[i], &ap);
        va_end(ap);

        return rc == SQLITE_OK ? 0 : store_fail(s, rc);
}

int store_step(struct vb_store *s, sqlite3_stmt *st) {
        int rc = sqlite3_step(st);

        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return store_fail(s, rc);
}

int store_run_once(struct vb_store *s, const char *sql) {
        sqlite3_stmt *st = NULL;
        int rc, r;

        rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return store_fail(s, rc);
        do
                r = store_step(s, st);
        while (r > 0);
        sqlite3_finalize(st);
        return r;
}

int store_count(struct vb_store *s, enum store_stmt_id id, const char *sql, size_t *ret) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, id, sql, &st);
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

int store_schema_version(struct vb_store *s) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, STORE_STMT_USER_VERSION, "PRAGMA user_version", &st);
        if (r < 0)
                return r;
        r = store_step(s, st);
        if (r < 0)
                return r;
        if (r == 0)
                return store_failf(s, -EIO, "PRAGMA user_version returned no row");
        return sqlite3_column_int(st, 0);
}

int store_set_busy_timeout(struct vb_store *s, int ms) {
        int rc;

        if (!s->db)
                return store_failf(s, -EBADF, "the database is not open");
        rc = sqlite3_busy_timeout(s->db, ms);
        return rc == SQLITE_OK ? 0 : store_fail(s, rc);
}

/* Transactions. */

static int store_tx_step(struct vb_store *s, enum store_stmt_id id, const char *sql) {
        _cleanup_reset_ sqlite3_stmt *st = NULL;
        int r;

        r = store_prepare(s, id, sql, &st);
        if (r < 0)
                return r;
        r = store_step(s, st);
        return r < 0 ? r : 0;
}

int store_begin(struct vb_store *s) {
        if (s->db && !sqlite3_get_autocommit(s->db))
                return store_failf(s, -EBUSY, "a transaction is already open");
        return store_tx_step(s, STORE_STMT_BEGIN, "BEGIN IMMEDIATE");
}

int store_commit(struct vb_store *s) {
        if (s->db && sqlite3_get_autocommit(s->db))
                return store_failf(s, -EINVAL, "no transaction is open");
        return store_tx_step(s, STORE_STMT_COMMIT, "COMMIT");
}

int store_rollback(struct vb_store *s) {
        if (s->db && sqlite3_get_autocommit(s->db))
                return 0;
        return store_tx_step(s, STORE_STMT_ROLLBACK, "ROLLBACK");
}

void store_rollback_quiet(struct vb_store *s) {
        char *saved = s->errmsg;

        /* SQLite may already have rolled back on its own (after FULL, IOERR…). */
        s->errmsg = NULL;
        (void) store_rollback(s);
        free(s->errmsg);
        s->errmsg = saved;
}

/* Open and migrate. */

static int store_run_migration(struct vb_store *s, const struct store_migration *m) {
        int r, v;

        r = store_begin(s);
        if (r < 0)
                return r;

        /* Re-read under the write lock: another process may have run it. */
        v = store_schema_version(s);
        if (v >= 0 && v < m->version) {
                int rc = sqlite3_exec(s->db, m->sql, NULL, NULL, NULL);
                v = rc == SQLITE_OK ? store_schema_version(s) : store_fail(s, rc);
                if (v >= 0 && v != m->version)
                        v = store_failf(s, -EIO, "migration to schema %d left user_version at %d",
                                        m->version, v);
        }
        r = v < 0 ? v : store_commit(s);
        if (r < 0) {
                store_rollback_quiet(s);
                return r;
        }
        return 0;
}

static int store_migrate(struct vb_store *s) {
        int r, v;

        v = store_schema_version(s);
        if (v < 0)
                return v;
        if (v > VB_STORE_SCHEMA_VERSION)
                return store_failf(s, -EPROTONOSUPPORT,
                                   "database schema version %d is newer than the %d this program knows; "
                                   "upgrade vendorban or restore an older database", v, VB_STORE_SCHEMA_VERSION);
        if (s->read_only) {
                if (v < VB_STORE_SCHEMA_VERSION)
                        return store_failf(s, -ESTALE,
                                           "database schema version %d is older than %d; start vendorband once to upgrade it",
                                           v, VB_STORE_SCHEMA_VERSION);
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(migrations); i++) {
                if (migrations[i].version <= v)
                        continue;
                r = store_run_migration(s, &migrations[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int store_configure(struct vb_store *s) {
        int rc, r;

        sqlite3_extended_result_codes(s->db, 1);
        rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
        if (rc != SQLITE_OK)
                return store_fail(s, rc);
        rc = sqlite3_exec(s->db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return store_fail(s, rc);

        /* The first read of the file: a file that is no database fails here. */
        r = store_schema_version(s);
        if (r < 0)
                return r;

        if (!s->read_only) {
                /* The -wal and -shm stay after the last writer closes, so that
                 * a reader without write access to the directory (the auditor
                 * group) can open the ledger while no writer runs. */
                int one = 1;
                (void) sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
                rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
                if (rc != SQLITE_OK)
                        return store_fail(s, rc);
        }
        return 0;
}

/* "file:PATH?immutable=1" with PATH percent-escaped where a URI needs it. */
static char *store_immutable_uri(const char *path) {
        size_t n = strlen(path);
        char *u = malloc(3 * n + sizeof "file:?immutable=1"), *o = u;

        if (!u)
                return NULL;
        o = stpcpy(o, "file:");
        for (const char *p = path; *p; p++) {
                if (*p == '%' || *p == '?' || *p == '#' || (unsigned char) *p < 0x20)
                        o += sprintf(o, "%%%02X", (unsigned char) *p);
                else
                        *o++ = *p;
        }
        strcpy(o, "?immutable=1");
        return u;
}

/* A WAL ledger that no writer holds open, read by someone who may not create
 * its -wal and -shm (the auditor group, a read-only mount): with no -wal
 * file, the main file holds every committed row, so it is read as immutable. */
static bool store_wants_immutable(const char *path) {
        _cleanup_free_ char *wal = NULL;

        if (asprintf(&wal, "%s-wal", path) < 0)
                return false;
        return access(wal, F_OK) < 0 && errno == ENOENT && access(path, R_OK) == 0;
}

static void store_close_db(struct vb_store *s) {
        for (size_t i = 0; i < _STORE_STMT_MAX; i++) {
                sqlite3_finalize(s->stmts[i]);
                s->stmts[i] = NULL;
        }
        sqlite3_close_v2(s->db);
        s->db = NULL;
}

int store_open(const char *path, bool read_only, struct vb_store **ret) {
        struct vb_store *s;
        int flags, rc, r;

        assert(path);
        assert(ret);

        *ret = NULL;
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->read_only = read_only;

        /* One connection per thread (store.h): no SQLite mutexes needed. */
        flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
        rc = sqlite3_open_v2(path, &s->db, flags, NULL);
        if (!s->db)
                r = store_failf(s, -ENOMEM, "out of memory opening %s", path);
        else if (rc != SQLITE_OK)
                r = store_fail(s, rc);
        else
                r = store_configure(s);
        if ((r == -EACCES || r == -EROFS) && read_only && store_wants_immutable(path)) {
                _cleanup_free_ char *uri = store_immutable_uri(path);

                store_close_db(s);
                rc = uri ? sqlite3_open_v2(uri, &s->db, flags | SQLITE_OPEN_URI, NULL) : SQLITE_NOMEM;
                r = !s->db ? -ENOMEM : rc != SQLITE_OK ? store_fail(s, rc) : store_configure(s);
        }
        if (r >= 0)
                r = store_migrate(s);
        if (r >= 0) {
                struct stat st;
                if (stat(path, &st) == 0)
                        s->dev = st.st_dev, s->ino = st.st_ino;
        }

        if (r < 0)
                store_close_db(s);      /* keep s for store_errmsg() */
        *ret = s;
        return r < 0 ? r : 0;
}

void store_free(struct vb_store *s) {
        if (!s)
                return;
        store_close_db(s);
        free(s->errmsg);
        free(s);
}

void store_free_orphaned(struct vb_store *s) {
        int persist = 1;

        if (s && s->db)
                (void) sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
        store_free(s);
}

int store_check_file(struct vb_store *s, const char *path) {
        struct stat st;

        if (!s->db)
                return store_failf(s, -EBADF, "the database is not open");
        if (stat(path, &st) < 0)
                return errno == ENOENT ? store_failf(s, -ENOENT, "%s was deleted", path) : -errno;
        if (s->ino != 0 && (st.st_dev != s->dev || st.st_ino != s->ino))
                return store_failf(s, -ESTALE, "%s is another file now (device %llu inode %llu, was %llu %llu)",
                                   path, (unsigned long long) st.st_dev, (unsigned long long) st.st_ino,
                                   (unsigned long long) s->dev, (unsigned long long) s->ino);
        return 0;
}

/* SQL text with a quoted file name: the name is bound, never pasted. */
static int exec_with_path(struct vb_store *s, const char *sql, const char *path) {
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
                if (rc == SQLITE_OK)
                        rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE || rc == SQLITE_OK ? 0 : store_fail(s, rc);
}

int store_copy_to(struct vb_store *s, const char *path) {
        if (!s->db)
                return store_failf(s, -EBADF, "the database is not open");
        return exec_with_path(s, "VACUUM INTO ?1", path);
}

int store_quarantine_merge(struct vb_store *s, const char *from_path, size_t *ret_added) {
        int r;

        if (!s->db)
                return store_failf(s, -EBADF, "the database is not open");
        r = exec_with_path(s, "ATTACH DATABASE ?1 AS merged", from_path);
        if (r < 0)
                return r;
        r = store_begin(s);
        if (r >= 0) {
                /* finding_id is dropped: it numbers findings of the other file. */
                int rc = sqlite3_exec(s->db,
                        "INSERT INTO main.quarantine (finding_id, state, path, uid, gid, mode, size, mtime_ns, "
                        "sha256, stored_name, error, created_usec, moved_usec, restored_usec) "
                        "SELECT NULL, o.state, o.path, o.uid, o.gid, o.mode, o.size, o.mtime_ns, o.sha256, "
                        "o.stored_name, o.error, o.created_usec, o.moved_usec, o.restored_usec "
                        "FROM merged.quarantine o WHERE NOT EXISTS (SELECT 1 FROM main.quarantine q "
                        "WHERE q.stored_name = o.stored_name AND q.path = o.path AND q.created_usec = o.created_usec)",
                        NULL, NULL, NULL);
                r = rc == SQLITE_OK ? 0 : store_fail(s, rc);
                if (r >= 0 && ret_added)
                        *ret_added = (size_t) sqlite3_changes(s->db);
                if (r >= 0)
                        r = store_commit(s);
                if (r < 0)
                        (void) store_rollback(s);
        }
        (void) sqlite3_exec(s->db, "DETACH DATABASE merged", NULL, NULL, NULL);
        return r;
}
