/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running the steps of an enforcement plan (see enforce.h, plan.h). Each
 * action: ledger row, action, ledger update, then the program is told
 * (on_outcome) and writes the journal entry. Never logs by itself. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aptpin.h"
#include "dnfexclude.h"
#include "enforce.h"
#include "proc.h"
#include "quarantine.h"
#include "store-enforce.h"
#include "units.h"

char *enforce_quarantine_dir(const struct vb_policy *p) {
        char *r = NULL;
        if (asprintf(&r, "%s/%s", p->config.state_dir, VB_QUARANTINE_SUBDIR) < 0)
                return NULL;
        return r;
}

static void tell(const struct vb_enforcer *e, const char *kind, const char *target, int r, const char *detail,
                 int64_t finding_id, size_t count) {
        struct vb_action_outcome o = {
                .kind = kind, .target = target, .r = r, .detail = detail, .finding_id = finding_id, .count = count,
        };
        if (e->on_outcome)
                e->on_outcome(&o, e->userdata);
}

/* One action: its ledger row (committed) before, the action, the row
 * finished after, then the program is told. No row, no action. */
static int record_action(const struct vb_enforcer *e, int64_t finding_id, const char *kind, const char *target,
                         int (*act)(const struct vb_enforcer *, const char *, void *), void *ud) {
        int64_t id = 0;
        int r;

        r = store_action_begin(e->store, finding_id, kind, target, &id);
        if (r < 0) {
                tell(e, kind, target, r, "cannot write the ledger row first, so not acting", finding_id, 0);
                return r;
        }
        r = act(e, target, ud);
        (void) store_action_finish(e->store, id, r < 0 ? "failed" : "done", r < 0 ? strerror(-r) : NULL);
        tell(e, kind, target, r, NULL, finding_id, 0);
        return r;
}

/* ---- processes ---- */

static int act_stop_pid(const struct vb_enforcer *e, const char *target, void *ud) {
        size_t killed = 0;
        pid_t pid = *(const pid_t *) ud;
        int r = proc_stop(&pid, 1, e->grace_ms ? e->grace_ms : VB_STOP_GRACE_MS, &killed);
        return r < 0 ? r : 0;
}

static int stop_processes(const struct vb_enforcer *e, const struct vb_plan *p, int64_t finding_id,
                          struct vb_enforce_result *res) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n_pids = 0;
        int r = 0;

        if (proc_find_running(e->root, p->paths, p->n_paths, &pids, &n_pids) < 0)
                return 0;
        for (size_t i = 0; i < n_pids; i++) {
                char target[64];
                snprintf(target, sizeof target, "pid %d", (int) pids[i]);
                int k = record_action(e, finding_id, "stop-process", target, act_stop_pid, &pids[i]);
                if (k < 0) {
                        res->failures++;
                        r = k;
                } else
                        res->processes_stopped++;
        }
        return r;
}

/* ---- units ---- */

static int act_stop_unit(const struct vb_enforcer *e, const char *unit, void *ud) {
        return units_stop(unit);
}

static int act_mask_unit(const struct vb_enforcer *e, const char *unit, void *ud) {
        return units_mask(e->root, unit, units_systemd_running(e->root));
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

static int quarantine_one(const struct vb_enforcer *e, int64_t finding_id, const char *path,
                          const char *expected_sha256, struct vb_enforce_result *res) {
        _cleanup_free_ char *qdir = enforce_quarantine_dir(e->policy);
        enum vb_quarantine_hook hook = test_crash_hook();
        int64_t qid = 0;

        if (!qdir)
                return -ENOMEM;
        int r = quarantine_file_ex(e->store, e->root, qdir, path, expected_sha256, finding_id, hook, &qid);
        if (hook != VB_QUARANTINE_HOOK_NONE && r >= 0 && qid > 0)
                raise(SIGKILL); /* the hook stopped it (or, for the copy-only hooks, it was a rename) */
        if (r == -ENOENT)
                return 0; /* gone already (quarantined before, or removed) */
        tell(e, "quarantine", path, r, r < 0 && r != -ESTALE ? store_errmsg(e->store) : NULL, finding_id, 0);
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
        if (r > 0 || r < 0) {
                int64_t id = 0;
                if (store_action_begin(e->store, 0, "apt-pin", pref, &id) >= 0)
                        (void) store_action_finish(e->store, id, r < 0 ? "failed" : "done", NULL);
                tell(e, "apt-pin", "/etc/apt/preferences.d/vendorban.pref", r < 0 ? r : 0, NULL, 0, names.n);
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
                int64_t id = 0;
                if (store_action_begin(e->store, 0, "dnf-exclude", DNFEXCLUDE_DIR "/" DNFEXCLUDE_FILE, &id) >= 0)
                        (void) store_action_finish(e->store, id, r < 0 ? "failed" : "done", NULL);
                tell(e, "dnf-exclude", DNFEXCLUDE_DIR "/" DNFEXCLUDE_FILE, r < 0 ? r : 0, NULL, 0, names.n);
        }
        strv_clear(&names);
        return r < 0 ? r : 0;
}

/* ---- the plan, one step at a time ---- */

int enforce_step(const struct vb_enforcer *e, const struct vb_plan *p, size_t i, int64_t finding_id,
                 struct vb_enforce_result *res) {
        const struct vb_step *s = &p->steps[i];
        int r;

        if (!e->store || e->policy->config.mode != VB_MODE_ENFORCE)
                return -EPERM;
        switch (s->kind) {
        case VB_STEP_STOP_PROCESSES:
                return stop_processes(e, p, finding_id, res);
        case VB_STEP_STOP_UNIT:
                if (units_is_masked(e->root, s->target) || !units_systemd_running(e->root))
                        return 0;
                return record_action(e, finding_id, "stop-unit", s->target, act_stop_unit, NULL);
        case VB_STEP_MASK_UNIT:
                if (units_is_masked(e->root, s->target))
                        return 0;
                r = record_action(e, finding_id, "mask-unit", s->target, act_mask_unit, NULL);
                if (r < 0)
                        res->failures++;
                else
                        res->units_masked++;
                return r;
        case VB_STEP_QUARANTINE:
                if (!s->sha256 && !is_executable_or_library(e->root, s->target))
                        return 0; /* a package's data files stay */
                r = quarantine_one(e, finding_id, s->target, s->sha256, res);
                return r == -ESTALE ? 0 : r;
        case VB_STEP_APT_PIN:
                r = enforce_apt_pins(e);
                if (r < 0)
                        res->failures++;
                return r < 0 ? r : 0;
        }
        return -EINVAL;
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
        tell(e, "unmask-unit", a->target, r < 0 ? r : 0, NULL, a->finding_id, 0);
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
