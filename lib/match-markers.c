/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The markers' Aho-Corasick automaton (see match-markers.h). Bytes are
 * mapped to classes (every byte no marker holds is class 0), states are
 * numbered in breadth-first order, and the shallow states (all of them for
 * a few hundred markers) get a full transition row, so the common step is
 * one table load; deeper states beyond the memory budget keep their sparse
 * children and walk failure links. A transition's top bit says that the
 * state it leads to ends a marker. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "match-markers.h"
#include "util.h"

#define FLAG UINT32_C(0x80000000)
#define NONE UINT32_MAX
#define DENSE_BUDGET (1u << 20)        /* transition entries in full rows (4 MiB) */
#define STATES_MAX (1u << 24)
#define QGRAM_SHIFT 18
#define QGRAM_BITS (1u << QGRAM_SHIFT)  /* the start filter: 32 KiB */

struct vb_marker_automaton {
        unsigned refs;          /* atomic */
        uint16_t cls[256];
        uint32_t n_cls, n_states, n_dense;
        uint32_t *dense;        /* n_dense rows of n_cls: next state (its row offset when
                                 * n_dense == n_states) | FLAG */
        uint32_t *fail;         /* per state */
        uint32_t *kid_at;       /* children of state s: [kid_at[s], kid_at[s + 1]) of these, by class */
        uint16_t *kid_cls;
        uint32_t *kid_to;
        int32_t *term;          /* first marker ending exactly at the state, or -1 */
        int32_t *dict;          /* nearest state on the failure chain with term >= 0, or -1 */
        int32_t *same_next;     /* per marker: the next marker with the same bytes, or -1 */
        bool *has_out;          /* term >= 0 or dict >= 0 */
        unsigned q;             /* the filter's width: the shortest marker, at most 4 bytes */
        unsigned stride;        /* 1, or (q = 4) the sampled filter's step: shortest marker - 3, at most 4 */
        uint8_t sampled[QGRAM_BITS / 8]; /* 4-grams at offsets 0..stride-1 of every marker */
        uint32_t depth_end[4];  /* states of depth d (1 <= d < q): ids up to depth_end[d] */
        uint8_t start[QGRAM_BITS / 8]; /* bit qgram_hash(): some marker may start with these q bytes */
};

static void start_filter_build(struct vb_marker_automaton *a, const char *const *markers, size_t n);

static void marker_automaton_free(struct vb_marker_automaton *a) {
        if (!a)
                return;
        free(a->dense);
        free(a->fail);
        free(a->kid_at);
        free(a->kid_cls);
        free(a->kid_to);
        free(a->term);
        free(a->dict);
        free(a->same_next);
        free(a->has_out);
        free(a);
}

static void marker_automaton_freep(struct vb_marker_automaton **a) {
        marker_automaton_free(*a);
}

struct vb_marker_automaton *marker_automaton_ref(const struct vb_marker_automaton *a) {
        struct vb_marker_automaton *m = (struct vb_marker_automaton *) a;

        if (m)
                __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
        return m;
}

void marker_automaton_unref(const struct vb_marker_automaton *a) {
        struct vb_marker_automaton *m = (struct vb_marker_automaton *) a;

        if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
                marker_automaton_free(m);
}

/* The trie as first built: children in sibling lists. */
struct trie {
        uint32_t *first, *next, *cls, *to_new;
        int32_t *term;
        uint32_t n;
};

static void trie_clear(struct trie *t) {
        free(t->first);
        free(t->next);
        free(t->cls);
        free(t->to_new);
        free(t->term);
}

static uint32_t trie_child(const struct trie *t, uint32_t s, uint32_t c) {
        for (uint32_t k = t->first[s]; k != NONE; k = t->next[k])
                if (t->cls[k] == c)
                        return k;
        return NONE;
}

