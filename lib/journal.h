/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Structured journal entries, one MESSAGE_ID per kind, VENDORBAN_* fields.
 * Without a journal socket the same lines go to stderr. This is the only
 * place in lib/ that writes log output, and only when a program asks. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "enforce.h"
#include "engine.h"
#include "policy.h"
#include "store.h"

/* MESSAGE_IDs (journalctl --new-id128); the catalog is systemd/vendorban.catalog. */
#define VB_MID_FINDING         "4f1a7c2e9b3d4e5f8a6b0c1d2e3f4a5b"
#define VB_MID_POLICY_LOADED   "7b2c4d6e8f0a4b1c9d3e5f7a0b2c4d6e"
#define VB_MID_POLICY_ERROR    "c3d5e7f9a1b34c6d8e0f2a4b6c8d0e1f"
#define VB_MID_SCAN_DONE       "1e3f5a7c9b2d4f6a8c0e1b3d5f7a9c2e"
#define VB_MID_RESCAN          "8d0f2b4d6f8a4c1e9b3d5f7b9d1f3a5c"
#define VB_MID_DAEMON          "5a7c9e1b3d5f4a2c8e0b2d4f6a8c0e2b"
#define VB_MID_ACTION          "9c1e3a5b7d9f4b2d8f0a2c4e6b8d0f1a"
#define VB_MID_RESTORE         "2b4d6f8a0c1e4d3f9a5b7c9e1d3f5b7a"
#define VB_MID_APT_REFUSED     "6e8a0c2e4b6d4f1a9c3e5b7d9f1a3c5e"
#define VB_MID_EXEC_DENIED "3f5b7d9f1b3d4a5c8e0a2c4e6f8b0d2c"
#define VB_MID_GUARD "0d2f4b6d8f1a4c3e9b5d7f9a1c3e5b7d"
#define VB_MID_POLICY_LAST_GOOD "4f76cffd9f4548968c4aa529005d5cc0"
#define VB_MID_DNF_REFUSED     "265c076b7164440bb49a7ae321834b1b"
/* VB_MID_SUMMARY (compliance summary, "cc19fbb22306461f8336d16b8e912f45") is in summary.h. */
#define VB_MID_GUARD_RESTART "ee807dfd5949425a80a976f510635dd7"    /* the guard thread was stuck and replaced */
#define VB_MID_PROCESS_KILLED "a800f4d61a9c4b4281e119ab38b99ec8"   /* the sweep killed a process running banned content */
#define VB_MID_JOURNAL_DROPPED "8eee7d7f1a4a4e35ac7f383c9ac0b928"

/* Call once at program start. identifier: "vendorband" or "vendorbanctl".
 * to_stderr forces stderr even when the journal socket exists. */
void journal_setup(const char *identifier, bool to_stderr);
bool journal_is_stderr(void);

/* Writing never blocks: an entry journald does not take at once (stopped,
 * overloaded) waits in a bounded queue; what does not fit is dropped and
 * counted, and the count is written as its own entry once journald takes
 * entries again. Safe to call from any thread. journal_flush() sends what
 * waits and returns how much still does (call it again later while > 0). */
size_t journal_flush(void);
uint64_t journal_dropped_total(void);

/* A finding: priority warning for flag, err for block. "action" is what
 * was (or would have been) done: "would-block", "flagged", ... */
int journal_finding(const struct vb_finding *f, const struct vb_ban *ban, const struct vb_phase *phase);

/* An enforcement action, once its ledger row is final (enforce.h's
 * on_outcome): priority notice when done, err when it failed. ctx names
 * what it was done for; NULL for the pins and restores. */
struct vb_action_context {
        const char *ban;
        const char *package;            /* may be NULL */
        const char *version;            /* may be NULL */
        const char *path;               /* may be NULL */
        const char *sha256;             /* may be NULL */
};
int journal_action(const struct vb_action_outcome *o, const struct vb_action_context *ctx);
/* The same, with userdata a struct vb_action_context (or NULL): for on_outcome. */
void journal_action_cb(const struct vb_action_outcome *o, void *userdata);

/* A plain event of one kind: MESSAGE_ID, priority and a printf message,
 * plus optional extra "FIELD=value" strings (NULL-terminated). */
int journal_event(const char *message_id, int priority, const char *const *fields, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
