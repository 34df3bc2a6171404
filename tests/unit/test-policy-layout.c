/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the policy's layout (lib/policy.c) and of its
 * last-known-good text (lib/policy-serialize.c): shipped bans in
 * /usr/share, /etc overrides, empty and /dev/null disabling, drop-ins
 * merged with lists appended, the main config's drop-ins, origins,
 * pending dpkg files, and the round trip through text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "policy.h"

#define VENDOR "usr/share/vendorban/bans.d/"
#define LOCAL "etc/vendorban/bans.d/"
#define CONF "etc/vendorban/vendorban.conf"

static char *root;

static const char ban_acme[] =
        "ban = {\n"
        "  id = \"acme\";\n"
        "  vendor = \"Acme\";\n"
        "  entities = [ \"Acme Corp\" ];\n"
        "  authority = \"Test authority\";\n"
        "  phases = ( { from = \"2024-07-20\"; applies_to = \"all\"; action = \"block\"; } );\n"
        "  match = { packages = [ \"acme-agent\", \"acme-*\" ]; paths = [ \"/opt/acme/**\" ]; };\n"
        "  exempt = { packages = [ \"acme-docs\" ]; };\n"
        "};\n";

static void setup(void) {
        root = tmpdir_make();
        write_file(root, CONF, "mode = \"audit\";\n");
        write_file(root, VENDOR "acme.conf", ban_acme);
}

static void teardown(void) {
        tmpdir_remove(root);
        root = NULL;
}

static char *host(const char *rel) {
        char *p;

        ck_assert(asprintf(&p, "%s/%s", root, rel) > 0);
        return p;
}

static int load(struct vb_policy **p, struct vb_diag *d) {
        memset(d, 0, sizeof *d);
        *p = NULL;
        int r = policy_load(root, NULL, p, d);
        for (size_t i = 0; r < 0 && i < d->n && i < VB_DIAG_MAX; i++)
                fprintf(stderr, "%s:%u: %s\n", d->items[i].file, d->items[i].line, d->items[i].message);
        return r;
}

static bool strv_has(const struct vb_strv *v, const char *s) {
        return strv_contains(v, s);
}

START_TEST(test_policy_layout_shipped_ban_loads_from_usr_share) {
        struct vb_policy *p;
        struct vb_diag d;
        char *f = host(VENDOR "acme.conf");

        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_bans, 1);
        ck_assert_str_eq(p->bans[0].file, f);
        ck_assert_str_eq(p->config.vendor_bans_dir, "/usr/share/vendorban/bans.d");
        /* where each setting and indicator came from */
        const struct vb_origin *o = policy_origin(&p->bans[0].origins, "match.packages", "acme-*");
        ck_assert_ptr_nonnull(o);
        ck_assert_str_eq(o->file, f);
        ck_assert_uint_eq(o->line, 7);
        o = policy_origin(&p->bans[0].origins, "vendor", NULL);
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_eq(o->line, 3);
        o = policy_origin(&p->config.origins, "mode", NULL);
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_eq(o->line, 1);
        policy_free(p);
        free(f);
}
END_TEST

START_TEST(test_policy_layout_etc_replaces_shipped) {
        struct vb_policy *p;
        struct vb_diag d;
        char *f = host(LOCAL "acme.conf");
        char *local = strdup(ban_acme);

        memcpy(strstr(local, "acme-agent"), "acme-AGENT", 10);
        write_file(root, LOCAL "acme.conf", local);
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_bans, 1);
        ck_assert_str_eq(p->bans[0].file, f);
        ck_assert(strv_has(&p->bans[0].match[VB_IND_PACKAGE], "acme-AGENT"));
        ck_assert(!strv_has(&p->bans[0].match[VB_IND_PACKAGE], "acme-agent"));
        policy_free(p);
        free(local);
        free(f);
}
END_TEST

