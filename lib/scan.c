/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scanning a root (see scan.h): the package pass reads the dpkg database
 * and each file list; the file pass walks the watched paths with openat()
 * so that nothing in the root can redirect it outside, hashing each regular
 * file once (or taking the cached hash) and asking the engine. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "dpkg.h"
#include "hashpool.h"
#include "scan.h"

#define SCAN_DEPTH_MAX 128
#define SCAN_BATCH 2000

struct scan_ctx {
        const struct vb_scan_options *o;
        vb_scan_cb cb;
        void *userdata;
        struct vb_scan_stats *stats;
        struct vb_filescan *fs;
        struct vb_hashpool *pool;       /* hashing threads for the walk, or NULL */
        size_t batch;                   /* file cache rows written in this transaction */
        bool in_tx;                     /* scan_run batches its writes in a transaction */
        char *path;                     /* path inside the root being walked */
        size_t len, cap;
};

/* ---- path sets ---- */

int pathset_add(struct vb_pathset *s, const char *path) {
        s->sorted = false;
        return strv_push(&s->paths, path);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

bool pathset_contains(struct vb_pathset *s, const char *path) {
        if (s->paths.n == 0)
                return false;
        if (!s->sorted) {
                qsort(s->paths.v, s->paths.n, sizeof(char *), cmp_str);
                s->sorted = true;
        }
        return bsearch(&path, s->paths.v, s->paths.n, sizeof(char *), cmp_str) != NULL;
}

void pathset_clear(struct vb_pathset *s) {
        strv_clear(&s->paths);
        s->sorted = false;
}

/* Hand a match to the caller outside our batching transaction: what the
 * caller records (a finding, an action row) must be committed before it
 * acts on the system. Matches are rare, so this costs nothing. */
static int deliver(struct scan_ctx *c, const struct vb_scan_item *item) {
        int r;

        if (!c->cb)
                return 0;
        if (c->in_tx)
                (void) store_commit(c->o->store);
        r = c->cb(item, c->userdata);
        if (c->in_tx && store_begin(c->o->store) < 0)
                c->in_tx = false;
        c->batch = 0;
        return r;
}

/* Between two subjects: stop if the caller cancelled, let it work if it
 * asked to (outside our transaction, as in deliver()). */
static int scan_yield(struct scan_ctx *c) {
        const struct vb_scan_options *o = c->o;

        if (o->cancel && atomic_load(o->cancel))
                return -ECANCELED;
        if (!o->yield || !o->yield_cb || !atomic_load(o->yield))
                return 0;
        if (c->in_tx)
                (void) store_commit(o->store);
        o->yield_cb(o->yield_userdata);
        if (c->in_tx && store_begin(o->store) < 0)
                c->in_tx = false;
        c->batch = 0;
        return 0;
}

/* ---- packages ---- */

static void count_verdict(struct vb_scan_stats *st, const struct vb_decision *d) {
        if (d->verdict == VB_VERDICT_BLOCK)
                st->blocked++;
        else if (d->verdict == VB_VERDICT_FLAG)
                st->flagged++;
}

static int scan_one_package(struct scan_ctx *c, const char *admindir, const struct vb_dpkg_package *dp,
                            int64_t installed_at, struct vb_diag *diag) {
        const struct vb_scan_options *o = c->o;
        struct vb_strv files = {};
        int64_t mtime = 0;
        struct vb_decision d;
        int r;

        r = dpkg_list_read(admindir, dp->name, dp->arch, &files, &mtime, diag);
        if (r < 0 && r != -ENOENT)
                c->stats->errors++; /* evaluate by name and fields alone */

        struct vb_package pkg = {
                .name = dp->name,
                .arch = dp->arch,
                .version = dp->version,
                .maintainer = dp->maintainer,
                .original_maintainer = dp->original_maintainer,
                .vendor = dp->vendor,
                .files = (const char *const *) files.v,
                .n_files = files.n,
                .installed_at = installed_at > 0 ? installed_at : (mtime > 0 ? mtime : o->now),
        };
        engine_evaluate_package(o->policy, &pkg, o->now, &d);
        c->stats->packages++;

        if (o->store) {
                struct vb_inventory_entry e = {
                        .name = dp->name, .arch = dp->arch ? dp->arch : "", .version = dp->version,
                        .maintainer = dp->maintainer, .status = dp->status,
                };
                (void) store_package_upsert(o->store, &e, o->now);
        }

        r = 0;
        if (d.ban) {
                for (size_t i = 0; o->owned && i < files.n; i++)
                        (void) pathset_add(o->owned, files.v[i]);
                count_verdict(c->stats, &d);
                struct vb_scan_item item = { .pkg = &pkg, .decision = &d };
                r = deliver(c, &item);
        }
        strv_clear(&files);
        return r;
}

/* dpkg may fold updates/ into status while we read: read again then. */
static int read_db(const char *admindir, struct vb_dpkg_db **ret, struct vb_diag *diag) {
        struct vb_diag attempt;
        int r = -EAGAIN;

        for (unsigned i = 0; i < 5 && r == -EAGAIN; i++) {
                attempt = (struct vb_diag) {};
                r = dpkg_db_read(admindir, ret, &attempt);
        }
        for (size_t i = 0; diag && i < attempt.n && i < VB_DIAG_MAX; i++)
                diag_add(diag, attempt.items[i].file, attempt.items[i].line, "%s", attempt.items[i].message);
        return r;
}

static char *admindir_of(const struct vb_scan_options *o) {
        return path_under_root(o->root, o->policy->config.dpkg_admin_dir);
}

static int scan_packages(struct scan_ctx *c, struct vb_diag *diag) {
        _cleanup_free_ char *admindir = admindir_of(c->o);
        struct vb_dpkg_db *db = NULL;
        int r;

        if (!admindir)
                return -ENOMEM;
        size_t errors_before = diag ? diag->n : 0;
        r = read_db(admindir, &db, diag);
        if (r < 0)
                return r;

        for (size_t i = 0; i < db->n && r >= 0; i++) {
                if (!dpkg_package_has_files(&db->pkgs[i]))
                        continue;
                r = scan_yield(c);
                if (r >= 0)
                        r = scan_one_package(c, admindir, &db->pkgs[i], 0, diag);
        }
        if (r >= 0 && c->o->store)
                (void) store_packages_sweep(c->o->store, c->o->now);
        dpkg_db_free(db);
        if (r >= 0 && diag && diag->n > errors_before)
                r = -EINVAL; /* bad dpkg data, reported in diag; the rest was scanned */
        return r < 0 ? r : 0;
}

int scan_package(const struct vb_scan_options *o, const char *name, const char *arch, int64_t installed_at,
                 vb_scan_cb cb, void *userdata, struct vb_diag *diag) {
        struct vb_scan_stats stats = {};
        struct scan_ctx c = { .o = o, .cb = cb, .userdata = userdata, .stats = &stats };
        _cleanup_free_ char *admindir = admindir_of(o);
        struct vb_dpkg_db *db = NULL;
        int r;

        if (!admindir)
                return -ENOMEM;
        r = read_db(admindir, &db, diag);
        if (r < 0)
                return r;

        r = -ENOENT;
        for (size_t i = 0; i < db->n; i++) {
                const struct vb_dpkg_package *p = &db->pkgs[i];
                if (strcmp(p->name, name) != 0 || (arch && p->arch && strcmp(p->arch, arch) != 0))
                        continue;
                if (!dpkg_package_has_files(p))
                        continue;
                r = scan_one_package(&c, admindir, p, installed_at, diag);
                break;
        }
        dpkg_db_free(db);
        return r;
}

/* ---- loose files ---- */

static int path_push(struct scan_ctx *c, const char *name, size_t *ret_old) {
        size_t nl = strlen(name), need = c->len + 1 + nl + 1;

        if (need > c->cap) {
                size_t cap = need * 2;
                char *p = realloc(c->path, cap);
                if (!p)
                        return -ENOMEM;
                c->path = p;
                c->cap = cap;
        }
        *ret_old = c->len;
        if (c->len == 0 || c->path[c->len - 1] != '/')
                c->path[c->len++] = '/';
        memcpy(c->path + c->len, name, nl + 1);
        c->len += nl;
        return 0;
}

static void path_pop(struct scan_ctx *c, size_t old) {
        c->len = old;
        c->path[old] = '\0';
}

static int open_regular(int dfd, const char *name, struct stat *st) {
        int flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
        int fd = openat(dfd, name, flags | O_NOATIME);

        if (fd < 0 && errno == EPERM)
                fd = openat(dfd, name, flags);
        if (fd < 0)
                return -errno;
        if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
                close(fd);
                return -EBADF;
        }
        return fd;
}

