#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP reloads the policy. A broken policy file is not applied, not even
# in part: the daemon keeps running on its last good policy and logs a
# policy-error entry (MESSAGE_ID c3d5e7f9...) naming file:line; a later dpkg
# install is still judged by the old policy. Once the file is fixed, SIGHUP
# loads it (a policy-loaded entry) and the new policy is in force.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
ban=$root/etc/vendorban/bans.d/kaspersky.conf
good=$VB_TMP/kaspersky.conf.good
cp "$ban" "$good"
grep -Eq 'packages[[:space:]]*=[[:space:]]*\[' "$good" || vb_fail "no 'packages = [' list in the shipped kaspersky.conf"

# A policy that also bans the made-up "vendorban-reload-probe*" packages.
probe=$VB_TMP/kaspersky.conf.probe
sed -E '0,/packages[[:space:]]*=[[:space:]]*\[/s//& "vendorban-reload-probe*",/' "$good" >"$probe"
grep -q 'vendorban-reload-probe' "$probe" || vb_fail "test bug: probe not added"
# The same with a syntax error at the end: must not be applied at all.
broken=$VB_TMP/kaspersky.conf.broken
cp "$probe" "$broken"
printf 'vendorban_test_broken = ;\n' >>"$broken"
broken_line=$(wc -l <"$broken")

# put_ban FILE: replace the root's kaspersky.conf with FILE atomically
# (rename), as an editor or a config manager would.
put_ban() {
        cp "$1" "$ban.vb-new"
        mv -f "$ban.vb-new" "$ban"
}

kesl_deb=$(vb_build_fake_kesl kesl 12.0.0.6672-1)
probe1_deb=$(vb_build_deb vendorban-reload-probe1 1.0 "Test <test@example.org>" /usr/bin/vendorban-reload-probe1)
probe2_deb=$(vb_build_deb vendorban-reload-probe2 1.0 "Test <test@example.org>" /usr/bin/vendorban-reload-probe2)

vb_step "start vendorband with the shipped policy"
vb_start_daemon "$root"
pid=$VB_DAEMON_PID
loaded0=$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_LOADED")
errors0=$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_ERROR")

vb_step "break kaspersky.conf (syntax error at line $broken_line) and send SIGHUP"
put_ban "$broken"
kill -HUP "$pid"

vb_step "a policy-error entry naming kaspersky.conf:$broken_line appears; the daemon keeps running"
errors_more() { [ "$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_ERROR")" -gt "$errors0" ]; }
vb_wait_for -t 5 errors_more || vb_fail "no policy-error entry (MESSAGE_ID=$VB_MID_POLICY_ERROR) after SIGHUP"
vb_journal_json -u vendorband MESSAGE_ID="$VB_MID_POLICY_ERROR" >"$VB_TMP/err.json"
vb_jq_assert "$VB_TMP/err.json" 'any(.[]; .SYSLOG_IDENTIFIER == "vendorband"
        and any(to_entries[]; .value | tostring | contains($where)))' \
        "the policy-error entry does not name kaspersky.conf:$broken_line" --arg where "kaspersky.conf:$broken_line"
sleep 0.5
vb_daemon_alive || vb_fail "vendorband exited on a broken policy reload"
[ "$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_LOADED")" -eq "$loaded0" ] ||
        vb_fail "a policy-loaded entry after reloading a broken policy"

vb_step "the old policy is still in force: probe1 (only in the broken file) is not banned, kesl is"
vb_dpkg_install "$root" "$probe1_deb"
vb_dpkg_install "$root" "$kesl_deb"
# (Checked in the journal: vendorbanctl reads the same broken files.)
vb_wait_for -t 5 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl ||
        vb_fail "kesl installed after the failed reload was not detected within 5 s"
vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=vendorban-reload-probe1 &&
        vb_fail "the broken policy was half-applied: vendorban-reload-probe1 was flagged"

vb_step "fix kaspersky.conf (now banning vendorban-reload-probe*) and send SIGHUP"
put_ban "$probe"
kill -HUP "$pid"
loaded_more() { [ "$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_LOADED")" -gt "$loaded0" ]; }
vb_wait_for -t 5 loaded_more || vb_fail "no policy-loaded entry (MESSAGE_ID=$VB_MID_POLICY_LOADED) after the fix"
vb_daemon_alive || vb_fail "vendorband died on reload"

vb_step "the new policy is in force: probe2 installed now is found"
vb_dpkg_install "$root" "$probe2_deb"
vb_wait_for -t 5 vb_has_finding "$root" '.subject == "package" and .package == "vendorban-reload-probe2"' ||
        vb_fail "vendorban-reload-probe2 was not detected after the good reload"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
