/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to policy.c and policy-parse.c: the state of one load, and the
 * checking of a parsed libconfig tree into the structs of policy.h. */
#pragma once

#include <libconfig.h>

#include "policy.h"

/* State of one policy_load() or policy_check_file() run. */
struct policy_loader {
        struct vb_diag *diag;
        unsigned n_errors;      /* content errors reported */
        int io_error;           /* first I/O error, negative errno */
        size_t n_markers;       /* markers seen so far, across every ban */
        const char *file;       /* host path of the file being read */
        char *dir;              /* its directory, where relative @include resolves */
};

/* The host path of a file named by libconfig (a setting's or an error's
 * source file, as written in @include; NULL = the file being read). */
void policy_source_file(const struct policy_loader *l, const char *name, char *buf, size_t size);

/* Report a content error at setting s (file:line, prefixed with its path). */
void policy_bad(struct policy_loader *l, const config_setting_t *s, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Report an I/O error (negative errno r) on path. */
void policy_io_failed(struct policy_loader *l, const char *path, int r);

/* Fill c (holding the defaults) from the main config's root setting, and b
 * from a ban file's root. Content errors are reported and counted in l;
 * the result is negative only for -ENOMEM. */
int policy_parse_config(struct policy_loader *l, const config_setting_t *root, struct vb_config *c);
int policy_parse_ban(struct policy_loader *l, const config_setting_t *root, struct vb_ban *b);
