/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl quarantine list | restore ID": the quarantine ledger as a
 * table or as JSON, and putting one quarantined file back (root only, via
 * enforce_restore(), which also unmasks units and drops APT pins once
 * nothing of the finding stays quarantined). Owns the rows it buffers. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "enforce.h"
#include "journal.h"
#include "quarantine.h"
#include "util.h"

enum { COL_ID, COL_STATE, COL_PATH, COL_SHA256, COL_OWNER, COL_MODE, COL_SIZE, COL_WHEN, COL_FINDING, _COL_MAX };

static const char *const col_names[_COL_MAX] = {
        "ID", "STATE", "PATH", "SHA256", "OWNER", "MODE", "SIZE", "WHEN", "FINDING",
};

/* The latest thing that happened to the row. */
static int64_t entry_when(const struct vb_quarantine_entry *q) {
        return q->deleted_usec ?: q->restored_usec ?: q->moved_usec ?: q->created_usec;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

static int table_add(const struct vb_quarantine_entry *q, void *userdata) {
        struct cli_table *t = userdata;
        char when[32];
        char **row = cli_table_add_row(t);

        if (!row)
                return -ENOMEM;
        cli_format_sec(entry_when(q) / 1000000, when, sizeof when);
        row[COL_ID] = xasprintf("%" PRId64, q->id);
        row[COL_STATE] = strdup(q->state ?: "-");
        row[COL_PATH] = strdup(q->path ?: "-");
        row[COL_SHA256] = q->sha256 ? strndup(q->sha256, 12) : strdup("-");
        row[COL_OWNER] = xasprintf("%" PRIu32 ":%" PRIu32, q->uid, q->gid);
        row[COL_MODE] = xasprintf("%04o", (unsigned) (q->mode & 07777));
        row[COL_SIZE] = xasprintf("%" PRIu64, q->size);
        row[COL_WHEN] = strdup(when);
        row[COL_FINDING] = q->finding_id > 0 ? xasprintf("%" PRId64, q->finding_id) : strdup("-");
        return cli_table_row_done(t, row);
}

static void json_entry(struct vb_json *j, const struct vb_quarantine_entry *q) {
        char mode[16];

        snprintf(mode, sizeof mode, "%04o", (unsigned) (q->mode & 07777));
        json_object_begin(j);
        json_kv_int(j, "id", q->id);
        if (q->finding_id > 0)
                json_kv_int(j, "finding", q->finding_id);
        else
                json_kv_null(j, "finding");
        json_kv_string(j, "state", q->state);
        json_kv_string(j, "path", q->path);
        json_kv_string(j, "sha256", q->sha256);
        json_kv_string(j, "stored_name", q->stored_name);
        json_kv_uint(j, "uid", q->uid);
        json_kv_uint(j, "gid", q->gid);
        json_kv_string(j, "mode", mode);
        json_kv_uint(j, "size", q->size);
        json_kv_time(j, "created", q->created_usec);
        json_kv_time(j, "moved", q->moved_usec);
        json_kv_time(j, "restored", q->restored_usec);
        json_kv_time(j, "deleted", q->deleted_usec);
        json_kv_string(j, "error", q->error);
        json_object_end(j);
}

static int json_add(const struct vb_quarantine_entry *q, void *userdata) {
        json_entry(userdata, q);
        return 0;
}

static int list_json(struct vb_store *store, const char *db) {
        struct vb_json j;
        int r = 0;

        json_init(&j, stdout);
        json_object_begin(&j);
        json_key(&j, "quarantine");
        json_array_begin(&j);
        if (store)
                r = quarantine_foreach(store, json_add, &j);
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
        if (r < 0)
                return cli_error_errno(r, "failed to read the quarantine ledger from %s (%s)", db,
                                       store_errmsg(store) ?: "no detail");
        return CLI_EXIT_OK;
}

static int list_human(const struct vb_cli *cli, struct vb_store *store, const char *db) {
        _cleanup_(cli_table_clear) struct cli_table t = {
                .names = col_names, .n_cols = _COL_MAX,
                .nowrap = 1u << COL_ID | 1u << COL_STATE | 1u << COL_SHA256 | 1u << COL_MODE | 1u << COL_WHEN,
        };
        int r;

        if (!store) {
                printf("nothing quarantined (no ledger at %s)\n", db);
                return CLI_EXIT_OK;
        }
        r = quarantine_foreach(store, table_add, &t);
        if (r < 0)
                return cli_error_errno(r, "failed to read the quarantine ledger from %s (%s)", db,
                                       store_errmsg(store) ?: "no detail");
        if (t.n_rows == 0) {
                printf("nothing quarantined\n");
                return CLI_EXIT_OK;
        }
        cli_pager_open(cli);
        cli_table_print(&t);
        return CLI_EXIT_OK;
}

static int quarantine_list(const struct vb_cli *cli) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_(store_freep) struct vb_store *store = NULL;
        _cleanup_free_ char *db = NULL;
        int r;

        (void) cli_ledger_locate(cli, &p, &db);        /* a broken policy is only a warning here */
        if (!db)
                return CLI_EXIT_ERROR;
        r = cli_store_open_ro(db, &store);
        if (r < 0)
                return cli_ledger_read_error(r, p, db);
        return cli->json ? list_json(store, db) : list_human(cli, store, db);
}

