/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running an enforcement plan (plan.h) one step at a time: stop the
 * package's processes, stop and mask its units, quarantine its executables
 * and shared objects (or the loose file), pin its name away from APT. Every
 * change gets a ledger row before it happens; the program is told after
 * (on_outcome) and writes the journal entry. The only part of vendorban
 * that changes the system; it never logs. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "plan.h"
#include "policy.h"
#include "store.h"

#define VB_QUARANTINE_SUBDIR "quarantine"
#define VB_STOP_GRACE_MS 3000

/* What one action did, told to the program once its ledger row is final. */
struct vb_action_outcome {
        const char *kind;                       /* "stop-process" "stop-unit" "mask-unit" "quarantine" "apt-pin"
                                                 * "dnf-exclude" "unmask-unit" */
        const char *target;                     /* "pid 1234", a unit, a path, the pin file */
        int r;                                  /* 0 done; -ESTALE (quarantine): changed since the decision, left
                                                 * alone; other negative errno: failed */
        const char *detail;                     /* why it failed; may be NULL */
        int64_t finding_id;                     /* 0 for the pins */
        size_t count;                           /* apt-pin, dnf-exclude: packages pinned or excluded */
};

struct vb_enforcer {
        const char *root;                       /* NULL or "/" for the real root */
        const struct vb_policy *policy;
        struct vb_store *store;                 /* required: no ledger, no change */
        unsigned grace_ms;                      /* SIGTERM to SIGKILL; 0 = VB_STOP_GRACE_MS */
        /* Told after each action (for the journal); may be NULL. */
        void (*on_outcome)(const struct vb_action_outcome *o, void *userdata);
        void *userdata;
};

struct vb_enforce_result {
        size_t processes_stopped;
        size_t units_masked;
        size_t files_quarantined;
        size_t failures;
};

/* The quarantine directory inside the root: STATE_DIR/quarantine. */
char *enforce_quarantine_dir(const struct vb_policy *p);

/* Run step i of plan p (enforce_plan) for the finding finding_id, adding
 * to res. A step with nothing to do (not an executable, a unit masked
 * already, no process) does nothing. Returns 0, or the error of its
 * failed action (counted in res, told to on_outcome); -EPERM without a
 * ledger or outside enforce mode. */
int enforce_step(const struct vb_enforcer *e, const struct vb_plan *p, size_t i, int64_t finding_id,
                 struct vb_enforce_result *res);

/* Rewrite /etc/apt/preferences.d/vendorban.pref from the ledger: every
 * dpkg package blocked and not restored is pinned to -1. Then the same
 * for rpm packages in dnf's excludepkgs (enforce_dnf_excludes). */
int enforce_apt_pins(const struct vb_enforcer *e);
/* vendorban's names in ROOT/etc/dnf/dnf.conf's excludepkgs (dnfexclude.h):
 * every rpm package blocked and not restored. Nothing without /etc/dnf. */
int enforce_dnf_excludes(const struct vb_enforcer *e);

/* At start: finish or roll back half-done actions found in the ledger. */
int enforce_recover(const struct vb_enforcer *e, size_t *ret_fixed);

/* Undo the quarantine of one file (ledger row id): the file goes back with
 * its content, owner, group and mode. When nothing of its finding stays
 * quarantined, the finding's units are unmasked, the finding is marked
 * "restored" and the APT pins are rewritten without it. Refuses to
 * overwrite a file now at the original path (-EEXIST). */
int enforce_restore(const struct vb_enforcer *e, int64_t quarantine_id);
