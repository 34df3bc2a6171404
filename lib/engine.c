/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The decision engine (see engine.h): subject + policy + time -> verdict and
 * the indicators that matched. Pure: it reads the policy and the subject,
 * writes only *ret (and a candidate on the stack), and never allocates,
 * logs or touches the system. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "glob.h"
#include "match-policy.h"

static const char *const unit_dirs[] = {
        "/lib/systemd/system",
        "/usr/lib/systemd/system",
        "/etc/systemd/system",
};

static void match_add(struct vb_decision *d, enum vb_indicator_kind kind, const char *pattern,
                      const char *value) {
        if (d->n_matches < VB_MATCHES_MAX)
                d->matches[d->n_matches] = (struct vb_match) {
                        .kind = kind,
                        .pattern = pattern,
                        .value = value,
                };
        d->n_matches++;
}

/* Matches of one subject string against one list, at most this many
 * through the index; more (a rare, odd policy) and the list is walked. */
#define FOUND_MAX 64

typedef bool (*match_fn)(const char *pattern, const char *value);

static bool name_match(const char *pattern, const char *value) {
        return glob_match_name(pattern, value, false);
}

static bool sha256_match(const char *pattern, const char *value) {
        return strcasecmp(pattern, value) == 0;
}

/* Is path DIR/UNIT for one of the systemd unit directories? */
static bool path_is_unit(const char *path, const char *unit) {
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                size_t l = strlen(unit_dirs[i]);

                if (strncmp(path, unit_dirs[i], l) == 0 && path[l] == '/' && strcmp(path + l + 1, unit) == 0)
                        return true;
        }
        return false;
}

/* The UNIT of a path DIR/UNIT in a unit directory, or NULL. */
static const char *path_unit_name(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                size_t l = strlen(unit_dirs[i]);

                if (strncmp(path, unit_dirs[i], l) == 0 && path[l] == '/')
                        return path + l + 1;
        }
        return NULL;
}

static bool unit_match(const char *unit, const char *path) {
        return path_is_unit(path, unit);
}

/* The ban's compiled lookups, or NULL when the policy has none. */
static const struct vb_ban_index *ban_index_of(const struct vb_policy *p, const struct vb_ban *b) {
        size_t i = (size_t) (b - p->bans);

        return p->index && i < p->index->n_bans ? &p->index->bans[i] : NULL;
}

/* Add every pattern of list that matches value, in list order: through ix
 * (looked up by key) when there is one, else pattern by pattern. */
static void match_list(const struct vb_match_index *ix, const char *key, const struct vb_strv *list,
                       match_fn match, enum vb_indicator_kind kind, const char *value, struct vb_decision *d) {
        uint32_t found[FOUND_MAX];
        size_t n;

        if (ix) {
                n = key ? match_index_find(ix, key, found, FOUND_MAX) : 0;
                if (n <= FOUND_MAX) {
                        for (size_t k = 0; k < n; k++)
                                match_add(d, kind, list->v[found[k]], value);
                        return;
                }
        }
        for (size_t i = 0; i < list->n; i++)
                if (match(list->v[i], value))
                        match_add(d, kind, list->v[i], value);
}

static bool list_any(const struct vb_match_index *ix, const struct vb_strv *list, match_fn match,
                     const char *value) {
        if (ix)
                return match_index_any(ix, value);
        for (size_t i = 0; i < list->n; i++)
                if (match(list->v[i], value))
                        return true;
        return false;
}

static bool path_exempt(const struct vb_ban *b, const struct vb_ban_index *bi, const char *path) {
        return list_any(bi ? bi->exempt_paths : NULL, &b->exempt_paths, glob_match_path, path);
}

static bool package_exempt(const struct vb_ban *b, const struct vb_ban_index *bi, const char *name) {
        return list_any(bi ? bi->exempt_packages : NULL, &b->exempt_packages, name_match, name);
}

#define MAINTAINER_FIELDS 4

/* Maintainer globs over the maintainer fields (Maintainer, Original-Maintainer, Vendor, and rpm's Packager), pattern by pattern and, for each
 * pattern, field by field: through the index, a merge of one lookup per field. */
