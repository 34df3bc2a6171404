/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests for lib/plan.c: the enforcement plan of a decision in each mode,
 * for a package (processes, units, files, pins, in that order) and for a
 * loose file; nothing touched, no root needed. */
#include <string.h>

#include "harness.h"
#include "plan.h"

static struct vb_ban ban = { .id = (char *) "kaspersky", .vendor = (char *) "Kaspersky" };

static const char *const kesl_files[] = {
        "/opt/kaspersky/kesl/bin/kesl",
        "/lib/systemd/system/kesl.service",
        "/usr/share/doc/kesl/copyright",
        "/lib/systemd/system/sub/not-a-unit.service",
        "/etc/systemd/system/kesl-supervisor.service",
};
static const struct vb_package kesl = {
        .name = "kesl", .version = "12.0", .files = kesl_files, .n_files = ELEMENTSOF(kesl_files),
};
static const struct vb_file agent = { .path = "/opt/kaspersky/agent", .sha256 = "ab12" };

static struct vb_policy policy_in(enum vb_mode mode) {
        return (struct vb_policy) { .config = { .mode = mode } };
}

static struct vb_decision decision(enum vb_verdict v, bool exempt) {
        return (struct vb_decision) { .verdict = v, .ban = &ban, .exempt = exempt };
}

START_TEST(test_plan_block_package_enforce_orders_processes_units_files_pin) {
        struct vb_policy p = policy_in(VB_MODE_ENFORCE);
        struct vb_decision d = decision(VB_VERDICT_BLOCK, false);
        struct vb_scan_item item = { .pkg = &kesl, .decision = &d };
        struct vb_plan plan;
        static const struct {
                enum vb_step_kind kind;
                const char *target;
        } want[] = {
                { VB_STEP_STOP_PROCESSES, NULL },
                { VB_STEP_STOP_UNIT, "kesl.service" },
                { VB_STEP_MASK_UNIT, "kesl.service" },
                { VB_STEP_STOP_UNIT, "kesl-supervisor.service" },
                { VB_STEP_MASK_UNIT, "kesl-supervisor.service" },
                { VB_STEP_QUARANTINE, "/opt/kaspersky/kesl/bin/kesl" },
                { VB_STEP_QUARANTINE, "/lib/systemd/system/kesl.service" },
                { VB_STEP_QUARANTINE, "/usr/share/doc/kesl/copyright" },
                { VB_STEP_QUARANTINE, "/lib/systemd/system/sub/not-a-unit.service" },
                { VB_STEP_QUARANTINE, "/etc/systemd/system/kesl-supervisor.service" },
                { VB_STEP_APT_PIN, NULL },
        };

        ck_assert_int_eq(enforce_plan(&p, &item, true, &plan), 0);
        ck_assert_str_eq(plan.action, "blocked");
        ck_assert(plan.record);
        ck_assert_uint_eq(plan.n_steps, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                ck_assert_int_eq(plan.steps[i].kind, want[i].kind);
                if (want[i].target)
                        ck_assert_str_eq(plan.steps[i].target, want[i].target);
                else
                        ck_assert_ptr_null(plan.steps[i].target);
                ck_assert_ptr_null(plan.steps[i].sha256);
        }
        ck_assert_ptr_eq(plan.paths, kesl_files);
        ck_assert_uint_eq(plan.n_paths, ELEMENTSOF(kesl_files));
        ck_assert_str_eq(step_kind_to_string(plan.steps[2].kind), "mask-unit");
        plan_clear(&plan);
        ck_assert_uint_eq(plan.n_steps, 0);
}
END_TEST

START_TEST(test_plan_block_file_enforce_quarantines_that_content) {
        struct vb_policy p = policy_in(VB_MODE_ENFORCE);
        struct vb_decision d = decision(VB_VERDICT_BLOCK, false);
        struct vb_scan_item item = { .file = &agent, .decision = &d };
        struct vb_plan plan;

        ck_assert_int_eq(enforce_plan(&p, &item, true, &plan), 0);
        ck_assert_str_eq(plan.action, "blocked");
        ck_assert_uint_eq(plan.n_steps, 2);
        ck_assert_int_eq(plan.steps[0].kind, VB_STEP_STOP_PROCESSES);
        ck_assert_int_eq(plan.steps[1].kind, VB_STEP_QUARANTINE);
        ck_assert_str_eq(plan.steps[1].target, "/opt/kaspersky/agent");
        ck_assert_str_eq(plan.steps[1].sha256, "ab12");
        ck_assert_uint_eq(plan.n_paths, 1);
        ck_assert_str_eq(plan.paths[0], "/opt/kaspersky/agent");
        plan_clear(&plan);
}
END_TEST

