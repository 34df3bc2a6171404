/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fuzz dpkg_list_read() on info/NAME:ARCH.list files in a scratch admindir,
 * and dpkg_list_name_parse() on the input's first line taken as the name
 * of a file found in info/. */
#include <errno.h>
#include <string.h>

#include "dpkg.h"
#include "fuzz-util.h"

static void fuzz_name(const uint8_t *data, size_t size) {
        const uint8_t *nl = memchr(data, '\n', size);
        char *filename = strndup((const char *) data, nl ? (size_t) (nl - data) : size);
        char *name = NULL, *arch = NULL;

        fuzz_assert(filename);
        if (dpkg_list_name_parse(filename, &name, &arch) == 0) {
                fuzz_assert(name && *name && !strchr(name, '/') && !strchr(name, ':'));
                fuzz_assert(!arch || (*arch && !strchr(arch, '/') && !strchr(arch, ':')));
                /* a name taken from info/ is accepted back by dpkg_list_read */
                struct vb_diag diag = {};
                struct vb_strv files = {};
                int r = dpkg_list_read(fuzz_dir(), name, arch, &files, NULL, &diag);
                fuzz_assert(r != -EINVAL || diag.n > 0);
                strv_clear(&files);
        }
        free(filename);
        free(name);
        free(arch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct vb_diag *diag = calloc(1, sizeof *diag);
        struct vb_strv files = {};
        int64_t mtime = -1;
        int r;

        fuzz_assert(diag);
        fuzz_write("info/pkg:amd64.list", data, size);
        r = dpkg_list_read(fuzz_dir(), "pkg", "amd64", &files, &mtime, diag);
        fuzz_assert(r == 0 || r == -EINVAL || r == -ENOMEM);
        /* a bad line is reported and skipped; the good ones are returned */
        fuzz_assert(r != 0 || diag->n == 0);
        fuzz_assert(r != -EINVAL || diag->n > 0);
        if (r == 0 || r == -EINVAL) {
                fuzz_assert(mtime > 0);
                for (size_t i = 0; i < files.n; i++) {
                        fuzz_assert(files.v[i][0] == '/' && !strchr(files.v[i], '\n'));
                        fuzz_assert(strcmp(files.v[i], "/.") != 0);
                }
        }
        strv_clear(&files);
        fuzz_name(data, size);
        free(diag);
        return 0;
}
