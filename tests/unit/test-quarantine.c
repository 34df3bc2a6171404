/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/quarantine*.c and the quarantine ledger in store-quarantine.c:
 * moves and copies, refusals (symlinks, changed files, unsafe quarantine
 * directory), a full file system, crash recovery and restore. Most need
 * root (ownership, tmpfs mounts) and return early with a note otherwise. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "filescan.h"
#include "harness.h"
#include "quarantine.h"
#include "store.h"
#include "util.h"

#define QDIR "/var/lib/vendorban/quarantine"
#define KESL "/opt/kaspersky/kesl/bin/kesl"
#define KESL_CONTENT "\177ELF kaspersky endpoint security\n"

#define NEED_ROOT()                                                             \
        do {                                                                    \
                if (geteuid() != 0) {                                           \
                        fprintf(stderr, "%s: skipped, needs root\n", __func__); \
                        return;                                                 \
                }                                                               \
        } while (0)

static char *root;
static char *outside;           /* a directory outside the root */
static char *dbpath;
static bool mounted;
static struct vb_store *store;

/* root + p, in one of a few rotating buffers. */
static const char *R(const char *p) {
        static char bufs[4][PATH_MAX];
        static unsigned i;
        char *b = bufs[i++ % 4];

        snprintf(b, PATH_MAX, "%s%s", root, p);
        return b;
}

static void setup(void) {
        root = tmpdir_make();
        outside = tmpdir_make();
        ck_assert(asprintf(&dbpath, "%s/vendorban.db", root) > 0);
        ck_assert_int_eq(store_open(dbpath, false, &store), 0);
        write_file(root, "var/lib/vendorban/.keep", "");
}

static void teardown(void) {
        if (mounted)
                ck_assert_int_eq(umount2(R("/var/lib/vendorban"), MNT_DETACH), 0);
        mounted = false;
        store_free(store);
        store = NULL;
        free(dbpath);
        tmpdir_remove(root);
        tmpdir_remove(outside);
        root = outside = dbpath = NULL;
}

/* A tmpfs of size bytes over ROOT/var/lib/vendorban, so that the
 * quarantine directory is on another file system; in a private mount
 * namespace, so that nothing leaks to the host if a test dies. */
static void mount_small_qfs(const char *size) {
        char opts[64];

        ck_assert_int_eq(unshare(CLONE_NEWNS), 0);
        ck_assert_int_eq(mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL), 0);
        snprintf(opts, sizeof(opts), "size=%s,mode=0755", size);
        ck_assert_msg(mount("tmpfs", R("/var/lib/vendorban"), "tmpfs", 0, opts) == 0, "mount: %m");
        mounted = true;
}

static void put_file(const char *path, const void *data, size_t len, uid_t uid, gid_t gid, mode_t mode) {
        write_file(root, path + 1, "");
        int fd = open(R(path), O_WRONLY | O_TRUNC | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, data, len), (ssize_t) len);
        ck_assert_int_eq(close(fd), 0);
        ck_assert_int_eq(chown(R(path), uid, gid), 0);
        ck_assert_int_eq(chmod(R(path), mode), 0);
}

static void put_kesl(void) {
        put_file(KESL, KESL_CONTENT, strlen(KESL_CONTENT), 1234, 1234, 04755);
}

/* A file of size bytes that does not compress to nothing. */
static void put_big(const char *path, size_t size) {
        char *b = malloc(size);

        ck_assert_ptr_nonnull(b);
        for (size_t i = 0; i < size; i++)
                b[i] = (char) (i * 7 + i / 251);
        put_file(path, b, size, 0, 0, 0755);
        free(b);
}

/* False under valgrind 3.19, which does not know openat2(). */
static bool have_openat2(void) {
        struct open_how how = { .flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        int fd = (int) syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);

        if (fd >= 0)
                close(fd);
        return fd >= 0 || errno != ENOSYS;
}

