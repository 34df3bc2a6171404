/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl findings": the ledger's findings, newest first, filtered
 * (--since, --until, --ban, --verdict), as a table, CSV or JSON. Reads the
 * ledger read-only; a missing ledger is "no findings yet", a broken policy
 * only a warning. Owns the table rows it buffers to size the columns. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "util.h"

enum { COL_ID, COL_SEEN, COL_VERDICT, COL_ACTION, COL_SUBJECT, COL_BAN, COL_INDICATORS, _COL_MAX };

static const char *const col_names[_COL_MAX] = {
        "ID", "LAST SEEN (UTC)", "VERDICT", "ACTION", "SUBJECT", "BAN", "INDICATORS",
};

/* The filters of the command line, and where matching findings go. */
struct findings_out {
        const struct vb_cli *cli;
        int (*emit)(const struct vb_finding *f, void *userdata);
        void *userdata;
        size_t n;
};

static bool finding_selected(const struct vb_cli *cli, const struct vb_finding *f) {
        if (cli->since_usec && f->last_seen_usec < cli->since_usec)
                return false;
        if (cli->until_usec && f->last_seen_usec > cli->until_usec)
                return false;
        if (cli->ban && (!f->ban || strcmp(cli->ban, f->ban) != 0))
                return false;
        if (cli->verdict >= 0 && (int) f->verdict != cli->verdict)
                return false;
        return true;
}

static int filtered(const struct vb_finding *f, void *userdata) {
        struct findings_out *o = userdata;

        if (!finding_selected(o->cli, f))
                return 0;
        o->n++;
        return o->emit(f, o->userdata);
}

static int table_add(const struct vb_finding *f, void *userdata) {
        struct cli_table *t = userdata;
        char seen[32];
        char **row = cli_table_add_row(t);

        if (!row)
                return -ENOMEM;
        cli_format_sec(f->last_seen_usec / 1000000, seen, sizeof seen);
        /* "2026-11-25T18:00:00Z" as "2026-11-25 18:00" */
        seen[10] = ' ';
        seen[16] = '\0';
        if (asprintf(&row[COL_ID], "%" PRId64, f->id) < 0)
                row[COL_ID] = NULL;
        row[COL_SEEN] = strdup(seen);
        row[COL_VERDICT] = strdup(verdict_to_string(f->verdict));
        if (f->gone_usec) {
                /* Resolved: the package or file has gone since ("gone 2026-12-02 16:50"). */
                char gone[32];

                cli_format_sec(f->gone_usec / 1000000, gone, sizeof gone);
                gone[10] = ' ';
                gone[16] = '\0';
                if (asprintf(&row[COL_ACTION], "gone %s", gone) < 0)
                        row[COL_ACTION] = NULL;
        } else
                row[COL_ACTION] = strdup(f->action ?: "-");
        if (f->package) {
                if (asprintf(&row[COL_SUBJECT], "%s %s", f->package, f->version ?: "") < 0)
                        row[COL_SUBJECT] = NULL;
        } else
                row[COL_SUBJECT] = strdup(f->path ?: "-");
        row[COL_BAN] = strdup(f->ban ?: "-");
        row[COL_INDICATORS] = strdup(f->indicators ?: "");
        return cli_table_row_done(t, row);
}

/* True if s starts with "<kind>:" for a known indicator kind. */
static bool starts_with_kind(const char *s) {
        for (int k = 0; k < _VB_IND_MAX; k++) {
                const char *name = indicator_kind_to_string(k);
                size_t len = strlen(name);

                if (strncmp(s, name, len) == 0 && s[len] == ':')
                        return true;
        }
        return false;
}

/* The ledger's "package:kesl, path:/opt/..." as a JSON array of
 * "kind:pattern"; a ", " inside a pattern is kept (a split needs the next
 * item to start with a kind). */
static void json_indicators(struct vb_json *j, const char *text) {
        json_key(j, "indicators");
        json_array_begin(j);
        while (text && *text) {
                const char *end = text;

                while ((end = strstr(end, ", ")) && !starts_with_kind(end + 2))
                        end += 2;
                if (!end) {
                        json_string(j, text);
                        break;
                }
                json_string_len(j, text, (size_t) (end - text));
                text = end + 2;
        }
        json_array_end(j);
}

