/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The decision: a pure function of (subject, policy, time) to a verdict and
 * every indicator that matched. No I/O, no allocation, no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define VB_MATCHES_MAX 16

/* A package as dpkg or rpm (or the APT/dnf hook) describes it. Borrowed strings. */
struct vb_package {
        const char *name;
        const char *arch;               /* may be NULL */
        const char *version;
        const char *maintainer;         /* may be NULL */
        const char *original_maintainer;/* may be NULL */
        const char *vendor;             /* may be NULL */
        const char *const *files;       /* absolute paths inside the root, from info/PKG.list */
        size_t n_files;
        int64_t installed_at;           /* seconds since the epoch; "now" for an install in progress */
        const char *packager;           /* rpm's Packager, may be NULL (matched as a maintainer) */
        const char *source;             /* the database it came from: "dpkg" or "rpm"; NULL = "dpkg" */
};

/* A loose file under a watched path. */
struct vb_file {
        const char *path;               /* absolute path inside the root */
        const char *sha256;             /* 64 lower-case hex digits, or NULL if not hashed */
        bool is_elf;
        uint64_t marker_hits;           /* bit i set: policy->markers[i] found in the file (i < 64) */
        int64_t first_seen;             /* seconds since the epoch (ctime of the file) */
        const uint64_t *marker_words;   /* NULL, or every marker (overrides marker_hits): bit i % 64
                                         * of word i / 64, VB_MARKERS_MAX / 64 words (filescan.h) */
};

struct vb_match {
        enum vb_indicator_kind kind;
        const char *pattern;            /* the policy's indicator (borrowed from the policy) */
        const char *value;              /* what it matched (borrowed from the subject) */
};

struct vb_decision {
        enum vb_verdict verdict;
        const struct vb_ban *ban;       /* the ban that matched, NULL if none */
        const struct vb_phase *phase;   /* the phase that set the verdict; NULL if none in force */
        bool exempt;                    /* matched, but an exemption allows it */
        size_t n_matches;               /* all matches; only the first VB_MATCHES_MAX are stored */
        struct vb_match matches[VB_MATCHES_MAX];
};

/* When several bans match, the one with the strongest verdict wins (then
 * the first in policy order). Exemptions are per ban. With p->index (made
 * by policy_load) the lookups are the compiled ones; without, every list
 * is walked: the same verdicts and matches, in the same order. */
void engine_evaluate_package(const struct vb_policy *p, const struct vb_package *pkg, int64_t now,
                             struct vb_decision *ret);
void engine_evaluate_file(const struct vb_policy *p, const struct vb_file *f, int64_t now,
                          struct vb_decision *ret);

/* "package:kesl, maintainer:*@kaspersky.com*" into buf (truncated to size). */
void decision_format_indicators(const struct vb_decision *d, char *buf, size_t size);
