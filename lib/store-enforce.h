/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action ledger for enforcement other than quarantine (which has its
 * own table): process stops, unit stops and masks, APT pins. A row is
 * written "pending" and committed before the action, then finished. */
#pragma once

#include <stdint.h>

#include "store.h"

struct vb_action {
        int64_t id;
        int64_t finding_id;
        const char *kind;               /* "stop-process" "stop-unit" "mask-unit" "apt-pin" */
        const char *target;             /* "1234 /opt/kaspersky/kesl/bin/kesl", "kesl.service", ... */
        const char *state;              /* "pending" "done" "failed" "undone" */
        const char *detail;             /* error text or note; may be NULL */
        int64_t created_usec;
        int64_t finished_usec;
};

int store_action_begin(struct vb_store *s, int64_t finding_id, const char *kind, const char *target,
                       int64_t *ret_id);
int store_action_finish(struct vb_store *s, int64_t id, const char *state, const char *detail);
/* state NULL = every row; oldest first. */
int store_actions_foreach(struct vb_store *s, const char *state, int (*cb)(const struct vb_action *a, void *ud),
                          void *ud);
/* Names of packages from one database ("dpkg", which also takes rows from
 * before sources were recorded, or "rpm") whose finding is a block that
 * was enforced ("blocked"). */
int store_blocked_packages(struct vb_store *s, const char *source, int (*cb)(const char *package, void *ud),
                           void *ud);
/* 1 if the admin restored what this finding blocked (its action is
 * "restored": the same content is not acted on again), 0 if not. */
int store_finding_is_restored(struct vb_store *s, int64_t finding_id);
/* Set the action of a finding (e.g. "restored"). */
int store_finding_set_action(struct vb_store *s, int64_t finding_id, const char *action);
