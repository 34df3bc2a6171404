/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a decision to evidence: a finding row in the ledger and, the first
 * time it is seen, a journal entry. Shared by the daemon and the CLI. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "policy.h"
#include "scan.h"
#include "store.h"

/* What a verdict does (or would do) in a mode: "would-block", "flagged",
 * "exempt", "not-in-force", "none". */
const char *report_action(const struct vb_decision *d, enum vb_mode mode);

/* Record a flag/block decision (allow is ignored, returns 0). store may be
 * NULL (then every call journals). event_usec: when the triggering event
 * happened, 0 if unknown. ret_new / ret_id may be NULL. */
int report_decision(struct vb_store *store, const struct vb_policy *p, const struct vb_scan_item *item,
                    int64_t event_usec, bool *ret_new, int64_t *ret_id);
