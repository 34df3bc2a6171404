/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for daemon/guard-cache.c: hits only for the exact file version,
 * a bound that holds, and eviction that spares the entries in use. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guard-cache.h"
#include "harness.h"

static struct vb_file_key key(uint64_t ino) {
        return (struct vb_file_key) { .dev = 2049, .ino = ino, .size = 1000 + ino, .mtime_ns = 5, .ctime_ns = 7 };
}

static struct vb_file_content content(uint64_t n) {
        struct vb_file_content c = { .is_elf = n % 2 == 0, .marker_hits = n, .size = 1000 + n };
        snprintf(c.sha256, sizeof c.sha256, "%064llx", (unsigned long long) n);
        return c;
}

START_TEST(test_guard_cache_hit_returns_what_was_put) {
        struct vb_guard_cache *c = NULL;
        struct vb_file_content got;
        struct vb_file_key k = key(42);
        struct vb_file_content want = content(42);

        ck_assert_int_eq(guard_cache_new(16, &c), 0);
        ck_assert(!guard_cache_get(c, &k, &got));
        ck_assert_int_eq(guard_cache_put(c, &k, &want), 0);
        ck_assert(guard_cache_get(c, &k, &got));
        ck_assert_str_eq(got.sha256, want.sha256);
        ck_assert(got.is_elf == want.is_elf);
        ck_assert_uint_eq(got.marker_hits, 42);
        ck_assert_uint_eq(got.size, k.size);
        ck_assert_uint_eq(guard_cache_size(c), 1);
        guard_cache_free(c);
}
END_TEST

START_TEST(test_guard_cache_any_key_change_misses) {
        struct vb_guard_cache *c = NULL;
        struct vb_file_key k = key(7);
        struct vb_file_content v = content(7);

        ck_assert_int_eq(guard_cache_new(16, &c), 0);
        ck_assert_int_eq(guard_cache_put(c, &k, &v), 0);
        struct vb_file_key changed[] = { k, k, k, k, k };
        changed[0].dev++;
        changed[1].ino++;
        changed[2].size++;
        changed[3].mtime_ns++;
        changed[4].ctime_ns++;
        for (size_t i = 0; i < 5; i++)
                ck_assert_msg(!guard_cache_get(c, &changed[i], NULL), "key change %zu still hits", i);
        /* A new version of the same inode replaces the old one. */
        struct vb_file_content v2 = content(8);
        ck_assert_int_eq(guard_cache_put(c, &changed[3], &v2), 0);
        ck_assert_uint_eq(guard_cache_size(c), 1);
        ck_assert(!guard_cache_get(c, &k, NULL));
        guard_cache_free(c);
}
END_TEST

START_TEST(test_guard_cache_bounded_and_keeps_hot_entries) {
        struct vb_guard_cache *c = NULL;
        enum { MAX = 300 };

        ck_assert_int_eq(guard_cache_new(MAX, &c), 0);
        for (uint64_t i = 1; i <= 5000; i++) {
                struct vb_file_key k = key(i);
                struct vb_file_content v = content(i);
                ck_assert_int_eq(guard_cache_put(c, &k, &v), 0);
                ck_assert_uint_le(guard_cache_size(c), MAX);
                /* Entry 1 is executed all the time: it must survive. */
                struct vb_file_key hot = key(1);
                ck_assert_msg(guard_cache_get(c, &hot, NULL), "hot entry evicted after %llu puts",
                              (unsigned long long) i);
        }
        ck_assert_uint_eq(guard_cache_size(c), MAX);
        /* Whatever is left answers with its own content. */
        size_t hits = 0;
        for (uint64_t i = 1; i <= 5000; i++) {
                struct vb_file_key k = key(i);
                struct vb_file_content got, want = content(i);
                if (guard_cache_get(c, &k, &got)) {
                        hits++;
                        ck_assert_str_eq(got.sha256, want.sha256);
                }
        }
        ck_assert_uint_eq(hits, MAX);
        guard_cache_clear(c);
        ck_assert_uint_eq(guard_cache_size(c), 0);
        struct vb_file_key k1 = key(1);
        ck_assert(!guard_cache_get(c, &k1, NULL));
        guard_cache_free(c);
}
END_TEST

START_TEST(test_guard_cache_rejects_bad_input) {
        struct vb_guard_cache *c = NULL;
        struct vb_file_key k = key(1);
        struct vb_file_content v = content(1);

        ck_assert_int_eq(guard_cache_new(0, &c), -EINVAL);
        ck_assert_int_eq(guard_cache_new(4, &c), 0);
        v.sha256[10] = 'x';
        ck_assert_int_eq(guard_cache_put(c, &k, &v), -EINVAL);
        ck_assert_uint_eq(guard_cache_size(c), 0);
        guard_cache_free(c);
        guard_cache_free(NULL);
}
END_TEST

/* A file written through a shared mapping keeps its key on tmpfs: the
 * guard forgets it by (dev, ino). The others stay; the slot is reused. */
START_TEST(test_guard_cache_remove_forgets_one_file) {
        struct vb_guard_cache *c = NULL;
        struct vb_file_content got;

        ck_assert_int_eq(guard_cache_new(4, &c), 0);
        for (uint64_t i = 1; i <= 4; i++) {
                struct vb_file_key k = key(i);
                struct vb_file_content v = content(i);
                ck_assert_int_eq(guard_cache_put(c, &k, &v), 0);
        }
        struct vb_file_key k2 = key(2), k3 = key(3), k9 = key(9);
        guard_cache_remove(c, k2.dev, k2.ino);
        guard_cache_remove(c, 1, 12345);        /* not there: nothing happens */
        ck_assert(!guard_cache_get(c, &k2, &got));
        ck_assert(guard_cache_get(c, &k3, &got));
        struct vb_file_content v9 = content(9);
        ck_assert_int_eq(guard_cache_put(c, &k9, &v9), 0);
        ck_assert(guard_cache_get(c, &k9, &got));
        ck_assert_str_eq(got.sha256, v9.sha256);
        ck_assert(!guard_cache_get(c, &k2, &got));
        guard_cache_free(c);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("guard-cache");
        TCase *tc = tcase_create("core");
        tcase_add_test(tc, test_guard_cache_hit_returns_what_was_put);
        tcase_add_test(tc, test_guard_cache_any_key_change_misses);
        tcase_add_test(tc, test_guard_cache_bounded_and_keeps_hot_entries);
        tcase_add_test(tc, test_guard_cache_rejects_bad_input);
        tcase_add_test(tc, test_guard_cache_remove_forgets_one_file);
        suite_add_tcase(s, tc);
        return s;
}
