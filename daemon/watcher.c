/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The watcher thread (see watcher.h). This file is the only one that calls
 * libinotifytools, and only from the thread it starts; the loop sees just
 * the queue and the eventfd. A full queue turns into one rescan event; a
 * watched top directory that goes away is watched again (or its parent,
 * until it comes back) before the rescan that follows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <inotifytools/inotifytools.h>

#include "watcher.h"

#define WATCHER_QUEUE_MAX 50000
#define DPKG_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE)
#define TREE_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define PARENT_EVENTS (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)
/* Watches of a top directory that went away are renamed with this prefix
 * (no leading '/'): a moved tree keeps its watches, under a name that
 * must not pass for the watched path. */
#define LOST_PREFIX "lost:"

struct vb_watcher {
        pthread_t thread;
        bool thread_started;
        int efd;
        pthread_mutex_t lock;
        struct vb_watch_event *head, *tail;
        size_t queued;
        bool overflowed;
        atomic_uint failed, watches;    /* written by the thread, read by the loop */
        pthread_mutex_t ready_lock;
        bool ready;
        int start_error;
        struct vb_watcher *previous;    /* the watcher this one replaces: the thread stops it first */
        /* Owned by the thread after start: */
        char *root;
        size_t root_len;
        char *admindir;                 /* host path, with trailing '/' */
        char *infodir;                  /* host path, with trailing '/' */
        char *rpmdir;                   /* host path, with trailing '/'; NULL without rpm */
        struct vb_strv trees;           /* host paths of the watch paths */
        struct vb_strv parents;         /* parents watched for a lost top directory to come back */
};

static void queue_push(struct vb_watcher *w, enum vb_watch_kind kind, const char *path) {
        size_t len = strlen(path);

        pthread_mutex_lock(&w->lock);
        struct vb_watch_event *ev = w->queued < WATCHER_QUEUE_MAX ? malloc(sizeof *ev + len + 1) : NULL;
        if (ev) {
                ev->next = NULL;
                ev->kind = kind;
                ev->usec = now_usec();
                memcpy(ev->path, path, len + 1);
                if (w->tail)
                        w->tail->next = ev;
                else
                        w->head = ev;
                w->tail = ev;
                w->queued++;
        } else
                w->overflowed = true; /* watcher_take turns this into a rescan */
        pthread_mutex_unlock(&w->lock);

        uint64_t one = 1;
        (void) !write(w->efd, &one, sizeof one);
}

struct vb_watch_event *watcher_take(struct vb_watcher *w) {
        uint64_t n;
        (void) !read(w->efd, &n, sizeof n);

        pthread_mutex_lock(&w->lock);
        struct vb_watch_event *list = w->head;
        bool overflowed = w->overflowed;
        w->head = w->tail = NULL;
        w->queued = 0;
        w->overflowed = false;
        pthread_mutex_unlock(&w->lock);

        if (overflowed) {
                /* Events were dropped: whatever is queued, rescan it all. */
                struct vb_watch_event *ev = malloc(sizeof *ev + 1);
                if (ev) {
                        *ev = (struct vb_watch_event) { .next = list, .kind = VB_WATCH_RESCAN, .usec = now_usec() };
                        ev->path[0] = '\0';
                        list = ev;
                }
        }
        return list;
}

static bool has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Watch a directory and every directory below it. Unlike
 * inotifytools_watch_recursively(), which stats every entry, only the
 * directories' own listings are read (d_type): on a tree of 1,000,000
 * files that is most of the time it takes. Symlinks are not followed.
 * false with inotifytools_error() or errno set if the top could not be
 * watched or the limit was reached on the way. */
