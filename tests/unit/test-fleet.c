/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/hostkey.c, lib/summary.c, lib/fleet.c and lib/fleet-state.c:
 * the host key file, signatures over the canonical summary, dedup, key
 * trust, clones, stale hosts, old policies and the saved state. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet.h"
#include "harness.h"
#include "hostkey.h"
#include "summary.h"

#define M1 "11111111111111111111111111111111"
#define M2 "22222222222222222222222222222222"
#define D_OLD "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define D_NEW "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HOUR (3600LL * 1000000)

/* A signed summary entry as journal-remote would store it. */
struct fake {
        struct vb_strv values;
        char sig[VB_HOSTKEY_SIG_HEX];
        struct vb_fleet_entry e;
};

static void fake_make(struct fake *f, const struct vb_hostkey *k, const char *machine, const char *host,
                      int64_t t, const char *digest, uint64_t blocked) {
        struct vb_summary s = { .time_usec = t, .reason = "scan", .mode = "enforce", .release = "0.1.0" };
        _cleanup_free_ char *canonical = NULL;
        size_t len;

        snprintf(s.machine, sizeof s.machine, "%s", machine);
        snprintf(s.host, sizeof s.host, "%s", host);
        snprintf(s.policy_digest, sizeof s.policy_digest, "%s", digest);
        struct vb_summary_ban *b = summary_add_ban(&s, "kaspersky", "0123456789ab");
        ck_assert_ptr_nonnull(b);
        b->blocked = blocked;
        *f = (struct fake) {};
        ck_assert_int_eq(summary_values(&s, hostkey_public_hex(k), &f->values), 0);
        ck_assert_int_eq(summary_canonical((const char *const *) f->values.v, &canonical, &len), 0);
        ck_assert_int_eq(hostkey_sign(k, canonical, len, f->sig), 0);
        f->e = (struct vb_fleet_entry) { .machine_id = machine, .hostname = host, .boot_id = "b00t",
                                         .realtime = (uint64_t) t, .monotonic = (uint64_t) t / 7,
                                         .signature = f->sig };
        for (size_t i = 0; i < _VB_SF_MAX; i++)
                f->e.values[i] = f->values.v[i];
        summary_clear(&s);
}

static void fake_clear(struct fake *f) {
        strv_clear(&f->values);
}

static struct vb_hostkey *key_new(char **ret_dir) {
        struct vb_hostkey *k = NULL;
        *ret_dir = tmpdir_make();
        ck_assert_int_eq(hostkey_load_or_create(*ret_dir, &k, NULL), 0);
        return k;
}

static void add(struct vb_fleet *fl, const struct vb_hostkey *k, const char *machine, const char *host, int64_t t,
                const char *digest, uint64_t blocked, int expect) {
        struct fake f;
        fake_make(&f, k, machine, host, t, digest, blocked);
        ck_assert_int_eq(fleet_add(fl, &f.e), expect);
        fake_clear(&f);
}

static struct vb_fleet_host *row(struct vb_fleet *fl, const char *machine) {
        for (size_t i = 0; i < fl->n_hosts; i++)
                if (strcmp(fl->hosts[i].machine_id, machine) == 0)
                        return &fl->hosts[i];
        ck_abort_msg("no row for %s", machine);
        return NULL;
}

