/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz policy_check_file(), as `vendorbanctl policy check FILE` runs it:
 * the input is written to a scratch file and goes through libconfig's real
 * file loading and our validation of a ban (or, without a top-level "ban",
 * of a main config). */
#include <errno.h>
#include <stdio.h>

#include "fuzz-util.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct vb_diag *diag;
        char path[4096];
        int r;

        if (fuzz_include_escapes(data, size))
                return -1;      /* keep out of the corpus: see fuzz-util.h */
        diag = calloc(1, sizeof *diag);
        fuzz_assert(diag);
        fuzz_write("ban.conf", data, size);
        snprintf(path, sizeof path, "%s/ban.conf", fuzz_dir());
        r = policy_check_file(path, diag);
        /* -EINVAL for content, another errno for I/O (an @include), and
         * every failure but -ENOMEM says why */
        fuzz_assert(r <= 0);
        fuzz_assert(r == 0 ? diag->n == 0 : r == -ENOMEM || diag->n > 0);
        free(diag);
        return 0;
}
