/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checking the settings of a parsed libconfig file, field by field, into the
 * structs of policy.h: the main config and one ban. Reads no files (that is
 * policy.c); every problem found goes to the loader's diag as file:line. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy-hint.h"
#include "policy-parse.h"

#define MARKER_MIN 4

/* What a list element must look like. */
enum check {
        CHECK_TEXT,             /* any non-empty string */
        CHECK_GLOB,             /* name glob: balanced '[' */
        CHECK_PATH,             /* absolute path */
        CHECK_PATH_GLOB,        /* absolute path glob: balanced '[' */
        CHECK_UNIT,             /* systemd unit name */
        CHECK_SHA256,           /* 64 hex digits, stored lower case */
        CHECK_MARKER,           /* at least MARKER_MIN bytes */
};

static const char *const config_keys[] = {
        "mode", "watch_paths", "rescan_interval", "debounce_ms", "exec_guard",
        "apt_hook_on_error", "state_dir", "bans_dir", "vendor_bans_dir", "dpkg_admin_dir",
        "hook_on_error", "auditor_group", "quarantine_retention", NULL,
};
static const char *const ban_keys[] = {
        "id", "vendor", "entities", "authority", "reference", "phases",
        "match", "exempt", "alternatives", NULL,
};
static const char *const phase_keys[] = { "from", "applies_to", "action", "reason", NULL };
static const char *const exempt_keys[] = { "packages", "paths", NULL };
static const char *const match_keys[_VB_IND_MAX + 1] = {
        [VB_IND_PACKAGE] = "packages", [VB_IND_MAINTAINER] = "maintainers",
        [VB_IND_PATH] = "paths", [VB_IND_UNIT] = "units",
        [VB_IND_SHA256] = "sha256", [VB_IND_MARKER] = "markers",
};
static const enum check match_checks[_VB_IND_MAX] = {
        [VB_IND_PACKAGE] = CHECK_GLOB, [VB_IND_MAINTAINER] = CHECK_GLOB,
        [VB_IND_PATH] = CHECK_PATH_GLOB, [VB_IND_UNIT] = CHECK_UNIT,
        [VB_IND_SHA256] = CHECK_SHA256, [VB_IND_MARKER] = CHECK_MARKER,
};
static const char *const mode_names[] = { "audit", "enforce", NULL };
static const char *const applies_names[] = { "new-installs", "existing", "all", NULL };
static const char *const action_names[] = { "flag", "block", NULL };
static const char *const hook_names[] = { "refuse", "allow", NULL };

static const char *type_name(int type) {
        switch (type) {
        case CONFIG_TYPE_GROUP: return "a group";
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64: return "an integer";
        case CONFIG_TYPE_FLOAT: return "a float";
        case CONFIG_TYPE_STRING: return "a string";
        case CONFIG_TYPE_BOOL: return "a boolean";
        case CONFIG_TYPE_ARRAY: return "an array";
        case CONFIG_TYPE_LIST: return "a list";
        }
        return "nothing";
}

/* "ban.match.units[2]": where a setting is, for messages. */
static void setting_path(const config_setting_t *s, char *buf, size_t size) {
        const config_setting_t *parent = config_setting_parent(s);
        size_t n;

        buf[0] = '\0';
        if (!parent)
                return;
        setting_path(parent, buf, size);
        n = strlen(buf);
        if (config_setting_name(s))
                snprintf(buf + n, size - n, "%s%s", n > 0 ? "." : "", config_setting_name(s));
        else
                snprintf(buf + n, size - n, "[%d]", config_setting_index(s));
}

/* The host path of the file a setting (or a parse error) comes from: the
 * file being read, or the @include file, resolved as libconfig did. */
void policy_source_file(const struct policy_loader *l, const char *name, char *buf, size_t size) {
        if (!name)
                snprintf(buf, size, "%s", l->file);
        else if (name[0] == '/' || !l->dir)
                snprintf(buf, size, "%s", name);
        else
                snprintf(buf, size, "%s/%s", l->dir, name);
}