START_TEST(test_policy_layout_empty_or_dev_null_disables) {
        struct vb_policy *p;
        struct vb_diag d;
        char *f = host(LOCAL "acme.conf");

        write_file(root, LOCAL "acme.conf", "# disabled here\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_bans, 0);
        ck_assert(strv_has(&p->disabled, "/etc/vendorban/bans.d/acme.conf"));
        policy_free(p);

        ck_assert_int_eq(unlink(f), 0);
        ck_assert_int_eq(symlink("/dev/null", f), 0);
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_bans, 0);
        policy_free(p);
        free(f);
}
END_TEST

START_TEST(test_policy_layout_dropin_appends_lists) {
        struct vb_policy *p;
        struct vb_diag d;
        char *f = host(LOCAL "acme.conf.d/local.conf");

        write_file(root, LOCAL "acme.conf.d/local.conf",
                   "ban = {\n  exempt = { packages = [ \"acme-agent\" ]; };\n"
                   "  match = { units = [ \"acme.service\" ]; };\n  vendor = \"Acme Inc\";\n};\n");
        /* The shipped drop-in repeats what the ban has: nothing doubles. */
        write_file(root, VENDOR "acme.conf.d/10-shipped.conf",
                   "ban = { match = { packages = [ \"acme-extra\", \"acme-agent\" ]; };\n"
                   "  entities = [ \"Acme Corp\" ];\n"
                   "  phases = ( { from = \"2024-07-20\"; applies_to = \"all\"; action = \"block\"; } ); };\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_bans, 1);
        const struct vb_ban *b = &p->bans[0];
        ck_assert_uint_eq(b->exempt_packages.n, 2);
        ck_assert_str_eq(b->exempt_packages.v[0], "acme-docs");
        ck_assert_str_eq(b->exempt_packages.v[1], "acme-agent");
        ck_assert_uint_eq(b->match[VB_IND_PACKAGE].n, 3);
        ck_assert_str_eq(b->match[VB_IND_PACKAGE].v[2], "acme-extra");
        ck_assert_str_eq(b->vendor, "Acme Inc");
        ck_assert_uint_eq(b->entities.n, 1);
        ck_assert_uint_eq(b->n_phases, 1);
        ck_assert_uint_eq(b->dropins.n, 2);
        ck_assert_str_eq(b->dropins.v[1], f);
        const struct vb_origin *o = policy_origin(&b->origins, "exempt.packages", "acme-agent");
        ck_assert_ptr_nonnull(o);
        ck_assert_str_eq(o->file, f);
        ck_assert_uint_eq(o->line, 2);
        o = policy_origin(&b->origins, "vendor", NULL);
        ck_assert_str_eq(o->file, f);
        policy_free(p);

        /* Checked alone, a drop-in needs no required setting. */
        memset(&d, 0, sizeof d);
        ck_assert_int_eq(policy_check_file(f, &d), 0);
        free(f);

        /* A drop-in cannot rename the ban; its errors are file:line. */
        write_file(root, LOCAL "acme.conf.d/local.conf", "ban = {\n  id = \"other\";\n};\n");
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        ck_assert_ptr_nonnull(strstr(d.items[0].message, "cannot change the id"));
        ck_assert_uint_eq(d.items[0].line, 2);
}
END_TEST

START_TEST(test_policy_layout_config_dropins) {
        struct vb_policy *p;
        struct vb_diag d;

        write_file(root, CONF ".d/50-enforce.conf", "mode = \"enforce\";\nwatch_paths = [ \"/srv\" ];\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_int_eq(p->config.mode, VB_MODE_ENFORCE);
        ck_assert_uint_eq(p->config.watch_paths.n, 5);
        ck_assert_str_eq(p->config.watch_paths.v[4], "/srv");
        const struct vb_origin *o = policy_origin(&p->config.origins, "mode", NULL);
        ck_assert_ptr_nonnull(strstr(o->file, "vendorban.conf.d/50-enforce.conf"));
        policy_free(p);
}
END_TEST

START_TEST(test_policy_layout_pending_dpkg_files_listed) {
        struct vb_policy *p;
        struct vb_diag d;
        char *f = host(LOCAL "acme.conf.dpkg-dist"), *g = host(CONF ".ucf-dist");

        write_file(root, LOCAL "acme.conf.dpkg-dist", ban_acme);
        write_file(root, CONF ".ucf-dist", "mode = \"audit\";\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->pending.n, 2);
        ck_assert(strv_has(&p->pending, f));
        ck_assert(strv_has(&p->pending, g));
        policy_free(p);
        free(f);
        free(g);
}
END_TEST

START_TEST(test_policy_layout_neither_bans_dir_is_an_error) {
        struct vb_policy *p;
        struct vb_diag d;
        char *f = host(VENDOR "acme.conf"), *dir = host(VENDOR);

        ck_assert_int_eq(unlink(f), 0);
        ck_assert_int_eq(rmdir(dir), 0);
        ck_assert_int_eq(load(&p, &d), -ENOENT);
        free(f);
        free(dir);
}
END_TEST

START_TEST(test_policy_serialize_round_trip) {
        struct vb_policy *p, *q;
        struct vb_diag d;
        char *text, *text2;

        write_file(root, VENDOR "acme.conf.d/x.conf",
                   "ban = { match = { markers = [ \"ACME\\x01\\\"marker\\\\\" ]; }; "
                   "phases = ( { from = \"2025-01-02\"; applies_to = \"existing\"; action = \"flag\"; reason = \"why\"; } ); };\n");
        write_file(root, CONF ".d/x.conf", "mode = \"enforce\";\nexec_guard = false;\nrescan_interval = 0;\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_int_eq(policy_serialize(p, &text), 0);
        memset(&d, 0, sizeof d);
        ck_assert_int_eq(policy_deserialize(text, &q, &d), 0);
        ck_assert_str_eq(q->digest, p->digest);
        ck_assert_str_eq(q->markers_digest, p->markers_digest);
        ck_assert_int_eq(q->config.mode, VB_MODE_ENFORCE);
        ck_assert(!q->config.exec_guard);
        ck_assert_uint_eq(q->config.rescan_interval, 0);
        ck_assert_uint_eq(q->n_bans, 1);
        ck_assert_str_eq(q->bans[0].file, p->bans[0].file);
        ck_assert_uint_eq(q->bans[0].n_phases, 2);
        ck_assert_str_eq(q->bans[0].phases[1].reason, "why");
        ck_assert_str_eq(q->bans[0].match[VB_IND_MARKER].v[0], "ACME\x01\"marker\\");
        ck_assert_uint_eq(q->bans[0].exempt_packages.n, 1);
        ck_assert_int_eq(policy_serialize(q, &text2), 0);
        ck_assert_str_eq(text, text2);
        free(text);
        free(text2);
        policy_free(p);
        policy_free(q);

        /* Garbage is refused, never half-read. */
        memset(&d, 0, sizeof d);
        ck_assert_int_eq(policy_deserialize("digest = \"x\";\n", &q, &d), -EINVAL);
        ck_assert_int_eq(policy_deserialize("@include \"\"\n", &q, &d), -EINVAL);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("policy-layout");
        TCase *tc = tcase_create("layout");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_policy_layout_shipped_ban_loads_from_usr_share);
        tcase_add_test(tc, test_policy_layout_etc_replaces_shipped);
        tcase_add_test(tc, test_policy_layout_empty_or_dev_null_disables);
        tcase_add_test(tc, test_policy_layout_dropin_appends_lists);
        tcase_add_test(tc, test_policy_layout_config_dropins);
        tcase_add_test(tc, test_policy_layout_pending_dpkg_files_listed);
        tcase_add_test(tc, test_policy_layout_neither_bans_dir_is_an_error);
        tcase_add_test(tc, test_policy_serialize_round_trip);
        suite_add_tcase(s, tc);
        return s;
}
