/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container image as a root to scan, without Docker: an OCI image layout
 * directory (index.json, blobs/sha256/...) or a `docker save` tarball (its
 * manifest.json, or an OCI layout inside). The layers are applied in order
 * into a fresh private directory, whiteouts honoured, with libarchive's
 * secure extraction (no "..", no absolute paths, no writes through
 * symlinks, no device nodes). Owns that directory until image_free(). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "util.h"

#define JSON_MAX (4u << 20)     /* index.json, manifests: far below this */
#define LAYERS_MAX 1024

struct vb_image {
        char *dir;              /* the private directory: layout/ and root/ below it */
        char *layout;           /* the image's files (the tarball unpacked, or the layout given) */
        char *root;             /* the applied layers */
        size_t n_layers;
};

static int rm_rf_at(int parent, const char *name) {
        struct stat st;

        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode)) {
                int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                DIR *d;
                struct dirent *e;

                if (fd < 0)
                        return -errno;
                d = fdopendir(fd);
                if (!d) {
                        close(fd);
                        return -errno;
                }
                while ((e = readdir(d)))
                        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                                (void) rm_rf_at(dirfd(d), e->d_name);
                closedir(d);
                return unlinkat(parent, name, AT_REMOVEDIR) < 0 ? -errno : 0;
        }
        return unlinkat(parent, name, 0) < 0 ? -errno : 0;
}

struct vb_image *image_free(struct vb_image *img) {
        if (!img)
                return NULL;
        if (img->dir)
                (void) rm_rf_at(AT_FDCWD, img->dir);
        free(img->dir);
        free(img->layout);      /* only its path: a layout given by the caller is never removed */
        free(img->root);
        free(img);
        return NULL;
}

const char *image_root(const struct vb_image *img) {
        return img->root;
}

size_t image_layers(const struct vb_image *img) {
        return img->n_layers;
}

/* Read a JSON file of at most JSON_MAX bytes. */
static int json_read(const char *path, json_object **ret, char *err, size_t err_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t got = 0;

        if (fd < 0)
                return snprintf(err, err_size, "%s: %s", path, strerror(errno)), -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > JSON_MAX) {
                snprintf(err, err_size, "%s: not a regular file of at most %u bytes", path, JSON_MAX);
                return -EINVAL;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (got < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t) st.st_size - got);

                if (n <= 0) {
                        snprintf(err, err_size, "%s: %s", path, n < 0 ? strerror(errno) : "short read");
                        return n < 0 ? -errno : -EIO;
                }
                got += (size_t) n;
        }
        buf[got] = '\0';
        *ret = json_tokener_parse(buf);
        if (!*ret) {
                snprintf(err, err_size, "%s: not valid JSON", path);
                return -EINVAL;
        }
        return 0;
}

static const char *json_str(json_object *o, const char *key) {
        json_object *v;

        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static json_object *json_array(json_object *o, const char *key) {
        json_object *v;

        if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
            !json_object_is_type(v, json_type_array))
                return NULL;
        return v;
}

/* "sha256:<64 hex>" into LAYOUT/blobs/sha256/<hex>; NULL if malformed. */
static char *blob_path(const char *layout, const char *digest) {
        char *p;

        if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest + 7) != 64 ||
            strspn(digest + 7, "0123456789abcdef") != 64)
                return NULL;
        return asprintf(&p, "%s/blobs/sha256/%s", layout, digest + 7) < 0 ? NULL : p;
}

/* A layer path named by a docker manifest, relative and without "..". */
static char *member_path(const char *layout, const char *rel) {
        char *p;

        if (!rel || rel[0] == '/' || strstr(rel, "..") || rel[0] == '\0')
                return NULL;
        return asprintf(&p, "%s/%s", layout, rel) < 0 ? NULL : p;
}

