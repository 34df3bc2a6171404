/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rpm database and .rpm headers through librpm (see rpmdb.h). librpm
 * keeps process-wide state (its configuration, macros, log callback), so
 * every call into it holds one lock, and its configuration is read once. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <rpm/header.h>
#include <rpm/rpmdb.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>

#include "rpmdb.h"

const char *const rpmdb_dirs[] = {
        "/var/lib/rpm",
        "/usr/lib/sysimage/rpm",
        "/root/.rpmdb",
        NULL,
};

static const char *const db_files[] = { "rpmdb.sqlite", "Packages.db", "Packages" };

static pthread_mutex_t rpm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t rpm_once = PTHREAD_ONCE_INIT;
static int rpm_config_result;

static void rpm_config_read(void) {
        rpm_config_result = rpmReadConfigFiles(NULL, NULL) == 0 ? 0 : -EIO;
}

/* librpm's error messages go to the current diag, not to stderr. */
struct rpm_capture {
        struct vb_diag *diag;
        const char *what;
        unsigned errors;
};

static int capture_log(rpmlogRec rec, rpmlogCallbackData data) {
        struct rpm_capture *c = data;
        const char *msg = rpmlogRecMessage(rec);
        size_t len = msg ? strlen(msg) : 0;

        if (rpmlogRecPriority(rec) > RPMLOG_ERR)
                return 0; /* warnings and notes: nothing lost, nothing to say */
        while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
                len--;
        c->errors++;
        if (c->diag)
                diag_add(c->diag, c->what, 0, "librpm: %.*s", (int) len, msg ? msg : "?");
        return 0;
}

static int rpm_enter(struct rpm_capture *c) {
        pthread_once(&rpm_once, rpm_config_read);
        pthread_mutex_lock(&rpm_lock);
        if (rpm_config_result < 0) {
                pthread_mutex_unlock(&rpm_lock);
                if (c->diag)
                        diag_add(c->diag, c->what, 0, "librpm could not read its configuration");
                return rpm_config_result;
        }
        rpmlogSetCallback(capture_log, c);
        return 0;
}

static void rpm_leave(void) {
        rpmlogSetCallback(NULL, NULL);
        rpmlogClose(); /* drop the records librpm keeps of every error */
        pthread_mutex_unlock(&rpm_lock);
}

/* ---- locating the database ---- */

