/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The APT Pre-Install-Pkgs protocol v3 parser (apthook-proto.h). Owns no
 * state beyond the request it fills; does no I/O. Every field is checked
 * before it is used, because the stream crosses a trust boundary. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apthook-proto.h"

#define PKG_FIELDS 9
#define QUOTE_MAX 60

enum state { STATE_HEADER, STATE_CONFIG, STATE_PACKAGES };

static int __attribute__((format(printf, 3, 4))) fail(struct apthook_error *err, unsigned line, const char *fmt,
                                                       ...) {
        va_list ap;

        err->line = line;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* The first QUOTE_MAX bytes of s, control and non-ASCII bytes as '?', for
 * quoting input in an error message. */
static const char *quote(const char *s, char buf[static QUOTE_MAX + 4]) {
        size_t i;

        for (i = 0; s[i] && i < QUOTE_MAX; i++)
                buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
        if (s[i])
                buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
        buf[i] = '\0';
        return buf;
}

static bool is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* A dpkg architecture: "amd64", "all", "linux-any"... */
static bool arch_valid(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (!is_alnum(*s) && *s != '-')
                        return false;
        return true;
}

/* A dpkg package name: an alphanumeric, then alphanumerics and "+-._". */
static bool name_valid(const char *s) {
        if (!is_alnum(*s))
                return false;
        for (; *s; s++)
                if (!is_alnum(*s) && !strchr("+-._", *s))
                        return false;
        return true;
}

/* Versions are not interpreted here (the .deb's control is what counts),
 * only kept sane: printable ASCII without blanks. */
static bool version_valid(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s <= 0x20 || *s >= 0x7f)
                        return false;
        return true;
}

/* "none" is what APT writes; apt.conf(5) asks hooks to read "no" too. */
static bool multiarch_valid(const char *s) {
        return strcmp(s, "none") == 0 || strcmp(s, "no") == 0 || strcmp(s, "same") == 0 ||
               strcmp(s, "foreign") == 0 || strcmp(s, "allowed") == 0;
}

/* One VERSION ARCH MULTIARCH group; which is "old" or "new". */
static int version_group(char **f, const char **ret_version, const char **ret_arch, const char **ret_ma,
                         const char *which, unsigned line, struct apthook_error *err) {
        char q[QUOTE_MAX + 4];

        if (!multiarch_valid(f[2]))
                return fail(err, line, "%s multi-arch type must be none, no, same, foreign or allowed, got \"%s\"",
                            which, quote(f[2], q));
        if (strcmp(f[0], "-") == 0) {
                if (strcmp(f[1], "-") != 0)
                        return fail(err, line, "%s version is \"-\" but its architecture is \"%s\"", which,
                                    quote(f[1], q));
                *ret_version = *ret_arch = *ret_ma = NULL;
                return 0;
        }
        if (!version_valid(f[0]))
                return fail(err, line, "bad %s version \"%s\"", which, quote(f[0], q));
        if (!arch_valid(f[1]))
                return fail(err, line, "bad %s architecture \"%s\"", which, quote(f[1], q));
        *ret_version = f[0];
        *ret_arch = f[1];
        *ret_ma = f[2];
        return 0;
}

static int parse_action(char *a, struct apthook_pkg *p, struct apthook_error *err) {
        char q[QUOTE_MAX + 4];

        if (strcmp(a, "**CONFIGURE**") == 0)
                p->action = APTHOOK_CONFIGURE;
        else if (strcmp(a, "**REMOVE**") == 0)
                p->action = APTHOOK_REMOVE;
        else if (strcmp(a, "**ERROR**") == 0)
                return fail(err, p->line, "APT names no .deb file for package %s (**ERROR**)", p->name);
        else if (a[0] == '/') {
                p->action = APTHOOK_UNPACK;
                p->file = a;
                if (!p->new_version)
                        return fail(err, p->line, "package %s is to be unpacked from %s but has no new version",
                                    p->name, quote(a, q));
        } else
                return fail(err, p->line,
                            "action must be a .deb file (an absolute path), **CONFIGURE** or **REMOVE**, got \"%s\"",
                            quote(a, q));
        return 0;
}

/* Cut a package line (NUL-terminated, inside the request's text) into its
 * fields; the last one, the action, is the rest of the line, because a
 * file name may hold blanks. */
