/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl status": is vendorband running, which mode and policy are
 * in force (loaded now vs. compiled into the ledger; from the files or the
 * last-known-good copy), and the ledger's counts. Read-only; prints what
 * it can even when the policy is broken. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

struct status {
        /* daemon */
        bool running;
        int pid;                        /* from the pid file; 0 if none */
        /* policy as loaded now; NULL if broken */
        const struct vb_policy *policy;
        /* ledger */
        char *db;
        bool db_exists;
        int db_error;                   /* it exists but cannot be read: negative errno */
        bool compiled;                  /* the ledger holds a compiled policy */
        struct vb_policy_info info;
        size_t packages, files, findings;
        /* where the policy in force comes from: "files", "last-known-good", "none" */
        const char *source;
        char source_digest[65];
        bool last_good;                 /* the ledger holds a last-known-good policy */
        char last_good_digest[65];
        size_t last_good_bans;
        int64_t last_good_at;
        /* prevention */
        char guard[512];                /* the daemon's guard status line; "" if none */
        bool hook_installed;
        char *hook_path;
};

#define APT_HOOK_SNIPPET "/etc/apt/apt.conf.d/50vendorban"

/* The exec guard's state as the running daemon wrote it, and whether APT
 * will call our hook (its snippet is in apt.conf.d and names apt-hook). */
static void prevention_probe(const char *root, struct status *s) {
        _cleanup_free_ char *guard = path_under_root(root, "/run/vendorban/guard");
        _cleanup_fclose_ FILE *f = NULL;
        char line[512];

        if (s->running && guard && (f = fopen(guard, "re")) && fgets(s->guard, sizeof s->guard, f))
                s->guard[strcspn(s->guard, "\n")] = '\0';
        if (f)
                fclose(TAKE_PTR(f));

        s->hook_path = path_under_root(root, APT_HOOK_SNIPPET);
        f = s->hook_path ? fopen(s->hook_path, "re") : NULL;
        while (f && fgets(line, sizeof line, f))
                if (line[strspn(line, " \t")] != '#' && line[strspn(line, " \t")] != '/' && strstr(line, "apt-hook"))
                        s->hook_installed = true;
}

static const char *guard_state(const struct status *s) {
        if (!s->running || !s->guard[0])
                return "unknown";
        return strncmp(s->guard, "active", 6) == 0 ? "active" : "off";
}

/* Running if the pid file names a live process whose comm is vendorband. */
static void daemon_probe(const char *root, struct status *s) {
        _cleanup_free_ char *pidfile = path_under_root(root, CLI_PID_FILE);
        _cleanup_fclose_ FILE *f = NULL;
        char path[64], comm[64] = "";
        int pid;

        f = pidfile ? fopen(pidfile, "re") : NULL;
        if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0)
                return;
        s->pid = pid;
        fclose(TAKE_PTR(f));

        snprintf(path, sizeof path, "/proc/%d/comm", pid);
        f = fopen(path, "re");
        if (!f || !fgets(comm, sizeof comm, f))
                return;
        comm[strcspn(comm, "\n")] = '\0';
        s->running = strcmp(comm, "vendorband") == 0;
}

static int ledger_probe(struct status *s) {
        _cleanup_(store_freep) struct vb_store *store = NULL;
        int r;

        r = cli_store_open_ro(s->db, &store);
        if (r < 0) {
                s->db_error = r;
                s->db_exists = r != -ENOENT;
                return cli_ledger_read_error(r, s->policy, s->db);
        }
        if (!store)
                return 0;
        s->db_exists = true;

        r = store_policy_info(store, &s->info);
        if (r < 0 && r != -ENOENT)
                return cli_error_errno(r, "failed to read the compiled policy from %s (%s)", s->db,
                                       store_errmsg(store) ?: "no detail");
        s->compiled = r >= 0;

        struct vb_policy *lkg = NULL;
        struct vb_diag diag = {};
        if (store_policy_last_good(store, &lkg, &s->last_good_at, &diag) >= 0) {
                s->last_good = true;
                memcpy(s->last_good_digest, lkg->digest, sizeof s->last_good_digest);
                s->last_good_bans = lkg->n_bans;
                policy_free(lkg);
        }

        r = store_package_count(store, &s->packages);
        if (r >= 0)
                r = store_file_count(store, &s->files);
        if (r >= 0)
                r = store_finding_count(store, &s->findings);
        if (r < 0)
                return cli_error_errno(r, "failed to count the ledger's rows in %s (%s)", s->db,
                                       store_errmsg(store) ?: "no detail");
        return 0;
}

