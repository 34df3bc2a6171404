/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/filescan.c: sha256, ELF detection, markers across reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filescan.h"
#include "harness.h"
#include "util.h"

#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA256_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static struct vb_filescan *scanner(const char *const *markers, size_t n) {
        struct vb_filescan *s = NULL;
        ck_assert_int_eq(filescan_new(markers, n, &s), 0);
        ck_assert_ptr_nonnull(s);
        return s;
}

/* Write len bytes to a fresh file in dir and open it for reading. */
static int file_with(const char *dir, const char *name, const void *data, size_t len) {
        char *path;
        int fd;

        ck_assert(asprintf(&path, "%s/%s", dir, name) > 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
        close(fd);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        free(path);
        return fd;
}

/* An ELF-looking buffer of len bytes filled with filler. */
static unsigned char *elf_buf(size_t len) {
        unsigned char *b = malloc(len);
        ck_assert_ptr_nonnull(b);
        memset(b, 'z', len);
        memcpy(b, "\177ELF\2\1\1", 7);
        return b;
}

START_TEST(test_filescan_sha256_vectors) {
        struct vb_filescan *s = scanner(NULL, 0);
        struct vb_file_content c;
        char *dir = tmpdir_make();
        int fd;

        ck_assert_int_eq(filescan_buffer(s, "", 0, &c), 0);
        ck_assert_str_eq(c.sha256, SHA256_EMPTY);
        ck_assert_uint_eq(c.size, 0);
        ck_assert(!c.is_elf);
        ck_assert_int_eq(filescan_buffer(s, "abc", 3, &c), 0);
        ck_assert_str_eq(c.sha256, SHA256_ABC);
        ck_assert_uint_eq(c.size, 3);

        fd = file_with(dir, "empty", "", 0);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert_str_eq(c.sha256, SHA256_EMPTY);
        close(fd);
        fd = file_with(dir, "abc", "abc", 3);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert_str_eq(c.sha256, SHA256_ABC);
        ck_assert_uint_eq(c.size, 3);
        close(fd);

        filescan_free(s);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_filescan_elf_detection) {
        struct vb_filescan *s = scanner(NULL, 0);
        struct vb_file_content c;
        char *dir = tmpdir_make();
        int fd;

        fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
                ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
                ck_assert(c.is_elf);
                ck_assert_uint_gt(c.size, 4);
                close(fd);
        }
        fd = file_with(dir, "script", "#!/bin/sh\necho hi\n", 18);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert(!c.is_elf);
        close(fd);

        ck_assert_int_eq(filescan_buffer(s, "\177ELF", 4, &c), 0);
        ck_assert(c.is_elf);
        ck_assert_int_eq(filescan_buffer(s, "\177EL", 3, &c), 0);
        ck_assert(!c.is_elf);
        ck_assert_int_eq(filescan_buffer(s, "\177elf....", 8, &c), 0);
        ck_assert(!c.is_elf);

        filescan_free(s);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_filescan_marker_only_in_elf) {
        const char *const markers[] = { "KASPERSKY_LAB_MARKER" };
        struct vb_filescan *s = scanner(markers, 1);
        struct vb_file_content c;
        unsigned char *b = elf_buf(4096);
        char *dir = tmpdir_make();
        int fd;

        memcpy(b + 1000, markers[0], strlen(markers[0]));
        ck_assert_int_eq(filescan_buffer(s, b, 4096, &c), 0);
        ck_assert(c.is_elf);
        ck_assert_uint_eq(c.marker_hits, 1);
        fd = file_with(dir, "elf", b, 4096);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert_uint_eq(c.marker_hits, 1);
        close(fd);

        b[0] = 'X';     /* same bytes, not ELF */
        ck_assert_int_eq(filescan_buffer(s, b, 4096, &c), 0);
        ck_assert(!c.is_elf);
        ck_assert_uint_eq(c.marker_hits, 0);
        fd = file_with(dir, "text", b, 4096);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert_uint_eq(c.marker_hits, 0);
        close(fd);

        free(b);
        filescan_free(s);
        tmpdir_remove(dir);
}
END_TEST

