/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/engine.c. The policy is built by hand (no policy.c): a
 * Kaspersky-like ban as in the design, and a second "acme" ban for the
 * choice between bans. */
#include <string.h>

#include "engine.h"
#include "harness.h"
#include "util.h"

#define SHA_KESL "3f4e1c0b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define SHA_OTHER "0000000000000000000000000000000000000000000000000000000000000000"

static int64_t day(const char *s) {
        int64_t t;

        ck_assert_int_eq(date_parse(s, &t), 0);
        return t;
}

static void push_all(struct vb_strv *s, const char *const *values) {
        for (; *values; values++)
                ck_assert_int_eq(strv_push(s, *values), 0);
}

static void ban_fill_kaspersky(struct vb_ban *b) {
        b->phases = calloc(3, sizeof(struct vb_phase));
        ck_assert_ptr_nonnull(b->phases);
        b->phases[0] = (struct vb_phase) {
                .from = day("2024-07-20"), .applies_to = VB_APPLIES_NEW_INSTALLS, .action = VB_VERDICT_BLOCK,
        };
        b->phases[1] = (struct vb_phase) {
                .from = day("2024-07-20"), .applies_to = VB_APPLIES_EXISTING, .action = VB_VERDICT_FLAG,
        };
        b->phases[2] = (struct vb_phase) {
                .from = day("2024-09-29"), .applies_to = VB_APPLIES_ALL, .action = VB_VERDICT_BLOCK,
        };
        b->n_phases = 3;
        b->id = strdup("kaspersky");
        b->vendor = strdup("Kaspersky");
        push_all(&b->entities, (const char *const[]) { "AO Kaspersky Lab", NULL });
        push_all(&b->match[VB_IND_PACKAGE],
                 (const char *const[]) { "kesl", "kesl-*", "klnagent64", "kics4net*", NULL });
        push_all(&b->match[VB_IND_MAINTAINER],
                 (const char *const[]) { "*@kaspersky.com*", "*Kaspersky Lab*", NULL });
        push_all(&b->match[VB_IND_PATH],
                 (const char *const[]) { "/opt/kaspersky/**", "/var/opt/kaspersky/**", NULL });
        push_all(&b->match[VB_IND_UNIT], (const char *const[]) { "kesl.service", NULL });
        push_all(&b->match[VB_IND_SHA256], (const char *const[]) { SHA_KESL, NULL });
        push_all(&b->match[VB_IND_MARKER], (const char *const[]) { "AO Kaspersky Lab", NULL });
}

static void ban_fill_acme(struct vb_ban *b) {
        b->id = strdup("acme");
        b->vendor = strdup("Acme");
        push_all(&b->entities, (const char *const[]) { "Acme Corp", NULL });
        b->phases = calloc(1, sizeof(struct vb_phase));
        ck_assert_ptr_nonnull(b->phases);
        b->phases[0] = (struct vb_phase) {
                .from = day("2024-01-01"), .applies_to = VB_APPLIES_ALL, .action = VB_VERDICT_FLAG,
        };
        b->n_phases = 1;
        push_all(&b->match[VB_IND_PACKAGE], (const char *const[]) { "acme-*", "kesl-gui", NULL });
        push_all(&b->match[VB_IND_PATH], (const char *const[]) { "/opt/acme/**", NULL });
        push_all(&b->match[VB_IND_MARKER], (const char *const[]) { "ACME Corp", NULL });
}

/* bans[0] = kaspersky, bans[1] = acme when with_acme. Markers flattened:
 * 0 -> kaspersky "AO Kaspersky Lab", 1 -> acme "ACME Corp". */
static struct vb_policy *policy_make(bool with_acme) {
        struct vb_policy *p = calloc(1, sizeof(*p));

        ck_assert_ptr_nonnull(p);
        p->n_bans = with_acme ? 2 : 1;
        p->bans = calloc(p->n_bans, sizeof(struct vb_ban));
        ck_assert_ptr_nonnull(p->bans);
        ban_fill_kaspersky(&p->bans[0]);
        p->markers[p->n_markers] = p->bans[0].match[VB_IND_MARKER].v[0];
        p->marker_ban[p->n_markers++] = 0;
        if (with_acme) {
                ban_fill_acme(&p->bans[1]);
                p->markers[p->n_markers] = p->bans[1].match[VB_IND_MARKER].v[0];
                p->marker_ban[p->n_markers++] = 1;
        }
        return p;
}

