/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last-known-good form of a policy: a loaded struct vb_policy written
 * as one libconfig text (kept in the ledger by store-policy.c), and read
 * back through the same field checks as the files (policy-parse.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy-parse.h"

static void config_destroyp(config_t **c) {
        if (*c)
                config_destroy(*c);
}

static const char *const match_names[_VB_IND_MAX] = {
        [VB_IND_PACKAGE] = "packages", [VB_IND_MAINTAINER] = "maintainers",
        [VB_IND_PATH] = "paths", [VB_IND_UNIT] = "units",
        [VB_IND_SHA256] = "sha256", [VB_IND_MARKER] = "markers",
};

static int add_string(config_setting_t *g, const char *name, const char *v) {
        config_setting_t *s;

        if (!v)
                return 0;
        s = config_setting_add(g, name, CONFIG_TYPE_STRING);
        return s && config_setting_set_string(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

static int add_int(config_setting_t *g, const char *name, long long v) {
        config_setting_t *s = config_setting_add(g, name, CONFIG_TYPE_INT64);

        return s && config_setting_set_int64(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

static int add_bool(config_setting_t *g, const char *name, bool v) {
        config_setting_t *s = config_setting_add(g, name, CONFIG_TYPE_BOOL);

        return s && config_setting_set_bool(s, v) == CONFIG_TRUE ? 0 : -ENOMEM;
}

static int add_strv(config_setting_t *g, const char *name, const struct vb_strv *v) {
        config_setting_t *a = config_setting_add(g, name, CONFIG_TYPE_ARRAY);

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < v->n; i++)
                if (!config_setting_set_string_elem(a, -1, v->v[i]))
                        return -ENOMEM;
        return 0;
}

static config_setting_t *add_group(config_setting_t *g, const char *name) {
        return config_setting_add(g, name, CONFIG_TYPE_GROUP);
}

static int write_config(config_setting_t *root, const struct vb_config *c) {
        config_setting_t *g = add_group(root, "config");
        int r;

        if (!g)
                return -ENOMEM;
        r = add_string(g, "mode", mode_to_string(c->mode));
        if (r >= 0)
                r = add_strv(g, "watch_paths", &c->watch_paths);
        if (r >= 0)
                r = add_int(g, "rescan_interval", c->rescan_interval);
        if (r >= 0)
                r = add_int(g, "debounce_ms", c->debounce_ms);
        if (r >= 0)
                r = add_bool(g, "exec_guard", c->exec_guard);
        if (r >= 0)
                r = add_string(g, "apt_hook_on_error", c->apt_hook_allow_on_error ? "allow" : "refuse");
        if (r >= 0)
                r = add_string(g, "state_dir", c->state_dir);
        if (r >= 0)
                r = add_string(g, "bans_dir", c->bans_dir);
        if (r >= 0)
                r = add_string(g, "vendor_bans_dir", c->vendor_bans_dir);
        if (r >= 0)
                r = add_string(g, "dpkg_admin_dir", c->dpkg_admin_dir);
        if (r >= 0)
                r = add_string(g, "auditor_group", c->auditor_group);
        if (r >= 0) {
                char ret[32];
                snprintf(ret, sizeof ret, c->quarantine_retention ? "%llds" : "%lld",
                         (long long) c->quarantine_retention);
                r = add_string(g, "quarantine_retention", ret);
        }
        return r;
}

static int write_phases(config_setting_t *ban, const struct vb_ban *b) {
        config_setting_t *list = config_setting_add(ban, "phases", CONFIG_TYPE_LIST);
        char date[11];
        int r = 0;

        if (!list)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < b->n_phases; i++) {
                const struct vb_phase *ph = &b->phases[i];
                config_setting_t *g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);

                if (!g)
                        return -ENOMEM;
                date_format(ph->from, date);
                r = add_string(g, "from", date);
                if (r >= 0)
                        r = add_string(g, "applies_to", applies_to_string(ph->applies_to));
                if (r >= 0)
                        r = add_string(g, "action", verdict_to_string(ph->action));
                if (r >= 0)
                        r = add_string(g, "reason", ph->reason);
        }
        return r;
}

static int write_ban(config_setting_t *list, const struct vb_ban *b) {
        config_setting_t *e = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
        config_setting_t *ban = e ? add_group(e, "ban") : NULL;
        config_setting_t *match, *exempt;
        int r;

        if (!ban)
                return -ENOMEM;
        r = add_string(ban, "id", b->id);
        if (r >= 0)
                r = add_string(ban, "vendor", b->vendor);
        if (r >= 0)
                r = add_strv(ban, "entities", &b->entities);
        if (r >= 0)
                r = add_string(ban, "authority", b->authority);
        if (r >= 0)
                r = add_string(ban, "reference", b->reference);
        if (r >= 0)
                r = write_phases(ban, b);
        match = r >= 0 ? add_group(ban, "match") : NULL;
        for (int k = 0; match && r >= 0 && k < _VB_IND_MAX; k++)
                r = b->match[k].n > 0 ? add_strv(match, match_names[k], &b->match[k]) : 0;
        exempt = match && r >= 0 ? add_group(ban, "exempt") : NULL;
        if (!exempt)
                return -ENOMEM;
        if (r >= 0)
                r = add_strv(exempt, "packages", &b->exempt_packages);
        if (r >= 0)
                r = add_strv(exempt, "paths", &b->exempt_paths);
        if (r >= 0)
                r = add_strv(ban, "alternatives", &b->alternatives);
        if (r >= 0)
                r = add_string(e, "file", b->file);
        return r;
}

int policy_serialize(const struct vb_policy *p, char **ret) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        config_setting_t *root, *bans;
        char *text = NULL;
        size_t size = 0;
        config_t cfg;
        FILE *f;
        int r;

        config_init(&cfg);
        cfgp = &cfg;
        root = config_root_setting(&cfg);
        r = add_string(root, "digest", p->digest);
        if (r >= 0)
                r = write_config(root, &p->config);
        bans = r >= 0 ? config_setting_add(root, "bans", CONFIG_TYPE_LIST) : NULL;
        if (!bans)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < p->n_bans; i++)
                r = write_ban(bans, &p->bans[i]);
        if (r < 0)
                return r;
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        config_write(&cfg, f);
        if (fclose(f) != 0) {
                free(text);
                return -ENOMEM;
        }
        *ret = text;
        return 0;
}

