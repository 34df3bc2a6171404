/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's compliance summary (summary.c): the host key, the daily
 * timer, and writing the signed entry after each scan and policy load. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct vb_manager;
struct vb_summarizer;

/* At most this long between two summaries, whatever else happens. */
#define VB_SUMMARY_INTERVAL_USEC (23ULL * 3600 * 1000000)
#define VB_SUMMARY_ACCURACY_USEC (3600ULL * 1000000)
/* The newest summary, for 'vendorbanctl metrics' (under the root). */
#define VB_SUMMARY_STATE_FILE "/run/vendorban/summary"

/* Load or make the host key in the state directory and arm the timer.
 * Failures are logged; summaries then go out unsigned. */
void summary_start(struct vb_manager *m);
/* A scan pass finished: complete (every package and watched path) and
 * successful, or not; duration_usec is how long it ran. Writes a summary. */
void summary_scan_done(struct vb_manager *m, bool complete, uint64_t duration_usec);
/* Write a summary now (reason: "reload", "timer", ...). */
void summary_write(struct vb_manager *m, const char *reason);
void summarizer_free(struct vb_summarizer *s);
