/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Patterns grouped by literal prefix (see match-index.h). A pattern's
 * literal prefix is what comes before its first '*', '?', '[' or '\\': a
 * subject can only match if it starts with exactly those bytes (ASCII case
 * folded with casefold). Groups live in an open-addressed hash table keyed by
 * the prefix; a lookup hashes the subject once, incrementally, and probes the
 * table at each prefix length that occurs in the list, then confirms every
 * candidate with the glob matcher itself, so the verdicts are the glob's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "glob.h"
#include "match-index.h"

#define EMPTY UINT32_MAX

struct group {
        const char *prefix;     /* the first pattern's bytes; len of them are the key */
        uint32_t len;
        uint32_t first, n;      /* its patterns: idx[first .. first + n), ascending */
        uint64_t hash;
};

struct vb_match_index {
        const struct vb_strv *list;
        enum vb_match_mode mode;
        bool casefold;
        uint32_t *idx;          /* pattern indices grouped by prefix */
        struct group *groups;
        size_t n_groups;
        uint32_t *table;        /* group numbers, EMPTY for a free slot */
        size_t mask;            /* slots - 1 */
        uint32_t *lens;         /* the distinct prefix lengths, ascending */
        size_t n_lens;
};

static unsigned char fold(unsigned char c, bool casefold) {
        return casefold && c >= 'A' && c <= 'Z' ? (unsigned char) (c - 'A' + 'a') : c;
}

/* FNV-1a, one byte at a time so that a subject's prefixes hash as it goes. */
#define HASH_INIT UINT64_C(0xcbf29ce484222325)
static uint64_t hash_step(uint64_t h, unsigned char c) {
        return (h ^ c) * UINT64_C(0x100000001b3);
}

static uint64_t hash_final(uint64_t h, size_t len) {
        h ^= len;
        h ^= h >> 29;
        return h * UINT64_C(0xbf58476d1ce4e5b9);
}

static size_t prefix_len(const char *pattern, enum vb_match_mode mode) {
        return mode == VB_MATCH_EQUAL ? strlen(pattern) : strcspn(pattern, "*?[\\");
}

static bool bytes_eq(const char *a, const char *b, size_t n, bool casefold) {
        return casefold ? strncasecmp(a, b, n) == 0 : memcmp(a, b, n) == 0;
}

void match_index_free(struct vb_match_index *m) {
        if (!m)
                return;
        free(m->idx);
        free(m->groups);
        free(m->table);
        free(m->lens);
        free(m);
}

static void match_index_freep(struct vb_match_index **m) {
        match_index_free(*m);
}

struct sort_item {
        const char *pattern;
        uint32_t len;
        uint32_t index;
        uint64_t hash;
};

static int sort_cmp(const void *a, const void *b, void *casefold) {
        const struct sort_item *x = a, *y = b;
        int c;

        if (x->len != y->len)
                return x->len < y->len ? -1 : 1;
        if (x->hash != y->hash)
                return x->hash < y->hash ? -1 : 1;
        c = *(bool *) casefold ? strncasecmp(x->pattern, y->pattern, x->len) : memcmp(x->pattern, y->pattern, x->len);
        if (c != 0)
                return c;
        return x->index < y->index ? -1 : x->index > y->index;
}

static uint64_t key_hash(const char *s, size_t len, bool casefold) {
        uint64_t h = HASH_INIT;

        for (size_t i = 0; i < len; i++)
                h = hash_step(h, fold((unsigned char) s[i], casefold));
        return hash_final(h, len);
}

/* Sorted items into groups, the table and the list of lengths. */
static int index_fill(struct vb_match_index *m, const struct sort_item *items, size_t n) {
        size_t slots = 4;

        for (size_t i = 0; i < n; i++) {
                m->idx[i] = items[i].index;
                if (i > 0 && items[i].len == items[i - 1].len && items[i].hash == items[i - 1].hash &&
                    bytes_eq(items[i].pattern, items[i - 1].pattern, items[i].len, m->casefold)) {
                        m->groups[m->n_groups - 1].n++;
                        continue;
                }
                m->groups[m->n_groups++] = (struct group) {
                        .prefix = items[i].pattern, .len = items[i].len, .first = (uint32_t) i, .n = 1,
                        .hash = items[i].hash,
                };
                if (m->n_lens == 0 || m->lens[m->n_lens - 1] != items[i].len)
                        m->lens[m->n_lens++] = items[i].len;
        }
        while (slots < 2 * m->n_groups)
                slots <<= 1;
        m->table = malloc(slots * sizeof *m->table);
        if (!m->table)
                return -ENOMEM;
        memset(m->table, 0xff, slots * sizeof *m->table);
        m->mask = slots - 1;
        for (size_t g = 0; g < m->n_groups; g++) {
                size_t s = m->groups[g].hash & m->mask;

                while (m->table[s] != EMPTY)
                        s = (s + 1) & m->mask;
                m->table[s] = (uint32_t) g;
        }
        return 0;
}