static int trie_build(struct vb_marker_automaton *a, const char *const *markers, size_t n, struct trie *t) {
        size_t cap = 1;

        for (size_t i = 0; i < n; i++)
                cap += strlen(markers[i]);
        if (cap > STATES_MAX)
                return -E2BIG;
        t->first = malloc(cap * sizeof *t->first);
        t->next = malloc(cap * sizeof *t->next);
        t->cls = malloc(cap * sizeof *t->cls);
        t->to_new = malloc(cap * sizeof *t->to_new);
        t->term = malloc(cap * sizeof *t->term);
        a->same_next = malloc((n ? n : 1) * sizeof *a->same_next);
        if (!t->first || !t->next || !t->cls || !t->to_new || !t->term || !a->same_next)
                return -ENOMEM;
        t->n = 1;
        t->first[0] = t->next[0] = NONE;
        t->term[0] = -1;
        for (size_t i = 0; i < n; i++) {
                uint32_t s = 0;

                for (const unsigned char *p = (const unsigned char *) markers[i]; *p; p++) {
                        uint32_t c = a->cls[*p], k = trie_child(t, s, c);

                        if (k == NONE) {
                                k = t->n++;
                                t->first[k] = NONE;
                                t->next[k] = t->first[s];
                                t->first[s] = k;
                                t->cls[k] = c;
                                t->term[k] = -1;
                        }
                        s = k;
                }
                /* Same bytes as an earlier marker: chain it behind that one. */
                a->same_next[i] = t->term[s];
                t->term[s] = (int32_t) i;
        }
        return 0;
}

/* Number the states breadth-first and keep their children sorted by class. */
static int states_order(struct vb_marker_automaton *a, struct trie *t) {
        _cleanup_free_ uint32_t *queue = malloc(t->n * sizeof *queue);
        uint32_t head = 0, tail = 1, edges = 0;

        a->n_states = t->n;
        a->kid_cls = malloc(t->n * sizeof *a->kid_cls);
        a->kid_to = malloc(t->n * sizeof *a->kid_to);
        a->kid_at = malloc((t->n + 1) * sizeof *a->kid_at);
        a->term = malloc(t->n * sizeof *a->term);
        if (!queue || !a->kid_cls || !a->kid_to || !a->kid_at || !a->term)
                return -ENOMEM;
        queue[0] = 0;
        while (head < tail) {
                uint32_t s = queue[head], first = tail;

                t->to_new[s] = head++;
                /* Children by class: insertion sort of the sibling list. */
                for (uint32_t k = t->first[s]; k != NONE; k = t->next[k]) {
                        uint32_t j = tail++;

                        for (; j > first && t->cls[queue[j - 1]] > t->cls[k]; j--)
                                queue[j] = queue[j - 1];
                        queue[j] = k;
                }
        }
        for (uint32_t i = 0; i < t->n; i++) {
                uint32_t s = queue[i];

                a->kid_at[i] = edges;
                a->term[i] = t->term[s];
                for (uint32_t k = t->first[s]; k != NONE; k = t->next[k])
                        edges++;
        }
        a->kid_at[t->n] = edges;
        /* A state's children are consecutive in the queue, in class order. */
        for (uint32_t i = 1; i < t->n; i++) {
                a->kid_cls[i - 1] = (uint16_t) t->cls[queue[i]];
                a->kid_to[i - 1] = i;
        }
        return 0;
}

static uint32_t kid(const struct vb_marker_automaton *a, uint32_t s, uint32_t c) {
        uint32_t lo = a->kid_at[s], hi = a->kid_at[s + 1];

        while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2, mc = a->kid_cls[mid];

                if (mc == c)
                        return a->kid_to[mid];
                if (mc < c)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NONE;
}

/* The full transition of state s on class c, without the flag. */
static uint32_t step_slow(const struct vb_marker_automaton *a, uint32_t s, uint32_t c) {
        for (;;) {
                uint32_t k;

                if (s < a->n_dense)
                        return a->dense[(size_t) s * a->n_cls + c] & ~FLAG;
                k = kid(a, s, c);
                if (k != NONE)
                        return k;
                s = a->fail[s];
        }
}

