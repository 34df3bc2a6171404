/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet report's rows (see fleet.h): a host table indexed by
 * machine-id, a set of dedup keys, key trust and the final flags. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <string.h>

#include "fleet.h"
#include "hostkey.h"

#define DEDUP_KEY 16

static uint64_t hash_str(const char *s) {
        uint64_t h = 1469598103934665603ULL;
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        return h;
}

static bool machine_id_ok(const char *s) {
        if (!s || strlen(s) != 32)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

static int index_grow(struct vb_fleet *f) {
        size_t size = f->index_size ? f->index_size * 2 : 1024;
        size_t *index = calloc(size, sizeof *index);

        if (!index)
                return -ENOMEM;
        for (size_t i = 0; i < f->n_hosts; i++) {
                size_t k = hash_str(f->hosts[i].machine_id) & (size - 1);
                while (index[k])
                        k = (k + 1) & (size - 1);
                index[k] = i + 1;
        }
        free(f->index);
        f->index = index;
        f->index_size = size;
        return 0;
}

static struct vb_fleet_host *host_find(struct vb_fleet *f, const char *machine_id) {
        if (!f->index_size)
                return NULL;
        for (size_t k = hash_str(machine_id) & (f->index_size - 1); f->index[k]; k = (k + 1) & (f->index_size - 1))
                if (strcmp(f->hosts[f->index[k] - 1].machine_id, machine_id) == 0)
                        return &f->hosts[f->index[k] - 1];
        return NULL;
}

static struct vb_fleet_host *host_get(struct vb_fleet *f, const char *machine_id) {
        struct vb_fleet_host *h = host_find(f, machine_id);

        if (h)
                return h;
        if ((f->n_hosts + 1) * 2 > f->index_size && index_grow(f) < 0)
                return NULL;
        if (f->n_hosts == f->allocated) {
                size_t n = f->allocated ? f->allocated * 2 : 256;
                struct vb_fleet_host *v = realloc(f->hosts, n * sizeof *v);
                if (!v)
                        return NULL;
                f->hosts = v;
                f->allocated = n;
        }
        h = &f->hosts[f->n_hosts];
        *h = (struct vb_fleet_host) {};
        snprintf(h->machine_id, sizeof h->machine_id, "%s", machine_id);
        snprintf(h->compliant, sizeof h->compliant, "unknown");
        size_t k = hash_str(machine_id) & (f->index_size - 1);
        while (f->index[k])
                k = (k + 1) & (f->index_size - 1);
        f->index[k] = ++f->n_hosts;
        return h;
}

static int seen_grow(struct vb_fleet *f) {
        size_t size = f->seen_size ? f->seen_size * 2 : 4096;
        unsigned char *v = calloc(size, DEDUP_KEY);
        static const unsigned char zero[DEDUP_KEY];

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < f->seen_size; i++) {
                const unsigned char *key = f->seen + i * DEDUP_KEY;
                if (memcmp(key, zero, DEDUP_KEY) == 0)
                        continue;
                uint64_t h;
                memcpy(&h, key, sizeof h);
                size_t k = h & (size - 1);
                while (memcmp(v + k * DEDUP_KEY, zero, DEDUP_KEY) != 0)
                        k = (k + 1) & (size - 1);
                memcpy(v + k * DEDUP_KEY, key, DEDUP_KEY);
        }
        free(f->seen);
        f->seen = v;
        f->seen_size = size;
        return 0;
}

/* Insert key; 1 if new, 0 if already there. */
static int seen_insert(struct vb_fleet *f, unsigned char key[DEDUP_KEY]) {
        static const unsigned char zero[DEDUP_KEY];
        uint64_t h;

        if (memcmp(key, zero, DEDUP_KEY) == 0)
                key[0] = 1;
        if ((f->n_seen + 1) * 2 > f->seen_size && seen_grow(f) < 0)
                return -ENOMEM;
        memcpy(&h, key, sizeof h);
        for (size_t k = h & (f->seen_size - 1);; k = (k + 1) & (f->seen_size - 1)) {
                unsigned char *slot = f->seen + k * DEDUP_KEY;
                if (memcmp(slot, key, DEDUP_KEY) == 0)
                        return 0;
                if (memcmp(slot, zero, DEDUP_KEY) == 0) {
                        memcpy(slot, key, DEDUP_KEY);
                        f->n_seen++;
                        return 1;
                }
        }
}

int fleet_seen_add(struct vb_fleet *f, const unsigned char key[16]) {
        unsigned char k[DEDUP_KEY];

        memcpy(k, key, DEDUP_KEY);
        return seen_insert(f, k);
}

static void sha_str(EVP_MD_CTX *c, const char *s) {
        EVP_DigestUpdate(c, s ? s : "", s ? strlen(s) + 1 : 0);
        EVP_DigestUpdate(c, s ? "\1" : "\0", 1);
}