/* The layer files of the image, in order (lowest first). */
static int layers_find(const char *layout, struct vb_strv *ret, char *err, size_t err_size) {
        _cleanup_free_ char *docker = NULL, *index = NULL;
        json_object *top = NULL, *man = NULL, *layers;
        int r;

        if (asprintf(&docker, "%s/manifest.json", layout) < 0 || asprintf(&index, "%s/index.json", layout) < 0)
                return -ENOMEM;
        if (access(docker, F_OK) == 0) {
                /* docker save: [ { "Config": ..., "RepoTags": [...], "Layers": [ "x/layer.tar", ... ] } ] */
                r = json_read(docker, &top, err, err_size);
                if (r < 0)
                        return r;
                man = json_object_is_type(top, json_type_array) && json_object_array_length(top) > 0 ?
                              json_object_array_get_idx(top, 0) : NULL;
                layers = json_array(man, "Layers");
                if (!layers) {
                        json_object_put(top);
                        snprintf(err, err_size, "%s: no Layers list in its first image", docker);
                        return -EINVAL;
                }
                for (size_t i = 0; i < json_object_array_length(layers) && r >= 0; i++) {
                        json_object *l = json_object_array_get_idx(layers, i);
                        _cleanup_free_ char *p = member_path(layout, json_object_is_type(l, json_type_string) ?
                                                                             json_object_get_string(l) : NULL);
                        if (!p) {
                                snprintf(err, err_size, "%s: layer %zu is not a relative path inside the image",
                                         docker, i + 1);
                                r = -EINVAL;
                        } else
                                r = strv_push(ret, p);
                }
                json_object_put(top);
                return r < 0 ? r : 0;
        }

        /* OCI layout: index.json -> a manifest (or an index of them) -> layers. */
        r = json_read(index, &top, err, err_size);
        if (r < 0)
                return r;
        for (int depth = 0; depth < 4; depth++) {
                json_object *list = json_array(top, "manifests"), *next = NULL;
                _cleanup_free_ char *blob = NULL;

                if (json_array(top, "layers"))
                        break;  /* an image manifest */
                if (!list || json_object_array_length(list) == 0) {
                        snprintf(err, err_size, "%s: no manifests", index);
                        json_object_put(top);
                        return -EINVAL;
                }
                blob = blob_path(layout, json_str(json_object_array_get_idx(list, 0), "digest"));
                if (!blob) {
                        snprintf(err, err_size, "%s: a manifest digest is not sha256:<64 hex digits>", index);
                        json_object_put(top);
                        return -EINVAL;
                }
                r = json_read(blob, &next, err, err_size);
                json_object_put(top);
                if (r < 0)
                        return r;
                top = next;
        }
        layers = json_array(top, "layers");
        if (!layers) {
                snprintf(err, err_size, "%s: no image manifest with layers (an index nested too deep?)", index);
                json_object_put(top);
                return -EINVAL;
        }
        for (size_t i = 0; i < json_object_array_length(layers) && r >= 0; i++) {
                _cleanup_free_ char *p = blob_path(layout, json_str(json_object_array_get_idx(layers, i), "digest"));

                if (!p) {
                        snprintf(err, err_size, "%s: layer %zu has no sha256 digest", index, i + 1);
                        r = -EINVAL;
                } else
                        r = strv_push(ret, p);
        }
        json_object_put(top);
        return r < 0 ? r : 0;
}

/* An archive member's path made relative and checked: "./a/b" and "/a/b"
 * become "a/b"; NULL for "", "." or anything with a ".." component. */
static const char *member_clean(const char *p) {
        const char *c;

        while (p[0] == '/' || (p[0] == '.' && p[1] == '/'))
                p += p[0] == '/' ? 1 : 2;
        if (p[0] == '\0' || strcmp(p, ".") == 0)
                return NULL;
        for (c = p; c; c = strchr(c, '/')) {
                if (*c == '/')
                        c++;
                if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
                        return NULL;
        }
        return p;
}

/* A whiteout entry (".wh.NAME" or the opaque ".wh..wh..opq") of a layer:
 * remove what the lower layers put there. True if p was one. */
