#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A package installed while vendorband was not running is found by its
# startup reconcile scan (run in the work thread, after READY=1): the
# finding is in the ledger once the scan is done, with its journal entry.
# Restarting does not duplicate it.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
kesl_version=12.0.0.6672-1

vb_step "dpkg -i kesl and hello while no daemon runs"
kesl_deb=$(vb_build_fake_kesl kesl "$kesl_version")
hello_deb=$(vb_build_deb hello 2.10-3 "Santiago Vila <sanvila@debian.org>" /usr/bin/hello)
vb_dpkg_install "$root" "$kesl_deb"
vb_dpkg_install "$root" "$hello_deb"

vb_step "start vendorband; as soon as its startup scan is done, the kesl finding is in the ledger"
vb_start_daemon "$root"
vb_wait_scan_done startup 1 || vb_fail "no startup scan entry within 30 s"
vb_findings_json "$root" "$VB_TMP/f1.json"
vb_jq_assert "$VB_TMP/f1.json" 'any(.findings[]; .subject == "package" and .package == "kesl" and .version == $v
        and .ban == "kaspersky" and .verdict == "block" and .action == "would-block")' \
        "no kesl finding after the startup reconcile" --arg v "$kesl_version"
vb_jq_assert "$VB_TMP/f1.json" 'all(.findings[]; .package != "hello")' "a finding for hello"

vb_step "the journal has the finding entry"
vb_wait_for -t 5 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl ||
        vb_fail "no journal entry for kesl from the startup reconcile"

vb_step "restart: the reconcile finds kesl again but the ledger keeps one row for it"
vb_stop_daemon
vb_start_daemon "$root"
vb_wait_scan_done startup 2 || vb_fail "no second startup scan entry within 30 s"
vb_findings_json "$root" "$VB_TMP/f2.json"
vb_jq_assert "$VB_TMP/f2.json" '[.findings[] | select(.subject == "package" and .package == "kesl")] | length == 1' \
        "kesl's package finding is not listed exactly once after a restart"
vb_jq_assert "$VB_TMP/f2.json" '(.findings | length) == $n' "the restart added ledger rows" \
        --argjson n "$(jq '.findings | length' "$VB_TMP/f1.json")"
vb_stop_daemon

vb_step "all checks passed"
