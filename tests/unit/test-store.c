/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/store*.c: open and migrations, errno mapping, the compiled
 * policy, the files cache, the inventory, the findings and locking. */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "store.h"
#include "util.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char *dir;
static char *dbpath;

static void setup(void) {
        dir = tmpdir_make();
        ck_assert(asprintf(&dbpath, "%s/%s", dir, VB_STORE_FILE) > 0);
}

static void teardown(void) {
        free(dbpath);
        dbpath = NULL;
        tmpdir_remove(dir);
        dir = NULL;
}

static struct vb_store *open_rw(void) {
        struct vb_store *s = NULL;
        int r = store_open(dbpath, false, &s);

        ck_assert_msg(r == 0, "store_open: %s", store_errmsg(s));
        return s;
}

/* Run fixed SQL on a second, raw connection to the test database. */
static void raw_exec(const char *sql) {
        sqlite3 *db;

        ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
        ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
        ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

/* Policies built by hand (policy.c is not linked here). */

static void ban_init(struct vb_ban *b, const char *id, const char *const *packages, const char *sha256) {
        *b = (struct vb_ban) {
                .id = strdup(id),
                .vendor = strdup("Vendor"),
                .authority = strdup("Some authority"),
                .file = strdup("/etc/vendorban/bans.d/x.conf"),
                .phases = calloc(1, sizeof(struct vb_phase)),
                .n_phases = 1,
        };
        b->phases[0] = (struct vb_phase) { .from = 1721433600, .applies_to = VB_APPLIES_ALL,
                                           .action = VB_VERDICT_BLOCK, .reason = strdup("no updates") };
        ck_assert_int_eq(strv_push(&b->entities, "AO Vendor Lab"), 0);
        ck_assert_int_eq(strv_push(&b->entities, "Vendor Labs Limited"), 0);
        for (size_t i = 0; packages && packages[i]; i++)
                ck_assert_int_eq(strv_push(&b->match[VB_IND_PACKAGE], packages[i]), 0);
        if (sha256)
                ck_assert_int_eq(strv_push(&b->match[VB_IND_SHA256], sha256), 0);
        ck_assert_int_eq(strv_push(&b->match[VB_IND_PATH], "/opt/vendor/**"), 0);
        ck_assert_int_eq(strv_push(&b->exempt_packages, "vendor-doc"), 0);
        ck_assert_int_eq(strv_push(&b->exempt_paths, "/opt/vendor/README"), 0);
}

static void ban_done(struct vb_ban *b) {
        free(b->id);
        free(b->vendor);
        free(b->authority);
        free(b->file);
        for (size_t i = 0; i < b->n_phases; i++)
                free(b->phases[i].reason);
        free(b->phases);
        strv_clear(&b->entities);
        for (size_t k = 0; k < _VB_IND_MAX; k++)
                strv_clear(&b->match[k]);
        strv_clear(&b->exempt_packages);
        strv_clear(&b->exempt_paths);
        strv_clear(&b->alternatives);
}

static struct vb_policy *policy_make(size_t n_bans, const char *digest) {
        struct vb_policy *p = calloc(1, sizeof(*p));

        ck_assert_ptr_nonnull(p);
        p->bans = calloc(n_bans, sizeof(struct vb_ban));
        p->n_bans = n_bans;
        snprintf(p->digest, sizeof(p->digest), "%s", digest);
        snprintf(p->markers_digest, sizeof(p->markers_digest), "%s", SHA_B);
        return p;
}

static void policy_done(struct vb_policy *p) {
        for (size_t i = 0; i < p->n_bans; i++)
                ban_done(&p->bans[i]);
        free(p->bans);
        free(p);
}

/* kaspersky: kesl, kesl-*, klnagent64, sha256 SHA_A. 4 indicators with the path. */
static struct vb_policy *policy_kaspersky(void) {
        static const char *const pkgs[] = { "kesl", "kesl-*", "klnagent64", NULL };
        struct vb_policy *p = policy_make(1, "1111111111111111111111111111111111111111111111111111111111111111");

        ban_init(&p->bans[0], "kaspersky", pkgs, SHA_A);
        return p;
}

struct matches {
        char text[256];
        int n;
};

static int collect(const char *ban_id, const char *pattern, void *userdata) {
        struct matches *m = userdata;
        size_t len = strlen(m->text);

        snprintf(m->text + len, sizeof(m->text) - len, "%s%s:%s", len ? " " : "", ban_id, pattern);
        m->n++;
        return 0;
}

static const char *lookup_package(struct vb_store *s, const char *name) {
        static struct matches m;
        int r;

        m = (struct matches) {};
        r = store_policy_lookup_package(s, name, collect, &m);
        ck_assert_int_eq(r, m.n);
        return m.text;
}

static const char *lookup_sha256(struct vb_store *s, const char *sha) {
        static struct matches m;
        int r;

        m = (struct matches) {};
        r = store_policy_lookup_sha256(s, sha, collect, &m);
        ck_assert_int_eq(r, m.n);
        return m.text;
}

/* Open and migrations. */

START_TEST(test_store_open_creates_and_migrates) {
        struct vb_store *s = open_rw();
        size_t n = 99;

        ck_assert_int_eq(store_schema_version(s), VB_STORE_SCHEMA_VERSION);
        ck_assert_int_eq(store_file_count(s, &n), 0);
        ck_assert_uint_eq(n, 0);
        ck_assert_int_eq(store_finding_count(s, &n), 0);
        ck_assert_uint_eq(n, 0);
        ck_assert_int_eq(store_package_count(s, &n), 0);
        ck_assert_uint_eq(n, 0);
        store_free(s);
        ck_assert_int_eq(access(dbpath, F_OK), 0);
}
END_TEST

START_TEST(test_store_reopen_keeps_data) {
        struct vb_file_key key = { .dev = 1, .ino = 2, .size = 3, .mtime_ns = 4, .ctime_ns = 5 };
        struct vb_file_content c = { .sha256 = SHA_A, .is_elf = true, .marker_hits = 1 }, got;
        struct vb_store *s = open_rw();

        ck_assert_int_eq(store_file_put(s, "/bin/x", &key, SHA_B, &c), 0);
        store_free(s);

        /* A second migration would fail on "table already exists". */
        s = open_rw();
        ck_assert_int_eq(store_schema_version(s), VB_STORE_SCHEMA_VERSION);
        ck_assert_int_eq(store_file_lookup(s, "/bin/x", &key, SHA_B, &got), 0);
        ck_assert_str_eq(got.sha256, SHA_A);
        store_free(s);
}
END_TEST

START_TEST(test_store_wal_mode_is_on) {
        struct vb_store *s = open_rw();
        sqlite3 *db;
        sqlite3_stmt *st;

        ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
        ck_assert_str_eq((const char *) sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        sqlite3_close(db);
        store_free(s);
}
END_TEST

START_TEST(test_store_read_only_missing_file_is_enoent) {
        struct vb_store *s = NULL;

        ck_assert_int_eq(store_open(dbpath, true, &s), -ENOENT);
        ck_assert_ptr_nonnull(store_errmsg(s));
        store_free(s);
        ck_assert_int_eq(access(dbpath, F_OK), -1);
}
END_TEST

START_TEST(test_store_open_maps_cantopen) {
        struct vb_store *s = NULL;
        char *p;

        ck_assert(asprintf(&p, "%s/missing/dir/%s", dir, VB_STORE_FILE) > 0);
        ck_assert_int_eq(store_open(p, false, &s), -ENOENT);
        store_free(s);
        s = NULL;
        /* A directory is no file SQLite can open. */
        ck_assert_int_eq(store_open(dir, false, &s), -EACCES);
        ck_assert_str_ne(store_errmsg(s), "");
        store_free(s);
        free(p);
}
END_TEST

START_TEST(test_store_read_only_reads_but_does_not_write) {
        static const struct vb_inventory_entry e = { .name = "kesl", .version = "12", .status = "installed" };
        struct vb_store *s = open_rw(), *ro = NULL;
        struct vb_policy *p = policy_kaspersky();
        size_t n = 0;

        ck_assert_int_eq(store_package_upsert(s, &e, 100), 0);
        store_free(s);

        ck_assert_int_eq(store_open(dbpath, true, &ro), 0);
        ck_assert_int_eq(store_package_count(ro, &n), 0);
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(store_package_upsert(ro, &e, 200), -EROFS);
        ck_assert_int_eq(store_packages_sweep(ro, 1000), -EROFS);
        ck_assert_int_eq(store_policy_compile(ro, p, 100), -EROFS);
        ck_assert_int_eq(store_package_count(ro, &n), 0);
        ck_assert_uint_eq(n, 1);
        policy_done(p);
        store_free(ro);
}
END_TEST

START_TEST(test_store_garbage_file_is_ebadmsg) {
        struct vb_store *s = NULL;
        char garbage[4096];

        memset(garbage, 'x', sizeof(garbage) - 1);
        garbage[sizeof(garbage) - 1] = '\0';
        write_file(dir, VB_STORE_FILE, garbage);

        ck_assert_int_eq(store_open(dbpath, false, &s), -EBADMSG);
        ck_assert_msg(strstr(store_errmsg(s), "not a database"), "%s", store_errmsg(s));
        store_free(s);
        s = NULL;
        ck_assert_int_eq(store_open(dbpath, true, &s), -EBADMSG);
        store_free(s);
}
END_TEST

START_TEST(test_store_newer_schema_is_eprotonosupport) {
        struct vb_store *s = NULL;

        raw_exec("CREATE TABLE future (x); PRAGMA user_version = 999;");
        ck_assert_int_eq(store_open(dbpath, false, &s), -EPROTONOSUPPORT);
        ck_assert_msg(strstr(store_errmsg(s), "999"), "%s", store_errmsg(s));
        store_free(s);
        s = NULL;
        ck_assert_int_eq(store_open(dbpath, true, &s), -EPROTONOSUPPORT);
        store_free(s);
}
END_TEST

START_TEST(test_store_read_only_older_schema_is_estale) {
        struct vb_store *s = NULL;

        raw_exec("CREATE TABLE unrelated (x);");
        ck_assert_int_eq(store_open(dbpath, true, &s), -ESTALE);
        store_free(s);
        s = open_rw();          /* a writer migrates it */
        ck_assert_int_eq(store_schema_version(s), VB_STORE_SCHEMA_VERSION);
        store_free(s);
}
END_TEST

/* Policy. */

START_TEST(test_store_policy_info_enoent_before_compile) {
        struct vb_store *s = open_rw();
        struct vb_policy_info info;

        ck_assert_int_eq(store_policy_info(s, &info), -ENOENT);
        ck_assert_str_eq(lookup_package(s, "kesl"), "");
        store_free(s);
}
END_TEST

START_TEST(test_store_policy_compile_and_lookups) {
        struct vb_store *s = open_rw();
        struct vb_policy *p = policy_kaspersky();
        struct vb_policy_info info;

        ck_assert_msg(store_policy_compile(s, p, 12345) == 0, "%s", store_errmsg(s));
        ck_assert_int_eq(store_policy_info(s, &info), 0);
        ck_assert_str_eq(info.digest, p->digest);
        ck_assert_int_eq(info.loaded_at, 12345);
        ck_assert_uint_eq(info.n_bans, 1);
        ck_assert_uint_eq(info.n_indicators, 5);

        ck_assert_str_eq(lookup_package(s, "kesl"), "kaspersky:kesl");
        ck_assert_str_eq(lookup_package(s, "kesl-gui"), "kaspersky:kesl-*");
        ck_assert_str_eq(lookup_package(s, "klnagent64"), "kaspersky:klnagent64");
        ck_assert_str_eq(lookup_package(s, "keslx"), "");
        ck_assert_str_eq(lookup_package(s, "KESL"), "");
        ck_assert_str_eq(lookup_package(s, "bash"), "");
        ck_assert_str_eq(lookup_package(s, "vendor-doc"), "");
        ck_assert_str_eq(lookup_sha256(s, SHA_A), "kaspersky:" SHA_A);
        ck_assert_str_eq(lookup_sha256(s, SHA_B), "");
        /* A path glob is no package indicator. */
        ck_assert_str_eq(lookup_package(s, "/opt/vendor/x"), "");

        policy_done(p);
        store_free(s);
}
END_TEST

static int stop_at_first(const char *ban_id, const char *pattern, void *userdata) {
        ++*(int *) userdata;
        return -ECANCELED;
}

START_TEST(test_store_policy_lookup_callback_stops) {
        static const char *const pkgs[] = { "kesl", "kes*", "k*", NULL };
        struct vb_store *s = open_rw();
        struct vb_policy *p = policy_make(1, SHA_A);
        int calls = 0;

        ban_init(&p->bans[0], "kaspersky", pkgs, NULL);
        ck_assert_int_eq(store_policy_compile(s, p, 1), 0);
        ck_assert_str_eq(lookup_package(s, "kesl"), "kaspersky:k* kaspersky:kes* kaspersky:kesl");
        ck_assert_int_eq(store_policy_lookup_package(s, "kesl", stop_at_first, &calls), -ECANCELED);
        ck_assert_int_eq(calls, 1);
        policy_done(p);
        store_free(s);
}
END_TEST

START_TEST(test_store_policy_recompile_replaces) {
        static const char *const pkgs[] = { "drweb", NULL };
        struct vb_store *s = open_rw();
        struct vb_policy *a = policy_kaspersky(), *b = policy_make(1, SHA_B);
        struct vb_policy_info info;

        ban_init(&b->bans[0], "drweb", pkgs, NULL);
        ck_assert_int_eq(store_policy_compile(s, a, 1), 0);
        ck_assert_int_eq(store_policy_compile(s, b, 2), 0);

        ck_assert_str_eq(lookup_package(s, "kesl"), "");
        ck_assert_str_eq(lookup_sha256(s, SHA_A), "");
        ck_assert_str_eq(lookup_package(s, "drweb"), "drweb:drweb");
        ck_assert_int_eq(store_policy_info(s, &info), 0);
        ck_assert_str_eq(info.digest, SHA_B);
        ck_assert_int_eq(info.loaded_at, 2);
        ck_assert_uint_eq(info.n_indicators, 2);

        policy_done(a);
        policy_done(b);
        store_free(s);
}
END_TEST

START_TEST(test_store_policy_failed_compile_keeps_old) {
        static const char *const pkgs[] = { "other", NULL };
        struct vb_store *s = open_rw();
        struct vb_policy *good = policy_kaspersky(), *bad = policy_make(2, SHA_B);
        struct vb_policy_info info;

        ban_init(&bad->bans[0], "dup", pkgs, NULL);
        ban_init(&bad->bans[1], "dup", pkgs, NULL);
        ck_assert_int_eq(store_policy_compile(s, good, 1), 0);

        ck_assert_int_eq(store_policy_compile(s, bad, 2), -EEXIST);
        ck_assert_msg(strstr(store_errmsg(s), "UNIQUE"), "%s", store_errmsg(s));

        ck_assert_str_eq(lookup_package(s, "kesl"), "kaspersky:kesl");
        ck_assert_str_eq(lookup_package(s, "other"), "");
        ck_assert_int_eq(store_policy_info(s, &info), 0);
        ck_assert_str_eq(info.digest, good->digest);
        ck_assert_int_eq(info.loaded_at, 1);
        /* No transaction was left open. */
        ck_assert_int_eq(store_begin(s), 0);
        ck_assert_int_eq(store_commit(s), 0);

        policy_done(good);
        policy_done(bad);
        store_free(s);
}
END_TEST

START_TEST(test_store_policy_compile_in_transaction_is_ebusy) {
        struct vb_store *s = open_rw();
        struct vb_policy *p = policy_kaspersky();
        struct vb_policy_info info;

        ck_assert_int_eq(store_begin(s), 0);
        ck_assert_int_eq(store_policy_compile(s, p, 1), -EBUSY);
        ck_assert_int_eq(store_rollback(s), 0);
        ck_assert_int_eq(store_policy_info(s, &info), -ENOENT);
        ck_assert_int_eq(store_policy_compile(s, p, 1), 0);
        policy_done(p);
        store_free(s);
}
END_TEST

/* Files. */

static const struct vb_file_key file_key = {
        .dev = 0x803, .ino = 4242, .size = 1000, .mtime_ns = 1700000000123456789, .ctime_ns = 1700000001000000000,
};

START_TEST(test_store_file_cache_hit) {
        struct vb_store *s = open_rw();
        struct vb_file_content c = { .sha256 = SHA_A, .is_elf = true, .marker_hits = 0x5, .size = 1000 }, got;
        size_t n;

        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, SHA_B, &got), -ENOENT);
        ck_assert_int_eq(store_file_put(s, "/opt/a", &file_key, SHA_B, &c), 0);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, SHA_B, &got), 0);
        ck_assert_str_eq(got.sha256, SHA_A);
        ck_assert(got.is_elf);
        ck_assert_uint_eq(got.marker_hits, 0x5);
        ck_assert_uint_eq(got.size, 1000);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, SHA_B, NULL), 0);
        ck_assert_int_eq(store_file_count(s, &n), 0);
        ck_assert_uint_eq(n, 1);
        store_free(s);
}
END_TEST

