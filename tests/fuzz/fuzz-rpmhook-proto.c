/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz rpmhook_parse() on what the dnf plugin writes to `vendorbanctl
 * rpm-hook`. (rpm headers themselves are read by librpm only: nothing of
 * ours parses them.) Checks the promises of rpmhook-proto.h on every
 * accepted request. */
#include <errno.h>
#include <string.h>

#include "fuzz-util.h"
#include "rpmhook-proto.h"

static void check_no_control(const char *s) {
        for (; s && *s; s++)
                fuzz_assert((unsigned char) *s >= 0x20 && *s != 0x7f);
}

static void check_pkg(const struct rpmhook_request *r, const struct rpmhook_pkg *p) {
        fuzz_assert(p->action && p->name && *p->name && p->evr && *p->evr);
        fuzz_assert(!strchr(p->name, '/') && !strchr(p->name, ' '));
        fuzz_assert(!p->arch || *p->arch);
        fuzz_assert(!p->vendor || *p->vendor);
        fuzz_assert(!p->packager || *p->packager);
        fuzz_assert(!p->file || p->file[0] == '/');
        fuzz_assert(p->line > 1);
        check_no_control(p->name), check_no_control(p->evr), check_no_control(p->vendor);
        check_no_control(p->packager), check_no_control(p->file);
        fuzz_assert(p->name >= r->text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct rpmhook_request r = {};
        struct rpmhook_error err;
        int k;

        k = rpmhook_parse((const char *) data, size, &r, &err);
        fuzz_assert(k == 0 || k == -EINVAL || k == -E2BIG || k == -ENOMEM);
        if (k == 0) {
                fuzz_assert(r.text);
                for (size_t i = 0; i < r.n_pkgs; i++)
                        check_pkg(&r, &r.pkgs[i]);
                rpmhook_request_clear(&r);
        } else
                fuzz_assert(k == -ENOMEM || k == -E2BIG || err.message[0]);
        return 0;
}