static void policy_destroy(struct vb_policy *p) {
        for (size_t i = 0; i < p->n_bans; i++) {
                struct vb_ban *b = &p->bans[i];

                free(b->id);
                free(b->vendor);
                strv_clear(&b->entities);
                free(b->phases);
                for (size_t k = 0; k < _VB_IND_MAX; k++)
                        strv_clear(&b->match[k]);
                strv_clear(&b->exempt_packages);
                strv_clear(&b->exempt_paths);
        }
        free(p->bans);
        free(p);
}

static struct vb_package pkg_named(const char *name, int64_t installed_at) {
        return (struct vb_package) {
                .name = name, .version = "1.0", .arch = "amd64", .installed_at = installed_at,
        };
}

/* Evaluate a package with no maintainer and no files. */
static void eval_name(const struct vb_policy *p, const char *name, int64_t now, struct vb_decision *d) {
        struct vb_package pkg = pkg_named(name, now);

        engine_evaluate_package(p, &pkg, now, d);
}

static void assert_no_match(const struct vb_decision *d) {
        ck_assert_int_eq(d->verdict, VB_VERDICT_ALLOW);
        ck_assert_ptr_null(d->ban);
        ck_assert_ptr_null(d->phase);
        ck_assert(!d->exempt);
        ck_assert_uint_eq(d->n_matches, 0);
}

START_TEST(test_engine_package_names_match) {
        struct vb_policy *p = policy_make(false);
        static const char *const banned[] = {
                "kesl", "kesl-gui", "kesl-astra", "klnagent64", "kics4net", "kics4net-agent",
        };
        struct vb_decision d;

        for (size_t i = 0; i < ELEMENTSOF(banned); i++) {
                eval_name(p, banned[i], day("2024-10-01"), &d);
                ck_assert_msg(d.ban == &p->bans[0], "%s not matched", banned[i]);
                ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
                ck_assert_uint_eq(d.n_matches, 1);
                ck_assert_int_eq(d.matches[0].kind, VB_IND_PACKAGE);
                ck_assert_str_eq(d.matches[0].value, banned[i]);
        }
        eval_name(p, "kesl-gui", day("2024-10-01"), &d);
        ck_assert_str_eq(d.matches[0].pattern, "kesl-*");
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_package_names_precision) {
        struct vb_policy *p = policy_make(false);
        static const char *const benign[] = {
                "kas", "klavaro", "kleopatra", "kasumi", "kalzium", "kexi", "kesl2", "libkesl",
                "klnagent", "klnagent64-dbg", "kics", "KESL", "kesl ", "",
        };
        struct vb_decision d;

        for (size_t i = 0; i < ELEMENTSOF(benign); i++) {
                eval_name(p, benign[i], day("2024-10-01"), &d);
                ck_assert_msg(d.n_matches == 0, "'%s' matched", benign[i]);
                assert_no_match(&d);
        }
        policy_destroy(p);
}
END_TEST