/* realtime, monotonic, boot id and the content: what makes an entry itself. */
static int dedup_key(struct vb_fleet *f, const struct vb_fleet_entry *e, unsigned char out[DEDUP_KEY]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        if (!f->md && !(f->md = EVP_MD_CTX_new()))
                return -ENOMEM;
        if (!f->sha256 && !(f->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)))
                return -ENOMEM;
        EVP_MD_CTX *c = f->md;
        if (EVP_DigestInit_ex(c, f->sha256, NULL) != 1)
                return -ENOMEM;
        EVP_DigestUpdate(c, &e->realtime, sizeof e->realtime);
        EVP_DigestUpdate(c, &e->monotonic, sizeof e->monotonic);
        sha_str(c, e->boot_id);
        sha_str(c, e->machine_id);
        sha_str(c, e->hostname);
        for (size_t i = 0; i < _VB_SF_MAX; i++)
                sha_str(c, e->values[i]);
        sha_str(c, e->signature);
        if (EVP_DigestFinal_ex(c, md, &len) != 1 || len < DEDUP_KEY)
                return -ENOMEM;
        memcpy(out, md, DEDUP_KEY);
        return 0;
}

bool fleet_entry_valid(const struct vb_fleet_entry *e) {
        _cleanup_free_ char *canonical = NULL;
        size_t len;

        if (!e->signature || !e->values[VB_SF_MACHINE] || strcmp(e->values[VB_SF_MACHINE], e->machine_id) != 0)
                return false;
        if (summary_canonical(e->values, &canonical, &len) < 0)
                return false;
        return hostkey_verify(e->values[VB_SF_PUBKEY], canonical, len, e->signature) == 0;
}

static int64_t parse_i64(const char *s, int64_t fallback) {
        char *end;
        if (!s || !*s)
                return fallback;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        return errno || *end ? fallback : v;
}

static void take_state(struct vb_fleet_host *h, const struct vb_fleet_entry *e, int64_t t) {
        const char *const *v = e->values;

        h->have = true;
        h->time_usec = t;
        h->last_scan_usec = parse_i64(v[VB_SF_LAST_SCAN], 0);
        snprintf(h->compliant, sizeof h->compliant, "%s",
                 v[VB_SF_COMPLIANT] && (strcmp(v[VB_SF_COMPLIANT], "yes") == 0 || strcmp(v[VB_SF_COMPLIANT], "no") == 0)
                         ? v[VB_SF_COMPLIANT]
                         : "unknown");
        h->blocked = (uint64_t) parse_i64(v[VB_SF_BLOCKED], 0);
        h->flagged = (uint64_t) parse_i64(v[VB_SF_FLAGGED], 0);
        snprintf(h->digest, sizeof h->digest, "%s", v[VB_SF_POLICY_DIGEST] ? v[VB_SF_POLICY_DIGEST] : "");
        snprintf(h->mode, sizeof h->mode, "%s", v[VB_SF_MODE] ? v[VB_SF_MODE] : "");
        snprintf(h->release, sizeof h->release, "%s", v[VB_SF_RELEASE] ? v[VB_SF_RELEASE] : "");
        free(h->bans);
        h->bans = v[VB_SF_BANS] ? strdup(v[VB_SF_BANS]) : NULL;
}

static int digest_seen(struct vb_fleet *f, const char *digest, int64_t t) {
        for (size_t i = 0; i < f->n_digests; i++)
                if (strcmp(f->digests[i].digest, digest) == 0) {
                        if (t < f->digests[i].first_seen_usec)
                                f->digests[i].first_seen_usec = t;
                        return 0;
                }
        struct vb_fleet_digest *v = realloc(f->digests, (f->n_digests + 1) * sizeof *v);
        if (!v)
                return -ENOMEM;
        f->digests = v;
        v[f->n_digests] = (struct vb_fleet_digest) { .first_seen_usec = t };
        snprintf(v[f->n_digests].digest, sizeof v[f->n_digests].digest, "%s", digest);
        f->n_digests++;
        return 0;
}

int fleet_enroll(struct vb_fleet *f, const char *machine_id, const char *pubkey_hex) {
        if (!machine_id_ok(machine_id) || !pubkey_hex || strlen(pubkey_hex) != 64 ||
            strspn(pubkey_hex, "0123456789abcdef") != 64)
                return -EINVAL;
        struct vb_fleet_host *h = host_get(f, machine_id);
        if (!h)
                return -ENOMEM;
        snprintf(h->key, sizeof h->key, "%s", pubkey_hex);
        h->enrolled = true;
        return 0;
}

int fleet_add(struct vb_fleet *f, const struct vb_fleet_entry *e) {
        return fleet_add_checked(f, e, fleet_entry_valid(e));
}

