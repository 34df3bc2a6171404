/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of lib/policy.c: the shipped files load, and every kind of bad
 * input is reported at the right file:line with nothing half-loaded. Each
 * test builds its own root under $TMPDIR; none touches the real /etc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glob.h"
#include "harness.h"
#include "policy.h"

#define BANS "etc/vendorban/bans.d/"
#define CONF "etc/vendorban/vendorban.conf"

static char *root;
static struct vb_policy sentinel;      /* what *ret must still point to after a failure */

/* A valid ban, one setting per line, so a test can replace line N. */
static const char *const ban_lines[] = {
        "ban = {\n",                                                    /* 1 */
        "  id = \"acme\";\n",                                           /* 2 */
        "  vendor = \"Acme\";\n",                                       /* 3 */
        "  entities = [ \"Acme Corp\" ];\n",                            /* 4 */
        "  authority = \"Test authority\";\n",                          /* 5 */
        "  phases = ( { from = \"2024-07-20\"; applies_to = \"all\"; action = \"block\"; } );\n", /* 6 */
        "  match = { packages = [ \"acme-agent\" ]; };\n",              /* 7 */
        "};\n",                                                         /* 8 */
};

static void setup(void) {
        char *dir;

        root = tmpdir_make();
        ck_assert(asprintf(&dir, "%s/etc", root) > 0);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        free(dir);
        ck_assert(asprintf(&dir, "%s/etc/vendorban", root) > 0);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        free(dir);
        ck_assert(asprintf(&dir, "%s/" BANS, root) > 0);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        free(dir);
}

static void teardown(void) {
        tmpdir_remove(root);
        root = NULL;
}

/* The valid ban with line `line` (1-based; 0 = none) replaced by text. */
static char *ban_text(unsigned line, const char *text) {
        size_t size = 1;
        char *s;

        for (size_t i = 0; i < ELEMENTSOF(ban_lines); i++)
                size += strlen(ban_lines[i]);
        size += text ? strlen(text) : 0;
        s = calloc(1, size);
        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i < ELEMENTSOF(ban_lines); i++)
                strcat(s, i + 1 == line ? text : ban_lines[i]);
        return s;
}

static void write_ban(const char *name, unsigned line, const char *text) {
        char *rel, *content = ban_text(line, text);

        ck_assert(asprintf(&rel, BANS "%s", name) > 0);
        write_file(root, rel, content);
        free(rel);
        free(content);
}

/* The same with id "acme" changed to id. */
static void write_ban_id(const char *name, const char *id, unsigned line, const char *text) {
        char *rel, *with_id, *content = ban_text(line, text), *at = strstr(content, "\"acme\"");

        ck_assert_ptr_nonnull(at);
        *at = '\0';
        ck_assert(asprintf(&with_id, "%s\"%s\"%s", content, id, at + strlen("\"acme\"")) > 0);
        ck_assert(asprintf(&rel, BANS "%s", name) > 0);
        write_file(root, rel, with_id);
        free(rel);
        free(with_id);
        free(content);
}

static char *slurp(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf;
        long n;

        ck_assert_msg(f, "cannot open %s", path);
        ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        buf = calloc(1, n + 1);
        ck_assert_ptr_nonnull(buf);
        ck_assert_int_eq(fread(buf, 1, n, f), n);
        fclose(f);
        return buf;
}

static void install_shipped(void) {
        char *conf = slurp(TEST_SRCDIR "/policy/vendorban.conf");
        char *ban = slurp(TEST_SRCDIR "/policy/bans.d/kaspersky.conf");

        write_file(root, CONF, conf);
        write_file(root, BANS "kaspersky.conf", ban);
        free(conf);
        free(ban);
}

static char *host(const char *rel) {
        char *p;

        ck_assert(asprintf(&p, "%s/%s", root, rel) > 0);
        return p;
}

/* Whether d holds an error at root/rel:line whose message contains needle. */
static bool diag_has(const struct vb_diag *d, const char *rel, unsigned line, const char *needle) {
        char *file = host(rel);
        bool found = false;

        for (size_t i = 0; i < d->n && i < VB_DIAG_MAX; i++)
                if (strcmp(d->items[i].file, file) == 0 && d->items[i].line == line &&
                    strstr(d->items[i].message, needle))
                        found = true;
        free(file);
        return found;
}

