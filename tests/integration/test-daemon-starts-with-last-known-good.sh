#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Last known good: vendorband keeps the last policy it compiled in its
# ledger. Started with a broken /etc policy, it runs that policy instead of
# refusing to start, says so loudly (notify STATUS, a journal entry with
# its own MESSAGE_ID, `status` policy.source "last-known-good") and still
# finds a banned file. A host that never had a good policy refuses to
# start. Once the files are fixed, SIGHUP brings back "files".
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
mid_lkg=4f76cffd9f4548968c4aa529005d5cc0

root=$(vb_tmproot)
ban=$root/etc/vendorban/bans.d/kaspersky.conf
cp "$ban" "$VB_TMP/kaspersky.conf.good"
path=/opt/kaspersky/kesl/bin/kesl

vb_step "a host that never had a good policy: a broken policy, no ledger: vendorband refuses to start"
fresh=$(vb_tmproot)
printf 'broken = ;\n' >>"$fresh/etc/vendorban/bans.d/kaspersky.conf"
vb_run timeout 30 "$VB_DAEMON" --root "$fresh"
[ "$VB_RC" -ne 0 ] && [ "$VB_RC" -ne 124 ] || { vb_show_last; vb_fail "vendorband started (or hung) with no good policy ever: $VB_RC"; }
grep -q "kaspersky.conf:[0-9]*: " "$VB_ERR" || { vb_show_last; vb_fail "no file:line for the broken policy"; }

vb_step "start vendorband once with the good policy (compiled into the ledger), stop it"
vb_start_daemon "$root"
vb_stop_daemon

vb_step "break /etc/vendorban/bans.d/kaspersky.conf (syntax error) and start vendorband again"
printf 'broken = ;\n' >>"$ban"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 2
vb_start_daemon "$root"

vb_step "it says so loudly: notify STATUS, a journal entry of its own, status policy.source"
grep -q '^STATUS=LAST-KNOWN-GOOD policy' "$VB_NOTIFY_LOG" || { cat "$VB_NOTIFY_LOG" >&2; vb_fail "no LAST-KNOWN-GOOD notify STATUS"; }
vb_wait_for -t 10 vb_journal_has -u vendorband MESSAGE_ID="$mid_lkg" PRIORITY=2 ||
        vb_fail "no last-known-good journal entry (MESSAGE_ID=$mid_lkg, priority crit)"
vb_journal_grep 'kaspersky.conf:[0-9]+: .*LAST-KNOWN-GOOD' -u vendorband MESSAGE_ID="$mid_lkg" ||
        vb_fail "the last-known-good entry does not name the broken file:line"
vb_run "$VB_CTL" --root "$root" --json status
jq -e '.policy.source == "last-known-good" and (.policy.source_digest | length == 64) and .daemon.running' "$VB_OUT" >/dev/null ||
        { vb_show_last; vb_fail "status --json: policy.source is not last-known-good"; }
vb_run "$VB_CTL" --root "$root" status
grep -q '^source: *LAST-KNOWN-GOOD' "$VB_OUT" || { vb_show_last; vb_fail "status does not say LAST-KNOWN-GOOD"; }

vb_step "the last-known-good policy is enforced: a banned file copied to $path is found"
mkdir -p "$root$(dirname "$path")"
cp /bin/true "$root$path"
vb_wait_for -t 20 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PATH="$path" ||
        vb_fail "no finding for $path under the last-known-good policy"
vb_wait_for -t 10 vb_has_finding "$root" '.subject == "file" and .path == $p and .ban == "kaspersky"' --arg p "$path" ||
        vb_fail "no ledger finding for $path"

vb_step "fix the file, SIGHUP: the files' policy is in force again"
cp "$VB_TMP/kaspersky.conf.good" "$ban"
kill -HUP "$VB_DAEMON_PID"
source_files() {
        "$VB_CTL" --root "$root" --json status 2>/dev/null | jq -e '.policy.source == "files"' >/dev/null
}
vb_wait_for -t 20 source_files || vb_fail "status still not 'files' after fixing the policy and SIGHUP"
vb_stop_daemon

vb_step "all checks passed"