int fleet_add_checked(struct vb_fleet *f, const struct vb_fleet_entry *e, bool valid) {
        unsigned char key[DEDUP_KEY];
        int r;

        if (!machine_id_ok(e->machine_id))
                return -EINVAL;
        r = dedup_key(f, e, key);
        if (r < 0)
                return r;
        r = seen_insert(f, key);
        if (r <= 0) {
                if (r == 0)
                        f->duplicates++;
                return r;
        }
        struct vb_fleet_host *h = host_get(f, e->machine_id);
        if (!h)
                return -ENOMEM;
        const char *hostname = e->hostname && *e->hostname ? e->hostname : "(none)";
        if (!strv_contains(&h->hostnames, hostname) && strv_push(&h->hostnames, hostname) < 0)
                return -ENOMEM;
        h->summaries++;
        f->summaries++;

        bool trusted = false;
        if (!valid)
                h->seen_unverified = true;
        else if (h->enrolled)
                trusted = strcmp(h->key, e->values[VB_SF_PUBKEY]) == 0;
        else if (!h->key[0]) {
                snprintf(h->key, sizeof h->key, "%s", e->values[VB_SF_PUBKEY]);
                trusted = true;
        } else if (strcmp(h->key, e->values[VB_SF_PUBKEY]) == 0)
                trusted = true;
        else
                h->seen_changed = true;
        if (valid && !trusted && h->enrolled)
                h->seen_unverified = true;

        /* Only signed time counts for a trusted entry; the journal's otherwise. */
        int64_t t = parse_i64(e->values[VB_SF_TIME], (int64_t) e->realtime);
        if (trusted) {
                if (!h->have_trusted || t >= h->time_usec)
                        take_state(h, e, t);
                h->have_trusted = true;
                if (h->digest[0] && e->values[VB_SF_POLICY_DIGEST] && digest_seen(f, e->values[VB_SF_POLICY_DIGEST], t) < 0)
                        return -ENOMEM;
        } else if (!h->have_trusted && (!h->have || t >= h->time_usec))
                take_state(h, e, t);
        return 1;
}

static int cmp_host(const void *a, const void *b) {
        const struct vb_fleet_host *x = a, *y = b;
        const char *hx = x->hostnames.n ? x->hostnames.v[0] : "", *hy = y->hostnames.n ? y->hostnames.v[0] : "";
        int r = strcmp(hx, hy);

        return r ? r : strcmp(x->machine_id, y->machine_id);
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void fleet_finish(struct vb_fleet *f, int64_t now_usec, int64_t stale_after_usec) {
        const struct vb_fleet_digest *newest = NULL;

        /* The fleet's newest policy: of those in force on some host, the
         * one that appeared last. */
        for (size_t i = 0; i < f->n_digests; i++) {
                bool in_force = false;
                for (size_t k = 0; k < f->n_hosts && !in_force; k++)
                        in_force = f->hosts[k].have_trusted && strcmp(f->hosts[k].digest, f->digests[i].digest) == 0;
                if (in_force && (!newest || f->digests[i].first_seen_usec > newest->first_seen_usec))
                        newest = &f->digests[i];
        }
        f->newest_digest = newest ? newest->digest : NULL;
        for (size_t i = 0; i < f->n_hosts; i++) {
                struct vb_fleet_host *h = &f->hosts[i];
                if (h->hostnames.n > 1)
                        qsort(h->hostnames.v, h->hostnames.n, sizeof *h->hostnames.v, cmp_str);
                h->cloned = h->hostnames.n > 1;
                h->stale = !h->have_trusted || now_usec - h->time_usec > stale_after_usec;
                h->old_policy = newest && h->have && strcmp(h->digest, newest->digest) != 0;
                h->sig = h->seen_changed                           ? VB_FLEET_SIG_CHANGED
                         : h->seen_unverified || !h->have_trusted ? VB_FLEET_SIG_UNVERIFIED
                                                                   : VB_FLEET_SIG_VERIFIED;
        }
        if (f->n_hosts > 1)
                qsort(f->hosts, f->n_hosts, sizeof *f->hosts, cmp_host);
        (void) index_grow(f); /* rows moved: rebuild the index (same size is enough, but grow is simpler) */
}

const char *fleet_sig_to_string(enum vb_fleet_sig s) {
        return s == VB_FLEET_SIG_VERIFIED ? "verified" : s == VB_FLEET_SIG_CHANGED ? "changed" : "unverified";
}

void fleet_free(struct vb_fleet *f) {
        for (size_t i = 0; i < f->n_hosts; i++) {
                strv_clear(&f->hosts[i].hostnames);
                free(f->hosts[i].bans);
        }
        free(f->hosts);
        free(f->index);
        free(f->seen);
        free(f->digests);
        EVP_MD_CTX_free(f->md);
        EVP_MD_free(f->sha256);
        *f = (struct vb_fleet) {};
}