/* Report a content error at setting s; the message is prefixed with s's path. */
void policy_bad(struct policy_loader *l, const config_setting_t *s, const char *fmt, ...) {
        char file[PATH_MAX], where[256], msg[512];
        const config_setting_t *at = s;
        va_list ap;

        while (at && config_setting_source_line(at) == 0)
                at = config_setting_parent(at);
        policy_source_file(l, at ? config_setting_source_file(at) : NULL, file, sizeof file);
        setting_path(s, where, sizeof where);
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (where[0])
                diag_add(l->diag, file, at ? config_setting_source_line(at) : 0, "%s: %s", where, msg);
        else
                diag_add(l->diag, file, at ? config_setting_source_line(at) : 0, "%s", msg);
        l->n_errors++;
}

void policy_io_failed(struct policy_loader *l, const char *path, int r) {
        diag_add(l->diag, path, 0, "%s", strerror(-r));
        if (l->io_error == 0)
                l->io_error = r;
}

/* The name an origin is recorded under: the setting's path without the
 * leading "ban." ("match.packages", "vendor", "mode"). */
static void origin_key(const config_setting_t *s, char *buf, size_t size) {
        char path[256];

        setting_path(s, path, sizeof path);
        snprintf(buf, size, "%s", strncmp(path, "ban.", 4) == 0 ? path + 4 : path);
}

/* Record that setting s (a single setting, or the list holding element
 * value) was set to value in the file being read. */
static int origin_add(struct policy_loader *l, const config_setting_t *s, const char *value, unsigned line) {
        struct vb_origins *o = l->origins;
        struct vb_origin *v;
        char key[256];

        if (!o || !l->origin_file)
                return 0;
        v = reallocarray(o->v, o->n + 1, sizeof *v);
        if (!v)
                return -ENOMEM;
        o->v = v;
        origin_key(s, key, sizeof key);
        v[o->n] = (struct vb_origin) { .key = strdup(key), .value = strdup(value ?: ""),
                                       .file = l->origin_file, .line = line };
        if (!v[o->n].key || !v[o->n].value) {
                free(v[o->n].key);
                free(v[o->n].value);
                return -ENOMEM;
        }
        o->n++;
        return 0;
}

static int origin_here(struct policy_loader *l, const config_setting_t *s, const char *value) {
        return origin_add(l, s, value, config_setting_source_line(s));
}

static bool name_in(const char *name, const char *const *names) {
        for (size_t i = 0; names[i]; i++)
                if (strcmp(name, names[i]) == 0)
                        return true;
        return false;
}

static void check_keys(struct policy_loader *l, const config_setting_t *group, const char *const *keys) {
        for (int i = 0; i < config_setting_length(group); i++) {
                const config_setting_t *e = config_setting_get_elem(group, i);
                if (name_in(config_setting_name(e), keys))
                        continue;
                const char *near = policy_nearest_key(config_setting_name(e), keys);
                if (near)
                        policy_bad(l, e, "unknown setting (did you mean %s?)", near);
                else
                        policy_bad(l, e, "unknown setting");
        }
}

/* The member name of group, or NULL (absent; an error if required). */
static config_setting_t *member(struct policy_loader *l, const config_setting_t *group, const char *name,
                                bool required) {
        config_setting_t *s = config_setting_get_member(group, name);

        if (!s && required && !l->dropin)
                policy_bad(l, group, "missing required setting \"%s\"", name);
        return s;
}

static bool is_type(struct policy_loader *l, const config_setting_t *s, int type, const char *want) {
        int t = config_setting_type(s);

        if (t == type || (type == CONFIG_TYPE_INT && t == CONFIG_TYPE_INT64) ||
            (type == CONFIG_TYPE_ARRAY && t == CONFIG_TYPE_LIST))
                return true;
        policy_bad(l, s, "must be %s, not %s", want, type_name(t));
        return false;
}

/* A non-empty string setting, or NULL after reporting why not. */
static const char *string_value(struct policy_loader *l, const config_setting_t *s) {
        const char *v;

        if (!is_type(l, s, CONFIG_TYPE_STRING, "a string"))
                return NULL;
        v = config_setting_get_string(s);
        if (!v || v[0] == '\0') {
                policy_bad(l, s, "must not be empty");
                return NULL;
        }
        return v;
}

