/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Structured journal entries (see journal.h). Owns the program's journal
 * identity, the one piece of process-wide state in lib/: it is set once at
 * start and only read afterwards. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "journal.h"

#define VB_FIELDS_MAX 24
#define VB_JOURNAL_SOCKET "/run/systemd/journal/socket"

static struct {
        char identifier[32];
        bool to_stderr;
} journal = { "vendorban", true };

void journal_setup(const char *identifier, bool to_stderr) {
        snprintf(journal.identifier, sizeof journal.identifier, "%s", identifier);
        journal.to_stderr = to_stderr || access(VB_JOURNAL_SOCKET, W_OK) < 0;
}

bool journal_is_stderr(void) {
        return journal.to_stderr;
}

/* A fixed array of "FIELD=value" strings, built without failing halfway. */
struct fieldset {
        char *v[VB_FIELDS_MAX];
        size_t n;
};

static void fields_add(struct fieldset *fs, const char *name, const char *value) {
        if (!value || fs->n >= VB_FIELDS_MAX)
                return;
        if (asprintf(&fs->v[fs->n], "%s=%s", name, value) >= 0)
                fs->n++;
}

static void fields_free(struct fieldset *fs) {
        for (size_t i = 0; i < fs->n; i++)
                free(fs->v[i]);
        fs->n = 0;
}

static const char *priority_name(int priority) {
        static const char *const names[] = { "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug" };
        return priority >= 0 && priority < 8 ? names[priority] : "info";
}

static int fields_send(struct fieldset *fs, int priority, const char *message_id, const char *message) {
        char prio[16];

        snprintf(prio, sizeof prio, "%d", priority);
        fields_add(fs, "MESSAGE", message);
        fields_add(fs, "MESSAGE_ID", message_id);
        fields_add(fs, "PRIORITY", prio);
        fields_add(fs, "SYSLOG_IDENTIFIER", journal.identifier);
        /* journalctl -u vendorband matches OBJECT_SYSTEMD_UNIT= from root,
         * so entries are found the same way under systemd and without it. */
        fields_add(fs, "OBJECT_SYSTEMD_UNIT", "vendorband.service");

        if (journal.to_stderr) {
                fprintf(stderr, "%s[%d]: <%s> %s\n", journal.identifier, (int) getpid(), priority_name(priority),
                        message);
                return 0;
        }

        struct iovec iov[VB_FIELDS_MAX];
        for (size_t i = 0; i < fs->n; i++)
                iov[i] = (struct iovec) { .iov_base = fs->v[i], .iov_len = strlen(fs->v[i]) };
        int r = sd_journal_sendv(iov, (int) fs->n);
        if (r < 0) /* the journal went away: never lose the entry */
                fprintf(stderr, "%s[%d]: <%s> %s\n", journal.identifier, (int) getpid(), priority_name(priority),
                        message);
        return r;
}

static void strv_join(const struct vb_strv *s, const char *sep, char *buf, size_t size) {
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < s->n && used < size; i++) {
                int k = snprintf(buf + used, size - used, "%s%s", i > 0 ? sep : "", s->v[i]);
                if (k < 0)
                        break;
                used += (size_t) k;
        }
}

static void finding_subject(const struct vb_finding *f, char *buf, size_t size) {
        if (f->package)
                snprintf(buf, size, "package %s %s%s%s%s%s", f->package, f->version ? f->version : "",
                         f->arch ? " (" : "", f->arch ? f->arch : "", f->arch ? ")" : "",
                         f->source && strcmp(f->source, "rpm") == 0 ? " from the rpm database" : "");
        else
                snprintf(buf, size, "file %s", f->path ? f->path : "?");
}

int journal_finding(const struct vb_finding *f, const struct vb_ban *ban, const struct vb_phase *phase) {
        struct fieldset fs = {};
        char subject[1024], entities[512], alternatives[1024], since[11] = "", id[32], *message = NULL;

        finding_subject(f, subject, sizeof subject);
        strv_join(&ban->entities, ", ", entities, sizeof entities);
        strv_join(&ban->alternatives, "; ", alternatives, sizeof alternatives);
        if (phase)
                date_format(phase->from, since);

        if (asprintf(&message,
                     "Banned software %s: %s from %s (%s). Banned by %s%s%s%s%s%s. Verdict %s, action %s "
                     "(%s mode). Matched %s.%s%s",
                     f->verdict == VB_VERDICT_BLOCK ? "found" : "flagged", subject, ban->vendor, entities,
                     ban->authority, phase ? ", in force since " : "", since, phase && phase->reason ? " (" : "",
                     phase && phase->reason ? phase->reason : "", phase && phase->reason ? ")" : "",
                     verdict_to_string(f->verdict), f->action, f->mode, f->indicators,
                     ban->alternatives.n > 0 ? " Alternatives: " : "", alternatives) < 0)
                return -ENOMEM;

        snprintf(id, sizeof id, "%lld", (long long) f->id);
        fields_add(&fs, "VENDORBAN_BAN", f->ban);
        fields_add(&fs, "VENDORBAN_VENDOR", ban->vendor);
        fields_add(&fs, "VENDORBAN_ENTITY", ban->entities.n > 0 ? ban->entities.v[0] : NULL);
        fields_add(&fs, "VENDORBAN_AUTHORITY", ban->authority);
        fields_add(&fs, "VENDORBAN_SUBJECT", f->subject);
        /* The package's name or the file's path: always set, for the catalog. */
        fields_add(&fs, "VENDORBAN_OBJECT", f->package ? f->package : f->path);
        fields_add(&fs, "VENDORBAN_PACKAGE", f->package);
        fields_add(&fs, "VENDORBAN_VERSION", f->version);
        fields_add(&fs, "VENDORBAN_ARCH", f->arch);
        fields_add(&fs, "VENDORBAN_SOURCE", f->source);
        fields_add(&fs, "VENDORBAN_PATH", f->path);
        fields_add(&fs, "VENDORBAN_SHA256", f->sha256);
        fields_add(&fs, "VENDORBAN_INDICATOR", f->indicators);
        fields_add(&fs, "VENDORBAN_VERDICT", verdict_to_string(f->verdict));
        fields_add(&fs, "VENDORBAN_ACTION", f->action);
        fields_add(&fs, "VENDORBAN_MODE", f->mode);
        fields_add(&fs, "VENDORBAN_FINDING", f->id > 0 ? id : NULL);

        int r = fields_send(&fs, f->verdict == VB_VERDICT_BLOCK ? LOG_ERR : LOG_WARNING, VB_MID_FINDING, message);
        fields_free(&fs);
        free(message);
        return r;
}

int journal_event(const char *message_id, int priority, const char *const *fields, const char *fmt, ...) {
        struct fieldset fs = {};
        char *message = NULL;
        va_list ap;

        va_start(ap, fmt);
        int k = vasprintf(&message, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;

        for (size_t i = 0; fields && fields[i] && fs.n < VB_FIELDS_MAX; i++) {
                fs.v[fs.n] = strdup(fields[i]);
                if (fs.v[fs.n])
                        fs.n++;
        }

        int r = fields_send(&fs, priority, message_id, message);
        fields_free(&fs);
        free(message);
        return r;
}
