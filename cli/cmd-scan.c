/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl scan": compile the policy into the ledger, scan the root's
 * packages and watched paths, record every flag/block finding (ledger, then
 * journal), run the enforcement plan of each, and print them. Owns only the
 * list of findings it collects for its output. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "enforce.h"
#include "journal.h"
#include "plan.h"
#include "report.h"
#include "scan.h"
#include "util.h"

struct scan_finding {
        char *ban, *vendor;
        const char *subject;            /* "package" or "file" */
        const char *source;             /* "dpkg" or "rpm" for a package, NULL for a file */
        char *package, *version, *arch, *path, *sha256;
        enum vb_verdict verdict;
        struct vb_strv indicators;      /* "kind:pattern", each once */
        char *indicators_text;          /* "package:kesl, path:/opt/kaspersky/..." */
        char *action;
};

struct scan_ctx {
        const struct vb_policy *policy;
        struct vb_store *store;
        const char *root;
        struct scan_finding *items;
        size_t n;
        bool record;                    /* the root's own policy: ledger and journal (cli_policy_is_own) */
        int record_error;               /* first report_record failure */
        size_t flagged, blocked;
};

static char *strdup_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static void finding_clear(struct scan_finding *f) {
        free(f->ban), free(f->vendor), free(f->package), free(f->version), free(f->arch);
        free(f->path), free(f->sha256), free(f->indicators_text), free(f->action);
        strv_clear(&f->indicators);
}

static void scan_ctx_clear(struct scan_ctx *c) {
        for (size_t i = 0; i < c->n; i++)
                finding_clear(&c->items[i]);
        free(c->items);
}

