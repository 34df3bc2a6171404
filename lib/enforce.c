/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Enforcement of block verdicts (see enforce.h). Order for a package:
 * processes first (so nothing banned keeps running), then units (so
 * systemd does not restart it), then the files, then the APT pin. Each
 * step: ledger row, action, ledger update, journal entry. A step that
 * fails is recorded and logged; the others still run. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "aptpin.h"
#include "dnfexclude.h"
#include "enforce.h"
#include "journal.h"
#include "proc.h"
#include "quarantine.h"
#include "store-enforce.h"
#include "units.h"

static const char *const unit_dirs[] = { "/lib/systemd/system/", "/usr/lib/systemd/system/", "/etc/systemd/system/" };

char *enforce_quarantine_dir(const struct vb_policy *p) {
        char *r = NULL;
        if (asprintf(&r, "%s/%s", p->config.state_dir, VB_QUARANTINE_SUBDIR) < 0)
                return NULL;
        return r;
}

struct action_log {
        const struct vb_decision *d;
        const struct vb_package *pkg;   /* may be NULL */
        const char *path;               /* may be NULL */
        const char *sha256;             /* may be NULL */
        int64_t finding_id;
};

static void log_action(const struct action_log *l, const char *action, const char *target, int r,
                       const char *detail) {
        char fid[32], res[32];
        _cleanup_free_ char *f_ban = NULL, *f_pkg = NULL, *f_ver = NULL, *f_path = NULL, *f_sha = NULL,
                            *f_act = NULL, *f_tgt = NULL;

        snprintf(fid, sizeof fid, "VENDORBAN_FINDING=%lld", (long long) l->finding_id);
        snprintf(res, sizeof res, "VENDORBAN_RESULT=%s", r < 0 ? "failed" : "done");
        if (asprintf(&f_ban, "VENDORBAN_BAN=%s", l->d->ban->id) < 0 ||
            asprintf(&f_act, "VENDORBAN_ACTION=%s", action) < 0 || asprintf(&f_tgt, "VENDORBAN_TARGET=%s", target) < 0)
                return;
        if (l->pkg && (asprintf(&f_pkg, "VENDORBAN_PACKAGE=%s", l->pkg->name) < 0 ||
                       asprintf(&f_ver, "VENDORBAN_VERSION=%s", l->pkg->version ? l->pkg->version : "") < 0))
                return;
        if (l->path && asprintf(&f_path, "VENDORBAN_PATH=%s", l->path) < 0)
                return;
        if (l->sha256 && asprintf(&f_sha, "VENDORBAN_SHA256=%s", l->sha256) < 0)
                return;

        const char *fields[] = { f_ban, f_act, f_tgt, fid, res, "VENDORBAN_VERDICT=block", f_pkg ? f_pkg : f_path,
                                 f_ver ? f_ver : f_sha, f_pkg ? f_path : NULL, NULL };
        journal_event(VB_MID_ACTION, r < 0 ? LOG_ERR : LOG_NOTICE, fields, "%s %s: %s%s%s (ban %s, finding %lld)%s%s",
                      r < 0 ? "Failed to" : "Done:", action, target, l->pkg ? " of package " : "",
                      l->pkg ? l->pkg->name : "", l->d->ban->id, (long long) l->finding_id,
                      r < 0 ? ": " : "", r < 0 ? (detail ? detail : strerror(-r)) : "");
}

static int record_action(const struct vb_enforcer *e, const struct action_log *l, const char *kind,
                         const char *target, int (*act)(const struct vb_enforcer *, const char *, void *),
                         void *ud) {
        int64_t id = 0;
        int r;

        r = store_action_begin(e->store, l->finding_id, kind, target, &id);
        if (r < 0) {
                log_action(l, kind, target, r, "cannot write the ledger row first, so not acting");
                return r;
        }
        r = act(e, target, ud);
        (void) store_action_finish(e->store, id, r < 0 ? "failed" : "done", r < 0 ? strerror(-r) : NULL);
        log_action(l, kind, target, r, NULL);
        return r;
}

/* ---- processes ---- */

static int act_stop_pid(const struct vb_enforcer *e, const char *target, void *ud) {
        size_t killed = 0;
        pid_t pid = *(const pid_t *) ud;
        int r = proc_stop(&pid, 1, e->grace_ms ? e->grace_ms : VB_STOP_GRACE_MS, &killed);
        return r < 0 ? r : 0;
}

