/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parser of the dnf plugin's stream to `vendorbanctl rpm-hook` (see
 * rpmhook-proto.h). Works on its own copy of the input, cutting fields in
 * place; every line is checked whole before any of it is used. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpmhook-proto.h"

#define N_FIELDS 7             /* after "PKG" */

static const char *const actions[] = { "install", "upgrade", "downgrade", "reinstall" };

static int __attribute__((format(printf, 3, 4)))
fail(struct rpmhook_error *err, unsigned line, const char *fmt, ...) {
        va_list ap;

        err->line = line;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static bool has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

static bool name_ok(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if ((unsigned char) *s <= 0x20 || *s == 0x7f || *s == '/')
                        return false;
        return true;
}

static bool action_ok(const char *s) {
        for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
                if (strcmp(s, actions[i]) == 0)
                        return true;
        return false;
}

/* Cut one package line (NUL-terminated, no newline) into p. */
static int parse_pkg(char *line, unsigned n, struct rpmhook_pkg *p, struct rpmhook_error *err) {
        char *f[N_FIELDS + 1];
        size_t k = 0;

        for (char *s = line;; s++) {
                char *tab = strchr(s, '\t');
                if (k == N_FIELDS + 1)
                        return fail(err, n, "a package line has more than %d fields", N_FIELDS);
                f[k++] = s;
                if (!tab)
                        break;
                *tab = '\0';
                s = tab;
        }
        if (k != N_FIELDS + 1 || strcmp(f[0], "PKG") != 0)
                return fail(err, n, "expected \"PKG\" and %d tab-separated fields", N_FIELDS);
        for (size_t i = 1; i < k; i++)
                if (has_control(f[i]))
                        return fail(err, n, "field %zu holds a control character", i);
        if (!action_ok(f[1]))
                return fail(err, n, "unknown action \"%.32s\"", f[1]);
        if (!name_ok(f[2]))
                return fail(err, n, "bad package name");
        if (!name_ok(f[3]))
                return fail(err, n, "bad version (EVR) of %.64s", f[2]);
        if (*f[4] && !name_ok(f[4]))
                return fail(err, n, "bad architecture of %.64s", f[2]);
        if (*f[7] && f[7][0] != '/')
                return fail(err, n, "the file of %.64s is not an absolute path", f[2]);

        *p = (struct rpmhook_pkg) {
                .action = f[1], .name = f[2], .evr = f[3],
                .arch = *f[4] ? f[4] : NULL, .vendor = *f[5] ? f[5] : NULL,
                .packager = *f[6] ? f[6] : NULL, .file = *f[7] ? f[7] : NULL, .line = n,
        };
        return 0;
}

static int parse_lines(struct rpmhook_request *r, size_t len, struct rpmhook_error *err) {
        char *s = r->text, *end = r->text + len;
        size_t cap = 0;
        unsigned n = 0;

        while (s < end) {
                char *nl = memchr(s, '\n', (size_t) (end - s));
                n++;
                if (!nl)
                        return fail(err, n, "the last line has no newline (truncated input)");
                if ((size_t) (nl - s) > RPMHOOK_LINE_MAX)
                        return fail(err, n, "line longer than %u bytes", RPMHOOK_LINE_MAX);
                *nl = '\0';
                if (n == 1) {
                        if (strcmp(s, RPMHOOK_HEADER) != 0)
                                return fail(err, 1, "expected \"%s\"", RPMHOOK_HEADER);
                } else {
                        if (r->n_pkgs == cap) {
                                size_t c = cap ? cap * 2 : 16;
                                struct rpmhook_pkg *v = realloc(r->pkgs, c * sizeof *v);
                                if (!v)
                                        return -ENOMEM;
                                r->pkgs = v;
                                cap = c;
                        }
                        int k = parse_pkg(s, n, &r->pkgs[r->n_pkgs], err);
                        if (k < 0)
                                return k;
                        r->n_pkgs++;
                }
                s = nl + 1;
        }
        if (n == 0)
                return fail(err, 0, "empty input (expected \"%s\")", RPMHOOK_HEADER);
        return 0;
}

int rpmhook_parse(const char *buf, size_t len, struct rpmhook_request *ret, struct rpmhook_error *err) {
        struct rpmhook_request r = {};
        int k;

        *err = (struct rpmhook_error) {};
        *ret = (struct rpmhook_request) {};
        if (len > RPMHOOK_INPUT_MAX)
                return -E2BIG;
        if (len > 0 && memchr(buf, '\0', len))
                return fail(err, 0, "the input holds a NUL byte");
        r.text = malloc(len + 1);
        if (!r.text)
                return -ENOMEM;
        if (len > 0)
                memcpy(r.text, buf, len);
        r.text[len] = '\0';
        k = parse_lines(&r, len, err);
        if (k < 0) {
                rpmhook_request_clear(&r);
                return k;
        }
        *ret = r;
        return 0;
}

void rpmhook_request_clear(struct rpmhook_request *r) {
        free(r->pkgs);
        free(r->text);
        *r = (struct rpmhook_request) {};
}
