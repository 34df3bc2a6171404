/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scanning a root (see scan.h): the package pass reads the dpkg database
 * and each file list, judges the package, then the content of what it
 * installed; the file pass walks the watched paths through descriptors
 * (walk.c) so that nothing in the root can redirect it outside. Content
 * checks of single files are in scan-content.c. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "dpkg.h"
#include "rpmdb.h"
#include "scan-internal.h"
#include "walk.h"

/* Between two subjects: stop if the caller cancelled, let it work if it
 * asked to (outside our transaction, as scan_deliver() does). */
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

/* ---- packages ---- */

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
        scan_progress(c, false);
        if (c->installed) {
                _cleanup_free_ char *key = NULL;
                if (asprintf(&key, "%s\x1f%s", dp->name, dp->version ?: "") >= 0)
                        (void) pathset_add(c->installed, key);
        }

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
                scan_count_verdict(c->stats, &d);
                struct vb_scan_item item = { .pkg = &pkg, .decision = &d };
                r = scan_deliver(c, &item);
        } else
                /* A name and maintainer that match nothing prove nothing:
                 * what the package installed is checked by content. */
                r = scan_package_files(c, &files);
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

/* The rpm pass: each package as the engine sees a dpkg one, Vendor and
 * Packager among the maintainer fields; a package that matches nothing is
 * checked by the content of what it installed, as a dpkg one is. */
static int scan_rpm(struct scan_ctx *c, int64_t since, int64_t *ret_newest, struct vb_diag *diag) {
        const struct vb_scan_options *o = c->o;
        _cleanup_(rpmdb_freep) struct vb_rpm_db *db = NULL;
        _cleanup_free_ char *dbpath = NULL;
        int64_t newest = 0;
        int r, rr;

        r = rpmdb_locate(o->root, &dbpath);
        if (r < 0)
                return r;
        rr = rpmdb_read(o->root, dbpath, NULL, since, &db, diag);
        if (rr < 0 && rr != -EINVAL)
                return rr;
        for (size_t i = 0; i < db->n; i++) {
                const struct vb_rpm_package *rp = &db->pkgs[i];
                struct vb_package pkg = {
                        .name = rp->name, .arch = rp->arch, .version = rp->version, .vendor = rp->vendor,
                        .packager = rp->packager, .source = "rpm",
                        .files = (const char *const *) rp->files.v, .n_files = rp->files.n,
                        .installed_at = rp->installed_at > 0 ? rp->installed_at : o->now,
                };
                struct vb_decision d;

                newest = rp->installed_at > newest ? rp->installed_at : newest;
                engine_evaluate_package(o->policy, &pkg, o->now, &d);
                c->stats->packages++;
                if (!d.ban) {
                        r = scan_package_files(c, &rp->files);
                        if (r < 0)
                                return r;
                        continue;
                }
                for (size_t k = 0; o->owned && k < rp->files.n; k++)
                        (void) pathset_add(o->owned, rp->files.v[k]);
                scan_count_verdict(c->stats, &d);
                struct vb_scan_item item = { .pkg = &pkg, .decision = &d };
                r = scan_deliver(c, &item);
                if (r < 0)
                        return r;
        }
        if (ret_newest)
                *ret_newest = newest;
        return rr;
}

int scan_rpm_packages(const struct vb_scan_options *o, int64_t since, vb_scan_cb cb, void *userdata,
                      int64_t *ret_newest, struct vb_diag *diag) {
        struct vb_scan_stats stats = {};
        struct scan_ctx c = { .o = o, .cb = cb, .userdata = userdata, .stats = &stats };
        int r;

        c.in_tx = o->store && store_begin(o->store) >= 0;
        r = scan_hash_start(&c);
        if (r >= 0)
                r = scan_rpm(&c, since, ret_newest, diag);
        r = scan_hash_finish(&c, r);
        if (c.in_tx)
                (void) (r < 0 && r != -EINVAL ? store_rollback(o->store) : store_commit(o->store));
        return r;
}

static int scan_dpkg(struct scan_ctx *c, struct vb_diag *diag);

/* Both databases count where both exist: a bad or missing one never stops
 * the other. -ENOENT only when the root has neither. */
static int scan_packages(struct scan_ctx *c, struct vb_diag *diag) {
        size_t n_diag = diag ? diag->n : 0;
        int rd = scan_dpkg(c, diag);
        if (rd < 0 && rd != -EINVAL && rd != -ENOENT)
                return rd;
        int rr = scan_rpm(c, 0, NULL, diag);
        if (rr < 0 && rr != -EINVAL && rr != -ENOENT)
                return rr;
        if (rd == -ENOENT && rr == -ENOENT)
                return -ENOENT;
        if (rd == -ENOENT && diag && diag->n > n_diag && n_diag < VB_DIAG_MAX) {
                /* an rpm host without dpkg: its missing status file is no error */
                size_t extra = diag->n - n_diag - 1;
                memmove(&diag->items[n_diag], &diag->items[n_diag + 1],
                        (diag->n < VB_DIAG_MAX ? extra : VB_DIAG_MAX - n_diag - 1) * sizeof diag->items[0]);
                diag->n--;
                rd = 0;
        }
        return rd == -EINVAL || rr == -EINVAL ? -EINVAL : 0;
}

