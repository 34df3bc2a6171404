/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plain-text tables of the list commands: cells collected row by row,
 * columns padded to their widest cell, the last column left unpadded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

char **cli_table_add_row(struct cli_table *t) {
        char **cells = realloc(t->cells, (t->n_rows + 1) * t->n_cols * sizeof(char *));

        if (!cells)
                return NULL;
        t->cells = cells;
        char **row = cells + t->n_rows++ * t->n_cols;
        memset(row, 0, t->n_cols * sizeof(char *));
        return row;
}

int cli_table_row_done(const struct cli_table *t, char **row) {
        int r = 0;

        for (size_t k = 0; k < t->n_cols; k++) {
                if (!row[k])
                        r = -ENOMEM;
                cli_sanitize(row[k]);
        }
        return r;
}

static void row_print(const struct cli_table *t, const char *const *cols, const size_t *width) {
        for (size_t k = 0; k + 1 < t->n_cols; k++)
                printf("%-*s  ", (int) width[k], cols[k] ? cols[k] : "");
        printf("%s\n", cols[t->n_cols - 1] ? cols[t->n_cols - 1] : "");
}

void cli_table_print(const struct cli_table *t) {
        size_t width[t->n_cols];

        for (size_t k = 0; k < t->n_cols; k++) {
                width[k] = strlen(t->names[k]);
                for (size_t i = 0; i < t->n_rows; i++) {
                        const char *c = t->cells[i * t->n_cols + k];
                        if (c && strlen(c) > width[k])
                                width[k] = strlen(c);
                }
        }
        row_print(t, t->names, width);
        for (size_t i = 0; i < t->n_rows; i++)
                row_print(t, (const char *const *) t->cells + i * t->n_cols, width);
}

void cli_table_clear(struct cli_table *t) {
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
                free(t->cells[i]);
        free(t->cells);
        t->cells = NULL;
        t->n_rows = 0;
}
