/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a decision to evidence (see report.h): the finding row. The ledger
 * is written first, so that what the journal says is always in it. */
#include <errno.h>
#include <stdio.h>

#include "report.h"
#include "store-enforce.h"

const char *report_action(const struct vb_decision *d, enum vb_mode mode, bool can_act) {
        return plan_action(d, mode, can_act);
}

static void finding_from_item(const struct vb_reporter *rep, const struct vb_scan_item *item,
                              const struct vb_plan *plan, int64_t event_usec, const char *indicators,
                              struct vb_finding *f) {
        const struct vb_decision *d = item->decision;
        int64_t now = now_usec();

        *f = (struct vb_finding) {
                .ban = d->ban->id,
                .vendor = d->ban->vendor,
                .subject = item->pkg ? "package" : "file",
                .verdict = d->verdict,
                .indicators = indicators,
                .action = plan->action,
                .mode = mode_to_string(rep->policy->config.mode),
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

int report_record(const struct vb_reporter *rep, const struct vb_scan_item *item, const struct vb_plan *plan,
                  int64_t event_usec, struct vb_report *ret) {
        const struct vb_decision *d = item->decision;
        int64_t id = 0;
        int r = 0;

        *ret = (struct vb_report) { .is_new = true };
        if (!plan->record)
                return 0;
        decision_format_indicators(d, ret->indicators, sizeof ret->indicators);
        finding_from_item(rep, item, plan, event_usec, ret->indicators, &ret->finding);
        if (rep->store) {
                r = store_finding_record(rep->store, &ret->finding, &id, &ret->is_new);
                if (r < 0)
                        ret->is_new = true; /* the journal is the evidence of last resort */
                else if (plan->n_steps > 0)
                        /* An admin restored exactly this: it stays until they
                         * remove it, exempt it, or its content changes. */
                        ret->restored = store_finding_is_restored(rep->store, id) > 0;
        }
        ret->finding.id = id;
        return r;
}