static int scan_dpkg(struct scan_ctx *c, struct vb_diag *diag) {
        _cleanup_free_ char *admindir = admindir_of(c->o);
        struct vb_dpkg_db *db = NULL;
        int r;

        if (!admindir)
                return -ENOMEM;
        size_t errors_before = diag ? diag->n : 0;
        r = read_db(admindir, &db, diag);
        if (r < 0)
                return r;

        c->prog.packages_total = 0;
        for (size_t i = 0; i < db->n; i++)
                c->prog.packages_total += dpkg_package_has_files(&db->pkgs[i]);
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

        const struct vb_dpkg_package *found = NULL;
        for (size_t i = 0; i < db->n && !found; i++) {
                const struct vb_dpkg_package *p = &db->pkgs[i];
                if (strcmp(p->name, name) == 0 && (!arch || !p->arch || strcmp(p->arch, arch) == 0) &&
                    dpkg_package_has_files(p))
                        found = p;
        }
        if (!found) {
                dpkg_db_free(db);
                return -ENOENT;
        }
        /* Its files are hashed in the pool, their cache rows written in
         * one transaction (committed before each match is delivered). */
        c.in_tx = o->store && store_begin(o->store) >= 0;
        r = scan_hash_start(&c);
        if (r >= 0)
                r = scan_one_package(&c, admindir, found, installed_at, diag);
        r = scan_hash_finish(&c, r);
        if (c.in_tx)
                (void) (r < 0 ? store_rollback(o->store) : store_commit(o->store));
        dpkg_db_free(db);
        return r;
}

/* ---- loose files ---- */

static int walk_on_file(int dfd, const char *name, const char *path, unsigned char type, void *userdata) {
        struct scan_ctx *c = userdata;
        int r;

        r = scan_yield(c);
        if (r < 0 || type != DT_REG)
                return r;
        r = scan_regular(c, dfd, name, path);
        scan_batch_commit(c);
        return r;
}

static void walk_on_error(const char *path, int error, void *userdata) {
        scan_report_unreadable(userdata, path, error);
}

static int scan_files(struct scan_ctx *c) {
        const struct vb_config *cfg = &c->o->policy->config;
        int r = 0;

        for (size_t i = 0; i < cfg->watch_paths.n && r >= 0; i++) {
                int fd = open_in_root(c->o->root, cfg->watch_paths.v[i], O_RDONLY | O_DIRECTORY);
                if (fd == -ENOENT)
                        continue; /* a watched path that does not exist holds nothing */
                if (fd < 0) {
                        scan_report_unreadable(c, cfg->watch_paths.v[i], fd);
                        continue;
                }
                r = walk_tree(fd, cfg->watch_paths.v[i], walk_on_file, walk_on_error, c);
        }
        return r;
}

#define SCAN_PROGRESS_EVERY_USEC 200000

void scan_progress(struct scan_ctx *c, bool force) {
        int64_t now;

        if (!c->o->progress || c->start_usec == 0)
                return;         /* only scan_run reports progress */
        now = now_usec();
        if (!force && now < c->next_tick_usec)
                return;
        c->next_tick_usec = now + SCAN_PROGRESS_EVERY_USEC;
        c->prog.packages = c->stats->packages;
        c->prog.files = c->stats->files;
        c->prog.files_expected = c->o->files_expected;
        c->prog.elapsed_usec = now - c->start_usec;
        c->o->progress(&c->prog, c->o->progress_userdata);
}

/* For store_findings_mark_gone(): was name at version seen by this scan? */
static bool package_installed(const char *name, const char *version, void *userdata) {
        _cleanup_free_ char *key = NULL;

        if (asprintf(&key, "%s\x1f%s", name, version ?: "") < 0)
                return true;    /* when in doubt, not gone */
        return pathset_contains(userdata, key);
}

int scan_run(const struct vb_scan_options *o, vb_scan_cb cb, void *userdata, struct vb_scan_stats *ret_stats,
             struct vb_diag *diag) {
        struct vb_scan_options local = *o;
        struct vb_pathset owned = {}, installed = {};
        struct vb_scan_stats stats = {};
        struct scan_ctx c = { .o = &local, .cb = cb, .userdata = userdata, .stats = &stats,
                              .installed = &installed };
        int64_t start = now_usec();
        int r = 0, rp = 0, rl = 0;

        c.start_usec = c.next_tick_usec = start;

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
        c.files_pass = o->files;
        r = scan_hash_start(&c);
        if (r >= 0 && o->packages)
                rp = scan_packages(&c, diag);
        if (r >= 0 && o->files && (rp >= 0 || rp == -EINVAL || rp == -ENOENT))
                r = scan_files(&c);
        r = scan_hash_finish(&c, r);
        /* What was found before and is no longer there is resolved. */
        if (r >= 0 && c.in_tx && local.store)
                (void) store_findings_mark_gone(local.store, o->root, o->packages && rp >= 0 ? package_installed : NULL,
                                                &installed, now_usec(), NULL);
        pathset_clear(&owned);
        pathset_clear(&installed);
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
        c.prog.done = true;
        scan_progress(&c, true);
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

        r = scan_filescan_new(o->policy, &c.fs);
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
        int r;

        if (path[0] != '/')
                return -EINVAL;
        int fd = open_in_root(o->root, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (fd < 0)
                return fd;
        r = scan_hash_start(&c);
        if (r >= 0)
                r = walk_tree(fd, path, walk_on_file, walk_on_error, &c);
        else
                close(fd);
        r = scan_hash_finish(&c, r);
        if (ret_stats)
                *ret_stats = stats;
        return r;
}
