/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl policy check [FILE...]" and "policy show": validate the
 * configured policy or single files (and report the .dpkg-dist/.ucf-*
 * files waiting for a merge), and print the policy as loaded with the file
 * and line each setting and indicator came from. Read-only; touches
 * neither the ledger nor the journal. */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cli.h"
#include "util.h"

/* The policy file's key for each indicator kind, for "policy show". */
static const char *const match_keys[_VB_IND_MAX] = {
        [VB_IND_PACKAGE] = "packages",
        [VB_IND_MAINTAINER] = "maintainers",
        [VB_IND_PATH] = "paths",
        [VB_IND_UNIT] = "units",
        [VB_IND_SHA256] = "sha256",
        [VB_IND_MARKER] = "markers",
};

static void json_errors(struct vb_json *j, const struct vb_diag *d) {
        for (size_t i = 0; i < d->n && i < VB_DIAG_MAX; i++) {
                json_object_begin(j);
                json_kv_string(j, "file", d->items[i].file);
                if (d->items[i].line > 0)
                        json_kv_uint(j, "line", d->items[i].line);
                else
                        json_kv_null(j, "line");
                json_kv_string(j, "message", d->items[i].message);
                json_object_end(j);
        }
}

/* The files dpkg or ucf left beside the policy: a packaged version that
 * is not in use, or the administrator's version that no longer is. */
static void print_pending(const struct vb_policy *p) {
        for (size_t i = 0; i < p->pending.n; i++)
                fprintf(stderr, "vendorbanctl: warning: %s: left by a package upgrade and not read by vendorban: "
                        "compare it with the file in use, merge what you need, then delete it\n", p->pending.v[i]);
}

/* policy check without FILE: load the configured policy. */
static int check_configured(const struct vb_cli *cli) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        struct vb_diag diag = {};
        int r;

        r = policy_load(cli->root, cli->config, &p, &diag);
        if (r < 0 && diag.n == 0)
                diag_add(&diag, cli->config ?: VB_DEFAULT_CONFIG, 0, "%s", strerror(-r));
        if (cli->json) {
                struct vb_json j;

                json_init(&j, stdout);
                json_object_begin(&j);
                json_kv_bool(&j, "ok", r >= 0);
                json_key(&j, "errors");
                json_array_begin(&j);
                json_errors(&j, &diag);
                json_array_end(&j);
                if (r >= 0) {
                        json_kv_uint(&j, "bans", p->n_bans);
                        json_kv_uint(&j, "indicators", cli_policy_indicators(p));
                } else {
                        json_kv_null(&j, "bans");
                        json_kv_null(&j, "indicators");
                }
                json_kv_string(&j, "digest", r >= 0 ? p->digest : NULL);
                if (r >= 0) {
                        json_kv_strv(&j, "files", &p->files);
                        json_kv_strv(&j, "disabled", &p->disabled);
                        json_kv_strv(&j, "pending", &p->pending);
                }
                json_object_end(&j);
                json_finish(&j);
        } else if (r < 0)
                diag_print(&diag, stderr);
        else {
                printf("policy OK: %zu bans, %zu indicators (digest %s)\n", p->n_bans,
                       cli_policy_indicators(p), p->digest);
                for (size_t i = 0; i < p->disabled.n; i++)
                        printf("disabled: %s (empty, or a link to /dev/null)\n", p->disabled.v[i]);
        }
        if (r >= 0 && !cli->json)
                print_pending(p);
        return r < 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* policy check FILE...: each file standing alone, host paths. */
