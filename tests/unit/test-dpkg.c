/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/dpkg.c: status/updates parsing, file lists, bad input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>

#include "dpkg.h"
#include "harness.h"

static const char status_text[] =
        "Package: libc6\n"
        "Status: install ok installed\n"
        "Priority: optional\n"
        "Section: libs\n"
        "Installed-Size: 12988\n"
        "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
        "Architecture: amd64\n"
        "Multi-Arch: same\n"
        "Source: glibc\n"
        "Version: 2.36-9+deb12u4\n"
        "Depends: libgcc-s1\n"
        "Conffiles:\n"
        " /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab\n"
        "Description: GNU C Library: Shared libraries\n"
        " Contains the standard libraries that are used by nearly all programs on\n"
        " the system.\n"
        " .\n"
        "\tA tab continuation.\n"
        "Homepage: https://www.gnu.org/software/libc/libc.html\n"
        "\n"
        "Package: kesl\n"
        "status: install ok unpacked\n"
        "Architecture: amd64\n"
        "Version: 12.1.0.1297\n"
        "Maintainer: Kaspersky Lab <support@kaspersky.com>\n"
        "Original-Maintainer: AO Kaspersky Lab <dev@kaspersky.com>\n"
        "Vendor: AO Kaspersky Lab\n"
        "Description: Kaspersky Endpoint Security\n"
        "\n"
        "\n"
        "Package: oldpkg\n"
        "Status: deinstall ok config-files\n"
        "Architecture: all\n"
        "Version: 1.0\n"
        "Conffiles:\n"
        " /etc/oldpkg.conf 0123456789abcdef0123456789abcdef obsolete\n"
        "\n"
        "Package: gone\n"
        "Status:   purge   ok   not-installed  \n";

static int parse_str(const char *text, struct vb_dpkg_db *db, struct vb_diag *diag) {
        return dpkg_parse_buffer(text, strlen(text), "status", db, diag);
}

static void db_clear(struct vb_dpkg_db *db) {
        struct vb_dpkg_db *heap = malloc(sizeof *heap);
        ck_assert_ptr_nonnull(heap);
        *heap = *db;
        dpkg_db_free(heap);
        *db = (struct vb_dpkg_db) {};
}

static const struct vb_dpkg_package *find(const struct vb_dpkg_db *db, const char *name, const char *arch) {
        for (size_t i = 0; i < db->n; i++)
                if (strcmp(db->pkgs[i].name, name) == 0 &&
                    strcmp(db->pkgs[i].arch ? db->pkgs[i].arch : "", arch ? arch : "") == 0)
                        return &db->pkgs[i];
        return NULL;
}