/* Markers past the 64th (a policy may hold up to VB_MARKERS_MAX) survive
 * the hash cache, and a row with only markers 0..63 reads back as before. */
START_TEST(test_store_file_cache_keeps_markers_past_64) {
        struct vb_store *s = open_rw();
        struct vb_file_content c = { .sha256 = SHA_A, .is_elf = true, .size = 1000 }, got;

        c.marker_words[0] = UINT64_C(1) << 63;
        c.marker_words[7] = UINT64_C(0x8000000000000101);        /* markers 448, 456, 511 */
        c.marker_words[VB_MARKER_WORDS - 1] = 1;                  /* the last word */
        ck_assert_int_eq(store_file_put(s, "/opt/a", &file_key, SHA_B, &c), 0);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, SHA_B, &got), 0);
        ck_assert_mem_eq(got.marker_words, c.marker_words, sizeof c.marker_words);
        ck_assert_uint_eq(got.marker_hits, UINT64_C(1) << 63);

        memset(c.marker_words, 0, sizeof c.marker_words);
        c.marker_hits = 0x5;
        ck_assert_int_eq(store_file_put(s, "/opt/a", &file_key, SHA_B, &c), 0);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, SHA_B, &got), 0);
        ck_assert_mem_eq(got.marker_words, c.marker_words, sizeof c.marker_words);
        store_free(s);
}
END_TEST