/* ---- restore ---- */

/* A copy of one row that outlives the callback. */
struct row_copy {
        struct vb_quarantine_entry e;
        char *state, *path, *sha256, *stored_name, *error;
};

static void row_copy_clear(struct row_copy *c) {
        free(c->state);
        free(c->path);
        free(c->sha256);
        free(c->stored_name);
        free(c->error);
        *c = (struct row_copy) {};
}

static char *strdup_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static int row_copy_fill(const struct vb_quarantine_entry *q, void *userdata) {
        struct row_copy *c = userdata;

        row_copy_clear(c);
        c->e = *q;
        c->state = strdup_null(q->state);
        c->path = strdup_null(q->path);
        c->sha256 = strdup_null(q->sha256);
        c->stored_name = strdup_null(q->stored_name);
        c->error = strdup_null(q->error);
        if ((q->state && !c->state) || (q->path && !c->path) || (q->sha256 && !c->sha256) ||
            (q->stored_name && !c->stored_name) || (q->error && !c->error))
                return -ENOMEM;
        c->e.state = c->state;
        c->e.path = c->path;
        c->e.sha256 = c->sha256;
        c->e.stored_name = c->stored_name;
        c->e.error = c->error;
        return 0;
}

static int parse_id(const char *s, int64_t *ret) {
        char *end;

        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v <= 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* The audit trail of the restore itself (the unmask and the APT pin
 * rewrite are told by enforce_restore() to journal_action_cb). */
static void log_restore(const struct row_copy *c, int r, const char *detail) {
        _cleanup_free_ char *f_path = xasprintf("VENDORBAN_PATH=%s", c->e.path ?: "");
        _cleanup_free_ char *f_sha = xasprintf("VENDORBAN_SHA256=%s", c->e.sha256 ?: "");
        char f_finding[48], f_id[48];

        snprintf(f_finding, sizeof f_finding, "VENDORBAN_FINDING=%" PRId64, c->e.finding_id);
        snprintf(f_id, sizeof f_id, "VENDORBAN_QUARANTINE_ID=%" PRId64, c->e.id);
        if (!f_path || !f_sha)
                return;
        journal_event(VB_MID_RESTORE, r < 0 ? LOG_ERR : LOG_NOTICE,
                      (const char *const[]) { "VENDORBAN_ACTION=restore", f_path, f_sha, f_finding, f_id, NULL },
                      r < 0 ? "Failed to restore %s from quarantine (entry %" PRId64 "): %s"
                            : "Restored %s from quarantine (entry %" PRId64 ")%s",
                      c->e.path, c->e.id, r < 0 ? detail : "");
}

static int restore_failed(const struct row_copy *c, struct vb_store *store, int r) {
        const char *msg = store_errmsg(store);
        char buf[4096];

        log_restore(c, r, msg ?: strerror(-r));
        if (r == -EEXIST) {
                fprintf(stderr, "vendorbanctl: refusing to overwrite %s: a file is there now\n",
                        cli_safe(c->e.path, buf, sizeof buf));
                return CLI_EXIT_ERROR;
        }
        if (!msg || !*msg)
                return cli_error_errno(r, "cannot restore quarantine entry %" PRId64 " (%s)", c->e.id,
                                       cli_safe(c->e.path, buf, sizeof buf));
        fprintf(stderr, "vendorbanctl: cannot restore quarantine entry %" PRId64 " (%s): %s\n", c->e.id,
                cli_safe(c->e.path, buf, sizeof buf), msg);
        return CLI_EXIT_ERROR;
}

static int quarantine_restore_cmd(const struct vb_cli *cli, const char *arg) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_(store_freep) struct vb_store *store = NULL;
        _cleanup_(row_copy_clear) struct row_copy row = {};
        _cleanup_free_ char *db = NULL;
        char buf[4096];
        int64_t id;
        int r;

        if (parse_id(arg, &id) < 0)
                return cli_usage_error("quarantine restore: not an entry ID: '%s'", arg);
        if (geteuid() != 0) {
                fputs("vendorbanctl: quarantine restore needs root\n", stderr);
                return CLI_EXIT_ERROR;
        }
        /* The policy names the state directory and the quarantine in it. */
        r = cli_policy_load(cli, &p);
        if (r != 0) {
                fputs("vendorbanctl: quarantine restore needs a valid policy (it names the state directory); "
                      "see 'vendorbanctl policy check'\n", stderr);
                return r;
        }
        db = cli_db_path(cli, p);
        if (!db)
                return cli_error_errno(-ENOMEM, "failed to build the ledger path");
        r = cli_store_open_ro(db, &store);      /* only to tell "no ledger" from the rest */
        if (r < 0)
                return cli_error_errno(r, "failed to open the ledger %s", db);
        if (!store) {
                fprintf(stderr, "vendorbanctl: no quarantine entry %" PRId64 ": no ledger at %s\n", id, db);
                return CLI_EXIT_ERROR;
        }
        store_free(TAKE_PTR(store));
        r = store_open(db, false, &store);
        if (r < 0)
                return cli_error_errno(r, "failed to open the ledger %s (%s)", db,
                                       store ? store_errmsg(store) ?: "no detail" : "no detail");

        r = quarantine_get(store, id, row_copy_fill, &row);
        if (r == -ENOENT) {
                fprintf(stderr, "vendorbanctl: no quarantine entry %" PRId64 " (see 'vendorbanctl quarantine list')\n",
                        id);
                return CLI_EXIT_ERROR;
        }
        if (r < 0)
                return cli_error_errno(r, "failed to read quarantine entry %" PRId64 " from %s (%s)", id, db,
                                       store_errmsg(store) ?: "no detail");

        struct vb_enforcer e = { .root = cli->root, .policy = p, .store = store, .on_outcome = journal_action_cb };
        r = enforce_restore(&e, id);
        if (r < 0)
                return restore_failed(&row, store, r);

        /* Show the row as the ledger has it now. */
        r = quarantine_get(store, id, row_copy_fill, &row);
        if (r < 0)
                return cli_error_errno(r, "restored, but cannot read quarantine entry %" PRId64 " back (%s)", id,
                                       store_errmsg(store) ?: "no detail");
        log_restore(&row, 0, NULL);
        if (p->config.mode == VB_MODE_ENFORCE)
                fprintf(stderr, "vendorbanctl: note: the policy still blocks %s; once everything of its finding "
                        "is restored, vendorban leaves that exact content alone (it is recorded as restored) "
                        "but still reports it. To keep it for good, exempt it in the ban's exempt = { ... }.\n",
                        cli_safe(row.e.path, buf, sizeof buf));
        if (cli->json) {
                struct vb_json j;

                json_init(&j, stdout);
                json_object_begin(&j);
                json_key(&j, "restored");
                json_entry(&j, &row.e);
                json_object_end(&j);
                json_finish(&j);
        } else
                printf("restored %s (owner %" PRIu32 ":%" PRIu32 ", mode %04o)\n",
                       cli_safe(row.e.path, buf, sizeof buf), row.e.uid, row.e.gid, (unsigned) (row.e.mode & 07777));
        return CLI_EXIT_OK;
}

int cmd_quarantine(const struct vb_cli *cli, int argc, char **argv) {
        if (strcmp(argv[0], "list") == 0) {
                if (argc > 1)
                        return cli_usage_error("quarantine list: unexpected argument '%s'", argv[1]);
                return quarantine_list(cli);
        }
        if (strcmp(argv[0], "restore") == 0) {
                if (argc < 2)
                        return cli_usage_error("quarantine restore: missing entry ID");
                return quarantine_restore_cmd(cli, argv[1]);
        }
        if (strcmp(argv[0], "delete") == 0) {
                if (argc < 2)
                        return cli_usage_error("quarantine delete: missing entry ID");
                return cmd_quarantine_delete(cli, argv[1]);
        }
        return cli_usage_error("quarantine: unknown subcommand '%s' (list, restore ID or delete ID)", argv[0]);
}
