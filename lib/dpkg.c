/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reader for the dpkg database (see dpkg.h). Owns nothing beyond the
 * returned db and string lists; reads files whole and parses them in place,
 * copying only the fields it keeps. Never writes anything. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dpkg.h"

/* dpkg itself sets no limit on a file, a stanza, a field count or a value
 * (lib/dpkg/parse.c reads the whole file and keeps every field); ours is
 * only the size of a file we read into memory, far above any real one. */
#define DPKG_FILE_MAX ((size_t) 1 << 30)

/* A slice of the input buffer. */
struct span {
        const char *p;
        size_t len;
};

enum {
        FIELD_PACKAGE,
        FIELD_ARCHITECTURE,
        FIELD_VERSION,
        FIELD_MAINTAINER,
        FIELD_ORIGINAL_MAINTAINER,
        FIELD_VENDOR,
        FIELD_STATUS,
        FIELD_MULTI_ARCH,
        _FIELD_MAX,
};

#define FIELD(n) { n, sizeof(n) - 1 }
static const struct {
        const char *name;
        size_t len;
} fields[_FIELD_MAX] = {
        [FIELD_PACKAGE] = FIELD("Package"),
        [FIELD_ARCHITECTURE] = FIELD("Architecture"),
        [FIELD_VERSION] = FIELD("Version"),
        [FIELD_MAINTAINER] = FIELD("Maintainer"),
        [FIELD_ORIGINAL_MAINTAINER] = FIELD("Original-Maintainer"),
        [FIELD_VENDOR] = FIELD("Vendor"),
        [FIELD_STATUS] = FIELD("Status"),
        [FIELD_MULTI_ARCH] = FIELD("Multi-Arch"),
};

struct parser {
        const char *file;
        bool require_status;
        struct vb_diag *diag;
        unsigned line;
        int error;                      /* -EINVAL once anything was reported, else 0 */

        /* the stanza being read */
        bool in_stanza;
        bool damaged;                   /* reported: kept (if named) with the fields read well */
        unsigned stanza_line;
        bool have[_FIELD_MAX];
        struct span value[_FIELD_MAX];

        /* stanzas parsed so far */
        struct vb_dpkg_package *pkgs;
        size_t n, cap;
};

static void package_done(struct vb_dpkg_package *p) {
        free(p->name);
        free(p->arch);
        free(p->version);
        free(p->maintainer);
        free(p->original_maintainer);
        free(p->vendor);
        free(p->status);
        *p = (struct vb_dpkg_package) {};
}

void dpkg_db_free(struct vb_dpkg_db *db) {
        if (!db)
                return;
        for (size_t i = 0; i < db->n; i++)
                package_done(&db->pkgs[i]);
        free(db->pkgs);
        free(db);
}

/* Record a content error in the current stanza: its first error is
 * reported, the stanza is marked damaged and the rest of it read leniently.
 * Returns 0 so that callers go on with the next line. */
static int __attribute__((format(printf, 3, 4))) parser_fail(struct parser *ps, unsigned line,
                                                              const char *fmt, ...) {
        char msg[256];
        va_list ap;

        if (ps->damaged)
                return 0;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        diag_add(ps->diag, ps->file, line, "%s", msg);
        ps->error = -EINVAL;
        ps->damaged = true;
        return 0;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static struct span span_trim(const char *p, size_t len) {
        while (len > 0 && is_blank(*p)) {
                p++;
                len--;
        }
        while (len > 0 && is_blank(p[len - 1]))
                len--;
        return (struct span) { p, len };
}

/* s equals the first s.len bytes of t, ignoring ASCII case. */
static bool span_case_eq(struct span s, const char *t) {
        return (s.p[0] | 0x20) == (t[0] | 0x20) && strncasecmp(s.p, t, s.len) == 0;
}

static bool span_eq_word(struct span s, const char *word) {
        size_t l = strlen(word);
        return s.len == l && memcmp(s.p, word, l) == 0;
}

static bool word_in(struct span w, const char *const *set) {
        for (; *set; set++)
                if (span_eq_word(w, *set))
                        return true;
        return false;
}

/* "want eflag state", each from its known set, separated by blanks. */
static bool status_split(struct span s, struct span words[static 3]) {
        static const char *const wants[] = { "unknown", "install", "hold", "deinstall", "purge", NULL };
        static const char *const eflags[] = { "ok", "reinstreq", NULL };
        static const char *const states[] = { "not-installed", "config-files", "half-installed",
                                              "unpacked", "half-configured", "triggers-awaited",
                                              "triggers-pending", "installed", NULL };
        const char *const *sets[] = { wants, eflags, states };
        const char *p = s.p, *end = s.p + s.len;

        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                while (p < end && is_blank(*p))
                        p++;
                const char *w = p;
                while (p < end && !is_blank(*p))
                        p++;
                words[i] = (struct span) { w, p - w };
                if (!word_in(words[i], sets[i]))
                        return false;
        }
        while (p < end && is_blank(*p))
                p++;
        return p == end;
}