START_TEST(test_store_file_cache_misses_on_any_change) {
        struct vb_store *s = open_rw();
        struct vb_file_content c = { .sha256 = SHA_A }, got;
        struct vb_file_key k;

        ck_assert_int_eq(store_file_put(s, "/opt/a", &file_key, SHA_B, &c), 0);
        k = file_key, k.dev++;
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &k, SHA_B, &got), -ENOENT);
        k = file_key, k.ino++;
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &k, SHA_B, &got), -ENOENT);
        k = file_key, k.size++;
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &k, SHA_B, &got), -ENOENT);
        k = file_key, k.mtime_ns++;
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &k, SHA_B, &got), -ENOENT);
        k = file_key, k.ctime_ns++;
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &k, SHA_B, &got), -ENOENT);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, SHA_A, &got), -ENOENT);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, NULL, &got), -ENOENT);
        ck_assert_int_eq(store_file_lookup(s, "/opt/b", &file_key, SHA_B, &got), -ENOENT);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, SHA_B, &got), 0);
        store_free(s);
}
END_TEST

START_TEST(test_store_file_put_replaces_and_round_trips_u64) {
        struct vb_store *s = open_rw();
        struct vb_file_key k = { .dev = UINT64_MAX, .ino = (1ULL << 63) | 7, .size = UINT64_MAX - 1,
                                 .mtime_ns = -5, .ctime_ns = INT64_MAX };
        struct vb_file_content c = { .sha256 = SHA_A, .marker_hits = (1ULL << 63) | 1 }, got;
        size_t n;

        ck_assert_int_eq(store_file_put(s, "/opt/a", &file_key, NULL, &c), 0);
        ck_assert_int_eq(store_file_put(s, "/opt/a", &k, NULL, &c), 0);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &file_key, NULL, &got), -ENOENT);
        ck_assert_int_eq(store_file_lookup(s, "/opt/a", &k, NULL, &got), 0);
        ck_assert_uint_eq(got.marker_hits, (1ULL << 63) | 1);
        ck_assert_uint_eq(got.size, UINT64_MAX - 1);
        ck_assert(!got.is_elf);
        ck_assert_int_eq(store_file_count(s, &n), 0);
        ck_assert_uint_eq(n, 1);
        store_free(s);
}
END_TEST