static int check_files(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_free_ struct vb_diag *diags = calloc((size_t) argc, sizeof(struct vb_diag));
        struct vb_json j;
        unsigned failed = 0;

        if (!diags)
                return cli_error_errno(-ENOMEM, "policy check");
        for (int i = 0; i < argc; i++) {
                int r = policy_check_file(argv[i], &diags[i]);

                if (r < 0 && diags[i].n == 0)
                        diag_add(&diags[i], argv[i], 0, "%s", strerror(-r));
                if (r < 0)
                        failed++;
                if (cli->json)
                        continue;
                if (r < 0)
                        diag_print(&diags[i], stderr);
                else
                        printf("%s: OK\n", argv[i]);
        }
        if (cli->json) {
                json_init(&j, stdout);
                json_object_begin(&j);
                json_kv_bool(&j, "ok", failed == 0);
                json_key(&j, "errors");
                json_array_begin(&j);
                for (int i = 0; i < argc; i++)
                        json_errors(&j, &diags[i]);
                json_array_end(&j);
                json_kv_null(&j, "bans");
                json_kv_null(&j, "indicators");
                json_kv_uint(&j, "files", (unsigned) argc);
                json_kv_uint(&j, "failed", failed);
                json_object_end(&j);
                json_finish(&j);
        }
        return failed > 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* "origins": [ { "key", "value", "file", "line" } ]: where each setting
 * and list element was set, in load order (a later one of a single
 * setting overrides an earlier one). */
static void json_origins(struct vb_json *j, const struct vb_origins *o) {
        json_key(j, "origins");
        json_array_begin(j);
        for (size_t i = 0; i < o->n; i++) {
                json_object_begin(j);
                json_kv_string(j, "key", o->v[i].key);
                json_kv_string(j, "value", o->v[i].value);
                json_kv_string(j, "file", o->v[i].file);
                json_kv_uint(j, "line", o->v[i].line);
                json_object_end(j);
        }
        json_array_end(j);
}

static void json_ban(struct vb_json *j, const struct vb_ban *b) {
        char date[11];

        json_object_begin(j);
        json_kv_string(j, "id", b->id);
        json_kv_string(j, "vendor", b->vendor);
        json_kv_strv(j, "entities", &b->entities);
        json_kv_string(j, "authority", b->authority);
        json_kv_string(j, "reference", b->reference);
        json_kv_string(j, "file", b->file);
        json_kv_strv(j, "dropins", &b->dropins);
        json_origins(j, &b->origins);
        json_key(j, "phases");
        json_array_begin(j);
        for (size_t i = 0; i < b->n_phases; i++) {
                date_format(b->phases[i].from, date);
                json_object_begin(j);
                json_kv_string(j, "from", date);
                json_kv_string(j, "applies_to", applies_to_string(b->phases[i].applies_to));
                json_kv_string(j, "action", verdict_to_string(b->phases[i].action));
                json_kv_string(j, "reason", b->phases[i].reason);
                json_object_end(j);
        }
        json_array_end(j);
        json_key(j, "match");
        json_object_begin(j);
        for (int k = 0; k < _VB_IND_MAX; k++)
                json_kv_strv(j, match_keys[k], &b->match[k]);
        json_object_end(j);
        json_key(j, "exempt");
        json_object_begin(j);
        json_kv_strv(j, "packages", &b->exempt_packages);
        json_kv_strv(j, "paths", &b->exempt_paths);
        json_object_end(j);
        json_kv_strv(j, "alternatives", &b->alternatives);
        json_object_end(j);
}

static void show_json(const struct vb_policy *p) {
        const struct vb_config *c = &p->config;
        struct vb_json j;

        json_init(&j, stdout);
        json_object_begin(&j);
        json_kv_string(&j, "digest", p->digest);
        json_key(&j, "config");
        json_object_begin(&j);
        json_kv_string(&j, "mode", mode_to_string(c->mode));
        json_kv_strv(&j, "watch_paths", &c->watch_paths);
        json_kv_uint(&j, "rescan_interval", c->rescan_interval);
        json_kv_uint(&j, "debounce_ms", c->debounce_ms);
        json_kv_bool(&j, "exec_guard", c->exec_guard);
        /* Named as the setting is (hook_on_error, and its older alias apt_hook_on_error). */
        json_kv_string(&j, "hook_on_error", c->apt_hook_allow_on_error ? "allow" : "refuse");
        json_kv_string(&j, "apt_hook_on_error", c->apt_hook_allow_on_error ? "allow" : "refuse");
        json_kv_string(&j, "state_dir", c->state_dir);
        json_kv_string(&j, "bans_dir", c->bans_dir);
        json_kv_string(&j, "vendor_bans_dir", c->vendor_bans_dir);
        json_kv_string(&j, "dpkg_admin_dir", c->dpkg_admin_dir);
        json_kv_string(&j, "auditor_group", c->auditor_group);
        json_kv_int(&j, "quarantine_retention", c->quarantine_retention);
        json_origins(&j, &c->origins);
        json_object_end(&j);
        json_kv_strv(&j, "files", &p->files);
        json_kv_strv(&j, "disabled", &p->disabled);
        json_kv_strv(&j, "pending", &p->pending);
        json_key(&j, "bans");
        json_array_begin(&j);
        for (size_t i = 0; i < p->n_bans; i++)
                json_ban(&j, &p->bans[i]);
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
}

/* "  label: a, b, c" (or "(none)"); markers and such are printed as is. */
static void print_list(const char *label, const struct vb_strv *v) {
        printf("  %-14s", label);
        if (v->n == 0)
                fputs(" (none)", stdout);
        for (size_t i = 0; i < v->n; i++)
                printf("%s %s", i > 0 ? "," : "", v->v[i]);
        putchar('\n');
}

/* " (FILE:LINE)" of a single setting, or "" when not known. */
static const char *origin_of(const struct vb_origins *o, const char *key, char *buf, size_t size) {
        const struct vb_origin *x = policy_origin(o, key, NULL);

        if (!x)
                return "";
        snprintf(buf, size, "  (%s:%u)", x->file, x->line);
        return buf;
}

/* Every list element of a ban with the file:line it came from. */
static void show_elements(const struct vb_ban *b, const char *prefix) {
        size_t n = strlen(prefix);

        for (size_t i = 0; i < b->origins.n; i++) {
                const struct vb_origin *o = &b->origins.v[i];

                if (strncmp(o->key, prefix, n) == 0)
                        printf("    %-18s %-40s %s:%u\n", o->key + n, o->value, o->file, o->line);
        }
}

static void show_ban(const struct vb_ban *b) {
        char date[11], at[PATH_MAX + 32];

        printf("\nban %s: %s (%s)\n", b->id, b->vendor, b->file ?: "?");
        for (size_t i = 0; i < b->dropins.n; i++)
                printf("  drop-in:       %s\n", b->dropins.v[i]);
        print_list("entities:", &b->entities);
        printf("  %-14s %s%s\n", "authority:", b->authority ?: "-",
               origin_of(&b->origins, "authority", at, sizeof at));
        if (b->reference)
                printf("  %-14s %s%s\n", "reference:", b->reference,
                       origin_of(&b->origins, "reference", at, sizeof at));
        printf("  phases:\n");
        for (size_t i = 0; i < b->n_phases; i++) {
                const struct vb_phase *ph = &b->phases[i];

                date_format(ph->from, date);
                printf("    from %s  %-12s  %s", date, applies_to_string(ph->applies_to),
                       verdict_to_string(ph->action));
                if (ph->reason)
                        printf("%*s%s", ph->action == VB_VERDICT_FLAG ? 3 : 2, "", ph->reason);
                putchar('\n');
        }
        if (b->origins.n == 0) {        /* read back from the ledger: no origins */
                printf("  indicators:\n");
                for (int k = 0; k < _VB_IND_MAX; k++) {
                        printf("  ");
                        print_list(match_keys[k], &b->match[k]);
                }
                print_list("exempt pkgs:", &b->exempt_packages);
                print_list("exempt paths:", &b->exempt_paths);
        } else {
                printf("  indicators (where each was set):\n");
                show_elements(b, "match.");
                printf("  exemptions:%s\n", b->exempt_packages.n + b->exempt_paths.n == 0 ? " (none)" : "");
                show_elements(b, "exempt.");
        }
        printf("  alternatives:%s\n", b->alternatives.n == 0 ? "  (none)" : "");
        for (size_t i = 0; i < b->alternatives.n; i++)
                printf("    %s\n", b->alternatives.v[i]);
}

static void show_human(const struct vb_policy *p) {
        const struct vb_config *c = &p->config;
        char at[PATH_MAX + 32];

        printf("mode:            %s%s\n", mode_to_string(c->mode), origin_of(&c->origins, "mode", at, sizeof at));
        printf("watch paths:    ");
        for (size_t i = 0; i < c->watch_paths.n; i++)
                printf(" %s", c->watch_paths.v[i]);
        printf("\nrescan interval: %us%s\n", c->rescan_interval, c->rescan_interval ? "" : " (off)");
        printf("exec guard:      %s\n", c->exec_guard ? "on" : "off");
        printf("hook on error:   %s\n", c->apt_hook_allow_on_error ? "allow" : "refuse");
        printf("state dir:       %s\n", c->state_dir);
        printf("bans dir:        %s (local), %s (shipped)\n", c->bans_dir, c->vendor_bans_dir);
        printf("dpkg admin dir:  %s\n", c->dpkg_admin_dir);
        printf("auditor group:   %s\n", c->auditor_group);
        if (c->quarantine_retention)
                printf("quarantine kept: %llds\n", (long long) c->quarantine_retention);
        else
                printf("quarantine kept: forever\n");
        printf("digest:          %s\n", p->digest);
        printf("bans:            %zu (%zu indicators)\n", p->n_bans, cli_policy_indicators(p));
        for (size_t i = 0; i < p->files.n; i++)
                printf("%s %s\n", i == 0 ? "files read:     " : "                ", p->files.v[i]);
        for (size_t i = 0; i < p->disabled.n; i++)
                printf("disabled:        %s\n", p->disabled.v[i]);
        for (size_t i = 0; i < p->n_bans; i++)
                show_ban(&p->bans[i]);
}

int cmd_policy(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        int r;

        if (strcmp(argv[0], "check") == 0)
                return argc > 1 ? check_files(cli, argc - 1, argv + 1) : check_configured(cli);
        if (strcmp(argv[0], "show") != 0)
                return cli_usage_error("policy: unknown subcommand '%s' (expected check or show)", argv[0]);
        if (argc > 1)
                return cli_usage_error("policy show: unexpected argument '%s'", argv[1]);

        r = cli_policy_load(cli, &p);
        if (r != 0)
                return r;
        if (cli->json)
                show_json(p);
        else
                show_human(p);
        print_pending(p);
        return CLI_EXIT_OK;
}