/* One element of "bans": { ban = { ... }; file = "..."; }. */
static int read_ban(struct policy_loader *l, const config_setting_t *e, struct vb_ban *b) {
        config_setting_t *ban = config_setting_get_member(e, "ban");
        const char *file = NULL;
        int r;

        if (!ban || config_setting_type(e) != CONFIG_TYPE_GROUP) {
                policy_bad(l, e, "not a ban");
                return 0;
        }
        r = policy_parse_ban_group(l, ban, b);
        if (r < 0)
                return r;
        if (config_setting_lookup_string(e, "file", &file) && !(b->file = strdup(file)))
                return -ENOMEM;
        return 0;
}

int policy_deserialize(const char *text, struct vb_policy **ret, struct vb_diag *diag) {
        _cleanup_(config_destroyp) config_t *cfgp = NULL;
        _cleanup_(policy_freep) struct vb_policy *p = calloc(1, sizeof *p);
        struct policy_loader l = { .diag = diag, .file = "last-known-good" };
        const config_setting_t *root, *g, *bans;
        const char *digest = NULL;
        config_t cfg;
        int r;

        if (!p)
                return -ENOMEM;
        config_init(&cfg);
        cfgp = &cfg;
        if (policy_text_check(diag, l.file, text, strlen(text)) > 0)
                return -EINVAL;
        if (config_read_string(&cfg, text) != CONFIG_TRUE) {
                diag_add(diag, l.file, config_error_line(&cfg), "%s", config_error_text(&cfg));
                return -EINVAL;
        }
        root = config_root_setting(&cfg);
        r = policy_config_defaults(&p->config);
        if (r < 0)
                return r;
        g = config_setting_get_member(root, "config");
        bans = config_setting_get_member(root, "bans");
        if (!config_setting_lookup_string(root, "digest", &digest) || strlen(digest) != 64 || !g || !bans ||
            config_setting_type(bans) != CONFIG_TYPE_LIST) {
                diag_add(diag, l.file, 0, "not a stored policy (no digest, config or bans)");
                return -EINVAL;
        }
        r = policy_parse_config(&l, g, &p->config);
        for (int i = 0; r >= 0 && i < config_setting_length(bans); i++) {
                struct vb_ban *b = reallocarray(p->bans, p->n_bans + 1, sizeof *b);

                if (!b)
                        return -ENOMEM;
                p->bans = b;
                p->bans[p->n_bans] = (struct vb_ban) {};
                r = read_ban(&l, config_setting_get_elem(bans, i), &p->bans[p->n_bans++]);
        }
        if (r < 0)
                return r;
        if (l.n_errors > 0)
                return -EINVAL;
        r = policy_finish(p, NULL);
        if (r < 0)
                return r;
        memcpy(p->digest, digest, 65);
        *ret = TAKE_PTR(p);
        return 0;
}
