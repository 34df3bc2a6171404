/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every content marker of a policy in one Aho-Corasick automaton: a file's
 * bytes are searched for all markers in one streaming pass, matches across
 * buffer boundaries included. Immutable once built and reference-counted:
 * threads share one, and a scan may outlive the policy that built it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct vb_marker_automaton;

/* The state at the start of a file. */
#define VB_MARKER_START 0u

/* Compile n markers (copied; none NULL or empty, else -EINVAL), with one
 * reference. */
int marker_automaton_new(const char *const *markers, size_t n, struct vb_marker_automaton **ret);
struct vb_marker_automaton *marker_automaton_ref(const struct vb_marker_automaton *a); /* NULL-safe */
void marker_automaton_unref(const struct vb_marker_automaton *a); /* frees with the last; NULL-safe */

/* Feed the next len bytes of a file from state; set bit i % 64 of
 * words[i / 64] for every marker i found. Returns the state to pass with
 * the following bytes. */
uint32_t marker_automaton_feed(const struct vb_marker_automaton *a, uint32_t state, const void *buf, size_t len,
                               uint64_t *words);
