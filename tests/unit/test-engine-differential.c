/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiled matcher against the reference: random policies and subjects
 * (fixed seed) evaluated by the engine with the policy's compiled lookups
 * (match-policy.c) and without them (every list walked, as before), which
 * must give identical verdicts and indicator lists; and the markers'
 * automaton against one memmem per marker, fed in random pieces. */
#include <string.h>

#include "engine.h"
#include "harness.h"
#include "match-markers.h"
#include "match-policy.h"
#include "util.h"

static uint64_t rng;
static size_t n_matched, n_evaluated;  /* subjects that matched something: the test must bite */

static uint64_t rnd(void) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static size_t pick(size_t n) {
        return n ? (size_t) (rnd() % n) : 0;
}

static const char *const sha_pool[] = {
        "3f4e1c0b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd",
};
static const char *const units[] = { "a.service", "b.service", "a.b" };
static const char *const unit_dirs[] = { "/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system" };

/* A string of up to max characters of alphabet. */
static void rand_string(char *buf, const char *alphabet, size_t max) {
        size_t n = pick(max + 1), k = strlen(alphabet);

        for (size_t i = 0; i < n; i++)
                buf[i] = alphabet[pick(k)];
        buf[n] = '\0';
}

static void rand_name_pattern(char *buf) {
        static const char *const tails[] = { "", "*", "?", "[ab]", "[!a]", "\\a", "*b", "-*", "[" };

        rand_string(buf, "abAB-", 4);
        strcat(buf, tails[pick(ELEMENTSOF(tails))]);
        if (pick(4) == 0)
                strcat(buf, "a");
        if (pick(6) == 0) {
                memmove(buf + 1, buf, strlen(buf) + 1);
                buf[0] = '*';
        }
}

static void rand_path(char *buf, bool pattern) {
        static const char *const pcomps[] = { "a", "b", "ab", "*", "**", "a*", "?", "[ab]", "\\a", "", "ba" };
        static const char *const scomps[] = { "a", "b", "ab", "ba", "", "opt" };
        size_t n = 1 + pick(4);

        buf[0] = '\0';
        if (pattern && pick(8) == 0) {
                strcpy(buf, unit_dirs[pick(3)]);
                strcat(buf, "/*");
                return;
        }
        for (size_t i = 0; i < n; i++) {
                strcat(buf, "/");
                strcat(buf, pattern ? pcomps[pick(ELEMENTSOF(pcomps))] : scomps[pick(ELEMENTSOF(scomps))]);
        }
}

static void rand_sha(char *buf) {
        strcpy(buf, sha_pool[pick(ELEMENTSOF(sha_pool))]);
        for (char *c = buf; *c; c++)
                if (*c >= 'a' && *c <= 'f' && pick(5) == 0)
                        *c = (char) (*c - 'a' + 'A');
}

static void push(struct vb_strv *s, const char *v) {
        ck_assert_int_eq(strv_push(s, v), 0);
}

/* Up to max items of one kind; "big" lists are long, to fill hash groups
 * and overflow the compiled path's bound on matches per lookup. */
static void fill_list(struct vb_strv *s, enum vb_indicator_kind kind, size_t max) {
        size_t n = pick(max + 1);
        char buf[256];

        for (size_t i = 0; i < n; i++) {
                switch (kind) {
                case VB_IND_PACKAGE:
                case VB_IND_MAINTAINER:
                        rand_name_pattern(buf);
                        break;
                case VB_IND_PATH:
                        rand_path(buf, true);
                        break;
                case VB_IND_UNIT:
                        strcpy(buf, units[pick(ELEMENTSOF(units))]);
                        break;
                case VB_IND_SHA256:
                        rand_sha(buf);
                        break;
                default:
                        rand_string(buf, "xyz", 3);
                        strcat(buf, "m");
                }
                push(s, buf);
        }
}

static struct vb_policy *policy_random(bool big) {
        struct vb_policy *p = calloc(1, sizeof *p);
        size_t scale = big ? 150 : 6;

