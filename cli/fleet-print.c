/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report's output: a text table, the JSON document documented
 * in the README (shape fixed by issue 13), or CSV; and its exit status. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "fleet.h"

struct totals {
        size_t compliant, not_compliant, unknown, stale, cloned, old_policy, verified, unverified, changed;
};

static bool host_ok(const struct vb_fleet_host *h) {
        return strcmp(h->compliant, "yes") == 0 && h->sig == VB_FLEET_SIG_VERIFIED && !h->stale && !h->cloned &&
               !h->old_policy;
}

static struct totals count(const struct vb_fleet *f) {
        struct totals t = {};

        for (size_t i = 0; i < f->n_hosts; i++) {
                const struct vb_fleet_host *h = &f->hosts[i];
                if (strcmp(h->compliant, "yes") == 0)
                        t.compliant++;
                else if (strcmp(h->compliant, "no") == 0)
                        t.not_compliant++;
                else
                        t.unknown++;
                t.stale += h->stale;
                t.cloned += h->cloned;
                t.old_policy += h->old_policy;
                t.verified += h->sig == VB_FLEET_SIG_VERIFIED;
                t.unverified += h->sig == VB_FLEET_SIG_UNVERIFIED;
                t.changed += h->sig == VB_FLEET_SIG_CHANGED;
        }
        return t;
}

static void json_bans(struct vb_json *j, const char *text) {
        struct vb_summary_ban *bans = NULL;
        size_t n = 0;

        json_key(j, "bans");
        json_array_begin(j);
        if (text && summary_bans_parse(text, &bans, &n) >= 0)
                for (size_t i = 0; i < n; i++) {
                        json_object_begin(j);
                        json_kv_string(j, "ban", bans[i].id);
                        json_kv_string(j, "version", bans[i].version);
                        json_kv_uint(j, "blocked", bans[i].blocked);
                        json_kv_uint(j, "flagged", bans[i].flagged);
                        json_object_end(j);
                }
        json_array_end(j);
        free(bans);
}

static int print_json(const struct vb_fleet *f, const struct totals *t) {
        struct vb_json j;

        json_init(&j, stdout);
        json_object_begin(&j);
        json_key(&j, "hosts");
        json_array_begin(&j);
        for (size_t i = 0; i < f->n_hosts; i++) {
                const struct vb_fleet_host *h = &f->hosts[i];
                json_object_begin(&j);
                json_kv_string(&j, "machine_id", h->machine_id);
                json_kv_strv(&j, "hostnames", &h->hostnames);
                json_kv_time(&j, "last_summary", h->have ? h->time_usec : 0);
                if (strcmp(h->compliant, "unknown") == 0)
                        json_kv_null(&j, "compliant");
                else
                        json_kv_bool(&j, "compliant", strcmp(h->compliant, "yes") == 0);
                json_kv_uint(&j, "blocked", h->blocked);
                json_kv_uint(&j, "flagged", h->flagged);
                json_kv_string(&j, "policy_digest", h->digest[0] ? h->digest : NULL);
                json_kv_string(&j, "mode", h->mode[0] ? h->mode : NULL);
                json_kv_string(&j, "signature", fleet_sig_to_string(h->sig));
                json_kv_bool(&j, "stale", h->stale);
                json_kv_bool(&j, "cloned", h->cloned);
                json_kv_bool(&j, "old_policy", h->old_policy);
                json_kv_string(&j, "vendorban_version", h->release[0] ? h->release : NULL);
                json_kv_time(&j, "last_scan", h->last_scan_usec);
                json_kv_uint(&j, "summaries", h->summaries);
                json_kv_bool(&j, "enrolled", h->enrolled);
                json_bans(&j, h->bans);
                json_object_end(&j);
        }
        json_array_end(&j);
        json_key(&j, "totals");
        json_object_begin(&j);
        json_kv_uint(&j, "hosts", f->n_hosts);
        json_kv_uint(&j, "compliant", t->compliant);
        json_kv_uint(&j, "not_compliant", t->not_compliant);
        json_kv_uint(&j, "unknown", t->unknown);
        json_kv_uint(&j, "stale", t->stale);
        json_kv_uint(&j, "cloned", t->cloned);
        json_kv_uint(&j, "old_policy", t->old_policy);
        json_kv_uint(&j, "verified", t->verified);
        json_kv_uint(&j, "unverified", t->unverified);
        json_kv_uint(&j, "changed", t->changed);
        json_kv_uint(&j, "summaries", f->summaries);
        json_kv_uint(&j, "duplicates", f->duplicates);
        json_kv_string(&j, "newest_policy_digest", f->newest_digest);
        json_object_end(&j);
        json_object_end(&j);
        return json_finish(&j);
}

