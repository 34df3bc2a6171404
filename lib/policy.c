/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading the policy (see policy.h): finds vendorban.conf and its drop-ins,
 * the shipped and local bans with their drop-ins under a root, parses them
 * with libconfig (files read by policy-read.c, fields checked in
 * policy-parse.c), digests them, and hands out a complete struct vb_policy
 * or nothing. No global state; no logging: every problem goes to the
 * caller's diag. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>

#include "match-policy.h"
#include "policy-hint.h"
#include "policy-parse.h"

#define DEFAULT_BANS_DIR "/etc/vendorban/bans.d"
#define DEFAULT_VENDOR_BANS_DIR "/usr/share/vendorban/bans.d"

static void config_destroyp(config_t **c) {
        if (*c)
                config_destroy(*c);
}

static void md_ctx_freep(EVP_MD_CTX **c) {
        EVP_MD_CTX_free(*c);
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

int policy_config_defaults(struct vb_config *c) {
        static const char *const watch[] = { "/opt", "/var/opt", "/etc/opt", "/usr/local" };
        int r;

        *c = (struct vb_config) {
                .mode = VB_MODE_AUDIT,
                .rescan_interval = 3600,
                .debounce_ms = 50,
                .exec_guard = true,
                .apt_hook_allow_on_error = true,
                .state_dir = strdup(VB_DEFAULT_STATE_DIR),
                .bans_dir = strdup(DEFAULT_BANS_DIR),
                .vendor_bans_dir = strdup(DEFAULT_VENDOR_BANS_DIR),
                .dpkg_admin_dir = strdup("/var/lib/dpkg"),
                .auditor_group = strdup(VB_DEFAULT_AUDITOR_GROUP),
        };
        if (!c->state_dir || !c->bans_dir || !c->vendor_bans_dir || !c->dpkg_admin_dir || !c->auditor_group)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(watch); i++) {
                r = strv_push(&c->watch_paths, watch[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

void policy_origins_clear(struct vb_origins *o) {
        for (size_t i = 0; i < o->n; i++) {
                free(o->v[i].key);
                free(o->v[i].value);
        }
        free(o->v);
        *o = (struct vb_origins) {};
}

const struct vb_origin *policy_origin(const struct vb_origins *o, const char *key, const char *value) {
        for (size_t i = o->n; i > 0; i--) {
                const struct vb_origin *x = &o->v[i - 1];

                if (strcmp(x->key, key) == 0 && (!value || strcmp(x->value, value) == 0))
                        return x;
        }
        return NULL;
}

static void config_clear(struct vb_config *c) {
        strv_clear(&c->watch_paths);
        free(c->state_dir);
        free(c->bans_dir);
        free(c->vendor_bans_dir);
        free(c->dpkg_admin_dir);
        free(c->auditor_group);
        policy_origins_clear(&c->origins);
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
        strv_clear(&b->dropins);
        policy_origins_clear(&b->origins);
        *b = (struct vb_ban) {};
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

/* The state of one policy_load(): the loader, the policy being built. */
struct load {
        struct policy_loader l;
        const char *root;
        struct vb_policy *p;            /* NULL for a file checked alone */
        EVP_MD_CTX *md;
        char *vendor_host, *local_host; /* the two bans directories, host paths */
};

/* Read and parse host_path into cfg (initialised by the caller, who
 * destroys it); name (the path inside the root) goes into the digest.
 * Every error is reported, except a missing file when missing_ok. */
static int file_parse(struct load *ld, const char *host_path, const char *name, bool missing_ok, config_t *cfg) {
        struct policy_loader *l = &ld->l;
        _cleanup_free_ char *bytes = NULL;
        mode_t type = 0;
        size_t size = 0;
        unsigned k;
        int r;

        r = policy_file_read(host_path, &bytes, &size, &type);
        if (r == -ENOENT && missing_ok)
                return r;
        if (r == -EBADF) {
                diag_add(l->diag, host_path, 0, "is %s, not a regular file: refused", policy_file_type_name(type));
                l->n_errors++;
                return -EINVAL;
        }
        if (r < 0) {
                policy_io_failed(l, host_path, r);
                return r;
        }
        k = policy_text_check(l->diag, host_path, bytes, size);
        if (k > 0) {
                l->n_errors += k;
                return -EINVAL;
        }
        digest_add(ld->md, name, bytes, size);
        l->file = host_path;
        l->origin_file = NULL;
        if (ld->p) {
                r = strv_push(&ld->p->files, host_path);
                if (r < 0)
                        return r;
                l->origin_file = ld->p->files.v[ld->p->files.n - 1];
        }

        if (config_read_string(cfg, bytes) == CONFIG_TRUE)
                return 0;
        char hint[256];
        int line = config_error_line(cfg);
        if (policy_syntax_hint(bytes, line, &line, hint, sizeof hint))
                diag_add(l->diag, host_path, line, "%s: %s", config_error_text(cfg), hint);
        else
                diag_add(l->diag, host_path, line, "%s", config_error_text(cfg));
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

/* The names in a or b (both sorted), each once, sorted. */
static int names_union(const struct vb_strv *a, const struct vb_strv *b, struct vb_strv *ret) {
        size_t i = 0, j = 0;
        int r = 0;

        while (r >= 0 && (i < a->n || j < b->n)) {
                int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->v[i], b->v[j]);

                r = strv_push(ret, c <= 0 ? a->v[i] : b->v[j]);
                i += c <= 0;
                j += c >= 0;
        }
        return r;
}

/* List a policy directory: a missing one is an empty list (-ENOENT
 * returned, nothing reported); any other failure is reported. */
static int dir_list(struct load *ld, const char *host_dir, const char *suffix, bool dirs, struct vb_strv *ret) {
        int r = policy_dir_list(host_dir, suffix, dirs, ret);

        if (r < 0 && r != -ENOENT && r != -ENOTDIR && r != -ENOMEM)
                policy_io_failed(&ld->l, host_dir, r);
        if (r >= 0 && ld->p && !dirs)
                r = policy_pending_scan(host_dir, &ld->p->pending);
        return r;
}

/* Merge the drop-ins NAME.conf.d/ *.conf of the vendor and local bans
 * directories over b, in lexical order; a local drop-in replaces a shipped
 * one of the same name, and one linked to /dev/null is skipped. */
static int dropins_load(struct load *ld, const char *name_dir, struct vb_ban *b) {
        const struct vb_config *c = &ld->p->config;
        _cleanup_free_ char *vdir = path_join(ld->vendor_host, name_dir), *ldir = path_join(ld->local_host, name_dir);
        _cleanup_(strv_clear) struct vb_strv vn = {}, ln = {}, all = {};
        int r;

        if (!vdir || !ldir)
                return -ENOMEM;
        if (dir_list(ld, vdir, ".conf", false, &vn) == -ENOMEM || dir_list(ld, ldir, ".conf", false, &ln) == -ENOMEM ||
            names_union(&vn, &ln, &all) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < all.n; i++) {
                bool local = strv_contains(&ln, all.v[i]);
                _cleanup_free_ char *host = path_join(local ? ldir : vdir, all.v[i]);
                _cleanup_free_ char *name = NULL;
                _cleanup_(config_destroyp) config_t *cfgp = NULL;
                config_t cfg;

                if (!host || asprintf(&name, "%s/%s/%s", local ? c->bans_dir : c->vendor_bans_dir, name_dir,
                                      all.v[i]) < 0)
                        return -ENOMEM;
                if (policy_is_masked(host))
                        continue;
                config_init(&cfg);
                cfgp = &cfg;
                r = file_parse(ld, host, name, false, &cfg);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                ld->l.dropin = true;
                r = policy_parse_ban(&ld->l, config_root_setting(&cfg), b);
                ld->l.dropin = false;
                if (r >= 0)
                        r = strv_push(&b->dropins, host);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Load the ban NAME (host path host_path), its drop-ins merged, and append
 * it to p, unless it is disabled or has errors (which are reported).
 * Negative only for -ENOMEM. */
static int ban_load(struct load *ld, const char *host_path, const char *name, const char *name_in_root) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        _cleanup_(ban_clear) struct vb_ban b = {};
        struct policy_loader *l = &ld->l;
        unsigned errors = l->n_errors;
        _cleanup_free_ char *name_dir = NULL;
        struct vb_policy *p = ld->p;
        struct vb_ban *bans;
        config_t cfg;
        int r;

        if (policy_is_masked(host_path))
                return strv_push(&p->disabled, name_in_root);
        config_init(&cfg);
        cfgp = &cfg;
        r = file_parse(ld, host_path, name_in_root, false, &cfg);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        if (config_setting_length(config_root_setting(&cfg)) == 0)
                return strv_push(&p->disabled, name_in_root);  /* empty: disabled, systemd's way */
        l->origins = &b.origins;
        r = policy_parse_ban(l, config_root_setting(&cfg), &b);
        if (r >= 0 && asprintf(&name_dir, "%s.d", name) < 0)
                r = -ENOMEM;
        if (r >= 0 && b.id)
                r = dropins_load(ld, name_dir, &b);
        l->origins = NULL;
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

/* Every ban: the NAME.conf files of the vendor and local directories, in
 * lexical order of NAME, a local file replacing the shipped one. */
static int bans_load(struct load *ld) {
        const struct vb_config *c = &ld->p->config;
        _cleanup_(strv_clear) struct vb_strv vn = {}, ln = {}, all = {};
        int rv, rl, r;

        ld->vendor_host = path_under_root(ld->root, c->vendor_bans_dir);
        ld->local_host = path_under_root(ld->root, c->bans_dir);
        if (!ld->vendor_host || !ld->local_host)
                return -ENOMEM;
        rv = dir_list(ld, ld->vendor_host, ".conf", false, &vn);
        rl = dir_list(ld, ld->local_host, ".conf", false, &ln);
        if (rv == -ENOMEM || rl == -ENOMEM)
                return -ENOMEM;
        if ((rv == -ENOENT || rv == -ENOTDIR) && (rl == -ENOENT || rl == -ENOTDIR)) {
                policy_io_failed(&ld->l, ld->local_host, rl);   /* neither exists: nothing to enforce */
                return 0;
        }
        r = names_union(&vn, &ln, &all);
        if (r < 0)
                return r;
        for (size_t i = 0; i < all.n; i++) {
                bool local = strv_contains(&ln, all.v[i]);
                _cleanup_free_ char *host = path_join(local ? ld->local_host : ld->vendor_host, all.v[i]);
                _cleanup_free_ char *name = path_join(local ? c->bans_dir : c->vendor_bans_dir, all.v[i]);

                if (!host || !name)
                        return -ENOMEM;
                r = ban_load(ld, host, all.v[i], name);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Whether a config file set a bans directory that was refused (then the
 * bans are not looked for: they would be looked for in the wrong place). */
static bool dir_setting_refused(const config_t *cfg, const char *key, const char *value) {
        const config_setting_t *s = config_lookup(cfg, key);
        const char *v = s ? config_setting_get_string(s) : NULL;

        return s && (!v || strcmp(v, value) != 0);
}

/* One main config file (or drop-in) over c. Returns 1 when the bans
 * directories are known (so the bans can be checked too), 0 when not,
 * -ENOENT for a missing file when missing_ok, or -ENOMEM. */
static int config_file_load(struct load *ld, const char *host_path, const char *name, bool missing_ok,
                            struct vb_config *c) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        config_t cfg;
        int r;

        config_init(&cfg);
        cfgp = &cfg;
        r = file_parse(ld, host_path, name, missing_ok, &cfg);
        if (r == -ENOENT && missing_ok)
                return r;
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        r = policy_parse_config(&ld->l, config_root_setting(&cfg), c);
        if (r < 0)
                return r;
        return !dir_setting_refused(&cfg, "bans_dir", c->bans_dir) &&
               !dir_setting_refused(&cfg, "vendor_bans_dir", c->vendor_bans_dir);
}

/* The main config and then its drop-ins (CONFIG.d/ *.conf, lexical order:
 * single settings replace, lists are appended). 1 when the bans can be
 * looked for, 0 when not, or -ENOMEM. */
/* config_path NULL: the default, which may be missing (every default);
 * a file named explicitly (--config) must exist. */
static int config_load(struct load *ld, const char *config_path, struct vb_config *c) {
        bool missing_ok = !config_path;

        if (!config_path)
                config_path = VB_DEFAULT_CONFIG;
        _cleanup_free_ char *host = path_under_root(ld->root, config_path);
        _cleanup_free_ char *dir = NULL, *dir_host = NULL;
        _cleanup_(strv_clear) struct vb_strv names = {};
        int r, known = 1;

        if (!host || asprintf(&dir, "%s.d", config_path) < 0 || !(dir_host = path_under_root(ld->root, dir)))
                return -ENOMEM;
        ld->l.origins = &c->origins;
        r = config_file_load(ld, host, config_path, missing_ok, c);
        if (r >= 0)
                known = r;
        if (r == -ENOMEM || dir_list(ld, dir_host, ".conf", false, &names) == -ENOMEM)
                return -ENOMEM;
        if (ld->p && strrchr(host, '/')) {
                *strrchr(host, '/') = '\0';
                if (policy_pending_scan(host, &ld->p->pending) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < names.n; i++) {
                _cleanup_free_ char *h = path_join(dir_host, names.v[i]), *n = path_join(dir, names.v[i]);

                if (!h || !n)
                        return -ENOMEM;
                if (policy_is_masked(h))
                        continue;
                ld->l.dropin = true;
                r = config_file_load(ld, h, n, false, c);
                ld->l.dropin = false;
                if (r == -ENOMEM)
                        return r;
                if (r == 0)
                        known = 0;
        }
        ld->l.origins = NULL;
        return known;
}

int policy_finish(struct vb_policy *p, void *md) {
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
        if (md) {
                r = digest_end(md, p->digest);
                if (r < 0)
                        return r;
        }
        r = digest_end(mm, p->markers_digest);
        if (r < 0)
                return r;
        return policy_compile(p);       /* the engine's lookups: match-policy.c */
}

/* The verdict of a finished load: an allocation failure, else the first
 * I/O error, else -EINVAL for bad content. */
static int loader_result(struct load *ld, int r) {
        free(ld->l.dir);
        free(ld->vendor_host);
        free(ld->local_host);
        ld->l.dir = ld->vendor_host = ld->local_host = NULL;
        if (r == -ENOMEM)
                return r;
        if (ld->l.io_error < 0)
                return ld->l.io_error;
        if (ld->l.n_errors > 0)
                return -EINVAL;
        return r < 0 ? r : 0;
}

int policy_load(const char *root, const char *config_path, struct vb_policy **ret, struct vb_diag *diag) {
        _cleanup_(policy_freep) struct vb_policy *p = NULL;
        _cleanup_(md_ctx_freep) EVP_MD_CTX *md = NULL;
        struct load ld = { .l = { .diag = diag }, .root = root };
        int r;

        if (!ret)
                return -EINVAL;
        p = calloc(1, sizeof *p);
        md = EVP_MD_CTX_new();
        if (!p || !md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
                return -ENOMEM;
        ld.p = p;
        ld.md = md;
        r = policy_config_defaults(&p->config);
        if (r >= 0)
                r = config_load(&ld, config_path, &p->config);
        if (r > 0)
                r = bans_load(&ld);
        r = loader_result(&ld, r);
        if (r < 0)
                return r;
        r = policy_finish(p, md);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

/* A file in a directory named *.conf.d is a drop-in: nothing required. */
static bool is_dropin(const char *path) {
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t) (slash - path) : 0;

        return n > 7 && strncmp(slash - 7, ".conf.d", 7) == 0;
}

int policy_check_file(const char *host_path, struct vb_diag *diag) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        struct load ld = { .l = { .diag = diag } };
        const config_setting_t *root;
        config_t cfg;
        int r;

        config_init(&cfg);
        cfgp = &cfg;
        r = file_parse(&ld, host_path, host_path, false, &cfg);
        ld.l.dropin = is_dropin(host_path);
        if (r >= 0) {
                root = config_root_setting(&cfg);
                if (config_setting_get_member(root, "ban")) {
                        struct vb_ban b = {};
                        r = policy_parse_ban(&ld.l, root, &b);
                        ban_clear(&b);
                } else {
                        struct vb_config c = {};
                        r = policy_config_defaults(&c);
                        if (r >= 0)
                                r = policy_parse_config(&ld.l, root, &c);
                        config_clear(&c);
                }
        }
        return loader_result(&ld, r);
}

char *policy_state_dir(const char *root, const char *config_path) {
        struct vb_diag *diag = calloc(1, sizeof *diag);
        struct vb_policy p = {};
        struct load ld = { .l = { .diag = diag }, .root = root };
        char *dir = NULL;
        int r;

        if (!diag)
                return NULL;
        r = policy_config_defaults(&p.config);
        if (r >= 0)
                r = config_load(&ld, config_path, &p.config);
        if (r >= 0 && ld.l.n_errors == 0 && ld.l.io_error == 0)
                dir = strdup(p.config.state_dir);
        else if (r != -ENOMEM)
                dir = strdup(VB_DEFAULT_STATE_DIR);
        (void) loader_result(&ld, 0);
        config_clear(&p.config);
        free(diag);
        return dir;
}

void policy_free(struct vb_policy *p) {
        if (!p)
                return;
        policy_index_free(p->index);
        config_clear(&p->config);
        for (size_t i = 0; i < p->n_bans; i++)
                ban_clear(&p->bans[i]);
        free(p->bans);
        strv_clear(&p->files);
        strv_clear(&p->disabled);
        strv_clear(&p->pending);
        free(p);
}