/* rpm's Packager is matched like a maintainer; the source changes nothing. */
START_TEST(test_engine_rpm_packager_is_a_maintainer) {
        struct vb_policy *p = policy_make(false);
        struct vb_package pkg = pkg_named("endpoint-agent", day("2024-10-01"));
        struct vb_decision d;

        pkg.source = "rpm";
        pkg.packager = "Build Team <builder@kaspersky.com>";
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_MAINTAINER);
        ck_assert_ptr_eq(d.matches[0].value, pkg.packager);

        pkg.packager = "Fedora Project";
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_maintainer_case_insensitive) {
        struct vb_policy *p = policy_make(false);
        struct vb_package pkg = pkg_named("endpoint-agent", day("2024-10-01"));
        struct vb_decision d;

        pkg.maintainer = "Support <SUPPORT@KASPERSKY.COM>";
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_MAINTAINER);
        ck_assert_str_eq(d.matches[0].pattern, "*@kaspersky.com*");
        ck_assert_ptr_eq(d.matches[0].value, pkg.maintainer);

        pkg.maintainer = "Debian Security <team@debian.org>";
        pkg.vendor = "ao kaspersky lab";
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_str_eq(d.matches[0].pattern, "*Kaspersky Lab*");
        ck_assert_ptr_eq(d.matches[0].value, pkg.vendor);

        pkg.vendor = NULL;
        pkg.original_maintainer = "Packager <pkg@Kaspersky.Com>";
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_ptr_eq(d.matches[0].value, pkg.original_maintainer);

        pkg.original_maintainer = "Someone <kaspersky@example.org>";
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_amavis_allowed) {
        struct vb_policy *p = policy_make(true);
        static const char *const files[] = { "/usr/sbin/amavisd-new", "/etc/amavis/conf.d/15-av_scanners" };
        struct vb_package pkg = pkg_named("amavisd-new", day("2023-01-01"));
        struct vb_decision d;

        pkg.maintainer = "Debian Amavis Team <team+amavis@tracker.debian.org>";
        pkg.files = files;
        pkg.n_files = ELEMENTSOF(files);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_rspamd_allowed) {
        struct vb_policy *p = policy_make(true);
        static const char *const files[] = {
                "/usr/bin/rspamd",
                "/usr/share/rspamd/lualib/lua_scanners/kaspersky_av.lua",
                "/usr/share/rspamd/lualib/lua_scanners/kaspersky_se.lua",
        };
        struct vb_package pkg = pkg_named("rspamd", day("2023-01-01"));
        struct vb_decision d;

        pkg.maintainer = "Debian QA Group <packages@qa.debian.org>";
        pkg.files = files;
        pkg.n_files = ELEMENTSOF(files);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_lynis_allowed) {
        struct vb_policy *p = policy_make(true);
        static const char *const files[] = { "/usr/sbin/lynis", "/usr/share/lynis/include/tests_malware" };
        struct vb_package pkg = pkg_named("lynis", day("2023-01-01"));
        struct vb_decision d;

        pkg.files = files;
        pkg.n_files = ELEMENTSOF(files);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_package_path_match) {
        struct vb_policy *p = policy_make(false);
        static const char *const files[] = {
                "/opt/kasperskyfoo/x", "/opt/kaspersky", "/opt/kaspersky/kesl/bin/kesl", "/usr/bin/true",
        };
        struct vb_package pkg = pkg_named("repackaged-av", day("2023-01-01"));
        struct vb_decision d;

        pkg.files = files;
        pkg.n_files = ELEMENTSOF(files);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_PATH);
        ck_assert_str_eq(d.matches[0].pattern, "/opt/kaspersky/**");
        ck_assert_ptr_eq(d.matches[0].value, files[2]);

        pkg.n_files = 2;
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_package_unit_match) {
        struct vb_policy *p = policy_make(false);
        static const char *const good[] = {
                "/lib/systemd/system/kesl.service",
                "/usr/lib/systemd/system/kesl.service",
                "/etc/systemd/system/kesl.service",
        };
        static const char *const bad[] = {
                "/usr/share/doc/kesl.service",
                "/lib/systemd/system/other/kesl.service",
                "/lib/systemd/system/kesl.service.d",
                "/lib/systemd/system/xkesl.service",
                "/lib/systemd/systemkesl.service",
                "/lib/systemd/system/",
                "/run/systemd/system/kesl.service",
        };
        struct vb_package pkg = pkg_named("some-agent", day("2023-01-01"));
        struct vb_decision d;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                pkg.files = &good[i];
                pkg.n_files = 1;
                engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
                ck_assert_uint_eq(d.n_matches, 1);
                ck_assert_int_eq(d.matches[0].kind, VB_IND_UNIT);
                ck_assert_str_eq(d.matches[0].pattern, "kesl.service");
                ck_assert_ptr_eq(d.matches[0].value, good[i]);
        }
        pkg.files = bad;
        pkg.n_files = ELEMENTSOF(bad);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_package_records_every_indicator) {
        struct vb_policy *p = policy_make(false);
        static const char *const files[] = {
                "/opt/kaspersky/kesl/bin/kesl", "/lib/systemd/system/kesl.service",
                "/var/opt/kaspersky/kesl/db",
        };
        struct vb_package pkg = pkg_named("kesl", day("2023-01-01"));
        struct vb_decision d;

        pkg.maintainer = "AO Kaspersky Lab <support@kaspersky.com>";
        pkg.files = files;
        pkg.n_files = ELEMENTSOF(files);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_uint_eq(d.n_matches, 6);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_PACKAGE);
        ck_assert_int_eq(d.matches[1].kind, VB_IND_MAINTAINER);
        ck_assert_int_eq(d.matches[2].kind, VB_IND_MAINTAINER);
        ck_assert_int_eq(d.matches[3].kind, VB_IND_PATH);
        ck_assert_int_eq(d.matches[4].kind, VB_IND_UNIT);
        ck_assert_int_eq(d.matches[5].kind, VB_IND_PATH);
        ck_assert_str_eq(d.matches[5].pattern, "/var/opt/kaspersky/**");
        policy_destroy(p);
}
END_TEST