/* Findings. */


static struct vb_finding finding(const char *version, int64_t t) {
        return (struct vb_finding) {
                .ban = "kaspersky", .vendor = "Kaspersky", .subject = "package", .package = "kesl",
                .version = version, .arch = "amd64", .verdict = VB_VERDICT_FLAG,
                .indicators = "package:kesl", .action = "flagged", .mode = "audit",
                .first_seen_usec = t, .last_seen_usec = t, .event_usec = t - 1, .decided_usec = t,
        };
}

static int get_source(const struct vb_finding *f, void *userdata) {
        char *out = userdata;
        snprintf(out, 16, "%s", f->source ? f->source : "(null)");
        return 0;
}

/* Schema v3 adds findings.source to a v2 ledger, keeping its rows. */
START_TEST(test_store_findings_source_migrates_and_round_trips) {
        struct vb_store *s = open_rw();
        struct vb_finding f = finding("12.0", 1000);
        char src[16] = "";

        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);
        store_free(s);
        raw_exec("ALTER TABLE findings DROP COLUMN gone_usec; ALTER TABLE findings DROP COLUMN source; "
                 "PRAGMA user_version = 3;");

        s = open_rw();
        ck_assert_int_eq(store_schema_version(s), VB_STORE_SCHEMA_VERSION);
        (void) store_findings_foreach(s, get_source, src);
        ck_assert_str_eq(src, "(null)"); /* an old row: from before sources were recorded */
        f.source = "rpm";
        f.last_seen_usec = 2000;
        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);
        ck_assert_int_eq(store_findings_foreach(s, get_source, src), 0);
        ck_assert_str_eq(src, "rpm");
        store_free(s);
}
END_TEST

