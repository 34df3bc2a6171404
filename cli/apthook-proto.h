/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parser of what APT writes to a DPkg::Pre-Install-Pkgs hook speaking
 * protocol version 3 (apt.conf(5)). Pure: a buffer in, a request out, no
 * I/O. The input is untrusted: anything unexpected is an error naming the
 * line, never a crash. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define APTHOOK_LINE_MAX (64u * 1024u)                  /* bytes per line, newline excluded */
#define APTHOOK_INPUT_MAX (64u * 1024u * 1024u)         /* bytes in all */

enum apthook_action {
        APTHOOK_UNPACK,         /* a .deb is about to be unpacked */
        APTHOOK_CONFIGURE,      /* "**CONFIGURE**" */
        APTHOOK_REMOVE,         /* "**REMOVE**" */
        APTHOOK_BAD,            /* a line that could not be read whole (reported in the
                                 * error): only the fields read before the fault are set,
                                 * always the name; judge it by them */
};

/* One package action line:
 *   NAME OLD-VER OLD-ARCH OLD-MA DIR NEW-VER NEW-ARCH NEW-MA ACTION
 * Strings point into the request's own copy of the input; a "-" field
 * (no version) is NULL, and so are its arch and multi-arch fields. */
struct apthook_pkg {
        const char *name;               /* without any ":arch" qualifier */
        const char *name_arch;          /* the qualifier of "NAME:ARCH", or NULL */
        const char *old_version, *old_arch, *old_multiarch;
        char direction;                 /* '<' upgrade or new, '>' downgrade or removal, '=' same */
        const char *new_version, *new_arch, *new_multiarch;
        enum apthook_action action;
        const char *file;               /* APTHOOK_UNPACK: the .deb, an absolute path; else NULL */
        unsigned line;                  /* line number in the input, from 1 */
};

struct apthook_request {
        unsigned version;               /* always 3 on success */
        size_t n_config;                /* "Key=Value" lines of the APT configuration */
        struct apthook_pkg *pkgs;
        size_t n_pkgs;
        size_t n_bad;                   /* package lines that could not be read whole */
        char *text;                     /* owned copy of the input, fields cut out of it */
};

struct apthook_error {
        unsigned line;                  /* 0: about the input as a whole */
        char message[512];
};

/* Parse a whole protocol-v3 stream: "VERSION 3", the configuration lines
 * up to an empty line, then one line per package action, every line ended
 * by a newline. On success *ret is filled (free with apthook_request_clear)
 * and 0 returned. -EINVAL with err filled for bad input: another version
 * (or a version-1 stream of bare file names), a line over
 * APTHOOK_LINE_MAX, a NUL byte, a truncated stream (no empty line after
 * the configuration, a last line without newline), a package line with
 * the wrong number of fields, a bad name, architecture, multi-arch type,
 * direction or action, "**ERROR**" in place of a file, a relative file.
 * One bad package line never hides the others: past the configuration, a
 * bad line is counted in n_bad (the first one described in err), kept as
 * APTHOOK_BAD if it starts with a good package name, and the rest is read;
 * the result is -EINVAL with *ret filled all the same (free it). Anything
 * else that is bad returns -EINVAL with *ret empty.
 * -E2BIG if len exceeds APTHOOK_INPUT_MAX; -ENOMEM. */
int apthook_parse(const char *buf, size_t len, struct apthook_request *ret, struct apthook_error *err);

void apthook_request_clear(struct apthook_request *r);

/* "install" "configure" "remove", for messages. */
const char *apthook_action_to_string(enum apthook_action a);
