/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Structured journal entries (see journal.h). Owns the program's journal
 * identity and its path to journald: a non-blocking datagram socket and a
 * bounded queue (the one piece of process-wide state in lib/, locked). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "journal.h"

#define VB_FIELDS_MAX 24
#define VB_JOURNAL_SOCKET "/run/systemd/journal/socket"
/* What waits for journald when it does not take entries (stopped, busy,
 * restarting): at most this many entries and bytes, oldest first. */
#define VB_JOURNAL_QUEUE_MAX 1024
#define VB_JOURNAL_QUEUE_BYTES (4u << 20)

/* One serialized entry (journald's native protocol), waiting in the queue. */
struct queued {
        struct queued *next;
        size_t len;
        char data[];
};

static struct {
        char identifier[32];
        bool to_stderr;
        pthread_mutex_t lock;   /* everything below; never held across a blocking call */
        int fd;                 /* non-blocking datagram socket, -1 until first used */
        struct queued *head, *tail;
        size_t queued, queued_bytes;
        uint64_t dropped;       /* since the queue last drained */
        uint64_t dropped_total;
} journal = { .identifier = "vendorban", .to_stderr = true, .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

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

/* journald's native protocol: "NAME=value\n", or for a value holding a
 * newline "NAME\n", its length as 64-bit little endian, the value, "\n". */
static struct queued *serialize(const struct fieldset *fs) {
        size_t len = 0;

        for (size_t i = 0; i < fs->n; i++)
                len += strlen(fs->v[i]) + 1 + 8;
        struct queued *q = malloc(sizeof *q + len);
        if (!q)
                return NULL;
        char *p = q->data;
        for (size_t i = 0; i < fs->n; i++) {
                const char *eq = strchr(fs->v[i], '=');
                size_t n = strlen(fs->v[i]);
                if (!eq)
                        continue;
                if (!strchr(eq + 1, '\n')) {
                        memcpy(p, fs->v[i], n);
                        p += n;
                } else {
                        size_t name = (size_t) (eq - fs->v[i]), vlen = n - name - 1;
                        memcpy(p, fs->v[i], name);
                        p += name;
                        *p++ = '\n';
                        for (unsigned b = 0; b < 8; b++)
                                *p++ = (char) ((uint64_t) vlen >> (8 * b));
                        memcpy(p, eq + 1, vlen);
                        p += vlen;
                }
                *p++ = '\n';
        }
        q->next = NULL;
        q->len = (size_t) (p - q->data);
        return q;
}

/* One non-blocking send: 1 sent, 0 journald did not take it now (try
 * again later), <0 it never will (too big). Called with the lock held. */
static int send_locked(const struct queued *q) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = VB_JOURNAL_SOCKET };

        if (journal.fd < 0) {
                journal.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (journal.fd < 0)
                        return 0;
        }
        if (sendto(journal.fd, q->data, q->len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *) &sa,
                   sizeof sa) >= 0)
                return 1;
        return errno == EMSGSIZE ? -EMSGSIZE : 0;
}

static void queue_push_locked(struct queued *q) {
        if (journal.queued >= VB_JOURNAL_QUEUE_MAX || journal.queued_bytes + q->len > VB_JOURNAL_QUEUE_BYTES) {
                free(q);
                journal.dropped++;
                journal.dropped_total++;
                return;
        }
        if (journal.tail)
                journal.tail->next = q;
        else
                journal.head = q;
        journal.tail = q;
        journal.queued++;
        journal.queued_bytes += q->len;
}

static void report_drops_locked(void);

/* Send what waits, oldest first, until journald stops taking entries. */
static void flush_locked(void) {
        while (journal.head) {
                struct queued *q = journal.head;
                if (send_locked(q) == 0)
                        return;
                journal.head = q->next;
                if (!journal.head)
                        journal.tail = NULL;
                journal.queued--;
                journal.queued_bytes -= q->len;
                free(q);
        }
        if (journal.dropped > 0)
                report_drops_locked();
}

static void report_drops_locked(void) {
        char msg[256], n[48];
        struct fieldset fs = {};

        snprintf(msg, sizeof msg,
                 "%llu journal entr(ies) were dropped while journald did not take entries (the queue of %u was "
                 "full); the ledger has every finding and action.",
                 (unsigned long long) journal.dropped, VB_JOURNAL_QUEUE_MAX);
        snprintf(n, sizeof n, "%llu", (unsigned long long) journal.dropped);
        fields_add(&fs, "MESSAGE", msg);
        fields_add(&fs, "MESSAGE_ID", VB_MID_JOURNAL_DROPPED);
        fields_add(&fs, "PRIORITY", "4");
        fields_add(&fs, "SYSLOG_IDENTIFIER", journal.identifier);
        fields_add(&fs, "OBJECT_SYSTEMD_UNIT", "vendorband.service");
        fields_add(&fs, "VENDORBAN_DROPPED", n);
        struct queued *q = serialize(&fs);
        fields_free(&fs);
        if (q && send_locked(q) == 1)
                journal.dropped = 0;
        free(q);
}

size_t journal_flush(void) {
        pthread_mutex_lock(&journal.lock);
        flush_locked();
        size_t n = journal.queued + (journal.dropped > 0);
        pthread_mutex_unlock(&journal.lock);
        return n;
}

