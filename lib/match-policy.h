/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy compiled for the engine: every ban's indicator and exemption
 * lists as match indices (match-index.h), built once at load so that a
 * lookup costs about the same for 40 indicators or 10,000. */
#pragma once

#include "match-index.h"
#include "match-markers.h"
#include "policy.h"

struct vb_ban_index {
        struct vb_match_index *match[_VB_IND_MAX];      /* NULL for markers (the bit set says) */
        struct vb_match_index *exempt_packages;
        struct vb_match_index *exempt_paths;
};

struct vb_policy_index {
        struct vb_ban_index *bans;                      /* parallel to policy->bans */
        size_t n_bans;
        struct vb_marker_automaton *markers;            /* policy->markers, NULL if none */
};

/* Build p->index from p's lists (borrowed: the index lives and dies with p). */
int policy_compile(struct vb_policy *p);
void policy_index_free(struct vb_policy_index *x);