START_TEST(test_hostkey_made_0600_then_reloaded) {
        _cleanup_free_ char *path = NULL;
        struct vb_hostkey *a = NULL, *b = NULL;
        char *dir = tmpdir_make();
        int created = -1;
        struct stat st;

        ck_assert_int_eq(hostkey_load_or_create(dir, &a, &created), 0);
        ck_assert_int_eq(created, 1);
        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, VB_HOSTKEY_FILE), 0);
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_mode & 07777, 0600);
        ck_assert_int_eq(hostkey_load_or_create(dir, &b, &created), 0);
        ck_assert_int_eq(created, 0);
        ck_assert_str_eq(hostkey_public_hex(a), hostkey_public_hex(b));
        hostkey_free(b);
        b = NULL;
        /* Readable by others: refused, and left alone. */
        ck_assert_int_eq(chmod(path, 0644), 0);
        ck_assert_int_eq(hostkey_load_or_create(dir, &b, NULL), -EPERM);
        ck_assert_int_eq(stat(path, &st), 0);
        /* Not a key: refused, not replaced. */
        ck_assert_int_eq(chmod(path, 0600), 0);
        write_file(dir, VB_HOSTKEY_FILE, "not a key\n");
        ck_assert_int_eq(chmod(path, 0600), 0);
        ck_assert_int_eq(hostkey_load_or_create(dir, &b, NULL), -EBADMSG);
        hostkey_free(a);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_hostkey_signature_covers_every_byte) {
        char *dir, sig[VB_HOSTKEY_SIG_HEX];
        struct vb_hostkey *k = key_new(&dir);
        const char msg[] = "vendorban-summary-1\nVENDORBAN_COMPLIANT=yes\n";

        ck_assert_int_eq(hostkey_sign(k, msg, sizeof msg - 1, sig), 0);
        ck_assert_int_eq(hostkey_verify(hostkey_public_hex(k), msg, sizeof msg - 1, sig), 0);
        ck_assert_int_eq(hostkey_verify(hostkey_public_hex(k), "vendorban-summary-1\nVENDORBAN_COMPLIANT=no\n",
                                        sizeof msg - 2, sig), -EBADMSG);
        sig[0] = sig[0] == '0' ? '1' : '0';
        ck_assert_int_eq(hostkey_verify(hostkey_public_hex(k), msg, sizeof msg - 1, sig), -EBADMSG);
        ck_assert_int_eq(hostkey_verify("zz", msg, sizeof msg - 1, sig), -EBADMSG);
        ck_assert_int_eq(hostkey_verify(hostkey_public_hex(k), msg, sizeof msg - 1, NULL), -EBADMSG);
        hostkey_free(k);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_summary_bans_round_trip_and_strict) {
        struct vb_summary s = {};
        _cleanup_free_ char *text = NULL;
        struct vb_summary_ban *bans = NULL;
        size_t n = 0;

        summary_add_ban(&s, "kaspersky", "0123456789ab")->blocked = 2;
        summary_add_ban(&s, "fcc-covered", NULL)->flagged = 5;
        ck_assert_int_eq(summary_bans_format(&s, &text), 0);
        ck_assert_str_eq(text, "kaspersky blocked=2 flagged=0 version=0123456789ab; "
                               "fcc-covered blocked=0 flagged=5 version=-");
        ck_assert_int_eq(summary_bans_parse(text, &bans, &n), 0);
        ck_assert_uint_eq(n, 2);
        ck_assert_str_eq(bans[1].id, "fcc-covered");
        ck_assert_uint_eq(bans[1].flagged, 5);
        ck_assert_uint_eq(bans[0].blocked, 2);
        free(bans);
        ck_assert_int_eq(summary_bans_parse("kaspersky blocked=x flagged=0 version=1", &bans, &n), -EINVAL);
        ck_assert_int_eq(summary_bans_parse("kaspersky blocked=1 flagged=0 version=1; ", &bans, &n), -EINVAL);
        ck_assert_int_eq(summary_bans_parse("k\"x blocked=1 flagged=0 version=1", &bans, &n), -EINVAL);
        ck_assert_int_eq(summary_bans_parse("", &bans, &n), 0);
        ck_assert_uint_eq(n, 0);
        summary_clear(&s);
}
END_TEST

START_TEST(test_summary_canonical_refuses_newlines) {
        const char *v[_VB_SF_MAX];
        _cleanup_free_ char *c = NULL;
        size_t len;

        for (size_t i = 0; i < _VB_SF_MAX; i++)
                v[i] = "x";
        ck_assert_int_eq(summary_canonical(v, &c, &len), 0);
        ck_assert(strncmp(c, VB_SUMMARY_MAGIC "\nVENDORBAN_MACHINE=x\n", 39) == 0);
        free(TAKE_PTR(c));
        v[VB_SF_HOST] = "a\nVENDORBAN_COMPLIANT=yes";
        ck_assert_int_eq(summary_canonical(v, &c, &len), -EINVAL);
        v[VB_SF_HOST] = NULL;
        ck_assert_int_eq(summary_canonical(v, &c, &len), -EINVAL);
}
END_TEST