/* Failure links, outputs and the full rows, state by state in order. */
static int links_build(struct vb_marker_automaton *a) {
        a->fail = calloc(a->n_states, sizeof *a->fail);
        a->dict = malloc(a->n_states * sizeof *a->dict);
        a->has_out = calloc(a->n_states, sizeof *a->has_out);
        a->n_dense = a->n_states;
        if ((size_t) a->n_states * a->n_cls > DENSE_BUDGET)
                a->n_dense = DENSE_BUDGET / a->n_cls;
        a->dense = malloc((size_t) a->n_dense * a->n_cls * sizeof *a->dense);
        if (!a->fail || !a->dict || !a->has_out || !a->dense)
                return -ENOMEM;
        a->dict[0] = -1;
        a->has_out[0] = a->term[0] >= 0;
        for (uint32_t s = 0; s < a->n_states; s++) {
                if (s < a->n_dense)
                        for (uint32_t c = 0; c < a->n_cls; c++) {
                                uint32_t k = kid(a, s, c);
                                a->dense[(size_t) s * a->n_cls + c] =
                                        k != NONE ? k : s == 0 ? 0 : a->dense[(size_t) a->fail[s] * a->n_cls + c] & ~FLAG;
                        }
                for (uint32_t e = a->kid_at[s]; e < a->kid_at[s + 1]; e++) {
                        uint32_t k = a->kid_to[e], f = s == 0 ? 0 : step_slow(a, a->fail[s], a->kid_cls[e]);

                        a->fail[k] = f;
                        a->dict[k] = a->term[f] >= 0 ? (int32_t) f : a->dict[f];
                        a->has_out[k] = a->term[k] >= 0 || a->dict[k] >= 0;
                }
        }
        /* With every row full, a transition holds the next state's row
         * offset rather than its number (see feed_dense). */
        for (size_t i = 0; i < (size_t) a->n_dense * a->n_cls; i++) {
                uint32_t next = a->dense[i];

                if (a->n_dense == a->n_states)
                        a->dense[i] = next * a->n_cls;
                if (a->has_out[next])
                        a->dense[i] |= FLAG;
        }
        return 0;
}

int marker_automaton_new(const char *const *markers, size_t n, struct vb_marker_automaton **ret) {
        _cleanup_(marker_automaton_freep) struct vb_marker_automaton *a = NULL;
        _cleanup_(trie_clear) struct trie t = {};
        int r;

        if (n > 0 && !markers)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!markers[i] || markers[i][0] == '\0')
                        return -EINVAL;
        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        a->refs = 1;
        a->n_cls = 1;
        for (size_t i = 0; i < n; i++)
                for (const unsigned char *p = (const unsigned char *) markers[i]; *p; p++)
                        if (a->cls[*p] == 0)
                                a->cls[*p] = (uint16_t) a->n_cls++;
        r = trie_build(a, markers, n, &t);
        if (r < 0)
                return r;
        r = states_order(a, &t);
        if (r < 0)
                return r;
        r = links_build(a);
        if (r < 0)
                return r;
        start_filter_build(a, markers, n);
        *ret = TAKE_PTR(a);
        return 0;
}

static void report(const struct vb_marker_automaton *a, uint32_t s, uint64_t *words) {
        for (int32_t t = a->term[s] >= 0 ? (int32_t) s : a->dict[s]; t >= 0; t = a->dict[t])
                for (int32_t m = a->term[t]; m >= 0; m = a->same_next[m])
                        words[m / 64] |= UINT64_C(1) << (m % 64);
}

/* The first q bytes at p as a number (q <= 4). */
static uint32_t qgram(const unsigned char *p, unsigned q) {
        uint32_t v = 0;

        if (q == 4) {
                memcpy(&v, p, 4);
                return v;
        }
        for (unsigned k = 0; k < q; k++)
                v |= (uint32_t) p[k] << (8 * k);
        return v;
}

static uint32_t qgram_hash(uint32_t v) {
        return (v * UINT32_C(0x9e3779b1)) >> (32 - QGRAM_SHIFT);
}

static unsigned may_start(const struct vb_marker_automaton *a, const unsigned char *p) {
        uint32_t h = qgram_hash(qgram(p, a->q));

        return (a->start[h / 8] >> (h % 8)) & 1;
}