static struct vb_file file_at(const char *path, int64_t first_seen) {
        return (struct vb_file) { .path = path, .first_seen = first_seen };
}

START_TEST(test_engine_file_marker_needs_elf) {
        struct vb_policy *p = policy_make(false);
        struct vb_file f = file_at("/usr/local/bin/agent", day("2023-01-01"));
        struct vb_decision d;

        f.marker_hits = 1;
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        assert_no_match(&d);

        f.is_elf = true;
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_MARKER);
        ck_assert_str_eq(d.matches[0].pattern, "AO Kaspersky Lab");
        ck_assert_ptr_eq(d.matches[0].value, f.path);

        /* A bit beyond the policy's markers means nothing. */
        f.marker_hits = UINT64_C(1) << 5;
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        assert_no_match(&d);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_file_marker_belongs_to_its_ban) {
        struct vb_policy *p = policy_make(true);
        struct vb_file f = file_at("/usr/local/bin/tool", day("2023-01-01"));
        struct vb_decision d;

        f.is_elf = true;
        f.marker_hits = UINT64_C(1) << 1;
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[1]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_str_eq(d.matches[0].pattern, "ACME Corp");
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_file_sha256) {
        struct vb_policy *p = policy_make(false);
        struct vb_file f = file_at("/home/u/Downloads/setup.bin", day("2023-01-01"));
        struct vb_decision d;

        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        assert_no_match(&d);

        f.sha256 = SHA_OTHER;
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        assert_no_match(&d);

        f.sha256 = SHA_KESL;
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_SHA256);
        ck_assert_str_eq(d.matches[0].value, SHA_KESL);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_file_path) {
        struct vb_policy *p = policy_make(false);
        static const char *const benign[] = {
                "/opt/kasperskyfoo/x", "/opt/kaspersky", "/opt/kaspersky/", "/opt/Kaspersky/x",
                "/srv/opt/kaspersky/x",
        };
        struct vb_file f = file_at("/opt/kaspersky/kesl/bin/kesl", day("2023-01-01"));
        struct vb_decision d;

        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_PATH);
        ck_assert_ptr_eq(d.matches[0].value, f.path);

        for (size_t i = 0; i < ELEMENTSOF(benign); i++) {
                f.path = benign[i];
                engine_evaluate_file(p, &f, day("2024-10-01"), &d);
                ck_assert_msg(d.n_matches == 0, "%s matched", benign[i]);
                assert_no_match(&d);
        }
        policy_destroy(p);
}
END_TEST

/* The Kaspersky ban's phases for a package installed at `installed`,
 * evaluated at `now`. */
static void eval_kesl(const struct vb_policy *p, const char *installed, const char *now,
                      struct vb_decision *d) {
        struct vb_package pkg = pkg_named("kesl", day(installed));

        engine_evaluate_package(p, &pkg, day(now), d);
        ck_assert_ptr_eq(d->ban, &p->bans[0]);
        ck_assert(!d->exempt);
}