/* What the running daemon says it enforces (/run/vendorban/policy), else
 * what it would enforce if started now: the files if they load, else the
 * ledger's last-known-good policy, else nothing. */
static void source_probe(const char *root, struct status *s) {
        _cleanup_free_ char *path = path_under_root(root, "/run/vendorban/policy");
        _cleanup_fclose_ FILE *f = NULL;
        char line[128];

        s->source = s->policy ? "files" : s->last_good ? "last-known-good" : "none";
        snprintf(s->source_digest, sizeof s->source_digest, "%s",
                 s->policy ? s->policy->digest : s->last_good ? s->last_good_digest : "");
        f = s->running && path ? fopen(path, "re") : NULL;
        while (f && fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = '\0';
                if (strcmp(line, "source=last-known-good") == 0)
                        s->source = "last-known-good";
                else if (strcmp(line, "source=files") == 0)
                        s->source = "files";
                else if (strncmp(line, "digest=", 7) == 0)
                        snprintf(s->source_digest, sizeof s->source_digest, "%.64s", line + 7);
        }
}

static bool up_to_date(const struct status *s) {
        return s->policy && s->compiled && strcmp(s->policy->digest, s->info.digest) == 0;
}

static void print_json(const struct status *s) {
        const struct vb_policy *p = s->policy;
        struct vb_json j;

        json_init(&j, stdout);
        json_object_begin(&j);
        json_key(&j, "daemon");
        json_object_begin(&j);
        json_kv_bool(&j, "running", s->running);
        if (s->running)
                json_kv_int(&j, "pid", s->pid);
        else
                json_kv_null(&j, "pid");
        json_object_end(&j);
        json_kv_string(&j, "mode", p ? mode_to_string(p->config.mode) : NULL);

        json_key(&j, "policy");
        json_object_begin(&j);
        json_kv_string(&j, "digest", p ? p->digest : NULL);
        if (p) {
                json_kv_uint(&j, "bans", p->n_bans);
                json_kv_uint(&j, "indicators", cli_policy_indicators(p));
        } else {
                json_kv_null(&j, "bans");
                json_kv_null(&j, "indicators");
        }
        json_kv_string(&j, "source", s->source);
        json_kv_string(&j, "source_digest", s->source_digest[0] ? s->source_digest : NULL);
        json_kv_string(&j, "last_known_good_digest", s->last_good ? s->last_good_digest : NULL);
        json_kv_time(&j, "last_known_good_at", s->last_good ? s->last_good_at * 1000000 : 0);
        json_kv_string(&j, "compiled_digest", s->compiled ? s->info.digest : NULL);
        json_kv_time(&j, "compiled_at", s->compiled ? s->info.loaded_at * 1000000 : 0);
        json_kv_bool(&j, "up_to_date", up_to_date(s));
        json_object_end(&j);

        json_key(&j, "counts");
        json_object_begin(&j);
        json_kv_uint(&j, "packages", s->packages);
        json_kv_uint(&j, "files", s->files);
        json_kv_uint(&j, "findings", s->findings);
        json_object_end(&j);
        json_key(&j, "exec_guard");
        json_object_begin(&j);
        json_kv_string(&j, "state", guard_state(s));
        json_kv_string(&j, "detail", s->guard[0] ? s->guard : NULL);
        json_object_end(&j);
        json_key(&j, "apt_hook");
        json_object_begin(&j);
        json_kv_bool(&j, "installed", s->hook_installed);
        json_kv_string(&j, "snippet", APT_HOOK_SNIPPET);
        json_object_end(&j);
        json_kv_string(&j, "database", s->db);
        json_kv_bool(&j, "database_exists", s->db_exists);
        json_kv_string(&j, "database_error", s->db_error < 0 ? strerror(-s->db_error) : NULL);
        json_object_end(&j);
        json_finish(&j);
}

