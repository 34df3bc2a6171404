/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content checks of single files for a scan (see scan-internal.h): a file
 * is hashed once (or its cached hash taken, keyed by device, inode, size,
 * mtime and ctime), then judged by the engine; the files a package lists
 * go the same way. Owns nothing beyond the scan context it is given. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "scan-internal.h"

#define SCAN_BATCH 2000                 /* cache rows written per transaction */

/* A path that could not be read: counted, and named to the caller. */
void scan_report_unreadable(struct scan_ctx *c, const char *path, int error) {
        c->stats->errors++;
        if (error == -ESTALE)
                diag_add(c->o->unreadable, path, 0, "moved away while scanned: the rest of it was skipped");
        else
                diag_add(c->o->unreadable, path, 0, "cannot read: %s", strerror(-error));
}

/* Hand a match to the caller outside our batching transaction: what the
 * caller records (a finding, an action row) must be committed before it
 * acts on the system. Matches are rare, so this costs nothing. */
int scan_deliver(struct scan_ctx *c, const struct vb_scan_item *item) {
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

void scan_count_verdict(struct vb_scan_stats *st, const struct vb_decision *d) {
        if (d->verdict == VB_VERDICT_BLOCK)
                st->blocked++;
        else if (d->verdict == VB_VERDICT_FLAG)
                st->flagged++;
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
        c->prog.bytes += (uint64_t) st->st_size;
        scan_progress(c, false);
        struct vb_file f = {
                .path = path, .sha256 = content->sha256, .is_elf = content->is_elf,
                .marker_hits = content->marker_hits, .first_seen = st->st_ctim.tv_sec,
                .marker_words = content->marker_words,
        };
        engine_evaluate_file(c->o->policy, &f, c->o->now, &d);
        if (!d.ban)
                return 0;
        scan_count_verdict(c->stats, &d);
        struct vb_scan_item item = { .file = &f, .decision = &d };
        return scan_deliver(c, &item);
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
                        scan_report_unreadable(c, res->path, res->error);
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
int scan_regular(struct scan_ctx *c, int dfd, const char *name, const char *path) {
        const struct vb_scan_options *o = c->o;
        struct vb_file_content content = {};
        struct vb_file_key key;
        struct stat st;
        int r;

        if (o->owned && pathset_contains(o->owned, path))
                return 0;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno != ENOENT)
                        scan_report_unreadable(c, path, -errno);
                return 0;
        }
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
                if (fd != -ENOENT && fd != -EBADF)      /* gone, or no longer a regular file */
                        scan_report_unreadable(c, path, fd);
                return 0;
        }
        if (c->pool)
                return hash_in_pool(c, fd, path, &st);
        r = filescan_fd(c->fs, fd, &content);
        close(fd);
        if (r < 0) {
                scan_report_unreadable(c, path, r);
                return 0;
        }
        return finish_hashed(c, path, &st, &content);
}

void scan_batch_commit(struct scan_ctx *c) {
        if (!c->in_tx || c->batch < SCAN_BATCH)
                return;
        (void) store_commit(c->o->store);
        c->in_tx = store_begin(c->o->store) >= 0;
        c->batch = 0;
}

/* Below one of the watched paths (component-wise). */
static bool under_watched(const struct vb_config *cfg, const char *path) {
        for (size_t i = 0; i < cfg->watch_paths.n; i++) {
                const char *w = cfg->watch_paths.v[i];
                size_t l = strlen(w);
                while (l > 0 && w[l - 1] == '/')
                        l--;
                if (strncmp(path, w, l) == 0 && (path[l] == '/' || path[l] == '\0'))
                        return true;
        }
        return false;
}

/* Content-check every regular file a package lists (sha256, and markers
 * in ELF files), through the hash cache. Paths are resolved inside the
 * root, one directory open at a time (lists are grouped by directory).
 * Under a full scan, the watched paths are left to the file pass. */
int scan_package_files(struct scan_ctx *c, const struct vb_strv *files) {
        _cleanup_free_ char *dir = NULL;
        int dfd = -EBADF, r = 0;

        for (size_t i = 0; i < files->n && r >= 0; i++) {
                const char *path = files->v[i], *slash = strrchr(path, '/');
                size_t dl;

                if (!slash || slash[1] == '\0' || (c->files_pass && under_watched(&c->o->policy->config, path)))
                        continue;
                dl = (size_t) (slash - path) + 1;
                if (!dir || strlen(dir) != dl || strncmp(dir, path, dl) != 0) {
                        free(dir);
                        if (dfd >= 0)
                                close(dfd);
                        dir = strndup(path, dl);
                        if (!dir)
                                return -ENOMEM;
                        dfd = open_in_root(c->o->root, dir, O_RDONLY | O_DIRECTORY);
                        if (dfd < 0 && dfd != -ENOENT && dfd != -ENOTDIR)
                                scan_report_unreadable(c, dir, dfd);
                }
                if (dfd < 0)
                        continue;       /* its directory is gone or unreadable (reported) */
                r = scan_regular(c, dfd, slash + 1, path);
                scan_batch_commit(c);
        }
        if (dfd >= 0)
                close(dfd);
        return r;
}

int scan_filescan_new(const struct vb_policy *p, struct vb_filescan **ret) {
        return filescan_new_for_policy(p, ret); /* the policy's automaton, shared */
}

/* A walk hashes in a pool of threads (one per CPU); without one, here. */
int scan_hash_start(struct scan_ctx *c) {
        const struct vb_policy *p = c->o->policy;

        if (hashpool_new_for_policy(p, 0, &c->pool) >= 0)
                return 0;
        c->pool = NULL;
        return scan_filescan_new(p, &c->fs);
}

int scan_hash_finish(struct scan_ctx *c, int r) {
        int k = drain_pool(c, true);

        hashpool_free(c->pool);
        c->pool = NULL;
        filescan_free(c->fs);
        c->fs = NULL;
        return r < 0 ? r : k;
}
