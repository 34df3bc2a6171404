/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plain-text tables of the list commands: cells collected row by row,
 * columns padded to their widest cell and, when the table is wider than the
 * output (the terminal, or $COLUMNS), the widest columns narrowed and their
 * cells wrapped onto continuation lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

#define COL_MIN 8               /* a wrapped column never gets narrower */
#define COL_GAP 2

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

size_t cli_output_width(void) {
        const char *e = getenv("COLUMNS");
        struct winsize ws;

        if (e && e[0]) {
                char *end;
                unsigned long n = strtoul(e, &end, 10);

                if (*end == '\0' && n >= 20 && n < 100000)
                        return n;
        }
        if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
                return ws.ws_col;
        return SIZE_MAX;        /* a pipe or a file: whole lines, for grep */
}

/* How many bytes of s (of length len) go on a line of at most width bytes:
 * after the last ' ', '/', ',' or '-' in the second half of the line if
 * there is one, else at width, never inside a UTF-8 sequence. */
static size_t chunk_len(const char *s, size_t len, size_t width) {
        size_t n;

        if (len <= width)
                return len;
        for (n = width; n > width / 2; n--)
                if (strchr(" /,-", s[n - 1]))
                        return n;
        for (n = width; n > 1 && ((unsigned char) s[n] & 0xc0) == 0x80; n--)
                ;
        return n;
}

/* Print one table row, wrapping cells longer than their column onto
 * continuation lines; no trailing blanks. line has room for a full line. */
static void row_print(const struct cli_table *t, const char *const *cols, const size_t *width, char *line) {
        const char *rest[t->n_cols];
        bool more = true;

        for (size_t k = 0; k < t->n_cols; k++)
                rest[k] = cols[k] ? cols[k] : "";
        while (more) {
                size_t pos = 0;

                more = false;
                for (size_t k = 0; k < t->n_cols; k++) {
                        size_t n = chunk_len(rest[k], strlen(rest[k]), width[k]);

                        memcpy(line + pos, rest[k], n);
                        memset(line + pos + n, ' ', width[k] - n + COL_GAP);
                        pos += width[k] + COL_GAP;
                        rest[k] += n;
                        while (*rest[k] == ' ')
                                rest[k]++;
                        if (*rest[k])
                                more = true;
                }
                while (pos > 0 && line[pos - 1] == ' ')
                        pos--;
                printf("%.*s\n", (int) pos, line);
        }
}

/* Narrow the wrappable columns until the table fits in max, if it can:
 * each gets an equal share of the room left by the narrower ones (max-min
 * fairness), never less than COL_MIN or its header. */
static void fit_widths(const struct cli_table *t, size_t *width, size_t max) {
        size_t total = (t->n_cols - 1) * COL_GAP, room, n_left = 0;
        bool done[t->n_cols];

        for (size_t k = 0; k < t->n_cols; k++)
                total += width[k];
        if (total <= max)
                return;
        room = max > (t->n_cols - 1) * COL_GAP ? max - (t->n_cols - 1) * COL_GAP : 0;
        for (size_t k = 0; k < t->n_cols; k++) {
                done[k] = t->nowrap & (1u << k);
                if (done[k])
                        room = room > width[k] ? room - width[k] : 0;
                else
                        n_left++;
        }
        /* Settle the narrowest column that fits its share, until none does. */
        for (bool settled = true; settled && n_left > 0;) {
                settled = false;
                for (size_t k = 0; k < t->n_cols; k++)
                        if (!done[k] && width[k] <= room / n_left) {
                                done[k] = settled = true;
                                room -= width[k];
                                n_left--;
                        }
        }
        for (size_t k = 0; k < t->n_cols && n_left > 0; k++) {
                size_t floor = strlen(t->names[k]) > COL_MIN ? strlen(t->names[k]) : COL_MIN;
                size_t share;

                if (done[k])
                        continue;
                share = room / n_left;
                width[k] = share > floor ? share : floor;
                room = room > width[k] ? room - width[k] : 0;
                n_left--;
        }
}

void cli_table_print(const struct cli_table *t) {
        size_t width[t->n_cols], line_size = 1;
        char *line;

        for (size_t k = 0; k < t->n_cols; k++) {
                width[k] = strlen(t->names[k]);
                for (size_t i = 0; i < t->n_rows; i++) {
                        const char *c = t->cells[i * t->n_cols + k];
                        if (c && strlen(c) > width[k])
                                width[k] = strlen(c);
                }
        }
        fit_widths(t, width, cli_output_width());
        for (size_t k = 0; k < t->n_cols; k++)
                line_size += width[k] + COL_GAP;
        line = malloc(line_size);
        if (!line) {
                fputs("vendorbanctl: out of memory\n", stderr);
                return;
        }
        row_print(t, t->names, width, line);
        for (size_t i = 0; i < t->n_rows; i++)
                row_print(t, (const char *const *) t->cells + i * t->n_cols, width, line);
        free(line);
}

void cli_table_clear(struct cli_table *t) {
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
                free(t->cells[i]);
        free(t->cells);
        t->cells = NULL;
        t->n_rows = 0;
}