static int get_string(struct policy_loader *l, const config_setting_t *g, const char *name, bool required,
                      char **ret) {
        const config_setting_t *s = member(l, g, name, required);
        const char *v = s ? string_value(l, s) : NULL;
        char *copy;

        if (!v)
                return 0;
        copy = strdup(v);
        if (!copy)
                return -ENOMEM;
        free(*ret);
        *ret = copy;
        return origin_here(l, s, v);
}

/* An absolute path, e.g. state_dir. */
static int get_path(struct policy_loader *l, const config_setting_t *g, const char *name, char **ret) {
        const config_setting_t *s = member(l, g, name, false);
        const char *v = s ? string_value(l, s) : NULL;

        if (v && v[0] != '/') {
                policy_bad(l, s, "\"%s\" is not an absolute path", v);
                return 0;
        }
        return v ? get_string(l, g, name, false, ret) : 0;
}

/* One of names (index into *ret); absent leaves *ret alone. */
static void get_enum(struct policy_loader *l, const config_setting_t *g, const char *name, bool required,
                     const char *const *names, int *ret) {
        const config_setting_t *s = member(l, g, name, required);
        const char *v = s ? string_value(l, s) : NULL;
        char list[128] = "";
        size_t n;

        if (!v)
                return;
        for (int i = 0; names[i]; i++)
                if (strcmp(v, names[i]) == 0) {
                        *ret = i;
                        (void) origin_here(l, s, v);    /* -ENOMEM shows as a missing origin only */
                        return;
                }
        for (int i = 0; names[i]; i++) {
                n = strlen(list);
                snprintf(list + n, sizeof list - n, "%s%s", i > 0 ? ", " : "", names[i]);
        }
        policy_bad(l, s, "\"%s\" is not one of %s", v, list);
}

static void get_uint(struct policy_loader *l, const config_setting_t *g, const char *name,
                     long long min, long long max, unsigned *ret) {
        const config_setting_t *s = member(l, g, name, false);
        long long v;

        if (!s || !is_type(l, s, CONFIG_TYPE_INT, "an integer"))
                return;
        v = config_setting_get_int64(s);
        if (v < min || v > max) {
                policy_bad(l, s, "%lld is out of range %lld..%lld", v, min, max);
                return;
        }
        *ret = (unsigned) v;
        char text[32];
        snprintf(text, sizeof text, "%lld", v);
        (void) origin_here(l, s, text);
}

static bool glob_balanced(const char *p, char stop) {
        for (; *p; p++) {
                if (*p == '\\' && p[1]) {
                        p++;
                        continue;
                }
                if (*p != '[')
                        continue;
                p++;
                if (*p == '!' || *p == '^')
                        p++;
                if (*p == ']')
                        p++;
                for (; *p != ']'; p++) {
                        if (*p == '\0' || *p == stop)
                                return false;
                        if (*p == '\\' && p[1])
                                p++;
                }
        }
        return true;
}

static bool unit_valid(const char *v) {
        static const char *const suffixes[] = {
                ".service", ".socket", ".timer", ".path", ".target", ".mount",
        };
        size_t n = strlen(v);

        if (strchr(v, '/'))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t k = strlen(suffixes[i]);
                if (n > k && strcmp(v + n - k, suffixes[i]) == 0)
                        return true;
        }
        return false;
}

/* Check (and normalise in place) one list element; false after reporting. */
static bool element_valid(struct policy_loader *l, const config_setting_t *e, char *v, enum check check) {
        switch (check) {
        case CHECK_TEXT:
                return true;
        case CHECK_GLOB:
                if (glob_balanced(v, '\0'))
                        return true;
                policy_bad(l, e, "\"%s\" has an unbalanced '['", v);
                return false;
        case CHECK_PATH:
        case CHECK_PATH_GLOB:
                if (v[0] != '/') {
                        policy_bad(l, e, "\"%s\" is not an absolute path", v);
                        return false;
                }
                if (check == CHECK_PATH || glob_balanced(v, '/'))
                        return true;
                policy_bad(l, e, "\"%s\" has an unbalanced '['", v);
                return false;
        case CHECK_UNIT:
                if (unit_valid(v))
                        return true;
                policy_bad(l, e, "\"%s\" is not a unit name ending in .service, .socket, .timer, "
                           ".path, .target or .mount", v);
                return false;
        case CHECK_SHA256:
                if (strlen(v) == 64 && strspn(v, "0123456789abcdefABCDEF") == 64) {
                        for (char *p = v; *p; p++)
                                if (*p >= 'A' && *p <= 'F')
                                        *p = (char) (*p - 'A' + 'a');
                        return true;
                }
                policy_bad(l, e, "\"%s\" is not a sha256 (64 hex digits)", v);
                return false;
        case CHECK_MARKER:
                if (strlen(v) >= MARKER_MIN)
                        return true;
                policy_bad(l, e, "marker \"%s\" is shorter than %d bytes", v, MARKER_MIN);
                return false;
        }
        return false;
}

