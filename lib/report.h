/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a decision to evidence and action: a finding row in the ledger, a
 * journal entry the first time it is seen, and in enforce mode the
 * enforcement of a block. Shared by the daemon and the CLI. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "policy.h"
#include "scan.h"
#include "store.h"

struct vb_reporter {
        struct vb_store *store;                 /* may be NULL: journal only, and no enforcement */
        const struct vb_policy *policy;
        const char *root;
};

/* What a verdict does (or would do): "blocked", "would-block", "flagged",
 * "exempt", "not-in-force", "none". can_act: enforce mode with a ledger. */
const char *report_action(const struct vb_decision *d, enum vb_mode mode, bool can_act);

/* Record a flag/block decision (allow is ignored, returns 0), then in
 * enforce mode enforce a block. event_usec: when the triggering event
 * happened, 0 if unknown. ret_new / ret_id may be NULL. */
int report_decision(const struct vb_reporter *rep, const struct vb_scan_item *item, int64_t event_usec,
                    bool *ret_new, int64_t *ret_id);
