/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz dpkg_db_read(): the status file and the updates/ journal, read from
 * a scratch admindir as vendorband reads /var/lib/dpkg. The input is split
 * at lines holding only a form feed ("\n\f\n"): the first part becomes
 * status, each further part (up to UPDATES_MAX) updates/NNNN. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dpkg.h"
#include "fuzz-util.h"

#define UPDATES_MAX 4

static void check_db(const struct vb_dpkg_db *db) {
        for (size_t i = 0; i < db->n; i++) {
                const struct vb_dpkg_package *p = &db->pkgs[i];

                fuzz_assert(p->name && *p->name && !strchr(p->name, '\n'));
                /* dpkg_db_read requires Status in every stanza: one without
                 * it is kept only as damaged (judged by name) */
                fuzz_assert(p->damaged || (p->status && !strchr(p->status, '\n')));
                fuzz_assert(!p->status || !strchr(p->status, '\n'));
                (void) dpkg_package_has_files(p);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char sep[] = "\n\f\n";
        const uint8_t *p = data, *end = data + size;
        struct vb_dpkg_db *db = NULL;
        struct vb_diag *diag = calloc(1, sizeof *diag);
        char name[64];
        int r;

        fuzz_assert(diag);
        for (unsigned i = 0; i <= UPDATES_MAX; i++) {
                const uint8_t *cut = NULL;

                if (i < UPDATES_MAX && p)
                        cut = memmem(p, end - p, sep, sizeof sep - 1);
                if (i == 0)
                        snprintf(name, sizeof name, "status");
                else
                        snprintf(name, sizeof name, "updates/%04u", i - 1);
                if (p) {
                        /* the newline before the form feed ends the part */
                        fuzz_write(name, p, cut ? (size_t) (cut + 1 - p) : (size_t) (end - p));
                        p = cut ? cut + sizeof sep - 1 : NULL;
                } else if (i > 0)
                        fuzz_unlink(name);
        }

        r = dpkg_db_read(fuzz_dir(), &db, diag);
        fuzz_assert(r == 0 || r == -ENOMEM);
        if (r == 0) {
                /* diag names bad stanzas: damaged ones are kept, by name */
                fuzz_assert(db);
                check_db(db);
                for (size_t i = 0; i < db->n; i++)
                        fuzz_assert(!db->pkgs[i].damaged || diag->n > 0);
        } else
                fuzz_assert(!db);
        dpkg_db_free(db);
        free(diag);
        return 0;
}