/* An array or list of strings into ret: replacing what it held, or
 * appended to it when merging a drop-in. */
static int get_strv(struct policy_loader *l, const config_setting_t *g, const char *name, bool required,
                    enum check check, struct vb_strv *ret) {
        const config_setting_t *s = member(l, g, name, required);
        struct vb_strv v = {};
        int r;

        if (!s || !is_type(l, s, CONFIG_TYPE_ARRAY, "an array of strings"))
                return 0;
        if (l->dropin) {
                v = *ret;
                *ret = (struct vb_strv) {};
        }
        for (int i = 0; i < config_setting_length(s); i++) {
                const config_setting_t *e = config_setting_get_elem(s, i);
                const char *x = string_value(l, e);

                if (!x)
                        continue;
                if (l->dropin && strv_contains(&v, x))
                        continue;       /* already there: appending it again changes nothing */
                r = strv_push(&v, x);
                if (r >= 0 && !element_valid(l, e, v.v[v.n - 1], check)) {
                        free(v.v[--v.n]);
                        v.v[v.n] = NULL;
                } else if (r >= 0)
                        r = origin_add(l, s, v.v[v.n - 1], config_setting_source_line(e) ?: config_setting_source_line(s));
                if (r < 0) {
                        strv_clear(&v);
                        return r;
                }
        }
        if (required && !l->dropin && config_setting_length(s) == 0)
                policy_bad(l, s, "must not be empty");
        if (check == CHECK_MARKER) {
                size_t added = (size_t) config_setting_length(s);

                l->n_markers += added;
                if (added > 0 && l->n_markers > VB_MARKERS_MAX)
                        policy_bad(l, s, "too many markers (%zu in all bans; at most %d)",
                                   l->n_markers, VB_MARKERS_MAX);
        }
        strv_clear(ret);
        *ret = v;
        return 0;
}

