/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "vendorbanctl quarantine delete ID" (root only): the quarantined copy is
 * removed for good, its ledger row kept as 'deleted'; and the retention
 * (quarantine_retention) applied after a root scan. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"
#include "enforce.h"
#include "journal.h"
#include "quarantine.h"
#include "util.h"

static void log_deleted(int64_t id, const char *why) {
        char f_id[48];

        snprintf(f_id, sizeof f_id, "VENDORBAN_QUARANTINE_ID=%" PRId64, id);
        journal_event(VB_MID_ACTION, LOG_NOTICE,
                      (const char *const[]) { "VENDORBAN_ACTION=delete-quarantined", f_id, NULL },
                      "Deleted the quarantined copy of entry %" PRId64 " (%s); its ledger row is kept.", id, why);
}

int cmd_quarantine_delete(const struct vb_cli *cli, const char *arg) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_(store_freep) struct vb_store *store = NULL;
        _cleanup_free_ char *db = NULL, *qdir = NULL;
        char *end;
        int r;

        errno = 0;
        long long id = strtoll(arg, &end, 10);
        if (errno != 0 || end == arg || *end != '\0' || id <= 0)
                return cli_usage_error("quarantine delete: not an entry ID: '%s'", arg);
        if (geteuid() != 0) {
                fputs("vendorbanctl: quarantine delete needs root\n", stderr);
                return CLI_EXIT_ERROR;
        }
        r = cli_policy_load(cli, &p);
        if (r != 0) {
                fputs("vendorbanctl: quarantine delete needs a valid policy (it names the state directory); "
                      "see 'vendorbanctl policy check'\n", stderr);
                return r;
        }
        db = cli_db_path(cli, p);
        qdir = enforce_quarantine_dir(p);
        if (!db || !qdir)
                return cli_error_errno(-ENOMEM, "failed to build the ledger path");
        r = cli_store_open_ro(db, &store);
        if (r < 0)
                return cli_error_errno(r, "failed to open the ledger %s", db);
        if (!store) {
                fprintf(stderr, "vendorbanctl: no quarantine entry %lld: no ledger at %s\n", id, db);
                return CLI_EXIT_ERROR;
        }
        store_free(TAKE_PTR(store));
        r = store_open(db, false, &store);
        if (r < 0)
                return cli_error_errno(r, "failed to open the ledger %s", db);
        r = quarantine_delete(store, cli->root, qdir, id, now_usec());
        if (r == -ENOENT) {
                fprintf(stderr, "vendorbanctl: no quarantine entry %lld (see 'vendorbanctl quarantine list')\n", id);
                return CLI_EXIT_ERROR;
        }
        if (r < 0) {
                fprintf(stderr, "vendorbanctl: cannot delete quarantine entry %lld: %s\n", id,
                        store_errmsg(store) ?: strerror(-r));
                return CLI_EXIT_ERROR;
        }
        log_deleted(id, "vendorbanctl quarantine delete");
        if (cli->json)
                printf("{\"deleted\":%lld}\n", id);
        else
                printf("deleted the quarantined copy of entry %lld (the ledger row is kept, state deleted)\n", id);
        return CLI_EXIT_OK;
}

void cli_quarantine_expire(const struct vb_cli *cli, const struct vb_policy *p, struct vb_store *store) {
        _cleanup_free_ char *qdir = NULL;
        size_t n = 0;
        int r;

        if (p->config.quarantine_retention <= 0 || geteuid() != 0 || !store)
                return;
        qdir = enforce_quarantine_dir(p);
        if (!qdir)
                return;
        r = quarantine_expire(store, cli->root, qdir, p->config.quarantine_retention, now_usec(), &n);
        if (n > 0) {
                char why[96];

                snprintf(why, sizeof why, "older than quarantine_retention, %llds",
                         (long long) p->config.quarantine_retention);
                journal_event(VB_MID_ACTION, LOG_NOTICE, (const char *const[]) { "VENDORBAN_ACTION=delete-quarantined", NULL },
                              "Deleted %zu quarantined cop%s %s; the ledger rows are kept.", n, n == 1 ? "y" : "ies",
                              why);
        }
        if (r < 0)
                fprintf(stderr, "vendorbanctl: warning: quarantine retention: %s, ignoring\n",
                        store_errmsg(store) ?: strerror(-r));
}
