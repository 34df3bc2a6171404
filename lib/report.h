/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a decision to evidence: the finding row in the ledger. The programs
 * then write its journal entry (when new) and run its plan (plan.h,
 * enforce.h). Shared by the daemon and the CLI; never logs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "plan.h"
#include "policy.h"
#include "scan.h"
#include "store.h"

struct vb_reporter {
        struct vb_store *store;                 /* may be NULL: nothing recorded, and no enforcement */
        const struct vb_policy *policy;
        const char *root;
};

/* What a verdict does (or would do): plan_action(). */
const char *report_action(const struct vb_decision *d, enum vb_mode mode, bool can_act);

struct vb_report {
        struct vb_finding finding;              /* as recorded; id 0 if it could not be */
        bool is_new;                            /* first seen (or the ledger failed): journal it */
        bool restored;                          /* the admin restored exactly this: do not act again */
        char indicators[2048];
};

/* Record the finding of a flag/block decision (plan->record) with the
 * plan's action. event_usec: when the triggering event happened, 0 if
 * unknown. ret is filled even on a ledger failure (then is_new is set, so
 * that the journal still gets the entry, and the error is returned). */
int report_record(const struct vb_reporter *rep, const struct vb_scan_item *item, const struct vb_plan *plan,
                  int64_t event_usec, struct vb_report *ret);
