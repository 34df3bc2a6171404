/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parser of what the dnf plugin (dnf-plugin/vendorban.py) writes to
 * `vendorbanctl rpm-hook`. Pure: a buffer in, a request out, no I/O. The
 * input crosses a trust boundary: anything unexpected is an error naming
 * the line, never a crash. */
#pragma once

#include <stddef.h>

#define RPMHOOK_LINE_MAX (64u * 1024u)                  /* bytes per line, newline excluded */
#define RPMHOOK_INPUT_MAX (16u * 1024u * 1024u)         /* bytes in all */
#define RPMHOOK_HEADER "VENDORBAN-RPM-HOOK 1"

/* One package the transaction brings in:
 *   "PKG" TAB ACTION TAB NAME TAB EVR TAB ARCH TAB VENDOR TAB PACKAGER TAB FILE
 * ACTION is install, upgrade, downgrade or reinstall. EVR is
 * "[EPOCH:]VERSION-RELEASE". ARCH, VENDOR, PACKAGER and FILE may be empty
 * (NULL here); FILE, when given, is the downloaded .rpm (absolute path),
 * whose own header then decides. Strings point into the request's copy. */
struct rpmhook_pkg {
        const char *action;
        const char *name;
        const char *evr;
        const char *arch;
        const char *vendor;
        const char *packager;
        const char *file;
        unsigned line;
};

struct rpmhook_request {
        struct rpmhook_pkg *pkgs;
        size_t n_pkgs;
        char *text;                     /* owned copy of the input */
};

struct rpmhook_error {
        unsigned line;                  /* 0: about the input as a whole */
        char message[256];
};

/* The header line, then package lines, each ended by a newline. -EINVAL
 * with err for: another header, a NUL byte, a line over RPMHOOK_LINE_MAX
 * or without newline, a line not "PKG" and 7 fields, an unknown action,
 * an empty or bad name (blank, control character, '/'), an empty EVR, a
 * control character in any field, a relative FILE. -E2BIG past
 * RPMHOOK_INPUT_MAX; -ENOMEM. Free with rpmhook_request_clear. */
int rpmhook_parse(const char *buf, size_t len, struct rpmhook_request *ret, struct rpmhook_error *err);

void rpmhook_request_clear(struct rpmhook_request *r);