static void file_key(const struct stat *st, struct vb_file_key *k) {
        *k = (struct vb_file_key) {
                .dev = st->st_dev, .ino = st->st_ino, .size = (uint64_t) st->st_size,
                .mtime_ns = (int64_t) st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
                .ctime_ns = (int64_t) st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
        };
}

/* Evaluate a file whose content is known (hashed now or cached). */
static int evaluate_file(struct scan_ctx *c, const char *path, const struct stat *st,
                         const struct vb_file_content *content) {
        struct vb_decision d;

        c->stats->files++;
        struct vb_file f = {
                .path = path, .sha256 = content->sha256, .is_elf = content->is_elf,
                .marker_hits = content->marker_hits, .first_seen = st->st_ctim.tv_sec,
        };
        engine_evaluate_file(c->o->policy, &f, c->o->now, &d);
        if (!d.ban)
                return 0;
        count_verdict(c->stats, &d);
        struct vb_scan_item item = { .file = &f, .decision = &d };
        return deliver(c, &item);
}

/* A file just hashed: remember its hash, then evaluate it. */
static int finish_hashed(struct scan_ctx *c, const char *path, const struct stat *st,
                         const struct vb_file_content *content) {
        struct vb_file_key key;

        c->stats->files_hashed++;
        c->stats->bytes_hashed += content->size;
        file_key(st, &key);
        if (c->o->store && store_file_put(c->o->store, path, &key, c->o->policy->markers_digest, content) >= 0)
                c->batch++;
        return evaluate_file(c, path, st, content);
}

