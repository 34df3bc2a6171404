/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a decision to evidence (see report.h): the ledger row first, then
 * the journal entry, so that what the journal says is always in the ledger. */
#include <errno.h>
#include <stdio.h>

#include "enforce.h"
#include "journal.h"
#include "store-enforce.h"
#include "report.h"

const char *report_action(const struct vb_decision *d, enum vb_mode mode, bool can_act) {
        if (!d->ban)
                return "none";
        if (d->exempt)
                return "exempt";
        switch (d->verdict) {
        case VB_VERDICT_BLOCK:
                return mode == VB_MODE_ENFORCE && can_act ? "blocked" : "would-block";
        case VB_VERDICT_FLAG:
                return "flagged";
        case VB_VERDICT_ALLOW:
                break;
        }
        return "not-in-force";
}

static void finding_from_item(const struct vb_reporter *rep, const struct vb_scan_item *item, int64_t event_usec,
                              const char *indicators, struct vb_finding *f) {
        const struct vb_policy *p = rep->policy;
        const struct vb_decision *d = item->decision;
        int64_t now = now_usec();

        *f = (struct vb_finding) {
                .ban = d->ban->id,
                .vendor = d->ban->vendor,
                .subject = item->pkg ? "package" : "file",
                .verdict = d->verdict,
                .indicators = indicators,
                .action = report_action(d, p->config.mode, rep->store != NULL),
                .mode = mode_to_string(p->config.mode),
                .first_seen_usec = now,
                .last_seen_usec = now,
                .event_usec = event_usec,
                .decided_usec = now,
        };
        if (item->pkg) {
                f->package = item->pkg->name;
                f->version = item->pkg->version;
                f->arch = item->pkg->arch;
                f->source = item->pkg->source ? item->pkg->source : "dpkg";
        } else {
                f->path = item->file->path;
                f->sha256 = item->file->sha256;
        }
}

static void enforce_item(const struct vb_reporter *rep, const struct vb_scan_item *item, int64_t finding_id) {
        struct vb_enforcer e = { .root = rep->root, .policy = rep->policy, .store = rep->store };
        const struct vb_decision *d = item->decision;

        if (!rep->store || rep->policy->config.mode != VB_MODE_ENFORCE || d->verdict != VB_VERDICT_BLOCK || d->exempt)
                return;
        /* An admin restored exactly this: it stays until they remove it,
         * exempt it, or its content changes. */
        if (store_finding_is_restored(rep->store, finding_id) > 0)
                return;
        if (item->pkg)
                (void) enforce_package(&e, item->pkg, d, finding_id, NULL);
        else
                (void) enforce_file(&e, item->file, d, finding_id, NULL);
}

int report_decision(const struct vb_reporter *rep, const struct vb_scan_item *item, int64_t event_usec,
                    bool *ret_new, int64_t *ret_id) {
        const struct vb_decision *d = item->decision;
        struct vb_finding f;
        char indicators[2048];
        bool is_new = true;
        int64_t id = 0;
        int r = 0;

        if (ret_new)
                *ret_new = false;
        if (!d->ban || d->verdict == VB_VERDICT_ALLOW)
                return 0;

        decision_format_indicators(d, indicators, sizeof indicators);
        finding_from_item(rep, item, event_usec, indicators, &f);

        if (rep->store) {
                r = store_finding_record(rep->store, &f, &id, &is_new);
                if (r < 0)
                        /* The ledger failed: still tell the journal, it is the
                         * evidence of last resort. The caller reports r. */
                        is_new = true;
        }
        f.id = id;
        if (is_new)
                (void) journal_finding(&f, d->ban, d->phase);
        if (r >= 0)
                enforce_item(rep, item, id);

        if (ret_new)
                *ret_new = is_new;
        if (ret_id)
                *ret_id = id;
        return r;
}
