/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz policy_load() as vendorband calls it at start and on reload: the
 * input is ROOT/etc/vendorban/vendorban.conf of a scratch root whose
 * bans.d holds the shipped Kaspersky ban, so the main config's validation,
 * the bans_dir it names, the ban loading and the digests all run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz-util.h"
#include "policy.h"

#ifndef FUZZ_SOURCE_ROOT
#error "FUZZ_SOURCE_ROOT must name the source tree (for policy/bans.d/kaspersky.conf)"
#endif

static void root_prepare(void) {
        static bool done;
        static char ban[1 << 16];
        size_t n;
        FILE *f;

        if (done)
                return;
        f = fopen(FUZZ_SOURCE_ROOT "/policy/bans.d/kaspersky.conf", "re");
        fuzz_assert(f);
        n = fread(ban, 1, sizeof ban, f);
        fuzz_assert(n > 0 && n < sizeof ban && !ferror(f));
        fclose(f);
        fuzz_write("etc/vendorban/bans.d/kaspersky.conf", ban, n);
        done = true;
}

static void check_policy(const struct vb_policy *p) {
        fuzz_assert(p->n_markers <= VB_MARKERS_MAX);
        for (size_t i = 0; i < p->n_markers; i++)
                fuzz_assert(p->markers[i] && p->marker_ban[i] < p->n_bans);
        fuzz_assert(strlen(p->digest) == 64 && strlen(p->markers_digest) == 64);
        fuzz_assert(p->config.mode == VB_MODE_AUDIT || p->config.mode == VB_MODE_ENFORCE);
        fuzz_assert(p->config.debounce_ms <= 10000);
        fuzz_assert(p->config.state_dir && p->config.state_dir[0] == '/');
        fuzz_assert(p->config.bans_dir && p->config.bans_dir[0] == '/');
        fuzz_assert(p->config.dpkg_admin_dir && p->config.dpkg_admin_dir[0] == '/');
        for (size_t i = 0; i < p->config.watch_paths.n; i++)
                fuzz_assert(p->config.watch_paths.v[i][0] == '/');
        for (size_t b = 0; b < p->n_bans; b++)
                fuzz_assert(p->bans[b].id && p->bans[b].n_phases > 0 && p->bans[b].entities.n > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct vb_policy *p = NULL;
        struct vb_diag *diag;
        int r;

        if (fuzz_include_escapes(data, size))
                return -1;      /* keep out of the corpus: see fuzz-util.h */
        root_prepare();
        diag = calloc(1, sizeof *diag);
        fuzz_assert(diag);
        fuzz_write("etc/vendorban/vendorban.conf", data, size);
        r = policy_load(fuzz_dir(), "/etc/vendorban/vendorban.conf", &p, diag);
        fuzz_assert(r <= 0);
        if (r == 0) {
                fuzz_assert(p && diag->n == 0);
                check_policy(p);
        } else
                fuzz_assert(!p && (r == -ENOMEM || r == -E2BIG || diag->n > 0));
        policy_free(p);
        free(diag);
        return 0;
}
