/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ledger under the daemon's feet: notice that vendorban.db was deleted
 * or replaced (device and inode) while open, and get back to a ledger at
 * its path with every row: a deleted one is recreated from the open copy,
 * a replaced one is reopened and given the quarantine rows it lacks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "journal.h"
#include "manager.h"

/* A -wal or -shm file at path+suffix that this process holds open is the
 * old database's: remove the name before a new database is opened there
 * (SQLite would replay an old WAL into it). */
static void remove_if_ours(const char *path, const char *suffix) {
        _cleanup_free_ char *name = NULL;
        struct stat st, fst;

        if (asprintf(&name, "%s%s", path, suffix) < 0 || stat(name, &st) < 0)
                return;
        DIR *d = opendir("/proc/self/fd");
        if (!d)
                return;
        for (struct dirent *de; (de = readdir(d));) {
                int fd = atoi(de->d_name);
                if (de->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &fst) < 0)
                        continue;
                if (fst.st_dev == st.st_dev && fst.st_ino == st.st_ino) {
                        (void) unlink(name);
                        break;
                }
        }
        closedir(d);
}

static int fsync_path(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        return fd < 0 || fsync(fd) < 0 ? -errno : 0;
}

/* Deleted: copy what the open connection sees to a new file, then put it
 * in place. */
static int recreate(struct vb_manager *m, const char *path) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        if (asprintf(&tmp, "%s.recovering", path) < 0)
                return -ENOMEM;
        (void) unlink(tmp);
        r = store_copy_to(m->store, tmp);
        if (r >= 0)
                r = fsync_path(tmp);
        if (r < 0) {
                journal_event(VB_MID_DAEMON, LOG_CRIT, NULL,
                              "Cannot copy the deleted ledger to %s: %s (%s). Keeping the deleted file open: "
                              "its rows stay readable only to vendorband until it exits.",
                              tmp, strerror(-r), store_errmsg(m->store));
                (void) unlink(tmp);
                return r;
        }
        remove_if_ours(path, "-wal");
        remove_if_ours(path, "-shm");
        store_free_orphaned(m->store);
        m->store = NULL;
        if (rename(tmp, path) < 0)
                return -errno;
        return 0;
}

/* Replaced: keep ours aside (its quarantine rows go into the new one once
 * it is open), and let go of the old file. */
static int set_aside(struct vb_manager *m, const char *path, char **ret_aside) {
        _cleanup_free_ char *aside = NULL;
        int r;

        if (asprintf(&aside, "%s.replaced-%lld", path, (long long) now_usec()) < 0)
                return -ENOMEM;
        r = store_copy_to(m->store, aside);
        if (r < 0) {
                journal_event(VB_MID_DAEMON, LOG_CRIT, NULL,
                              "Cannot copy the replaced ledger to %s: %s (%s). Keeping it open: its rows stay "
                              "readable only to vendorband until it exits.",
                              aside, strerror(-r), store_errmsg(m->store));
                return r;
        }
        remove_if_ours(path, "-wal");
        remove_if_ours(path, "-shm");
        store_free_orphaned(m->store);
        m->store = NULL;
        *ret_aside = TAKE_PTR(aside);
        return 0;
}

void manager_ledger_check(struct vb_manager *m) {
        _cleanup_free_ char *aside = NULL;
        size_t added = 0;
        int r, k;

        if (!m->store || !m->ledger_path)
                return;
        k = store_check_file(m->store, m->ledger_path);
        if (k != -ENOENT && k != -ESTALE)
                return;

        /* Both connections go: the work thread's one while it is held. */
        worker_pause(m->worker);
        store_free_orphaned(m->job_store);
        m->job_store = NULL;
        r = k == -ENOENT ? recreate(m, m->ledger_path) : set_aside(m, m->ledger_path, &aside);
        if (!m->store)
                (void) manager_open_ledger(m);
        if (m->store && aside) {
                int q = store_quarantine_merge(m->store, aside, &added);
                if (q < 0 && r >= 0)
                        r = q;
        }
        m->job_ledger = m->store != NULL;
        worker_resume(m->worker);

        if (k == -ENOENT)
                journal_event(VB_MID_DAEMON, r < 0 ? LOG_CRIT : LOG_WARNING, NULL,
                              "The ledger %s was deleted while vendorband ran; %s%s.", m->ledger_path,
                              r < 0 ? "it could not be recreated: " : "recreated it with every row it held",
                              r < 0 ? strerror(-r) : "");
        else
                journal_event(VB_MID_DAEMON, r < 0 ? LOG_CRIT : LOG_WARNING, NULL,
                              "The ledger %s was replaced by another file while vendorband ran; reopened it%s%s. "
                              "%zu quarantine row(s) it lacked were added; the previous ledger is kept as %s.",
                              m->ledger_path, r < 0 ? ", but: " : "", r < 0 ? strerror(-r) : "", added,
                              aside ? aside : "(none)");
        if (m->store && m->guard)
                (void) guard_apply(&m->guard, m->event, m->root, m->policy, m->store);
}