START_TEST(test_fleet_duplicates_counted_once) {
        char *dir;
        struct vb_hostkey *k = key_new(&dir);
        struct vb_fleet fl = {};
        struct fake f;

        fake_make(&f, k, M1, "web1", 10 * HOUR, D_NEW, 0);
        ck_assert_int_eq(fleet_add(&fl, &f.e), 1);
        ck_assert_int_eq(fleet_add(&fl, &f.e), 0);
        /* Same content, another monotonic time: a different entry. */
        f.e.monotonic++;
        ck_assert_int_eq(fleet_add(&fl, &f.e), 1);
        fake_clear(&f);
        fleet_finish(&fl, 10 * HOUR, 26 * HOUR);
        ck_assert_uint_eq(fl.summaries, 2);
        ck_assert_uint_eq(fl.duplicates, 1);
        ck_assert_uint_eq(row(&fl, M1)->summaries, 2);
        fleet_free(&fl);
        hostkey_free(k);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_fleet_forged_entry_unverified_state_kept) {
        char *d1, *d2;
        struct vb_hostkey *k = key_new(&d1), *evil = key_new(&d2);
        struct vb_fleet fl = {};
        struct fake f;

        add(&fl, k, M1, "web1", 10 * HOUR, D_NEW, 1, 1);
        /* A newer entry claiming web1 is clean, with a bad signature. */
        fake_make(&f, k, M1, "web1", 11 * HOUR, D_NEW, 0);
        f.sig[5] = f.sig[5] == 'a' ? 'b' : 'a';
        ck_assert_int_eq(fleet_add(&fl, &f.e), 1);
        fake_clear(&f);
        /* And one without any signature. */
        fake_make(&f, k, M1, "web1", 12 * HOUR, D_NEW, 0);
        f.e.signature = NULL;
        ck_assert_int_eq(fleet_add(&fl, &f.e), 1);
        fake_clear(&f);
        fleet_finish(&fl, 12 * HOUR, 26 * HOUR);
        struct vb_fleet_host *h = row(&fl, M1);
        ck_assert_int_eq(h->sig, VB_FLEET_SIG_UNVERIFIED);
        ck_assert_str_eq(h->compliant, "no");
        ck_assert_uint_eq(h->blocked, 1);
        ck_assert_int_eq(h->time_usec, 10 * HOUR);
        fleet_free(&fl);

        /* host 2's genuine entry replayed under host 1's machine-id. */
        fl = (struct vb_fleet) {};
        add(&fl, k, M1, "web1", 10 * HOUR, D_NEW, 0, 1);
        fake_make(&f, evil, M2, "web2", 11 * HOUR, D_NEW, 0);
        f.e.machine_id = M1;
        ck_assert_int_eq(fleet_add(&fl, &f.e), 1);
        fake_clear(&f);
        fleet_finish(&fl, 12 * HOUR, 26 * HOUR);
        ck_assert_int_eq(row(&fl, M1)->sig, VB_FLEET_SIG_UNVERIFIED);
        ck_assert_int_eq(row(&fl, M1)->time_usec, 10 * HOUR);
        fleet_free(&fl);
        hostkey_free(k);
        hostkey_free(evil);
        tmpdir_remove(d1);
        tmpdir_remove(d2);
}
END_TEST

START_TEST(test_fleet_first_key_trusted_change_flagged) {
        char *d1, *d2;
        struct vb_hostkey *k = key_new(&d1), *other = key_new(&d2);
        struct vb_fleet fl = {};

        add(&fl, k, M1, "web1", 10 * HOUR, D_NEW, 0, 1);
        add(&fl, other, M1, "web1", 11 * HOUR, D_NEW, 3, 1);
        fleet_finish(&fl, 12 * HOUR, 26 * HOUR);
        struct vb_fleet_host *h = row(&fl, M1);
        ck_assert_int_eq(h->sig, VB_FLEET_SIG_CHANGED);
        ck_assert_str_eq(h->key, hostkey_public_hex(k));
        ck_assert_uint_eq(h->blocked, 0); /* the state comes from the trusted key */
        fleet_free(&fl);

        /* Enrolled: only that key verifies, even if another came first. */
        fl = (struct vb_fleet) {};
        ck_assert_int_eq(fleet_enroll(&fl, M1, hostkey_public_hex(k)), 0);
        ck_assert_int_eq(fleet_enroll(&fl, M2, hostkey_public_hex(k)), 0);
        add(&fl, other, M1, "web1", 9 * HOUR, D_NEW, 3, 1);
        add(&fl, k, M1, "web1", 10 * HOUR, D_NEW, 0, 1);
        fleet_finish(&fl, 12 * HOUR, 26 * HOUR);
        ck_assert_int_eq(row(&fl, M1)->sig, VB_FLEET_SIG_UNVERIFIED);
        ck_assert_uint_eq(row(&fl, M1)->blocked, 0);
        /* Enrolled but silent: a row, stale, unverified. */
        ck_assert(row(&fl, M2)->stale);
        ck_assert_int_eq(row(&fl, M2)->sig, VB_FLEET_SIG_UNVERIFIED);
        ck_assert_int_eq(fleet_enroll(&fl, "xyz", hostkey_public_hex(k)), -EINVAL);
        ck_assert_int_eq(fleet_enroll(&fl, M1, "00"), -EINVAL);
        fleet_free(&fl);
        hostkey_free(k);
        hostkey_free(other);
        tmpdir_remove(d1);
        tmpdir_remove(d2);
}
END_TEST