static int check_single(const struct vb_finding *f, void *userdata) {
        int64_t id = *(int64_t *) userdata;

        ck_assert_int_eq(f->id, id);
        ck_assert_str_eq(f->ban, "kaspersky");
        ck_assert_str_eq(f->package, "kesl");
        ck_assert_ptr_null(f->path);
        ck_assert_ptr_null(f->sha256);
        ck_assert_int_eq(f->verdict, VB_VERDICT_BLOCK);
        ck_assert_str_eq(f->action, "blocked");
        ck_assert_str_eq(f->mode, "enforce");
        ck_assert_int_eq(f->first_seen_usec, 1000);
        ck_assert_int_eq(f->event_usec, 999);
        ck_assert_int_eq(f->decided_usec, 1000);
        ck_assert_int_eq(f->last_seen_usec, 2000);
        return 0;
}

START_TEST(test_store_findings_dedupe) {
        struct vb_store *s = open_rw();
        struct vb_finding f = finding("12.0", 1000);
        int64_t id1 = 0, id2 = 0;
        bool is_new = false;
        size_t n;

        ck_assert_int_eq(store_finding_record(s, &f, &id1, &is_new), 0);
        ck_assert(is_new);
        ck_assert_int_gt(id1, 0);

        f = finding("12.0", 2000);
        f.verdict = VB_VERDICT_BLOCK, f.action = "blocked", f.mode = "enforce";
        ck_assert_int_eq(store_finding_record(s, &f, &id2, &is_new), 0);
        ck_assert(!is_new);
        ck_assert_int_eq(id2, id1);
        ck_assert_int_eq(store_finding_count(s, &n), 0);
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(store_findings_foreach(s, check_single, &id1), 0);

        /* An older sighting does not move last_seen back; NULL outputs are fine. */
        f = finding("12.0", 1500);
        f.verdict = VB_VERDICT_BLOCK, f.action = "blocked", f.mode = "enforce";
        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);
        ck_assert_int_eq(store_findings_foreach(s, check_single, &id1), 0);

        /* Another version is another finding. */
        f = finding("12.1", 3000);
        ck_assert_int_eq(store_finding_record(s, &f, &id2, &is_new), 0);
        ck_assert(is_new);
        ck_assert_int_ne(id2, id1);
        ck_assert_int_eq(store_finding_count(s, &n), 0);
        ck_assert_uint_eq(n, 2);
        store_free(s);
}
END_TEST