static void diag_dump(const struct vb_diag *d) {
        diag_print(d, stderr);
}

/* Load root; expect r and, on failure, *ret untouched. */
static int load(struct vb_policy **p, struct vb_diag *d) {
        int r;

        *p = &sentinel;
        memset(d, 0, sizeof *d);
        r = policy_load(root, NULL, p, d);
        if (r < 0)
                ck_assert_ptr_eq(*p, &sentinel);
        return r;
}

/* A ban file bad.conf with line replaced must fail at bad.conf:want_line. */
static void assert_ban_error(unsigned line, const char *text, unsigned want_line, const char *needle) {
        struct vb_policy *p;
        struct vb_diag d;

        write_ban("bad.conf", line, text);
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        if (!diag_has(&d, BANS "bad.conf", want_line, needle)) {
                diag_dump(&d);
                ck_abort_msg("no error at bad.conf:%u containing \"%s\"", want_line, needle);
        }
}

static void assert_config_error(const char *content, unsigned want_line, const char *needle) {
        struct vb_policy *p;
        struct vb_diag d;

        write_file(root, CONF, content);
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        if (!diag_has(&d, CONF, want_line, needle)) {
                diag_dump(&d);
                ck_abort_msg("no error at vendorban.conf:%u containing \"%s\"", want_line, needle);
        }
}

static int64_t date(const char *s) {
        int64_t t;

        ck_assert_int_eq(date_parse(s, &t), 0);
        return t;
}

START_TEST(test_policy_shipped_loads) {
        struct vb_policy *p;
        struct vb_diag d;
        const struct vb_ban *b;

        install_shipped();
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(d.n, 0);

        ck_assert_int_eq(p->config.mode, VB_MODE_AUDIT);
        ck_assert_uint_eq(p->config.watch_paths.n, 4);
        ck_assert_str_eq(p->config.watch_paths.v[3], "/usr/local");
        ck_assert_uint_eq(p->config.rescan_interval, 3600);
        ck_assert_uint_eq(p->config.debounce_ms, 50);
        ck_assert(p->config.exec_guard);
        ck_assert(p->config.apt_hook_allow_on_error);
        ck_assert_str_eq(p->config.state_dir, "/var/lib/vendorban");
        ck_assert_str_eq(p->config.bans_dir, "/etc/vendorban/bans.d");
        ck_assert_str_eq(p->config.dpkg_admin_dir, "/var/lib/dpkg");

        ck_assert_uint_eq(p->n_bans, 1);
        b = &p->bans[0];
        ck_assert_str_eq(b->id, "kaspersky");
        ck_assert_str_eq(b->vendor, "Kaspersky");
        ck_assert_uint_eq(b->entities.n, 3);
        ck_assert_str_eq(b->entities.v[0], "AO Kaspersky Lab");
        ck_assert_ptr_nonnull(strstr(b->authority, "2024-13532"));
        ck_assert_uint_eq(b->n_phases, 3);
        ck_assert_int_eq(b->phases[0].from, date("2024-07-20"));
        ck_assert_int_eq(b->phases[0].applies_to, VB_APPLIES_NEW_INSTALLS);
        ck_assert_int_eq(b->phases[0].action, VB_VERDICT_BLOCK);
        ck_assert_int_eq(b->phases[1].from, date("2024-07-20"));
        ck_assert_int_eq(b->phases[1].applies_to, VB_APPLIES_EXISTING);
        ck_assert_int_eq(b->phases[1].action, VB_VERDICT_FLAG);
        ck_assert_ptr_null(b->phases[1].reason);
        ck_assert_int_eq(b->phases[2].from, date("2024-09-29"));
        ck_assert_int_eq(b->phases[2].applies_to, VB_APPLIES_ALL);
        ck_assert_int_eq(b->phases[2].action, VB_VERDICT_BLOCK);
        ck_assert_str_eq(b->phases[2].reason, "no security updates after 2024-09-29");

        ck_assert_uint_eq(b->match[VB_IND_PACKAGE].n, 22);
        ck_assert_uint_ge(b->match[VB_IND_MAINTAINER].n, 4);
        ck_assert_uint_eq(b->match[VB_IND_PATH].n, 23);
        ck_assert_uint_eq(b->match[VB_IND_UNIT].n, 20);
        ck_assert_uint_eq(b->match[VB_IND_SHA256].n, 0);
        ck_assert_uint_ge(b->match[VB_IND_MARKER].n, 2);
        ck_assert_uint_ge(b->alternatives.n, 5);
        ck_assert_uint_eq(b->exempt_packages.n, 0);

        ck_assert_uint_eq(p->n_markers, b->match[VB_IND_MARKER].n);
        for (size_t i = 0; i < p->n_markers; i++) {
                ck_assert_ptr_eq(p->markers[i], b->match[VB_IND_MARKER].v[i]);
                ck_assert_uint_eq(p->marker_ban[i], 0);
        }
        ck_assert_uint_eq(strlen(p->digest), 64);
        ck_assert_uint_eq(strlen(p->markers_digest), 64);
        ck_assert_str_ne(p->digest, p->markers_digest);
        ck_assert_ptr_nonnull(strstr(b->file, "/" BANS "kaspersky.conf"));
        ck_assert_str_eq(b->file + strlen(root), "/" BANS "kaspersky.conf");
        policy_free(p);
}
END_TEST

