#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Audit mode (the default) changes nothing: the same fixtures as the
# enforce test (a fake kesl installed with dpkg, its daemon binary running)
# give a finding with action "would-block", and afterwards every file under
# the root (content, mode, owner; the state dir and /run excepted) is as it
# was, the process still runs, and there is no APT pin, no masked unit and
# nothing in the quarantine.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
# shellcheck disable=SC2015 # A && B || vb_fail: vb_fail only when the check fails
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
grep -qx 'mode = "audit";' "$root/etc/vendorban/vendorban.conf" || vb_fail "the shipped config is not in audit mode"
vb_apt_setup "$root"
kesl_deb=$(vb_build_runnable_kesl kesl 12.0.0.6672-1)
kesld=/opt/kaspersky/kesl/bin/kesld

vb_step "dpkg -i kesl while vendorband is not running; start $kesld 300"
vb_dpkg_install "$root" "$kesl_deb"
vb_spawn "$VB_TMP/kesld.log" "$root$kesld" 300
kesld_pid=$VB_LAST_PID
vb_wait_exe "$kesld_pid" "$root$kesld" || vb_fail "kesld (pid $kesld_pid) did not start"
before=$(vb_tree_digest "$root" var/lib/vendorban run)

vb_step "start vendorband (audit): the finding is recorded as would-block"
vb_start_daemon "$root"
vb_wait_for -t 5 vb_has_finding "$root" '.subject == "package" and .package == "kesl"' ||
        vb_fail "no finding for kesl"
vb_findings_json "$root" "$VB_TMP/f.json"
vb_jq_assert "$VB_TMP/f.json" 'any(.findings[]; .package == "kesl" and .verdict == "block"
        and .action == "would-block" and .mode == "audit")' "kesl's finding is not would-block in audit mode"
# The startup reconcile ends with a scan-done entry: whatever it did is done.
vb_wait_for -t 10 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_SCAN_DONE" || vb_fail "no scan-done entry"

vb_step "no enforcement action in the journal"
[ "$(vb_journal_count MESSAGE_ID="$VB_MID_ACTION")" -eq 0 ] || vb_fail "an enforcement action was logged in audit mode"

vb_step "every file under the root is unchanged (content, mode, owner)"
after=$(vb_tree_digest "$root" var/lib/vendorban run)
if [ "$after" != "$before" ]; then
        diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
        vb_fail "files under the root changed in audit mode"
fi

vb_step "the process still runs; no pin file, no mask, empty quarantine"
_vb_pid_gone "$kesld_pid" && vb_fail "kesld (pid $kesld_pid) was stopped in audit mode"
[ ! -e "$root/etc/apt/preferences.d/vendorban.pref" ] || vb_fail "a pin file in audit mode"
[ ! -L "$root/etc/systemd/system/kesl.service" ] && [ ! -e "$root/etc/systemd/system/kesl.service" ] ||
        vb_fail "kesl.service masked in audit mode"
qdir=$root/var/lib/vendorban/quarantine
[ ! -e "$qdir" ] || [ -z "$(ls -A "$qdir")" ] || vb_fail "the quarantine is not empty in audit mode"
vb_run "$VB_CTL" --root "$root" --json quarantine list
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.quarantine == []' "quarantine rows in audit mode"

vb_step "stop vendorband; stop kesld ourselves"
vb_stop_daemon
kill -TERM "$kesld_pid"
vb_wait_for -t 5 _vb_pid_gone "$kesld_pid" || vb_fail "kesld did not exit on SIGTERM"
vb_reap "$kesld_pid" >/dev/null

vb_step "all checks passed"