static int parse_package(char *s, unsigned line, struct apthook_pkg *p, struct apthook_error *err) {
        char *f[PKG_FIELDS], *colon, q[QUOTE_MAX + 4];
        size_t n = 0;

        *p = (struct apthook_pkg) { .line = line };
        while (n < PKG_FIELDS - 1) {
                char *sp = strchr(s, ' ');

                if (!sp)
                        break;
                *sp = '\0';
                f[n++] = s;
                s = sp + 1;
        }
        f[n++] = s;

        /* The name first: a line bad further on is still judged by it. */
        colon = strchr(f[0], ':');
        if (colon) {
                *colon = '\0';
                if (!arch_valid(colon + 1))
                        return fail(err, line, "bad architecture qualifier in package name \"%s:%s\"",
                                    quote(f[0], q), colon + 1);
                p->name_arch = colon + 1;
        }
        if (!name_valid(f[0]))
                return fail(err, line, "bad package name \"%s\"", quote(f[0], q));
        p->name = f[0];

        if (n < PKG_FIELDS)
                return fail(err, line,
                            "expected 9 fields (NAME OLD-VERSION OLD-ARCH OLD-MULTIARCH DIRECTION NEW-VERSION "
                            "NEW-ARCH NEW-MULTIARCH ACTION), got %zu",
                            n);
        for (size_t i = 1; i < PKG_FIELDS; i++)
                if (f[i][0] == '\0')
                        return fail(err, line, "field %zu is empty (two blanks in a row?)", i + 1);

        int r = version_group(f + 1, &p->old_version, &p->old_arch, &p->old_multiarch, "old", line, err);
        if (r < 0)
                return r;
        if (strlen(f[4]) != 1 || !strchr("<>=", f[4][0]))
                return fail(err, line, "direction must be <, > or =, got \"%s\"", quote(f[4], q));
        p->direction = f[4][0];
        r = version_group(f + 5, &p->new_version, &p->new_arch, &p->new_multiarch, "new", line, err);
        if (r < 0)
                return r;
        return parse_action(f[8], p, err);
}

static int parse_header(const char *s, struct apthook_error *err) {
        char q[QUOTE_MAX + 4];
        unsigned v;
        int k = 0;

        if (strcmp(s, "VERSION 3") == 0)
                return 0;
        if (sscanf(s, "VERSION %u%n", &v, &k) == 1 && s[k] == '\0')
                return fail(err, 1,
                            "APT speaks protocol version %u, this hook needs version 3 "
                            "(set DPkg::Tools::Options::<hook program>::Version \"3\")",
                            v);
        if (s[0] == '/')
                return fail(err, 1,
                            "got a bare file name instead of \"VERSION 3\": APT speaks protocol version 1 "
                            "(set DPkg::Tools::Options::<hook program>::Version \"3\")");
        return fail(err, 1, "expected \"VERSION 3\", got \"%s\"", quote(s, q));
}

static int pkgs_push(struct apthook_request *r, const struct apthook_pkg *p, size_t *allocated) {
        if (r->n_pkgs == *allocated) {
                size_t n = *allocated ? *allocated * 2 : 16;
                struct apthook_pkg *v = reallocarray(r->pkgs, n, sizeof *v);

                if (!v)
                        return -ENOMEM;
                r->pkgs = v;
                *allocated = n;
        }
        r->pkgs[r->n_pkgs++] = *p;
        return 0;
}

/* A package line that cannot be read whole: the first one is reported in
 * err, each is counted, and one that gave a name is kept as APTHOOK_BAD
 * with the fields read before the error, so that it is still judged. The
 * lines after it still count. Returns 0, or -ENOMEM. */
static int __attribute__((format(printf, 6, 7))) package_bad(struct apthook_request *r, size_t *allocated,
                                                             struct apthook_error *err, struct apthook_pkg *p,
                                                             unsigned line, const char *fmt, ...) {
        va_list ap;

        if (r->n_bad++ == 0) {
                err->line = line;
                va_start(ap, fmt);
                vsnprintf(err->message, sizeof err->message, fmt, ap);
                va_end(ap);
        }
        if (!p->name)
                return 0;
        p->line = line;
        p->action = APTHOOK_BAD;
        p->file = NULL;
        return pkgs_push(r, p, allocated);
}

