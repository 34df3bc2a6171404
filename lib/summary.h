/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compliance summary entry, pure: its fields (every one a name without
 * digits, for the catalog), the per-ban counts line, and the canonical
 * text that the host key signs and the fleet report verifies. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The MESSAGE_ID of the summary entry (also in journal.h's list). */
#define VB_MID_SUMMARY "cc19fbb22306461f8336d16b8e912f45"
#define VB_SUMMARY_MAGIC "vendorban-summary-1"

/* The signed fields, in canonical order; VENDORBAN_SIGNATURE signs them. */
enum {
        VB_SF_MACHINE,          /* machine-id of the host (the journal's _MACHINE_ID must match) */
        VB_SF_HOST,             /* hostname */
        VB_SF_TIME,             /* when the summary was made, usec since the epoch */
        VB_SF_REASON,           /* start, scan, reload, timer */
        VB_SF_COMPLIANT,        /* yes / no: no blocked finding present */
        VB_SF_BLOCKED,          /* total over the bans */
        VB_SF_FLAGGED,
        VB_SF_BANS,             /* "ID blocked=N flagged=N version=V; ..." */
        VB_SF_POLICY_DIGEST,
        VB_SF_MODE,
        VB_SF_RELEASE,          /* vendorban's version */
        VB_SF_LAST_SCAN,        /* usec of the last complete scan, 0 if none */
        VB_SF_PUBKEY,           /* the host's Ed25519 public key, hex */
        _VB_SF_MAX,
};
extern const char *const summary_field_names[_VB_SF_MAX];
#define VB_SUMMARY_SIGNATURE_FIELD "VENDORBAN_SIGNATURE"

struct vb_summary_ban {
        char id[64];
        char version[24];       /* the ban file's short sha256 */
        uint64_t blocked;
        uint64_t flagged;
};

struct vb_summary {
        char machine[33];
        char host[256];
        int64_t time_usec;
        const char *reason;
        char policy_digest[65];
        const char *mode;
        const char *release;
        int64_t last_scan_usec;
        struct vb_summary_ban *bans;    /* owned */
        size_t n_bans;
};

void summary_clear(struct vb_summary *s);
/* Append a ban (counts 0); returns it or NULL when out of memory. */
struct vb_summary_ban *summary_add_ban(struct vb_summary *s, const char *id, const char *version);
struct vb_summary_ban *summary_find_ban(struct vb_summary *s, const char *id);
void summary_totals(const struct vb_summary *s, uint64_t *ret_blocked, uint64_t *ret_flagged);

/* The values of the signed fields, in order (values[i] for
 * summary_field_names[i]); pubkey_hex is VB_SF_PUBKEY. The strings are
 * owned by *ret (strv). */
int summary_values(const struct vb_summary *s, const char *pubkey_hex, struct vb_strv *ret);

/* The canonical text: magic line, then "NAME=value\n" for each signed
 * field in order. values[i] may not be NULL nor contain '\n' (-EINVAL). */
int summary_canonical(const char *const values[static _VB_SF_MAX], char **ret, size_t *ret_len);

/* "kaspersky blocked=1 flagged=0 version=abc; fcc blocked=0 ..." <-> bans.
 * Parsing is strict: -EINVAL on anything else. */
int summary_bans_format(const struct vb_summary *s, char **ret);
int summary_bans_parse(const char *text, struct vb_summary_ban **ret, size_t *ret_n);