/* A marker that starts _i bytes before the 256 KiB read boundary. */
START_TEST(test_filescan_marker_across_chunk_boundary) {
        const char *const markers[] = { "0123456789ABCDEF", "other" };
        size_t len = 3 * VB_FILESCAN_BUFSIZE + 100, ml = strlen(markers[0]);
        size_t at = VB_FILESCAN_BUFSIZE - _i;
        struct vb_filescan *s = scanner(markers, 2);
        struct vb_file_content c, cb;
        unsigned char *b = elf_buf(len);
        char *dir = tmpdir_make();
        int fd;

        memcpy(b + at, markers[0], ml);
        memcpy(b + 2 * VB_FILESCAN_BUFSIZE - 2, markers[1], strlen(markers[1]));
        fd = file_with(dir, "elf", b, len);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert_uint_eq(c.size, len);
        ck_assert_uint_eq(c.marker_hits, 3);
        ck_assert_int_eq(filescan_buffer(s, b, len, &cb), 0);
        ck_assert_str_eq(c.sha256, cb.sha256);
        ck_assert_uint_eq(cb.marker_hits, 3);
        close(fd);

        free(b);
        filescan_free(s);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_filescan_multiple_markers_bits) {
        const char *const markers[] = { "alpha", "beta", "gamma", "delta" };
        struct vb_filescan *s = scanner(markers, 4);
        struct vb_file_content c;
        unsigned char *b = elf_buf(2048);

        memcpy(b + 100, "gamma", 5);
        memcpy(b + 2043, "alpha", 5);
        ck_assert_int_eq(filescan_buffer(s, b, 2048, &c), 0);
        ck_assert_uint_eq(c.marker_hits, (1u << 0) | (1u << 2));
        free(b);
        filescan_free(s);
}
END_TEST

/* 500 markers in one pass, as many as a large policy has; one more than
 * VB_MARKERS_MAX is refused. A marker straddles the read boundary. */