START_TEST(test_fleet_clones_stale_old_policy) {
        char *d1, *d2;
        struct vb_hostkey *k = key_new(&d1), *k2 = key_new(&d2);
        struct vb_fleet fl = {};

        add(&fl, k, M1, "web1", 1 * HOUR, D_OLD, 0, 1);
        add(&fl, k, M1, "web9", 2 * HOUR, D_OLD, 0, 1);     /* same image, other name */
        add(&fl, k2, M2, "db1", 3 * HOUR, D_OLD, 0, 1);
        add(&fl, k2, M2, "db1", 40 * HOUR, D_NEW, 0, 1);
        fleet_finish(&fl, 41 * HOUR, 26 * HOUR);
        ck_assert_str_eq(fl.newest_digest, D_NEW);
        struct vb_fleet_host *h1 = row(&fl, M1), *h2 = row(&fl, M2);
        ck_assert(h1->cloned);
        ck_assert_uint_eq(h1->hostnames.n, 2);
        ck_assert_str_eq(h1->hostnames.v[0], "web1");
        ck_assert_str_eq(h1->hostnames.v[1], "web9");
        ck_assert(h1->stale);
        ck_assert(h1->old_policy);
        ck_assert(!h2->cloned && !h2->stale && !h2->old_policy);
        ck_assert_int_eq(h2->sig, VB_FLEET_SIG_VERIFIED);
        /* Rows sorted by hostname. */
        ck_assert_str_eq(fl.hosts[0].machine_id, M2);
        fleet_free(&fl);
        hostkey_free(k);
        hostkey_free(k2);
        tmpdir_remove(d1);
        tmpdir_remove(d2);
}
END_TEST

