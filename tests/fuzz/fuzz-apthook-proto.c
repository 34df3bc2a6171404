/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz apthook_parse() on what APT writes to the DPkg::Pre-Install-Pkgs
 * hook's stdin (protocol version 3). The input is the buffer, unterminated.
 * Checks the promises of apthook-proto.h on every accepted request. */
#include <errno.h>
#include <string.h>

#include "apthook-proto.h"
#include "fuzz-util.h"

static void check_pkg(const struct apthook_request *r, const struct apthook_pkg *p) {
        fuzz_assert(p->name && *p->name && !strchr(p->name, ':'));
        fuzz_assert(!p->name_arch || *p->name_arch);
        fuzz_assert(p->action == APTHOOK_BAD || p->direction == '<' || p->direction == '>' || p->direction == '=');
        fuzz_assert(!p->old_version == !p->old_arch && !p->new_version == !p->new_arch);
        fuzz_assert(p->line > 0);
        switch (p->action) {
        case APTHOOK_BAD:
                fuzz_assert(!p->file && r->n_bad > 0);
                break;
        case APTHOOK_UNPACK:
                fuzz_assert(p->file && p->file[0] == '/');
                break;
        case APTHOOK_CONFIGURE:
        case APTHOOK_REMOVE:
                fuzz_assert(!p->file);
                break;
        default:
                fuzz_assert(!"unknown action");
        }
        fuzz_assert(apthook_action_to_string(p->action));
        /* fields point into the request's own copy */
        fuzz_assert(p->name >= r->text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct apthook_request r = {};
        struct apthook_error err;
        int k;

        k = apthook_parse((const char *) data, size, &r, &err);
        fuzz_assert(k == 0 || k == -EINVAL || k == -E2BIG || k == -ENOMEM);
        if (k == 0 || r.n_bad > 0) {
                /* bad package lines: reported, the request kept all the same */
                fuzz_assert(r.version == 3 && r.text);
                fuzz_assert((k == 0) == (r.n_bad == 0));
                for (size_t i = 0; i < r.n_pkgs; i++)
                        check_pkg(&r, &r.pkgs[i]);
                apthook_request_clear(&r);
        } else
                fuzz_assert(!r.text && !r.pkgs);
        fuzz_assert(k == 0 || k == -ENOMEM || err.message[0]);
        return 0;
}