int match_index_new(const struct vb_strv *list, enum vb_match_mode mode, bool casefold,
                    struct vb_match_index **ret) {
        _cleanup_(match_index_freep) struct vb_match_index *m = NULL;
        _cleanup_free_ struct sort_item *items = NULL;
        size_t n = list ? list->n : 0;
        int r;

        if (n >= UINT32_MAX)
                return -E2BIG;
        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        *m = (struct vb_match_index) { .list = list, .mode = mode, .casefold = casefold };
        items = calloc(n ? n : 1, sizeof *items);
        m->idx = calloc(n ? n : 1, sizeof *m->idx);
        m->groups = calloc(n ? n : 1, sizeof *m->groups);
        m->lens = calloc(n ? n : 1, sizeof *m->lens);
        if (!items || !m->idx || !m->groups || !m->lens)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const char *p = list->v[i] ? list->v[i] : "";
                size_t len = prefix_len(p, mode);

                if (len >= UINT32_MAX)
                        return -E2BIG;
                items[i] = (struct sort_item) {
                        .pattern = p, .len = (uint32_t) len, .index = (uint32_t) i,
                        .hash = key_hash(p, len, casefold),
                };
        }
        qsort_r(items, n, sizeof *items, sort_cmp, &casefold);
        r = index_fill(m, items, n);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static bool confirm(const struct vb_match_index *m, const char *pattern, const char *subject) {
        switch (m->mode) {
        case VB_MATCH_EQUAL:
                return true;    /* the whole pattern was the key */
        case VB_MATCH_NAME:
                return glob_match_name(pattern, subject, m->casefold);
        case VB_MATCH_PATH:
                return glob_match_path(pattern, subject);
        }
        return false;
}

static const struct group *group_find(const struct vb_match_index *m, const char *subject, size_t len,
                                      uint64_t hash) {
        for (size_t s = hash & m->mask; m->table[s] != EMPTY; s = (s + 1) & m->mask) {
                const struct group *g = &m->groups[m->table[s]];

                if (g->hash == hash && g->len == len && bytes_eq(g->prefix, subject, len, m->casefold))
                        return g;
        }
        return NULL;
}

/* Call found(i) for every matching pattern i (ascending within a group);
 * stop early when it returns false. */
static void index_walk(const struct vb_match_index *m, const char *subject,
                       bool (*found)(void *userdata, uint32_t i), void *userdata) {
        uint64_t h = HASH_INIT;
        size_t at = 0, slen;

        if (!m || !subject || m->n_groups == 0)
                return;
        slen = strlen(subject);
        for (size_t l = 0; l < m->n_lens; l++) {
                size_t len = m->lens[l];
                const struct group *g;

                if (len > slen || (m->mode == VB_MATCH_EQUAL && len != slen))
                        continue;
                for (; at < len; at++)
                        h = hash_step(h, fold((unsigned char) subject[at], m->casefold));
                g = group_find(m, subject, len, hash_final(h, len));
                if (!g)
                        continue;
                for (uint32_t k = 0; k < g->n; k++) {
                        uint32_t i = m->idx[g->first + k];

                        if (confirm(m, m->list->v[i], subject) && !found(userdata, i))
                                return;
                }
        }
}

struct collect {
        uint32_t *v;
        size_t n, max;
};

static bool collect_one(void *userdata, uint32_t i) {
        struct collect *c = userdata;

        if (c->n < c->max)
                c->v[c->n] = i;
        c->n++;
        return true;
}

static bool stop_at_first(void *userdata, uint32_t i) {
        (void) i;
        *(bool *) userdata = true;
        return false;
}

size_t match_index_find(const struct vb_match_index *m, const char *subject, uint32_t *ret, size_t max) {
        struct collect c = { .v = ret, .max = max };

        index_walk(m, subject, collect_one, &c);
        if (c.n > max)
                return c.n;
        /* Groups come out by prefix length: insertion sort (a handful at most). */
        for (size_t i = 1; i < c.n; i++) {
                uint32_t x = ret[i];
                size_t j = i;

                for (; j > 0 && ret[j - 1] > x; j--)
                        ret[j] = ret[j - 1];
                ret[j] = x;
        }
        return c.n;
}

bool match_index_any(const struct vb_match_index *m, const char *subject) {
        bool any = false;

        index_walk(m, subject, stop_at_first, &any);
        return any;
}