        ck_assert_ptr_nonnull(p);
        p->n_bans = 1 + pick(3);
        p->bans = calloc(p->n_bans, sizeof *p->bans);
        ck_assert_ptr_nonnull(p->bans);
        for (size_t b = 0; b < p->n_bans; b++) {
                struct vb_ban *ban = &p->bans[b];

                ban->n_phases = 1 + pick(3);
                ban->phases = calloc(ban->n_phases, sizeof *ban->phases);
                ck_assert_ptr_nonnull(ban->phases);
                for (size_t i = 0; i < ban->n_phases; i++)
                        ban->phases[i] = (struct vb_phase) {
                                .from = (int64_t) pick(5) * 100, .applies_to = (enum vb_applies) pick(3),
                                .action = pick(2) ? VB_VERDICT_BLOCK : VB_VERDICT_FLAG,
                        };
                for (int k = 0; k < _VB_IND_MAX; k++)
                        fill_list(&ban->match[k], (enum vb_indicator_kind) k, k == VB_IND_MARKER ? 3 : scale);
                fill_list(&ban->exempt_packages, VB_IND_PACKAGE, big ? 20 : 2);
                fill_list(&ban->exempt_paths, VB_IND_PATH, big ? 20 : 2);
                for (size_t i = 0; i < ban->match[VB_IND_MARKER].n && p->n_markers < VB_MARKERS_MAX; i++) {
                        p->markers[p->n_markers] = ban->match[VB_IND_MARKER].v[i];
                        p->marker_ban[p->n_markers++] = b;
                }
        }
        return p;
}

static void policy_destroy(struct vb_policy *p) {
        policy_index_free(p->index);
        for (size_t i = 0; i < p->n_bans; i++) {
                struct vb_ban *b = &p->bans[i];

                free(b->phases);
                for (size_t k = 0; k < _VB_IND_MAX; k++)
                        strv_clear(&b->match[k]);
                strv_clear(&b->exempt_packages);
                strv_clear(&b->exempt_paths);
        }
        free(p->bans);
        free(p);
}

static void assert_same(const struct vb_decision *a, const struct vb_decision *b, const char *what) {
        ck_assert_msg(a->verdict == b->verdict, "%s: verdict %d != %d", what, a->verdict, b->verdict);
        ck_assert_msg(a->ban == b->ban && a->phase == b->phase && a->exempt == b->exempt, "%s: ban/phase", what);
        ck_assert_msg(a->n_matches == b->n_matches, "%s: %zu != %zu matches", what, a->n_matches, b->n_matches);
        for (size_t i = 0; i < a->n_matches && i < VB_MATCHES_MAX; i++)
                ck_assert_msg(a->matches[i].kind == b->matches[i].kind &&
                                      a->matches[i].pattern == b->matches[i].pattern &&
                                      a->matches[i].value == b->matches[i].value,
                              "%s: match %zu differs (%s / %s)", what, i, a->matches[i].pattern,
                              b->matches[i].pattern);
}

/* Evaluate with and without the compiled lookups. */
static void eval_both_package(struct vb_policy *p, struct vb_policy_index *x, const struct vb_package *pkg,
                              const char *what) {
        struct vb_decision naive, compiled;

        p->index = NULL;
        engine_evaluate_package(p, pkg, 400, &naive);
        p->index = x;
        engine_evaluate_package(p, pkg, 400, &compiled);
        assert_same(&naive, &compiled, what);
        n_matched += naive.n_matches > 0;
        n_evaluated++;
}

static void eval_both_file(struct vb_policy *p, struct vb_policy_index *x, const struct vb_file *f,
                           const char *what) {
        struct vb_decision naive, compiled;

        p->index = NULL;
        engine_evaluate_file(p, f, 400, &naive);
        p->index = x;
        engine_evaluate_file(p, f, 400, &compiled);
        assert_same(&naive, &compiled, what);
        n_matched += naive.n_matches > 0;
        n_evaluated++;
}

static void check_packages(struct vb_policy *p, struct vb_policy_index *x, size_t n) {
        for (size_t s = 0; s < n; s++) {
                char name[16], maint[3][16], files[8][128];
                const char *fp[8];
                struct vb_package pkg = { .name = name, .version = "1", .installed_at = (int64_t) pick(5) * 100 };

                rand_string(name, "abAB-", 5);
                for (size_t j = 0; j < 3; j++)
                        rand_string(maint[j], "abAB-@", 5);
                pkg.maintainer = pick(4) ? maint[0] : NULL;
                pkg.original_maintainer = pick(2) ? maint[1] : NULL;
                pkg.vendor = pick(2) ? maint[2] : NULL;
                pkg.n_files = pick(9);
                for (size_t j = 0; j < pkg.n_files; j++) {
                        if (pick(5) == 0)
                                snprintf(files[j], sizeof files[j], "%s/%s", unit_dirs[pick(3)],
                                         units[pick(ELEMENTSOF(units))]);
                        else
                                rand_path(files[j], false);
                        fp[j] = files[j];
                }
                pkg.files = fp;
                eval_both_package(p, x, &pkg, name);
        }
}

static void check_files(struct vb_policy *p, struct vb_policy_index *x, size_t n) {
        for (size_t s = 0; s < n; s++) {
                char path[128], sha[65];
                uint64_t words[VB_MARKERS_MAX / 64] = {};
                struct vb_file f = { .path = path, .is_elf = pick(3) != 0, .first_seen = (int64_t) pick(5) * 100 };

                rand_path(path, false);
                rand_sha(sha);
                f.sha256 = pick(4) ? sha : NULL;
                f.marker_hits = rnd() & rnd();
                words[0] = f.marker_hits;
                if (pick(2))
                        f.marker_words = words;
                eval_both_file(p, x, &f, path);
        }
}