static bool whiteout_apply(int rootfd, const char *p) {
        const char *base = strrchr(p, '/');
        _cleanup_free_ char *dir = base ? strndup(p, (size_t) (base - p)) : strdup(".");
        _cleanup_close_ int dfd = -EBADF;

        base = base ? base + 1 : p;
        if (strncmp(base, ".wh.", 4) != 0)
                return false;
        if (!dir)
                return true;
        dfd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return true;    /* nothing below to hide */
        if (strcmp(base, ".wh..wh..opq") == 0) {
                DIR *d = fdopendir(dup(dfd));
                struct dirent *e;

                while (d && (e = readdir(d)))
                        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                                (void) rm_rf_at(dfd, e->d_name);
                if (d)
                        closedir(d);
        } else if (base[4] != '\0' && strcmp(base + 4, ".") != 0 && strcmp(base + 4, "..") != 0)
                (void) rm_rf_at(dfd, base + 4);
        return true;
}

struct extract_stats {
        size_t entries, skipped;
        char first_skipped[512];
};

static void skipped(struct extract_stats *st, const char *path, const char *why) {
        if (st->skipped++ == 0)
                snprintf(st->first_skipped, sizeof st->first_skipped, "%s: %s", path, why);
}

/* Extract archive path into dest (an open directory), as a layer (whiteouts
 * applied) or as the outer tarball. */