/* Feed one line (NUL-terminated, newline cut off) to the state machine. */
static int parse_line(char *s, unsigned line, enum state *st, struct apthook_request *r, size_t *allocated,
                      struct apthook_error *err) {
        struct apthook_pkg p;
        struct apthook_error e;
        char q[QUOTE_MAX + 4];
        int k;

        switch (*st) {
        case STATE_HEADER:
                k = parse_header(s, err);
                if (k < 0)
                        return k;
                *st = STATE_CONFIG;
                return 0;
        case STATE_CONFIG:
                if (s[0] == '\0') {
                        *st = STATE_PACKAGES;
                        return 0;
                }
                if (s[0] == '=' || !strchr(s, '='))
                        return fail(err, line, "configuration line is not Key=Value: \"%s\"", quote(s, q));
                r->n_config++;
                return 0;
        case STATE_PACKAGES:
                if (s[0] == '\0')
                        return package_bad(r, allocated, err, &(struct apthook_pkg) {}, line,
                                           "empty line in the package list");
                k = parse_package(s, line, &p, &e);
                if (k < 0)
                        return package_bad(r, allocated, err, &p, line, "%s", e.message);
                k = pkgs_push(r, &p, allocated);
                if (k < 0) {
                        fail(err, line, "out of memory");
                        return k;
                }
                return 0;
        }
        return -EINVAL;
}

/* A package line that is over-long, holds a NUL byte or is cut short:
 * reported, and kept as APTHOOK_BAD if its first field is a good name. */
static int package_line_bad(char *s, size_t n, unsigned line, struct apthook_request *r, size_t *allocated,
                            struct apthook_error *err, const char *why) {
        struct apthook_pkg p = {};
        struct apthook_error e;

        if (n <= APTHOOK_LINE_MAX) {
                s[n] = '\0';   /* the newline, or the NUL after the copy */
                (void) parse_package(s, line, &p, &e);
        }
        if (n > APTHOOK_LINE_MAX)
                return package_bad(r, allocated, err, &p, line, "line longer than %u bytes", APTHOOK_LINE_MAX);
        return package_bad(r, allocated, err, &p, line, "%s", why);
}

int apthook_parse(const char *buf, size_t len, struct apthook_request *ret, struct apthook_error *err) {
        struct apthook_request r = {};
        enum state st = STATE_HEADER;
        size_t pos = 0, allocated = 0;
        unsigned line = 0;
        int k = 0;

        *err = (struct apthook_error) {};
        if (len > APTHOOK_INPUT_MAX) {
                snprintf(err->message, sizeof err->message, "input larger than %u bytes", APTHOOK_INPUT_MAX);
                return -E2BIG;
        }
        if (len == 0)
                return fail(err, 0, "empty input: expected \"VERSION 3\" (is this run by APT?)");

        r.text = malloc(len + 1);
        if (!r.text)
                return -ENOMEM;
        memcpy(r.text, buf, len);
        r.text[len] = '\0';

        while (pos < len) {
                char *s = r.text + pos, *nl = memchr(s, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - s) : len - pos;
                const char *bad = NULL;

                line++;
                if (n > APTHOOK_LINE_MAX)
                        bad = "line longer than the limit";
                else if (memchr(s, '\0', n))
                        bad = "NUL byte in the input";
                else if (!nl)
                        bad = "last line has no newline: the input is truncated";
                if (bad && st != STATE_PACKAGES) {
                        if (n > APTHOOK_LINE_MAX)
                                k = fail(err, line, "line longer than %u bytes", APTHOOK_LINE_MAX);
                        else
                                k = fail(err, line, "%s", bad);
                        goto fail;
                }
                if (nl)
                        *nl = '\0';
                if (bad)        /* one bad package line: judged by the name it may give */
                        k = package_line_bad(s, n, line, &r, &allocated, err, bad);
                else
                        k = parse_line(s, line, &st, &r, &allocated, err);
                if (k < 0)
                        goto fail;
                pos += n + 1;
        }
        if (st != STATE_PACKAGES) {
                k = fail(err, line + 1,
                         "input ended inside the APT configuration (no empty line after it): the input is truncated");
                goto fail;
        }
        r.version = 3;
        *ret = r;
        return r.n_bad > 0 ? -EINVAL : 0;

fail:
        apthook_request_clear(&r);
        return k;
}

void apthook_request_clear(struct apthook_request *r) {
        free(r->pkgs);
        free(r->text);
        *r = (struct apthook_request) {};
}

const char *apthook_action_to_string(enum apthook_action a) {
        switch (a) {
        case APTHOOK_UNPACK:
                return "install";
        case APTHOOK_CONFIGURE:
                return "configure";
        case APTHOOK_REMOVE:
                return "remove";
        case APTHOOK_BAD:
                return "unreadable line";
        }
        return "?";
}