START_TEST(test_dpkg_realistic_status) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};
        const struct vb_dpkg_package *p;

        ck_assert_int_eq(parse_str(status_text, &db, &diag), 0);
        ck_assert_uint_eq(diag.n, 0);
        ck_assert_uint_eq(db.n, 4);

        p = find(&db, "libc6", "amd64");
        ck_assert_ptr_nonnull(p);
        ck_assert_str_eq(p->version, "2.36-9+deb12u4");
        ck_assert_str_eq(p->status, "install ok installed");
        ck_assert_str_eq(p->maintainer, "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
        ck_assert_ptr_null(p->original_maintainer);
        ck_assert_ptr_null(p->vendor);
        ck_assert(p->multi_arch_same);

        p = find(&db, "kesl", "amd64");
        ck_assert_ptr_nonnull(p);
        ck_assert_str_eq(p->status, "install ok unpacked");
        ck_assert_str_eq(p->original_maintainer, "AO Kaspersky Lab <dev@kaspersky.com>");
        ck_assert_str_eq(p->vendor, "AO Kaspersky Lab");
        ck_assert(!p->multi_arch_same);

        p = find(&db, "gone", NULL);
        ck_assert_ptr_nonnull(p);
        ck_assert_ptr_null(p->arch);
        ck_assert_ptr_null(p->version);
        ck_assert_str_eq(p->status, "purge ok not-installed");
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_field_names_case_insensitive) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(parse_str("PACKAGE: a\nversion: 1\nmulti-arch: same\nARCHITECTURE: arm64\n", &db, &diag), 0);
        ck_assert_uint_eq(db.n, 1);
        ck_assert_str_eq(db.pkgs[0].name, "a");
        ck_assert_str_eq(db.pkgs[0].version, "1");
        ck_assert_str_eq(db.pkgs[0].arch, "arm64");
        ck_assert(db.pkgs[0].multi_arch_same);
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_multi_arch) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};
        const char *text =
                "Package: libfoo\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\nVersion: 1\n\n"
                "Package: libfoo\nStatus: install ok installed\nArchitecture: i386\nMulti-Arch: same\nVersion: 1\n\n"
                "Package: tool\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: foreign\n";

        ck_assert_int_eq(parse_str(text, &db, &diag), 0);
        ck_assert_uint_eq(db.n, 3);
        ck_assert(find(&db, "libfoo", "amd64")->multi_arch_same);
        ck_assert(find(&db, "libfoo", "i386")->multi_arch_same);
        ck_assert(!find(&db, "tool", "amd64")->multi_arch_same);
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_long_lines) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};
        size_t n = 200000;
        char *text = malloc(2 * n + 200);
        char *p = text;

        ck_assert_ptr_nonnull(text);
        p += sprintf(p, "Package: big\nDescription: ");
        memset(p, 'x', n);
        p += n;
        p += sprintf(p, "\n ");
        memset(p, 'y', n / 2);
        p += n / 2;
        strcpy(p, "\nMaintainer: mmmmmmmmmmmmmmmmmmmm\n");
        ck_assert_int_eq(parse_str(text, &db, &diag), 0);
        ck_assert_uint_eq(db.n, 1);
        ck_assert_str_eq(db.pkgs[0].maintainer, "mmmmmmmmmmmmmmmmmmmm");
        db_clear(&db);
        free(text);
}
END_TEST

START_TEST(test_dpkg_control_without_status) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(parse_str("Package: kesl\nVersion: 12\nArchitecture: amd64\n"
                                   "Maintainer: Kaspersky <a@kaspersky.com>\n", &db, &diag), 0);
        ck_assert_uint_eq(db.n, 1);
        ck_assert_ptr_null(db.pkgs[0].status);
        ck_assert(!dpkg_package_has_files(&db.pkgs[0]));
        db_clear(&db);
}
END_TEST

struct bad_case {
        const char *text;
        unsigned line;
        size_t kept;            /* stanzas (or list lines) still returned */
};

static const struct bad_case bad_cases[] = {
        { "Package: a\nthis is not a field\n", 2, 1 },
        { " continuation\nPackage: a\n", 1, 1 },
        { "Package: a\n\n\tcontinuation first\n", 3, 1 },
        { "Package: a\n: no name\n", 2, 1 },
        { "Package: a\nBad Name: x\n", 2, 1 },
        { "Package: a\nVersion: 1\nversion: 2\n", 3, 1 },
        { "Package: a\nPackage: b\n", 2, 1 },
        { "Version: 1\nArchitecture: all\n\nPackage: b\n", 1, 1 },
        { "Package: a\n\nPackage:\n", 3, 1 },
        { "Package: a\nStatus: install ok\n", 2, 1 },
        { "Package: a\nStatus: install ok installed extra\n", 2, 1 },
        { "Package: a\nStatus: install fine installed\n", 2, 1 },
        { "Package: a\nStatus: want ok installed\n", 2, 1 },
        { "Package: a\nStatus: install ok done\n", 2, 1 },
        { "Package: a\nStatus:\n", 2, 1 },
        { "Package: a\nVersion: 1", 2, 1 },
        { "Package: a\n\nPackage: b\nVersion: 1\nDescr", 5, 2 },
};

START_TEST(test_dpkg_bad_input_line) {
        const struct bad_case *c = &bad_cases[_i];
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(parse_str(c->text, &db, &diag), -EINVAL);
        ck_assert_uint_ge(diag.n, 1);
        ck_assert_str_eq(diag.items[0].file, "status");
        ck_assert_msg(diag.items[0].line == c->line, "case %d: line %u, expected %u (%s)", _i,
                      diag.items[0].line, c->line, diag.items[0].message);
        /* one bad record hides nothing else; named ones are kept */
        ck_assert_msg(db.n == c->kept, "case %d: %zu stanzas kept, expected %zu", _i, db.n, c->kept);
        db_clear(&db);
}
END_TEST

