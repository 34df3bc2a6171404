/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report's saved state (hosts, policy digests, counts and the
 * journal cursor) as escaped tab-separated text, and the duration and
 * time arguments of 'fleet report'. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "fleet.h"

#define STATE_MAGIC "vendorban-fleet-state 1"

/* Bytes that would break a line or a column become \xHH. */
static void put_escaped(FILE *out, const char *s) {
        for (; s && *s; s++) {
                unsigned char c = (unsigned char) *s;
                if (c < 0x21 || c == '\\' || c == ',' || c == 0x7f)
                        fprintf(out, "\\x%02x", c);
                else
                        fputc(c, out);
        }
}

static int unescape(char *s) {
        char *w = s;
        for (char *p = s; *p; p++) {
                if (*p != '\\') {
                        *w++ = *p;
                        continue;
                }
                unsigned v;
                if (p[1] != 'x' || sscanf(p + 2, "%2x", &v) != 1 || !p[2] || !p[3])
                        return -EBADMSG;
                *w++ = (char) v;
                p += 3;
        }
        *w = '\0';
        return 0;
}

int fleet_save(const struct vb_fleet *f, const char *cursor, FILE *out) {
        fprintf(out, STATE_MAGIC "\ncursor\t");
        put_escaped(out, cursor ? cursor : "");
        fprintf(out, "\ncounts\t%" PRIu64 "\t%" PRIu64 "\n", f->summaries, f->duplicates);
        for (size_t i = 0; i < f->n_digests; i++)
                fprintf(out, "digest\t%s\t%" PRId64 "\n", f->digests[i].digest, f->digests[i].first_seen_usec);
        /* The dedup keys too: a duplicate of an entry read before the
         * cursor may come after it (a host re-sending its journal). */
        for (size_t i = 0; i < f->seen_size; i++) {
                static const unsigned char zero[16];
                const unsigned char *k = f->seen + i * 16;
                char hex[33];
                if (memcmp(k, zero, 16) == 0)
                        continue;
                hex_encode(k, 16, hex);
                fprintf(out, "seen\t%s\n", hex);
        }
        for (size_t i = 0; i < f->n_hosts; i++) {
                const struct vb_fleet_host *h = &f->hosts[i];
                fprintf(out, "host\t%s\t", h->machine_id);
                for (size_t k = 0; k < h->hostnames.n; k++) {
                        if (k)
                                fputc(',', out);
                        put_escaped(out, h->hostnames.v[k]);
                }
                fprintf(out, "\t%s\t%d%d%d%d%d\t%" PRIu64 "\t%" PRId64 "\t%" PRId64 "\t%s\t%" PRIu64 "\t%" PRIu64 "\t",
                        h->key[0] ? h->key : "-", h->enrolled, h->seen_unverified, h->seen_changed, h->have,
                        h->have_trusted, h->summaries, h->time_usec, h->last_scan_usec, h->compliant, h->blocked,
                        h->flagged);
                fprintf(out, "%s\t%s\t", h->digest[0] ? h->digest : "-", h->mode[0] ? h->mode : "-");
                put_escaped(out, h->release[0] ? h->release : "-");
                fputc('\t', out);
                put_escaped(out, h->bans ? h->bans : "");
                fputc('\n', out);
        }
        return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}

static void copy_field(char *dst, size_t size, const char *src) {
        snprintf(dst, size, "%s", strcmp(src, "-") == 0 ? "" : src);
}

static int load_host(struct vb_fleet *f, char **col, size_t n) {
        struct vb_fleet_host *h;
        unsigned flags[5];
        int r;

        if (n != 15 || strlen(col[4]) != 5)
                return -EBADMSG;
        for (size_t i = 0; i < 5; i++) {
                if (col[4][i] != '0' && col[4][i] != '1')
                        return -EBADMSG;
                flags[i] = col[4][i] == '1';
        }
        if (strcmp(col[3], "-") != 0) {
                r = fleet_enroll(f, col[1], col[3]); /* validates both; enrolled is set below */
                if (r < 0)
                        return r == -ENOMEM ? r : -EBADMSG;
        }
        h = NULL;
        for (size_t i = 0; i < f->n_hosts; i++)
                if (strcmp(f->hosts[i].machine_id, col[1]) == 0)
                        h = &f->hosts[i];
        if (!h) {
                /* A host with no key yet: enroll a placeholder, then clear the key. */
                r = fleet_enroll(f, col[1], "0000000000000000000000000000000000000000000000000000000000000000");
                if (r < 0)
                        return r == -ENOMEM ? r : -EBADMSG;
                h = &f->hosts[f->n_hosts - 1];
                h->key[0] = '\0';
        }
        h->enrolled = flags[0];
        h->seen_unverified = flags[1];
        h->seen_changed = flags[2];
        h->have = flags[3];
        h->have_trusted = flags[4];
        for (char *p = col[2], *next; p && *p; p = next) {
                next = strchr(p, ',');
                if (next)
                        *next++ = '\0';
                if (unescape(p) < 0)
                        return -EBADMSG;
                if (strv_push(&h->hostnames, p) < 0)
                        return -ENOMEM;
        }
        if (sscanf(col[5], "%" SCNu64, &h->summaries) != 1 || sscanf(col[6], "%" SCNd64, &h->time_usec) != 1 ||
            sscanf(col[7], "%" SCNd64, &h->last_scan_usec) != 1 || sscanf(col[9], "%" SCNu64, &h->blocked) != 1 ||
            sscanf(col[10], "%" SCNu64, &h->flagged) != 1)
                return -EBADMSG;
        copy_field(h->compliant, sizeof h->compliant, col[8]);
        copy_field(h->digest, sizeof h->digest, col[11]);
        copy_field(h->mode, sizeof h->mode, col[12]);
        if (unescape(col[13]) < 0 || unescape(col[14]) < 0)
                return -EBADMSG;
        copy_field(h->release, sizeof h->release, col[13]);
        if (col[14][0] && !(h->bans = strdup(col[14])))
                return -ENOMEM;
        return 0;
}