START_TEST(test_store_findings_null_fields_dedupe) {
        struct vb_store *s = open_rw();
        struct vb_finding f = {
                .ban = "kaspersky", .subject = "file", .path = "/opt/kaspersky/bin/x", .sha256 = SHA_A,
                .verdict = VB_VERDICT_BLOCK, .last_seen_usec = 10,
        };
        struct vb_finding bad = { .subject = "file" };
        bool is_new;
        size_t n;

        ck_assert_int_eq(store_finding_record(s, &f, NULL, &is_new), 0);
        ck_assert(is_new);
        f.last_seen_usec = 20;
        ck_assert_int_eq(store_finding_record(s, &f, NULL, &is_new), 0);
        ck_assert(!is_new);
        ck_assert_int_eq(store_finding_count(s, &n), 0);
        ck_assert_uint_eq(n, 1);
        ck_assert_int_eq(store_finding_record(s, &bad, NULL, NULL), -EINVAL);
        store_free(s);
}
END_TEST

struct order {
        char versions[64];
        int stop_after;
        int calls;
};

static int collect_order(const struct vb_finding *f, void *userdata) {
        struct order *o = userdata;

        strcat(o->versions, f->version);
        strcat(o->versions, " ");
        if (++o->calls == o->stop_after)
                return -EINTR;
        return 0;
}

