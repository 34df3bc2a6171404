/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's hash cache: what a file's content is (sha256, ELF or not,
 * marker hits), keyed by device, inode, size, mtime and ctime, so each file
 * version is read at most once. Bounded (clock eviction), in memory, not
 * thread-safe: one owner at a time. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "filescan.h"
#include "store.h"

#define VB_GUARD_CACHE_MAX 65536

struct vb_guard_cache;

/* max_entries: the bound (1..2^31); memory grows on demand up to it. */
int guard_cache_new(size_t max_entries, struct vb_guard_cache **ret);
void guard_cache_free(struct vb_guard_cache *c);

/* true and *ret filled (size included) if the cache holds this exact file
 * version; false on a miss or a stale entry (same dev/ino, anything else
 * changed). */
bool guard_cache_get(struct vb_guard_cache *c, const struct vb_file_key *key, struct vb_file_content *ret);
/* Insert or refresh; evicts a cold entry when full. c->sha256 must be 64
 * hex digits (else -EINVAL); -ENOMEM if it cannot grow (nothing cached). */
int guard_cache_put(struct vb_guard_cache *c, const struct vb_file_key *key, const struct vb_file_content *content);
void guard_cache_clear(struct vb_guard_cache *c);
/* Forget the file (dev, ino), whatever version of it is cached. */
void guard_cache_remove(struct vb_guard_cache *c, uint64_t dev, uint64_t ino);
size_t guard_cache_size(const struct vb_guard_cache *c);
