/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec guard's hash cache (see guard-cache.h): a chained hash table on
 * (dev, ino) over an entry array that grows by doubling up to its bound,
 * then recycles entries with the clock algorithm (a reference bit per entry,
 * set on every hit). The sha256 is kept as 32 raw bytes. */
#include <errno.h>
#include <string.h>

#include "guard-cache.h"

#define NIL UINT32_MAX
#define INITIAL_CAP 256

struct entry {
        struct vb_file_key key;
        uint64_t marker_hits;
        unsigned char sha[32];
        uint32_t next;          /* next entry in the same bucket, or NIL */
        bool is_elf;
        bool ref;               /* used since the clock hand last passed */
};

struct vb_guard_cache {
        struct entry *e;
        size_t n, cap, max;
        uint32_t *bucket;       /* head entry of each chain, or NIL */
        size_t mask;            /* buckets - 1 (a power of two) */
        size_t hand;
};

static uint64_t mix(uint64_t x) {
        x ^= x >> 30;
        x *= UINT64_C(0xbf58476d1ce4e5b9);
        x ^= x >> 27;
        x *= UINT64_C(0x94d049bb133111eb);
        return x ^ (x >> 31);
}

static size_t bucket_of(const struct vb_guard_cache *c, const struct vb_file_key *k) {
        return (size_t) (mix(k->dev * UINT64_C(0x9e3779b97f4a7c15) ^ k->ino) & c->mask);
}

int guard_cache_new(size_t max_entries, struct vb_guard_cache **ret) {
        struct vb_guard_cache *c;
        size_t buckets = 1;

        if (max_entries == 0 || max_entries > (size_t) INT32_MAX)
                return -EINVAL;
        while (buckets < max_entries)
                buckets <<= 1;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->max = max_entries;
        c->mask = buckets - 1;
        c->bucket = malloc(buckets * sizeof *c->bucket);
        if (!c->bucket) {
                free(c);
                return -ENOMEM;
        }
        memset(c->bucket, 0xff, buckets * sizeof *c->bucket);
        *ret = c;
        return 0;
}

void guard_cache_free(struct vb_guard_cache *c) {
        if (!c)
                return;
        free(c->e);
        free(c->bucket);
        free(c);
}

void guard_cache_clear(struct vb_guard_cache *c) {
        memset(c->bucket, 0xff, (c->mask + 1) * sizeof *c->bucket);
        c->n = 0;
        c->hand = 0;
}

size_t guard_cache_size(const struct vb_guard_cache *c) {
        return c->n;
}

static uint32_t find(const struct vb_guard_cache *c, const struct vb_file_key *k) {
        for (uint32_t i = c->bucket[bucket_of(c, k)]; i != NIL; i = c->e[i].next)
                if (c->e[i].key.dev == k->dev && c->e[i].key.ino == k->ino)
                        return i;
        return NIL;
}

bool guard_cache_get(struct vb_guard_cache *c, const struct vb_file_key *key, struct vb_file_content *ret) {
        uint32_t i = find(c, key);

        if (i == NIL)
                return false;
        struct entry *e = &c->e[i];
        if (e->key.size != key->size || e->key.mtime_ns != key->mtime_ns || e->key.ctime_ns != key->ctime_ns)
                return false;
        e->ref = true;
        if (ret) {
                *ret = (struct vb_file_content) { .is_elf = e->is_elf, .marker_hits = e->marker_hits,
                                                  .size = e->key.size };
                hex_encode(e->sha, sizeof e->sha, ret->sha256);
        }
        return true;
}

static void unlink_entry(struct vb_guard_cache *c, uint32_t idx) {
        for (uint32_t *p = &c->bucket[bucket_of(c, &c->e[idx].key)]; *p != NIL; p = &c->e[*p].next)
                if (*p == idx) {
                        *p = c->e[idx].next;
                        return;
                }
}

void guard_cache_remove(struct vb_guard_cache *c, uint64_t dev, uint64_t ino) {
        struct vb_file_key k = { .dev = dev, .ino = ino };
        uint32_t i = find(c, &k);

        if (i == NIL)
                return;
        unlink_entry(c, i);
        /* The slot stays in the array, in no chain, until the clock hand
         * recycles it (unlink_entry() then finds nothing to unlink). */
        c->e[i].key.dev = c->e[i].key.ino = UINT64_MAX;
        c->e[i].ref = false;
}

/* A free slot: a new one while below the bound, else the first entry the
 * clock hand finds unreferenced (clearing reference bits on its way). */
static int take_slot(struct vb_guard_cache *c, uint32_t *ret) {
        if (c->n < c->cap) {
                *ret = (uint32_t) c->n++;
                return 0;
        }
        if (c->cap < c->max) {
                size_t cap = c->cap ? c->cap * 2 : INITIAL_CAP;
                if (cap > c->max)
                        cap = c->max;
                struct entry *e = realloc(c->e, cap * sizeof *e);
                if (!e)
                        return -ENOMEM;
                c->e = e;
                c->cap = cap;
                *ret = (uint32_t) c->n++;
                return 0;
        }
        for (;;) {
                if (c->hand >= c->n)
                        c->hand = 0;
                struct entry *e = &c->e[c->hand];
                if (!e->ref)
                        break;
                e->ref = false;
                c->hand++;
        }
        *ret = (uint32_t) c->hand++;
        unlink_entry(c, *ret);
        return 0;
}

static int unhex(const char *s, unsigned char out[static 32]) {
        for (size_t i = 0; i < 32; i++) {
                unsigned v = 0;
                for (size_t j = 0; j < 2; j++) {
                        char ch = s[2 * i + j];
                        v <<= 4;
                        if (ch >= '0' && ch <= '9')
                                v |= (unsigned) (ch - '0');
                        else if (ch >= 'a' && ch <= 'f')
                                v |= (unsigned) (ch - 'a' + 10);
                        else if (ch >= 'A' && ch <= 'F')
                                v |= (unsigned) (ch - 'A' + 10);
                        else
                                return -EINVAL;
                }
                out[i] = (unsigned char) v;
        }
        return s[64] == '\0' ? 0 : -EINVAL;
}

int guard_cache_put(struct vb_guard_cache *c, const struct vb_file_key *key, const struct vb_file_content *content) {
        unsigned char sha[32];
        uint32_t i;
        int r;

        for (size_t w = 1; w < VB_MARKER_WORDS; w++)
                if (content->marker_words[w])
                        return 0;       /* markers past the 64th found: not cached (a banned file) */
        r = unhex(content->sha256, sha);
        if (r < 0)
                return r;
        i = find(c, key);
        if (i == NIL) {
                r = take_slot(c, &i);
                if (r < 0)
                        return r;
                size_t b = bucket_of(c, key);
                c->e[i].next = c->bucket[b];
                c->bucket[b] = i;
        }
        struct entry *e = &c->e[i];
        e->key = *key;
        e->marker_hits = content->marker_hits;
        e->is_elf = content->is_elf;
        e->ref = false;         /* a new entry earns its bit on its first hit */
        memcpy(e->sha, sha, sizeof sha);
        return 0;
}
