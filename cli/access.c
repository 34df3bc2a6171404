/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may read or change the ledger, as the CLI says it: errors that name the
 * auditor group, and a root scan sharing the ledger it wrote with that group. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "ledger-access.h"
#include "policy.h"

static const char *group_of(const struct vb_policy *p) {
        return p && p->config.auditor_group ? p->config.auditor_group : VB_DEFAULT_AUDITOR_GROUP;
}

bool cli_is_denied(int r) {
        return (r == -EACCES || r == -EPERM || r == -EROFS) && geteuid() != 0;
}

int cli_ledger_read_error(int r, const struct vb_policy *p, const char *db) {
        if (!cli_is_denied(r))
                return cli_error_errno(r, "failed to open the ledger %s", db);
        fprintf(stderr, "vendorbanctl: cannot read the ledger %s: %s (needs root or membership in group %s)\n", db,
                strerror(-r), group_of(p));
        return CLI_EXIT_ERROR;
}

int cli_ledger_write_error(int r, const struct vb_policy *p, const char *db) {
        if (!cli_is_denied(r))
                return cli_error_errno(r, "failed to open the ledger %s", db);
        fprintf(stderr, "vendorbanctl: cannot write the ledger %s: %s (needs root; members of group %s may only "
                "read it)\n", db, strerror(r == -EROFS ? EACCES : -r), group_of(p));
        return CLI_EXIT_ERROR;
}

void cli_ledger_share(const struct vb_policy *p, const char *dir, const char *db) {
        gid_t gid;
        int r;

        if (geteuid() != 0)
                return;
        r = ledger_access_group(group_of(p), &gid);
        if (r == -ENOENT)
                return;         /* no auditors here: root only, as before */
        if (r >= 0)
                r = ledger_access_share(dir, db, gid);
        if (r < 0)
                fprintf(stderr, "vendorbanctl: warning: cannot share the ledger %s with group %s: %s, ignoring\n",
                        db, group_of(p), strerror(-r));
}
