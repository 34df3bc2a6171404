/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rpm pass of a scan (see scan.h): every package in the rpm database,
 * read through librpm (rpmdb.c), judged as a dpkg package is (Vendor and
 * Packager among the maintainer fields), then the content of what it
 * installed, as scan.c does for dpkg. */
#include <errno.h>

#include "rpmdb.h"
#include "scan-internal.h"

static int scan_rpm_one(struct scan_ctx *c, const struct vb_rpm_package *rp) {
        const struct vb_scan_options *o = c->o;
        struct vb_decision d;
        struct vb_package pkg = {
                .name = rp->name, .arch = rp->arch, .version = rp->version, .vendor = rp->vendor,
                .packager = rp->packager, .source = "rpm",
                .files = (const char *const *) rp->files.v, .n_files = rp->files.n,
                .installed_at = rp->installed_at > 0 ? rp->installed_at : o->now,
        };

        engine_evaluate_package(o->policy, &pkg, o->now, &d);
        c->stats->packages++;
        if (!d.ban)
                return scan_package_files(c, &rp->files);
        for (size_t k = 0; o->owned && k < rp->files.n; k++)
                (void) pathset_add(o->owned, rp->files.v[k]);
        scan_count_verdict(c->stats, &d);
        struct vb_scan_item item = { .pkg = &pkg, .decision = &d };
        return scan_deliver(c, &item);
}

int scan_rpm_pass(struct scan_ctx *c, int64_t since, int64_t *ret_newest, struct vb_diag *diag) {
        _cleanup_(rpmdb_freep) struct vb_rpm_db *db = NULL;
        _cleanup_free_ char *dbpath = NULL;
        int64_t newest = 0;
        int r, rr;

        r = rpmdb_locate(c->o->root, &dbpath);
        if (r < 0)
                return r;
        rr = rpmdb_read(c->o->root, dbpath, NULL, since, &db, diag);
        if (rr < 0 && rr != -EINVAL)
                return rr;
        for (size_t i = 0; i < db->n; i++) {
                if (db->pkgs[i].installed_at > newest)
                        newest = db->pkgs[i].installed_at;
                r = scan_rpm_one(c, &db->pkgs[i]);
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

        /* The files of new packages are hashed in the pool, their cache rows
         * written in one transaction (committed before each match). */
        c.in_tx = o->store && store_begin(o->store) >= 0;
        r = scan_hash_start(&c);
        if (r >= 0)
                r = scan_rpm_pass(&c, since, ret_newest, diag);
        r = scan_hash_finish(&c, r);
        if (c.in_tx)
                (void) (r < 0 && r != -EINVAL ? store_rollback(o->store) : store_commit(o->store));
        return r;
}