START_TEST(test_policy_shipped_globs_are_precise) {
        static const char *const lookalikes[] = {
                "kas", "klavaro", "kleopatra", "kasumi", "kalzium", "kate", "kdiff3",
                "kess-lookalike", "keslx", "klnagent65", "kics-server", "libkav", "kavorka",
        };
        static const char *const ours[] = { "kesl", "klnagent64", "kics4net", "kics4net-webserver", "kfl" };
        struct vb_policy *p;
        struct vb_diag d;
        const struct vb_strv *pk, *mt;

        install_shipped();
        ck_assert_int_eq(load(&p, &d), 0);
        pk = &p->bans[0].match[VB_IND_PACKAGE];
        mt = &p->bans[0].match[VB_IND_MAINTAINER];
        for (size_t i = 0; i < ELEMENTSOF(lookalikes); i++)
                for (size_t j = 0; j < pk->n; j++)
                        ck_assert_msg(!glob_match_name(pk->v[j], lookalikes[i], false),
                                      "%s matches %s", pk->v[j], lookalikes[i]);
        for (size_t i = 0; i < ELEMENTSOF(ours); i++) {
                bool hit = false;
                for (size_t j = 0; j < pk->n; j++)
                        hit = hit || glob_match_name(pk->v[j], ours[i], false);
                ck_assert_msg(hit, "%s not matched", ours[i]);
        }
        for (size_t j = 0; j < mt->n; j++) {
                ck_assert(!glob_match_name(mt->v[j], "Debian KDE Extras Team <pkg-kde-extras@lists.alioth.debian.org>", true));
                ck_assert(!glob_match_name(mt->v[j], "Kasumi Maintainers <kasumi@example.org>", true));
        }
        policy_free(p);
}
END_TEST

START_TEST(test_policy_shipped_check_file) {
        struct vb_diag d = {};

        ck_assert_int_eq(policy_check_file(TEST_SRCDIR "/policy/vendorban.conf", &d), 0);
        ck_assert_int_eq(policy_check_file(TEST_SRCDIR "/policy/bans.d/kaspersky.conf", &d), 0);
        ck_assert_uint_eq(d.n, 0);
}
END_TEST

START_TEST(test_policy_missing_config_gives_defaults) {
        struct vb_policy *p;
        struct vb_diag d;

        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(d.n, 0);
        ck_assert_uint_eq(p->n_bans, 0);
        ck_assert_uint_eq(p->n_markers, 0);
        ck_assert_int_eq(p->config.mode, VB_MODE_AUDIT);
        ck_assert_uint_eq(p->config.watch_paths.n, 4);
        ck_assert_str_eq(p->config.watch_paths.v[0], "/opt");
        ck_assert_uint_eq(p->config.rescan_interval, 3600);
        ck_assert_uint_eq(p->config.debounce_ms, 50);
        ck_assert(p->config.exec_guard);
        ck_assert(p->config.apt_hook_allow_on_error);
        ck_assert_str_eq(p->config.state_dir, "/var/lib/vendorban");
        ck_assert_str_eq(p->config.bans_dir, "/etc/vendorban/bans.d");
        ck_assert_str_eq(p->config.dpkg_admin_dir, "/var/lib/dpkg");
        policy_free(p);
}
END_TEST

