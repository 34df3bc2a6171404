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

static bool path_exempt(const struct vb_ban *b, const char *path) {
        for (size_t i = 0; i < b->exempt_paths.n; i++)
                if (glob_match_path(b->exempt_paths.v[i], path))
                        return true;
        return false;
}

static bool package_exempt(const struct vb_ban *b, const char *name) {
        for (size_t i = 0; i < b->exempt_packages.n; i++)
                if (glob_match_name(b->exempt_packages.v[i], name, false))
                        return true;
        return false;
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

static void package_match_fields(const struct vb_ban *b, const struct vb_package *pkg,
                                  struct vb_decision *d) {
        const char *fields[] = { pkg->maintainer, pkg->original_maintainer, pkg->vendor, pkg->packager };
        const struct vb_strv *names = &b->match[VB_IND_PACKAGE];
        const struct vb_strv *maints = &b->match[VB_IND_MAINTAINER];

        for (size_t i = 0; i < names->n; i++)
                if (glob_match_name(names->v[i], pkg->name, false))
                        match_add(d, VB_IND_PACKAGE, names->v[i], pkg->name);

        for (size_t i = 0; i < maints->n; i++)
                for (size_t j = 0; j < ELEMENTSOF(fields); j++)
                        if (fields[j] && glob_match_name(maints->v[i], fields[j], true))
                                match_add(d, VB_IND_MAINTAINER, maints->v[i], fields[j]);
}

/* Path and unit indicators over the package's files; files under the ban's
 * exempt paths are not looked at. */
static void package_match_files(const struct vb_ban *b, const struct vb_package *pkg,
                                struct vb_decision *d) {
        const struct vb_strv *paths = &b->match[VB_IND_PATH];
        const struct vb_strv *units = &b->match[VB_IND_UNIT];

        for (size_t j = 0; j < pkg->n_files; j++) {
                const char *file = pkg->files[j];

                if (!file || path_exempt(b, file))
                        continue;
                for (size_t i = 0; i < paths->n; i++)
                        if (glob_match_path(paths->v[i], file))
                                match_add(d, VB_IND_PATH, paths->v[i], file);
                for (size_t i = 0; i < units->n; i++)
                        if (path_is_unit(file, units->v[i]))
                                match_add(d, VB_IND_UNIT, units->v[i], file);
        }
}

static void file_match(const struct vb_policy *p, size_t ban_index, const struct vb_file *f,
                       struct vb_decision *d) {
        const struct vb_ban *b = &p->bans[ban_index];
        const struct vb_strv *paths = &b->match[VB_IND_PATH];
        const struct vb_strv *hashes = &b->match[VB_IND_SHA256];

        for (size_t i = 0; i < paths->n; i++)
                if (glob_match_path(paths->v[i], f->path))
                        match_add(d, VB_IND_PATH, paths->v[i], f->path);

        if (f->sha256)
                for (size_t i = 0; i < hashes->n; i++)
                        if (strcasecmp(hashes->v[i], f->sha256) == 0)
                                match_add(d, VB_IND_SHA256, hashes->v[i], f->sha256);

        if (!f->is_elf)
                return;
        for (size_t i = 0; i < p->n_markers && i < 64; i++)
                if (p->marker_ban[i] == ban_index && (f->marker_hits & (UINT64_C(1) << i)))
                        match_add(d, VB_IND_MARKER, p->markers[i], f->path);
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
                struct vb_decision cand = { .verdict = VB_VERDICT_ALLOW };

                package_match_fields(b, pkg, &cand);
                package_match_files(b, pkg, &cand);
                if (cand.n_matches == 0)
                        continue;
                ban_decide(b, package_exempt(b, pkg->name), pkg->installed_at, now, &cand);
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
                ban_decide(&p->bans[i], path_exempt(&p->bans[i], f->path), f->first_seen, now, &cand);
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