START_TEST(test_store_findings_foreach_newest_first) {
        struct vb_store *s = open_rw();
        struct vb_finding f;
        struct order o = {};

        f = finding("a", 300);
        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);
        f = finding("b", 100);
        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);
        f = finding("c", 300);  /* same time as a, higher id */
        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);
        f = finding("d", 200);
        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);
        f = finding("b", 400);  /* seen again: now the newest */
        ck_assert_int_eq(store_finding_record(s, &f, NULL, NULL), 0);

        ck_assert_int_eq(store_findings_foreach(s, collect_order, &o), 0);
        ck_assert_str_eq(o.versions, "b c a d ");

        o = (struct order) { .stop_after = 2 };
        ck_assert_int_eq(store_findings_foreach(s, collect_order, &o), -EINTR);
        ck_assert_str_eq(o.versions, "b c ");
        store_free(s);
}
END_TEST

/* Packages. */

START_TEST(test_store_packages_upsert_sweep_count) {
        struct vb_store *s = open_rw();
        struct vb_inventory_entry kesl = { .name = "kesl", .arch = "amd64", .version = "12", .status = "installed",
                                           .maintainer = "Kaspersky <x@kaspersky.com>" };
        struct vb_inventory_entry kesl_i386 = kesl, bash = { .name = "bash", .version = "5.2", .status = "installed" };
        size_t n;

        kesl_i386.arch = "i386";
        ck_assert_int_eq(store_package_upsert(s, &kesl, 100), 0);
        ck_assert_int_eq(store_package_upsert(s, &kesl_i386, 100), 0);
        ck_assert_int_eq(store_package_upsert(s, &bash, 100), 0);
        ck_assert_int_eq(store_package_count(s, &n), 0);
        ck_assert_uint_eq(n, 3);

        /* A rescan at 200 sees kesl (newer version) and bash, not kesl:i386. */
        kesl.version = "12.1";
        ck_assert_int_eq(store_package_upsert(s, &kesl, 200), 0);
        ck_assert_int_eq(store_package_upsert(s, &bash, 200), 0);
        ck_assert_int_eq(store_package_count(s, &n), 0);
        ck_assert_uint_eq(n, 3);
        ck_assert_int_eq(store_packages_sweep(s, 200), 1);
        ck_assert_int_eq(store_package_count(s, &n), 0);
        ck_assert_uint_eq(n, 2);
        ck_assert_int_eq(store_packages_sweep(s, 200), 0);

        /* Installed again. */
        ck_assert_int_eq(store_package_upsert(s, &kesl_i386, 300), 0);
        ck_assert_int_eq(store_package_count(s, &n), 0);
        ck_assert_uint_eq(n, 3);

        bash.version = NULL;
        ck_assert_int_eq(store_package_upsert(s, &bash, 300), -EINVAL);
        store_free(s);
}
END_TEST

/* Transactions and locking. */

START_TEST(test_store_transaction_batches_and_rolls_back) {
        struct vb_store *s = open_rw();
        struct vb_file_content c = { .sha256 = SHA_A };
        char path[64];
        size_t n;

        ck_assert_int_eq(store_begin(s), 0);
        ck_assert_int_eq(store_begin(s), -EBUSY);
        for (int i = 0; i < 2000; i++) {
                snprintf(path, sizeof(path), "/usr/lib/f%d", i);
                ck_assert_int_eq(store_file_put(s, path, &file_key, SHA_B, &c), 0);
        }
        ck_assert_int_eq(store_commit(s), 0);
        ck_assert_int_eq(store_file_count(s, &n), 0);
        ck_assert_uint_eq(n, 2000);

        ck_assert_int_eq(store_begin(s), 0);
        ck_assert_int_eq(store_file_put(s, "/usr/lib/extra", &file_key, SHA_B, &c), 0);
        ck_assert_int_eq(store_rollback(s), 0);
        ck_assert_int_eq(store_file_count(s, &n), 0);
        ck_assert_uint_eq(n, 2000);

        ck_assert_int_eq(store_commit(s), -EINVAL);
        ck_assert_int_eq(store_rollback(s), 0);
        store_free(s);
}
END_TEST