START_TEST(test_engine_phase_existing_flagged) {
        struct vb_policy *p = policy_make(false);
        struct vb_decision d;

        eval_kesl(p, "2024-07-01", "2024-08-01", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[1]);
        eval_kesl(p, "2024-07-19", "2024-07-20", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        eval_kesl(p, "2024-07-01", "2024-09-28", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_phase_new_install_blocked) {
        struct vb_policy *p = policy_make(false);
        struct vb_decision d;

        eval_kesl(p, "2024-08-01", "2024-08-02", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[0]);
        /* Installed on the first day of the ban: a new install. */
        eval_kesl(p, "2024-07-20", "2024-07-20", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[0]);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_phase_all_blocked_after_updates_end) {
        struct vb_policy *p = policy_make(false);
        struct vb_decision d;

        eval_kesl(p, "2020-01-01", "2024-10-01", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[2]);
        eval_kesl(p, "2024-07-01", "2024-09-29", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[2]);
        /* New install after both: the most recent strongest phase wins the tie. */
        eval_kesl(p, "2024-10-01", "2024-10-01", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[2]);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_phase_not_in_force) {
        struct vb_policy *p = policy_make(false);
        struct vb_package pkg = pkg_named("kesl", 0);
        struct vb_decision d;

        eval_kesl(p, "2024-07-01", "2024-07-19", &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_ALLOW);
        ck_assert_ptr_null(d.phase);
        ck_assert_uint_eq(d.n_matches, 1);
        /* One second before the ban starts. */
        pkg.installed_at = day("2024-07-19");
        engine_evaluate_package(p, &pkg, day("2024-07-20") - 1, &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_ALLOW);
        ck_assert_ptr_null(d.phase);
        engine_evaluate_package(p, &pkg, day("2024-07-20"), &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_phase_uses_file_first_seen) {
        struct vb_policy *p = policy_make(false);
        struct vb_file f = file_at("/opt/kaspersky/kesl/bin/kesl", day("2024-07-01"));
        struct vb_decision d;

        engine_evaluate_file(p, &f, day("2024-08-01"), &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        f.first_seen = day("2024-08-01");
        engine_evaluate_file(p, &f, day("2024-08-02"), &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        engine_evaluate_file(p, &f, day("2024-07-19"), &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_ALLOW);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_ptr_null(d.phase);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_exempt_package) {
        struct vb_policy *p = policy_make(false);
        struct vb_decision d;

        ck_assert_int_eq(strv_push(&p->bans[0].exempt_packages, "kesl-doc*"), 0);
        eval_name(p, "kesl-docs", day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert(d.exempt);
        ck_assert_int_eq(d.verdict, VB_VERDICT_ALLOW);
        ck_assert_ptr_null(d.phase);
        ck_assert_uint_eq(d.n_matches, 1);

        eval_name(p, "kesl-gui", day("2024-10-01"), &d);
        ck_assert(!d.exempt);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_exempt_path_file) {
        struct vb_policy *p = policy_make(false);
        struct vb_file f = file_at("/opt/kaspersky/licenses/README", day("2023-01-01"));
        struct vb_decision d;

        ck_assert_int_eq(strv_push(&p->bans[0].exempt_paths, "/opt/kaspersky/licenses/**"), 0);
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert(d.exempt);
        ck_assert_int_eq(d.verdict, VB_VERDICT_ALLOW);
        ck_assert_uint_eq(d.n_matches, 1);

        f.path = "/opt/kaspersky/bin/kesl";
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        ck_assert(!d.exempt);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_exempt_path_in_package) {
        struct vb_policy *p = policy_make(false);
        static const char *const files[] = {
                "/opt/kaspersky/licenses/README", "/opt/kaspersky/bin/kesl",
        };
        struct vb_package pkg = pkg_named("vendor-bundle", day("2023-01-01"));
        struct vb_decision d;

        ck_assert_int_eq(strv_push(&p->bans[0].exempt_paths, "/opt/kaspersky/licenses/**"), 0);
        pkg.files = files;
        pkg.n_files = 1;
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        assert_no_match(&d);

        pkg.n_files = 2;
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert(!d.exempt);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_ptr_eq(d.matches[0].value, files[1]);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_multi_ban_strongest_wins) {
        struct vb_policy *p = policy_make(true);
        struct vb_package pkg = pkg_named("kesl-gui", day("2024-07-01"));
        struct vb_decision d;

        /* Both match; kaspersky blocks, acme flags. */
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        /* Kaspersky not yet in force: acme's flag is stronger. */
        engine_evaluate_package(p, &pkg, day("2024-07-19"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[1]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        ck_assert_ptr_eq(d.phase, &p->bans[1].phases[0]);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_str_eq(d.matches[0].pattern, "kesl-gui");
        /* Both flag (existing install): the first ban wins the tie. */
        engine_evaluate_package(p, &pkg, day("2024-08-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        ck_assert_str_eq(d.matches[0].pattern, "kesl-*");
        /* Before any ban is in force, the first ban that matched is named. */
        engine_evaluate_package(p, &pkg, day("2023-06-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_ALLOW);
        /* Only the second ban matches. */
        eval_name(p, "acme-agent", day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[1]);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_multi_ban_exempt_in_one) {
        struct vb_policy *p = policy_make(true);
        struct vb_decision d;

        ck_assert_int_eq(strv_push(&p->bans[0].exempt_packages, "kesl-gui"), 0);
        eval_name(p, "kesl-gui", day("2024-10-01"), &d);
        ck_assert_ptr_eq(d.ban, &p->bans[1]);
        ck_assert(!d.exempt);
        ck_assert_int_eq(d.verdict, VB_VERDICT_FLAG);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_matches_overflow_counted) {
        struct vb_policy *p = policy_make(false);
        char paths[40][64];
        const char *files[40];
        struct vb_package pkg = pkg_named("kesl", day("2023-01-01"));
        struct vb_decision d;
        char buf[256];

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                snprintf(paths[i], sizeof(paths[i]), "/opt/kaspersky/kesl/lib/lib%zu.so", i);
                files[i] = paths[i];
        }
        pkg.files = files;
        pkg.n_files = ELEMENTSOF(files);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_uint_eq(d.n_matches, 41);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_int_eq(d.matches[0].kind, VB_IND_PACKAGE);
        ck_assert_ptr_eq(d.matches[VB_MATCHES_MAX - 1].value, files[VB_MATCHES_MAX - 2]);
        decision_format_indicators(&d, buf, sizeof(buf));
        ck_assert_str_eq(buf, "package:kesl, path:/opt/kaspersky/**");
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_result_fully_reset) {
        struct vb_policy *p = policy_make(false);
        struct vb_file f = file_at("/tmp/x", 0);
        struct vb_decision d;

        memset(&d, 0xaa, sizeof(d));
        eval_name(p, "bash", day("2024-10-01"), &d);
        assert_no_match(&d);
        ck_assert_ptr_null(d.matches[0].pattern);

        eval_name(p, "kesl", day("2024-10-01"), &d);
        ck_assert_uint_eq(d.n_matches, 1);
        engine_evaluate_file(p, &f, day("2024-10-01"), &d);
        assert_no_match(&d);
        ck_assert_ptr_null(d.matches[0].value);
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_empty_policy_allows) {
        struct vb_policy empty = {};
        struct vb_file f = file_at("/opt/kaspersky/x", 0);
        struct vb_decision d;

        eval_name(&empty, "kesl", day("2024-10-01"), &d);
        assert_no_match(&d);
        engine_evaluate_file(&empty, &f, day("2024-10-01"), &d);
        assert_no_match(&d);
}
END_TEST

START_TEST(test_engine_format_indicators) {
        struct vb_policy *p = policy_make(false);
        static const char *const files[] = { "/opt/kaspersky/a", "/opt/kaspersky/b" };
        struct vb_package pkg = pkg_named("kesl", day("2023-01-01"));
        struct vb_decision d;
        char buf[128], small[8];

        pkg.files = files;
        pkg.n_files = ELEMENTSOF(files);
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        decision_format_indicators(&d, buf, sizeof(buf));
        ck_assert_str_eq(buf, "package:kesl, path:/opt/kaspersky/**");

        memset(small, 'x', sizeof(small));
        decision_format_indicators(&d, small, sizeof(small));
        ck_assert_str_eq(small, "package");

        small[0] = 'x';
        decision_format_indicators(&d, small, 1);
        ck_assert_int_eq(small[0], '\0');

        small[0] = 'x';
        decision_format_indicators(&d, small, 0);
        ck_assert_int_eq(small[0], 'x');

        eval_name(p, "bash", day("2024-10-01"), &d);
        memset(buf, 'x', sizeof(buf));
        decision_format_indicators(&d, buf, sizeof(buf));
        ck_assert_str_eq(buf, "");
        policy_destroy(p);
}
END_TEST

START_TEST(test_engine_format_indicators_exact_fit) {
        struct vb_decision d = { .n_matches = 2 };
        char buf[64];
        size_t need;

        d.matches[0] = (struct vb_match) { .kind = VB_IND_UNIT, .pattern = "kesl.service", .value = "v" };
        d.matches[1] = (struct vb_match) { .kind = VB_IND_SHA256, .pattern = "ab", .value = "v" };
        need = strlen("unit:kesl.service, sha256:ab");
        decision_format_indicators(&d, buf, need + 1);
        ck_assert_str_eq(buf, "unit:kesl.service, sha256:ab");
        decision_format_indicators(&d, buf, need);
        ck_assert_str_eq(buf, "unit:kesl.service, sha256:a");
        decision_format_indicators(&d, buf, strlen("unit:kesl.service") + 2);
        ck_assert_str_eq(buf, "unit:kesl.service,");
}
END_TEST

START_TEST(test_engine_phase_ties_cite_the_most_recent_phase) {
        struct vb_policy *p = policy_make(false);
        struct vb_decision d;
        struct vb_package pkg = pkg_named("kesl", day("2024-08-01"));

        /* New install (2024-07-20 phase) and "all" (2024-09-29) both block:
         * the later one, with its reason, is the one cited. */
        engine_evaluate_package(p, &pkg, day("2024-10-01"), &d);
        ck_assert_int_eq(d.verdict, VB_VERDICT_BLOCK);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[2]);
        /* Before 2024-09-29 only the new-installs phase blocks. */
        engine_evaluate_package(p, &pkg, day("2024-08-02"), &d);
        ck_assert_ptr_eq(d.phase, &p->bans[0].phases[0]);
        policy_destroy(p);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("engine");
        TCase *tc = tcase_create("match");
        TCase *tp = tcase_create("decide");

        tcase_add_test(tc, test_engine_package_names_match);
        tcase_add_test(tc, test_engine_phase_ties_cite_the_most_recent_phase);
        tcase_add_test(tc, test_engine_package_names_precision);
        tcase_add_test(tc, test_engine_maintainer_case_insensitive);
        tcase_add_test(tc, test_engine_rpm_packager_is_a_maintainer);
        tcase_add_test(tc, test_engine_amavis_allowed);
        tcase_add_test(tc, test_engine_rspamd_allowed);
        tcase_add_test(tc, test_engine_lynis_allowed);
        tcase_add_test(tc, test_engine_package_path_match);
        tcase_add_test(tc, test_engine_package_unit_match);
        tcase_add_test(tc, test_engine_package_records_every_indicator);
        tcase_add_test(tc, test_engine_file_marker_needs_elf);
        tcase_add_test(tc, test_engine_file_marker_belongs_to_its_ban);
        tcase_add_test(tc, test_engine_file_sha256);
        tcase_add_test(tc, test_engine_file_path);
        suite_add_tcase(s, tc);

        tcase_add_test(tp, test_engine_phase_existing_flagged);
        tcase_add_test(tp, test_engine_phase_new_install_blocked);
        tcase_add_test(tp, test_engine_phase_all_blocked_after_updates_end);
        tcase_add_test(tp, test_engine_phase_not_in_force);
        tcase_add_test(tp, test_engine_phase_uses_file_first_seen);
        tcase_add_test(tp, test_engine_exempt_package);
        tcase_add_test(tp, test_engine_exempt_path_file);
        tcase_add_test(tp, test_engine_exempt_path_in_package);
        tcase_add_test(tp, test_engine_multi_ban_strongest_wins);
        tcase_add_test(tp, test_engine_multi_ban_exempt_in_one);
        tcase_add_test(tp, test_engine_matches_overflow_counted);
        tcase_add_test(tp, test_engine_result_fully_reset);
        tcase_add_test(tp, test_engine_empty_policy_allows);
        tcase_add_test(tp, test_engine_format_indicators);
        tcase_add_test(tp, test_engine_format_indicators_exact_fit);
        suite_add_tcase(s, tp);
        return s;
}