static int dir_has_db(int dfd) {
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(db_files); i++)
                if (fstatat(dfd, db_files[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                        return 1;
        return 0;
}

/* The path inside root of an fd opened inside it. */
static int fd_path_in_root(const char *root, int fd, char **ret) {
        char proc[64], host[4096];
        ssize_t k;

        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        k = readlink(proc, host, sizeof host - 1);
        if (k < 0)
                return -errno;
        host[k] = '\0';

        const char *inside = host;
        if (root && root[0] && strcmp(root, "/") != 0) {
                char real[4096];
                size_t l;

                if (!realpath(root, real))
                        return -errno;
                l = strlen(real);
                if (strncmp(host, real, l) != 0 || (host[l] != '/' && host[l] != '\0'))
                        return -EXDEV;
                inside = host[l] ? host + l : "/";
        }
        *ret = strdup(inside);
        return *ret ? 0 : -ENOMEM;
}

int rpmdb_locate(const char *root, char **ret_dbpath) {
        for (size_t i = 0; rpmdb_dirs[i]; i++) {
                _cleanup_close_ int fd = open_in_root(root, rpmdb_dirs[i], O_RDONLY | O_DIRECTORY);

                if (fd < 0 || !dir_has_db(fd))
                        continue;
                return fd_path_in_root(root, fd, ret_dbpath);
        }
        return -ENOENT;
}

/* ---- headers ---- */

static int dup_field(Header h, rpmTagVal tag, char **ret) {
        const char *s = headerGetString(h, tag);

        *ret = NULL;
        if (!s || !*s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int package_from_header(Header h, bool installed, struct vb_rpm_package *ret) {
        struct rpmtd_s td;
        int r;

        *ret = (struct vb_rpm_package) {};
        if ((r = dup_field(h, RPMTAG_NAME, &ret->name)) < 0 || (r = dup_field(h, RPMTAG_ARCH, &ret->arch)) < 0 ||
            (r = dup_field(h, RPMTAG_VENDOR, &ret->vendor)) < 0 ||
            (r = dup_field(h, RPMTAG_PACKAGER, &ret->packager)) < 0)
                goto fail;
        ret->version = headerGetAsString(h, RPMTAG_EVR);
        if (!ret->name || !ret->version) {
                r = ret->name ? -ENOMEM : -EINVAL;
                goto fail;
        }
        if (installed)
                ret->installed_at = (int64_t) headerGetNumber(h, RPMTAG_INSTALLTIME);

        if (headerGet(h, RPMTAG_FILENAMES, &td, HEADERGET_EXT)) {
                const char *f;

                r = 0;
                while (r >= 0 && (f = rpmtdNextString(&td)))
                        r = strv_push(&ret->files, f);
                rpmtdFreeData(&td);
                if (r < 0)
                        goto fail;
        }
        return 0;
fail:
        rpm_package_clear(ret);
        return r;
}

/* ---- the database ---- */

static int db_append(struct vb_rpm_db *db, Header h) {
        struct vb_rpm_package *pkgs = realloc(db->pkgs, (db->n + 1) * sizeof *pkgs);
        int r;

        if (!pkgs)
                return -ENOMEM;
        db->pkgs = pkgs;
        r = package_from_header(h, true, &pkgs[db->n]);
        if (r == -EINVAL)
                return 0; /* a header without a name: librpm's own, not a package */
        if (r < 0)
                return r;
        db->n++;
        return 0;
}

static int db_iterate(rpmts ts, const char *name, int64_t since, struct vb_rpm_db *db) {
        rpmdbMatchIterator mi;
        Header h;
        int r = 0;

        mi = rpmtsInitIterator(ts, name ? RPMDBI_NAME : RPMDBI_PACKAGES, name, 0);
        if (!mi)
                return 0; /* nothing of that name, or an error librpm logged */
        while (r >= 0 && (h = rpmdbNextIterator(mi))) {
                /* gpg-pubkey entries are keys, not software */
                const char *n = headerGetString(h, RPMTAG_NAME);
                if (n && strcmp(n, "gpg-pubkey") == 0)
                        continue;
                if (since > 0 && (int64_t) headerGetNumber(h, RPMTAG_INSTALLTIME) < since)
                        continue;
                r = db_append(db, h);
        }
        rpmdbFreeIterator(mi);
        return r;
}

/* An rpmdb.sqlite that SQLite itself cannot read is refused before librpm
 * opens it: librpm 4.18's sqlite backend does not close its handle when
 * that open fails (about 100 KiB lost per try, every rescan). This reads
 * SQLite's own catalogue only; the packages are read by librpm alone. */
static int sqlite_precheck(const char *dir, struct vb_diag *diag) {
        _cleanup_free_ char *file = NULL;
        sqlite3 *db = NULL;
        int rc;

        if (asprintf(&file, "%s/rpmdb.sqlite", dir) < 0)
                return -ENOMEM;
        if (access(file, F_OK) < 0)
                return 0; /* another backend (Packages, Packages.db): librpm's alone */
        rc = sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                diag_add(diag, dir, 0, "the rpm database rpmdb.sqlite cannot be read: SQLite: %s",
                         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return rc == SQLITE_OK ? 0 : -EINVAL;
}

int rpmdb_read(const char *root, const char *dbpath, const char *name, int64_t since, struct vb_rpm_db **ret,
               struct vb_diag *diag) {
        _cleanup_free_ char *what = path_under_root(root, dbpath);
        struct rpm_capture cap = { .diag = diag };
        struct vb_rpm_db *db;
        rpmts ts;
        int r;

        if (!what)
                return -ENOMEM;
        cap.what = what;
        db = calloc(1, sizeof *db);
        if (!db || !(db->dbpath = strdup(dbpath))) {
                free(db);
                return -ENOMEM;
        }
        r = sqlite_precheck(what, diag);
        if (r == -EINVAL) {
                *ret = db; /* nothing could be read */
                return r;
        }
        r = r < 0 ? r : rpm_enter(&cap);
        if (r < 0) {
                rpmdb_free(db);
                return r;
        }

        ts = rpmtsCreate();
        rpmPushMacro(NULL, "_dbpath", NULL, dbpath, RMIL_CMDLINE);
        if (rpmtsSetRootDir(ts, root && root[0] ? root : "/") != 0) {
                diag_add(diag, what, 0, "librpm refuses the root directory %s", root);
                r = -EINVAL;
        } else if (rpmtsOpenDB(ts, O_RDONLY) != 0) {
                if (cap.errors == 0)
                        diag_add(diag, what, 0, "the rpm database cannot be opened");
                r = -EINVAL;
        } else {
                r = db_iterate(ts, name, since, db);
                if (r >= 0 && cap.errors > 0)
                        r = -EINVAL; /* librpm skipped what it could not read */
        }
        rpmtsFree(ts);
        rpmPopMacro(NULL, "_dbpath");
        rpm_leave();

        if (r < 0 && r != -EINVAL) {
                rpmdb_free(db);
                return r;
        }
        *ret = db;
        return r;
}

int rpmdb_read_file(const char *path, struct vb_rpm_package *ret, struct vb_diag *diag) {
        struct rpm_capture cap = { .diag = diag, .what = path };
        Header h = NULL;
        rpmts ts;
        FD_t fd;
        int r;

        *ret = (struct vb_rpm_package) {};
        r = rpm_enter(&cap);
        if (r < 0)
                return r;

        ts = rpmtsCreate();
        rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES);
        fd = Fopen(path, "r.ufdio");
        if (!fd || Ferror(fd)) {
                diag_add(diag, path, 0, "cannot open: %s", fd ? Fstrerror(fd) : "Fopen failed");
                r = -EINVAL;
        } else {
                rpmRC rc = rpmReadPackageFile(ts, fd, path, &h);

                if (rc == RPMRC_OK || rc == RPMRC_NOTTRUSTED || rc == RPMRC_NOKEY)
                        r = package_from_header(h, false, ret);
                else {
                        if (cap.errors == 0)
                                diag_add(diag, path, 0, "not a readable rpm package");
                        r = -EINVAL;
                }
        }
        if (r == -EINVAL && !(diag && diag->n > 0))
                diag_add(diag, path, 0, "the package header lacks a name or version");
        if (fd)
                Fclose(fd);
        headerFree(h);
        rpmtsFree(ts);
        rpm_leave();
        return r;
}

void rpm_package_clear(struct vb_rpm_package *p) {
        free(p->name), free(p->version), free(p->arch), free(p->vendor), free(p->packager);
        strv_clear(&p->files);
        *p = (struct vb_rpm_package) {};
}

void rpmdb_free(struct vb_rpm_db *db) {
        if (!db)
                return;
        for (size_t i = 0; i < db->n; i++)
                rpm_package_clear(&db->pkgs[i]);
        free(db->pkgs);
        free(db->dbpath);
        free(db);
}
