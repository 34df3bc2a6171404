/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics for bad input (see diag.h). */
#include <stdio.h>
#include <string.h>

#include "diag.h"

#define DIAG_HEAD 128

void diag_add(struct vb_diag *d, const char *file, unsigned line, const char *fmt, ...) {
        if (!d)
                return;
        if (d->n < VB_DIAG_MAX) {
                struct vb_error *e = &d->items[d->n];
                va_list ap;

                size_t l = file ? strlen(file) : 0;
                if (l < sizeof e->file)
                        snprintf(e->file, sizeof e->file, "%s", file ? file : "(input)");
                else    /* a very deep path: its head and its tail, which name it */
                        snprintf(e->file, sizeof e->file, "%.*s...%s", DIAG_HEAD, file,
                                 file + l - (sizeof e->file - DIAG_HEAD - 4));
                e->line = line;
                va_start(ap, fmt);
                vsnprintf(e->message, sizeof e->message, fmt, ap);
                va_end(ap);
        }
        d->n++;
}

void diag_print(const struct vb_diag *d, FILE *f) {
        size_t shown = d->n < VB_DIAG_MAX ? d->n : VB_DIAG_MAX;

        for (size_t i = 0; i < shown; i++) {
                const struct vb_error *e = &d->items[i];
                if (e->line > 0)
                        fprintf(f, "%s:%u: %s\n", e->file, e->line, e->message);
                else
                        fprintf(f, "%s: %s\n", e->file, e->message);
        }
        if (d->n > shown)
                fprintf(f, "(%zu more errors not shown)\n", d->n - shown);
}