static const char *sha_of(const char *hostpath) {
        static char sha[65];
        struct vb_filescan *fs = NULL;
        struct vb_file_content c;
        int fd = open(hostpath, O_RDONLY | O_CLOEXEC);

        ck_assert_msg(fd >= 0, "open %s: %m", hostpath);
        ck_assert_int_eq(filescan_new(NULL, 0, &fs), 0);
        ck_assert_int_eq(filescan_fd(fs, fd, &c), 0);
        filescan_free(fs);
        close(fd);
        memcpy(sha, c.sha256, sizeof(sha));
        return sha;
}

static const char *content_sha(const char *s) {
        static char sha[65];
        struct vb_filescan *fs = NULL;
        struct vb_file_content c;

        ck_assert_int_eq(filescan_new(NULL, 0, &fs), 0);
        ck_assert_int_eq(filescan_buffer(fs, s, strlen(s), &c), 0);
        filescan_free(fs);
        memcpy(sha, c.sha256, sizeof(sha));
        return sha;
}

static bool exists(const char *hostpath) {
        struct stat st;

        return lstat(hostpath, &st) == 0;
}

static size_t count_entries(const char *hostdir) {
        DIR *d = opendir(hostdir);
        struct dirent *de;
        size_t n = 0;

        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

/* A row copied out of quarantine_get(). */
struct row {
        char state[16];
        char stored[128];
        char sha256[65];
        char error[256];
        uint32_t uid, gid, mode;
        int64_t finding_id, moved_usec, restored_usec;
};

static int row_copy(const struct vb_quarantine_entry *e, void *ud) {
        struct row *r = ud;

        *r = (struct row) { .uid = e->uid, .gid = e->gid, .mode = e->mode, .finding_id = e->finding_id,
                            .moved_usec = e->moved_usec, .restored_usec = e->restored_usec };
        snprintf(r->state, sizeof(r->state), "%s", e->state);
        snprintf(r->stored, sizeof(r->stored), "%s", e->stored_name);
        snprintf(r->sha256, sizeof(r->sha256), "%s", e->sha256);
        snprintf(r->error, sizeof(r->error), "%s", e->error ? e->error : "");
        return 0;
}

static struct row get_row(int64_t id) {
        struct row r;

        ck_assert_int_eq(quarantine_get(store, id, row_copy, &r), 0);
        return r;
}

static size_t n_rows(void) {
        int n = quarantine_foreach(store, NULL, NULL);

        ck_assert_int_ge(n, 0);
        return (size_t) n;
}

static const char *stored_path(const char *name) {
        static char p[PATH_MAX];

        snprintf(p, sizeof(p), "%s%s/%s", root, QDIR, name);
        return p;
}

static int64_t quarantine_ok(const char *path) {
        int64_t id = 0;
        int r = quarantine_file(store, root, QDIR, path, NULL, 7, &id);

        ck_assert_msg(r == 0, "quarantine_file %s: %d %s", path, r, store_errmsg(store));
        ck_assert_int_gt(id, 0);
        return id;
}

static void restore_ok(int64_t id) {
        int r = quarantine_restore(store, root, QDIR, id);

        ck_assert_msg(r == 0, "quarantine_restore %lld: %d %s", (long long) id, r, store_errmsg(store));
        ck_assert_str_eq(get_row(id).state, "restored");
}

/* The file at path is KESL_CONTENT with owner 1234:1234, mode 04755 and mtime. */
static void assert_kesl_back(const char *path, const struct timespec *mtime) {
        struct stat st;

        ck_assert_int_eq(lstat(R(path), &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_str_eq(sha_of(R(path)), content_sha(KESL_CONTENT));
        ck_assert_uint_eq(st.st_uid, 1234);
        ck_assert_uint_eq(st.st_gid, 1234);
        ck_assert_uint_eq(st.st_mode & 07777, 04755);
        if (mtime) {
                ck_assert_int_eq(st.st_mtim.tv_sec, mtime->tv_sec);
                ck_assert_int_eq(st.st_mtim.tv_nsec, mtime->tv_nsec);
        }
}

/* Moves on one file system. */

START_TEST(test_quarantine_moves_file_mode0_named_by_sha) {
        struct stat st;
        struct row row;
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = quarantine_ok(KESL);

        ck_assert(!exists(R(KESL)));
        row = get_row(id);
        ck_assert_str_eq(row.state, "quarantined");
        ck_assert_str_eq(row.sha256, content_sha(KESL_CONTENT));
        ck_assert_str_eq(row.stored, row.sha256);
        ck_assert_uint_eq(row.uid, 1234);
        ck_assert_uint_eq(row.mode, 04755);
        ck_assert_int_eq(row.finding_id, 7);
        ck_assert_int_gt(row.moved_usec, 0);
        ck_assert_str_eq(row.error, "");

        ck_assert_int_eq(lstat(stored_path(row.stored), &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_uint_eq(st.st_mode & 07777, 0);
        ck_assert_uint_eq(st.st_uid, 0);
        ck_assert_str_eq(sha_of(stored_path(row.stored)), row.sha256);
        ck_assert_int_eq(lstat(R(QDIR), &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0700);
        ck_assert_uint_eq(count_entries(R(QDIR)), 1);
}
END_TEST

START_TEST(test_quarantine_restore_round_trip) {
        struct timespec mtime;
        struct stat st;
        int64_t id;

        NEED_ROOT();
        put_kesl();
        ck_assert_int_eq(lstat(R(KESL), &st), 0);
        mtime = st.st_mtim;
        id = quarantine_ok(KESL);

        restore_ok(id);
        assert_kesl_back(KESL, &mtime);
        ck_assert_int_gt(get_row(id).restored_usec, 0);
        ck_assert_uint_eq(count_entries(R(QDIR)), 0);
        /* Only a quarantined file can be restored. */
        ck_assert_int_eq(quarantine_restore(store, root, QDIR, id), -EINVAL);
        ck_assert_int_eq(quarantine_restore(store, root, QDIR, 999), -ENOENT);
}
END_TEST

START_TEST(test_quarantine_two_identical_files_share_one_copy) {
        int64_t a, b;

        NEED_ROOT();
        put_kesl();
        put_file("/opt/kaspersky/copy/kesl", KESL_CONTENT, strlen(KESL_CONTENT), 1234, 1234, 04755);
        a = quarantine_ok(KESL);
        b = quarantine_ok("/opt/kaspersky/copy/kesl");

        ck_assert_str_eq(get_row(a).state, "quarantined");
        ck_assert_str_eq(get_row(b).state, "quarantined");
        ck_assert_str_eq(get_row(a).stored, get_row(b).stored);
        ck_assert_uint_eq(count_entries(R(QDIR)), 1);
        ck_assert(!exists(R(KESL)));
        ck_assert(!exists(R("/opt/kaspersky/copy/kesl")));

        /* The first restore copies (b still needs the content), the second moves. */
        restore_ok(a);
        ck_assert_uint_eq(count_entries(R(QDIR)), 1);
        restore_ok(b);
        ck_assert_uint_eq(count_entries(R(QDIR)), 0);
        assert_kesl_back(KESL, NULL);
        assert_kesl_back("/opt/kaspersky/copy/kesl", NULL);
}
END_TEST

/* Refusals. */

START_TEST(test_quarantine_symlink_at_path_refused) {
        char target[PATH_MAX];

        NEED_ROOT();
        write_file(outside, "victim", "precious\n");
        snprintf(target, sizeof(target), "%s/victim", outside);
        write_file(root, "opt/kaspersky/kesl/bin/.keep", "");
        ck_assert_int_eq(symlink(target, R(KESL)), 0);

        ck_assert_int_eq(quarantine_file(store, root, QDIR, KESL, NULL, 0, NULL), -ELOOP);
        ck_assert_ptr_nonnull(strstr(store_errmsg(store), "symlink"));
        ck_assert_str_eq(sha_of(target), content_sha("precious\n"));
        ck_assert(exists(R(KESL)));
        ck_assert_uint_eq(n_rows(), 0);
}
END_TEST

START_TEST(test_quarantine_symlinked_parent_stays_inside_root) {
        char victim[PATH_MAX];
        int64_t id;
        int r;

        NEED_ROOT();
        /* ROOT/opt/kaspersky -> /tmp/outside... (an absolute host path). */
        write_file(outside, "kesl/bin/kesl", KESL_CONTENT);
        snprintf(victim, sizeof(victim), "%s/kesl/bin/kesl", outside);
        write_file(root, "opt/.keep", "");
        ck_assert_int_eq(symlink(outside, R("/opt/kaspersky")), 0);

        /* Resolved inside the root, the link leads nowhere (without
         * openat2, as under valgrind 3.19, no symlink is followed at all). */
        r = quarantine_file(store, root, QDIR, KESL, NULL, 0, NULL);
        if (have_openat2())
                ck_assert_int_eq(r, -ENOENT);
        else
                ck_assert_int_lt(r, 0);
        ck_assert_str_eq(sha_of(victim), content_sha(KESL_CONTENT));
        ck_assert_uint_eq(n_rows(), 0);
        if (!have_openat2())
                return;

        /* With the same path mirrored inside the root, that copy is taken. */
        write_file(root, victim + 1, KESL_CONTENT);
        id = quarantine_ok(KESL);
        ck_assert_str_eq(get_row(id).state, "quarantined");
        ck_assert(!exists(R(victim)));
        ck_assert_str_eq(sha_of(victim), content_sha(KESL_CONTENT));
}
END_TEST

START_TEST(test_quarantine_expected_sha_mismatch_is_estale) {
        NEED_ROOT();
        put_kesl();
        ck_assert_int_eq(quarantine_file(store, root, QDIR, KESL, content_sha("something else"), 0, NULL), -ESTALE);
        assert_kesl_back(KESL, NULL);
        ck_assert_uint_eq(n_rows(), 0);

        /* The expected hash is compared without regard to case. */
        char upper[65];
        snprintf(upper, sizeof(upper), "%s", content_sha(KESL_CONTENT));
        for (char *p = upper; *p; p++)
                if (*p >= 'a' && *p <= 'f')
                        *p = (char) (*p - 'a' + 'A');
        ck_assert_int_eq(quarantine_file(store, root, QDIR, KESL, upper, 0, NULL), 0);
        ck_assert(!exists(R(KESL)));
}
END_TEST

START_TEST(test_quarantine_not_a_regular_file) {
        NEED_ROOT();
        write_file(root, "opt/kaspersky/dir/.keep", "");
        ck_assert_int_eq(mkfifo(R("/opt/kaspersky/fifo"), 0644), 0);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, "/opt/kaspersky/dir", NULL, 0, NULL), -EISDIR);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, "/opt/kaspersky/fifo", NULL, 0, NULL), -EINVAL);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, "/opt/kaspersky/none", NULL, 0, NULL), -ENOENT);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, "relative/path", NULL, 0, NULL), -EINVAL);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, "/opt/kaspersky/..", NULL, 0, NULL), -EINVAL);
        ck_assert_uint_eq(n_rows(), 0);
}
END_TEST

