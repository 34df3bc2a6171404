/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiling a loaded policy's lists into the engine's lookups (see
 * match-policy.h). Owns struct vb_policy_index and nothing else. */
#include <errno.h>

#include "match-policy.h"

/* How each indicator kind is compared (engine.c's naive walk does the same). */
static const struct {
        enum vb_match_mode mode;
        bool casefold;
        bool compiled;
} kinds[_VB_IND_MAX] = {
        [VB_IND_PACKAGE] = { VB_MATCH_NAME, false, true },
        [VB_IND_MAINTAINER] = { VB_MATCH_NAME, true, true },
        [VB_IND_PATH] = { VB_MATCH_PATH, false, true },
        [VB_IND_UNIT] = { VB_MATCH_EQUAL, false, true },
        [VB_IND_SHA256] = { VB_MATCH_EQUAL, true, true },
        [VB_IND_MARKER] = { VB_MATCH_EQUAL, false, false },
};

void policy_index_free(struct vb_policy_index *x) {
        if (!x)
                return;
        for (size_t b = 0; b < x->n_bans; b++) {
                for (size_t k = 0; k < _VB_IND_MAX; k++)
                        match_index_free(x->bans[b].match[k]);
                match_index_free(x->bans[b].exempt_packages);
                match_index_free(x->bans[b].exempt_paths);
        }
        free(x->bans);
        marker_automaton_unref(x->markers);
        free(x);
}

static void policy_index_freep(struct vb_policy_index **x) {
        policy_index_free(*x);
}

static int ban_compile(const struct vb_ban *b, struct vb_ban_index *ret) {
        int r;

        for (size_t k = 0; k < _VB_IND_MAX; k++) {
                if (!kinds[k].compiled)
                        continue;
                r = match_index_new(&b->match[k], kinds[k].mode, kinds[k].casefold, &ret->match[k]);
                if (r < 0)
                        return r;
        }
        r = match_index_new(&b->exempt_packages, VB_MATCH_NAME, false, &ret->exempt_packages);
        if (r < 0)
                return r;
        return match_index_new(&b->exempt_paths, VB_MATCH_PATH, false, &ret->exempt_paths);
}

int policy_compile(struct vb_policy *p) {
        _cleanup_(policy_index_freep) struct vb_policy_index *x = NULL;
        int r;

        if (!p)
                return -EINVAL;
        x = calloc(1, sizeof *x);
        if (!x)
                return -ENOMEM;
        x->bans = calloc(p->n_bans ? p->n_bans : 1, sizeof *x->bans);
        if (!x->bans)
                return -ENOMEM;
        x->n_bans = p->n_bans;
        for (size_t b = 0; b < p->n_bans; b++) {
                r = ban_compile(&p->bans[b], &x->bans[b]);
                if (r < 0)
                        return r;
        }
        if (p->n_markers > 0) {
                r = marker_automaton_new(p->markers, p->n_markers, &x->markers);
                if (r < 0)
                        return r;
        }
        policy_index_free(p->index);
        p->index = TAKE_PTR(x);
        return 0;
}