/* The Status value with single spaces between its words. */
static int status_dup(struct span s, char **ret) {
        struct span w[3];

        if (!status_split(s, w))
                return -EINVAL;
        if (asprintf(ret, "%.*s %.*s %.*s", (int) w[0].len, w[0].p, (int) w[1].len, w[1].p,
                     (int) w[2].len, w[2].p) < 0)
                return -ENOMEM;
        return 0;
}

static int span_dup(struct span s, char **ret) {
        if (s.len == 0) {
                *ret = NULL;
                return 0;
        }
        *ret = strndup(s.p, s.len);
        return *ret ? 0 : -ENOMEM;
}

static int stanza_to_package(struct parser *ps, struct vb_dpkg_package *pkg) {
        char **dst[] = {
                [FIELD_PACKAGE] = &pkg->name,
                [FIELD_ARCHITECTURE] = &pkg->arch,
                [FIELD_VERSION] = &pkg->version,
                [FIELD_MAINTAINER] = &pkg->maintainer,
                [FIELD_ORIGINAL_MAINTAINER] = &pkg->original_maintainer,
                [FIELD_VENDOR] = &pkg->vendor,
        };
        int r;

        *pkg = (struct vb_dpkg_package) { .damaged = ps->damaged };
        for (size_t i = 0; i < ELEMENTSOF(dst); i++) {
                if (!ps->have[i])
                        continue;
                r = span_dup(ps->value[i], dst[i]);
                if (r < 0) {
                        package_done(pkg);
                        return r;
                }
        }
        if (ps->have[FIELD_STATUS]) {
                r = status_dup(ps->value[FIELD_STATUS], &pkg->status);
                if (r < 0) {
                        package_done(pkg);
                        return r;
                }
        }
        pkg->multi_arch_same = ps->have[FIELD_MULTI_ARCH] && span_eq_word(ps->value[FIELD_MULTI_ARCH], "same");
        return 0;
}

/* Check the finished stanza and keep it, damaged or not, if it names a
 * package. Only -ENOMEM is returned; content errors are recorded. */
static int parser_stanza_end(struct parser *ps) {
        int r;

        if (!ps->in_stanza)
                return 0;
        ps->in_stanza = false;

        if (!ps->have[FIELD_PACKAGE] || ps->value[FIELD_PACKAGE].len == 0)
                parser_fail(ps, ps->stanza_line, "stanza without a Package field");
        else if (ps->require_status && !ps->have[FIELD_STATUS])
                parser_fail(ps, ps->stanza_line, "stanza without a Status field");
        if (!ps->have[FIELD_PACKAGE] || ps->value[FIELD_PACKAGE].len == 0)
                return 0;       /* nothing to judge it by */

        if (ps->n == ps->cap) {
                size_t cap = ps->cap ? ps->cap * 2 : 64;
                struct vb_dpkg_package *p = realloc(ps->pkgs, cap * sizeof *p);
                if (!p)
                        return -ENOMEM;
                ps->pkgs = p;
                ps->cap = cap;
        }
        r = stanza_to_package(ps, &ps->pkgs[ps->n]);
        if (r < 0)
                return r;
        ps->n++;
        return 0;
}

static void parser_stanza_begin(struct parser *ps) {
        ps->in_stanza = true;
        ps->damaged = false;
        ps->stanza_line = ps->line;
        memset(ps->have, 0, sizeof ps->have);
}

/* One "Name: value" line. A damaged stanza is still read for the fields
 * that are well formed, keeping the first value of each. */
