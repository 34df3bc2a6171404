/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vendorban's names in dnf.conf's excludepkgs (see dnfexclude.h): a pure
 * line editor over the file's text, and the atomic rewrite of the file. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "dnfexclude.h"
#include "util.h"

bool dnfexclude_name_is_valid(const char *name) {
        if (!name || !*name || strcmp(name, "*") == 0)
                return false;
        for (const char *s = name; *s; s++)
                if ((unsigned char) *s <= 0x20 || *s == 0x7f || *s == ',' || *s == '/')
                        return false;
        return true;
}

/* ---- the text ---- */

struct line {
        const char *s;
        size_t len;
        bool nl;                        /* ended by a newline (the last line may not be) */
};

static bool blank(char c) {
        return c == ' ' || c == '\t';
}

/* "[name]" (blanks around allowed): the section's name into buf. */
static bool section_of(const struct line *l, char *buf, size_t size) {
        size_t i = 0, e = l->len;

        while (i < e && blank(l->s[i]))
                i++;
        while (e > i && (blank(l->s[e - 1]) || l->s[e - 1] == '\r'))
                e--;
        if (e - i < 2 || l->s[i] != '[' || l->s[e - 1] != ']')
                return false;
        snprintf(buf, size, "%.*s", (int) (e - i - 2), l->s + i + 1);
        return true;
}

/* "excludepkgs = a, b" or "exclude=a b": the value's start, or NULL. */
static const char *exclude_value(const struct line *l, size_t *ret_len) {
        size_t i = 0, k;

        if (l->len > 0 && blank(l->s[0]))
                return NULL; /* a continuation line */
        for (k = 0; k < l->len && l->s[k] != '=' && !blank(l->s[k]); k++)
                ;
        if (!((k == 11 && memcmp(l->s, "excludepkgs", 11) == 0) || (k == 7 && memcmp(l->s, "exclude", 7) == 0)))
                return NULL;
        i = k;
        while (i < l->len && blank(l->s[i]))
                i++;
        if (i >= l->len || l->s[i] != '=')
                return NULL;
        i++;
        *ret_len = l->len - i;
        return l->s + i;
}

/* Split a list of names (commas and blanks separate) into v. */
static int split_names(const char *s, size_t len, struct vb_strv *v) {
        size_t i = 0;

        while (i < len) {
                while (i < len && (blank(s[i]) || s[i] == ',' || s[i] == '\r'))
                        i++;
                size_t b = i;
                while (i < len && !blank(s[i]) && s[i] != ',' && s[i] != '\r')
                        i++;
                if (i > b) {
                        _cleanup_free_ char *n = strndup(s + b, i - b);
                        if (!n || (!strv_contains(v, n) && strv_push(v, n) < 0))
                                return -ENOMEM;
                }
        }
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void join(FILE *f, const struct vb_strv *v) {
        for (size_t i = 0; i < v->n; i++)
                fprintf(f, "%s%s", i ? "," : "", v->v[i]);
}

struct edit {
        struct line *lines;
        size_t n;
        struct vb_strv old;             /* what the mark says we added before */
        ssize_t mark, main, key;        /* line indexes, -1 if none */
};

static int edit_scan(const char *text, size_t len, struct edit *e) {
        char sec[64];
        bool in_main = false;
        size_t cap = 0;

        e->mark = e->main = e->key = -1;
        for (size_t i = 0; i < len;) {
                const char *nl = memchr(text + i, '\n', len - i);
                size_t l = nl ? (size_t) (nl - (text + i)) : len - i;

                if (e->n == cap) {
                        struct line *v = realloc(e->lines, (cap = cap ? cap * 2 : 64) * sizeof *v);
                        if (!v)
                                return -ENOMEM;
                        e->lines = v;
                }
                struct line *ln = &e->lines[e->n];
                *ln = (struct line) { text + i, l, nl != NULL };
                if (section_of(ln, sec, sizeof sec)) {
                        in_main = strcmp(sec, "main") == 0;
                        if (in_main && e->main < 0)
                                e->main = (ssize_t) e->n;
                } else if (l >= strlen(DNFEXCLUDE_MARK) && memcmp(ln->s, DNFEXCLUDE_MARK, strlen(DNFEXCLUDE_MARK)) == 0) {
                        e->mark = (ssize_t) e->n;
                        int r = split_names(ln->s + strlen(DNFEXCLUDE_MARK), l - strlen(DNFEXCLUDE_MARK), &e->old);
                        if (r < 0)
                                return r;
                } else if (in_main && e->key < 0) {
                        size_t vl;
                        if (exclude_value(ln, &vl))
                                e->key = (ssize_t) e->n;
                }
                e->n++;
                i += l + (nl ? 1 : 0);
        }
        return 0;
}

/* The key's new value: its names less what we added before, plus ours. */
static int edit_value(const struct edit *e, const struct vb_strv *ours, struct vb_strv *ret) {
        struct vb_strv cur = {};
        size_t vl = 0;
        const char *v = e->key >= 0 ? exclude_value(&e->lines[e->key], &vl) : NULL;
        int r = v ? split_names(v, vl, &cur) : 0;

        for (size_t i = 0; r >= 0 && i < cur.n; i++)
                if (!strv_contains(&e->old, cur.v[i]) && !strv_contains(ret, cur.v[i]))
                        r = strv_push(ret, cur.v[i]);
        for (size_t i = 0; r >= 0 && i < ours->n; i++)
                if (!strv_contains(ret, ours->v[i]))
                        r = strv_push(ret, ours->v[i]);
        strv_clear(&cur);
        return r;
}

static void emit_key(FILE *f, const struct edit *e, const struct vb_strv *ours, const struct vb_strv *value) {
        if (ours->n > 0) {
                fputs(DNFEXCLUDE_MARK, f);
                join(f, ours);
                fputs("\n", f);
        }
        if (value->n > 0 || (e->key >= 0 && e->old.n == 0)) {
                fputs("excludepkgs=", f);
                join(f, value);
                fputs("\n", f);
        }
}

static int edit_emit(const struct edit *e, const struct vb_strv *ours, const struct vb_strv *value, FILE *f) {
        bool done = false;

        if (e->main < 0 && (ours->n > 0 || value->n > 0)) {
                fputs("[main]\n", f);
                emit_key(f, e, ours, value);
                done = true;
        }
        for (size_t i = 0; i < e->n; i++) {
                if ((ssize_t) i == e->mark)
                        continue;
                if ((ssize_t) i == e->key) {
                        if (!done)
                                emit_key(f, e, ours, value);
                        done = true;
                        continue;
                }
                fwrite(e->lines[i].s, 1, e->lines[i].len, f);
                if (e->lines[i].nl || (ssize_t) i == e->main)
                        fputc('\n', f);
                if ((ssize_t) i == e->main && e->key < 0 && !done) {
                        emit_key(f, e, ours, value);
                        done = true;
                }
        }
        return 0;
}

int dnfexclude_edit(const char *text, size_t len, const char *const *names, size_t n, char **ret,
                    size_t *ret_len) {
        struct edit e = {};
        struct vb_strv ours = {}, value = {};
        char *buf = NULL;
        size_t size = 0;
        int r = 0;

        if (len > 0 && memchr(text, '\0', len))
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (!dnfexclude_name_is_valid(names[i]))
                        r = -EINVAL;
                else if (!strv_contains(&ours, names[i]))
                        r = r < 0 ? r : strv_push(&ours, names[i]);
        }
        if (r >= 0 && ours.n > 0)
                qsort(ours.v, ours.n, sizeof(char *), cmp_str);
        if (r >= 0)
                r = edit_scan(text, len, &e);
        if (r >= 0)
                r = edit_value(&e, &ours, &value);
        FILE *f = r >= 0 ? open_memstream(&buf, &size) : NULL;
        if (r >= 0 && !f)
                r = -ENOMEM;
        if (f) {
                (void) edit_emit(&e, &ours, &value, f);
                if (fclose(f) != 0)
                        r = -ENOMEM;
        }
        free(e.lines);
        strv_clear(&e.old);
        strv_clear(&ours);
        strv_clear(&value);
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        *ret_len = size;
        return 0;
}