static bool watch_tree(const char *path) {
        struct vb_strv todo = {};
        _cleanup_free_ char *top = NULL;
        bool ok = true;

        /* Watched directories are named with a trailing '/' (events are
         * joined to it), as inotifytools_watch_recursively() does. */
        size_t n = strlen(path);
        if (asprintf(&top, "%s%s", path, n > 0 && path[n - 1] == '/' ? "" : "/") < 0)
                return false;
        if (!inotifytools_watch_file(top, TREE_EVENTS))
                return false;
        if (strv_push(&todo, top) < 0)
                return false;
        while (todo.n > 0 && ok) {
                char *dir = todo.v[--todo.n];
                DIR *d = opendir(dir);
                for (struct dirent *de; d && ok && (de = readdir(d));) {
                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                continue;
                        unsigned char type = de->d_type;
                        struct stat st;
                        if (type == DT_UNKNOWN && fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                                type = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
                        if (type != DT_DIR)
                                continue;
                        _cleanup_free_ char *sub = NULL;
                        if (asprintf(&sub, "%s%s/", dir, de->d_name) < 0)
                                ok = false;
                        else if (!inotifytools_watch_file(sub, TREE_EVENTS))
                                ok = inotifytools_error() == ENOENT; /* gone meanwhile: fine */
                        else if (strv_push(&todo, sub) < 0)
                                ok = false;
                }
                if (d)
                        closedir(d);
                free(dir);
        }
        strv_clear(&todo);
        return ok;
}

static void count_watches(struct vb_watcher *w) {
        atomic_store(&w->watches, (unsigned) inotifytools_get_num_watches());
}

static void add_tree(struct vb_watcher *w, const char *host_path) {
        bool ok = watch_tree(host_path);

        count_watches(w);
        if (ok)
                return;
        int e = inotifytools_error();
        if (e != ENOENT && e != ENOTDIR)
                atomic_fetch_add(&w->failed, 1);
        if (e == ENOSPC)
                queue_push(w, VB_WATCH_RESCAN, "");
}

/* The dpkg database: a renamed info/NAME.list names a package; anything else in
 * status or updates/ says the database moved on. */
static void handle_dpkg_event(struct vb_watcher *w, const char *dir, const struct inotify_event *ev) {
        size_t n = ev->len ? strlen(ev->name) : 0;

        if (strcmp(dir, w->infodir) == 0) {
                if (n > 5 && strcmp(ev->name + n - 5, ".list") == 0 && !(ev->mask & IN_DELETE)) {
                        char name[NAME_MAX + 1];
                        snprintf(name, sizeof name, "%.*s", (int) (n - 5), ev->name);
                        queue_push(w, VB_WATCH_PACKAGE, name);
                }
                return;
        }
        if (ev->len && (strcmp(ev->name, "status") == 0 || has_prefix(dir, w->admindir)))
                queue_push(w, VB_WATCH_DPKG_DB, "");
}

/* Watch a top directory again, or, while nothing is at its path, its
 * parent for it to come back. Then a rescan, which runs after the new
 * watches exist: nothing written meanwhile is missed. */
static void top_rewatch(struct vb_watcher *w, const char *top) {
        bool ok = watch_tree(top);

        count_watches(w);
        if (!ok) {
                _cleanup_free_ char *parent = strdup(top);
                char *slash = parent ? strrchr(parent, '/') : NULL;
                if (slash && slash > parent) {
                        *slash = '\0';
                        slash = strrchr(parent, '/');
                }
                if (slash) {
                        slash[1] = '\0';
                        if (!strv_contains(&w->parents, parent) && inotifytools_watch_file(parent, PARENT_EVENTS))
                                (void) strv_push(&w->parents, parent);
                }
        }
        queue_push(w, VB_WATCH_RESCAN, "");
}

/* A watched top directory was deleted or moved away: its watches (which
 * follow a moved tree) no longer name it; watch what is at its path now. */
static void top_lost(struct vb_watcher *w, const char *top) {
        _cleanup_free_ char *gone = NULL;

        if (asprintf(&gone, "%s%s", LOST_PREFIX, top) >= 0)
                inotifytools_replace_filename(top, gone);
        top_rewatch(w, top);
}

/* In a parent of a lost top directory: a directory of that name appeared. */
static void handle_parent_event(struct vb_watcher *w, const char *dir, const struct inotify_event *ev) {
        _cleanup_free_ char *full = NULL;

        if (!ev->len || !(ev->mask & IN_ISDIR) || asprintf(&full, "%s%s/", dir, ev->name) < 0)
                return;
        for (size_t i = 0; i < w->trees.n; i++)
                if (strcmp(full, w->trees.v[i]) == 0 && inotifytools_wd_from_filename(full) < 0)
                        top_rewatch(w, w->trees.v[i]);
}

/* The rpm database: only a write to the database itself, or rpm closing
 * its transaction lock, says it changed. Readers (we are one) write its
 * sqlite -shm and -wal files too, so those never count. */
static void handle_rpm_event(struct vb_watcher *w, const struct inotify_event *ev) {
        static const char *const names[] = { "rpmdb.sqlite", "Packages", "Packages.db", ".rpm.lock" };

        for (size_t i = 0; ev->len && i < ELEMENTSOF(names); i++)
                if (strcmp(ev->name, names[i]) == 0) {
                        queue_push(w, VB_WATCH_RPM_DB, "");
                        return;
                }
}

static void handle_tree_event(struct vb_watcher *w, const char *dir, const struct inotify_event *ev) {
        _cleanup_free_ char *full = NULL;

        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
                for (size_t i = 0; i < w->trees.n; i++)
                        if (strcmp(dir, w->trees.v[i]) == 0) {
                                top_lost(w, w->trees.v[i]);
                                break;
                        }
                return;
        }
        if (!ev->len || asprintf(&full, "%s%s", dir, ev->name) < 0 || strlen(full) <= w->root_len)
                return;

        const char *inside = w->root_len ? full + w->root_len : full;
        if (ev->mask & IN_ISDIR) {
                if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
                        add_tree(w, full);
                        queue_push(w, VB_WATCH_DIR, inside);
                }
                return;
        }
        if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB))
                queue_push(w, VB_WATCH_FILE, inside);
}