START_TEST(test_engine_differential_random_policies) {
        rng = 0x5eed0001u;
        for (int round = 0; round < 400; round++) {
                struct vb_policy *p = policy_random(round % 10 == 9);
                struct vb_policy_index *x;

                ck_assert_int_eq(policy_compile(p), 0);
                x = p->index;
                check_packages(p, x, 60);
                check_files(p, x, 60);
                p->index = x;
                policy_destroy(p);
        }
        ck_assert_msg(n_matched * 4 > n_evaluated, "only %zu of %zu subjects matched", n_matched, n_evaluated);
        ck_assert_msg(n_matched * 10 < n_evaluated * 9, "%zu of %zu subjects matched", n_matched, n_evaluated);
}
END_TEST

/* More than 64 markers: the words decide, through either path alike. */
START_TEST(test_engine_differential_many_markers) {
        struct vb_policy *p = calloc(1, sizeof *p);
        uint64_t words[VB_MARKERS_MAX / 64] = {};
        struct vb_file f = { .path = "/x", .is_elf = true, .marker_words = words };
        struct vb_decision d;

        rng = 0x5eed0002u;
        ck_assert_ptr_nonnull(p);
        p->n_bans = 2;
        p->bans = calloc(2, sizeof *p->bans);
        for (size_t b = 0; b < 2; b++) {
                p->bans[b].n_phases = 1;
                p->bans[b].phases = calloc(1, sizeof(struct vb_phase));
                p->bans[b].phases[0] = (struct vb_phase) { .applies_to = VB_APPLIES_ALL, .action = VB_VERDICT_FLAG };
        }
        for (size_t i = 0; i < 500; i++) {
                char m[16];

                snprintf(m, sizeof m, "marker%03zu", i);
                push(&p->bans[i % 2].match[VB_IND_MARKER], m);
        }
        for (size_t b = 0, i = 0; b < 2; b++)
                for (size_t k = 0; k < p->bans[b].match[VB_IND_MARKER].n; k++, i++) {
                        p->markers[i] = p->bans[b].match[VB_IND_MARKER].v[k];
                        p->marker_ban[i] = b;
                }
        p->n_markers = 500;
        ck_assert_int_eq(policy_compile(p), 0);
        words[499 / 64] |= UINT64_C(1) << (499 % 64);   /* the last: ban 1's */
        engine_evaluate_file(p, &f, 1, &d);
        ck_assert_ptr_eq(d.ban, &p->bans[1]);
        ck_assert_uint_eq(d.n_matches, 1);
        ck_assert_str_eq(d.matches[0].pattern, "marker499");
        words[100 / 64] |= UINT64_C(1) << (100 % 64);   /* ban 0's 101st: the first ban wins ties */
        engine_evaluate_file(p, &f, 1, &d);
        ck_assert_ptr_eq(d.ban, &p->bans[0]);
        ck_assert_str_eq(d.matches[0].pattern, "marker200");
        policy_destroy(p);
}
END_TEST

/* Reference: one memmem per marker over the whole text. */
START_TEST(test_engine_differential_marker_automaton) {
        rng = 0x5eed0003u;
        for (int round = 0; round < 300; round++) {
                size_t n = 1 + pick(round % 10 == 0 ? 600 : 40), len = pick(400);
                char (*m)[8] = calloc(n, sizeof *m);
                const char **mv = calloc(n, sizeof *mv);
                char text[400];
                uint64_t want[VB_MARKERS_MAX / 64] = {}, got[VB_MARKERS_MAX / 64] = {};
                struct vb_marker_automaton *a;
                uint32_t state = VB_MARKER_START;

                ck_assert(m && mv);
                for (size_t i = 0; i < n; i++) {
                        do
                                rand_string(m[i], round % 2 ? "ab" : "abc\xff", 6);
                        while (m[i][0] == '\0');
                        mv[i] = m[i];
                }
                for (size_t i = 0; i < len; i++)
                        text[i] = "abc\xff\0"[pick(5)];
                ck_assert_int_eq(marker_automaton_new(mv, n, &a), 0);
                for (size_t at = 0; at < len;) {
                        size_t k = 1 + pick(len - at < 50 ? len - at : 50);
                        state = marker_automaton_feed(a, state, text + at, k, got);
                        at += k;
                }
                for (size_t i = 0; i < n; i++)
                        if (memmem(text, len, m[i], strlen(m[i])))
                                want[i / 64] |= UINT64_C(1) << (i % 64);
                ck_assert_mem_eq(want, got, sizeof want);
                marker_automaton_unref(a);
                free(m);
                free(mv);
        }
}
END_TEST

