/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a decision to evidence (see report.h): the ledger row first, then
 * the journal entry, so that what the journal says is always in the ledger. */
#include <errno.h>
#include <stdio.h>

#include "journal.h"
#include "report.h"

const char *report_action(const struct vb_decision *d, enum vb_mode mode) {
        if (!d->ban)
                return "none";
        if (d->exempt)
                return "exempt";
        switch (d->verdict) {
        case VB_VERDICT_BLOCK:
                /* Enforcement lands with the enforce module; until then an
                 * enforce-mode block is recorded exactly like audit. */
                return "would-block";
        case VB_VERDICT_FLAG:
                return "flagged";
        case VB_VERDICT_ALLOW:
                break;
        }
        return "not-in-force";
}

static void finding_from_item(const struct vb_policy *p, const struct vb_scan_item *item, int64_t event_usec,
                              const char *indicators, struct vb_finding *f) {
        const struct vb_decision *d = item->decision;
        int64_t now = now_usec();

        *f = (struct vb_finding) {
                .ban = d->ban->id,
                .vendor = d->ban->vendor,
                .subject = item->pkg ? "package" : "file",
                .verdict = d->verdict,
                .indicators = indicators,
                .action = report_action(d, p->config.mode),
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
        } else {
                f->path = item->file->path;
                f->sha256 = item->file->sha256;
        }
}

int report_decision(struct vb_store *store, const struct vb_policy *p, const struct vb_scan_item *item,
                    int64_t event_usec, bool *ret_new, int64_t *ret_id) {
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
        finding_from_item(p, item, event_usec, indicators, &f);

        if (store) {
                r = store_finding_record(store, &f, &id, &is_new);
                if (r < 0)
                        /* The ledger failed: still tell the journal, it is the
                         * evidence of last resort. The caller reports r. */
                        is_new = true;
        }
        f.id = id;
        if (is_new)
                (void) journal_finding(&f, d->ban, d->phase);

        if (ret_new)
                *ret_new = is_new;
        if (ret_id)
                *ret_id = id;
        return r;
}