/* Take what the hashing threads have finished (all of it, if wait). */
static int drain_pool(struct scan_ctx *c, bool wait) {
        struct vb_hash_result *res;
        int r = 0;

        while (r >= 0 && c->pool && hashpool_next(c->pool, wait, &res) > 0) {
                if (res->error < 0)
                        c->stats->errors++;
                else
                        r = finish_hashed(c, res->path, &res->st, &res->content);
        }
        return r;
}

static int hash_in_pool(struct scan_ctx *c, int fd, const char *path, const struct stat *st) {
        int r;

        while ((r = hashpool_submit(c->pool, fd, path, st)) == -EAGAIN) {
                r = drain_pool(c, false);
                if (r < 0) {
                        close(fd);
                        return r;
                }
        }
        return r;
}

/* Hash (or take from the cache) one regular file, then evaluate it. With
 * a pool, hashing happens in its threads and evaluation when it is done. */
static int scan_regular(struct scan_ctx *c, int dfd, const char *name, const char *path) {
        const struct vb_scan_options *o = c->o;
        struct vb_file_content content = {};
        struct vb_file_key key;
        struct stat st;
        int r;

        if (o->owned && pathset_contains(o->owned, path))
                return 0;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : (c->stats->errors++, 0);
        if (!S_ISREG(st.st_mode))
                return 0;

        file_key(&st, &key);
        r = o->store ? store_file_lookup(o->store, path, &key, o->policy->markers_digest, &content) : -ENOENT;
        if (r >= 0) {
                c->stats->files_cached++;
                return evaluate_file(c, path, &st, &content);
        }

        int fd = open_regular(dfd, name, &st);
        if (fd < 0) {
                c->stats->errors++;
                return 0;
        }
        if (c->pool)
                return hash_in_pool(c, fd, path, &st);
        r = filescan_fd(c->fs, fd, &content);
        close(fd);
        if (r < 0) {
                c->stats->errors++;
                return 0;
        }
        return finish_hashed(c, path, &st, &content);
}

static void batch_commit(struct scan_ctx *c) {
        if (!c->in_tx || c->batch < SCAN_BATCH)
                return;
        (void) store_commit(c->o->store);
        c->in_tx = store_begin(c->o->store) >= 0;
        c->batch = 0;
}

static int walk_dir(struct scan_ctx *c, int dfd, unsigned depth) {
        DIR *d = fdopendir(dfd);
        struct dirent *de;
        int r = 0;

        if (!d) {
                close(dfd);
                return -errno;
        }
        while (r >= 0 && (de = readdir(d))) {
                size_t old;
                unsigned char type = de->d_type;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                r = scan_yield(c);
                if (r < 0)
                        break;
                r = path_push(c, de->d_name, &old);
                if (r < 0)
                        break;
                if (type == DT_UNKNOWN) {
                        struct stat st;
                        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                                type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
                }
                if (type == DT_DIR && depth < SCAN_DEPTH_MAX) {
                        int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub >= 0)
                                r = walk_dir(c, sub, depth + 1);
                        else
                                c->stats->errors++;
                } else if (type == DT_DIR)
                        c->stats->errors++;
                else if (type == DT_REG) {
                        r = scan_regular(c, dirfd(d), de->d_name, c->path);
                        batch_commit(c);
                }
                path_pop(c, old);
        }
        closedir(d);
        return r == -ENOMEM || r < 0 ? r : 0;
}

