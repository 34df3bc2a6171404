/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reader for the rpm database and for .rpm package headers, through librpm
 * only (nothing here parses rpm data by hand). librpm's errors become diag
 * entries naming the database; nothing is printed. */
#pragma once

#include <stdint.h>

#include "diag.h"
#include "util.h"

struct vb_rpm_package {
        char *name;
        char *version;                  /* "[EPOCH:]VERSION-RELEASE" */
        char *arch;                     /* may be NULL (gpg-pubkey entries) */
        char *vendor;                   /* may be NULL */
        char *packager;                 /* may be NULL */
        int64_t installed_at;           /* INSTALLTIME, 0 for a package file */
        struct vb_strv files;           /* absolute paths inside the root */
};

struct vb_rpm_db {
        char *dbpath;                   /* the database directory, inside the root */
        struct vb_rpm_package *pkgs;
        size_t n;
};

/* The database directories looked for, in order: RHEL/CentOS/ALT and
 * rpm's own default, SUSE and Fedora >= 36 (where /var/lib/rpm is often a
 * symlink to it), and Debian's rpm run by root (~/.rpmdb). NULL-terminated. */
extern const char *const rpmdb_dirs[];

/* Find the rpm database of a root: the first of rpmdb_dirs that holds a
 * database (rpmdb.sqlite, Packages.db or Packages), symlinks resolved
 * inside the root. *ret_dbpath: that directory as a path inside the root.
 * -ENOENT if the root has none. */
int rpmdb_locate(const char *root, char **ret_dbpath);

/* Read every installed package (name NULL) or those of one name, with
 * their file lists, from dbpath (inside root); with since > 0 only those
 * installed at or after since (seconds since the epoch). A database librpm cannot
 * open or read is -EINVAL with librpm's words in diag (naming the
 * database), and *ret still set to what could be read (maybe nothing);
 * other negative errno (allocation) leaves *ret unset. */
int rpmdb_read(const char *root, const char *dbpath, const char *name, int64_t since, struct vb_rpm_db **ret,
               struct vb_diag *diag);

/* Read the header of one .rpm file (a host path) without installing it:
 * digests are checked, signatures are not (local packages are often
 * unsigned; the decision is about who made it, not who signed it).
 * -EINVAL with librpm's words in diag if it is not a readable package. */
int rpmdb_read_file(const char *path, struct vb_rpm_package *ret, struct vb_diag *diag);

void rpm_package_clear(struct vb_rpm_package *p);
void rpmdb_free(struct vb_rpm_db *db);
static inline void rpmdb_freep(struct vb_rpm_db **db) {
        rpmdb_free(*db);
}