static void handle_event(struct vb_watcher *w, struct inotify_event *ev) {
        if (ev->wd < 0 || (ev->mask & IN_Q_OVERFLOW)) {
                queue_push(w, VB_WATCH_RESCAN, "");
                return;
        }
        if (ev->mask & IN_IGNORED)
                return;
        const char *dir = inotifytools_filename_from_wd(ev->wd);
        if (!dir || dir[0] != '/')
                return; /* gone, or a tree moved away (LOST_PREFIX) */
        if (strv_contains(&w->parents, dir)) {
                handle_parent_event(w, dir, ev);
                return;
        }
        if (w->rpmdir && strcmp(dir, w->rpmdir) == 0)
                handle_rpm_event(w, ev);
        else if (has_prefix(dir, w->admindir))
                handle_dpkg_event(w, dir, ev);
        else
                handle_tree_event(w, dir, ev);
}

static void thread_cleanup(void *userdata) {
        inotifytools_cleanup();
}

static int watch_dpkg(struct vb_watcher *w) {
        static const char *const subdirs[] = { "", "info/", "updates/" };

        for (size_t i = 0; i < ELEMENTSOF(subdirs); i++) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "%s%s", w->admindir, subdirs[i]) < 0)
                        return -ENOMEM;
                if (!inotifytools_watch_file(p, DPKG_EVENTS)) {
                        int e = inotifytools_error();
                        return e > 0 ? -e : -EIO;
                }
        }
        return 0;
}

/* The first watches are in place (or could not be): the loop hears it as
 * a VB_WATCH_READY event, after every event those watches gave so far. */
static void signal_ready(struct vb_watcher *w, int error) {
        pthread_mutex_lock(&w->ready_lock);
        w->ready = true;
        w->start_error = error;
        pthread_mutex_unlock(&w->ready_lock);
        queue_push(w, VB_WATCH_READY, "");
}

int watcher_start_error(struct vb_watcher *w) {
        pthread_mutex_lock(&w->ready_lock);
        int r = w->ready ? w->start_error : -EINPROGRESS;
        pthread_mutex_unlock(&w->ready_lock);
        return r;
}

