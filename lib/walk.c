/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The directory walk (see walk.h). Each directory on the current path is a
 * frame on a heap stack holding its entry names, read whole with
 * getdents64; only the WALK_FDS_KEPT frames nearest the top keep their
 * descriptor, deeper ones get it back through ".." (checked by device and
 * inode) when their child is done. Owns nothing once it returns. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"
#include "walk.h"

#define WALK_FDS_KEPT 64                /* directory descriptors open at most, plus one */
#define WALK_GETDENTS_BUF 32768

static int safe_close(int fd) {
        if (fd >= 0)
                close(fd);
        return -EBADF;
}

struct frame {
        int fd;                         /* -EBADF while dropped */
        dev_t dev;
        ino_t ino;
        char *names;                    /* entries: a type byte, the name, a NUL; repeated */
        size_t len, pos;
        size_t path_len;                /* length of the path of this directory */
};

struct walk {
        struct frame *frames;
        size_t n, cap;
        char *path;
        size_t path_len, path_cap;
        vb_walk_file_cb on_file;
        vb_walk_error_cb on_error;
        void *userdata;
};

static int path_set(struct walk *w, size_t keep, const char *name) {
        size_t nl = name ? strlen(name) : 0, need = keep + 1 + nl + 1;

        if (need > w->path_cap) {
                char *p = realloc(w->path, need * 2);
                if (!p)
                        return -ENOMEM;
                w->path = p;
                w->path_cap = need * 2;
        }
        w->path_len = keep;
        if (name) {
                if (keep == 0 || w->path[keep - 1] != '/')
                        w->path[w->path_len++] = '/';
                memcpy(w->path + w->path_len, name, nl);
                w->path_len += nl;
        }
        w->path[w->path_len] = '\0';
        return 0;
}

/* Read every entry of the directory at fd but "." and "..". */
static int read_names(int fd, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = malloc(WALK_GETDENTS_BUF), *names = NULL;
        size_t len = 0, cap = 0;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = getdents64(fd, buf, WALK_GETDENTS_BUF);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                for (ssize_t off = 0; off < k;) {
                        struct dirent64 *de = (struct dirent64 *) (buf + off);
                        size_t nl = strlen(de->d_name);

                        off += de->d_reclen;
                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                continue;
                        if (len + nl + 2 > cap) {
                                size_t c = (len + nl + 2) * 2;
                                char *n = realloc(names, c);
                                if (!n)
                                        return -ENOMEM;
                                names = n;
                                cap = c;
                        }
                        names[len++] = (char) de->d_type;
                        memcpy(names + len, de->d_name, nl + 1);
                        len += nl + 1;
                }
        }
        *ret = TAKE_PTR(names);
        *ret_len = len;
        return 0;
}

/* Push the directory open at fd (taken over), whose path is w->path. */
static int frame_push(struct walk *w, int fd) {
        struct frame f = { .fd = fd, .path_len = w->path_len };
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                r = -errno;
        else
                r = read_names(fd, &f.names, &f.len);
        if (r < 0) {
                close(fd);
                if (r != -ENOMEM)
                        w->on_error(w->path, r, w->userdata);
                return r == -ENOMEM ? r : 0;
        }
        f.dev = st.st_dev;
        f.ino = st.st_ino;
        if (w->n == w->cap) {
                size_t cap = w->cap ? w->cap * 2 : 16;
                struct frame *n = realloc(w->frames, cap * sizeof *n);
                if (!n) {
                        close(fd);
                        free(f.names);
                        return -ENOMEM;
                }
                w->frames = n;
                w->cap = cap;
        }
        /* Keep few descriptors: the frame that is now deep lets its go. */
        if (w->n >= WALK_FDS_KEPT && w->frames[w->n - 1].fd >= 0)
                w->frames[w->n - 1].fd = safe_close(w->frames[w->n - 1].fd);
        w->frames[w->n++] = f;
        return 0;
}

/* Pop the top frame; give its parent back its descriptor if it let it go.
 * A parent that cannot be reopened as it was is reported, and the rest of
 * it skipped. */
static void frame_pop(struct walk *w) {
        struct frame *f = &w->frames[w->n - 1], *parent = w->n > 1 ? f - 1 : NULL;

        if (parent && parent->fd < 0) {
                struct stat st;
                int fd = f->fd >= 0 ? openat(f->fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;

                if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_dev != parent->dev || st.st_ino != parent->ino))
                        fd = safe_close(fd);
                if (fd >= 0)
                        parent->fd = fd;
                else {
                        w->path[parent->path_len] = '\0';
                        w->on_error(w->path, -ESTALE, w->userdata);
                        parent->pos = parent->len;      /* moved away: the rest of it is not there */
                }
        }
        if (f->fd >= 0)
                close(f->fd);
        free(f->names);
        w->n--;
}

/* One entry of the top frame. */
static int walk_entry(struct walk *w, struct frame *f) {
        unsigned char type = (unsigned char) f->names[f->pos];
        const char *name = f->names + f->pos + 1;
        int r;

        f->pos += 1 + strlen(name) + 1;
        r = path_set(w, f->path_len, name);
        if (r < 0)
                return r;
        if (type == DT_UNKNOWN) {
                struct stat st;
                if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return errno == ENOENT ? 0 : (w->on_error(w->path, -errno, w->userdata), 0);
                type = IFTODT(st.st_mode);
        }
        if (type != DT_DIR)
                return w->on_file(f->fd, name, w->path, type, w->userdata);

        int sub = openat(f->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
                if (errno != ENOENT)
                        w->on_error(w->path, -errno, w->userdata);
                return 0;
        }
        return frame_push(w, sub);      /* f may move: not used after this */
}

int walk_tree(int fd, const char *path, vb_walk_file_cb on_file, vb_walk_error_cb on_error, void *userdata) {
        struct walk w = { .on_file = on_file, .on_error = on_error, .userdata = userdata };
        size_t l = strlen(path);
        int r;

        w.path_cap = l + 256;
        w.path = malloc(w.path_cap);
        if (!w.path) {
                close(fd);
                return -ENOMEM;
        }
        memcpy(w.path, path, l + 1);
        w.path_len = l;

        r = frame_push(&w, fd);
        while (r >= 0 && w.n > 0) {
                struct frame *f = &w.frames[w.n - 1];
                if (f->pos >= f->len)
                        frame_pop(&w);
                else
                        r = walk_entry(&w, f);
        }
        while (w.n > 0)
                frame_pop(&w);
        free(w.frames);
        free(w.path);
        return r;
}
