/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz dpkg_parse_buffer() on the control fields of a .deb, as the APT hook
 * gets them from `dpkg-deb --field`: the input is the buffer, unterminated,
 * so ASan sees any read past its end. Checks the promises of dpkg.h: an
 * error is reported, a kept stanza (damaged or not) has a name and a
 * normalised Status. */
#include <errno.h>
#include <string.h>

#include "dpkg.h"
#include "fuzz-util.h"

/* A kept value: one line, trimmed, never empty (an empty one is NULL). */
static void check_value(const char *v) {
        size_t n = v ? strlen(v) : 0;

        if (!v)
                return;
        fuzz_assert(n > 0 && !strchr(v, '\n'));
        fuzz_assert(v[0] != ' ' && v[0] != '\t' && v[n - 1] != ' ' && v[n - 1] != '\t');
}

static void check_package(const struct vb_dpkg_package *p) {
        fuzz_assert(p->name && *p->name);
        check_value(p->name);
        check_value(p->arch);
        check_value(p->version);
        check_value(p->maintainer);
        check_value(p->original_maintainer);
        check_value(p->vendor);
        if (p->status) {
                const char *a = strchr(p->status, ' ');
                fuzz_assert(a && a > p->status);
                const char *b = strchr(a + 1, ' ');
                fuzz_assert(b && b > a + 1 && b[1] && !strchr(b + 1, ' '));
        }
        (void) dpkg_package_has_files(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char earlier[] = "Package: earlier\nStatus: install ok installed\n";
        struct vb_dpkg_db *db = calloc(1, sizeof *db);
        struct vb_diag *diag = calloc(1, sizeof *diag);
        int r;

        fuzz_assert(db && diag);
        /* a stanza already in db, as when status and updates/ are merged */
        fuzz_assert(dpkg_parse_buffer(earlier, sizeof earlier - 1, "earlier", db, diag) == 0);
        fuzz_assert(db->n == 1);

        r = dpkg_parse_buffer((const char *) data, size, "control", db, diag);
        fuzz_assert(r == 0 || r == -EINVAL || r == -ENOMEM);
        if (r == -ENOMEM)
                fuzz_assert(db->n == 1);
        else if (r == -EINVAL)
                fuzz_assert(diag->n > 0);
        else
                fuzz_assert(diag->n == 0);
        /* only an error marks a stanza damaged */
        for (size_t i = 1; i < db->n; i++)
                fuzz_assert(!db->pkgs[i].damaged || r == -EINVAL);
        for (size_t i = 0; i < db->n; i++)
                check_package(&db->pkgs[i]);
        fuzz_assert(strcmp(db->pkgs[0].name, "earlier") == 0);

        dpkg_db_free(db);
        free(diag);
        return 0;
}