/* Everything that must change nothing: audit mode, no ledger, a flag, an
 * exemption, a ban not in force, no ban at all. */
START_TEST(test_plan_no_steps_unless_enforced_block) {
        static const struct {
                enum vb_mode mode;
                bool can_act;
                enum vb_verdict verdict;
                bool exempt;
                bool has_ban;
                const char *action;
                bool record;
        } cases[] = {
                { VB_MODE_AUDIT, true, VB_VERDICT_BLOCK, false, true, "would-block", true },
                { VB_MODE_ENFORCE, false, VB_VERDICT_BLOCK, false, true, "would-block", true },
                { VB_MODE_ENFORCE, true, VB_VERDICT_FLAG, false, true, "flagged", true },
                { VB_MODE_AUDIT, true, VB_VERDICT_FLAG, false, true, "flagged", true },
                { VB_MODE_ENFORCE, true, VB_VERDICT_ALLOW, true, true, "exempt", false },
                { VB_MODE_ENFORCE, true, VB_VERDICT_ALLOW, false, true, "not-in-force", false },
                { VB_MODE_ENFORCE, true, VB_VERDICT_ALLOW, false, false, "none", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct vb_policy p = policy_in(cases[i].mode);
                struct vb_decision d = decision(cases[i].verdict, cases[i].exempt);
                if (!cases[i].has_ban)
                        d.ban = NULL;
                for (int subject = 0; subject < 2; subject++) {
                        struct vb_scan_item item = { .decision = &d };
                        if (subject == 0)
                                item.pkg = &kesl;
                        else
                                item.file = &agent;
                        struct vb_plan plan;
                        ck_assert_int_eq(enforce_plan(&p, &item, cases[i].can_act, &plan), 0);
                        ck_assert_msg(plan.n_steps == 0 && !plan.steps, "case %zu: steps", i);
                        ck_assert_msg(strcmp(plan.action, cases[i].action) == 0, "case %zu: action %s", i,
                                      plan.action);
                        ck_assert_msg(plan.record == cases[i].record, "case %zu: record", i);
                        plan_clear(&plan);
                }
        }
}
END_TEST

/* An exempt block in enforce mode is recorded nowhere and acted on never,
 * even when the verdict says block. */
START_TEST(test_plan_exempt_block_is_not_acted_on) {
        struct vb_policy p = policy_in(VB_MODE_ENFORCE);
        struct vb_decision d = decision(VB_VERDICT_BLOCK, true);
        struct vb_scan_item item = { .pkg = &kesl, .decision = &d };
        struct vb_plan plan;

        ck_assert_int_eq(enforce_plan(&p, &item, true, &plan), 0);
        ck_assert_str_eq(plan.action, "exempt");
        ck_assert_uint_eq(plan.n_steps, 0);
        plan_clear(&plan);
}
END_TEST

/* A package without files still gets its processes looked at and its pin. */
START_TEST(test_plan_package_without_files) {
        struct vb_policy p = policy_in(VB_MODE_ENFORCE);
        struct vb_decision d = decision(VB_VERDICT_BLOCK, false);
        struct vb_package bare = { .name = "klnagent64", .version = "15" };
        struct vb_scan_item item = { .pkg = &bare, .decision = &d };
        struct vb_plan plan;

        ck_assert_int_eq(enforce_plan(&p, &item, true, &plan), 0);
        ck_assert_uint_eq(plan.n_steps, 2);
        ck_assert_int_eq(plan.steps[0].kind, VB_STEP_STOP_PROCESSES);
        ck_assert_int_eq(plan.steps[1].kind, VB_STEP_APT_PIN);
        plan_clear(&plan);
}
END_TEST

Suite *test_suite(void) {
        Suite *s = suite_create("plan");
        TCase *tc = tcase_create("plan");

        tcase_add_test(tc, test_plan_block_package_enforce_orders_processes_units_files_pin);
        tcase_add_test(tc, test_plan_block_file_enforce_quarantines_that_content);
        tcase_add_test(tc, test_plan_no_steps_unless_enforced_block);
        tcase_add_test(tc, test_plan_exempt_block_is_not_acted_on);
        tcase_add_test(tc, test_plan_package_without_files);
        suite_add_tcase(s, tc);
        return s;
}