/* Markers of 4 to 14 bytes over three letters, in texts made of the same
 * letters with whole markers dropped in: the start filter (4-grams, sampled
 * every 1 to 4 bytes by the shortest marker) meets many near misses. */
START_TEST(test_engine_differential_marker_automaton_filtered) {
        rng = 0x5eed0005u;
        for (int round = 0; round < 400; round++) {
                size_t n = 1 + pick(round % 10 == 0 ? 500 : 30), len = pick(3000), shortest = 4 + pick(8);
                char (*m)[16] = calloc(n, sizeof *m);
                const char **mv = calloc(n, sizeof *mv);
                char *text = malloc(len + 1);
                uint64_t want[VB_MARKERS_MAX / 64] = {}, got[VB_MARKERS_MAX / 64] = {};
                struct vb_marker_automaton *a;
                uint32_t state = VB_MARKER_START;

                ck_assert(m && mv && text);
                for (size_t i = 0; i < n; i++) {
                        size_t l = shortest + pick(15 - shortest);

                        for (size_t k = 0; k < l; k++)
                                m[i][k] = "abc"[pick(round % 3 == 0 ? 2 : 3)];
                        mv[i] = m[i];
                }
                for (size_t i = 0; i < len; i++)
                        text[i] = "abcx"[pick(round % 2 ? 3 : 4)];
                for (size_t k = pick(4); k > 0 && len > 16; k--) {
                        const char *w = m[pick(n)];
                        memcpy(text + pick(len - strlen(w)), w, strlen(w));
                }
                ck_assert_int_eq(marker_automaton_new(mv, n, &a), 0);
                for (size_t at = 0; at < len;) {
                        size_t k = 1 + pick(len - at < 700 ? len - at : 700);
                        state = marker_automaton_feed(a, state, text + at, k, got);
                        at += k;
                }
                for (size_t i = 0; i < n; i++)
                        if (memmem(text, len, m[i], strlen(m[i])))
                                want[i / 64] |= UINT64_C(1) << (i % 64);
                ck_assert_msg(memcmp(want, got, sizeof want) == 0, "round %d: %zu markers", round, n);
                marker_automaton_unref(a);
                free(m);
                free(mv);
                free(text);
        }
}
END_TEST

/* Long markers over every byte value: more states than get full rows, so
 * the deep ones walk failure links; the text holds pieces of the markers. */
START_TEST(test_engine_differential_marker_automaton_sparse) {
        enum { N = 300, LEN = 60, TEXT = 20000 };
        static char m[N][LEN + 1];
        static const char *mv[N];
        static char text[TEXT];
        uint64_t want[VB_MARKERS_MAX / 64] = {}, got[VB_MARKERS_MAX / 64] = {};
        struct vb_marker_automaton *a;
        uint32_t state = VB_MARKER_START;

        rng = 0x5eed0004u;
        for (size_t i = 0; i < N; i++) {
                for (size_t k = 0; k < LEN; k++)
                        m[i][k] = (char) (1 + pick(255));
                if (i % 3 == 1)         /* shares a long prefix with the one before */
                        memcpy(m[i], m[i - 1], LEN / 2);
                mv[i] = m[i];
        }
        for (size_t at = 0; at + LEN < TEXT; at += LEN) {
                size_t i = pick(N), cut = pick(4) == 0 ? LEN : 1 + pick(LEN);

                memcpy(text + at, m[i], cut);
                memset(text + at + cut, 'x', LEN - cut);
        }
        ck_assert_int_eq(marker_automaton_new(mv, N, &a), 0);
        for (size_t at = 0; at < TEXT;) {
                size_t k = 1 + pick(TEXT - at < 3000 ? TEXT - at : 3000);
                state = marker_automaton_feed(a, state, text + at, k, got);
                at += k;
        }
        for (size_t i = 0; i < N; i++)
                if (memmem(text, TEXT, m[i], LEN))
                        want[i / 64] |= UINT64_C(1) << (i % 64);
        ck_assert_mem_eq(want, got, sizeof want);
        ck_assert(want[0] && want[4]);   /* markers were found, in the first and last words */
        marker_automaton_unref(a);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("engine-differential");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_engine_differential_random_policies);
        tcase_add_test(tc, test_engine_differential_many_markers);
        tcase_add_test(tc, test_engine_differential_marker_automaton);
        tcase_add_test(tc, test_engine_differential_marker_automaton_sparse);
        tcase_add_test(tc, test_engine_differential_marker_automaton_filtered);
        suite_add_tcase(s, tc);
        return s;
}
