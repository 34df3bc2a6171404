/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-memory policy: the main config (vendorban.conf and its drop-ins)
 * and every ban (the shipped files of /usr/share/vendorban/bans.d, the
 * overrides and drop-ins of /etc/vendorban/bans.d), loaded with libconfig
 * and validated field by field, with where each setting came from. A
 * policy is immutable once loaded; a reload builds a new one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "util.h"

#define VB_DEFAULT_CONFIG "/etc/vendorban/vendorban.conf"
#define VB_DEFAULT_STATE_DIR "/var/lib/vendorban"
#define VB_DEFAULT_AUDITOR_GROUP "vendorban"
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

/* Where a setting or a list element came from, for "policy show". A list
 * element has one origin per value; a single setting one per file that
 * set it (the last one is in force). */
struct vb_origin {
        char *key;                      /* "vendor", "match.packages", "exempt.paths", "mode"... */
        char *value;                    /* the value as set there */
        const char *file;               /* host path, one of vb_policy.files */
        unsigned line;
};

struct vb_origins {
        struct vb_origin *v;
        size_t n;
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
        struct vb_strv dropins;         /* drop-ins merged over it (host paths), in order */
        struct vb_origins origins;      /* empty for a ban read back from the ledger */
};

struct vb_config {
        enum vb_mode mode;              /* default audit */
        struct vb_strv watch_paths;     /* absolute, inside the root; default /opt /var/opt /etc/opt /usr/local */
        unsigned rescan_interval;       /* seconds; 0 = no periodic rescan; default 3600 */
        unsigned debounce_ms;           /* default 50 */
        bool exec_guard;                /* default true */
        bool apt_hook_allow_on_error;   /* default true ("allow") */
        char *state_dir;                /* default /var/lib/vendorban */
        char *bans_dir;                 /* local bans, overrides, drop-ins; default /etc/vendorban/bans.d */
        char *vendor_bans_dir;          /* shipped bans; default /usr/share/vendorban/bans.d */
        char *dpkg_admin_dir;           /* default /var/lib/dpkg */
        char *auditor_group;            /* reads the ledger, changes nothing; default "vendorban" */
        int64_t quarantine_retention;   /* seconds a quarantined copy is kept; 0 = forever (default) */
        struct vb_origins origins;
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
        struct vb_strv files;           /* every file read (host paths), in load order */
        struct vb_strv disabled;        /* shipped bans disabled by an empty /etc file or a /dev/null link */
        struct vb_strv pending;         /* .dpkg-dist, .dpkg-new, .ucf-* files found beside the policy */
        bool last_known_good;           /* read back from the ledger, the files being broken */
};

/* Load config_path (a path inside root; NULL = VB_DEFAULT_CONFIG) and the
 * drop-ins of config_path.d/, then the bans, systemd's way:
 *   - every "NAME.conf" of vendor_bans_dir (shipped package data) and of
 *     bans_dir (local), in lexical order of NAME; a local NAME.conf
 *     replaces the shipped one, and an empty one (no settings) or a
 *     symlink to /dev/null disables it;
 *   - then the drop-ins NAME.conf.d/\*.conf of both directories (a local
 *     one replaces a shipped one of the same name), in lexical order,
 *     merged over the ban: single settings replace, lists are appended.
 * A missing config file means defaults; a missing bans directory is fine
 * as long as one of the two exists. On any error nothing is returned,
 * every error found is in diag (file:line), and the result is -EINVAL
 * (bad content) or another negative errno (I/O). */
int policy_load(const char *root, const char *config_path, struct vb_policy **ret, struct vb_diag *diag);

/* Check one file standing alone: a ban file if it has a top-level "ban"
 * setting, otherwise a main config; in a directory named *.conf.d, a
 * drop-in (nothing required). 0 or -EINVAL with diag filled. */
int policy_check_file(const char *host_path, struct vb_diag *diag);

/* The state directory the main config names (with its drop-ins), or
 * VB_DEFAULT_STATE_DIR when it cannot be read: where the ledger is when
 * the policy as a whole is broken. NULL only when out of memory. */
char *policy_state_dir(const char *root, const char *config_path);

/* policy-serialize.c: the policy as one libconfig text (the last-known-good
 * copy kept in the ledger) and back, through the same checks as the files.
 * The digest is kept: it is the digest of the files it was loaded from. */
int policy_serialize(const struct vb_policy *p, char **ret);
int policy_deserialize(const char *text, struct vb_policy **ret, struct vb_diag *diag);

/* The origin of the setting key of b (NULL = of the main config), for a
 * single setting (value NULL, the last one) or a list element. */
const struct vb_origin *policy_origin(const struct vb_origins *o, const char *key, const char *value);

void policy_free(struct vb_policy *p);
static inline void policy_freep(struct vb_policy **p) {
        policy_free(*p);
}

const char *verdict_to_string(enum vb_verdict v);      /* "allow" "flag" "block" */
const char *mode_to_string(enum vb_mode m);            /* "audit" "enforce" */
const char *applies_to_string(enum vb_applies a);      /* "new-installs" "existing" "all" */
const char *indicator_kind_to_string(enum vb_indicator_kind k); /* "package" "maintainer" "path" "unit" "sha256" "marker" */
