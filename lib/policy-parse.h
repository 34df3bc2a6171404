/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to policy.c and policy-parse.c: the state of one load, and the
 * checking of a parsed libconfig tree into the structs of policy.h. */
#pragma once

#include <libconfig.h>
#include <sys/types.h>

#include "policy.h"

/* State of one policy_load() or policy_check_file() run. */
struct policy_loader {
        struct vb_diag *diag;
        unsigned n_errors;      /* content errors reported */
        int io_error;           /* first I/O error, negative errno */
        size_t n_markers;       /* markers seen so far, across every ban */
        const char *file;       /* host path of the file being read */
        char *dir;              /* its directory */
        bool dropin;            /* merging a drop-in: nothing required, lists appended */
        struct vb_origins *origins;     /* where to record origins; NULL = don't */
        const char *origin_file;        /* the file being read, as kept in vb_policy.files */
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
/* The same for the "ban" group itself. */
int policy_parse_ban_group(struct policy_loader *l, const config_setting_t *ban, struct vb_ban *b);

/* policy.c, shared with policy-serialize.c */
int policy_config_defaults(struct vb_config *c);
/* Refuse what libconfig must never see (@-directives, NUL bytes), as
 * file:line in diag; the number of problems. */
unsigned policy_text_check(struct vb_diag *diag, const char *file, const char *bytes, size_t size);
/* Flatten the markers, finish the digests (md NULL: the digest is left for
 * the caller to set) and compile the engine's lookups (match-policy.h). */
int policy_finish(struct vb_policy *p, void *md);
void policy_origins_clear(struct vb_origins *o);

/* policy-read.c */
/* The whole of a regular file, NUL-terminated: -EBADF (its type in
 * *ret_type) for anything else, which is never read; -EFBIG past 4 MiB. */
int policy_file_read(const char *path, char **ret, size_t *ret_size, mode_t *ret_type);
const char *policy_file_type_name(mode_t m);
/* The entries of host_dir named *suffix (not dot files) that are
 * directories (want_dirs) or anything else, in strcmp order; -errno if
 * host_dir cannot be opened. */
int policy_dir_list(const char *host_dir, const char *suffix, bool want_dirs, struct vb_strv *ret);
/* Append the host paths of host_dir's files that dpkg or ucf left for the
 * administrator to merge (.dpkg-dist, .dpkg-new, .dpkg-old, .ucf-*). */
int policy_pending_scan(const char *host_dir, struct vb_strv *pending);
/* A symlink to /dev/null: systemd's way of disabling a file. */
bool policy_is_masked(const char *host_path);
