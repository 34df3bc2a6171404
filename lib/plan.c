/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The enforcement plan (see plan.h): decision and mode in, steps out. No
 * I/O here: what can only be known on the system (is the file an
 * executable, is the unit masked, which processes run) is checked when the
 * step runs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "units.h"
#include "util.h"

static const char *const unit_dirs[] = { "/lib/systemd/system/", "/usr/lib/systemd/system/", "/etc/systemd/system/" };

const char *plan_action(const struct vb_decision *d, enum vb_mode mode, bool can_act) {
        if (!d->ban)
                return "none";
        if (d->exempt)
                return "exempt";
        switch (d->verdict) {
        case VB_VERDICT_BLOCK:
                return mode == VB_MODE_ENFORCE && can_act ? "blocked" : "would-block";
        case VB_VERDICT_FLAG:
                return "flagged";
        case VB_VERDICT_ALLOW:
                break;
        }
        return "not-in-force";
}

const char *step_kind_to_string(enum vb_step_kind k) {
        static const char *const names[] = {
                [VB_STEP_STOP_PROCESSES] = "stop-process", [VB_STEP_STOP_UNIT] = "stop-unit",
                [VB_STEP_MASK_UNIT] = "mask-unit",         [VB_STEP_QUARANTINE] = "quarantine",
                [VB_STEP_APT_PIN] = "apt-pin",
        };
        return (size_t) k < ELEMENTSOF(names) ? names[k] : "unknown";
}

/* A unit file directly in a systemd unit directory: its unit name. */
static const char *unit_of_file(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(unit_dirs); i++) {
                size_t n = strlen(unit_dirs[i]);
                if (strncmp(path, unit_dirs[i], n) == 0 && !strchr(path + n, '/') && units_name_is_valid(path + n))
                        return path + n;
        }
        return NULL;
}

static void push(struct vb_plan *p, enum vb_step_kind kind, const char *target, const char *sha256) {
        p->steps[p->n_steps++] = (struct vb_step) { .kind = kind, .target = target, .sha256 = sha256 };
}

int enforce_plan(const struct vb_policy *policy, const struct vb_scan_item *item, bool can_act, struct vb_plan *ret) {
        const struct vb_decision *d = item->decision;
        enum vb_mode mode = policy->config.mode;
        struct vb_plan p = {
                .action = plan_action(d, mode, can_act),
                .record = d->ban && (d->verdict == VB_VERDICT_FLAG || d->verdict == VB_VERDICT_BLOCK),
        };

        if (!d->ban || d->exempt || d->verdict != VB_VERDICT_BLOCK || mode != VB_MODE_ENFORCE || !can_act) {
                *ret = p;
                return 0;
        }
        if (item->pkg) {
                p.paths = item->pkg->files;
                p.n_paths = item->pkg->n_files;
        } else {
                p.paths = &item->file->path;
                p.n_paths = 1;
        }
        /* processes + 2 per unit + 1 per file + pins */
        p.steps = calloc(1 + 3 * p.n_paths + 1, sizeof *p.steps);
        if (!p.steps)
                return -ENOMEM;

        push(&p, VB_STEP_STOP_PROCESSES, NULL, NULL);
        if (item->pkg) {
                for (size_t i = 0; i < p.n_paths; i++) {
                        const char *unit = unit_of_file(p.paths[i]);
                        if (!unit)
                                continue;
                        push(&p, VB_STEP_STOP_UNIT, unit, NULL);
                        push(&p, VB_STEP_MASK_UNIT, unit, NULL);
                }
                for (size_t i = 0; i < p.n_paths; i++)
                        push(&p, VB_STEP_QUARANTINE, p.paths[i], NULL);
                push(&p, VB_STEP_APT_PIN, NULL, NULL);
        } else
                push(&p, VB_STEP_QUARANTINE, item->file->path, item->file->sha256);
        *ret = p;
        return 0;
}

void plan_clear(struct vb_plan *p) {
        free(p->steps);
        *p = (struct vb_plan) {};
}