/* ---- the file ---- */

static int read_all(int fd, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, size = 0;

        for (;;) {
                if (size - len < 4096) {
                        if (size > (1u << 24))
                                return -EFBIG;
                        char *b = realloc(buf, size = size ? size * 2 : 8192);
                        if (!b)
                                return -ENOMEM;
                        buf = b;
                }
                ssize_t k = read(fd, buf + len, size - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int replace_atomic(int dfd, const char *content, size_t len, mode_t mode) {
        unsigned char rnd[8];
        char hex[2 * sizeof rnd + 1], tmp[64];
        int r = 0;

        if (getrandom(rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
                return -EIO;
        hex_encode(rnd, sizeof rnd, hex);
        snprintf(tmp, sizeof tmp, "." DNFEXCLUDE_FILE ".%s", hex);

        int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        for (size_t off = 0; r >= 0 && off < len;) {
                ssize_t k = write(fd, content + off, len - off);
                if (k < 0 && errno != EINTR)
                        r = -errno;
                else if (k > 0)
                        off += (size_t) k;
        }
        if (r >= 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && renameat(dfd, tmp, dfd, DNFEXCLUDE_FILE) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dfd, tmp, 0);
                return r;
        }
        return fsync(dfd) < 0 ? -errno : 0;
}

int dnfexclude_write(const char *root, const char *const *names, size_t n) {
        _cleanup_close_ int dfd = open_in_root(root, DNFEXCLUDE_DIR, O_RDONLY | O_DIRECTORY);
        _cleanup_free_ char *old = NULL, *text = NULL;
        size_t old_len = 0, len = 0;
        mode_t mode = 0644;
        struct stat st;
        int r;

        if (dfd < 0)
                return dfd;
        _cleanup_close_ int fd = openat(dfd, DNFEXCLUDE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0 && errno != ENOENT)
                return -errno;
        if (fd >= 0) {
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (!S_ISREG(st.st_mode))
                        return -EBADF;
                mode = st.st_mode & 07777;
                r = read_all(fd, &old, &old_len);
                if (r < 0)
                        return r;
        } else if (n == 0)
                return 0; /* no file and nothing to exclude */
        r = dnfexclude_edit(old ? old : "", old_len, names, n, &text, &len);
        if (r < 0)
                return r;
        if (fd >= 0 && len == old_len && memcmp(text, old, len) == 0)
                return 0;
        r = replace_atomic(dfd, text, len, mode);
        return r < 0 ? r : 1;
}