static void print_human(const struct status *s) {
        const struct vb_policy *p = s->policy;
        char when[32];

        if (s->running)
                printf("daemon:    running (pid %d)\n", s->pid);
        else if (s->pid > 0)
                printf("daemon:    not running (stale pid file names %d)\n", s->pid);
        else
                printf("daemon:    not running\n");
        printf("mode:      %s\n", p ? mode_to_string(p->config.mode) : "unknown (policy broken)");
        printf("guard:     %s\n", s->running && s->guard[0] ? s->guard : "unknown (vendorband not running)");
        printf("apt hook:  %s\n", s->hook_installed ? "installed (" APT_HOOK_SNIPPET ")"
                                                     : "not installed (no " APT_HOOK_SNIPPET ")");
        if (p)
                printf("policy:    %zu bans, %zu indicators, digest %s\n", p->n_bans, cli_policy_indicators(p),
                       p->digest);
        else
                printf("policy:    broken (see the errors above)\n");
        if (strcmp(s->source, "last-known-good") == 0) {
                cli_format_sec(s->last_good_at, when, sizeof when);
                printf("source:    LAST-KNOWN-GOOD: %s the policy compiled at %s (digest %.16s, %zu bans), "
                       "not the files\n", s->running ? "vendorband enforces" : "vendorband would start with",
                       s->last_good ? when : "?", s->source_digest, s->last_good_bans);
        } else if (strcmp(s->source, "none") == 0)
                printf("source:    none: the files are broken and no good policy was ever compiled here "
                       "(vendorband cannot start)\n");
        else
                printf("source:    files\n");
        if (s->compiled) {
                cli_format_sec(s->info.loaded_at, when, sizeof when);
                printf("compiled:  %zu bans, %zu indicators, digest %s at %s%s\n", s->info.n_bans,
                       s->info.n_indicators, s->info.digest, when,
                       up_to_date(s) ? " (up to date)" : " (differs from the policy files)");
        } else if (s->db_error < 0)
                printf("compiled:  unknown (the ledger cannot be read)\n");
        else
                printf("compiled:  never (run 'vendorbanctl scan' or start vendorband)\n");
        if (s->db_error < 0) {
                printf("database:  %s (cannot read: %s)\n", s->db, strerror(-s->db_error));
                printf("findings:  unknown\n");
                return;
        }
        if (!s->db_exists) {
                printf("database:  %s (missing: no scan yet)\n", s->db);
                printf("findings:  none yet\n");
                return;
        }
        printf("database:  %s\n", s->db);
        printf("inventory: %zu packages, %zu files cached\n", s->packages, s->files);
        printf("findings:  %zu\n", s->findings);
}

int cmd_status(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        struct status s = {};
        int ret, r;

        ret = cli_ledger_locate(cli, &p, &s.db);       /* a broken policy: say so, go on without it */
        if (!s.db)
                return CLI_EXIT_ERROR;
        s.policy = p;
        daemon_probe(cli->root, &s);
        prevention_probe(cli->root, &s);

        r = ledger_probe(&s);
        if (r != 0)
                ret = r;
        source_probe(cli->root, &s);
        if (cli->json)
                print_json(&s);
        else
                print_human(&s);
        free(s.db);
        free(s.hook_path);
        return ret;
}
