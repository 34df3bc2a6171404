/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy's source for vendorband: starting with the last-known-good
 * policy from the ledger when the files are broken (loudly), and the
 * runtime file /run/vendorban/policy that tells "vendorbanctl status"
 * where the policy in force came from. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "journal.h"
#include "last-good.h"

#define POLICY_SOURCE_FILE "/run/vendorban/policy"

static int last_good_read(const char *root, const char *config_path, struct vb_policy **ret, int64_t *ret_saved) {
        _cleanup_free_ char *state = policy_state_dir(root, config_path);
        _cleanup_free_ char *dir = NULL, *db = NULL;
        struct vb_store *s = NULL;
        struct vb_diag diag = {};
        int r;

        if (!state || !(dir = path_under_root(root, state)) || asprintf(&db, "%s/%s", dir, VB_STORE_FILE) < 0)
                return -ENOMEM;
        if (access(db, F_OK) < 0)
                return -errno;
        r = store_open(db, true, &s);
        if (r >= 0)
                r = store_policy_last_good(s, ret, ret_saved, &diag);
        store_free(s);
        return r;
}

int last_good_start(const char *root, const char *config_path, const struct vb_diag *why, int error,
                    struct vb_policy **ret) {
        char where[1100], err[1200], dg[96], when[32];
        struct vb_policy *p = NULL;
        int64_t saved = 0;
        struct tm tm;
        time_t t;
        int r;

        r = last_good_read(root, config_path, &p, &saved);
        if (r < 0)
                return r;
        if (why->n > 0)
                snprintf(where, sizeof where, "%s:%u: %s", why->items[0].file, why->items[0].line,
                         why->items[0].message);
        else
                snprintf(where, sizeof where, "%s", strerror(-error));
        t = (time_t) saved;
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime_r(&t, &tm));
        snprintf(err, sizeof err, "VENDORBAN_POLICY_ERROR=%s", where);
        snprintf(dg, sizeof dg, "VENDORBAN_POLICY_DIGEST=%s", p->digest);
        journal_event(VB_MID_POLICY_LAST_GOOD, LOG_CRIT, (const char *const[]) { err, dg, NULL },
                      "The policy files are broken (%s): enforcing the LAST-KNOWN-GOOD policy compiled at %s "
                      "(%zu ban(s), mode %s, digest %.16s). Fix the files, then 'systemctl reload vendorband'.",
                      where, when, p->n_bans, mode_to_string(p->config.mode), p->digest);
        sd_notifyf(0, "STATUS=LAST-KNOWN-GOOD policy (files broken: %s)", where);
        *ret = p;
        return 0;
}

void policy_source_write(const char *root, const struct vb_policy *p) {
        _cleanup_free_ char *path = path_under_root(root, POLICY_SOURCE_FILE);
        _cleanup_free_ char *tmp = NULL;
        FILE *f;

        if (!path || asprintf(&tmp, "%s.new", path) < 0)
                return;
        *strrchr(tmp, '/') = '\0';
        (void) mkdir_p(tmp, 0755);
        *strrchr(tmp, '\0') = '/';
        f = fopen(tmp, "we");
        if (!f)
                return;         /* no /run/vendorban (a test root): status falls back to the files */
        fprintf(f, "source=%s\ndigest=%s\n", p->last_known_good ? "last-known-good" : "files", p->digest);
        if (fclose(f) == 0)
                (void) rename(tmp, path);
        else
                (void) unlink(tmp);
}