static int scan_files(struct scan_ctx *c) {
        const struct vb_config *cfg = &c->o->policy->config;
        int r = 0;

        for (size_t i = 0; i < cfg->watch_paths.n && r >= 0; i++) {
                int fd = open_in_root(c->o->root, cfg->watch_paths.v[i], O_RDONLY | O_DIRECTORY);
                if (fd < 0)
                        continue; /* a watched path that does not exist holds nothing */
                c->len = 0;
                size_t old;
                r = path_push(c, cfg->watch_paths.v[i] + 1, &old);
                if (r >= 0)
                        r = walk_dir(c, fd, 0);
                else
                        close(fd);
        }
        return r;
}

static int filescan_for(const struct vb_policy *p, struct vb_filescan **ret) {
        return filescan_new(p->markers, p->n_markers, ret);
}

/* A walk hashes in a pool of threads (one per CPU); without one, here. */
static int walk_start(struct scan_ctx *c) {
        const struct vb_policy *p = c->o->policy;

        if (hashpool_new(p->markers, p->n_markers, 0, &c->pool) >= 0)
                return 0;
        c->pool = NULL;
        return filescan_for(p, &c->fs);
}

static int walk_finish(struct scan_ctx *c, int r) {
        int k = drain_pool(c, true);

        hashpool_free(c->pool);
        c->pool = NULL;
        filescan_free(c->fs);
        c->fs = NULL;
        return r < 0 ? r : k;
}

int scan_run(const struct vb_scan_options *o, vb_scan_cb cb, void *userdata, struct vb_scan_stats *ret_stats,
             struct vb_diag *diag) {
        struct vb_scan_options local = *o;
        struct vb_pathset owned = {};
        struct vb_scan_stats stats = {};
        struct scan_ctx c = { .o = &local, .cb = cb, .userdata = userdata, .stats = &stats };
        int64_t start = now_usec();
        int r = 0, rp = 0, rl = 0;

        /* Files of matched packages are covered by the package's finding. */
        if (!local.owned)
                local.owned = &owned;

        /* A ledger we cannot write (locked by another process, full, read
         * only) must not stop the scan: scan without it (no hash cache, no
         * inventory), deliver the matches all the same and return its error
         * at the end. */
        if (o->store) {
                rl = store_begin(o->store);
                if (rl < 0)
                        local.store = NULL;
                else
                        c.in_tx = true;
        }
        if (o->packages)
                rp = scan_packages(&c, diag);
        if (o->files && (rp >= 0 || rp == -EINVAL || rp == -ENOENT)) {
                r = walk_start(&c);
                if (r >= 0)
                        r = scan_files(&c);
                r = walk_finish(&c, r);
        }
        free(c.path);
        pathset_clear(&owned);
        if (c.in_tx) {
                if (r < 0 || (rp < 0 && rp != -EINVAL && rp != -ENOENT))
                        (void) store_rollback(o->store);
                else {
                        int k = store_commit(o->store);
                        if (k < 0 && r >= 0)
                                r = k;
                }
        }
        stats.duration_usec = now_usec() - start;
        if (ret_stats)
                *ret_stats = stats;
        return r < 0 ? r : rp < 0 ? rp : rl;
}

int scan_file(const struct vb_scan_options *o, const char *path, vb_scan_cb cb, void *userdata) {
        struct vb_scan_stats stats = {};
        struct scan_ctx c = { .o = o, .cb = cb, .userdata = userdata, .stats = &stats };
        const char *slash = strrchr(path, '/');
        int r;

        if (path[0] != '/' || !slash || slash[1] == '\0')
                return -EINVAL;

        _cleanup_free_ char *dir = strndup(path, (size_t) (slash - path) + 1);
        if (!dir)
                return -ENOMEM;
        _cleanup_close_ int dfd = open_in_root(o->root, dir, O_RDONLY | O_DIRECTORY);
        if (dfd < 0)
                return dfd;

        r = filescan_for(o->policy, &c.fs);
        if (r < 0)
                return r;
        struct stat st;
        if (fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        else
                r = scan_regular(&c, dfd, slash + 1, path);
        filescan_free(c.fs);
        return r;
}

int scan_tree(const struct vb_scan_options *o, const char *path, vb_scan_cb cb, void *userdata,
              struct vb_scan_stats *ret_stats) {
        struct vb_scan_stats stats = {};
        struct scan_ctx c = { .o = o, .cb = cb, .userdata = userdata, .stats = &stats };
        size_t old;
        int r;

        if (path[0] != '/')
                return -EINVAL;
        int fd = open_in_root(o->root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0)
                return fd;
        r = walk_start(&c);
        if (r >= 0)
                r = path_push(&c, path + 1, &old);
        if (r >= 0)
                r = walk_dir(&c, fd, 0);
        else
                close(fd);
        r = walk_finish(&c, r);
        free(c.path);
        if (ret_stats)
                *ret_stats = stats;
        return r;
}