static void start_filter_build(struct vb_marker_automaton *a, const char *const *markers, size_t n) {
        a->q = 4;
        for (size_t i = 0; i < n; i++)
                if (strlen(markers[i]) < a->q)
                        a->q = (unsigned) strlen(markers[i]);
        a->stride = 1;
        if (a->q == 4) {
                size_t shortest = SIZE_MAX;
                for (size_t i = 0; i < n; i++)
                        if (strlen(markers[i]) < shortest)
                                shortest = strlen(markers[i]);
                a->stride = shortest - 3 < 4 ? (unsigned) (shortest - 3) : 4;
        }
        for (size_t i = 0; i < n; i++) {
                uint32_t h = qgram_hash(qgram((const unsigned char *) markers[i], a->q));
                a->start[h / 8] |= (uint8_t) (1u << (h % 8));
                for (unsigned o = 0; a->q == 4 && o < a->stride; o++) {
                        h = qgram_hash(qgram((const unsigned char *) markers[i] + o, 4));
                        a->sampled[h / 8] |= (uint8_t) (1u << (h % 8));
                }
        }
        /* Breadth-first numbering: depth d ends where depth d + 1 begins. */
        a->depth_end[0] = 0;
        for (unsigned d = 1; d < 4; d++)
                a->depth_end[d] = a->depth_end[d - 1] < a->n_states - 1 ? a->kid_at[a->depth_end[d - 1] + 1]
                                                                        : a->depth_end[d - 1];
}

static unsigned sampled_hit(const struct vb_marker_automaton *a, const unsigned char *p) {
        uint32_t h = qgram_hash(qgram(p, 4));

        return (a->sampled[h / 8] >> (h % 8)) & 1;
}

/* The first position from i where a marker may start, or where fewer than
 * q bytes are left. With a stride S, only every S-th 4-gram is looked at:
 * a marker starting at one of the S positions up to j has one of its first
 * S 4-grams at j, so a miss there rules out all S; a hit is checked
 * position by position. Eight probes at a time, without a branch. */
static size_t skip(const struct vb_marker_automaton *a, const unsigned char *p, size_t i, size_t len) {
        const size_t st = a->stride;

        while (a->q == 4 && i + 8 * st + 3 <= len) {
                unsigned any = 0;

                for (unsigned k = 0; k < 8; k++)
                        any |= sampled_hit(a, p + i + st - 1 + k * st) << k;
                if (any) {
                        size_t j = i + (size_t) __builtin_ctz(any) * st;        /* the S positions from j */

                        for (size_t x = j; x < j + st; x++)
                                if (may_start(a, p + x))
                                        return x;
                        i = j + st;
                        continue;
                }
                i += 8 * st;
        }
        while (i + a->q <= len && !may_start(a, p + i))
                i++;
        return i;
}

/* Every state has a full row. States are row offsets here (no multiply on
 * the path from one byte to the next). At the start state, positions where
 * no marker's first q bytes begin are skipped without a step; in a state
 * shallower than q whose bytes begin no marker there, the walk goes back to
 * the start state one byte after them. So most bytes of a binary cost a
 * filter test, not a table walk, however many markers there are. */
static uint32_t feed_dense(const struct vb_marker_automaton *a, uint32_t state, const unsigned char *p, size_t len,
                           uint64_t *words) {
        const uint32_t *dense = a->dense;
        const uint32_t n_cls = a->n_cls;
        const uint32_t end1 = a->depth_end[1] * n_cls, end2 = a->depth_end[2] * n_cls,
                       end3 = a->depth_end[3] * n_cls, shallow = a->depth_end[a->q - 1] * n_cls;
        uint32_t s = state * n_cls;
        size_t i = 0;

        while (i < len) {
                if (s == 0) {
                        i = skip(a, p, i, len);
                        if (i >= len)
                                break;
                }
                uint32_t t = dense[s + a->cls[p[i++]]];
                s = t & ~FLAG;
                if (__builtin_expect(t & FLAG, 0))
                        report(a, s / n_cls, words);
                if (s != 0 && s <= shallow) {
                        size_t d = s <= end1 ? 1 : s <= end2 ? 2 : s <= end3 ? 3 : 4;

                        if (d <= i && i - d + a->q <= len && !may_start(a, p + i - d)) {
                                i = i - d + 1;
                                s = 0;
                        }
                }
        }
        return s / n_cls;
}

uint32_t marker_automaton_feed(const struct vb_marker_automaton *a, uint32_t state, const void *buf, size_t len,
                               uint64_t *words) {
        const unsigned char *p = buf, *end = p + len;
        uint32_t s = state;

        if (a->n_dense == a->n_states)
                return feed_dense(a, state, p, len, words);
        for (; p < end; p++) {
                uint32_t c = a->cls[*p];

                s = s < a->n_dense ? a->dense[(size_t) s * a->n_cls + c] & ~FLAG : step_slow(a, s, c);
                if (__builtin_expect(a->has_out[s], 0))
                        report(a, s, words);
        }
        return s;
}
