/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the policy (see policy.h): finds and reads vendorban.conf and the
 * files of bans.d under a root, parses them with libconfig (the fields are
 * checked in policy-parse.c), digests them, and hands out a complete
 * struct vb_policy or nothing. No global state; no logging: every problem
 * goes to the caller's diag. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>

#include "match-policy.h"
#include "policy-parse.h"

#define POLICY_FILE_MAX (4u * 1024 * 1024)

static void config_destroyp(config_t **c) {
        if (*c)
                config_destroy(*c);
}

static void md_ctx_freep(EVP_MD_CTX **c) {
        EVP_MD_CTX_free(*c);
}

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

/* The one place libconfig's error kinds become errno values. */
static int config_error_to_errno(const config_t *cfg) {
        switch (config_error_type(cfg)) {
        case CONFIG_ERR_NONE:
                return 0;
        case CONFIG_ERR_FILE_IO:
                return -EIO;
        case CONFIG_ERR_PARSE:
        default:
                return -EINVAL;
        }
}

static int config_defaults(struct vb_config *c) {
        static const char *const watch[] = { "/opt", "/var/opt", "/etc/opt", "/usr/local" };
        int r;

        *c = (struct vb_config) {
                .mode = VB_MODE_AUDIT,
                .rescan_interval = 3600,
                .debounce_ms = 50,
                .exec_guard = true,
                .apt_hook_allow_on_error = true,
                .state_dir = strdup("/var/lib/vendorban"),
                .bans_dir = strdup("/etc/vendorban/bans.d"),
                .dpkg_admin_dir = strdup("/var/lib/dpkg"),
        };
        if (!c->state_dir || !c->bans_dir || !c->dpkg_admin_dir)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(watch); i++) {
                r = strv_push(&c->watch_paths, watch[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void config_clear(struct vb_config *c) {
        strv_clear(&c->watch_paths);
        free(c->state_dir);
        free(c->bans_dir);
        free(c->dpkg_admin_dir);
        *c = (struct vb_config) {};
}

static void ban_clear(struct vb_ban *b) {
        free(b->id);
        free(b->vendor);
        strv_clear(&b->entities);
        free(b->authority);
        free(b->reference);
        for (size_t i = 0; i < b->n_phases; i++)
                free(b->phases[i].reason);
        free(b->phases);
        for (size_t i = 0; i < _VB_IND_MAX; i++)
                strv_clear(&b->match[i]);
        strv_clear(&b->exempt_packages);
        strv_clear(&b->exempt_paths);
        strv_clear(&b->alternatives);
        free(b->file);
        *b = (struct vb_ban) {};
}

/* The whole of a file, NUL-terminated; negative errno on failure. */
static int file_read(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if ((uint64_t) st.st_size > POLICY_FILE_MAX)
                return -EFBIG;
        buf = malloc(st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, st.st_size - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += k;
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

static void digest_add(EVP_MD_CTX *md, const char *name, const char *bytes, size_t size) {
        uint64_t n = size;

        if (!md)
                return;
        EVP_DigestUpdate(md, name, strlen(name) + 1);
        EVP_DigestUpdate(md, &n, sizeof n);
        EVP_DigestUpdate(md, bytes, size);
}

static int digest_end(EVP_MD_CTX *md, char out[static 65]) {
        unsigned char sum[EVP_MAX_MD_SIZE];
        unsigned n = 0;

        if (EVP_DigestFinal_ex(md, sum, &n) != 1 || n != 32)
                return -EIO;
        hex_encode(sum, n, out);
        return 0;
}

/* Read and parse host_path into cfg (initialised by the caller, who
 * destroys it); name goes into the digest. Every error is reported, except
 * a missing file when missing_ok. */
static int file_parse(struct policy_loader *l, const char *host_path, const char *name, bool missing_ok,
                      EVP_MD_CTX *md, config_t *cfg) {
        _cleanup_free_ char *bytes = NULL;
        char file[PATH_MAX], *slash;
        size_t size = 0;
        int r;

        r = file_read(host_path, &bytes, &size);
        if (r == -ENOENT && missing_ok)
                return r;
        if (r < 0) {
                policy_io_failed(l, host_path, r);
                return r;
        }
        digest_add(md, name, bytes, size);

        free(l->dir);
        l->dir = strdup(host_path);
        if (!l->dir)
                return -ENOMEM;
        slash = strrchr(l->dir, '/');
        if (slash)
                slash[slash == l->dir ? 1 : 0] = '\0';
        else
                strcpy(l->dir, ".");
        l->file = host_path;

        config_set_include_dir(cfg, l->dir);
        if (config_read_string(cfg, bytes) == CONFIG_TRUE)
                return 0;

        policy_source_file(l, config_error_file(cfg), file, sizeof file);
        diag_add(l->diag, file, config_error_line(cfg), "%s", config_error_text(cfg));
        r = config_error_to_errno(cfg);
        if (r == -EINVAL)
                l->n_errors++;
        else if (l->io_error == 0)
                l->io_error = r;
        return r;
}

/* "dir" + "/" + name, without doubling a trailing slash. */
static char *path_join(const char *dir, const char *name) {
        size_t n = strlen(dir);
        char *p;

        if (asprintf(&p, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name) < 0)
                return NULL;
        return p;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names of the regular "*.conf" files of host_dir not starting with a
 * dot, in strcmp order. I/O errors are reported. */
static int bans_dir_list(struct policy_loader *l, const char *host_dir, struct vb_strv *ret) {
        _cleanup_(closedirp) DIR *d = opendir(host_dir);
        struct vb_strv names = {};
        struct dirent *de;
        int r;

        if (!d) {
                r = -errno;
                policy_io_failed(l, host_dir, r);
                return r;
        }
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);
                struct stat st;

                if (de->d_name[0] == '.' || n <= 5 || strcmp(de->d_name + n - 5, ".conf") != 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                r = strv_push(&names, de->d_name);
                if (r < 0) {
                        strv_clear(&names);
                        return r;
                }
        }
        if (names.n > 0)
                qsort(names.v, names.n, sizeof(char *), strcmp_ptr);
        *ret = names;
        return 0;
}

/* Parse one ban file and append it to p, unless it has errors (which are
 * reported). Negative only for -ENOMEM. */
static int ban_load(struct policy_loader *l, struct vb_policy *p, const char *host_path,
                    const char *name, EVP_MD_CTX *md) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        _cleanup_(ban_clear) struct vb_ban b = {};
        unsigned errors = l->n_errors;
        struct vb_ban *bans;
        config_t cfg;
        int r;

        config_init(&cfg);
        cfgp = &cfg;
        r = file_parse(l, host_path, name, false, md, &cfg);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        r = policy_parse_ban(l, config_root_setting(&cfg), &b);
        if (r < 0)
                return r;
        for (size_t i = 0; b.id && i < p->n_bans; i++)
                if (strcmp(p->bans[i].id, b.id) == 0)
                        policy_bad(l, config_lookup(&cfg, "ban.id"),
                                   "ban id \"%s\" is already defined in %s", b.id, p->bans[i].file);
        if (l->n_errors > errors)
                return 0;

        b.file = strdup(host_path);
        bans = reallocarray(p->bans, p->n_bans + 1, sizeof *bans);
        if (!b.file || !bans)
                return -ENOMEM;
        p->bans = bans;
        p->bans[p->n_bans++] = b;
        b = (struct vb_ban) {};
        return 0;
}

/* Every ban of the configured bans_dir, in lexical order. */
static int bans_load(struct policy_loader *l, const char *root, struct vb_policy *p, EVP_MD_CTX *md) {
        _cleanup_free_ char *host_dir = path_under_root(root, p->config.bans_dir);
        _cleanup_(strv_clear) struct vb_strv names = {};
        int r;

        if (!host_dir)
                return -ENOMEM;
        r = bans_dir_list(l, host_dir, &names);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        for (size_t i = 0; i < names.n; i++) {
                _cleanup_free_ char *host = path_join(host_dir, names.v[i]);
                _cleanup_free_ char *name = path_join(p->config.bans_dir, names.v[i]);

                if (!host || !name)
                        return -ENOMEM;
                r = ban_load(l, p, host, name, md);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The main config over the defaults in c. Returns 1 when bans_dir is known
 * (so the bans can be checked too), 0 when not, or -ENOMEM. */
static int config_load(struct policy_loader *l, const char *host_path, const char *name,
                       EVP_MD_CTX *md, struct vb_config *c) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        const config_setting_t *s;
        const char *v;
        config_t cfg;
        int r;

        config_init(&cfg);
        cfgp = &cfg;
        r = file_parse(l, host_path, name, true, md, &cfg);
        if (r == -ENOENT)
                return 1;               /* no config file: every default */
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        r = policy_parse_config(l, config_root_setting(&cfg), c);
        if (r < 0)
                return r;
        s = config_lookup(&cfg, "bans_dir");
        v = s ? config_setting_get_string(s) : NULL;
        return !s || (v && strcmp(v, c->bans_dir) == 0);
}

/* Flatten the markers and finish both digests. */
static int policy_finish(struct vb_policy *p, EVP_MD_CTX *md) {
        _cleanup_(md_ctx_freep) EVP_MD_CTX *mm = EVP_MD_CTX_new();
        int r;

        if (!mm || EVP_DigestInit_ex(mm, EVP_sha256(), NULL) != 1)
                return -ENOMEM;
        p->n_markers = 0;
        for (size_t b = 0; b < p->n_bans; b++) {
                const struct vb_strv *m = &p->bans[b].match[VB_IND_MARKER];

                for (size_t i = 0; i < m->n; i++) {
                        uint64_t len = strlen(m->v[i]);

                        if (p->n_markers >= VB_MARKERS_MAX)
                                return -E2BIG;
                        p->markers[p->n_markers] = m->v[i];
                        p->marker_ban[p->n_markers++] = b;
                        EVP_DigestUpdate(mm, &len, sizeof len);
                        EVP_DigestUpdate(mm, m->v[i], len);
                }
        }
        r = digest_end(md, p->digest);
        if (r < 0)
                return r;
        return digest_end(mm, p->markers_digest);
}

/* The verdict of a finished load: an allocation failure, else the first
 * I/O error, else -EINVAL for bad content. */
static int loader_result(struct policy_loader *l, int r) {
        free(l->dir);
        l->dir = NULL;
        if (r == -ENOMEM)
                return r;
        if (l->io_error < 0)
                return l->io_error;
        if (l->n_errors > 0)
                return -EINVAL;
        return r < 0 ? r : 0;
}

int policy_load(const char *root, const char *config_path, struct vb_policy **ret, struct vb_diag *diag) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_(md_ctx_freep) EVP_MD_CTX *md = NULL;
        _cleanup_free_ char *host = NULL;
        struct policy_loader l = { .diag = diag };
        int r;

        if (!ret)
                return -EINVAL;
        if (!config_path)
                config_path = VB_DEFAULT_CONFIG;
        p = calloc(1, sizeof *p);
        md = EVP_MD_CTX_new();
        host = path_under_root(root, config_path);
        if (!p || !md || !host || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                return -ENOMEM;
        r = config_defaults(&p->config);
        if (r >= 0)
                r = config_load(&l, host, config_path, md, &p->config);
        if (r > 0)
                r = bans_load(&l, root, p, md);
        r = loader_result(&l, r);
        if (r < 0)
                return r;
        r = policy_finish(p, md);
        if (r < 0)
                return r;
        r = policy_compile(p);          /* the engine's lookups: match-policy.c */
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int policy_check_file(const char *host_path, struct vb_diag *diag) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        struct policy_loader l = { .diag = diag };
        const config_setting_t *root;
        config_t cfg;
        int r;

        config_init(&cfg);
        cfgp = &cfg;
        r = file_parse(&l, host_path, host_path, false, NULL, &cfg);
        if (r >= 0) {
                root = config_root_setting(&cfg);
                if (config_setting_get_member(root, "ban")) {
                        struct vb_ban b = {};
                        r = policy_parse_ban(&l, root, &b);
                        ban_clear(&b);
                } else {
                        struct vb_config c = {};
                        r = config_defaults(&c);
                        if (r >= 0)
                                r = policy_parse_config(&l, root, &c);
                        config_clear(&c);
                }
        }
        return loader_result(&l, r);
}

void policy_free(struct vb_policy *p) {
        if (!p)
                return;
        policy_index_free(p->index);
        config_clear(&p->config);
        for (size_t i = 0; i < p->n_bans; i++)
                ban_clear(&p->bans[i]);
        free(p->bans);
        free(p);
}
