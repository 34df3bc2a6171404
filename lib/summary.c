/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compliance summary's fields and canonical text (see summary.h);
 * no I/O here: the daemon fills and sends it, the report parses it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "summary.h"

const char *const summary_field_names[_VB_SF_MAX] = {
        [VB_SF_MACHINE] = "VENDORBAN_MACHINE",
        [VB_SF_HOST] = "VENDORBAN_HOST",
        [VB_SF_TIME] = "VENDORBAN_SUMMARY_TIME",
        [VB_SF_REASON] = "VENDORBAN_REASON",
        [VB_SF_COMPLIANT] = "VENDORBAN_COMPLIANT",
        [VB_SF_BLOCKED] = "VENDORBAN_BLOCKED",
        [VB_SF_FLAGGED] = "VENDORBAN_FLAGGED",
        [VB_SF_BANS] = "VENDORBAN_BANS",
        [VB_SF_POLICY_DIGEST] = "VENDORBAN_POLICY_DIGEST",
        [VB_SF_MODE] = "VENDORBAN_MODE",
        [VB_SF_RELEASE] = "VENDORBAN_RELEASE",
        [VB_SF_LAST_SCAN] = "VENDORBAN_LAST_SCAN",
        [VB_SF_PUBKEY] = "VENDORBAN_PUBKEY",
};

void summary_clear(struct vb_summary *s) {
        free(s->bans);
        s->bans = NULL;
        s->n_bans = 0;
}

struct vb_summary_ban *summary_add_ban(struct vb_summary *s, const char *id, const char *version) {
        struct vb_summary_ban *v = realloc(s->bans, (s->n_bans + 1) * sizeof *v);

        if (!v)
                return NULL;
        s->bans = v;
        struct vb_summary_ban *b = &v[s->n_bans++];
        *b = (struct vb_summary_ban) {};
        snprintf(b->id, sizeof b->id, "%s", id);
        snprintf(b->version, sizeof b->version, "%s", version && *version ? version : "-");
        return b;
}

struct vb_summary_ban *summary_find_ban(struct vb_summary *s, const char *id) {
        for (size_t i = 0; i < s->n_bans; i++)
                if (strcmp(s->bans[i].id, id) == 0)
                        return &s->bans[i];
        return NULL;
}

void summary_totals(const struct vb_summary *s, uint64_t *ret_blocked, uint64_t *ret_flagged) {
        uint64_t b = 0, f = 0;

        for (size_t i = 0; i < s->n_bans; i++) {
                b += s->bans[i].blocked;
                f += s->bans[i].flagged;
        }
        *ret_blocked = b;
        *ret_flagged = f;
}

int summary_bans_format(const struct vb_summary *s, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_bans; i++)
                fprintf(f, "%s%s blocked=%" PRIu64 " flagged=%" PRIu64 " version=%s", i ? "; " : "", s->bans[i].id,
                        s->bans[i].blocked, s->bans[i].flagged, s->bans[i].version);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static bool token_ok(const char *s, size_t n, size_t max) {
        if (n == 0 || n >= max)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
                      s[i] == '-' || s[i] == '_' || s[i] == '.'))
                        return false;
        return true;
}

static int parse_one(const char *item, size_t len, struct vb_summary_ban *b) {
        _cleanup_free_ char *copy = strndup(item, len);
        char id[64], version[24];
        uint64_t blocked, flagged;
        int end = -1;

        if (!copy)
                return -ENOMEM;
        if (sscanf(copy, "%63s blocked=%" SCNu64 " flagged=%" SCNu64 " version=%23s%n", id, &blocked, &flagged,
                   version, &end) != 4 ||
            end != (int) len)
                return -EINVAL;
        if (!token_ok(id, strlen(id), sizeof id) || !token_ok(version, strlen(version), sizeof version))
                return -EINVAL;
        *b = (struct vb_summary_ban) { .blocked = blocked, .flagged = flagged };
        memcpy(b->id, id, sizeof id);
        memcpy(b->version, version, sizeof version);
        return 0;
}

int summary_bans_parse(const char *text, struct vb_summary_ban **ret, size_t *ret_n) {
        struct vb_summary s = {};
        int r;

        for (const char *p = text; p && *p;) {
                const char *sep = strstr(p, "; ");
                size_t len = sep ? (size_t) (sep - p) : strlen(p);
                struct vb_summary_ban b;
                r = parse_one(p, len, &b);
                if (r < 0) {
                        summary_clear(&s);
                        return r;
                }
                struct vb_summary_ban *slot = summary_add_ban(&s, "", NULL);
                if (!slot) {
                        summary_clear(&s);
                        return -ENOMEM;
                }
                *slot = b;
                p = sep ? sep + 2 : NULL;
                if (sep && !*p) {
                        summary_clear(&s);
                        return -EINVAL;
                }
        }
        *ret = s.bans;
        *ret_n = s.n_bans;
        return 0;
}

int summary_values(const struct vb_summary *s, const char *pubkey_hex, struct vb_strv *ret) {
        char t[24], last[24], blocked[24], flagged[24];
        _cleanup_free_ char *bans = NULL;
        uint64_t b, f;
        int r;

        r = summary_bans_format(s, &bans);
        if (r < 0)
                return r;
        summary_totals(s, &b, &f);
        snprintf(t, sizeof t, "%" PRId64, s->time_usec);
        snprintf(last, sizeof last, "%" PRId64, s->last_scan_usec);
        snprintf(blocked, sizeof blocked, "%" PRIu64, b);
        snprintf(flagged, sizeof flagged, "%" PRIu64, f);
        const char *v[_VB_SF_MAX] = {
                [VB_SF_MACHINE] = s->machine, [VB_SF_HOST] = s->host, [VB_SF_TIME] = t,
                [VB_SF_REASON] = s->reason ? s->reason : "scan", [VB_SF_COMPLIANT] = b == 0 ? "yes" : "no",
                [VB_SF_BLOCKED] = blocked, [VB_SF_FLAGGED] = flagged, [VB_SF_BANS] = bans,
                [VB_SF_POLICY_DIGEST] = s->policy_digest, [VB_SF_MODE] = s->mode ? s->mode : "audit",
                [VB_SF_RELEASE] = s->release ? s->release : "unknown", [VB_SF_LAST_SCAN] = last,
                [VB_SF_PUBKEY] = pubkey_hex ? pubkey_hex : "",
        };
        for (size_t i = 0; i < _VB_SF_MAX; i++) {
                r = strv_push(ret, v[i]);
                if (r < 0) {
                        strv_clear(ret);
                        return r;
                }
        }
        return 0;
}

int summary_canonical(const char *const values[static _VB_SF_MAX], char **ret, size_t *ret_len) {
        char *buf = NULL;
        size_t size = 0;

        for (size_t i = 0; i < _VB_SF_MAX; i++)
                if (!values[i] || strchr(values[i], '\n'))
                        return -EINVAL;
        FILE *f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs(VB_SUMMARY_MAGIC "\n", f);
        for (size_t i = 0; i < _VB_SF_MAX; i++)
                fprintf(f, "%s=%s\n", summary_field_names[i], values[i]);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        *ret_len = size;
        return 0;
}
