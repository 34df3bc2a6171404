/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CSV records (RFC 4180) for the list commands' --csv output. */
#include <string.h>

#include "cli.h"

static void csv_field(FILE *f, const char *s) {
        if (!s)
                return;
        if (!strpbrk(s, ",\"\r\n")) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        for (; *s; s++) {
                if (*s == '"')
                        fputc('"', f);
                fputc(*s, f);
        }
        fputc('"', f);
}

void cli_csv_row(FILE *f, const char *const *fields, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        fputc(',', f);
                csv_field(f, fields[i]);
        }
        fputs("\r\n", f);
}
