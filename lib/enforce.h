/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Enforcement of a block verdict in enforce mode: stop the package's
 * processes, stop and mask its units, quarantine its executables and
 * shared objects (or the loose file), and pin its name away from APT.
 * Every change gets a ledger row before it happens and a journal entry
 * after. The only part of vendorban that changes the system. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "policy.h"
#include "store.h"

#define VB_QUARANTINE_SUBDIR "quarantine"
#define VB_STOP_GRACE_MS 3000

struct vb_enforcer {
        const char *root;                       /* NULL or "/" for the real root */
        const struct vb_policy *policy;
        struct vb_store *store;                 /* required: no ledger, no change */
        unsigned grace_ms;                      /* SIGTERM to SIGKILL; 0 = VB_STOP_GRACE_MS */
};

struct vb_enforce_result {
        size_t processes_stopped;
        size_t units_masked;
        size_t files_quarantined;
        size_t failures;
};

/* The quarantine directory inside the root: STATE_DIR/quarantine. */
char *enforce_quarantine_dir(const struct vb_policy *p);

int enforce_package(const struct vb_enforcer *e, const struct vb_package *pkg, const struct vb_decision *d,
                    int64_t finding_id, struct vb_enforce_result *ret);
int enforce_file(const struct vb_enforcer *e, const struct vb_file *f, const struct vb_decision *d,
                 int64_t finding_id, struct vb_enforce_result *ret);

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