static int parser_field(struct parser *ps, const char *s, size_t len) {
        const char *colon = memchr(s, ':', len);

        if (!colon)
                return parser_fail(ps, ps->line, "line is neither a field nor a continuation");
        struct span name = { s, colon - s };
        if (name.len == 0)
                return parser_fail(ps, ps->line, "empty field name");
        for (size_t i = 0; i < name.len; i++)
                if (is_blank(name.p[i]))
                        return parser_fail(ps, ps->line, "field name contains whitespace");

        for (size_t i = 0; i < _FIELD_MAX; i++) {
                if (fields[i].len != name.len || !span_case_eq(name, fields[i].name))
                        continue;
                if (ps->have[i])
                        return parser_fail(ps, ps->line, "duplicate field '%s'", fields[i].name);
                struct span v = span_trim(colon + 1, s + len - colon - 1);
                if (i == FIELD_STATUS && !status_split(v, (struct span[3]) {}))
                        return parser_fail(ps, ps->line, "invalid Status (want 'WANT EFLAG STATE' with known words)");
                ps->have[i] = true;
                ps->value[i] = v;
                break;
        }
        return 0;
}

static int parser_line(struct parser *ps, const char *s, size_t len) {
        bool cont = len > 0 && is_blank(s[0]);

        if (len == 0)
                return parser_stanza_end(ps);
        if (!ps->in_stanza) {
                if (span_trim(s, len).len == 0)
                        return 0;       /* blank-only separator line */
                parser_stanza_begin(ps);
                if (cont)
                        return parser_fail(ps, ps->line, "continuation line at the start of a stanza");
        }
        if (memchr(s, '\0', len))
                return parser_fail(ps, ps->line, "NUL byte in text");
        if (cont)
                return 0;               /* continuations belong to the previous field */
        return parser_field(ps, s, len);
}

static unsigned count_lines(const char *p, const char *end) {
        unsigned n = 1;

        for (; p < end; p++)
                n += *p == '\n';
        return n;
}

static int parser_run(struct parser *ps, const char *buf, size_t len) {
        const char *p = buf, *end = buf + len, *last = len > 0 ? memrchr(buf, '\n', len) : NULL;
        int r = 0;

        /* A last line without newline: the file was cut short. The lines
         * before it still count; the stanza it belongs to is damaged. */
        if (len > 0 && buf[len - 1] != '\n')
                end = last ? last + 1 : buf;
        while (p < end && r >= 0) {
                const char *nl = memchr(p, '\n', end - p);     /* always found */

                ps->line++;
                r = parser_line(ps, p, nl - p);
                p = nl + 1;
        }
        if (r >= 0 && end < buf + len) {
                unsigned line = count_lines(buf, buf + len);
                if (!ps->in_stanza) {
                        /* the cut line alone: report it, nothing to judge */
                        diag_add(ps->diag, ps->file, line, "truncated: last line has no newline");
                        ps->error = -EINVAL;
                } else
                        parser_fail(ps, line, "truncated: last line has no newline");
        }
        if (r >= 0)
                r = parser_stanza_end(ps);
        return r < 0 ? r : ps->error;
}

/* Parse buf and append every stanza that names a package (damaged or not)
 * to db. -EINVAL if anything was reported; -ENOMEM appends nothing. */
static int parse(const char *buf, size_t len, const char *file, bool require_status, struct vb_dpkg_db *db,
                 struct vb_diag *diag) {
        struct parser ps = { .file = file, .require_status = require_status, .diag = diag };
        int r;

        r = parser_run(&ps, buf, len);
        if (r != -ENOMEM && ps.n > 0) {
                struct vb_dpkg_package *n = realloc(db->pkgs, (db->n + ps.n) * sizeof *n);
                if (!n)
                        r = -ENOMEM;
                else {
                        db->pkgs = n;
                        memcpy(db->pkgs + db->n, ps.pkgs, ps.n * sizeof *n);
                        db->n += ps.n;
                        ps.n = 0;
                }
        }
        for (size_t i = 0; i < ps.n; i++)
                package_done(&ps.pkgs[i]);
        free(ps.pkgs);
        return r;
}

int dpkg_parse_buffer(const char *buf, size_t len, const char *file, struct vb_dpkg_db *db,
                      struct vb_diag *diag) {
        if (!db || (!buf && len > 0))
                return -EINVAL;
        return parse(buf, len, file, false, db, diag);
}

bool dpkg_package_has_files(const struct vb_dpkg_package *p) {
        static const char *const states[] = { "installed", "half-configured", "unpacked", "half-installed",
                                              "triggers-awaited", "triggers-pending", NULL };
        if (!p)
                return false;
        if (!p->status)
                return p->damaged;      /* unknown: judge it as if it were there */
        const char *s = strrchr(p->status, ' ');
        s = s ? s + 1 : p->status;
        return word_in((struct span) { s, strlen(s) }, states);
}