static void stop_processes(const struct vb_enforcer *e, const struct action_log *l, const char *const *paths,
                           size_t n, struct vb_enforce_result *res) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0;

        if (proc_find_running(e->root, paths, n, &pids, &n_pids) < 0)
                return;
        for (size_t i = 0; i < n_pids; i++) {
                char target[64];
                snprintf(target, sizeof target, "pid %d", (int) pids[i]);
                if (record_action(e, l, "stop-process", target, act_stop_pid, &pids[i]) < 0)
                        res->failures++;
                else
                        res->processes_stopped++;
        }
}

/* ---- units ---- */

static const char *unit_of_file(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                size_t n = strlen(unit_dirs[i]);
                if (strncmp(path, unit_dirs[i], n) == 0 && !strchr(path + n, '/') && units_name_is_valid(path + n))
                        return path + n;
        }
        return NULL;
}

static int act_stop_unit(const struct vb_enforcer *e, const char *unit, void *ud) {
        return units_stop(unit);
}

static int act_mask_unit(const struct vb_enforcer *e, const char *unit, void *ud) {
        return units_mask(e->root, unit, *(bool *) ud);
}

static void mask_units(const struct vb_enforcer *e, const struct action_log *l, const struct vb_package *pkg,
                       struct vb_enforce_result *res) {
        bool systemd = units_systemd_running(e->root);

        for (size_t i = 0; i < pkg->n_files; i++) {
                const char *unit = unit_of_file(pkg->files[i]);
                if (!unit || units_is_masked(e->root, unit))
                        continue;
                if (systemd)
                        (void) record_action(e, l, "stop-unit", unit, act_stop_unit, NULL);
                if (record_action(e, l, "mask-unit", unit, act_mask_unit, &systemd) < 0)
                        res->failures++;
                else
                        res->units_masked++;
        }
}

/* ---- files ---- */