uint64_t journal_dropped_total(void) {
        pthread_mutex_lock(&journal.lock);
        uint64_t n = journal.dropped_total;
        pthread_mutex_unlock(&journal.lock);
        return n;
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

        /* Never wait for journald: what it does not take now waits in a
         * bounded queue (journal_flush), and what does not fit is counted. */
        struct queued *q = serialize(fs);
        if (!q)
                return -ENOMEM;
        int r = 0;
        pthread_mutex_lock(&journal.lock);
        flush_locked();
        int k = journal.head ? 0 : send_locked(q);
        if (k == 1)
                free(q);
        else if (k == 0)
                queue_push_locked(q);
        else {
                free(q);
                r = k;
        }
        pthread_mutex_unlock(&journal.lock);
        if (r < 0) /* too big for a datagram: never lose the entry */
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

static int journal_pins(const struct vb_action_outcome *o) {
        char n[32], *message = NULL;
        struct fieldset fs = {};

        snprintf(n, sizeof n, "%zu", o->count);
        if (asprintf(&message, "%s APT pin file %s: %zu package(s) pinned to -1%s%s",
                     o->r < 0 ? "Failed to rewrite the" : "Rewrote the", o->target, o->count, o->r < 0 ? ": " : "",
                     o->r < 0 ? strerror(-o->r) : "") < 0)
                return -ENOMEM;
        fields_add(&fs, "VENDORBAN_ACTION", "apt-pin");
        fields_add(&fs, "VENDORBAN_PINNED", n);
        int r = fields_send(&fs, o->r < 0 ? LOG_ERR : LOG_NOTICE, VB_MID_ACTION, message);
        fields_free(&fs);
        free(message);
        return r;
}

static int journal_dnf_exclude(const struct vb_action_outcome *o) {
        char n[32], *message = NULL;
        struct fieldset fs = {};

        snprintf(n, sizeof n, "%zu", o->count);
        if (asprintf(&message, "%s dnf's excludepkgs in /etc/dnf/dnf.conf: %zu package(s) excluded by vendorban%s%s",
                     o->r < 0 ? "Failed to rewrite" : "Rewrote", o->count, o->r < 0 ? ": " : "",
                     o->r < 0 ? strerror(-o->r) : "") < 0)
                return -ENOMEM;
        fields_add(&fs, "VENDORBAN_ACTION", "dnf-exclude");
        fields_add(&fs, "VENDORBAN_EXCLUDED", n);
        int r = fields_send(&fs, o->r < 0 ? LOG_ERR : LOG_NOTICE, VB_MID_ACTION, message);
        fields_free(&fs);
        free(message);
        return r;
}

static int journal_unmask(const struct vb_action_outcome *o) {
        char *message = NULL;
        struct fieldset fs = {};

        if (asprintf(&message, "%s unit %s%s%s", o->r < 0 ? "Failed to unmask" : "Unmasked", o->target,
                     o->r < 0 ? ": " : "", o->r < 0 ? strerror(-o->r) : "") < 0)
                return -ENOMEM;
        fields_add(&fs, "VENDORBAN_ACTION", "unmask-unit");
        int r = fields_send(&fs, o->r < 0 ? LOG_ERR : LOG_NOTICE, VB_MID_RESTORE, message);
        fields_free(&fs);
        free(message);
        return r;
}

int journal_action(const struct vb_action_outcome *o, const struct vb_action_context *ctx) {
        static const struct vb_action_context none = { .ban = "" };
        char fid[32], *message = NULL;
        struct fieldset fs = {};
        bool stale = o->r == -ESTALE, failed = o->r < 0 && !stale;

        if (strcmp(o->kind, "apt-pin") == 0)
                return journal_pins(o);
        if (strcmp(o->kind, "unmask-unit") == 0)
                return journal_unmask(o);
        if (strcmp(o->kind, "dnf-exclude") == 0)
                return journal_dnf_exclude(o);
        if (!ctx)
                ctx = &none;
        if (asprintf(&message, "%s %s: %s%s%s%s (ban %s, finding %lld)%s%s", failed ? "Failed to" : "Done:", o->kind,
                     o->target, stale ? " (changed since the decision: re-evaluated on its next event)" : "",
                     ctx->package ? " of package " : "", ctx->package ? ctx->package : "", ctx->ban,
                     (long long) o->finding_id, failed ? ": " : "",
                     failed ? (o->detail ? o->detail : strerror(-o->r)) : "") < 0)
                return -ENOMEM;
        snprintf(fid, sizeof fid, "%lld", (long long) o->finding_id);
        fields_add(&fs, "VENDORBAN_BAN", ctx->ban);
        fields_add(&fs, "VENDORBAN_ACTION", o->kind);
        fields_add(&fs, "VENDORBAN_TARGET", o->target);
        fields_add(&fs, "VENDORBAN_FINDING", fid);
        fields_add(&fs, "VENDORBAN_RESULT", failed ? "failed" : "done");
        fields_add(&fs, "VENDORBAN_VERDICT", "block");
        fields_add(&fs, "VENDORBAN_PACKAGE", ctx->package);
        fields_add(&fs, "VENDORBAN_VERSION", ctx->package ? (ctx->version ? ctx->version : "") : NULL);
        /* A quarantine names its file; otherwise the subject's path. */
        fields_add(&fs, "VENDORBAN_PATH", strcmp(o->kind, "quarantine") == 0 ? o->target : ctx->path);
        fields_add(&fs, "VENDORBAN_SHA256", ctx->package ? NULL : ctx->sha256);
        int r = fields_send(&fs, failed ? LOG_ERR : LOG_NOTICE, VB_MID_ACTION, message);
        fields_free(&fs);
        free(message);
        return r;
}

void journal_action_cb(const struct vb_action_outcome *o, void *userdata) {
        (void) journal_action(o, userdata);
}
