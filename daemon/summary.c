/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compliance summary entry, written by the daemon after every scan and
 * policy load and at least daily on its own timer: counts per ban from the
 * ledger, signed with the host key. Owns that key and that timer. */
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-id128.h>

#include "hostkey.h"
#include "journal.h"
#include "manager.h"
#include "summarizer.h"
#include "summary.h"

#ifndef VB_VERSION
#define VB_VERSION "unknown"
#endif

struct vb_summarizer {
        struct vb_hostkey *key;                 /* NULL: summaries go out unsigned */
        sd_event_source *timer;
        int64_t complete_scan_start_usec;       /* findings older than this are gone */
        int64_t complete_scan_end_usec;
};

void summarizer_free(struct vb_summarizer *s) {
        if (!s)
                return;
        hostkey_free(s->key);
        sd_event_source_unref(s->timer);
        free(s);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        summary_write(userdata, "timer");
        return 0;
}

static void rearm(struct vb_manager *m) {
        uint64_t t;

        if (!m->summary->timer || sd_event_now(m->event, CLOCK_BOOTTIME, &t) < 0)
                return;
        (void) sd_event_source_set_time(m->summary->timer, t + VB_SUMMARY_INTERVAL_USEC);
        (void) sd_event_source_set_enabled(m->summary->timer, SD_EVENT_ONESHOT);
}

void summary_start(struct vb_manager *m) {
        _cleanup_free_ char *dir = path_under_root(m->root, m->policy->config.state_dir);
        int r, created = 0;

        if (!m->summary) {
                m->summary = calloc(1, sizeof *m->summary);
                if (!m->summary)
                        return;
        }
        r = dir ? mkdir_p(dir, 0700) : -ENOMEM;
        if (r >= 0)
                r = hostkey_load_or_create(dir, &m->summary->key, &created);
        if (r < 0)
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL,
                              "Cannot load or make the host key %s/%s: %s. Compliance summaries go out unsigned "
                              "and show as unverified in the fleet report.",
                              dir ? dir : "?", VB_HOSTKEY_FILE, strerror(-r));
        else if (created)
                journal_event(VB_MID_DAEMON, LOG_NOTICE, NULL,
                              "Made the host key %s/%s; its public key is %s (enroll it on the collector: "
                              "vendorban-fleet(7)).",
                              dir, VB_HOSTKEY_FILE, hostkey_public_hex(m->summary->key));
        if (!m->summary->timer) {
                r = sd_event_add_time(m->event, &m->summary->timer, CLOCK_BOOTTIME, UINT64_MAX,
                                      VB_SUMMARY_ACCURACY_USEC, on_timer, m);
                if (r >= 0)
                        (void) sd_event_source_set_description(m->summary->timer, "summary");
        }
        rearm(m);
}

/* Each ban's version: the short sha256 of the file it came from. */
static void ban_version(const struct vb_ban *ban, char out[static 24]) {
        unsigned char md[EVP_MAX_MD_SIZE], buf[8192];
        unsigned len = 0;
        size_t n;

        snprintf(out, 24, "-");
        _cleanup_fclose_ FILE *f = ban->file ? fopen(ban->file, "re") : NULL;
        EVP_MD_CTX *ctx = f ? EVP_MD_CTX_new() : NULL;
        if (!ctx)
                return;
        if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
                while ((n = fread(buf, 1, sizeof buf, f)) > 0)
                        EVP_DigestUpdate(ctx, buf, n);
                if (!ferror(f) && EVP_DigestFinal_ex(ctx, md, &len) == 1 && len >= 6)
                        hex_encode(md, 6, out);
        }
        EVP_MD_CTX_free(ctx);
}

struct count_ctx {
        struct vb_summary *s;
        int64_t since;
};

static int count_finding(const struct vb_finding *f, void *userdata) {
        struct count_ctx *c = userdata;

        if (f->last_seen_usec < c->since)
                return -ECANCELED; /* newest first: the rest are older */
        struct vb_summary_ban *b = f->ban ? summary_find_ban(c->s, f->ban) : NULL;
        if (!b)
                return 0; /* a ban no longer in the policy */
        if (f->verdict == VB_VERDICT_BLOCK)
                b->blocked++;
        else if (f->verdict == VB_VERDICT_FLAG)
                b->flagged++;
        return 0;
}

