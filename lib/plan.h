/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The enforcement plan: what a decision leads to in the policy's mode, as
 * a list of steps, computed without touching anything (a pure function).
 * The programs run the steps one at a time (enforce_step, enforce.h) and
 * record each action: its ledger row first, the journal after. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "policy.h"
#include "scan.h"

enum vb_step_kind {
        VB_STEP_STOP_PROCESSES, /* stop processes running any of plan->paths */
        VB_STEP_STOP_UNIT,      /* stop the unit (when systemd runs), unless it is masked already */
        VB_STEP_MASK_UNIT,      /* mask the unit, unless it is masked already */
        VB_STEP_QUARANTINE,     /* move the file aside, if it is an executable or a shared object */
        VB_STEP_APT_PIN,        /* rewrite the APT pins from the ledger */
};

struct vb_step {
        enum vb_step_kind kind;
        const char *target;     /* a path or a unit name; NULL for processes and pins */
        const char *sha256;     /* quarantine: the content decided on (NULL: any) */
};

/* Strings point into the scan item and the policy: valid as long as they
 * are (a scan callback). */
struct vb_plan {
        const char *action;     /* what the finding says: "blocked", "would-block", "flagged", ... */
        bool record;            /* a flag or block verdict: a finding to record */
        struct vb_step *steps;
        size_t n_steps;
        const char *const *paths; /* the subject's files (VB_STEP_STOP_PROCESSES) */
        size_t n_paths;
};

/* What a verdict does (or would do): "blocked", "would-block", "flagged",
 * "exempt", "not-in-force", "none". can_act: enforce mode with a ledger. */
const char *plan_action(const struct vb_decision *d, enum vb_mode mode, bool can_act);

/* The plan for one decision. Steps only for a block, not exempt, in
 * enforce mode, when can_act (a ledger to write the rows first). For a
 * package, in order: processes, then per unit file under a systemd unit
 * directory its stop and mask, then a quarantine per file, then the APT
 * pin; for a loose file: processes, then its quarantine. -ENOMEM only. */
int enforce_plan(const struct vb_policy *p, const struct vb_scan_item *item, bool can_act, struct vb_plan *ret);
void plan_clear(struct vb_plan *p);

/* The ledger's name for a step: "stop-process" "stop-unit" "mask-unit"
 * "quarantine" "apt-pin". */
const char *step_kind_to_string(enum vb_step_kind k);