START_TEST(test_quarantine_unsafe_qdir_is_eperm) {
        char target[PATH_MAX];

        NEED_ROOT();
        put_kesl();
        ck_assert_int_eq(mkdir(R(QDIR), 0755), 0);
        ck_assert_int_eq(chmod(R(QDIR), 0755), 0);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, KESL, NULL, 0, NULL), -EPERM);
        ck_assert_ptr_nonnull(strstr(store_errmsg(store), "0755"));
        assert_kesl_back(KESL, NULL);

        /* A symlink as the quarantine directory, even to a 0700 one. */
        ck_assert_int_eq(rmdir(R(QDIR)), 0);
        snprintf(target, sizeof(target), "%s/q", outside);
        ck_assert_int_eq(mkdir(target, 0700), 0);
        ck_assert_int_eq(symlink(target, R(QDIR)), 0);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, KESL, NULL, 0, NULL), -EPERM);
        ck_assert_ptr_nonnull(strstr(store_errmsg(store), "symlink"));
        assert_kesl_back(KESL, NULL);
        ck_assert_uint_eq(count_entries(target), 0);
        ck_assert_uint_eq(n_rows(), 0);
}
END_TEST

START_TEST(test_quarantine_inside_transaction_is_ebusy) {
        NEED_ROOT();
        put_kesl();
        ck_assert_int_eq(store_begin(store), 0);
        ck_assert_int_eq(quarantine_file(store, root, QDIR, KESL, NULL, 0, NULL), -EBUSY);
        ck_assert_int_eq(store_rollback(store), 0);
        assert_kesl_back(KESL, NULL);
        ck_assert_uint_eq(n_rows(), 0);
}
END_TEST

