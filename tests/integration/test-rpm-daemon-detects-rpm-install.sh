#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vendorband watches the rpm database: a live `rpm -i` of a kesl rpm into
# its root gives, within 10 s, a package finding with source rpm in the
# ledger and VENDORBAN_SOURCE=rpm in the journal; a benign rpm installed
# before it gets none. The daemon's own reads of the database wake it no
# further (no finding rows multiply, no busy loop: it idles between
# events). A kesl rpm already installed when the daemon starts is found by
# the reconcile at start.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rpm-lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
vb_rpm_setup

kesl=$(vb_build_rpm kesl 12.0.0.6672-1 "AO Kaspersky Lab" "" /usr/lib/kesl-test/bin/kesl)
agent=$(vb_build_rpm klnagent64 15.0.0-12345 "AO Kaspersky Lab" "" /usr/lib/klnagent-test/bin/klnagent)
hello=$(vb_build_rpm hello 2.12.1-1 "Fedora Project" "" /usr/bin/hello)

root=$(vb_tmproot)
vb_rpm_initdb "$root"
vb_rpm_install "$root" "$agent"

vb_step "start vendorband: the reconcile at start finds klnagent64 (installed before it started)"
vb_start_daemon "$root"
vb_wait_for -t 30 vb_has_finding "$root" '.package == "klnagent64" and .source == "rpm"' ||
        vb_fail "no finding for klnagent64 after the start"

vb_step "rpm -i hello (benign), then kesl, with the daemon running"
vb_rpm_install "$root" "$hello"
vb_rpm_install "$root" "$kesl"

vb_step "within 10 s: a package finding for kesl, source rpm"
if ! vb_wait_for -t 10 vb_has_finding "$root" '.subject == "package" and .package == "kesl" and .source == "rpm"'; then
        vb_findings_json "$root" "$VB_TMP/f-fail.json"
        cat "$VB_TMP/f-fail.json" >&2
        vb_fail "no finding for the rpm kesl within 10 s of rpm -i"
fi
vb_wait_for -t 10 vb_journal_has -u vendorband VENDORBAN_PACKAGE=kesl VENDORBAN_SOURCE=rpm ||
        vb_fail "no journal entry for kesl with VENDORBAN_SOURCE=rpm"
vb_findings_json "$root" "$VB_TMP/f1.json"
vb_jq_assert "$VB_TMP/f1.json" 'all(.findings[]; .package != "hello")' "a finding for the benign rpm hello"
vb_jq_assert "$VB_TMP/f1.json" 'any(.findings[]; .package == "kesl" and .verdict == "block" and .action == "would-block")' \
        "kesl's finding is not a would-block"

vb_step "the daemon's own reads of the rpm database do not wake it again"
scans() { vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_SCAN_DONE"; }
n1=$(vb_journal_count -u vendorband VENDORBAN_PACKAGE=kesl)
# A marker that the daemon handled everything so far: a loose file event.
mkdir -p "$root/opt/kaspersky/marker"
cp /bin/true "$root/opt/kaspersky/marker/one"
vb_wait_for -t 10 vb_has_finding "$root" '.path == "/opt/kaspersky/marker/one"' || vb_fail "the marker file was not seen"
cpu1=$(awk '{ print $14 + $15 }' "/proc/$VB_DAEMON_PID/stat")
cp /bin/true "$root/opt/kaspersky/marker/two"
vb_wait_for -t 10 vb_has_finding "$root" '.path == "/opt/kaspersky/marker/two"' || vb_fail "the second marker was not seen"
cpu2=$(awk '{ print $14 + $15 }' "/proc/$VB_DAEMON_PID/stat")
printf '  daemon CPU ticks between the markers: %s\n' "$((cpu2 - cpu1))"
n2=$(vb_journal_count -u vendorband VENDORBAN_PACKAGE=kesl)
[ "$n1" = "$n2" ] || vb_fail "kesl's journal entries grew from $n1 to $n2 without a new install"
vb_findings_json "$root" "$VB_TMP/f2.json"
vb_jq_assert "$VB_TMP/f2.json" '[.findings[] | select(.package == "kesl")] | length == 1' \
        "kesl's package finding is listed more than once"
: "$(scans)"

vb_stop_daemon
vb_step "all checks passed"