static void match_maintainers(const struct vb_ban *b, const struct vb_ban_index *bi,
                              const char *const fields[MAINTAINER_FIELDS],
                              struct vb_decision *d) {
        const struct vb_strv *maints = &b->match[VB_IND_MAINTAINER];
        uint32_t found[MAINTAINER_FIELDS][FOUND_MAX];
        size_t n[MAINTAINER_FIELDS] = {}, at[MAINTAINER_FIELDS] = {};

        for (size_t j = 0; bi && j < MAINTAINER_FIELDS; j++) {
                n[j] = fields[j] ? match_index_find(bi->match[VB_IND_MAINTAINER], fields[j], found[j], FOUND_MAX) : 0;
                if (n[j] > FOUND_MAX)
                        bi = NULL;
        }
        if (!bi) {
                for (size_t i = 0; i < maints->n; i++)
                        for (size_t j = 0; j < MAINTAINER_FIELDS; j++)
                                if (fields[j] && glob_match_name(maints->v[i], fields[j], true))
                                        match_add(d, VB_IND_MAINTAINER, maints->v[i], fields[j]);
                return;
        }
        for (;;) {
                uint32_t next = UINT32_MAX;

                for (size_t j = 0; j < MAINTAINER_FIELDS; j++)
                        if (at[j] < n[j] && found[j][at[j]] < next)
                                next = found[j][at[j]];
                if (next == UINT32_MAX)
                        return;
                for (size_t j = 0; j < MAINTAINER_FIELDS; j++)
                        if (at[j] < n[j] && found[j][at[j]] == next) {
                                match_add(d, VB_IND_MAINTAINER, maints->v[next], fields[j]);
                                at[j]++;
                        }
        }
}

static void package_match_fields(const struct vb_ban *b, const struct vb_ban_index *bi,
                                 const struct vb_package *pkg, struct vb_decision *d) {
        const char *const fields[MAINTAINER_FIELDS] = {
                pkg->maintainer, pkg->original_maintainer, pkg->vendor, pkg->packager,
        };

        match_list(bi ? bi->match[VB_IND_PACKAGE] : NULL, pkg->name, &b->match[VB_IND_PACKAGE], name_match,
                   VB_IND_PACKAGE, pkg->name, d);
        match_maintainers(b, bi, fields, d);
}

/* Path and unit indicators over the package's files; files under the ban's
 * exempt paths are not looked at. */
static void package_match_files(const struct vb_ban *b, const struct vb_ban_index *bi,
                                const struct vb_package *pkg, struct vb_decision *d) {
        const struct vb_strv *paths = &b->match[VB_IND_PATH];
        const struct vb_strv *units = &b->match[VB_IND_UNIT];

        for (size_t j = 0; j < pkg->n_files; j++) {
                const char *file = pkg->files[j];

                if (!file || path_exempt(b, bi, file))
                        continue;
                match_list(bi ? bi->match[VB_IND_PATH] : NULL, file, paths, glob_match_path, VB_IND_PATH, file, d);
                match_list(bi ? bi->match[VB_IND_UNIT] : NULL, path_unit_name(file), units, unit_match,
                           VB_IND_UNIT, file, d);
        }
}

static bool marker_found(const struct vb_file *f, size_t i) {
        if (f->marker_words)
                return (f->marker_words[i / 64] >> (i % 64)) & 1;
        return i < 64 && ((f->marker_hits >> i) & 1);
}

/* The ban's markers found in f, in marker order: the set bits, one word at a time. */
static void file_match_markers(const struct vb_policy *p, size_t ban_index, const struct vb_file *f,
                               struct vb_decision *d) {
        size_t n = p->n_markers < VB_MARKERS_MAX ? p->n_markers : VB_MARKERS_MAX;

        for (size_t w = 0; w * 64 < n; w++) {
                uint64_t bits = f->marker_words ? f->marker_words[w] : w == 0 ? f->marker_hits : 0;

                for (; bits; bits &= bits - 1) {
                        size_t i = w * 64 + (size_t) __builtin_ctzll(bits);

                        if (i >= n)
                                break;
                        if (p->marker_ban[i] == ban_index && marker_found(f, i))
                                match_add(d, VB_IND_MARKER, p->markers[i], f->path);
                }
        }
}

static void file_match(const struct vb_policy *p, size_t ban_index, const struct vb_file *f,
                       struct vb_decision *d) {
        const struct vb_ban *b = &p->bans[ban_index];
        const struct vb_ban_index *bi = ban_index_of(p, b);

        match_list(bi ? bi->match[VB_IND_PATH] : NULL, f->path, &b->match[VB_IND_PATH], glob_match_path,
                   VB_IND_PATH, f->path, d);
        if (f->sha256)
                match_list(bi ? bi->match[VB_IND_SHA256] : NULL, f->sha256, &b->match[VB_IND_SHA256],
                           sha256_match, VB_IND_SHA256, f->sha256, d);
        if (f->is_elf)
                file_match_markers(p, ban_index, f, d);
}