static int extract(const char *path, int destfd, bool layer, struct extract_stats *st, char *err, size_t err_size) {
        const int flags = ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                          ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_PERM |
                          ARCHIVE_EXTRACT_TIME;
        struct archive *in = archive_read_new(), *out = archive_write_disk_new();
        struct archive_entry *e;
        _cleanup_close_ int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = 0, a;

        if (!in || !out || cwd < 0) {
                r = cwd < 0 ? -errno : -ENOMEM;
                goto out;
        }
        archive_read_support_filter_all(in);
        archive_read_support_format_tar(in);
        archive_read_support_format_gnutar(in);
        archive_write_disk_set_options(out, flags);
        if (archive_read_open_filename(in, path, 1 << 16) != ARCHIVE_OK) {
                snprintf(err, err_size, "%s: %s", path, archive_error_string(in) ?: "cannot open");
                r = -EINVAL;
                goto out;
        }
        if (fchdir(destfd) < 0) {
                r = -errno;
                goto out;
        }
        while ((a = archive_read_next_header(in, &e)) == ARCHIVE_OK || a == ARCHIVE_WARN) {
                const char *name = member_clean(archive_entry_pathname(e) ?: ""), *link = archive_entry_hardlink(e);
                mode_t type = archive_entry_filetype(e);

                st->entries++;
                if (!name) {
                        const char *raw = archive_entry_pathname(e) ?: "";

                        if (strspn(raw, "./") != strlen(raw) || strstr(raw, ".."))
                                skipped(st, raw, "path leaves the image");
                        continue;       /* else the image's top directory itself */
                }
                if (layer && whiteout_apply(destfd, name))
                        continue;
                if (!link && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
                        continue;       /* devices, FIFOs, sockets: nothing to scan, never created */
                archive_entry_set_pathname(e, name);
                if (link) {
                        const char *target = member_clean(link);

                        if (!target) {
                                skipped(st, name, "hard link leaves the image");
                                continue;
                        }
                        archive_entry_set_hardlink(e, target);
                }
                if (archive_write_header(out, e) != ARCHIVE_OK) {
                        skipped(st, name, archive_error_string(out) ?: "cannot be written");
                        continue;
                }
                if (!link && type == AE_IFREG && archive_entry_size(e) > 0) {
                        const void *buf;
                        size_t size;
                        la_int64_t off;

                        while ((a = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
                                if (archive_write_data_block(out, buf, size, off) != ARCHIVE_OK) {
                                        snprintf(err, err_size, "%s: writing %s: %s", path, name,
                                                 archive_error_string(out) ?: "failed");
                                        r = -EIO;
                                        goto out;
                                }
                        if (a != ARCHIVE_EOF) {
                                snprintf(err, err_size, "%s: reading %s: %s", path, name,
                                         archive_error_string(in) ?: "failed");
                                r = -EINVAL;
                                goto out;
                        }
                }
                if (archive_write_finish_entry(out) != ARCHIVE_OK)
                        skipped(st, name, archive_error_string(out) ?: "cannot be finished");
        }
        if (a != ARCHIVE_EOF) {
                snprintf(err, err_size, "%s: %s", path, archive_error_string(in) ?: "corrupt archive");
                r = -EINVAL;
        }
out:
        if (out && archive_write_close(out) != ARCHIVE_OK && r == 0) {
                snprintf(err, err_size, "%s: %s", path, archive_error_string(out) ?: "cannot finish");
                r = -EIO;
        }
        if (cwd >= 0)
                (void) fchdir(cwd);
        archive_read_free(in);
        archive_write_free(out);
        return r;
}

static int mkdir_in(const char *parent, const char *name, char **ret) {
        if (asprintf(ret, "%s/%s", parent, name) < 0)
                return -ENOMEM;
        return mkdir(*ret, 0700) < 0 ? -errno : 0;
}

int image_open(const char *path, struct vb_image **ret, char *err, size_t err_size) {
        _cleanup_(image_freep) struct vb_image *img = calloc(1, sizeof *img);
        _cleanup_(strv_clear) struct vb_strv layers = {};
        struct extract_stats st = {};
        const char *tmp = getenv("TMPDIR");
        _cleanup_close_ int rootfd = -EBADF;
        struct stat s;
        int r;

        err[0] = '\0';
        if (!img)
                return -ENOMEM;
        if (stat(path, &s) < 0)
                return snprintf(err, err_size, "%s: %s", path, strerror(errno)), -errno;
        if (asprintf(&img->dir, "%s/vendorban-image.XXXXXX", tmp && tmp[0] == '/' ? tmp : "/var/tmp") < 0) {
                img->dir = NULL;
                return -ENOMEM;
        }
        if (!mkdtemp(img->dir)) {
                r = -errno;
                snprintf(err, err_size, "cannot create a directory for the image in %s: %s",
                         tmp && tmp[0] == '/' ? tmp : "/var/tmp", strerror(errno));
                free(img->dir);
                img->dir = NULL;
                return r;
        }
        r = mkdir_in(img->dir, "root", &img->root);
        if (r < 0)
                return r;
        if (S_ISDIR(s.st_mode))
                img->layout = realpath(path, NULL);
        else if (S_ISREG(s.st_mode)) {
                _cleanup_close_ int fd = -EBADF;

                r = mkdir_in(img->dir, "layout", &img->layout);
                if (r < 0)
                        return r;
                fd = open(img->layout, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                r = extract(path, fd, false, &st, err, err_size);
                if (r < 0)
                        return r;
        } else {
                snprintf(err, err_size, "%s: neither an OCI image layout directory nor an image tarball", path);
                return -EINVAL;
        }
        if (!img->layout)
                return -errno;
        r = layers_find(img->layout, &layers, err, err_size);
        if (r < 0)
                return r;
        if (layers.n > LAYERS_MAX) {
                snprintf(err, err_size, "%s: %zu layers, more than %d", path, layers.n, LAYERS_MAX);
                return -E2BIG;
        }
        rootfd = open(img->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return -errno;
        st = (struct extract_stats) {};
        for (size_t i = 0; i < layers.n; i++) {
                r = extract(layers.v[i], rootfd, true, &st, err, err_size);
                if (r < 0)
                        return r;
        }
        if (st.skipped > 0) {
                snprintf(err, err_size, "%s: %zu entries could not be unpacked safely (first: %s)", path, st.skipped,
                         st.first_skipped);
                return -EBADMSG;
        }
        img->n_layers = layers.n;
        *ret = TAKE_PTR(img);
        return 0;
}
