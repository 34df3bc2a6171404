#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: journald stops taking entries (SIGSTOP). vendorband never waits for
# it: 1500 banned files dropped under /opt/kaspersky are all recorded in the
# ledger, a kesl install right after is detected, the daemon answers
# SIGHUP, and once journald runs again the entries that waited reach it and
# the number of entries dropped (the queue is bounded, newest dropped) is
# written once. The ledger has every finding all along.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

VB_MID_JOURNAL_DROPPED=8eee7d7f1a4a4e35ac7f383c9ac0b928
root=$(vb_tmproot)
deb=$(vb_build_fake_kesl)
n=1500

vb_step "start vendorband"
vb_start_daemon "$root"

vb_step "SIGSTOP journald (pid $VB_JOURNALD_PID), then drop $n banned files into /opt/kaspersky/drop"
kill -STOP "$VB_JOURNALD_PID"
mkdir -p "$root/opt/kaspersky/drop"
for i in $(seq 1 "$n"); do
        printf 'x%s\n' "$i" >"$root/opt/kaspersky/drop/f$i"
done

count_files() {
        "$VB_CTL" --root "$root" --json findings >"$VB_TMP/f.json" 2>/dev/null &&
                [ "$(jq '[.findings[] | select(.subject == "file")] | length' "$VB_TMP/f.json")" -ge "$n" ]
}
vb_step "within 30 s, journald still stopped: all $n files are in the ledger"
vb_wait_for -t 30 count_files || vb_fail "the ledger has $(jq '.findings | length' "$VB_TMP/f.json") file findings, expected $n"

vb_step "install kesl: detected within 30 s, journald still stopped"
vb_dpkg_install "$root" "$deb"
vb_wait_for -t 30 vb_has_finding "$root" '.package == "kesl"' || vb_fail "kesl was not detected while journald was stopped"

vb_step "SIGHUP is answered (RELOADING=1 then READY=1 again)"
ready_before=$(grep -cx 'READY=1' "$VB_NOTIFY_LOG")
ready_again() {
        [ "$(grep -cx 'READY=1' "$VB_NOTIFY_LOG")" -gt "$ready_before" ]
}
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 30 ready_again ||
        vb_fail "no READY=1 after SIGHUP while journald was stopped"
vb_daemon_alive_or_fail "while journald was stopped"

vb_step "SIGCONT journald: the entries that waited arrive, and one entry counts the dropped ones"
kill -CONT "$VB_JOURNALD_PID"
vb_wait_for -t 30 vb_journal_has -u vendorband VENDORBAN_PATH=/opt/kaspersky/drop/f100 MESSAGE_ID="$VB_MID_FINDING" ||
        vb_fail "the entries queued while journald was stopped never reached it"
vb_wait_for -t 30 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_JOURNAL_DROPPED" ||
        vb_fail "no entry counting the dropped journal entries"
vb_journal_json -u vendorband MESSAGE_ID="$VB_MID_JOURNAL_DROPPED" >"$VB_TMP/d.json"
vb_jq_assert "$VB_TMP/d.json" 'length == 1 and (.[0].VENDORBAN_DROPPED | tonumber) > 0' \
        "expected one drop entry with VENDORBAN_DROPPED > 0"
jq -r '.[0].MESSAGE' "$VB_TMP/d.json"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
