/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting with the last-known-good policy, and telling where the policy
 * in force came from (last-good.c). */
#pragma once

#include "policy.h"
#include "store.h"

/* The files are broken (why, error): read the last policy compiled
 * successfully from the ledger named by the main config (or the default
 * state directory), log it loudly (journal, notify STATUS) and return it
 * in *ret. -ENOENT if this host never had a good policy. */
int last_good_start(const char *root, const char *config_path, const struct vb_diag *why, int error,
                    struct vb_policy **ret);

/* Record in /run/vendorban/policy whether p came from the files or is the
 * last-known-good one, for "vendorbanctl status". Best effort. */
void policy_source_write(const char *root, const struct vb_policy *p);