/* Restore refusals. */

START_TEST(test_quarantine_restore_refuses_to_overwrite) {
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = quarantine_ok(KESL);
        write_file(root, KESL + 1, "a new file\n");

        ck_assert_int_eq(quarantine_restore(store, root, QDIR, id), -EEXIST);
        ck_assert_str_eq(sha_of(R(KESL)), content_sha("a new file\n"));
        ck_assert_str_eq(get_row(id).state, "quarantined");
        ck_assert(exists(stored_path(get_row(id).stored)));

        /* Nor through a symlink at the path. */
        ck_assert_int_eq(unlink(R(KESL)), 0);
        ck_assert_int_eq(symlink("/nonexistent", R(KESL)), 0);
        ck_assert_int_eq(quarantine_restore(store, root, QDIR, id), -EEXIST);
        ck_assert_int_eq(unlink(R(KESL)), 0);
        restore_ok(id);
        assert_kesl_back(KESL, NULL);
}
END_TEST

START_TEST(test_quarantine_restore_needs_its_directory) {
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = quarantine_ok(KESL);
        ck_assert_int_eq(rmdir(R("/opt/kaspersky/kesl/bin")), 0);

        ck_assert_int_eq(quarantine_restore(store, root, QDIR, id), -ENOENT);
        ck_assert_ptr_nonnull(strstr(store_errmsg(store), "recreate"));
        ck_assert_str_eq(get_row(id).state, "quarantined");
        ck_assert_int_eq(mkdir(R("/opt/kaspersky/kesl/bin"), 0755), 0);
        restore_ok(id);
}
END_TEST

