/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the install hooks (APT's, dnf's) say when the policy blocks a
 * package: the line on standard error and the journal entry, the same
 * for both but for the hook's own name, MESSAGE_ID and fields. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cli.h"
#include "hook-refusal.h"
#include "journal.h"
#include "util.h"

static void strv_print(FILE *f, const struct vb_strv *v, const char *sep) {
        for (size_t i = 0; i < v->n; i++)
                fprintf(f, "%s%s", i > 0 ? sep : "", v->v[i]);
}

/* "kesl 12.1 (amd64, Vendor: V): Kaspersky (AO Kaspersky Lab, ...) is
 * banned by AUTHORITY since DATE (REASON) [ban kaspersky; matched ...].
 * Alternatives: A; B." (", Vendor: V" only when the package names one) */
static char *refusal_text(const struct vb_package *pkg, const struct vb_decision *d) {
        const struct vb_ban *b = d->ban;
        char *text = NULL, ind[1024], date[11], name[256], version[256], arch[64], vendor[256];
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        decision_format_indicators(d, ind, sizeof ind);
        fprintf(f, "%s %s (%s", cli_safe(pkg->name, name, sizeof name), cli_safe(pkg->version, version, sizeof version),
                cli_safe(pkg->arch ?: "?", arch, sizeof arch));
        if (pkg->vendor)
                fprintf(f, ", Vendor: %s", cli_safe(pkg->vendor, vendor, sizeof vendor));
        fprintf(f, "): %s (", b->vendor);
        strv_print(f, &b->entities, ", ");
        fprintf(f, ") is banned by %s", b->authority);
        if (d->phase) {
                date_format(d->phase->from, date);
                fprintf(f, " since %s", date);
                if (d->phase->reason)
                        fprintf(f, " (%s)", d->phase->reason);
        }
        fprintf(f, " [ban %s; matched %s].", b->id, ind);
        if (b->alternatives.n > 0) {
                fputs(" Alternatives: ", f);
                strv_print(f, &b->alternatives, "; ");
                fputc('.', f);
        }
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static void journal_refusal(const struct hook_kind *k, const struct vb_package *pkg, const struct vb_decision *d,
                            const char *file, bool enforce, const char *text) {
        const struct vb_ban *b = d->ban;
        char ind[1024], *f[18] = {};
        size_t n = 0;

        if (journal_is_stderr())
                return; /* the entry would repeat the line just printed */
        decision_format_indicators(d, ind, sizeof ind);
#define FIELD(fmt, ...) (void) (n < ELEMENTSOF(f) - 1 && asprintf(&f[n], fmt, __VA_ARGS__) >= 0 && n++)
        FIELD("VENDORBAN_BAN=%s", b->id);
        FIELD("VENDORBAN_VENDOR=%s", b->vendor);
        if (b->entities.n > 0)
                FIELD("VENDORBAN_ENTITY=%s", b->entities.v[0]);
        FIELD("VENDORBAN_AUTHORITY=%s", b->authority);
        FIELD("VENDORBAN_SUBJECT=%s", "package");
        FIELD("VENDORBAN_SOURCE=%s", k->source);
        FIELD("VENDORBAN_PACKAGE=%s", pkg->name);
        FIELD("VENDORBAN_VERSION=%s", pkg->version);
        if (pkg->arch)
                FIELD("VENDORBAN_ARCH=%s", pkg->arch);
        if (file)
                FIELD("%s=%s", k->file_field, file);
        FIELD("VENDORBAN_INDICATOR=%s", ind);
        FIELD("VENDORBAN_VERDICT=%s", verdict_to_string(d->verdict));
        FIELD("VENDORBAN_ACTION=%s", enforce ? k->action_refused : k->action_would_refuse);
        FIELD("VENDORBAN_MODE=%s", enforce ? "enforce" : "audit");
        FIELD("VENDORBAN_OUTCOME=%s", enforce ? "refused" : "would refuse");   /* the catalog's Subject */
#undef FIELD
        int r = journal_event(k->message_id, enforce ? LOG_ERR : LOG_WARNING, (const char *const *) f, "%s %s %s",
                              k->name, enforce ? "refused to install" : "would refuse (audit mode) to install", text);
        if (r < 0)
                fprintf(stderr, "vendorban: failed to write the journal entry: %s, ignoring\n", strerror(-r));
        for (size_t i = 0; i < n; i++)
                free(f[i]);
}

int hook_refuse(const struct hook_kind *k, const struct vb_package *pkg, const struct vb_decision *d,
                const char *file, bool enforce) {
        _cleanup_free_ char *text = refusal_text(pkg, d);

        if (!text)
                return -ENOMEM;
        if (enforce)
                fprintf(stderr, "vendorban: refusing to install %s\n", text);
        else
                fprintf(stderr, "vendorban: WOULD REFUSE to install %s (audit mode: the install goes on)\n", text);
        journal_refusal(k, pkg, d, file, enforce, text);
        return 0;
}