/* "90d", "12h", "2w", "3600s" or "0" (forever) as seconds; absent leaves *ret alone. */
static void get_duration(struct policy_loader *l, const config_setting_t *g, const char *name, int64_t *ret) {
        static const struct { char unit; int64_t sec; } units[] = {
                { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
        };
        const config_setting_t *s = member(l, g, name, false);
        const char *v = s ? string_value(l, s) : NULL;
        char *end;

        if (!v)
                return;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno == 0 && n == 0 && end != v && *end == '\0') {
                *ret = 0;
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (errno == 0 && end != v && n > 0 && n <= INT32_MAX && end[0] == units[i].unit && !end[1]) {
                        *ret = n * units[i].sec;
                        return;
                }
        policy_bad(l, s, "\"%s\" is not a duration: a number and a unit s, m, h, d or w (\"90d\"), or \"0\" "
                   "to keep forever", v);
}

/* The main config's settings over the defaults already in c. */
int policy_parse_config(struct policy_loader *l, const config_setting_t *root, struct vb_config *c) {
        const config_setting_t *s;
        int mode = c->mode, hook = c->apt_hook_allow_on_error;
        int r;

        check_keys(l, root, config_keys);
        get_enum(l, root, "mode", false, mode_names, &mode);
        c->mode = (enum vb_mode) mode;
        get_enum(l, root, "apt_hook_on_error", false, hook_names, &hook);
        /* The neutral name (the APT hook and the dnf plugin); apt_hook_on_error stays its alias. */
        get_enum(l, root, "hook_on_error", false, hook_names, &hook);
        c->apt_hook_allow_on_error = hook;
        get_uint(l, root, "rescan_interval", 0, INT_MAX, &c->rescan_interval);
        get_uint(l, root, "debounce_ms", 0, 10000, &c->debounce_ms);
        s = member(l, root, "exec_guard", false);
        if (s && is_type(l, s, CONFIG_TYPE_BOOL, "a boolean")) {
                c->exec_guard = config_setting_get_bool(s);
                r = origin_here(l, s, c->exec_guard ? "true" : "false");
                if (r < 0)
                        return r;
        }
        r = get_strv(l, root, "watch_paths", false, CHECK_PATH, &c->watch_paths);
        if (r < 0)
                return r;
        r = get_path(l, root, "state_dir", &c->state_dir);
        if (r < 0)
                return r;
        r = get_path(l, root, "bans_dir", &c->bans_dir);
        if (r < 0)
                return r;
        r = get_path(l, root, "vendor_bans_dir", &c->vendor_bans_dir);
        if (r < 0)
                return r;
        r = get_path(l, root, "dpkg_admin_dir", &c->dpkg_admin_dir);
        if (r < 0)
                return r;
        r = get_string(l, root, "auditor_group", false, &c->auditor_group);
        if (r < 0)
                return r;
        get_duration(l, root, "quarantine_retention", &c->quarantine_retention);
        return 0;
}

static int phase_parse(struct policy_loader *l, const config_setting_t *s, struct vb_phase *p) {
        const config_setting_t *from;
        int applies = -1, action = -1;

        if (!is_type(l, s, CONFIG_TYPE_GROUP, "a group"))
                return 0;
        check_keys(l, s, phase_keys);
        from = member(l, s, "from", true);
        if (from && string_value(l, from) && date_parse(config_setting_get_string(from), &p->from) < 0)
                policy_bad(l, from, "\"%s\" is not a date (YYYY-MM-DD)", config_setting_get_string(from));
        get_enum(l, s, "applies_to", true, applies_names, &applies);
        get_enum(l, s, "action", true, action_names, &action);
        p->applies_to = applies < 0 ? VB_APPLIES_ALL : (enum vb_applies) applies;
        p->action = action == 1 ? VB_VERDICT_BLOCK : VB_VERDICT_FLAG;
        return get_string(l, s, "reason", false, &p->reason);
}

/* Whether phases[i] equals an earlier phase of b. */
static bool phase_repeated(const struct vb_ban *b, size_t i) {
        const struct vb_phase *p = &b->phases[i];

        for (size_t k = 0; k < i; k++) {
                const struct vb_phase *q = &b->phases[k];

                if (q->from == p->from && q->applies_to == p->applies_to && q->action == p->action &&
                    ((!q->reason && !p->reason) || (q->reason && p->reason && strcmp(q->reason, p->reason) == 0)))
                        return true;
        }
        return false;
}

static int phases_parse(struct policy_loader *l, const config_setting_t *ban, struct vb_ban *b) {
        const config_setting_t *s = member(l, ban, "phases", true);
        struct vb_phase *phases;
        size_t first = b->n_phases;
        int n, r;

        if (!s)
                return 0;
        if (config_setting_type(s) != CONFIG_TYPE_LIST) {
                policy_bad(l, s, "must be a list of groups ( { ... }, ... ), not %s",
                           type_name(config_setting_type(s)));
                return 0;
        }
        n = config_setting_length(s);
        if (n == 0 && !l->dropin) {
                policy_bad(l, s, "must not be empty");
                return 0;
        }
        if (!l->dropin) {
                for (size_t i = 0; i < b->n_phases; i++)
                        free(b->phases[i].reason);
                b->n_phases = first = 0;
        }
        phases = reallocarray(b->phases, first + n + 1, sizeof *phases);
        if (!phases)
                return -ENOMEM;
        b->phases = phases;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(s, i);
                struct vb_origins *keep = l->origins;
                const char *from = NULL;

                b->phases[b->n_phases] = (struct vb_phase) {};
                l->origins = NULL;      /* one origin per phase, not per field */
                r = phase_parse(l, e, &b->phases[b->n_phases++]);
                l->origins = keep;
                if (r >= 0 && l->dropin && phase_repeated(b, b->n_phases - 1)) {
                        free(b->phases[--b->n_phases].reason);
                        continue;       /* a drop-in repeating a phase adds nothing */
                }
                (void) config_setting_lookup_string(e, "from", &from);
                if (r >= 0)
                        r = origin_add(l, s, from ?: "", config_setting_source_line(e));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int match_parse(struct policy_loader *l, const config_setting_t *ban, struct vb_ban *b) {
        const config_setting_t *s = member(l, ban, "match", true);
        unsigned errors = l->n_errors;
        size_t total = 0;
        int r;

        if (!s || !is_type(l, s, CONFIG_TYPE_GROUP, "a group"))
                return 0;
        check_keys(l, s, match_keys);
        for (int k = 0; k < _VB_IND_MAX; k++) {
                r = get_strv(l, s, match_keys[k], false, match_checks[k], &b->match[k]);
                if (r < 0)
                        return r;
                total += b->match[k].n;
        }
        if (total == 0 && l->n_errors == errors && !l->dropin)
                policy_bad(l, s, "no indicators: at least one of packages, maintainers, paths, units, sha256, markers is needed");
        return 0;
}

static int exempt_parse(struct policy_loader *l, const config_setting_t *ban, struct vb_ban *b) {
        const config_setting_t *s = member(l, ban, "exempt", false);
        int r;

        if (!s || !is_type(l, s, CONFIG_TYPE_GROUP, "a group"))
                return 0;
        check_keys(l, s, exempt_keys);
        r = get_strv(l, s, "packages", false, CHECK_GLOB, &b->exempt_packages);
        if (r < 0)
                return r;
        return get_strv(l, s, "paths", false, CHECK_PATH_GLOB, &b->exempt_paths);
}

/* The single top-level "ban" group of a ban file, or NULL after reporting. */
static const config_setting_t *ban_group(struct policy_loader *l, const config_setting_t *root) {
        const config_setting_t *ban = config_setting_get_member(root, "ban");

        for (int i = 0; i < config_setting_length(root); i++) {
                const config_setting_t *e = config_setting_get_elem(root, i);
                if (e != ban)
                        policy_bad(l, e, "unexpected top-level setting; a ban file holds exactly one setting, \"ban\"");
        }
        if (!ban)
                policy_bad(l, root, "missing required setting \"ban\"");
        else if (!is_type(l, ban, CONFIG_TYPE_GROUP, "a group"))
                return NULL;
        return ban;
}

int policy_parse_ban(struct policy_loader *l, const config_setting_t *root, struct vb_ban *b) {
        const config_setting_t *ban = ban_group(l, root);

        return ban ? policy_parse_ban_group(l, ban, b) : 0;
}

/* A drop-in may repeat the ban's id, never change it. */
static void dropin_id_check(struct policy_loader *l, const config_setting_t *ban, const struct vb_ban *b) {
        const config_setting_t *s = config_setting_get_member(ban, "id");
        const char *v = s ? config_setting_get_string(s) : NULL;

        if (s && (!v || !b->id || strcmp(v, b->id) != 0))
                policy_bad(l, s, "a drop-in cannot change the id of the ban it extends (\"%s\")", b->id ?: "");
}

int policy_parse_ban_group(struct policy_loader *l, const config_setting_t *ban, struct vb_ban *b) {
        int r = 0;

        check_keys(l, ban, ban_keys);
        if (l->dropin)
                dropin_id_check(l, ban, b);
        else
                r = get_string(l, ban, "id", true, &b->id);
        if (r >= 0 && !l->dropin && b->id && strspn(b->id, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(b->id))
                policy_bad(l, member(l, ban, "id", true), "\"%s\" may hold only a-z, 0-9, '_' and '-'",
                           b->id);
        if (r >= 0)
                r = get_string(l, ban, "vendor", true, &b->vendor);
        if (r >= 0)
                r = get_strv(l, ban, "entities", true, CHECK_TEXT, &b->entities);
        if (r >= 0)
                r = get_string(l, ban, "authority", true, &b->authority);
        if (r >= 0)
                r = get_string(l, ban, "reference", false, &b->reference);
        if (r >= 0)
                r = phases_parse(l, ban, b);
        if (r >= 0)
                r = match_parse(l, ban, b);
        if (r >= 0)
                r = exempt_parse(l, ban, b);
        if (r >= 0)
                r = get_strv(l, ban, "alternatives", false, CHECK_TEXT, &b->alternatives);
        return r;
}
