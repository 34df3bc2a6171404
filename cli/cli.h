/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vendorbanctl's private header: the parsed options, the verbs, the helpers
 * they share (policy and store setup, time formatting) and the JSON writer.
 * Prototypes are grouped by the file that defines them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "policy.h"
#include "store.h"

/* Exit statuses, the same for every command. */
#define CLI_EXIT_OK 0           /* success, nothing banned */
#define CLI_EXIT_FOUND 1        /* banned software found (scan), flag/block verdict (explain) */
#define CLI_EXIT_ERROR 2        /* bad usage, broken policy, I/O, database */

#define CLI_PID_FILE "/run/vendorban/vendorband.pid"
/* The state directory when the policy that names it cannot be loaded. */
#define CLI_STATE_DIR_DEFAULT "/var/lib/vendorban"

/* The parsed global options; the only state, passed to every verb. */
struct vb_cli {
        const char *root;       /* "/" unless --root */
        const char *config;     /* NULL = VB_DEFAULT_CONFIG */
        bool json;
        bool help;
        bool version;
        bool no_pager;
        const char *policy_root;/* NULL: the root's own policy, else the host's (see cli_policy_root) */
        const char *image;      /* scan --image: an OCI layout or image tarball */
        const char *image_label;/* set while scanning an unpacked image: its path, for the output */
        /* findings' filters and formats */
        bool csv;
        int64_t since_usec;     /* 0: no bound */
        int64_t until_usec;     /* 0: no bound */
        const char *ban;        /* NULL: every ban */
        int verdict;            /* enum vb_verdict, or -1: every verdict */
};

