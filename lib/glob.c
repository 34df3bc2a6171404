/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Our own glob matcher for package names and paths (see glob.h). It owns no
 * state and never allocates: every match works on [start, end) ranges of the
 * caller's strings. Both levels use the single-star backtracking walk, so the
 * cost is bounded by |pattern| * |subject|, never exponential. */
#include <stddef.h>
#include <string.h>

#include "glob.h"

static char ascii_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static char ascii_upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
}

static bool char_eq(char a, char b, bool casefold) {
        return casefold ? ascii_lower(a) == ascii_lower(b) : a == b;
}

static bool range_has(char lo, char hi, char c, bool casefold) {
        unsigned char u = (unsigned char) c;

        if (u >= (unsigned char) lo && u <= (unsigned char) hi)
                return true;
        if (!casefold)
                return false;
        u = (unsigned char) ascii_lower(c);
        if (u >= (unsigned char) lo && u <= (unsigned char) hi)
                return true;
        u = (unsigned char) ascii_upper(c);
        return u >= (unsigned char) lo && u <= (unsigned char) hi;
}

/* p points just after '['. Returns the position after the closing ']' and
 * stores whether c is in the class, or NULL if the class is not closed (then
 * the '[' is an ordinary character). */
static const char *class_match(const char *p, const char *pe, char c, bool casefold, bool *ret_in) {
        bool negate = false, in = false;
        const char *start;

        if (p < pe && (*p == '!' || *p == '^')) {
                negate = true;
                p++;
        }
        start = p;
        while (p < pe && (*p != ']' || p == start)) {
                char lo = *p, hi;

                if (lo == '\\' && p + 1 < pe)
                        lo = *++p;
                p++;
                hi = lo;
                if (p + 1 < pe && *p == '-' && p[1] != ']') {
                        hi = p[1];
                        p += 2;
                        if (hi == '\\' && p < pe)
                                hi = *p++;
                }
                if (range_has(lo, hi, c, casefold))
                        in = true;
        }
        if (p >= pe)
                return NULL;
        *ret_in = in != negate;
        return p + 1;
}

/* Match one non-'*' token at *pp against c; advance *pp past the token. */
static bool token_match(const char **pp, const char *pe, char c, bool casefold) {
        const char *p = *pp;

        if (*p == '?') {
                *pp = p + 1;
                return true;
        }
        if (*p == '[') {
                bool in = false;
                const char *next = class_match(p + 1, pe, c, casefold, &in);

                if (next) {
                        *pp = next;
                        return in;
                }
        } else if (*p == '\\' && p + 1 < pe)
                p++;
        *pp = p + 1;
        return char_eq(*p, c, casefold);
}

/* Glob over [p, pe) against [s, se). '*' matches any run of characters of
 * the range; callers that must not cross '/' pass a single path component. */
static bool match_range(const char *p, const char *pe, const char *s, const char *se, bool casefold) {
        const char *star_p = NULL, *star_s = NULL;

        while (s < se) {
                if (p < pe && *p == '*') {
                        while (p < pe && *p == '*')
                                p++;
                        star_p = p;
                        star_s = s;
                        continue;
                }
                if (p < pe) {
                        const char *next = p;

                        if (token_match(&next, pe, *s, casefold)) {
                                p = next;
                                s++;
                                continue;
                        }
                }
                if (!star_p)
                        return false;
                p = star_p;
                s = ++star_s;
        }
        while (p < pe && *p == '*')
                p++;
        return p == pe;
}

bool glob_match_name(const char *pattern, const char *name, bool casefold) {
        if (!pattern || !name)
                return false;
        return match_range(pattern, pattern + strlen(pattern), name, name + strlen(name), casefold);
}

/* A path component cursor: p is NULL once every component has been
 * consumed. Components are split at every '/'; in a pattern, "\\/" ends the
 * component before the backslash. */
struct comp {
        const char *p;          /* start of the current component, or NULL */
        const char *e;          /* its end ('/' or the end of the string) */
        const char *me;         /* end of what is matched: e, or before a "\\/" */
        const char *end;        /* end of the whole string */
        bool pattern;
};

static void comp_set(struct comp *c, const char *p) {
        const char *e = p;

        c->p = p;
        c->me = NULL;
        while (e < c->end && *e != '/') {
                if (c->pattern && *e == '\\' && e + 1 < c->end) {
                        /* An escaped '/' still separates components, as in
                         * fnmatch(3) with FNM_PATHNAME. */
                        if (e[1] == '/') {
                                c->me = e++;
                                break;
                        }
                        e++;
                }
                e++;
        }
        c->e = e;
        if (!c->me)
                c->me = e;
}

static void comp_next(struct comp *c) {
        if (c->e >= c->end)
                c->p = NULL;
        else
                comp_set(c, c->e + 1);
}

static bool comp_is_dstar(const struct comp *c) {
        return c->p && c->e - c->p == 2 && c->p[0] == '*' && c->p[1] == '*';
}

static bool comp_is_last(const struct comp *c) {
        return c->e >= c->end;
}

/* A trailing "**" matches one or more components, the last one non-empty:
 * for "/opt/kaspersky/" + "**", what is below /opt/kaspersky, not the
 * directory itself (nor "/opt/kaspersky/"). */
static bool dstar_tail_match(const struct comp *s) {
        return s->p && !(comp_is_last(s) && s->e == s->p);
}

bool glob_match_path(const char *pattern, const char *path) {
        struct comp p, s, star_p = {}, star_s = {};

        if (!pattern || !path)
                return false;
        p = (struct comp) { .end = pattern + strlen(pattern), .pattern = true };
        s = (struct comp) { .end = path + strlen(path) };
        comp_set(&p, pattern);
        comp_set(&s, path);

        while (s.p) {
                if (comp_is_dstar(&p)) {
                        if (comp_is_last(&p))
                                return dstar_tail_match(&s);
                        /* A middle "**": first try it matching nothing. */
                        comp_next(&p);
                        star_p = p;
                        star_s = s;
                        continue;
                }
                if (p.p && match_range(p.p, p.me, s.p, s.e, false)) {
                        comp_next(&p);
                        comp_next(&s);
                        continue;
                }
                if (!star_p.p)
                        return false;
                /* Let the last "**" swallow one more component, retry. */
                comp_next(&star_s);
                p = star_p;
                s = star_s;
        }
        while (comp_is_dstar(&p) && !comp_is_last(&p))
                comp_next(&p);
        return !p.p;
}