static int summary_build(struct vb_manager *m, const char *reason, struct vb_summary *s) {
        sd_id128_t id;
        int r;

        r = sd_id128_get_machine(&id);
        if (r < 0)
                return r;
        sd_id128_to_string(id, s->machine);
        if (gethostname(s->host, sizeof s->host - 1) < 0)
                snprintf(s->host, sizeof s->host, "localhost");
        s->time_usec = now_usec();
        s->reason = reason;
        snprintf(s->policy_digest, sizeof s->policy_digest, "%s", m->policy->digest);
        s->mode = mode_to_string(m->policy->config.mode);
        s->release = VB_VERSION;
        s->last_scan_usec = m->summary->complete_scan_end_usec;
        for (size_t i = 0; i < m->policy->n_bans; i++) {
                char v[24];
                ban_version(&m->policy->bans[i], v);
                if (!summary_add_ban(s, m->policy->bans[i].id, v))
                        return -ENOMEM;
        }
        if (!m->store)
                return -ENODATA;
        struct count_ctx c = { .s = s, .since = m->summary->complete_scan_start_usec };
        r = store_findings_foreach(m->store, count_finding, &c);
        return r == -ECANCELED ? 0 : r < 0 ? r : 0;
}

/* The same fields for 'vendorbanctl metrics': written beside, replaced atomically. */
static void write_state(struct vb_manager *m, const char *canonical, const char *sig) {
        _cleanup_free_ char *path = path_under_root(m->root, VB_SUMMARY_STATE_FILE);
        _cleanup_free_ char *tmp = NULL;

        if (!path || asprintf(&tmp, "%s.tmp", path) < 0)
                return;
        FILE *f = fopen(tmp, "we");
        if (!f)
                return;
        fprintf(f, "%s%s=%s\n", canonical, VB_SUMMARY_SIGNATURE_FIELD, sig);
        if (fclose(f) == 0 && rename(tmp, path) == 0)
                return;
        (void) unlink(tmp);
}

void summary_write(struct vb_manager *m, const char *reason) {
        struct vb_summary s = {};
        struct vb_strv values = {};
        _cleanup_free_ char *canonical = NULL;
        _cleanup_free_ char **named = NULL;
        char sig[VB_HOSTKEY_SIG_HEX] = "", sigf[VB_HOSTKEY_SIG_HEX + 32];
        const char *fields[_VB_SF_MAX + 2];
        size_t len;
        int r;

        if (!m->summary || !m->policy)
                return;
        rearm(m);
        r = summary_build(m, reason, &s);
        bool unknown = r < 0;
        if (r >= 0 || r == -ENODATA)
                r = summary_values(&s, m->summary->key ? hostkey_public_hex(m->summary->key) : "", &values);
        if (r >= 0 && unknown) {
                free(values.v[VB_SF_COMPLIANT]);
                values.v[VB_SF_COMPLIANT] = strdup("unknown"); /* no ledger: the counts are not known */
                r = values.v[VB_SF_COMPLIANT] ? 0 : -ENOMEM;
        }
        if (r >= 0)
                r = summary_canonical((const char *const *) values.v, &canonical, &len);
        if (r >= 0 && m->summary->key)
                r = hostkey_sign(m->summary->key, canonical, len, sig);
        if (r < 0) {
                journal_event(VB_MID_DAEMON, LOG_ERR, NULL, "Cannot make the compliance summary: %s, ignoring.",
                              strerror(-r));
                goto out;
        }

        named = calloc(_VB_SF_MAX, sizeof *named);
        for (size_t i = 0; named && i < _VB_SF_MAX; i++) {
                if (asprintf(&named[i], "%s=%s", summary_field_names[i], values.v[i]) < 0)
                        named[i] = NULL;
                fields[i] = named[i];
        }
        snprintf(sigf, sizeof sigf, "%s=%s", VB_SUMMARY_SIGNATURE_FIELD, sig);
        fields[_VB_SF_MAX] = sigf;
        fields[_VB_SF_MAX + 1] = NULL;
        if (named)
                journal_event(VB_MID_SUMMARY, LOG_INFO, fields,
                              "Compliance summary (%s): %s, %s %s, %s flagged in %zu ban(s); policy %.16s, %s "
                              "mode, vendorban %s%s.",
                              reason,
                              unknown ? "compliance unknown (no ledger)"
                              : strcmp(values.v[VB_SF_COMPLIANT], "yes") == 0 ? "compliant"
                                                                              : "NOT compliant",
                              values.v[VB_SF_BLOCKED],
                              s.mode && strcmp(s.mode, "audit") == 0 ? "would block" : "blocked",
                              values.v[VB_SF_FLAGGED], s.n_bans, s.policy_digest, s.mode,
                              VB_VERSION, sig[0] ? "" : ", unsigned");
        for (size_t i = 0; named && i < _VB_SF_MAX; i++)
                free(named[i]);
        write_state(m, canonical, sig);
out:
        strv_clear(&values);
        summary_clear(&s);
}

void summary_scan_done(struct vb_manager *m, bool complete, uint64_t duration_usec) {
        if (!m->summary)
                return;
        if (complete) {
                /* Called right after the scan returned: now - duration is
                 * at or before its start, and every finding it saw is newer. */
                int64_t now = now_usec();
                m->summary->complete_scan_start_usec = now - (int64_t) duration_usec;
                m->summary->complete_scan_end_usec = now;
        }
        summary_write(m, complete ? "scan" : "partial-scan");
}