START_TEST(test_store_busy_when_another_connection_writes) {
        struct vb_store *s = open_rw();
        struct vb_file_content c = { .sha256 = SHA_A };
        sqlite3 *other;
        size_t n;

        ck_assert_int_eq(store_file_put(s, "/opt/a", &file_key, SHA_B, &c), 0);
        ck_assert_int_eq(store_set_busy_timeout(s, 50), 0);
        ck_assert_int_eq(sqlite3_open(dbpath, &other), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

        ck_assert_int_eq(store_file_put(s, "/opt/b", &file_key, SHA_B, &c), -EBUSY);
        ck_assert_int_eq(store_begin(s), -EBUSY);
        /* WAL: readers go on while another connection writes. */
        ck_assert_int_eq(store_file_count(s, &n), 0);
        ck_assert_uint_eq(n, 1);

        ck_assert_int_eq(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_close(other), SQLITE_OK);
        ck_assert_int_eq(store_file_put(s, "/opt/b", &file_key, SHA_B, &c), 0);
        store_free(s);
}
END_TEST

START_TEST(test_store_policy_last_good_read_back) {
        struct vb_store *s = open_rw();
        struct vb_policy *p = policy_kaspersky(), *q = NULL;
        struct vb_diag d = {};
        int64_t saved = 0;

        ck_assert_int_eq(store_policy_last_good(s, &q, &saved, &d), -ENOENT);
        ck_assert_int_eq(store_policy_compile(s, p, 1700000000), 0);
        ck_assert_int_eq(store_policy_last_good(s, &q, &saved, &d), 0);
        ck_assert(q->last_known_good);
        ck_assert_int_eq(saved, 1700000000);
        ck_assert_str_eq(q->digest, p->digest);
        ck_assert_uint_eq(q->n_bans, 1);
        ck_assert_str_eq(q->bans[0].id, "kaspersky");
        ck_assert_uint_eq(q->bans[0].match[VB_IND_PACKAGE].n, 3);
        ck_assert_str_eq(q->bans[0].match[VB_IND_PACKAGE].v[2], "klnagent64");
        ck_assert_str_eq(q->bans[0].exempt_paths.v[0], "/opt/vendor/README");
        /* Compiling it again keeps the date it was compiled at. */
        ck_assert_int_eq(store_policy_compile(s, q, 1800000000), 0);
        policy_free(q);
        ck_assert_int_eq(store_policy_last_good(s, &q, &saved, &d), 0);
        ck_assert_int_eq(saved, 1700000000);
        policy_free(q);
        policy_done(p);
        store_free(s);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("store");
        TCase *tc;

        tc = tcase_create("open");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_store_open_creates_and_migrates);
        tcase_add_test(tc, test_store_policy_last_good_read_back);
        tcase_add_test(tc, test_store_reopen_keeps_data);
        tcase_add_test(tc, test_store_wal_mode_is_on);
        tcase_add_test(tc, test_store_read_only_missing_file_is_enoent);
        tcase_add_test(tc, test_store_open_maps_cantopen);
        tcase_add_test(tc, test_store_read_only_reads_but_does_not_write);
        tcase_add_test(tc, test_store_garbage_file_is_ebadmsg);
        tcase_add_test(tc, test_store_newer_schema_is_eprotonosupport);
        tcase_add_test(tc, test_store_read_only_older_schema_is_estale);
        suite_add_tcase(s, tc);

        tc = tcase_create("policy");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_store_policy_info_enoent_before_compile);
        tcase_add_test(tc, test_store_policy_compile_and_lookups);
        tcase_add_test(tc, test_store_policy_lookup_callback_stops);
        tcase_add_test(tc, test_store_policy_recompile_replaces);
        tcase_add_test(tc, test_store_policy_failed_compile_keeps_old);
        tcase_add_test(tc, test_store_policy_compile_in_transaction_is_ebusy);
        suite_add_tcase(s, tc);

        tc = tcase_create("ledger");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_store_file_cache_hit);
        tcase_add_test(tc, test_store_file_cache_keeps_markers_past_64);
        tcase_add_test(tc, test_store_file_cache_misses_on_any_change);
        tcase_add_test(tc, test_store_file_put_replaces_and_round_trips_u64);
        tcase_add_test(tc, test_store_findings_dedupe);
        tcase_add_test(tc, test_store_findings_null_fields_dedupe);
        tcase_add_test(tc, test_store_findings_foreach_newest_first);
        tcase_add_test(tc, test_store_packages_upsert_sweep_count);
        tcase_add_test(tc, test_store_findings_source_migrates_and_round_trips);
        suite_add_tcase(s, tc);

        tc = tcase_create("transactions");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_store_transaction_batches_and_rolls_back);
        tcase_add_test(tc, test_store_busy_when_another_connection_writes);
        tcase_set_timeout(tc, 30);
        suite_add_tcase(s, tc);

        return s;
}