/* dpkg accepts any number of fields: so do we (600 blinded every scan). */
START_TEST(test_dpkg_600_fields_accepted) {
        char *text = malloc(700 * 24), *p = text;
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_ptr_nonnull(text);
        p += sprintf(p, "Package: a\n");
        for (int i = 0; i < 600; i++)
                p += sprintf(p, "X-F%d: v\n", i);
        p += sprintf(p, "Maintainer: Kaspersky Lab <support@kaspersky.com>\n");
        ck_assert_int_eq(parse_str(text, &db, &diag), 0);
        ck_assert_uint_eq(diag.n, 0);
        ck_assert_uint_eq(db.n, 1);
        ck_assert(!db.pkgs[0].damaged);
        ck_assert_str_eq(db.pkgs[0].maintainer, "Kaspersky Lab <support@kaspersky.com>");
        db_clear(&db);
        free(text);
}
END_TEST

/* A damaged stanza is reported, kept with its good fields, marked. */
START_TEST(test_dpkg_damaged_stanza_keeps_its_name) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(parse_str("Package: libc6\nStatus: install ok installed\n\n"
                                   "Package: kesl\nthis line is broken\nMaintainer: K <a@kaspersky.com>\n"
                                   "Version: 1\nVersion: 2\n\n"
                                   "Package: zlib1g\nStatus: install ok installed\n", &db, &diag), -EINVAL);
        ck_assert_uint_eq(diag.n, 1);
        ck_assert_uint_eq(diag.items[0].line, 5);
        ck_assert_uint_eq(db.n, 3);
        const struct vb_dpkg_package *k = find(&db, "kesl", NULL);
        ck_assert_ptr_nonnull(k);
        ck_assert(k->damaged);
        ck_assert_str_eq(k->maintainer, "K <a@kaspersky.com>");
        ck_assert_str_eq(k->version, "1");
        ck_assert(dpkg_package_has_files(k));   /* status unknown: judged as present */
        ck_assert(!find(&db, "libc6", NULL)->damaged);
        ck_assert(!find(&db, "zlib1g", NULL)->damaged);
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_truncated_last_line) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(parse_str("Package: a\nStatus: install ok installed\n\nPackage: b\nStatus: inst",
                                   &db, &diag), -EINVAL);
        ck_assert_uint_eq(diag.items[0].line, 5);
        ck_assert_ptr_nonnull(strstr(diag.items[0].message, "truncated"));
        ck_assert_uint_eq(db.n, 2);
        ck_assert(!db.pkgs[0].damaged);
        ck_assert(db.pkgs[1].damaged);
        ck_assert_ptr_null(db.pkgs[1].status);
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_nul_byte) {
        static const char text[] = "Package: a\nVersion: 1\0\nArch: x\n";
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(dpkg_parse_buffer(text, sizeof text - 1, "status", &db, &diag), -EINVAL);
        ck_assert_uint_eq(diag.items[0].line, 2);
        ck_assert_uint_eq(db.n, 1);
        ck_assert(db.pkgs[0].damaged);
        ck_assert_ptr_null(db.pkgs[0].version);
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_error_keeps_the_other_stanzas) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(parse_str("Package: a\n", &db, &diag), 0);
        ck_assert_int_eq(parse_str("Package: b\n\nPackage: c\nbroken\n", &db, &diag), -EINVAL);
        ck_assert_uint_eq(db.n, 3);
        ck_assert_str_eq(db.pkgs[0].name, "a");
        ck_assert_str_eq(db.pkgs[1].name, "b");
        ck_assert(!db.pkgs[1].damaged);
        ck_assert_str_eq(db.pkgs[2].name, "c");
        ck_assert(db.pkgs[2].damaged);
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_empty_and_blank_input) {
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_int_eq(parse_str("", &db, &diag), 0);
        ck_assert_int_eq(parse_str("\n\n \n", &db, &diag), 0);
        ck_assert_int_eq(parse_str("\n\nPackage: a\n\n\n\nPackage: b\n\n", &db, &diag), 0);
        ck_assert_uint_eq(db.n, 2);
        ck_assert_uint_eq(diag.n, 0);
        db_clear(&db);
}
END_TEST

