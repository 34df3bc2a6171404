/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics for bad input: a bounded list of "file:line: message" errors
 * that parsers fill and the programs print. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define VB_DIAG_MAX 32

struct vb_error {
        char file[512];
        unsigned line;          /* 0 when the error is about the whole file */
        char message[512];
};

struct vb_diag {
        size_t n;               /* errors reported; may exceed VB_DIAG_MAX */
        struct vb_error items[VB_DIAG_MAX];
};

/* Record one error; extra ones past VB_DIAG_MAX are counted, not stored.
 * A file name longer than the room for it keeps its head and tail. */
void diag_add(struct vb_diag *d, const char *file, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Print every stored error as "file:line: message\n" (or "file: message"). */
void diag_print(const struct vb_diag *d, FILE *f);