static int json_add(const struct vb_finding *f, void *userdata) {
        struct vb_json *j = userdata;

        json_object_begin(j);
        json_kv_int(j, "id", f->id);
        json_kv_string(j, "ban", f->ban);
        json_kv_string(j, "vendor", f->vendor);
        json_kv_string(j, "subject", f->subject);
        json_kv_string(j, "package", f->package);
        json_kv_string(j, "version", f->version);
        json_kv_string(j, "arch", f->arch);
        json_kv_string(j, "source", f->source);
        json_kv_string(j, "path", f->path);
        json_kv_string(j, "sha256", f->sha256);
        json_kv_string(j, "verdict", verdict_to_string(f->verdict));
        json_indicators(j, f->indicators);
        json_kv_string(j, "action", f->action);
        json_kv_string(j, "mode", f->mode);
        json_kv_time(j, "first_seen", f->first_seen_usec);
        json_kv_time(j, "last_seen", f->last_seen_usec);
        json_kv_time(j, "event_time", f->event_usec);
        json_kv_time(j, "decided_time", f->decided_usec);
        /* "gone" once a scan found the package or file gone; else the action's outcome stands. */
        json_kv_string(j, "state", f->gone_usec ? "gone" : "present");
        json_kv_time(j, "gone_time", f->gone_usec);
        json_object_end(j);
        return 0;
}

static const char *const csv_names[] = {
        "id", "first_seen", "last_seen", "ban", "vendor", "verdict", "action", "mode", "subject",
        "package", "version", "arch", "path", "sha256", "indicators", "gone_time",
};

static int csv_add(const struct vb_finding *f, void *userdata) {
        char id[32], first[32], last[32], gone[32] = "";

        (void) userdata;
        snprintf(id, sizeof id, "%" PRId64, f->id);
        cli_format_sec(f->first_seen_usec / 1000000, first, sizeof first);
        cli_format_sec(f->last_seen_usec / 1000000, last, sizeof last);
        if (f->gone_usec)
                cli_format_sec(f->gone_usec / 1000000, gone, sizeof gone);
        const char *fields[] = {
                id, first, last, f->ban, f->vendor, verdict_to_string(f->verdict), f->action, f->mode,
                f->subject, f->package, f->version, f->arch, f->path, f->sha256, f->indicators, gone,
        };
        _Static_assert(ELEMENTSOF(fields) == ELEMENTSOF(csv_names), "one name per CSV column");
        cli_csv_row(stdout, fields, ELEMENTSOF(fields));
        return 0;
}

static int list_csv(const struct vb_cli *cli, struct vb_store *store, const char *db) {
        struct findings_out o = { .cli = cli, .emit = csv_add };
        int r = 0;

        cli_csv_row(stdout, csv_names, ELEMENTSOF(csv_names));
        if (store)
                r = store_findings_foreach(store, filtered, &o);
        if (r < 0)
                return cli_error_errno(r, "failed to read the findings from %s (%s)", db,
                                       store_errmsg(store) ?: "no detail");
        return CLI_EXIT_OK;
}

static int list_json(const struct vb_cli *cli, struct vb_store *store, const char *db) {
        struct vb_json j;
        struct findings_out o = { .cli = cli, .emit = json_add, .userdata = &j };
        int r = 0;

        json_init(&j, stdout);
        json_object_begin(&j);
        json_key(&j, "findings");
        json_array_begin(&j);
        if (store)
                r = store_findings_foreach(store, filtered, &o);
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
        if (r < 0)
                return cli_error_errno(r, "failed to read the findings from %s (%s)", db,
                                       store_errmsg(store) ?: "no detail");
        return CLI_EXIT_OK;
}

static bool any_filter(const struct vb_cli *cli) {
        return cli->since_usec || cli->until_usec || cli->ban || cli->verdict >= 0;
}

static int list_human(const struct vb_cli *cli, struct vb_store *store, const char *db) {
        _cleanup_(cli_table_clear) struct cli_table t = {
                .names = col_names, .n_cols = _COL_MAX,
                .nowrap = 1u << COL_ID | 1u << COL_SEEN | 1u << COL_VERDICT,
        };
        struct findings_out o = { .cli = cli, .emit = table_add, .userdata = &t };
        int r;

        if (!store) {
                printf("no findings yet (no ledger at %s)\n", db);
                return CLI_EXIT_OK;
        }
        r = store_findings_foreach(store, filtered, &o);
        if (r < 0)
                return cli_error_errno(r, "failed to read the findings from %s (%s)", db,
                                       store_errmsg(store) ?: "no detail");
        if (t.n_rows == 0) {
                printf(any_filter(cli) ? "no findings match\n" : "no findings yet\n");
                return CLI_EXIT_OK;
        }
        cli_pager_open(cli);
        cli_table_print(&t);
        return CLI_EXIT_OK;
}

int cmd_findings(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_(store_freep) struct vb_store *store = NULL;
        _cleanup_free_ char *db = NULL;
        int r;

        /* Only the ledger is read: a broken policy is warned about, not fatal. */
        (void) cli_ledger_locate(cli, &p, &db);
        if (!db)
                return CLI_EXIT_ERROR;
        r = cli_store_open_ro(db, &store);
        if (r < 0)
                return cli_ledger_read_error(r, p, db);

        if (cli->json)
                return list_json(cli, store, db);
        if (cli->csv)
                return list_csv(cli, store, db);
        return list_human(cli, store, db);
}
