/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One read of a file gives its sha256 (libcrypto), whether it is ELF, and
 * which of the policy's markers it contains (searched in ELF files only, all
 * markers in one pass: match-markers.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "match-markers.h"
#include "policy.h"

#define VB_FILESCAN_BUFSIZE (256 * 1024)
#define VB_MARKER_WORDS (VB_MARKERS_MAX / 64)

struct vb_file_content {
        char sha256[65];
        bool is_elf;
        union {                         /* the markers found (ELF files only): */
                uint64_t marker_hits;   /*   markers[0..63], bit i for markers[i] */
                uint64_t marker_words[VB_MARKER_WORDS]; /* all: bit i % 64 of word i / 64 */
        };
        uint64_t size;                  /* bytes read */
};

/* A reusable scanner: owns its read buffer and digest context so a scan of
 * many files allocates nothing per file. Not thread-safe; one per thread. */
struct vb_filescan;

/* Markers are copied; at most VB_MARKERS_MAX, none empty (else -EINVAL). */
int filescan_new(const char *const *markers, size_t n_markers, struct vb_filescan **ret);
/* The same with an automaton already built (NULL: no markers), of which
 * the scanner keeps a reference: threads scanning with the same markers
 * share one. */
int filescan_new_shared(const struct vb_marker_automaton *markers, struct vb_filescan **ret);
/* With the policy's markers: its compiled automaton when it has one. */
int filescan_new_for_policy(const struct vb_policy *p, struct vb_filescan **ret);
void filescan_free(struct vb_filescan *s);

/* Read fd from its current offset to EOF (EINTR retried). Negative errno
 * on read error (-EISDIR for a directory); *ret is set only on success. */
int filescan_fd(struct vb_filescan *s, int fd, struct vb_file_content *ret);

/* Convenience: the same for a buffer already in memory. */
int filescan_buffer(struct vb_filescan *s, const void *buf, size_t len, struct vb_file_content *ret);