/* Read a whole file into a NUL-terminated buffer (the NUL is not counted). */
static int read_whole(const char *path, char **ret_buf, size_t *ret_len, struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0, cap;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if ((uint64_t) st.st_size >= DPKG_FILE_MAX)
                return -EFBIG;
        cap = (size_t) st.st_size + 1;          /* +1: see EOF in the first read */
        buf = malloc(cap + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                len += k;
                if (len == cap) {               /* the file grew while we read it */
                        if (cap >= DPKG_FILE_MAX)
                                return -EFBIG;
                        char *n = realloc(buf, cap * 2 + 1);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                        cap *= 2;
                }
        }
        buf[len] = '\0';
        *ret_buf = TAKE_PTR(buf);
        *ret_len = len;
        if (ret_st)
                *ret_st = st;
        return 0;
}

static int read_control_file(const char *path, bool require_status, struct vb_dpkg_db *db,
                             struct vb_diag *diag) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_whole(path, &buf, &len, NULL);
        if (r == -ENOENT)
                return r;               /* the caller says what it means */
        if (r < 0) {
                diag_add(diag, path, 0, "cannot read: %s", strerror(-r));
                return r;
        }
        return parse(buf, len, path, require_status, db, diag);
}

static bool arch_eq(const char *a, const char *b) {
        return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Move every package of src into db, replacing the one with the same name
 * and architecture. src is left empty. */
static int db_merge(struct vb_dpkg_db *db, struct vb_dpkg_db *src) {
        for (size_t i = 0; i < src->n; i++) {
                struct vb_dpkg_package *p = &src->pkgs[i];
                size_t j;

                for (j = 0; j < db->n; j++)
                        if (strcmp(db->pkgs[j].name, p->name) == 0 && arch_eq(db->pkgs[j].arch, p->arch))
                                break;
                if (j == db->n) {
                        struct vb_dpkg_package *n = realloc(db->pkgs, (db->n + 1) * sizeof *n);
                        if (!n)
                                return -ENOMEM;
                        db->pkgs = n;
                        db->n++;
                } else
                        package_done(&db->pkgs[j]);
                db->pkgs[j] = *p;
                *p = (struct vb_dpkg_package) {};
        }
        return 0;
}

static bool all_digits(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

/* Numeric order of digit strings of any length. */
static int numeric_cmp(const void *a, const void *b) {
        const char *x = *(const char *const *) a, *y = *(const char *const *) b;
        size_t lx, ly;

        while (*x == '0' && x[1])
                x++;
        while (*y == '0' && y[1])
                y++;
        lx = strlen(x);
        ly = strlen(y);
        if (lx != ly)
                return lx < ly ? -1 : 1;
        int c = strcmp(x, y);
        return c != 0 ? c : strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int updates_list(const char *dir, struct vb_strv *ret) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while (r >= 0) {
                errno = 0;
                de = readdir(d);
                if (!de) {
                        r = -errno;
                        break;
                }
                if (all_digits(de->d_name))
                        r = strv_push(ret, de->d_name);
        }
        closedir(d);
        if (r >= 0 && ret->n > 0)
                qsort(ret->v, ret->n, sizeof(char *), numeric_cmp);
        return r;
}

static int updates_apply(const char *admindir, struct vb_dpkg_db *db, struct vb_diag *diag) {
        _cleanup_(strv_clear) struct vb_strv names = {};
        _cleanup_free_ char *dir = NULL;
        int r;

        if (asprintf(&dir, "%s/updates", admindir) < 0)
                return -ENOMEM;
        r = updates_list(dir, &names);
        if (r < 0) {
                diag_add(diag, dir, 0, "cannot list: %s", strerror(-r));
                return r;
        }
        for (size_t i = 0; i < names.n; i++) {
                struct vb_dpkg_db upd = {};
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                r = read_control_file(path, true, &upd, diag);
                if (r == -ENOENT) {
                        diag_add(diag, path, 0, "vanished while reading the database (dpkg checkpoint?)");
                        return -EAGAIN;
                }
                /* -EINVAL: reported in diag; what could be read still counts.
                 * Another error (unreadable file): reported, skipped. */
                if (r >= 0 || r == -EINVAL)
                        r = db_merge(db, &upd);
                else if (r != -ENOMEM)
                        r = 0;
                for (size_t j = 0; j < upd.n; j++)
                        package_done(&upd.pkgs[j]);
                free(upd.pkgs);
                if (r < 0)
                        return r;
        }
        return 0;
}

int dpkg_db_read(const char *admindir, struct vb_dpkg_db **ret, struct vb_diag *diag) {
        _cleanup_(dpkg_db_freep) struct vb_dpkg_db *db = NULL;
        _cleanup_free_ char *path = NULL;
        int r;

        db = calloc(1, sizeof *db);
        if (!db)
                return -ENOMEM;
        if (asprintf(&path, "%s/status", admindir) < 0)
                return -ENOMEM;
        r = read_control_file(path, true, db, diag);
        if (r == -ENOENT)
                diag_add(diag, path, 0, "no dpkg status file");
        if (r < 0 && r != -EINVAL)
                return r;       /* -EINVAL: reported, and every readable stanza kept */
        r = updates_apply(admindir, db, diag);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(db);
        return 0;
}

/* A package name or architecture that is safe to put into a file name. */
static bool name_valid(const char *s) {
        return s && *s && !strchr(s, '/') && !strchr(s, ':') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static char *mfree(char *p) {
        free(p);
        return NULL;
}

/* One absolute path per line, "/." skipped; the strings are copied. A bad
 * line (relative, NUL byte, cut short) is reported and skipped: the others
 * still count. -EINVAL if anything was reported. */
static int list_parse(const char *buf, size_t len, const char *file, struct vb_strv *ret,
                      struct vb_diag *diag) {
        _cleanup_(strv_clear) struct vb_strv files = {};
        const char *p = buf, *end = buf + len;
        size_t lines = 0;
        unsigned line = 0;
        int r = 0;

        for (const char *q = buf; (q = memchr(q, '\n', end - q)); q++)
                lines++;
        files.v = calloc(lines + 2, sizeof(char *));
        if (!files.v)
                return -ENOMEM;
        while (p < end) {
                const char *nl = memchr(p, '\n', end - p);
                size_t l = (nl ? nl : end) - p;
                const char *bad = NULL;

                line++;
                if (!nl)
                        bad = "truncated: last line has no newline";
                else if (memchr(p, '\0', l))
                        bad = "NUL byte in path";
                else if (l == 0 || p[0] != '/')
                        bad = "not an absolute path";
                if (bad) {
                        diag_add(diag, file, line, "%s", bad);
                        r = -EINVAL;
                } else if (!(l == 2 && p[1] == '.')) {
                        files.v[files.n] = strndup(p, l);
                        if (!files.v[files.n])
                                return -ENOMEM;
                        files.n++;
                }
                p = nl ? nl + 1 : end;
        }
        *ret = files;
        files = (struct vb_strv) {};
        return r;
}

int dpkg_list_read(const char *admindir, const char *name, const char *arch, struct vb_strv *ret_files,
                   int64_t *ret_mtime, struct vb_diag *diag) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        struct vb_strv files = {};
        struct stat st;
        size_t len;
        int r = -ENOENT;

        *ret_files = (struct vb_strv) {};
        if (!name_valid(name) || (arch && *arch && !name_valid(arch)))
                return -EINVAL;
        if (arch && *arch) {
                if (asprintf(&path, "%s/info/%s:%s.list", admindir, name, arch) < 0)
                        return -ENOMEM;
                r = read_whole(path, &buf, &len, &st);
        }
        if (r == -ENOENT) {
                path = mfree(path);
                if (asprintf(&path, "%s/info/%s.list", admindir, name) < 0)
                        return -ENOMEM;
                r = read_whole(path, &buf, &len, &st);
        }
        if (r == -ENOENT)
                return r;
        if (r < 0) {
                diag_add(diag, path, 0, "cannot read: %s", strerror(-r));
                return r;
        }
        r = list_parse(buf, len, path, &files, diag);
        if (r < 0 && r != -EINVAL)
                return r;
        *ret_files = files;
        if (ret_mtime)
                *ret_mtime = st.st_mtime;
        return r;
}

int dpkg_list_name_parse(const char *filename, char **ret_name, char **ret_arch) {
        _cleanup_free_ char *name = NULL, *arch = NULL;
        size_t l = filename ? strlen(filename) : 0;
        const char *colon;

        if (l <= 5 || strcmp(filename + l - 5, ".list") != 0 || strchr(filename, '/'))
                return -EINVAL;
        l -= 5;
        colon = memchr(filename, ':', l);
        name = strndup(filename, colon ? (size_t) (colon - filename) : l);
        if (!name)
                return -ENOMEM;
        if (colon) {
                arch = strndup(colon + 1, filename + l - colon - 1);
                if (!arch)
                        return -ENOMEM;
        }
        if (!name_valid(name) || (colon && !name_valid(arch)))
                return -EINVAL;
        *ret_name = TAKE_PTR(name);
        if (ret_arch)
                *ret_arch = TAKE_PTR(arch);
        return 0;
}
