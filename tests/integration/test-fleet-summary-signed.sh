#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vendorband writes a signed compliance summary (its own MESSAGE_ID) after
# its startup scan, after a scan that found banned software, and after a
# policy reload; the host key is made on first start in the state
# directory with mode 0600 and kept across restarts. `fleet report` over
# the journal verifies the signature; `metrics` gives the same counts in
# the Prometheus text format.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

VB_MID_SUMMARY=cc19fbb22306461f8336d16b8e912f45
root=$(vb_tmproot)
kesl_deb=$(vb_build_fake_kesl kesl 12.0.0.6672-1)
machine=$(cat /etc/machine-id)

summaries() { vb_journal_json MESSAGE_ID=$VB_MID_SUMMARY >"$VB_TMP/s.json"; }
has_summary() { vb_journal_has MESSAGE_ID=$VB_MID_SUMMARY "$@"; }

vb_step "start vendorband: a summary after the startup scan, compliant, signed"
vb_start_daemon "$root"
vb_wait_for -t 20 has_summary VENDORBAN_REASON=scan || vb_fail "no summary entry after the startup scan"
summaries
vb_jq_assert "$VB_TMP/s.json" '.[-1] | .VENDORBAN_COMPLIANT == "yes" and .VENDORBAN_BLOCKED == "0"
        and .VENDORBAN_FLAGGED == "0" and .VENDORBAN_MODE == "audit" and .VENDORBAN_MACHINE == $m
        and (.VENDORBAN_BANS | test("(^|; )kaspersky blocked=0 flagged=0 version=[0-9a-f]{12}(;|$)"))
        and (.VENDORBAN_PUBKEY | test("^[0-9a-f]{64}$")) and (.VENDORBAN_SIGNATURE | test("^[0-9a-f]{128}$"))
        and (.VENDORBAN_POLICY_DIGEST | test("^[0-9a-f]{64}$")) and (.VENDORBAN_RELEASE | length > 0)
        and .PRIORITY == "6" and (.MESSAGE | test("compliant"))' \
        "the first summary lacks a field or is not compliant/unsigned" --arg m "$machine"
key=$root/var/lib/vendorban/host-key.pem
[ -f "$key" ] || vb_fail "no host key at $key"
[ "$(stat -c %a "$key")" = 600 ] || vb_fail "host key mode is $(stat -c %a "$key"), not 600"
pub1=$(jq -r '.[-1].VENDORBAN_PUBKEY' "$VB_TMP/s.json")

vb_step "dpkg -i kesl: a summary that is not compliant, 1 blocked in kaspersky"
vb_dpkg_install "$root" "$kesl_deb"
vb_wait_for -t 20 has_summary VENDORBAN_COMPLIANT=no || vb_fail "no non-compliant summary after dpkg -i kesl"
summaries
vb_jq_assert "$VB_TMP/s.json" '[.[] | select(.VENDORBAN_COMPLIANT == "no")][-1]
        | (.VENDORBAN_BLOCKED | tonumber) >= 1 and (.VENDORBAN_BANS | test("(^|; )kaspersky blocked=[1-9]"))' \
        "the non-compliant summary does not count kesl as blocked"

vb_step "SIGHUP: a summary with reason reload"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 20 has_summary VENDORBAN_REASON=reload || vb_fail "no summary after a policy reload"
t_reload=$(vb_journal_json MESSAGE_ID=$VB_MID_SUMMARY VENDORBAN_REASON=reload | jq -r '.[-1].VENDORBAN_SUMMARY_TIME')
scan_after_reload() {
        vb_journal_json MESSAGE_ID=$VB_MID_SUMMARY VENDORBAN_REASON=scan |
                jq -e --argjson t "$t_reload" 'any(.[]; (.VENDORBAN_SUMMARY_TIME | tonumber) > $t)' >/dev/null
}
vb_wait_for -t 20 scan_after_reload || vb_fail "no summary after the rescan that follows the reload"
summaries
vb_jq_assert "$VB_TMP/s.json" '[.[] | select(.VENDORBAN_REASON == "reload")][-1] as $r
        | [.[] | select((.VENDORBAN_SUMMARY_TIME | tonumber) >= ($r.VENDORBAN_SUMMARY_TIME | tonumber))]
        | length >= 2 and all(.[]; .VENDORBAN_COMPLIANT == "no")' \
        "a summary after the reload says compliant while kesl is installed"

vb_step "metrics: Prometheus text with the same counts, guard state, scan time and policy age"
vb_run "$VB_CTL" --root "$root" metrics
vb_expect_rc 0
grep -qx 'vendorban_compliant 0' "$VB_OUT" || vb_fail "metrics: vendorban_compliant is not 0"
grep -Eq '^vendorban_findings\{ban="kaspersky",verdict="block"\} [1-9]' "$VB_OUT" ||
        vb_fail "metrics: no blocked count for kaspersky"
grep -Eq '^vendorban_last_scan_timestamp_seconds [1-9]' "$VB_OUT" || vb_fail "metrics: no last scan time"
grep -Eq '^vendorban_policy_age_seconds [0-9]+$' "$VB_OUT" || vb_fail "metrics: no policy age"
grep -Eq '^vendorban_guard_active (-1|0|1)$' "$VB_OUT" || vb_fail "metrics: no guard state"
grep -q '^# TYPE vendorban_findings gauge$' "$VB_OUT" || vb_fail "metrics: no TYPE line"

vb_step "restart: the same key signs"
vb_stop_daemon
vb_start_daemon "$root"
vb_wait_for -t 20 has_summary VENDORBAN_REASON=scan _PID="$VB_DAEMON_PID" ||
        vb_fail "no summary from the restarted daemon"
summaries
[ "$(jq -r '.[-1].VENDORBAN_PUBKEY' "$VB_TMP/s.json")" = "$pub1" ] || vb_fail "the public key changed on restart"

vb_step "fleet report over this journal: one host, verified, not compliant"
journalctl --sync
vb_run "$VB_CTL" fleet report --journal-dir "/run/log/journal/$machine" --json
vb_expect_rc 1
vb_jq_assert "$VB_OUT" '.hosts | length == 1' "not one host"
vb_jq_assert "$VB_OUT" '.hosts[0] | .machine_id == $m and .signature == "verified" and .compliant == false
        and .blocked >= 1 and .stale == false and .mode == "audit" and .cloned == false' \
        "the host row is wrong" --arg m "$machine"
vb_stop_daemon
vb_step "all checks passed"
