/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory policy: the main config (vendorban.conf) and every ban
 * (the files of bans.d), loaded with libconfig and validated field by field.
 * A policy is immutable once loaded; a reload builds a new one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

#define VB_DEFAULT_CONFIG "/etc/vendorban/vendorban.conf"
#define VB_MARKERS_MAX 1024      /* a multiple of 64 (filescan.h keeps a bit set) */

enum vb_mode { VB_MODE_AUDIT, VB_MODE_ENFORCE };

/* Ordered by severity: a higher value wins. */
enum vb_verdict { VB_VERDICT_ALLOW, VB_VERDICT_FLAG, VB_VERDICT_BLOCK };

enum vb_applies { VB_APPLIES_NEW_INSTALLS, VB_APPLIES_EXISTING, VB_APPLIES_ALL };

enum vb_indicator_kind {
        VB_IND_PACKAGE,         /* glob on the package name */
        VB_IND_MAINTAINER,      /* glob on Maintainer / Original-Maintainer / Vendor, case-insensitive */
        VB_IND_PATH,            /* path glob; "**" crosses directories */
        VB_IND_UNIT,            /* systemd unit name, e.g. "kesl.service" */
        VB_IND_SHA256,          /* 64 lower-case hex digits */
        VB_IND_MARKER,          /* byte string searched inside ELF files */
        _VB_IND_MAX,
};

struct vb_phase {
        int64_t from;                   /* seconds since the epoch, 00:00 UTC of the date */
        enum vb_applies applies_to;
        enum vb_verdict action;         /* VB_VERDICT_FLAG or VB_VERDICT_BLOCK */
        char *reason;                   /* may be NULL */
};

struct vb_ban {
        char *id;                       /* [a-z0-9_-]+, unique across bans */
        char *vendor;
        struct vb_strv entities;        /* at least one */
        char *authority;
        char *reference;                /* optional URL or document number; may be NULL */
        struct vb_phase *phases;        /* at least one */
        size_t n_phases;
        struct vb_strv match[_VB_IND_MAX];
        struct vb_strv exempt_packages; /* globs on package names */
        struct vb_strv exempt_paths;    /* path globs */
        struct vb_strv alternatives;
        char *file;                     /* the file it was loaded from (host path) */
};

struct vb_config {
        enum vb_mode mode;              /* default audit */
        struct vb_strv watch_paths;     /* absolute, inside the root; default /opt /var/opt /etc/opt /usr/local */
        unsigned rescan_interval;       /* seconds; 0 = no periodic rescan; default 3600 */
        unsigned debounce_ms;           /* default 50 */
        bool exec_guard;                /* default true */
        bool apt_hook_allow_on_error;   /* default true ("allow") */
        char *state_dir;                /* default /var/lib/vendorban */
        char *bans_dir;                 /* default /etc/vendorban/bans.d */
        char *dpkg_admin_dir;           /* default /var/lib/dpkg */
};

struct vb_policy_index;

struct vb_policy {
        struct vb_config config;
        struct vb_ban *bans;
        size_t n_bans;
        /* Every marker of every ban, flattened, so a file is searched once
         * for all of them; marker_ban[i] indexes bans[]. */
        const char *markers[VB_MARKERS_MAX];
        size_t marker_ban[VB_MARKERS_MAX];
        size_t n_markers;
        char digest[65];                /* sha256 over the bytes of every file loaded */
        char markers_digest[65];        /* sha256 over the marker set alone */
        struct vb_policy_index *index;  /* the engine's lookups (match-policy.h); NULL: lists walked */
};

/* Load config_path (a path inside root; NULL = VB_DEFAULT_CONFIG) and every
 * "*.conf" of its bans_dir, in lexical order. A missing config file means
 * defaults; a missing bans_dir is an error. On any error nothing is
 * returned, every error found is in diag (file:line), and the result is
 * -EINVAL (bad content) or another negative errno (I/O). */
int policy_load(const char *root, const char *config_path, struct vb_policy **ret, struct vb_diag *diag);

/* Check one file standing alone: a ban file if it has a top-level "ban"
 * setting, otherwise a main config. 0 or -EINVAL with diag filled. */
int policy_check_file(const char *host_path, struct vb_diag *diag);

void policy_free(struct vb_policy *p);
static inline void policy_freep(struct vb_policy **p) {
        policy_free(*p);
}

const char *verdict_to_string(enum vb_verdict v);      /* "allow" "flag" "block" */
const char *mode_to_string(enum vb_mode m);            /* "audit" "enforce" */
const char *applies_to_string(enum vb_applies a);      /* "new-installs" "existing" "all" */
const char *indicator_kind_to_string(enum vb_indicator_kind k); /* "package" "maintainer" "path" "unit" "sha256" "marker" */