START_TEST(test_dpkg_many_packages) {
        size_t n = 3000, cap = n * 400;
        char *text = malloc(cap), *p = text;
        struct vb_dpkg_db db = {};
        struct vb_diag diag = {};

        ck_assert_ptr_nonnull(text);
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "Package: pkg%zu\nStatus: install ok installed\nPriority: optional\n"
                             "Architecture: amd64\nVersion: 1.%zu\nMaintainer: Someone <s@example.org>\n"
                             "Description: package %zu\n long text here\n .\n more\n\n", i, i, i);
        ck_assert_uint_lt((size_t) (p - text), cap);
        ck_assert_int_eq(dpkg_parse_buffer(text, p - text, "status", &db, &diag), 0);
        ck_assert_uint_eq(db.n, n);
        ck_assert_str_eq(db.pkgs[n - 1].name, "pkg2999");
        db_clear(&db);
        free(text);
}
END_TEST

START_TEST(test_dpkg_has_files) {
        static const struct {
                const char *status;
                bool has;
        } cases[] = {
                { "install ok installed", true },        { "install ok half-configured", true },
                { "install ok unpacked", true },         { "install reinstreq half-installed", true },
                { "install ok triggers-awaited", true }, { "install ok triggers-pending", true },
                { "deinstall ok config-files", false },  { "purge ok not-installed", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct vb_dpkg_package p = { .name = (char *) "x", .status = (char *) cases[i].status };
                ck_assert_msg(dpkg_package_has_files(&p) == cases[i].has, "%s", cases[i].status);
        }
        struct vb_dpkg_package none = { .name = (char *) "x" };
        ck_assert(!dpkg_package_has_files(&none));
        ck_assert(!dpkg_package_has_files(NULL));
}
END_TEST

/* Every prefix of a valid text and random mutations: errors, never crashes. */
START_TEST(test_dpkg_fuzz_prefixes_and_mutations) {
        size_t len = strlen(status_text);
        char *buf = malloc(len);
        unsigned seed = 12345;

        ck_assert_ptr_nonnull(buf);
        for (size_t i = 0; i <= len; i++) {
                struct vb_dpkg_db db = {};
                struct vb_diag diag = {};
                memcpy(buf, status_text, i);    /* exact-size copy: ASan sees overreads */
                int r = dpkg_parse_buffer(buf, i, "status", &db, &diag);
                ck_assert(r == 0 || r == -EINVAL);
                ck_assert(r == 0 || diag.n > 0);
                db_clear(&db);
        }
        for (int round = 0; round < 5000; round++) {
                struct vb_dpkg_db db = {};
                struct vb_diag diag = {};
                static const char alphabet[] = { '\n', ' ', '\t', ':', '\0', 'a', '\xff', '.' };
                memcpy(buf, status_text, len);
                for (int k = 1 + rand_r(&seed) % 8; k > 0; k--) {
                        size_t at = rand_r(&seed) % len;
                        buf[at] = rand_r(&seed) % 2 ? alphabet[rand_r(&seed) % sizeof alphabet]
                                                    : (char) rand_r(&seed);
                }
                size_t l = rand_r(&seed) % 4 == 0 ? rand_r(&seed) % (len + 1) : len;
                int r = dpkg_parse_buffer(buf, l, "status", &db, &diag);
                ck_assert(r == 0 || r == -EINVAL);
                db_clear(&db);
        }
        free(buf);
}
END_TEST

static const char *pkg_stanza(char *buf, size_t size, const char *name, const char *arch, const char *version) {
        snprintf(buf, size, "Package: %s\nStatus: install ok installed\n%s%s%sVersion: %s\n\n", name,
                 arch ? "Architecture: " : "", arch ? arch : "", arch ? "\n" : "", version);
        return buf;
}

static void write_stanza(const char *dir, const char *rel, const char *name, const char *arch, const char *version) {
        char buf[512];
        write_file(dir, rel, pkg_stanza(buf, sizeof buf, name, arch, version));
}

START_TEST(test_dpkg_db_read_updates_in_numeric_order) {
        char *dir = tmpdir_make();
        _cleanup_(dpkg_db_freep) struct vb_dpkg_db *db = NULL;
        struct vb_diag diag = {};

        write_file(dir, "status", status_text);
        write_stanza(dir, "updates/0002", "kesl", "amd64", "3");
        write_stanza(dir, "updates/0001", "kesl", "amd64", "2");
        write_stanza(dir, "updates/10", "libc6", "amd64", "ten");
        write_stanza(dir, "updates/9", "libc6", "amd64", "nine");
        write_stanza(dir, "updates/0003", "newpkg", NULL, "1");
        write_stanza(dir, "updates/0004", "gone", "", "2");          /* arch "" == no arch */
        write_file(dir, "updates/0005", "");
        write_file(dir, "updates/tmp.i", "garbage that is not a stanza\n");
        write_file(dir, "updates/0006x", "garbage\n");

        ck_assert_int_eq(dpkg_db_read(dir, &db, &diag), 0);
        ck_assert_uint_eq(diag.n, 0);
        ck_assert_uint_eq(db->n, 5);
        ck_assert_str_eq(find(db, "kesl", "amd64")->version, "3");
        ck_assert_str_eq(find(db, "libc6", "amd64")->version, "ten");
        ck_assert_str_eq(find(db, "newpkg", NULL)->version, "1");
        ck_assert_str_eq(find(db, "gone", NULL)->version, "2");
        ck_assert_str_eq(find(db, "gone", NULL)->status, "install ok installed");
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_dpkg_db_read_no_updates_dir) {
        char *dir = tmpdir_make();
        _cleanup_(dpkg_db_freep) struct vb_dpkg_db *db = NULL;
        struct vb_diag diag = {};

        write_file(dir, "status", "");
        ck_assert_int_eq(dpkg_db_read(dir, &db, &diag), 0);
        ck_assert_uint_eq(db->n, 0);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_dpkg_db_read_missing_status) {
        char *dir = tmpdir_make();
        struct vb_dpkg_db *db = NULL;
        struct vb_diag diag = {};

        ck_assert_int_eq(dpkg_db_read(dir, &db, &diag), -ENOENT);
        ck_assert_ptr_null(db);
        ck_assert_uint_eq(diag.n, 1);
        ck_assert_ptr_nonnull(strstr(diag.items[0].file, "/status"));
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_dpkg_db_read_requires_status) {
        char *dir = tmpdir_make();
        struct vb_dpkg_db *db = NULL;
        struct vb_diag diag = {};

        write_file(dir, "status", "Package: a\nStatus: install ok installed\n\nPackage: b\nVersion: 1\n\n"
                                  "Package: c\nStatus: install ok installed\n");
        /* reported, and b is still judged (by name) with the rest */
        ck_assert_int_eq(dpkg_db_read(dir, &db, &diag), 0);
        ck_assert_ptr_nonnull(db);
        ck_assert_uint_eq(diag.n, 1);
        ck_assert_uint_eq(diag.items[0].line, 4);
        ck_assert_uint_eq(db->n, 3);
        ck_assert(db->pkgs[1].damaged);
        ck_assert(dpkg_package_has_files(&db->pkgs[1]));
        dpkg_db_free(db);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_dpkg_db_read_skips_a_bad_update_and_keeps_the_rest) {
        char *dir = tmpdir_make();
        struct vb_dpkg_db *db = NULL;
        struct vb_diag diag = {};

        write_file(dir, "status", status_text);
        write_file(dir, "updates/0001", "Package: kesl\nStatus: install ok installed\nVersion: 1\nVersion: 2\n\n"
                                        "Package: kav4fs\nStatus: install ok installed\n");
        write_file(dir, "updates/0002", "Package: klnagent64\nStatus: install ok unpacked\nVersion: 15\n");
        /* The bad journal entry is reported and skipped; the rest counts. */
        ck_assert_int_eq(dpkg_db_read(dir, &db, &diag), 0);
        ck_assert_ptr_nonnull(db);
        ck_assert_uint_eq(diag.n, 1);
        ck_assert_uint_eq(diag.items[0].line, 4);
        ck_assert_ptr_nonnull(strstr(diag.items[0].file, "updates/0001"));
        bool found = false, kesl = false, kav4fs = false;
        for (size_t i = 0; i < db->n; i++) {
                found = found || strcmp(db->pkgs[i].name, "klnagent64") == 0;
                kesl = kesl || (strcmp(db->pkgs[i].name, "kesl") == 0 && db->pkgs[i].damaged &&
                                strcmp(db->pkgs[i].version, "1") == 0);
                kav4fs = kav4fs || strcmp(db->pkgs[i].name, "kav4fs") == 0;
        }
        ck_assert(found && kesl && kav4fs);
        ck_assert_uint_gt(db->n, 1);
        dpkg_db_free(db);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_dpkg_list_read) {
        char *dir = tmpdir_make();
        struct vb_strv files = {};
        struct vb_diag diag = {};
        int64_t mtime = 0;
        char *path;

        write_file(dir, "info/libfoo:amd64.list", "/.\n/usr\n/usr/lib/libfoo.so.1\n/usr/share/doc/a b\n");
        write_file(dir, "info/kesl.list", "/.\n/opt\n/opt/kaspersky\n/opt/kaspersky/kesl/bin/kesl\n");
        write_file(dir, "info/empty.list", "");
        ck_assert(asprintf(&path, "%s/info/kesl.list", dir) > 0);
        struct timespec ts[2] = { { .tv_sec = 1700000000 }, { .tv_sec = 1700000000 } };
        ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
        free(path);

        ck_assert_int_eq(dpkg_list_read(dir, "libfoo", "amd64", &files, &mtime, &diag), 0);
        ck_assert_uint_eq(files.n, 3);
        ck_assert_str_eq(files.v[0], "/usr");
        ck_assert_str_eq(files.v[2], "/usr/share/doc/a b");
        ck_assert_ptr_null(files.v[3]);
        strv_clear(&files);

        /* no kesl:amd64.list: falls back to kesl.list */
        ck_assert_int_eq(dpkg_list_read(dir, "kesl", "amd64", &files, &mtime, &diag), 0);
        ck_assert_uint_eq(files.n, 3);
        ck_assert_str_eq(files.v[2], "/opt/kaspersky/kesl/bin/kesl");
        ck_assert_int_eq(mtime, 1700000000);
        strv_clear(&files);

        ck_assert_int_eq(dpkg_list_read(dir, "kesl", NULL, &files, NULL, &diag), 0);
        ck_assert_uint_eq(files.n, 3);
        strv_clear(&files);

        ck_assert_int_eq(dpkg_list_read(dir, "empty", "", &files, &mtime, &diag), 0);
        ck_assert_uint_eq(files.n, 0);
        strv_clear(&files);

        ck_assert_int_eq(dpkg_list_read(dir, "missing", "amd64", &files, &mtime, &diag), -ENOENT);
        ck_assert_int_eq(dpkg_list_read(dir, "../info/kesl", NULL, &files, &mtime, &diag), -EINVAL);
        ck_assert_int_eq(dpkg_list_read(dir, "", NULL, &files, &mtime, &diag), -EINVAL);
        ck_assert_uint_eq(diag.n, 0);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_dpkg_list_read_errors) {
        static const struct bad_case cases[] = {
                { "/.\n/usr\nusr/bin\n/usr/sbin\n", 3, 2 },
                { "/usr\n\n/bin\n", 2, 2 },
                { "/usr\n/usr/bin", 2, 1 },
        };
        char *dir = tmpdir_make();

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct vb_strv files = {};
                struct vb_diag diag = {};

                write_file(dir, "info/bad.list", cases[i].text);
                ck_assert_int_eq(dpkg_list_read(dir, "bad", NULL, &files, NULL, &diag), -EINVAL);
                ck_assert_uint_eq(diag.n, 1);
                ck_assert_uint_eq(diag.items[0].line, cases[i].line);
                ck_assert_ptr_nonnull(strstr(diag.items[0].file, "info/bad.list"));
                /* the bad line is skipped, the others still count */
                ck_assert_uint_eq(files.n, cases[i].kept);
                strv_clear(&files);
        }

        /* a NUL byte spoils its line only */
        static const char nul[] = "/usr\n/a\0b\n/usr/lib/x\n";
        struct vb_strv files = {};
        struct vb_diag diag = {};
        char *path;
        ck_assert(asprintf(&path, "%s/info/nul.list", dir) > 0);
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(nul, 1, sizeof nul - 1, f), sizeof nul - 1);
        ck_assert_int_eq(fclose(f), 0);
        free(path);
        ck_assert_int_eq(dpkg_list_read(dir, "nul", NULL, &files, NULL, &diag), -EINVAL);
        ck_assert_uint_eq(diag.items[0].line, 2);
        ck_assert_uint_eq(files.n, 2);
        ck_assert_str_eq(files.v[1], "/usr/lib/x");
        strv_clear(&files);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_dpkg_list_name_parse) {
        char *name = NULL, *arch = NULL;

        ck_assert_int_eq(dpkg_list_name_parse("kesl:amd64.list", &name, &arch), 0);
        ck_assert_str_eq(name, "kesl");
        ck_assert_str_eq(arch, "amd64");
        free(name);
        free(arch);
        ck_assert_int_eq(dpkg_list_name_parse("klnagent64.list", &name, &arch), 0);
        ck_assert_str_eq(name, "klnagent64");
        ck_assert_ptr_null(arch);
        free(name);

        static const char *const bad[] = { "kesl.md5sums", ".list", ":amd64.list", "kesl:.list", "kesl",
                                           "a:b:c.list", "list", "x/y.list", "kesl.list.new" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ck_assert_msg(dpkg_list_name_parse(bad[i], &name, &arch) == -EINVAL, "%s", bad[i]);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("dpkg");
        TCase *tc = tcase_create("parse");

        tcase_add_test(tc, test_dpkg_realistic_status);
        tcase_add_test(tc, test_dpkg_field_names_case_insensitive);
        tcase_add_test(tc, test_dpkg_multi_arch);
        tcase_add_test(tc, test_dpkg_long_lines);
        tcase_add_test(tc, test_dpkg_control_without_status);
        tcase_add_loop_test(tc, test_dpkg_bad_input_line, 0, ELEMENTSOF(bad_cases));
        tcase_add_test(tc, test_dpkg_600_fields_accepted);
        tcase_add_test(tc, test_dpkg_damaged_stanza_keeps_its_name);
        tcase_add_test(tc, test_dpkg_truncated_last_line);
        tcase_add_test(tc, test_dpkg_nul_byte);
        tcase_add_test(tc, test_dpkg_error_keeps_the_other_stanzas);
        tcase_add_test(tc, test_dpkg_empty_and_blank_input);
        tcase_add_test(tc, test_dpkg_many_packages);
        tcase_add_test(tc, test_dpkg_has_files);
        tcase_add_test(tc, test_dpkg_fuzz_prefixes_and_mutations);
        tcase_set_timeout(tc, 60);
        suite_add_tcase(s, tc);

        tc = tcase_create("files");
        tcase_add_test(tc, test_dpkg_db_read_updates_in_numeric_order);
        tcase_add_test(tc, test_dpkg_db_read_no_updates_dir);
        tcase_add_test(tc, test_dpkg_db_read_missing_status);
        tcase_add_test(tc, test_dpkg_db_read_requires_status);
        tcase_add_test(tc, test_dpkg_db_read_skips_a_bad_update_and_keeps_the_rest);
        tcase_add_test(tc, test_dpkg_list_read);
        tcase_add_test(tc, test_dpkg_list_read_errors);
        tcase_add_test(tc, test_dpkg_list_name_parse);
        suite_add_tcase(s, tc);
        return s;
}
