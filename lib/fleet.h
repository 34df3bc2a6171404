/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report's logic, pure: summary entries in (as read from a
 * collector's journal), one row per machine-id out. Deduplicates, checks
 * signatures and key trust, flags clones, stale hosts and old policies,
 * and saves/loads its state so a later run can resume from a cursor. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "summary.h"
#include "util.h"

enum vb_fleet_sig { VB_FLEET_SIG_VERIFIED, VB_FLEET_SIG_UNVERIFIED, VB_FLEET_SIG_CHANGED };

/* One summary entry as the journal has it; strings are borrowed. */
struct vb_fleet_entry {
        const char *machine_id;         /* _MACHINE_ID */
        const char *hostname;           /* _HOSTNAME */
        const char *boot_id;            /* _BOOT_ID */
        uint64_t realtime;              /* __REALTIME_TIMESTAMP */
        uint64_t monotonic;             /* __MONOTONIC_TIMESTAMP */
        const char *values[_VB_SF_MAX]; /* the signed fields; NULL if absent */
        const char *signature;          /* VENDORBAN_SIGNATURE; NULL if absent */
};

struct vb_fleet_host {
        char machine_id[33];
        struct vb_strv hostnames;       /* every _HOSTNAME seen, in order of appearance */
        char key[65];                   /* trusted public key (enrolled or first seen); "" if none */
        bool enrolled;                  /* key from the enrolled-keys directory */
        bool seen_unverified;           /* an entry without a valid signature by the trusted key */
        bool seen_changed;              /* a validly signed entry by another key (trust on first use) */
        uint64_t summaries;             /* distinct summary entries */
        /* The newest trusted summary (or, while none is trusted, the newest of any). */
        bool have, have_trusted;
        int64_t time_usec;
        int64_t last_scan_usec;
        char compliant[8];              /* "yes" "no" "unknown" */
        uint64_t blocked, flagged;
        char digest[65];
        char mode[16];
        char release[32];
        char *bans;                     /* VENDORBAN_BANS */
        /* Set by fleet_finish(). */
        enum vb_fleet_sig sig;
        bool stale, cloned, old_policy;
};

struct vb_fleet_digest {
        char digest[65];
        int64_t first_seen_usec;        /* earliest trusted summary carrying it */
};

struct vb_fleet {
        struct vb_fleet_host *hosts;
        size_t n_hosts, allocated;
        size_t *index;                  /* open addressing on machine_id: host index + 1, 0 empty */
        size_t index_size;
        unsigned char *seen;            /* dedup keys, 16 bytes each, all-zero = empty */
        size_t seen_size, n_seen;
        struct vb_fleet_digest *digests;
        size_t n_digests;
        uint64_t summaries, duplicates;
        const char *newest_digest;      /* set by fleet_finish(); NULL if none */
        struct evp_md_ctx_st *md;       /* for the dedup keys, reused */
        struct evp_md_st *sha256;
};

void fleet_free(struct vb_fleet *f);

/* Enroll machine_id's public key (64 hex digits): its entries verify only
 * with that key; the host gets a row even if it never reported. */
int fleet_enroll(struct vb_fleet *f, const char *machine_id, const char *pubkey_hex);

/* Take one entry; duplicates (same realtime, monotonic, boot id and
 * content) are counted once. Returns 1 if taken, 0 if a duplicate. */
int fleet_add(struct vb_fleet *f, const struct vb_fleet_entry *e);
/* The two halves of fleet_add(), for callers that check signatures on
 * several threads: fleet_entry_valid() is pure and thread-safe (every
 * field present, no newline, VENDORBAN_MACHINE equal to _MACHINE_ID, the
 * signature good for VENDORBAN_PUBKEY); fleet_add_checked() takes its
 * answer. Which key is trusted is decided in fleet_add_checked(). */
bool fleet_entry_valid(const struct vb_fleet_entry *e);
int fleet_add_checked(struct vb_fleet *f, const struct vb_fleet_entry *e, bool valid);

/* Settle the flags: stale (no trusted summary newer than now - stale_after),
 * clones, old policies, signature state; sort the rows by hostname. */
void fleet_finish(struct vb_fleet *f, int64_t now_usec, int64_t stale_after_usec);

const char *fleet_sig_to_string(enum vb_fleet_sig s); /* "verified" "unverified" "changed" */

/* The state (hosts, digests, counts) and the journal cursor after the last
 * entry read, as text. fleet_load fills an empty fleet; -EBADMSG names no
 * line, the caller names the file. *ret_cursor may be NULL. */
int fleet_save(const struct vb_fleet *f, const char *cursor, FILE *out);
int fleet_load(struct vb_fleet *f, FILE *in, char **ret_cursor, unsigned *ret_line);

/* For fleet_load(): a dedup key (16 bytes) already seen; 1 new, 0 known. */
int fleet_seen_add(struct vb_fleet *f, const unsigned char key[16]);

/* "90", "90s", "30m", "26h", "7d" -> usec; -EINVAL otherwise. */
int fleet_parse_duration(const char *s, int64_t *ret_usec);
/* "2026-11-25", "2026-11-25T18:00:00[Z]", "2026-11-25 18:00:00", "@SECONDS" (UTC) -> usec. */
int fleet_parse_time(const char *s, int64_t *ret_usec);