/* vendorbanctl.c */
/* Print "vendorbanctl: <what>: <strerror(-r)>" to stderr; returns CLI_EXIT_ERROR. */
int cli_error_errno(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "vendorbanctl: <what>" and the "Try" hint to stderr; returns CLI_EXIT_ERROR. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Load the configured policy; on failure print the diagnostics (or the
 * error) to stderr and return CLI_EXIT_ERROR, else CLI_EXIT_OK. */
int cli_policy_load(const struct vb_cli *cli, struct vb_policy **ret);
/* Where the policy is read from: --policy-root if given; else the root if
 * it has a policy of its own (its main config exists); else "/", the
 * host's (a mounted image or container root), which cli_policy_load says. */
const char *cli_policy_root(const struct vb_cli *cli);
/* True when the policy is the root's own: only then does a scan write
 * into the root (ledger) and the journal, or act. */
bool cli_policy_is_own(const struct vb_cli *cli);
/* The same, but when the files are broken, the last-known-good policy the
 * ledger keeps (saying so on stderr), for the guards that must not fail
 * open on a broken file (the APT hook). CLI_EXIT_ERROR only when there is
 * neither. */
int cli_policy_load_or_last_good(const struct vb_cli *cli, struct vb_policy **ret);
/* Host path of the ledger: ROOT + state_dir + "/" VB_STORE_FILE. */
char *cli_db_path(const struct vb_cli *cli, const struct vb_policy *p);
char *cli_db_path_in(const struct vb_cli *cli, const char *state_dir);
/* For the verbs that only read the ledger: load the policy and find the
 * ledger it names. A broken policy does not stop them: its errors and a
 * warning are printed, *ret_policy is NULL, the ledger is looked for in
 * CLI_STATE_DIR_DEFAULT, and CLI_EXIT_ERROR is returned (the caller
 * decides whether that is its exit status). *ret_db is NULL only when
 * out of memory (then CLI_EXIT_ERROR too, after saying so). */
int cli_ledger_locate(const struct vb_cli *cli, struct vb_policy **ret_policy, char **ret_db);
/* Open the ledger read-only; *ret = NULL (and 0) if it does not exist yet. */
int cli_store_open_ro(const char *db_path, struct vb_store **ret);

/* cmd-quarantine-delete.c: "quarantine delete ID"; the retention after a root scan. */
int cmd_quarantine_delete(const struct vb_cli *cli, const char *arg);
void cli_quarantine_expire(const struct vb_cli *cli, const struct vb_policy *p, struct vb_store *store);

/* progress.c: on a tty (and without --json), scan progress on stderr. */
struct vb_scan_options;
void cli_progress_setup(const struct vb_cli *cli, struct vb_scan_options *o, bool *shown);

/* access.c: a permission error (not root) that names the auditor group;
 * otherwise the plain error. Both return CLI_EXIT_ERROR. */
bool cli_is_denied(int r);
int cli_ledger_read_error(int r, const struct vb_policy *p, const char *db);
int cli_ledger_write_error(int r, const struct vb_policy *p, const char *db);
/* As root: the state directory and ledger to root:auditor_group 0750/0640. */
void cli_ledger_share(const struct vb_policy *p, const char *dir, const char *db);
/* For text output: control characters (a newline in a file name...) shown
 * as '?'. cli_sanitize edits s in place; cli_safe returns s when it is
 * clean, else a sanitized copy in buf (truncated to size). */
void cli_sanitize(char *s);

/* help.c: the whole usage and each command's own. */
void cli_help(FILE *f);
/* The usage of one command ("policy", "quarantine", ...); false if it has none. */
bool cli_verb_help(const char *verb, FILE *f);

/* timespec.c: --since/--until values ("2026-11-25", "2026-11-25 18:00",
 * "-2h", "2h ago", "today", "yesterday", "now"; UTC) into microseconds
 * since the epoch; -EINVAL if s is none of these. */
int cli_parse_time(const char *s, int64_t now_usec, int64_t *ret_usec);

/* pager.c: standard output through $VENDORBAN_PAGER / $PAGER / less, only on
 * a terminal and never with --json or --no-pager. cli_pager_close() waits
 * for the pager; true if there was one. */
void cli_pager_open(const struct vb_cli *cli);
bool cli_pager_close(void);

/* csv.c: one RFC 4180 record: fields quoted when they hold ',', '"' or a
 * line break; NULL is an empty field. */
void cli_csv_row(FILE *f, const char *const *fields, size_t n);

/* table.c: a plain-text table (the list commands' human output). */
struct cli_table {
        const char *const *names;       /* the header, n_cols names */
        size_t n_cols;
        char **cells;                   /* n_rows * n_cols, owned */
        size_t n_rows;
        unsigned nowrap;                /* bit k: column k is never narrowed */
};
/* A new row of n_cols NULL cells for the caller to fill with allocated
 * strings; NULL when out of memory. */
char **cli_table_add_row(struct cli_table *t);
/* Sanitize the filled row; -ENOMEM if a cell is still NULL. */
int cli_table_row_done(const struct cli_table *t, char **row);
/* Fit in cli_output_width(), wrapping the widest columns if needed. */
void cli_table_print(const struct cli_table *t);
/* The terminal's width, or $COLUMNS; SIZE_MAX (no wrapping) for a pipe. */
size_t cli_output_width(void);
void cli_table_clear(struct cli_table *t);
const char *cli_safe(const char *s, char *buf, size_t size);
/* Number of indicators in a policy, over every ban and kind. */
size_t cli_policy_indicators(const struct vb_policy *p);

/* The verbs: positional arguments only (options already parsed). Each
 * returns an exit status. */
int cmd_scan(const struct vb_cli *cli, int argc, char **argv);
int cmd_findings(const struct vb_cli *cli, int argc, char **argv);
int cmd_status(const struct vb_cli *cli, int argc, char **argv);
int cmd_policy(const struct vb_cli *cli, int argc, char **argv);
int cmd_explain(const struct vb_cli *cli, int argc, char **argv);
int cmd_quarantine(const struct vb_cli *cli, int argc, char **argv);
int cmd_apthook(const struct vb_cli *cli, int argc, char **argv);
/* scan-image.c: scan --image PATH (unpack, then cmd_scan on the unpacked root) */
int cmd_scan_image(const struct vb_cli *cli);
int cmd_rpmhook(const struct vb_cli *cli, int argc, char **argv);
/* cmd-fleet.c: parses its own options (argv[0] is "fleet"). */
int cmd_fleet(const struct vb_cli *cli, int argc, char **argv);
/* cmd-metrics.c */
int cmd_metrics(const struct vb_cli *cli, int argc, char **argv);
/* fleet-print.c: the report as "text", "json" or "csv"; returns the exit status. */
struct vb_fleet;
int fleet_print(const struct vb_fleet *f, const char *format);

/* json.c: a streaming writer for one JSON document. Commas, nesting and
 * escaping are handled here; callers only say what comes next. Strings are
 * escaped fully: '"' and '\\', control characters (and DEL) as \u00XX, and
 * every byte that is not part of valid UTF-8 as \u00XX of its value. */
#define JSON_DEPTH_MAX 32

/* ISO 8601 UTC: "2026-11-25T18:00:00.123456Z" / "2026-11-25T18:00:00Z"
 * (buf >= 32). */
void cli_format_usec(int64_t usec, char *buf, size_t size);
void cli_format_sec(int64_t sec, char *buf, size_t size);

struct vb_json {
        FILE *f;
        unsigned depth;
        bool after_key;                         /* a key was written; its value comes next */
        unsigned count[JSON_DEPTH_MAX];         /* values written at each depth */
};

void json_init(struct vb_json *j, FILE *f);
void json_object_begin(struct vb_json *j);
void json_object_end(struct vb_json *j);
void json_array_begin(struct vb_json *j);
void json_array_end(struct vb_json *j);
void json_key(struct vb_json *j, const char *key);
void json_string(struct vb_json *j, const char *s);     /* NULL -> null */
void json_string_len(struct vb_json *j, const char *s, size_t len);
void json_int(struct vb_json *j, int64_t v);
void json_uint(struct vb_json *j, uint64_t v);
void json_bool(struct vb_json *j, bool v);
void json_null(struct vb_json *j);
/* Write the trailing newline and flush; negative errno on a write error. */
int json_finish(struct vb_json *j);

/* Shorthands for "key": value. */
void json_kv_string(struct vb_json *j, const char *key, const char *s);
void json_kv_int(struct vb_json *j, const char *key, int64_t v);
void json_kv_uint(struct vb_json *j, const char *key, uint64_t v);
void json_kv_bool(struct vb_json *j, const char *key, bool v);
void json_kv_null(struct vb_json *j, const char *key);
/* "key": "2026-11-25T18:00:00.123456Z", or null if usec == 0. */
void json_kv_time(struct vb_json *j, const char *key, int64_t usec);
/* "key": ["a", "b"] from a string vector. */
void json_kv_strv(struct vb_json *j, const char *key, const struct vb_strv *v);
/* Escape s into buf as the body of a JSON string (no quotes); returns the
 * length it needs (like snprintf). For tests and one-off use. */
size_t json_escape(const char *s, size_t len, char *buf, size_t size);