START_TEST(test_quarantine_restore_refuses_tampered_copy) {
        struct row row;
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = quarantine_ok(KESL);
        row = get_row(id);
        FILE *f = fopen(stored_path(row.stored), "ae");
        ck_assert_ptr_nonnull(f);
        fputs("tampered", f);
        fclose(f);

        ck_assert_int_eq(quarantine_restore(store, root, QDIR, id), -EBADMSG);
        ck_assert(!exists(R(KESL)));
        ck_assert_str_eq(get_row(id).state, "quarantined");
}
END_TEST

/* Another file system: copy, and a full one. */

START_TEST(test_quarantine_cross_fs_copies_and_restores) {
        struct timespec mtime;
        struct stat st;
        struct row row;
        int64_t id;

        NEED_ROOT();
        mount_small_qfs("1m");
        put_kesl();
        ck_assert_int_eq(lstat(R(KESL), &st), 0);
        mtime = st.st_mtim;
        id = quarantine_ok(KESL);

        row = get_row(id);
        ck_assert_str_eq(row.state, "quarantined");
        ck_assert(!exists(R(KESL)));
        ck_assert_int_eq(lstat(stored_path(row.stored), &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0);
        ck_assert_str_eq(sha_of(stored_path(row.stored)), content_sha(KESL_CONTENT));
        ck_assert_uint_eq(count_entries(R(QDIR)), 1);  /* no temporary file left */

        restore_ok(id);
        assert_kesl_back(KESL, &mtime);
        ck_assert_uint_eq(count_entries(R(QDIR)), 0);
        ck_assert_uint_eq(count_entries(R("/opt/kaspersky/kesl/bin")), 1);
}
END_TEST

START_TEST(test_quarantine_full_qdir_is_enospc_and_keeps_original) {
        char sha[65];
        struct row row;
        int64_t id = 0;

        NEED_ROOT();
        mount_small_qfs("64k");
        put_big("/opt/kaspersky/lib/libbig.so", 200 * 1024);
        snprintf(sha, sizeof(sha), "%s", sha_of(R("/opt/kaspersky/lib/libbig.so")));

        ck_assert_int_eq(quarantine_file(store, root, QDIR, "/opt/kaspersky/lib/libbig.so", sha, 0, &id), -ENOSPC);
        ck_assert_int_gt(id, 0);
        ck_assert_str_eq(sha_of(R("/opt/kaspersky/lib/libbig.so")), sha);
        row = get_row(id);
        ck_assert_str_eq(row.state, "failed");
        ck_assert_msg(strstr(row.error, "space"), "%s", row.error);
        ck_assert_uint_eq(count_entries(R(QDIR)), 0);

        /* Nothing for recovery to do, and the row stays failed. */
        size_t fixed = 99;
        ck_assert_int_eq(quarantine_recover(store, root, QDIR, &fixed), 0);
        ck_assert_uint_eq(fixed, 0);
        ck_assert_int_eq(quarantine_restore(store, root, QDIR, id), -EINVAL);
}
END_TEST

/* Crashes and recovery. */

static int64_t crash_at(enum vb_quarantine_hook hook) {
        int64_t id = 0;
        int r = quarantine_file_ex(store, root, QDIR, KESL, NULL, 0, hook, &id);

        ck_assert_msg(r == 0, "quarantine_file_ex: %d %s", r, store_errmsg(store));
        ck_assert_int_gt(id, 0);
        ck_assert_str_eq(get_row(id).state, "pending");
        return id;
}

static void recover_expect(size_t n) {
        size_t fixed = 99;
        int r = quarantine_recover(store, root, QDIR, &fixed);

        ck_assert_msg(r == 0, "quarantine_recover: %d %s", r, store_errmsg(store));
        ck_assert_uint_eq(fixed, n);
}

START_TEST(test_quarantine_crash_after_ledger_rolls_back) {
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = crash_at(VB_QUARANTINE_HOOK_CRASH_AFTER_LEDGER);
        assert_kesl_back(KESL, NULL);

        recover_expect(1);
        ck_assert_str_eq(get_row(id).state, "rolled-back");
        assert_kesl_back(KESL, NULL);
        ck_assert_uint_eq(count_entries(R(QDIR)), 0);
        recover_expect(0);
}
END_TEST

START_TEST(test_quarantine_crash_after_move_completes) {
        struct stat st;
        struct row row;
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = crash_at(VB_QUARANTINE_HOOK_CRASH_AFTER_MOVE);
        ck_assert(!exists(R(KESL)));

        recover_expect(1);
        row = get_row(id);
        ck_assert_str_eq(row.state, "quarantined");
        ck_assert_int_gt(row.moved_usec, 0);
        ck_assert_int_eq(lstat(stored_path(row.stored), &st), 0);
        ck_assert_uint_eq(st.st_mode & 07777, 0);
        ck_assert_uint_eq(st.st_uid, 0);
        restore_ok(id);
        assert_kesl_back(KESL, NULL);
}
END_TEST

START_TEST(test_quarantine_crash_during_copy_removes_temp) {
        int64_t id;

        NEED_ROOT();
        mount_small_qfs("1m");
        put_kesl();
        id = crash_at(VB_QUARANTINE_HOOK_CRASH_DURING_COPY);
        ck_assert_uint_eq(count_entries(R(QDIR)), 1);  /* the temporary copy */

        recover_expect(1);
        ck_assert_str_eq(get_row(id).state, "rolled-back");
        ck_assert_uint_eq(count_entries(R(QDIR)), 0);
        assert_kesl_back(KESL, NULL);
}
END_TEST

START_TEST(test_quarantine_crash_before_unlink_drops_copy) {
        int64_t id;

        NEED_ROOT();
        mount_small_qfs("1m");
        put_kesl();
        id = crash_at(VB_QUARANTINE_HOOK_CRASH_BEFORE_UNLINK);
        ck_assert(exists(stored_path(content_sha(KESL_CONTENT))));
        ck_assert(exists(R(KESL)));

        recover_expect(1);
        ck_assert_str_eq(get_row(id).state, "rolled-back");
        ck_assert_uint_eq(count_entries(R(QDIR)), 0);
        assert_kesl_back(KESL, NULL);
}
END_TEST

START_TEST(test_quarantine_crash_before_unlink_keeps_shared_copy) {
        int64_t a, b;

        NEED_ROOT();
        mount_small_qfs("1m");
        put_file("/opt/kaspersky/copy/kesl", KESL_CONTENT, strlen(KESL_CONTENT), 1234, 1234, 04755);
        a = quarantine_ok("/opt/kaspersky/copy/kesl");
        put_kesl();
        b = crash_at(VB_QUARANTINE_HOOK_CRASH_BEFORE_UNLINK);

        recover_expect(1);
        ck_assert_str_eq(get_row(b).state, "rolled-back");
        ck_assert_str_eq(get_row(a).state, "quarantined");
        ck_assert_uint_eq(count_entries(R(QDIR)), 1);  /* a still needs it */
        restore_ok(a);
        assert_kesl_back("/opt/kaspersky/copy/kesl", NULL);
}
END_TEST

START_TEST(test_quarantine_recover_reports_lost_files) {
        struct row row;
        int64_t a, b;

        NEED_ROOT();
        put_kesl();
        a = crash_at(VB_QUARANTINE_HOOK_CRASH_AFTER_LEDGER);
        ck_assert_int_eq(unlink(R(KESL)), 0);
        put_file("/opt/kaspersky/other", KESL_CONTENT "x", strlen(KESL_CONTENT) + 1, 0, 0, 0755);
        b = quarantine_ok("/opt/kaspersky/other");
        ck_assert_int_eq(unlink(stored_path(get_row(b).stored)), 0);

        recover_expect(2);
        row = get_row(a);
        ck_assert_str_eq(row.state, "failed");
        ck_assert_str_eq(row.error, "file lost before quarantine could record it");
        row = get_row(b);
        ck_assert_str_eq(row.state, "failed");
        ck_assert_msg(strstr(row.error, "missing"), "%s", row.error);
}
END_TEST

START_TEST(test_quarantine_recover_finishes_lost_restore) {
        struct row row;
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = quarantine_ok(KESL);
        row = get_row(id);
        /* A restore that moved the file back and died before chmod and the ledger. */
        ck_assert_int_eq(rename(stored_path(row.stored), R(KESL)), 0);

        recover_expect(1);
        ck_assert_str_eq(get_row(id).state, "restored");
        assert_kesl_back(KESL, NULL);
}
END_TEST

START_TEST(test_quarantine_delete_keeps_row_deleted) {
        struct row row;
        int64_t id;

        NEED_ROOT();
        put_kesl();
        id = quarantine_ok(KESL);
        row = get_row(id);
        ck_assert_int_eq(access(stored_path(row.stored), F_OK), 0);
        ck_assert_int_eq(quarantine_delete(store, root, QDIR, id, 5000000), 0);
        ck_assert_str_eq(get_row(id).state, "deleted");
        ck_assert_int_eq(access(stored_path(row.stored), F_OK), -1);
        /* Only a held copy can be deleted; recovery leaves a deleted row alone. */
        ck_assert_int_eq(quarantine_delete(store, root, QDIR, id, 6000000), -EINVAL);
        ck_assert_int_eq(quarantine_delete(store, root, QDIR, id + 100, 6000000), -ENOENT);
        recover_expect(0);
        ck_assert_str_eq(get_row(id).state, "deleted");
}
END_TEST

/* The ledger. */

START_TEST(test_quarantine_ledger_migrates_from_v1) {
        sqlite3 *db;

        store_free(store);
        store = NULL;
        ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(db, "DROP TABLE quarantine; DROP TABLE actions; DROP TABLE policy_last_good; "
                                          "ALTER TABLE findings DROP COLUMN gone_usec; "
                                          "ALTER TABLE findings DROP COLUMN source; PRAGMA user_version = 1;", NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(db);

        ck_assert_int_eq(store_open(dbpath, false, &store), 0);
        ck_assert_int_eq(store_schema_version(store), VB_STORE_SCHEMA_VERSION);
        ck_assert_int_eq(quarantine_foreach(store, NULL, NULL), 0);
        ck_assert_int_eq(quarantine_get(store, 1, NULL, NULL), -ENOENT);
        ck_assert_int_eq(store_quarantine_set_state(store, 1, "failed", NULL, 0), -ENOENT);
        /* The state is checked by the schema. */
        ck_assert_int_eq(quarantine_recover(store, root, QDIR, NULL), 0);
}
END_TEST

START_TEST(test_quarantine_ledger_rejects_unknown_state) {
        struct vb_quarantine_entry e = {
                .state = "moved-somewhere", .path = "/x", .sha256 = "00", .stored_name = "00",
        };
        int64_t id = 0;

        ck_assert_int_eq(store_quarantine_insert(store, &e, &id), -EINVAL);
        e.state = "pending";
        ck_assert_int_eq(store_quarantine_insert(store, &e, &id), 0);
        ck_assert_int_eq(store_quarantine_set_state(store, id, "bogus", NULL, 0), -EINVAL);
        ck_assert_int_eq(get_row(id).finding_id, 0);
        ck_assert_int_eq(store_begin(store), 0);
        ck_assert_int_eq(store_quarantine_insert(store, &e, &id), -EBUSY);
        ck_assert_int_eq(store_rollback(store), 0);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("quarantine");
        TCase *tc;

        tc = tcase_create("move");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_quarantine_moves_file_mode0_named_by_sha);
        tcase_add_test(tc, test_quarantine_restore_round_trip);
        tcase_add_test(tc, test_quarantine_two_identical_files_share_one_copy);
        tcase_add_test(tc, test_quarantine_cross_fs_copies_and_restores);
        tcase_add_test(tc, test_quarantine_full_qdir_is_enospc_and_keeps_original);
        suite_add_tcase(s, tc);

        tc = tcase_create("refuse");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_quarantine_symlink_at_path_refused);
        tcase_add_test(tc, test_quarantine_symlinked_parent_stays_inside_root);
        tcase_add_test(tc, test_quarantine_expected_sha_mismatch_is_estale);
        tcase_add_test(tc, test_quarantine_not_a_regular_file);
        tcase_add_test(tc, test_quarantine_unsafe_qdir_is_eperm);
        tcase_add_test(tc, test_quarantine_inside_transaction_is_ebusy);
        tcase_add_test(tc, test_quarantine_restore_refuses_to_overwrite);
        tcase_add_test(tc, test_quarantine_restore_needs_its_directory);
        tcase_add_test(tc, test_quarantine_restore_refuses_tampered_copy);
        suite_add_tcase(s, tc);

        tc = tcase_create("recover");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_quarantine_crash_after_ledger_rolls_back);
        tcase_add_test(tc, test_quarantine_crash_after_move_completes);
        tcase_add_test(tc, test_quarantine_crash_during_copy_removes_temp);
        tcase_add_test(tc, test_quarantine_crash_before_unlink_drops_copy);
        tcase_add_test(tc, test_quarantine_crash_before_unlink_keeps_shared_copy);
        tcase_add_test(tc, test_quarantine_recover_reports_lost_files);
        tcase_add_test(tc, test_quarantine_recover_finishes_lost_restore);
        suite_add_tcase(s, tc);

        tc = tcase_create("ledger");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_quarantine_ledger_migrates_from_v1);
        tcase_add_test(tc, test_quarantine_delete_keeps_row_deleted);
        tcase_add_test(tc, test_quarantine_ledger_rejects_unknown_state);
        suite_add_tcase(s, tc);

        return s;
}