/* RFC 4180: quoted when it holds a comma, quote or line break. */
static void csv_cell(const char *s, bool last) {
        if (s && strpbrk(s, ",\"\r\n")) {
                putchar('"');
                for (; *s; s++) {
                        if (*s == '"')
                                putchar('"');
                        putchar(*s);
                }
                putchar('"');
        } else
                fputs(s ? s : "", stdout);
        fputs(last ? "\r\n" : ",", stdout);
}

static void join_hostnames(const struct vb_fleet_host *h, char *buf, size_t size) {
        size_t used = 0;

        buf[0] = '\0';
        for (size_t k = 0; k < h->hostnames.n && used < size; k++)
                used += (size_t) snprintf(buf + used, size - used, "%s%s", k ? " " : "", h->hostnames.v[k]);
}

static void print_csv(const struct vb_fleet *f) {
        static const char *const head[] = { "machine_id", "hostnames", "last_summary", "compliant", "blocked",
                                            "flagged", "policy_digest", "mode", "signature", "stale", "cloned",
                                            "old_policy", "vendorban_version" };
        for (size_t i = 0; i < ELEMENTSOF(head); i++)
                csv_cell(head[i], i + 1 == ELEMENTSOF(head));
        for (size_t i = 0; i < f->n_hosts; i++) {
                const struct vb_fleet_host *h = &f->hosts[i];
                char names[2048], when[40] = "", b[24], fl[24];
                join_hostnames(h, names, sizeof names);
                if (h->have)
                        cli_format_usec(h->time_usec, when, sizeof when);
                snprintf(b, sizeof b, "%" PRIu64, h->blocked);
                snprintf(fl, sizeof fl, "%" PRIu64, h->flagged);
                const char *cells[] = { h->machine_id, names, when, h->compliant, b, fl, h->digest,
                                        h->mode, fleet_sig_to_string(h->sig), h->stale ? "yes" : "no",
                                        h->cloned ? "yes" : "no", h->old_policy ? "yes" : "no", h->release };
                for (size_t k = 0; k < ELEMENTSOF(cells); k++)
                        csv_cell(cells[k], k + 1 == ELEMENTSOF(cells));
        }
}

static int print_text(const struct vb_fleet *f, const struct totals *t) {
        static const char *const names[] = { "HOST", "MACHINE-ID", "LAST SUMMARY", "COMPLIANT", "BLOCKED",
                                             "FLAGGED", "POLICY", "MODE", "SIGNATURE", "NOTES" };
        _cleanup_(cli_table_clear) struct cli_table tab = { .names = names, .n_cols = ELEMENTSOF(names) };

        for (size_t i = 0; i < f->n_hosts; i++) {
                const struct vb_fleet_host *h = &f->hosts[i];
                char hosts[2048], when[40] = "never";
                char **row = cli_table_add_row(&tab);
                if (!row)
                        return -ENOMEM;
                join_hostnames(h, hosts, sizeof hosts);
                if (h->have)
                        cli_format_usec(h->time_usec, when, sizeof when);
                row[0] = strdup(hosts[0] ? hosts : "-");
                row[1] = strdup(h->machine_id);
                row[2] = strdup(when);
                row[3] = strdup(h->compliant);
                (void) !asprintf(&row[4], "%" PRIu64, h->blocked);
                (void) !asprintf(&row[5], "%" PRIu64, h->flagged);
                (void) !asprintf(&row[6], "%.12s", h->digest[0] ? h->digest : "-");
                row[7] = strdup(h->mode[0] ? h->mode : "-");
                row[8] = strdup(fleet_sig_to_string(h->sig));
                (void) !asprintf(&row[9], "%s%s%s", h->stale ? "stale " : "", h->cloned ? "cloned " : "",
                                 h->old_policy ? "old-policy" : "");
                int r = cli_table_row_done(&tab, row);
                if (r < 0)
                        return r;
        }
        cli_table_print(&tab);
        printf("\n%zu host(s): %zu compliant, %zu not compliant, %zu unknown; %zu stale, %zu cloned, %zu on an old "
               "policy; signatures %zu verified, %zu unverified, %zu changed; %" PRIu64 " summaries (%" PRIu64
               " duplicates ignored).\n",
               f->n_hosts, t->compliant, t->not_compliant, t->unknown, t->stale, t->cloned, t->old_policy,
               t->verified, t->unverified, t->changed, f->summaries, f->duplicates);
        return 0;
}

int fleet_print(const struct vb_fleet *f, const char *format) {
        struct totals t = count(f);
        int r = 0;

        if (strcmp(format, "json") == 0)
                r = print_json(f, &t);
        else if (strcmp(format, "csv") == 0)
                print_csv(f);
        else
                r = print_text(f, &t);
        if (r < 0)
                return cli_error_errno(r, "writing the report");
        for (size_t i = 0; i < f->n_hosts; i++)
                if (!host_ok(&f->hosts[i]))
                        return CLI_EXIT_FOUND;
        return CLI_EXIT_OK;
}