static int load_line(struct vb_fleet *f, char *line, char **ret_cursor) {
        char *col[16] = {};
        size_t n = 0;

        for (char *p = line; p && n < ELEMENTSOF(col); n++) {
                col[n] = p;
                p = strchr(p, '\t');
                if (p)
                        *p++ = '\0';
        }
        if (strcmp(col[0], "cursor") == 0 && n == 2) {
                if (unescape(col[1]) < 0)
                        return -EBADMSG;
                if (ret_cursor && col[1][0] && !(*ret_cursor = strdup(col[1])))
                        return -ENOMEM;
                return 0;
        }
        if (strcmp(col[0], "counts") == 0 && n == 3)
                return sscanf(col[1], "%" SCNu64, &f->summaries) == 1 && sscanf(col[2], "%" SCNu64, &f->duplicates) == 1
                               ? 0
                               : -EBADMSG;
        if (strcmp(col[0], "digest") == 0 && n == 3) {
                int64_t t;
                if (strlen(col[1]) != 64 || sscanf(col[2], "%" SCNd64, &t) != 1)
                        return -EBADMSG;
                struct vb_fleet_digest *v = realloc(f->digests, (f->n_digests + 1) * sizeof *v);
                if (!v)
                        return -ENOMEM;
                f->digests = v;
                v[f->n_digests] = (struct vb_fleet_digest) { .first_seen_usec = t };
                memcpy(v[f->n_digests].digest, col[1], 65);
                f->n_digests++;
                return 0;
        }
        if (strcmp(col[0], "host") == 0)
                return load_host(f, col, n);
        if (strcmp(col[0], "seen") == 0 && n == 2) {
                unsigned char key[16];
                if (strlen(col[1]) != 32)
                        return -EBADMSG;
                for (size_t i = 0; i < 16; i++) {
                        unsigned v;
                        if (sscanf(col[1] + 2 * i, "%2x", &v) != 1)
                                return -EBADMSG;
                        key[i] = (unsigned char) v;
                }
                return fleet_seen_add(f, key) < 0 ? -ENOMEM : 0;
        }
        return -EBADMSG;
}

int fleet_load(struct vb_fleet *f, FILE *in, char **ret_cursor, unsigned *ret_line) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        ssize_t len;
        unsigned no = 0;
        int r = 0;

        if (ret_cursor)
                *ret_cursor = NULL;
        while ((len = getline(&line, &size, in)) >= 0) {
                no++;
                if (len > 0 && line[len - 1] == '\n')
                        line[--len] = '\0';
                if (no == 1) {
                        if (strcmp(line, STATE_MAGIC) != 0) {
                                r = -EBADMSG;
                                break;
                        }
                        continue;
                }
                r = load_line(f, line, ret_cursor && !*ret_cursor ? ret_cursor : NULL);
                if (r < 0)
                        break;
        }
        if (r == 0 && no == 0)
                r = -EBADMSG;
        if (r < 0 && ret_line)
                *ret_line = no;
        if (r < 0 && ret_cursor) {
                free(*ret_cursor);
                *ret_cursor = NULL;
        }
        return r;
}

int fleet_parse_duration(const char *s, int64_t *ret_usec) {
        char *end;
        int64_t mult = 1;

        if (!s || !*s || *s == '-' || *s == '+')
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s)
                return -EINVAL;
        if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
                mult = 1;
        else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
                mult = 60;
        else if (strcmp(end, "h") == 0)
                mult = 3600;
        else if (strcmp(end, "d") == 0)
                mult = 86400;
        else
                return -EINVAL;
        if (v > (unsigned long long) INT64_MAX / 1000000 / (unsigned long long) mult)
                return -ERANGE;
        *ret_usec = (int64_t) v * mult * 1000000;
        return 0;
}

int fleet_parse_time(const char *s, int64_t *ret_usec) {
        struct tm tm = {};
        const char *end;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] == '@') {
                char *e;
                errno = 0;
                long long v = strtoll(s + 1, &e, 10);
                if (errno || e == s + 1 || *e || v < 0 || v > INT64_MAX / 1000000)
                        return -EINVAL;
                *ret_usec = (int64_t) v * 1000000;
                return 0;
        }
        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end)
                return -EINVAL;
        if (*end == 'T' || *end == ' ') {
                end = strptime(end + 1, "%H:%M:%S", &tm);
                if (!end)
                        return -EINVAL;
                if (*end == 'Z')
                        end++;
        }
        if (*end)
                return -EINVAL;
        time_t t = timegm(&tm);
        if (t < 0)
                return -EINVAL;
        *ret_usec = (int64_t) t * 1000000;
        return 0;
}