static bool phase_applies(const struct vb_phase *ph, int64_t installed_at, int64_t now) {
        if (now < ph->from)
                return false;
        switch (ph->applies_to) {
        case VB_APPLIES_ALL:
                return true;
        case VB_APPLIES_NEW_INSTALLS:
                return installed_at >= ph->from;
        case VB_APPLIES_EXISTING:
                return installed_at < ph->from;
        }
        return false;
}

/* Turn a candidate's matches into its verdict: exempt -> allow; otherwise the
 * strongest applicable phase (the most recent one on ties), or allow with no phase
 * when none is in force. */
static void ban_decide(const struct vb_ban *b, bool exempt, int64_t installed_at, int64_t now,
                       struct vb_decision *d) {
        d->ban = b;
        d->verdict = VB_VERDICT_ALLOW;
        d->phase = NULL;
        d->exempt = exempt;
        if (exempt)
                return;

        for (size_t i = 0; i < b->n_phases; i++) {
                const struct vb_phase *ph = &b->phases[i];

                if (!phase_applies(ph, installed_at, now))
                        continue;
                /* On ties the phase in force most recently says best why. */
                if (!d->phase || ph->action > d->verdict || (ph->action == d->verdict && ph->from > d->phase->from)) {
                        d->phase = ph;
                        d->verdict = ph->action;
                }
        }
}

/* Keep the strongest verdict; on ties the first ban that matched stays. */
static void decision_merge(struct vb_decision *ret, const struct vb_decision *cand) {
        if (cand->n_matches == 0)
                return;
        if (!ret->ban || cand->verdict > ret->verdict)
                *ret = *cand;
}

void engine_evaluate_package(const struct vb_policy *p, const struct vb_package *pkg, int64_t now,
                             struct vb_decision *ret) {
        *ret = (struct vb_decision) { .verdict = VB_VERDICT_ALLOW };
        if (!p || !pkg || !pkg->name)
                return;

        for (size_t i = 0; i < p->n_bans; i++) {
                const struct vb_ban *b = &p->bans[i];
                const struct vb_ban_index *bi = ban_index_of(p, b);
                struct vb_decision cand = { .verdict = VB_VERDICT_ALLOW };

                package_match_fields(b, bi, pkg, &cand);
                package_match_files(b, bi, pkg, &cand);
                if (cand.n_matches == 0)
                        continue;
                ban_decide(b, package_exempt(b, bi, pkg->name), pkg->installed_at, now, &cand);
                decision_merge(ret, &cand);
        }
}

void engine_evaluate_file(const struct vb_policy *p, const struct vb_file *f, int64_t now,
                          struct vb_decision *ret) {
        *ret = (struct vb_decision) { .verdict = VB_VERDICT_ALLOW };
        if (!p || !f || !f->path)
                return;

        for (size_t i = 0; i < p->n_bans; i++) {
                struct vb_decision cand = { .verdict = VB_VERDICT_ALLOW };

                file_match(p, i, f, &cand);
                if (cand.n_matches == 0)
                        continue;
                ban_decide(&p->bans[i], path_exempt(&p->bans[i], ban_index_of(p, &p->bans[i]), f->path),
                           f->first_seen, now, &cand);
                decision_merge(ret, &cand);
        }
}

/* Has kind:pattern already been written for an earlier stored match? */
static bool match_seen_before(const struct vb_decision *d, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (d->matches[i].kind == d->matches[n].kind &&
                    strcmp(d->matches[i].pattern, d->matches[n].pattern) == 0)
                        return true;
        return false;
}

void decision_format_indicators(const struct vb_decision *d, char *buf, size_t size) {
        size_t n, len = 0;

        if (!buf || size == 0)
                return;
        buf[0] = '\0';
        if (!d)
                return;

        n = d->n_matches < VB_MATCHES_MAX ? d->n_matches : VB_MATCHES_MAX;
        for (size_t i = 0; i < n && len < size - 1; i++) {
                int r;

                if (match_seen_before(d, i))
                        continue;
                r = snprintf(buf + len, size - len, "%s%s:%s", len > 0 ? ", " : "",
                             indicator_kind_to_string(d->matches[i].kind), d->matches[i].pattern);
                if (r < 0)
                        break;
                len += (size_t) r;
        }
        buf[size - 1] = '\0';
}