START_TEST(test_filescan_500_markers) {
        static char names[VB_MARKERS_MAX + 1][16];
        static const char *markers[VB_MARKERS_MAX + 1];
        static const int found[] = { 0, 63, 64, 250, 498, 499 };
        uint64_t want[VB_MARKER_WORDS] = {};
        size_t len = 2 * VB_FILESCAN_BUFSIZE;
        struct vb_filescan *s;
        struct vb_file_content c, cb;
        unsigned char *b = elf_buf(len);
        char *dir = tmpdir_make();
        int fd;

        for (int i = 0; i <= VB_MARKERS_MAX; i++) {
                snprintf(names[i], sizeof names[i], "<mark-%04d>", i);
                markers[i] = names[i];
        }
        ck_assert_int_eq(filescan_new(markers, VB_MARKERS_MAX + 1, &s), -EINVAL);
        s = scanner(markers, 500);
        for (size_t k = 0; k < ELEMENTSOF(found); k++) {
                int i = found[k];
                size_t at = k == 3 ? VB_FILESCAN_BUFSIZE - 5 : 1000 + 100 * k;

                memcpy(b + at, names[i], strlen(names[i]));
                want[i / 64] |= UINT64_C(1) << (i % 64);
        }
        memcpy(b + 5000, names[600], strlen(names[600]));       /* not one of the 500 */
        fd = file_with(dir, "elf", b, len);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert_mem_eq(c.marker_words, want, sizeof want);
        ck_assert_uint_eq(c.marker_hits, want[0]);
        ck_assert_int_eq(filescan_buffer(s, b, len, &cb), 0);
        ck_assert_mem_eq(cb.marker_words, want, sizeof want);
        close(fd);
        filescan_free(s);
        free(b);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_filescan_bad_markers) {
        const char *const empty[] = { "ok", "" };
        const char *const null[] = { "ok", NULL };
        struct vb_filescan *s = NULL;

        ck_assert_int_eq(filescan_new(empty, 2, &s), -EINVAL);
        ck_assert_int_eq(filescan_new(null, 2, &s), -EINVAL);
        ck_assert_int_eq(filescan_new(NULL, 1, &s), -EINVAL);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_filescan_reuse_gives_same_answers) {
        const char *const markers[] = { "kesl-marker", "klnagent" };
        struct vb_filescan *shared = scanner(markers, 2);
        char *dir = tmpdir_make();
        size_t len = VB_FILESCAN_BUFSIZE + 5000;
        unsigned char *b = elf_buf(len);

        for (int i = 0; i < 40; i++) {
                struct vb_file_content c1, c2;
                struct vb_filescan *fresh = scanner(markers, 2);
                char name[32];
                size_t l = len - i * 97;     /* always past the marker */

                b[0] = i % 3 == 0 ? 'T' : 0x7f;
                if (i % 2)
                        memcpy(b + VB_FILESCAN_BUFSIZE - 4, markers[i % 4 == 1], strlen(markers[i % 4 == 1]));
                snprintf(name, sizeof name, "f%d", i);
                int fd1 = file_with(dir, name, b, l);
                int fd2 = open("/dev/null", O_RDONLY);
                ck_assert_int_eq(filescan_fd(shared, fd1, &c1), 0);
                close(fd1);
                fd1 = file_with(dir, name, b, l);
                ck_assert_int_eq(filescan_fd(fresh, fd1, &c2), 0);
                ck_assert_str_eq(c1.sha256, c2.sha256);
                ck_assert(c1.is_elf == c2.is_elf);
                ck_assert_uint_eq(c1.marker_hits, c2.marker_hits);
                ck_assert_uint_eq(c1.marker_hits, (!c1.is_elf || i % 2 == 0) ? 0u : (i % 4 == 1 ? 2u : 1u));
                ck_assert_uint_eq(c1.size, l);
                ck_assert_int_eq(filescan_fd(shared, fd2, &c1), 0);
                ck_assert_str_eq(c1.sha256, SHA256_EMPTY);
                close(fd1);
                close(fd2);
                filescan_free(fresh);
                memset(b + VB_FILESCAN_BUFSIZE - 4, 'z', 16);
        }
        free(b);
        filescan_free(shared);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_filescan_reads_from_current_offset) {
        struct vb_filescan *s = scanner(NULL, 0);
        struct vb_file_content c;
        char *dir = tmpdir_make();
        int fd = file_with(dir, "f", "xyzabc", 6);

        ck_assert_int_eq(lseek(fd, 3, SEEK_SET), 3);
        ck_assert_int_eq(filescan_fd(s, fd, &c), 0);
        ck_assert_str_eq(c.sha256, SHA256_ABC);
        close(fd);
        filescan_free(s);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_filescan_read_error) {
        struct vb_filescan *s = scanner(NULL, 0);
        struct vb_file_content c = { .size = 42 };
        char *dir = tmpdir_make();
        int fd;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(filescan_fd(s, fd, &c), -EISDIR);
        close(fd);
        ck_assert_int_eq(filescan_fd(s, -1, &c), -EBADF);
        ck_assert_uint_eq(c.size, 42);          /* untouched on error */

        /* the scanner still works after an error */
        ck_assert_int_eq(filescan_buffer(s, "abc", 3, &c), 0);
        ck_assert_str_eq(c.sha256, SHA256_ABC);
        filescan_free(s);
        tmpdir_remove(dir);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("filescan");
        TCase *tc = tcase_create("filescan");

        tcase_add_test(tc, test_filescan_sha256_vectors);
        tcase_add_test(tc, test_filescan_elf_detection);
        tcase_add_test(tc, test_filescan_marker_only_in_elf);
        /* starts 1..15 bytes before the boundary: spans it; 0 and 16: do not */
        tcase_add_loop_test(tc, test_filescan_marker_across_chunk_boundary, 0, 17);
        tcase_add_test(tc, test_filescan_multiple_markers_bits);
        tcase_add_test(tc, test_filescan_500_markers);
        tcase_add_test(tc, test_filescan_bad_markers);
        tcase_add_test(tc, test_filescan_reuse_gives_same_answers);
        tcase_add_test(tc, test_filescan_reads_from_current_offset);
        tcase_add_test(tc, test_filescan_read_error);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);
        return s;
}