static int finding_fill(struct scan_finding *f, const struct vb_scan_item *item, enum vb_mode mode, bool can_act) {
        const struct vb_decision *d = item->decision;
        char buf[1024];

        f->verdict = d->verdict;
        f->ban = strdup_null(d->ban ? d->ban->id : NULL);
        f->vendor = strdup_null(d->ban ? d->ban->vendor : NULL);
        f->action = strdup_null(report_action(d, mode, can_act));
        if (item->pkg) {
                f->subject = "package";
                f->package = strdup_null(item->pkg->name);
                f->version = strdup_null(item->pkg->version);
                f->arch = strdup_null(item->pkg->arch);
                f->source = item->pkg->source ?: "dpkg";
        } else {
                f->subject = "file";
                f->path = strdup_null(item->file->path);
                f->sha256 = strdup_null(item->file->sha256);
        }
        decision_format_indicators(d, buf, sizeof buf);
        f->indicators_text = strdup(buf);
        if (!f->indicators_text)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_matches && i < VB_MATCHES_MAX; i++) {
                snprintf(buf, sizeof buf, "%s:%s", indicator_kind_to_string(d->matches[i].kind),
                         d->matches[i].pattern);
                if (!strv_contains(&f->indicators, buf) && strv_push(&f->indicators, buf) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Plan, record (ledger row, then journal), then run the plan step by step,
 * each action recorded the same way. Returns the ledger's error, if any. */
static int record_and_act(struct scan_ctx *c, const struct vb_scan_item *item) {
        const struct vb_decision *d = item->decision;
        struct vb_plan plan;
        struct vb_report rp;
        int r;

        r = enforce_plan(c->policy, item, c->store != NULL, &plan);
        if (r < 0)
                return r;
        if (!plan.record) {
                plan_clear(&plan);
                return 0;
        }
        struct vb_reporter rep = { .store = c->store, .policy = c->policy, .root = c->root };
        r = report_record(&rep, item, &plan, 0, &rp);
        if (rp.is_new)
                (void) journal_finding(&rp.finding, d->ban, d->phase);
        if (r >= 0 && !rp.restored) {
                struct vb_action_context ctx = {
                        .ban = d->ban->id,
                        .package = item->pkg ? item->pkg->name : NULL,
                        .version = item->pkg ? item->pkg->version : NULL,
                        .path = item->file ? item->file->path : NULL,
                        .sha256 = item->file ? item->file->sha256 : NULL,
                };
                struct vb_enforcer e = { .root = c->root, .policy = c->policy, .store = c->store,
                                         .on_outcome = journal_action_cb, .userdata = &ctx };
                struct vb_enforce_result res = {};
                for (size_t i = 0; i < plan.n_steps; i++)
                        (void) enforce_step(&e, &plan, i, rp.finding.id, &res);
        }
        plan_clear(&plan);
        return r;
}

static int on_item(const struct vb_scan_item *item, void *userdata) {
        struct scan_ctx *c = userdata;
        struct scan_finding *items;
        int r;

        if (item->decision->verdict == VB_VERDICT_ALLOW)
                return 0;

        r = c->record ? record_and_act(c, item) : 0;
        if (r < 0 && c->record_error == 0) {
                c->record_error = r;
                cli_error_errno(r, "failed to record a finding in the ledger (%s)",
                                store_errmsg(c->store) ?: "no detail");
        }

        items = realloc(c->items, (c->n + 1) * sizeof *items);
        if (!items)
                return -ENOMEM;
        c->items = items;
        items[c->n] = (struct scan_finding) {};
        r = finding_fill(&items[c->n++], item, c->policy->config.mode, c->store != NULL);
        if (r < 0)
                return r;
        if (item->decision->verdict == VB_VERDICT_BLOCK)
                c->blocked++;
        else
                c->flagged++;
        return 0;
}

/* An image without a dpkg database (Alpine, distroless) has no packages;
 * a host without one is an error scan_run reports. */
static bool image_has_dpkg(const char *root, const struct vb_policy *p) {
        _cleanup_free_ char *admindir = path_under_root(root, p->config.dpkg_admin_dir);
        _cleanup_free_ char *status = NULL;

        return admindir && asprintf(&status, "%s/status", admindir) >= 0 && access(status, F_OK) == 0;
}

static int store_setup(const struct vb_cli *cli, const struct vb_policy *p, int64_t now,
                       struct vb_store **ret) {
        _cleanup_free_ char *dir = path_under_root(cli->root, p->config.state_dir);
        _cleanup_free_ char *db = cli_db_path(cli, p);
        int r;

        if (!dir || !db)
                return cli_error_errno(-ENOMEM, "failed to build the ledger path");
        if (geteuid() != 0 && access(db, W_OK) < 0 && errno != ENOENT)
                return cli_ledger_write_error(-errno, p, db);
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return cli_ledger_write_error(r, p, db);
        r = store_open(db, false, ret);
        if (r < 0)
                return cli_ledger_write_error(r, p, db);
        cli_ledger_share(p, dir, db);
        r = store_policy_compile(*ret, p, now);
        if (r < 0)
                return cli_error_errno(r, "failed to compile the policy into %s (%s)", db,
                                       store_errmsg(*ret) ?: "no detail");
        return 0;
}

static void print_json(const struct vb_cli *cli, const struct vb_policy *p, const struct scan_ctx *c,
                       const struct vb_scan_stats *st, const struct vb_diag *unreadable) {
        struct vb_json j;

        json_init(&j, stdout);
        json_object_begin(&j);
        json_kv_string(&j, "root", cli->image_label ? NULL : cli->root);
        json_kv_string(&j, "image", cli->image_label);
        json_kv_string(&j, "policy_root", cli_policy_root(cli));
        json_kv_bool(&j, "recorded", c->record);
        json_kv_string(&j, "mode", mode_to_string(p->config.mode));
        json_kv_string(&j, "policy_digest", p->digest);
        json_kv_uint(&j, "packages_scanned", st->packages);
        json_kv_uint(&j, "files_scanned", st->files);
        json_kv_uint(&j, "files_hashed", st->files_hashed);
        json_kv_uint(&j, "files_cached", st->files_cached);
        json_kv_uint(&j, "bytes_hashed", st->bytes_hashed);
        json_kv_uint(&j, "errors", st->errors);
        json_key(&j, "unreadable");     /* the paths behind errors, by name (at most VB_DIAG_MAX) */
        json_array_begin(&j);
        for (size_t i = 0; i < unreadable->n && i < VB_DIAG_MAX; i++) {
                json_object_begin(&j);
                json_kv_string(&j, "path", unreadable->items[i].file);
                json_kv_string(&j, "error", unreadable->items[i].message);
                json_object_end(&j);
        }
        json_array_end(&j);
        json_kv_int(&j, "duration_ms", st->duration_usec / 1000);
        json_key(&j, "findings");
        json_array_begin(&j);
        for (size_t i = 0; i < c->n; i++) {
                const struct scan_finding *f = &c->items[i];

                json_object_begin(&j);
                json_kv_string(&j, "ban", f->ban);
                json_kv_string(&j, "vendor", f->vendor);
                json_kv_string(&j, "subject", f->subject);
                json_kv_string(&j, "package", f->package);
                json_kv_string(&j, "version", f->version);
                json_kv_string(&j, "arch", f->arch);
                json_kv_string(&j, "source", f->source);
                json_kv_string(&j, "path", f->path);
                json_kv_string(&j, "sha256", f->sha256);
                json_kv_string(&j, "verdict", verdict_to_string(f->verdict));
                json_kv_strv(&j, "indicators", &f->indicators);
                json_kv_string(&j, "action", f->action);
                json_object_end(&j);
        }
        json_array_end(&j);
        json_key(&j, "summary");
        json_object_begin(&j);
        json_kv_uint(&j, "flagged", c->flagged);
        json_kv_uint(&j, "blocked", c->blocked);
        json_object_end(&j);
        json_object_end(&j);
        json_finish(&j);
}

static void print_human(const struct scan_ctx *c, const struct vb_scan_stats *st) {
        for (size_t i = 0; i < c->n; i++) {
                const struct scan_finding *f = &c->items[i];
                char buf[4096];

                if (f->package)
                        printf("%s %s %s", verdict_to_string(f->verdict), f->package, f->version ?: "");
                else
                        printf("%s %s", verdict_to_string(f->verdict), cli_safe(f->path, buf, sizeof buf));
                printf(": %s (%s) \u2014 %s\n", f->ban ?: "?", cli_safe(f->indicators_text, buf, sizeof buf),
                       f->action ?: "?");
        }
        printf("scanned %zu packages, %zu files (%zu hashed, %zu cached) in %" PRId64 ".%02" PRId64
               "s: %zu flagged, %zu %s\n",
               st->packages, st->files, st->files_hashed, st->files_cached, st->duration_usec / 1000000,
               st->duration_usec / 10000 % 100, c->flagged, c->blocked,
               c->policy && c->policy->config.mode == VB_MODE_AUDIT ? "would block" : "blocked");
        if (st->errors > 0)
                fprintf(stderr, "vendorbanctl: %zu paths could not be read and were skipped\n", st->errors);
}

int cmd_scan(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_(store_freep) struct vb_store *store = NULL;
        _cleanup_(scan_ctx_clear) struct scan_ctx c = {};
        struct vb_scan_stats st = {};
        struct vb_diag diag = {}, unreadable = {};
        int64_t now = now_sec();
        int r;

        if (cli->image)
                return cmd_scan_image(cli);
        r = cli_policy_load(cli, &p);
        if (r != 0)
                return r;
        c.record = cli_policy_is_own(cli);
        if (c.record && p->config.mode == VB_MODE_ENFORCE && geteuid() != 0) {
                fputs("vendorbanctl: scan in enforce mode needs root (it stops processes, masks units and "
                      "quarantines files); run it as root, or use a configuration with mode = \"audit\"\n",
                      stderr);
                return CLI_EXIT_ERROR;
        }
        if (c.record) {
                r = store_setup(cli, p, now, &store);
                if (r != 0)
                        return r;
        }

        c.policy = p;
        c.store = store;
        c.root = cli->root;
        struct vb_scan_options o = {
                .root = cli->root, .policy = p, .store = store, .now = now, .files = true,
                .packages = !cli->image_label || image_has_dpkg(cli->root, p),
                .unreadable = &unreadable,
        };
        bool progress_shown = false;
        cli_progress_setup(cli, &o, &progress_shown);
        r = scan_run(&o, on_item, &c, &st, &diag);
        if (r < 0) {
                if (diag.n > 0)
                        diag_print(&diag, stderr);
                if (r != -EINVAL || diag.n == 0)
                        cli_error_errno(r, "scan of %s failed", cli->root);
        }
        diag_print(&unreadable, stderr);        /* each path that could not be read, by name */
        if (c.record)
                cli_quarantine_expire(cli, p, store);   /* quarantine_retention */

        if (cli->json)
                print_json(cli, p, &c, &st, &unreadable);
        else
                print_human(&c, &st);

        /* Bad dpkg records (-EINVAL, printed above) hide nothing else: what
         * was found still decides between 1 and 2. */
        if ((r < 0 && r != -EINVAL) || c.record_error < 0)
                return CLI_EXIT_ERROR;
        return c.n > 0 ? CLI_EXIT_FOUND : r < 0 ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}
