/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hints for policy file errors (policy-hint.h): a bare word that needs
 * quotes, an unclosed quote found where it opens, the nearest known key. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "policy-hint.h"

/* The line (1-based) in text that starts at or before p. */
static int line_of(const char *text, const char *p) {
        int line = 1;

        for (const char *q = text; q < p; q++)
                line += *q == '\n';
        return line;
}

/* Where a string literal opens and does not close on its line: libconfig
 * lets a string run over lines, so the error shows up far below. Comments
 * (#, //, block) are skipped. NULL if every string closes on its line. */
static const char *unclosed_quote(const char *text, const char *end) {
        for (const char *p = text; p < end && *p; p++) {
                if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
                        while (*p && *p != '\n')
                                p++;
                        if (!*p)
                                return NULL;
                } else if (p[0] == '/' && p[1] == '*') {
                        const char *c = strstr(p + 2, "*/");
                        if (!c)
                                return NULL;
                        p = c + 1;
                } else if (*p == '"') {
                        const char *open = p;
                        for (p++; *p && *p != '"'; p++) {
                                if (*p == '\\' && p[1])
                                        p++;
                                else if (*p == '\n')
                                        return open;
                        }
                        if (!*p)
                                return open;
                }
        }
        return NULL;
}

/* "key = word;" (or "key: word") on this line with word not a number,
 * boolean or quoted: the hint names the line's own setting. */
static bool bare_word(const char *line, size_t len, char *buf, size_t size) {
        char key[64], word[128];
        int n = 0;

        char copy[256];
        if (len >= sizeof copy)
                return false;
        memcpy(copy, line, len);
        copy[len] = '\0';
        if (sscanf(copy, " %63[A-Za-z0-9_*-] %*[=:] %127[A-Za-z0-9_./*@:-]%n", key, word, &n) != 2)
                return false;
        if (!isalpha((unsigned char) word[0]) || strcasecmp(word, "true") == 0 || strcasecmp(word, "false") == 0)
                return false;
        snprintf(buf, size, "a text value needs double quotes: %s = \"%s\";", key, word);
        return true;
}

bool policy_syntax_hint(const char *text, int err_line, int *ret_line, char *buf, size_t size) {
        const char *p = text, *end;
        int line = 1;

        if (!text || err_line <= 0)
                return false;
        /* The start of the line after err_line: a quote opened on or before it. */
        while (*p && line <= err_line)
                line += *p++ == '\n';
        end = p;

        const char *open = unclosed_quote(text, end);
        if (open) {
                *ret_line = line_of(text, open);
                snprintf(buf, size, "the quote opened on line %d is not closed on that line", *ret_line);
                return true;
        }

        /* A bare word on the error line or the one before (libconfig may
         * report the token after it). */
        for (int l = err_line; l >= err_line - 1 && l > 0; l--) {
                const char *s = text;
                for (int i = 1; i < l && s; i++) {
                        s = strchr(s, '\n');
                        s = s ? s + 1 : NULL;
                }
                if (!s)
                        continue;
                const char *e = strchr(s, '\n');
                if (bare_word(s, e ? (size_t) (e - s) : strlen(s), buf, size)) {
                        *ret_line = l;
                        return true;
                }
        }
        return false;
}

static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), prev[65], cur[65];

        if (la > 64 || lb > 64)
                return (size_t) -1;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t sub = prev[j - 1] + (tolower((unsigned char) a[i - 1]) != tolower((unsigned char) b[j - 1]));
                        size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
                        cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
                        /* a swap of two neighbours counts as one */
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev[j - 1] < cur[j])
                                cur[j] = prev[j - 1];
                }
                memcpy(prev, cur, (lb + 1) * sizeof *prev);
        }
        return prev[lb];
}

const char *policy_nearest_key(const char *name, const char *const *keys) {
        const char *best = NULL;
        size_t best_d = (size_t) -1, limit;

        if (!name || !keys)
                return NULL;
        limit = strlen(name) / 3;
        if (limit < 2)
                limit = 2;
        for (size_t i = 0; keys[i]; i++) {
                size_t d = edit_distance(name, keys[i]);
                if (d < best_d) {
                        best_d = d;
                        best = keys[i];
                }
        }
        return best_d <= limit ? best : NULL;
}