static bool is_executable_or_library(const char *root, const char *path) {
        _cleanup_close_ int fd = open_in_root(root, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        struct stat st;
        unsigned char magic[4] = {};

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return false;
        if (st.st_mode & 0111)
                return true;
        if (strstr(strrchr(path, '/') ?: path, ".so"))
                return true;
        return read(fd, magic, sizeof magic) == 4 && memcmp(magic, "\177ELF", 4) == 0;
}

/* Fault injection for the crash-recovery tests: VENDORBAN_TEST_CRASH names
 * the point where quarantine_file_ex() stops as if killed; the process then
 * really is killed (SIGKILL), so recovery is tested against the real thing.
 * Unset or unknown: no hook. Never set it outside tests. */
static enum vb_quarantine_hook test_crash_hook(void) {
        static const struct {
                const char *name;
                enum vb_quarantine_hook hook;
        } hooks[] = {
                { "after-ledger", VB_QUARANTINE_HOOK_CRASH_AFTER_LEDGER },
                { "during-copy", VB_QUARANTINE_HOOK_CRASH_DURING_COPY },
                { "before-unlink", VB_QUARANTINE_HOOK_CRASH_BEFORE_UNLINK },
                { "after-move", VB_QUARANTINE_HOOK_CRASH_AFTER_MOVE },
        };
        const char *v = getenv("VENDORBAN_TEST_CRASH");

        for (size_t i = 0; v && i < ELEMENTSOF(hooks); i++)
                if (strcmp(v, hooks[i].name) == 0)
                        return hooks[i].hook;
        return VB_QUARANTINE_HOOK_NONE;
}

static int quarantine_one(const struct vb_enforcer *e, const struct action_log *l, const char *path,
                          const char *expected_sha256, struct vb_enforce_result *res) {
        _cleanup_free_ char *qdir = enforce_quarantine_dir(e->policy);
        enum vb_quarantine_hook hook = test_crash_hook();
        int64_t qid = 0;
        char target[4200];

        if (!qdir)
                return -ENOMEM;
        int r = quarantine_file_ex(e->store, e->root, qdir, path, expected_sha256, l->finding_id, hook, &qid);
        if (hook != VB_QUARANTINE_HOOK_NONE && r >= 0 && qid > 0)
                raise(SIGKILL); /* the hook stopped it (or, for the copy-only hooks, it was a rename) */
        if (r == -ENOENT)
                return 0; /* gone already (quarantined before, or removed) */
        snprintf(target, sizeof target, "%s%s", path, r == -ESTALE ? " (changed since the decision: re-evaluated on its next event)" : "");
        struct action_log fl = *l;
        fl.path = path;
        log_action(&fl, "quarantine", target, r == -ESTALE ? 0 : r, r < 0 ? store_errmsg(e->store) : NULL);
        if (r < 0 && r != -ESTALE)
                res->failures++;
        else if (r >= 0)
                res->files_quarantined++;
        return r;
}

/* ---- APT pins ---- */

static int collect_name(const char *package, void *ud) {
        return strv_push(ud, package);
}

int enforce_apt_pins(const struct vb_enforcer *e) {
        struct vb_strv names = {};
        _cleanup_free_ char *pref = path_under_root(e->root, "/etc/apt/preferences.d/vendorban.pref");
        int r;

        if (!pref)
                return -ENOMEM;
        r = store_blocked_packages(e->store, "dpkg", collect_name, &names);
        if (r < 0) {
                strv_clear(&names);
                return r;
        }
        /* 1: the file was written or removed; 0: it already said this. */
        r = names.n > 0 ? aptpin_write(e->root, (const char *const *) names.v, names.n,
                                       "software from a banned vendor (see vendorbanctl findings)")
                        : aptpin_remove(e->root);
        bool changed = r > 0;
        if (changed || r < 0) {
                char n[32];
                snprintf(n, sizeof n, "VENDORBAN_PINNED=%zu", names.n);
                journal_event(VB_MID_ACTION, r < 0 ? LOG_ERR : LOG_NOTICE,
                              (const char *const[]) { "VENDORBAN_ACTION=apt-pin", n, NULL },
                              "%s APT pin file /etc/apt/preferences.d/vendorban.pref: %zu package(s) pinned to -1%s%s",
                              r < 0 ? "Failed to rewrite the" : "Rewrote the", names.n, r < 0 ? ": " : "",
                              r < 0 ? strerror(-r) : "");
                int64_t id = 0;
                if (store_action_begin(e->store, 0, "apt-pin", pref, &id) >= 0)
                        (void) store_action_finish(e->store, id, r < 0 ? "failed" : "done", NULL);
        }
        strv_clear(&names);
        int k = enforce_dnf_excludes(e);
        return r < 0 ? r : k;
}

int enforce_dnf_excludes(const struct vb_enforcer *e) {
        struct vb_strv names = {};
        int r;

        r = store_blocked_packages(e->store, "rpm", collect_name, &names);
        if (r >= 0)
                r = dnfexclude_write(e->root, (const char *const *) names.v, names.n);
        if (r == -ENOENT) {
                strv_clear(&names);
                return 0; /* no dnf in this root */
        }
        if (r != 0) {
                char n[32];
                snprintf(n, sizeof n, "VENDORBAN_EXCLUDED=%zu", names.n);
                journal_event(VB_MID_ACTION, r < 0 ? LOG_ERR : LOG_NOTICE,
                              (const char *const[]) { "VENDORBAN_ACTION=dnf-exclude", n, NULL },
                              "%s dnf's excludepkgs in /etc/dnf/dnf.conf: %zu package(s) excluded by vendorban%s%s",
                              r < 0 ? "Failed to rewrite" : "Rewrote", names.n, r < 0 ? ": " : "",
                              r < 0 ? strerror(-r) : "");
                int64_t id = 0;
                if (store_action_begin(e->store, 0, "dnf-exclude", DNFEXCLUDE_DIR "/" DNFEXCLUDE_FILE, &id) >= 0)
                        (void) store_action_finish(e->store, id, r < 0 ? "failed" : "done", NULL);
        }
        strv_clear(&names);
        return r < 0 ? r : 0;
}

/* ---- entry points ---- */

int enforce_package(const struct vb_enforcer *e, const struct vb_package *pkg, const struct vb_decision *d,
                    int64_t finding_id, struct vb_enforce_result *ret) {
        struct vb_enforce_result res = {};
        struct action_log l = { .d = d, .pkg = pkg, .finding_id = finding_id };

        if (!e->store || e->policy->config.mode != VB_MODE_ENFORCE || d->verdict != VB_VERDICT_BLOCK || d->exempt)
                return -EPERM;

        stop_processes(e, &l, pkg->files, pkg->n_files, &res);
        mask_units(e, &l, pkg, &res);
        for (size_t i = 0; i < pkg->n_files; i++)
                if (is_executable_or_library(e->root, pkg->files[i]))
                        (void) quarantine_one(e, &l, pkg->files[i], NULL, &res);
        if (enforce_apt_pins(e) < 0)
                res.failures++;
        if (ret)
                *ret = res;
        return res.failures > 0 ? -EIO : 0;
}

int enforce_file(const struct vb_enforcer *e, const struct vb_file *f, const struct vb_decision *d,
                 int64_t finding_id, struct vb_enforce_result *ret) {
        struct vb_enforce_result res = {};
        struct action_log l = { .d = d, .path = f->path, .sha256 = f->sha256, .finding_id = finding_id };

        if (!e->store || e->policy->config.mode != VB_MODE_ENFORCE || d->verdict != VB_VERDICT_BLOCK || d->exempt)
                return -EPERM;

        stop_processes(e, &l, &f->path, 1, &res);
        int r = quarantine_one(e, &l, f->path, f->sha256, &res);
        if (ret)
                *ret = res;
        return r == -ESTALE ? r : res.failures > 0 ? -EIO : 0;
}

static int recover_action(const struct vb_action *a, void *ud) {
        const struct vb_enforcer *e = ((void **) ud)[0];
        size_t *fixed = ((void **) ud)[1];
        bool done = strcmp(a->kind, "mask-unit") == 0 && units_is_masked(e->root, a->target);

        if (store_action_finish(e->store, a->id, done ? "done" : "failed",
                                done ? "completed before an interruption" : "interrupted; redone on the next scan") >= 0)
                (*fixed)++;
        return 0;
}

int enforce_recover(const struct vb_enforcer *e, size_t *ret_fixed) {
        _cleanup_free_ char *qdir = enforce_quarantine_dir(e->policy);
        size_t fixed = 0, qfixed = 0;
        void *ud[2] = { (void *) e, &fixed };
        int r;

        if (!qdir)
                return -ENOMEM;
        r = quarantine_recover(e->store, e->root, qdir, &qfixed);
        int k = store_actions_foreach(e->store, "pending", recover_action, ud);
        if (ret_fixed)
                *ret_fixed = fixed + qfixed;
        return r < 0 ? r : k;
}

/* ---- undo ---- */

struct restore_scan {
        int64_t qid;
        int64_t finding_id;
        size_t still_quarantined;       /* rows of that finding still in quarantine */
};

static int restore_find(const struct vb_quarantine_entry *q, void *ud) {
        struct restore_scan *rs = ud;
        if (q->id == rs->qid)
                rs->finding_id = q->finding_id;
        return 0;
}

static int restore_count(const struct vb_quarantine_entry *q, void *ud) {
        struct restore_scan *rs = ud;
        if (q->finding_id == rs->finding_id && strcmp(q->state, "quarantined") == 0)
                rs->still_quarantined++;
        return 0;
}

static int restore_unmask(const struct vb_action *a, void *ud) {
        const struct vb_enforcer *e = ((void **) ud)[0];
        const int64_t *finding_id = ((void **) ud)[1];

        if (a->finding_id != *finding_id || strcmp(a->kind, "mask-unit") != 0)
                return 0;
        int r = units_unmask(e->root, a->target);
        (void) store_action_finish(e->store, a->id, r < 0 ? "done" : "undone",
                                   r < 0 ? "could not be unmasked on restore" : "unmasked on restore");
        journal_event(VB_MID_RESTORE, r < 0 ? LOG_ERR : LOG_NOTICE,
                      (const char *const[]) { "VENDORBAN_ACTION=unmask-unit", NULL }, "%s unit %s%s%s",
                      r < 0 ? "Failed to unmask" : "Unmasked", a->target, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
        return 0;
}

int enforce_restore(const struct vb_enforcer *e, int64_t quarantine_id) {
        _cleanup_free_ char *qdir = enforce_quarantine_dir(e->policy);
        struct restore_scan rs = { .qid = quarantine_id };
        int r;

        if (!qdir)
                return -ENOMEM;
        r = quarantine_restore(e->store, e->root, qdir, quarantine_id);
        if (r < 0)
                return r;
        (void) quarantine_foreach(e->store, restore_find, &rs);
        if (rs.finding_id <= 0)
                return 0;
        (void) quarantine_foreach(e->store, restore_count, &rs);
        if (rs.still_quarantined > 0)
                return 0;

        void *ud[2] = { (void *) e, &rs.finding_id };
        (void) store_actions_foreach(e->store, "done", restore_unmask, ud);
        (void) store_finding_set_action(e->store, rs.finding_id, "restored");
        (void) enforce_apt_pins(e);
        return 0;
}
