/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 'vendorbanctl metrics': the Prometheus text format (exposition format
 * 0.0.4) for node-exporter's textfile collector: per-ban counts, compliance,
 * guard state, last scan time and policy age, from the daemon's newest
 * summary (/run/vendorban/summary), its guard state and the ledger. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "cli.h"
#include "summary.h"

#define SUMMARY_FILE "/run/vendorban/summary"
#define GUARD_FILE "/run/vendorban/guard"

struct metrics {
        bool running, have_summary;
        char compliant[16];
        int64_t last_scan_usec, summary_usec;
        struct vb_summary_ban *bans;
        size_t n_bans;
        char digest[65], mode[16], release[32];
        char guard[256];
        int64_t policy_loaded;  /* seconds, 0 if unknown */
};

static bool daemon_running(const char *root) {
        _cleanup_free_ char *path = path_under_root(root, CLI_PID_FILE);
        _cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
        int pid = 0;

        return f && fscanf(f, "%d", &pid) == 1 && pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static void read_summary(const char *root, struct metrics *m) {
        _cleanup_free_ char *path = path_under_root(root, SUMMARY_FILE);
        _cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;
        char line[8192];

        if (!f || !fgets(line, sizeof line, f) || strcmp(line, VB_SUMMARY_MAGIC "\n") != 0)
                return;
        m->have_summary = true;
        while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = '\0';
                char *v = strchr(line, '=');
                if (!v)
                        continue;
                *v++ = '\0';
                if (strcmp(line, summary_field_names[VB_SF_COMPLIANT]) == 0)
                        snprintf(m->compliant, sizeof m->compliant, "%s", v);
                else if (strcmp(line, summary_field_names[VB_SF_LAST_SCAN]) == 0)
                        m->last_scan_usec = strtoll(v, NULL, 10);
                else if (strcmp(line, summary_field_names[VB_SF_TIME]) == 0)
                        m->summary_usec = strtoll(v, NULL, 10);
                else if (strcmp(line, summary_field_names[VB_SF_POLICY_DIGEST]) == 0)
                        snprintf(m->digest, sizeof m->digest, "%s", v);
                else if (strcmp(line, summary_field_names[VB_SF_MODE]) == 0)
                        snprintf(m->mode, sizeof m->mode, "%s", v);
                else if (strcmp(line, summary_field_names[VB_SF_RELEASE]) == 0)
                        snprintf(m->release, sizeof m->release, "%s", v);
                else if (strcmp(line, summary_field_names[VB_SF_BANS]) == 0 && !m->bans)
                        (void) summary_bans_parse(v, &m->bans, &m->n_bans);
        }
}

static void read_guard(const char *root, struct metrics *m) {
        _cleanup_free_ char *path = path_under_root(root, GUARD_FILE);
        _cleanup_fclose_ FILE *f = path ? fopen(path, "re") : NULL;

        if (f && fgets(m->guard, sizeof m->guard, f))
                m->guard[strcspn(m->guard, "\n")] = '\0';
}

/* A label value: backslash, quote and newline escaped. */
static void label(const char *s) {
        for (; s && *s; s++) {
                if (*s == '\\' || *s == '"')
                        putchar('\\');
                if (*s == '\n')
                        fputs("\\n", stdout);
                else
                        putchar(*s);
        }
}

static void metric_head(const char *name, const char *help) {
        printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void print_metrics(const struct metrics *m, int64_t now) {
        metric_head("vendorban_up", "1 if vendorband runs (its pid file names a live process).");
        printf("vendorban_up %d\n", m->running);
        metric_head("vendorban_summary_present", "1 if the daemon has written a compliance summary since boot.");
        printf("vendorban_summary_present %d\n", m->have_summary);
        if (m->have_summary) {
                metric_head("vendorban_compliant", "1 if no software that a ban blocks is present, 0 if some is, "
                                                   "-1 if unknown.");
                printf("vendorban_compliant %d\n", strcmp(m->compliant, "yes") == 0 ? 1
                                                   : strcmp(m->compliant, "no") == 0 ? 0
                                                                                     : -1);
                metric_head("vendorban_findings", "Findings present at the last scan, per ban and verdict.");
                for (size_t i = 0; i < m->n_bans; i++) {
                        printf("vendorban_findings{ban=\"");
                        label(m->bans[i].id);
                        printf("\",verdict=\"block\"} %" PRIu64 "\n", m->bans[i].blocked);
                        printf("vendorban_findings{ban=\"");
                        label(m->bans[i].id);
                        printf("\",verdict=\"flag\"} %" PRIu64 "\n", m->bans[i].flagged);
                }
                metric_head("vendorban_last_scan_timestamp_seconds", "When the last complete scan finished "
                                                                    "(0: none since the daemon started).");
                printf("vendorban_last_scan_timestamp_seconds %.3f\n", m->last_scan_usec / 1e6);
                metric_head("vendorban_last_summary_timestamp_seconds", "When the last compliance summary was "
                                                                       "written.");
                printf("vendorban_last_summary_timestamp_seconds %.3f\n", m->summary_usec / 1e6);
                metric_head("vendorban_info", "The vendorban version, mode and policy digest in force.");
                printf("vendorban_info{version=\"");
                label(m->release);
                printf("\",mode=\"");
                label(m->mode);
                printf("\",policy_digest=\"");
                label(m->digest);
                printf("\"} 1\n");
        }
        metric_head("vendorban_guard_active", "1 if the exec guard is active, 0 if off, -1 if unknown.");
        printf("vendorban_guard_active %d\n", !m->running || !m->guard[0] ? -1 : strncmp(m->guard, "active", 6) == 0);
        if (m->policy_loaded > 0) {
                metric_head("vendorban_policy_loaded_timestamp_seconds", "When the policy in the ledger was "
                                                                         "compiled.");
                printf("vendorban_policy_loaded_timestamp_seconds %" PRId64 "\n", m->policy_loaded);
                metric_head("vendorban_policy_age_seconds", "Seconds since the policy in the ledger was compiled.");
                printf("vendorban_policy_age_seconds %" PRId64 "\n", now - m->policy_loaded);
        }
}

int cmd_metrics(const struct vb_cli *cli, int argc, char **argv) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_free_ char *db = NULL;
        _cleanup_(store_freep) struct vb_store *store = NULL;
        struct metrics m = { .compliant = "unknown" };
        struct vb_policy_info info;

        (void) cli_ledger_locate(cli, &p, &db); /* a broken policy still has metrics */
        if (db && cli_store_open_ro(db, &store) >= 0 && store && store_policy_info(store, &info) >= 0)
                m.policy_loaded = info.loaded_at;
        m.running = daemon_running(cli->root);
        read_summary(cli->root, &m);
        read_guard(cli->root, &m);
        print_metrics(&m, now_sec());
        free(m.bans);
        return CLI_EXIT_OK;
}