static void *watcher_thread(void *userdata) {
        struct vb_watcher *w = userdata;
        int r;

        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        /* The one it replaces goes first (inotifytools is one per process):
         * closing its inotify fd takes the kernel 10-30 ms, and joining a
         * thread still adding watches takes seconds: not on the loop. */
        watcher_stop(w->previous);
        w->previous = NULL;
        if (!inotifytools_initialize()) {
                signal_ready(w, -errno ? -errno : -EIO);
                return NULL;
        }
        pthread_cleanup_push(thread_cleanup, NULL);

        r = watch_dpkg(w);
        if (r >= 0 && w->rpmdir && !inotifytools_watch_file(w->rpmdir, IN_CLOSE_WRITE | IN_MOVED_TO))
                atomic_fetch_add(&w->failed, 1); /* the periodic rescan still reads it */
        if (r >= 0) {
                for (size_t i = 0; i < w->trees.n; i++)
                        add_tree(w, w->trees.v[i]);
        }
        signal_ready(w, r);

        while (r >= 0) {
                /* Cancellation (watcher_stop) may only strike while we wait. */
                pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
                struct inotify_event *ev = inotifytools_next_event(-1);
                pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
                if (ev)
                        handle_event(w, ev);
                else if (inotifytools_error() != EINTR)
                        queue_push(w, VB_WATCH_RESCAN, "");
        }
        pthread_cleanup_pop(1);
        return NULL;
}

static char *dir_with_slash(const char *root, const char *path) {
        _cleanup_free_ char *p = path_under_root(root, path);
        char *r = NULL;

        if (!p)
                return NULL;
        size_t n = strlen(p);
        if (asprintf(&r, "%s%s", p, n > 0 && p[n - 1] == '/' ? "" : "/") < 0)
                return NULL;
        return r;
}

static int watcher_prepare(struct vb_watcher *w, const char *root, const char *dpkg_admindir,
                           const char *rpm_dbdir, const struct vb_strv *watch_paths) {
        bool real_root = !root || root[0] == '\0' || strcmp(root, "/") == 0;

        w->root = strdup(real_root ? "" : root);
        w->admindir = dir_with_slash(root, dpkg_admindir);
        if (!w->root || !w->admindir || asprintf(&w->infodir, "%sinfo/", w->admindir) < 0)
                return -ENOMEM;
        if (rpm_dbdir && !(w->rpmdir = dir_with_slash(root, rpm_dbdir)))
                return -ENOMEM;
        w->root_len = strlen(w->root);
        while (w->root_len > 0 && w->root[w->root_len - 1] == '/')
                w->root_len--;
        for (size_t i = 0; i < watch_paths->n; i++) {
                _cleanup_free_ char *p = dir_with_slash(root, watch_paths->v[i]);
                if (!p || strv_push(&w->trees, p) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int watcher_start(const char *root, const char *dpkg_admindir, const char *rpm_dbdir,
                  const struct vb_strv *watch_paths, struct vb_watcher *previous, struct vb_watcher **ret) {
        struct vb_watcher *w = calloc(1, sizeof *w);
        int r;

        if (!w) {
                watcher_stop(previous);
                return -ENOMEM;
        }
        w->previous = previous;
        pthread_mutex_init(&w->lock, NULL);
        pthread_mutex_init(&w->ready_lock, NULL);
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w->efd < 0) {
                r = -errno;
                watcher_stop(w);
                return r;
        }
        r = watcher_prepare(w, root, dpkg_admindir, rpm_dbdir, watch_paths);
        if (r >= 0) {
                r = -pthread_create(&w->thread, NULL, watcher_thread, w);
                w->thread_started = r >= 0;
        }
        if (r < 0) {
                watcher_stop(w);
                return r;
        }
        *ret = w;
        return 0;
}

int watcher_event_fd(struct vb_watcher *w) {
        return w->efd;
}

unsigned watcher_failed_watches(struct vb_watcher *w) {
        return atomic_load(&w->failed);
}

unsigned watcher_num_watches(struct vb_watcher *w) {
        return atomic_load(&w->watches);
}

void watcher_stop(struct vb_watcher *w) {
        if (!w)
                return;
        if (w->thread_started) {
                pthread_cancel(w->thread);
                pthread_join(w->thread, NULL);
        }
        watcher_stop(w->previous);      /* the thread did not start: still here */
        for (struct vb_watch_event *ev = w->head, *next; ev; ev = next) {
                next = ev->next;
                free(ev);
        }
        if (w->efd >= 0)
                close(w->efd);
        strv_clear(&w->trees);
        strv_clear(&w->parents);
        free(w->root);
        free(w->admindir);
        free(w->infodir);
        free(w->rpmdir);
        pthread_mutex_destroy(&w->lock);
        pthread_mutex_destroy(&w->ready_lock);
        free(w);
}
