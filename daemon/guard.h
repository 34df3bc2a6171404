/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard: a thread that answers fanotify FAN_OPEN_EXEC_PERM events
 * on the guarded mounts, denying (enforce mode) the execution of files the
 * policy blocks: banned paths, banned sha256, quarantined content and the
 * content of files denied by path. Every event is answered first, allowing
 * on any fault, and logged after, through the sd-event loop. A sweep judges
 * running processes by what they run (exe and executable mappings) and
 * kills those the guard could not stop; the loop supervises the thread and
 * restarts it when it is stuck (guard-internal.h). */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "policy.h"
#include "store.h"

/* Colon-separated host paths whose mounts are guarded instead of the
 * default (the root's "/", /usr, /tmp, ... and the watch paths). Tests set
 * it to a tmpfs of their own. */
#define VB_GUARD_MOUNTS_ENV "VENDORBAN_GUARD_MOUNTS"
/* The status file inside the root, for vendorbanctl status:
 * "active PATH..." or "off: REASON". */
#define VB_GUARD_STATUS_FILE "/run/vendorban/guard"

struct vb_guard;

/* Make the guard match the policy: start it (policy->config.exec_guard on
 * and not yet tried), hand it the new policy and the quarantined hashes
 * (read from store, which may be NULL), or stop it (switched off). A kernel
 * that refuses fanotify is logged once and leaves an inactive guard (not
 * retried on reload). Call from the loop's thread; *g may be NULL. Once it
 * returns, the guard no longer uses the previous policy. */
int guard_apply(struct vb_guard **g, sd_event *event, const char *root, const struct vb_policy *policy,
                struct vb_store *store);

/* Stop the thread (pending events are allowed by the kernel when the
 * fanotify fd closes), log what is queued, write "off" to the status file
 * and free everything. NULL is fine. */
void guard_stop(struct vb_guard *g);

bool guard_is_active(const struct vb_guard *g);

/* Who re-evaluates (and in enforce mode quarantines) a file the guard found
 * running banned content after the fact: a file allowed unverified (too
 * large, a slow hash) or run through the loader or a memfd. Called on the
 * loop's thread with a path inside the root. g may be NULL. */
void guard_on_suspect(struct vb_guard *g, void (*fn)(const char *path, void *userdata), void *userdata);