START_TEST(test_policy_config_values) {
        struct vb_policy *p;
        struct vb_diag d;

        char *ban = ban_text(0, NULL);

        write_file(root, "srv/bans/a.conf", ban);
        free(ban);
        write_file(root, CONF,
                   "mode = \"enforce\";\nwatch_paths = [ \"/srv\" ];\nrescan_interval = 0;\n"
                   "debounce_ms = 10000;\nexec_guard = false;\napt_hook_on_error = \"refuse\";\n"
                   "state_dir = \"/state\";\nbans_dir = \"/srv/bans\";\ndpkg_admin_dir = \"/dpkg\";\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_int_eq(p->config.mode, VB_MODE_ENFORCE);
        ck_assert_uint_eq(p->config.watch_paths.n, 1);
        ck_assert_str_eq(p->config.watch_paths.v[0], "/srv");
        ck_assert_uint_eq(p->config.rescan_interval, 0);
        ck_assert_uint_eq(p->config.debounce_ms, 10000);
        ck_assert(!p->config.exec_guard);
        ck_assert(!p->config.apt_hook_allow_on_error);
        ck_assert_str_eq(p->config.state_dir, "/state");
        ck_assert_str_eq(p->config.dpkg_admin_dir, "/dpkg");
        ck_assert_uint_eq(p->n_bans, 1);
        ck_assert_str_eq(p->bans[0].file + strlen(root), "/srv/bans/a.conf");
        policy_free(p);
}
END_TEST

START_TEST(test_policy_explicit_config_path) {
        struct vb_policy *p = &sentinel;
        struct vb_diag d = {};

        write_file(root, "other/vb.conf", "mode = \"enforce\";\n");
        ck_assert_int_eq(policy_load(root, "/other/vb.conf", &p, &d), 0);
        ck_assert_int_eq(p->config.mode, VB_MODE_ENFORCE);
        policy_free(p);
}
END_TEST

START_TEST(test_policy_config_errors) {
        assert_config_error("mode = \"audit\";\nfoo = 1;\n", 2, "unknown setting");
        assert_config_error("mode = \"strict\";\n", 1, "not one of");
        assert_config_error("\ndebounce_ms = \"50\";\n", 2, "must be an integer");
        assert_config_error("debounce_ms = 10001;\n", 1, "out of range");
        assert_config_error("rescan_interval = -1;\n", 1, "out of range");
        assert_config_error("exec_guard = 1;\n", 1, "must be a boolean");
        assert_config_error("apt_hook_on_error = \"maybe\";\n", 1, "not one of");
        assert_config_error("state_dir = \"var/lib/x\";\n", 1, "not an absolute path");
        assert_config_error("watch_paths = [ \"/opt\",\n \"usr/local\" ];\n", 2, "not an absolute path");
        assert_config_error("state_dir = \"\";\n", 1, "must not be empty");
}
END_TEST

START_TEST(test_policy_config_syntax_error) {
        assert_config_error("mode = \"audit\";\n\nexec_guard = ;\n", 3, "syntax error");
}
END_TEST

START_TEST(test_policy_ban_syntax_error) {
        assert_ban_error(3, "  vendor = ;\n", 3, "syntax error");
}
END_TEST

START_TEST(test_policy_unknown_key_in_ban) {
        assert_ban_error(3, "  vendor = \"Acme\";\n  colour = \"red\";\n", 4, "ban.colour: unknown setting");
}
END_TEST

START_TEST(test_policy_unknown_key_in_match) {
        assert_ban_error(7, "  match = { packages = [ \"acme\" ];\n    files = [ \"/x\" ]; };\n", 8,
                         "ban.match.files: unknown setting");
}
END_TEST

START_TEST(test_policy_unknown_key_in_phase) {
        assert_ban_error(6, "  phases = ( { from = \"2024-07-20\"; applies_to = \"all\";\n"
                            "    action = \"block\"; until = \"2025-01-01\"; } );\n",
                         7, "ban.phases[0].until: unknown setting");
}
END_TEST

START_TEST(test_policy_wrong_type) {
        assert_ban_error(3, "  vendor = 5;\n", 3, "must be a string");
        assert_ban_error(4, "  entities = \"Acme Corp\";\n", 4, "must be an array of strings");
        assert_ban_error(7, "  match = [ \"acme\" ];\n", 7, "must be a group");
        assert_ban_error(6, "  phases = { from = \"2024-07-20\"; };\n", 6, "must be a list of groups");
        assert_ban_error(4, "  entities = [ 1, 2 ];\n", 4, "ban.entities[0]: must be a string");
}
END_TEST

START_TEST(test_policy_empty_entities) {
        assert_ban_error(4, "  entities = [ ];\n", 4, "must not be empty");
        assert_ban_error(4, "  entities = [ \"\" ];\n", 4, "must not be empty");
}
END_TEST

START_TEST(test_policy_bad_date) {
        assert_ban_error(6, "  phases = ( { from = \"2024-02-30\"; applies_to = \"all\"; action = \"block\"; } );\n",
                         6, "\"2024-02-30\" is not a date");
}
END_TEST

START_TEST(test_policy_bad_action) {
        assert_ban_error(6, "  phases = ( { from = \"2024-07-20\"; applies_to = \"all\"; action = \"kill\"; } );\n",
                         6, "action: \"kill\" is not one of flag, block");
}
END_TEST

START_TEST(test_policy_bad_applies_to) {
        assert_ban_error(6, "  phases = ( { from = \"2024-07-20\"; applies_to = \"old\"; action = \"flag\"; } );\n",
                         6, "applies_to: \"old\" is not one of");
}
END_TEST

START_TEST(test_policy_relative_path) {
        assert_ban_error(7, "  match = { paths = [ \"opt/acme/**\" ]; };\n", 7, "not an absolute path");
        assert_ban_error(7, "  match = { packages = [ \"acme\" ]; };\n  exempt = { paths = [ \"/ok\", \"x/**\" ]; };\n",
                         8, "ban.exempt.paths[1]: \"x/**\" is not an absolute path");
}
END_TEST

START_TEST(test_policy_bad_unit_suffix) {
        assert_ban_error(7, "  match = { units = [ \"acme.service\", \"acme.exe\" ]; };\n", 7,
                         "ban.match.units[1]: \"acme.exe\" is not a unit name");
}
END_TEST

START_TEST(test_policy_bad_sha256) {
        assert_ban_error(7, "  match = { sha256 = [ \"abc123\" ]; };\n", 7, "is not a sha256");
        assert_ban_error(7, "  match = { sha256 = [\n"
                            "    \"g000000000000000000000000000000000000000000000000000000000000000\" ]; };\n",
                         8, "is not a sha256");
}
END_TEST

START_TEST(test_policy_sha256_stored_lower_case) {
        struct vb_policy *p;
        struct vb_diag d;

        write_ban("a.conf", 7, "  match = { sha256 = [ "
                  "\"ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789\" ]; };\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_str_eq(p->bans[0].match[VB_IND_SHA256].v[0],
                         "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
        policy_free(p);
}
END_TEST

START_TEST(test_policy_short_marker) {
        assert_ban_error(7, "  match = { markers = [ \"abcd\", \"abc\" ]; };\n", 7, "shorter than 4 bytes");
}
END_TEST

/* Two files that are fine alone but hold more than VB_MARKERS_MAX markers together. */
START_TEST(test_policy_too_many_markers) {
        char line[16 * VB_MARKERS_MAX] = "  match = { markers = [ ";
        struct vb_policy *p;
        struct vb_diag d;

        for (int i = 0; i < VB_MARKERS_MAX / 2 + 1; i++)
                snprintf(line + strlen(line), sizeof line - strlen(line), "%s\"marker-%03d\"", i ? ", " : "", i);
        strcat(line, " ]; };\n");
        write_ban("a.conf", 7, line);
        write_ban("b.conf", 2, "  id = \"other\";\n");
        ck_assert_int_eq(load(&p, &d), 0);      /* b.conf has no markers */
        ck_assert_uint_eq(p->n_markers, VB_MARKERS_MAX / 2 + 1);
        policy_free(p);

        write_ban_id("b.conf", "other", 7, line);
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        ck_assert(diag_has(&d, BANS "b.conf", 7, "too many markers"));
}
END_TEST

START_TEST(test_policy_unbalanced_bracket) {
        assert_ban_error(7, "  match = { packages = [ \"acme-[ab\" ]; };\n", 7, "unbalanced '['");
        assert_ban_error(7, "  match = { paths = [ \"/opt/acme[/x]\" ]; };\n", 7, "unbalanced '['");
}
END_TEST

START_TEST(test_policy_balanced_brackets_accepted) {
        struct vb_policy *p;
        struct vb_diag d;

        write_ban("a.conf", 7, "  match = { packages = [ \"acme-[]x]\", \"acme-[!0-9]*\", \"acme\\\\[\" ];\n"
                               "    paths = [ \"/opt/acme/[ab]/**\" ]; };\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->bans[0].match[VB_IND_PACKAGE].n, 3);
        policy_free(p);
}
END_TEST

START_TEST(test_policy_duplicate_id) {
        struct vb_policy *p;
        struct vb_diag d;
        char *first;

        write_ban("a.conf", 0, NULL);
        write_ban("b.conf", 3, "  vendor = \"Acme again\";\n");
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        ck_assert(diag_has(&d, BANS "b.conf", 2, "\"acme\" is already defined in"));
        first = host(BANS "a.conf");
        ck_assert_ptr_nonnull(strstr(d.items[0].message, first));
        free(first);
}
END_TEST

START_TEST(test_policy_missing_required) {
        assert_ban_error(3, "", 1, "missing required setting \"vendor\"");
        assert_ban_error(7, "", 1, "missing required setting \"match\"");
        assert_ban_error(6, "  phases = ( { applies_to = \"all\"; action = \"block\"; } );\n", 6,
                         "missing required setting \"from\"");
        assert_ban_error(7, "  match = { packages = [ ]; };\n", 7, "no indicators");
}
END_TEST

START_TEST(test_policy_two_top_level_settings) {
        assert_ban_error(8, "};\nextra = 1;\n", 9, "exactly one setting");
        assert_ban_error(1, "ban2 = {\n", 1, "exactly one setting");
}
END_TEST

START_TEST(test_policy_bad_id) {
        assert_ban_error(2, "  id = \"Acme Corp\";\n", 2, "may hold only");
}
END_TEST

START_TEST(test_policy_all_errors_reported) {
        struct vb_policy *p;
        struct vb_diag d;

        write_file(root, CONF, "mode = \"audit\";\nbogus = true;\n");
        write_ban("a.conf", 6, "  phases = ( { from = \"2024-13-01\"; applies_to = \"all\"; action = \"block\"; } );\n");
        write_ban_id("b.conf", "bee", 7, "  match = { units = [ \"b.exe\" ];\n    paths = [ \"rel\" ]; };\n");
        write_file(root, BANS "c.conf", "ban = {\n  id = \"c\"\n");
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        if (d.n != 5)
                diag_dump(&d);
        ck_assert_uint_eq(d.n, 5);
        ck_assert(diag_has(&d, CONF, 2, "bogus"));
        ck_assert(diag_has(&d, BANS "a.conf", 6, "2024-13-01"));
        ck_assert(diag_has(&d, BANS "b.conf", 7, "b.exe"));
        ck_assert(diag_has(&d, BANS "b.conf", 8, "rel"));
        ck_assert(diag_has(&d, BANS "c.conf", 3, "syntax error"));
}
END_TEST

START_TEST(test_policy_bans_in_lexical_order) {
        struct vb_policy *p;
        struct vb_diag d;

        write_ban("b.conf", 2, "  id = \"bee\";\n");
        write_ban("a.conf", 2, "  id = \"ay\";\n");
        write_ban("10-c.conf", 2, "  id = \"ten\";\n");
        write_ban("B.conf", 2, "  id = \"upper-bee\";\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_bans, 4);
        ck_assert_str_eq(p->bans[0].id, "ten");
        ck_assert_str_eq(p->bans[1].id, "upper-bee");
        ck_assert_str_eq(p->bans[2].id, "ay");
        ck_assert_str_eq(p->bans[3].id, "bee");
        policy_free(p);
}
END_TEST

START_TEST(test_policy_other_files_ignored) {
        struct vb_policy *p;
        struct vb_diag d;
        char *dir;

        write_ban("a.conf", 0, NULL);
        write_file(root, BANS ".hidden.conf", "this is not libconfig");
        write_file(root, BANS "notes.txt", "this is not libconfig");
        write_file(root, BANS "a.conf.dpkg-old", "this is not libconfig");
        write_file(root, BANS "README", "this is not libconfig");
        write_file(root, BANS "sub.conf/x.conf", "this is not libconfig");
        dir = host(BANS ".conf");
        ck_assert_int_eq(symlink("a.conf", dir), 0);
        free(dir);
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_bans, 1);
        policy_free(p);
}
END_TEST

START_TEST(test_policy_missing_bans_dir) {
        struct vb_policy *p;
        struct vb_diag d;
        char *dir = host(BANS);

        ck_assert_int_eq(rmdir(dir), 0);
        free(dir);
        ck_assert_int_eq(load(&p, &d), -ENOENT);
        ck_assert_uint_eq(d.n, 1);
        ck_assert(diag_has(&d, "etc/vendorban/bans.d", 0, strerror(ENOENT)));
}
END_TEST

START_TEST(test_policy_unreadable_config_is_io_error) {
        struct vb_policy *p;
        struct vb_diag d;
        char *conf = host(CONF);

        ck_assert_int_eq(mkdir(conf, 0755), 0);        /* a directory where the file should be */
        free(conf);
        ck_assert_int_eq(load(&p, &d), -EISDIR);
        ck_assert(diag_has(&d, CONF, 0, strerror(EISDIR)));
}
END_TEST

START_TEST(test_policy_check_file_kinds) {
        struct vb_diag d = {};
        char *path;

        write_ban("a.conf", 5, "  authority = 1;\n");
        write_file(root, CONF, "mode = \"audit\";\nban_dir = \"/x\";\n");
        path = host(BANS "a.conf");
        ck_assert_int_eq(policy_check_file(path, &d), -EINVAL);
        free(path);
        ck_assert(diag_has(&d, BANS "a.conf", 5, "ban.authority: must be a string"));
        path = host(CONF);
        ck_assert_int_eq(policy_check_file(path, &d), -EINVAL);
        free(path);
        ck_assert(diag_has(&d, CONF, 2, "ban_dir: unknown setting"));
        ck_assert_uint_eq(d.n, 2);

        write_ban("a.conf", 0, NULL);
        path = host(BANS "a.conf");
        memset(&d, 0, sizeof d);
        ck_assert_int_eq(policy_check_file(path, &d), 0);
        free(path);
        path = host("nope.conf");
        ck_assert_int_eq(policy_check_file(path, &d), -ENOENT);
        free(path);
        ck_assert(diag_has(&d, "nope.conf", 0, strerror(ENOENT)));
}
END_TEST

START_TEST(test_policy_include_refused) {
        struct vb_policy *p;
        struct vb_diag d;

        /* libconfig 1.5 calls exit() on '@include ""' and opens an included
         * file itself (a FIFO would block): refused before it sees them. */
        write_file(root, CONF, "exec_guard = false;\n  @include \"\"\n");
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        ck_assert(diag_has(&d, CONF, 2, "\"@include\" directives are not supported"));
        write_file(root, CONF, "@include \"extra.inc\"\nexec_guard = false;\n");
        write_file(root, "etc/vendorban/extra.inc", "mode = \"enforce\";\n");
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        ck_assert(diag_has(&d, CONF, 1, "directives are not supported"));
        /* Text that only looks like one is fine. */
        write_file(root, CONF, "# @include \"x\"\nexec_guard = false;\n");
        ck_assert_int_eq(load(&p, &d), 0);
        policy_free(p);
}
END_TEST

START_TEST(test_policy_nul_and_fifo_refused) {
        struct vb_policy *p;
        struct vb_diag d;
        char *path;

        write_file(root, CONF, "exec_guard = false;\n");
        path = host(CONF);
        {
                FILE *f = fopen(path, "we");
                ck_assert_ptr_nonnull(f);
                static const char text[] = "mode = \"audit\";\n\0mode = 1;\n";
                fwrite(text, 1, sizeof text - 1, f);
                fclose(f);
        }
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        ck_assert(diag_has(&d, CONF, 2, "NUL byte"));

        /* A FIFO in place of the config: refused at once, never read. */
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(mkfifo(path, 0600), 0);
        ck_assert_int_eq(load(&p, &d), -EINVAL);
        ck_assert(diag_has(&d, CONF, 0, "is a FIFO, not a regular file"));
        ck_assert_int_eq(policy_check_file(path, &d), -EINVAL);
        ck_assert_int_eq(unlink(path), 0);
        free(path);
}
END_TEST

START_TEST(test_policy_markers_flattened_and_digests) {
        struct vb_policy *p;
        struct vb_diag d;
        char digest[65], markers_digest[65];

        write_ban("a.conf", 7, "  match = { markers = [ \"alpha-1\", \"alpha-2\" ]; };\n");
        write_ban("b.conf", 2, "  id = \"bee\";\n");
        write_ban_id("c.conf", "cee", 7, "  match = { markers = [ \"gamma\" ]; };\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_uint_eq(p->n_markers, 3);
        ck_assert_str_eq(p->markers[0], "alpha-1");
        ck_assert_str_eq(p->markers[2], "gamma");
        ck_assert_uint_eq(p->marker_ban[0], 0);
        ck_assert_uint_eq(p->marker_ban[1], 0);
        ck_assert_uint_eq(p->marker_ban[2], 2);
        memcpy(digest, p->digest, sizeof digest);
        memcpy(markers_digest, p->markers_digest, sizeof markers_digest);
        policy_free(p);

        /* Same content again: same digests. A change outside the markers
         * changes the digest but not the markers digest. */
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_str_eq(p->digest, digest);
        ck_assert_str_eq(p->markers_digest, markers_digest);
        policy_free(p);
        write_ban("b.conf", 2, "  id = \"bee2\";\n");
        ck_assert_int_eq(load(&p, &d), 0);
        ck_assert_str_ne(p->digest, digest);
        ck_assert_str_eq(p->markers_digest, markers_digest);
        policy_free(p);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("policy");
        TCase *tc = tcase_create("policy");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_policy_shipped_loads);
        tcase_add_test(tc, test_policy_shipped_globs_are_precise);
        tcase_add_test(tc, test_policy_shipped_check_file);
        tcase_add_test(tc, test_policy_missing_config_gives_defaults);
        tcase_add_test(tc, test_policy_config_values);
        tcase_add_test(tc, test_policy_explicit_config_path);
        tcase_add_test(tc, test_policy_config_errors);
        tcase_add_test(tc, test_policy_config_syntax_error);
        tcase_add_test(tc, test_policy_ban_syntax_error);
        tcase_add_test(tc, test_policy_unknown_key_in_ban);
        tcase_add_test(tc, test_policy_unknown_key_in_match);
        tcase_add_test(tc, test_policy_unknown_key_in_phase);
        tcase_add_test(tc, test_policy_wrong_type);
        tcase_add_test(tc, test_policy_empty_entities);
        tcase_add_test(tc, test_policy_bad_date);
        tcase_add_test(tc, test_policy_bad_action);
        tcase_add_test(tc, test_policy_bad_applies_to);
        tcase_add_test(tc, test_policy_relative_path);
        tcase_add_test(tc, test_policy_bad_unit_suffix);
        tcase_add_test(tc, test_policy_bad_sha256);
        tcase_add_test(tc, test_policy_sha256_stored_lower_case);
        tcase_add_test(tc, test_policy_short_marker);
        tcase_add_test(tc, test_policy_too_many_markers);
        tcase_add_test(tc, test_policy_unbalanced_bracket);
        tcase_add_test(tc, test_policy_balanced_brackets_accepted);
        tcase_add_test(tc, test_policy_duplicate_id);
        tcase_add_test(tc, test_policy_missing_required);
        tcase_add_test(tc, test_policy_two_top_level_settings);
        tcase_add_test(tc, test_policy_bad_id);
        tcase_add_test(tc, test_policy_all_errors_reported);
        tcase_add_test(tc, test_policy_bans_in_lexical_order);
        tcase_add_test(tc, test_policy_other_files_ignored);
        tcase_add_test(tc, test_policy_missing_bans_dir);
        tcase_add_test(tc, test_policy_unreadable_config_is_io_error);
        tcase_add_test(tc, test_policy_check_file_kinds);
        tcase_add_test(tc, test_policy_include_refused);
        tcase_add_test(tc, test_policy_nul_and_fifo_refused);
        tcase_add_test(tc, test_policy_markers_flattened_and_digests);
        suite_add_tcase(s, tc);
        return s;
}