/* Reading half, saving, loading and reading the rest gives the same rows. */
START_TEST(test_fleet_state_resume_same_result) {
        char *d1, *d2;
        struct vb_hostkey *k = key_new(&d1), *k2 = key_new(&d2);
        struct vb_fleet whole = {}, first = {}, resumed = {};
        char *buf = NULL, *cursor = NULL;
        size_t size = 0;

        for (int pass = 0; pass < 2; pass++) {
                struct vb_fleet *fl = pass ? &first : &whole;
                add(fl, k, M1, "web1", 1 * HOUR, D_OLD, 2, 1);
                add(fl, k2, M2, "db,1 x", 2 * HOUR, D_OLD, 0, 1);
        }
        FILE *out = open_memstream(&buf, &size);
        ck_assert_int_eq(fleet_save(&first, "s=1;i=2\tx", out), 0);
        fclose(out);
        FILE *in = fmemopen(buf, size, "r");
        ck_assert_int_eq(fleet_load(&resumed, in, &cursor, NULL), 0);
        fclose(in);
        ck_assert_str_eq(cursor, "s=1;i=2\tx");
        for (int pass = 0; pass < 2; pass++) {
                struct vb_fleet *fl = pass ? &resumed : &whole;
                add(fl, k, M1, "web1", 30 * HOUR, D_NEW, 0, 1);
                add(fl, k2, M1, "web1", 31 * HOUR, D_NEW, 0, 1); /* key change after resume */
                add(fl, k, M1, "web1", 1 * HOUR, D_OLD, 2, 0);   /* a duplicate from before the cursor */
        }
        fleet_finish(&whole, 32 * HOUR, 26 * HOUR);
        fleet_finish(&resumed, 32 * HOUR, 26 * HOUR);
        ck_assert_uint_eq(whole.n_hosts, resumed.n_hosts);
        ck_assert_uint_eq(whole.summaries, resumed.summaries);
        ck_assert_uint_eq(whole.duplicates, resumed.duplicates);
        for (size_t i = 0; i < whole.n_hosts; i++) {
                struct vb_fleet_host *a = &whole.hosts[i], *b = &resumed.hosts[i];
                ck_assert_str_eq(a->machine_id, b->machine_id);
                ck_assert_str_eq(a->hostnames.v[0], b->hostnames.v[0]);
                ck_assert_str_eq(a->compliant, b->compliant);
                ck_assert_str_eq(a->digest, b->digest);
                ck_assert_int_eq(a->sig, b->sig);
                ck_assert_int_eq(a->stale, b->stale);
                ck_assert_int_eq(a->old_policy, b->old_policy);
                ck_assert_int_eq(a->time_usec, b->time_usec);
                ck_assert_uint_eq(a->blocked, b->blocked);
        }
        ck_assert_int_eq(row(&resumed, M1)->sig, VB_FLEET_SIG_CHANGED);
        ck_assert(row(&resumed, M2)->old_policy);
        free(buf);
        free(cursor);
        fleet_free(&whole);
        fleet_free(&first);
        fleet_free(&resumed);

        /* A damaged state file is refused with its line. */
        struct vb_fleet bad = {};
        unsigned line = 0;
        const char text[] = "vendorban-fleet-state 1\ncursor\t\nhost\tnope\n";
        in = fmemopen((void *) text, sizeof text - 1, "r");
        ck_assert_int_eq(fleet_load(&bad, in, NULL, &line), -EBADMSG);
        ck_assert_uint_eq(line, 3);
        fclose(in);
        fleet_free(&bad);
        hostkey_free(k);
        hostkey_free(k2);
        tmpdir_remove(d1);
        tmpdir_remove(d2);
}
END_TEST

START_TEST(test_fleet_durations_and_times) {
        int64_t v;

        ck_assert_int_eq(fleet_parse_duration("90", &v), 0);
        ck_assert_int_eq(v, 90LL * 1000000);
        ck_assert_int_eq(fleet_parse_duration("26h", &v), 0);
        ck_assert_int_eq(v, 26LL * 3600 * 1000000);
        ck_assert_int_eq(fleet_parse_duration("7d", &v), 0);
        ck_assert_int_eq(fleet_parse_duration("-1h", &v), -EINVAL);
        ck_assert_int_eq(fleet_parse_duration("1w", &v), -EINVAL);
        ck_assert_int_eq(fleet_parse_duration("", &v), -EINVAL);
        ck_assert_int_eq(fleet_parse_time("2024-09-29", &v), 0);
        ck_assert_int_eq(v, 1727568000LL * 1000000);
        ck_assert_int_eq(fleet_parse_time("2024-09-29T01:00:00Z", &v), 0);
        ck_assert_int_eq(v, (1727568000LL + 3600) * 1000000);
        ck_assert_int_eq(fleet_parse_time("@10", &v), 0);
        ck_assert_int_eq(v, 10000000);
        ck_assert_int_eq(fleet_parse_time("yesterday", &v), -EINVAL);
        ck_assert_int_eq(fleet_parse_time("2024-09-29x", &v), -EINVAL);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("fleet");
        TCase *tc = tcase_create("fleet");

        tcase_add_test(tc, test_hostkey_made_0600_then_reloaded);
        tcase_add_test(tc, test_hostkey_signature_covers_every_byte);
        tcase_add_test(tc, test_summary_bans_round_trip_and_strict);
        tcase_add_test(tc, test_summary_canonical_refuses_newlines);
        tcase_add_test(tc, test_fleet_duplicates_counted_once);
        tcase_add_test(tc, test_fleet_forged_entry_unverified_state_kept);
        tcase_add_test(tc, test_fleet_first_key_trusted_change_flagged);
        tcase_add_test(tc, test_fleet_clones_stale_old_policy);
        tcase_add_test(tc, test_fleet_state_resume_same_result);
        tcase_add_test(tc, test_fleet_durations_and_times);
        suite_add_tcase(s, tc);
        return s;
}
