#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vendorband, running (READY=1 on NOTIFY_SOCKET), sees `dpkg -i` of a fake
# kesl into its root: within 5 s the ledger has a finding for package kesl
# and the journal an entry found by
# `journalctl -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl`.
# A benign package gets no finding. In audit mode the daemon changes
# nothing on disk: the installed files are byte-for-byte and mode-for-mode
# the same afterwards, and it exits 0 on SIGTERM.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

kesl_version=12.0.0.6672-1
root=$(vb_tmproot)
kesl_deb=$(vb_build_fake_kesl kesl "$kesl_version")
hello_deb=$(vb_build_deb hello 2.10-3 "Santiago Vila <sanvila@debian.org>" /usr/bin/hello)
agent_deb=$(vb_build_deb klnagent64 15.0.0-12345 "AO Kaspersky Lab <support@kaspersky.com>" \
        /opt/kaspersky/klnagent64/bin/klnagent)

etc_before=$(vb_tree_digest "$root/etc")

vb_step "start vendorband on an empty root; READY=1 arrives on NOTIFY_SOCKET"
vb_start_daemon "$root"
vb_findings_json "$root" "$VB_TMP/f0.json"
vb_jq_assert "$VB_TMP/f0.json" '.findings == []' "findings before anything was installed"

vb_step "dpkg -i kesl into the root"
vb_dpkg_install "$root" "$kesl_deb"

vb_step "within 5 s: a finding for package kesl in vendorbanctl findings --json"
if ! vb_wait_for -t 5 vb_has_finding "$root" '.subject == "package" and .package == "kesl"'; then
        vb_findings_json "$root" "$VB_TMP/f-fail.json"
        cat "$VB_TMP/f-fail.json" >&2
        vb_fail "no finding for package kesl within 5 s of dpkg -i"
fi
vb_findings_json "$root" "$VB_TMP/f1.json"
vb_jq_assert "$VB_TMP/f1.json" 'any(.findings[]; .subject == "package" and .package == "kesl" and .version == $v
        and .ban == "kaspersky" and .verdict == "block" and .action == "would-block" and .mode == "audit")' \
        "kesl's finding lacks version/ban/verdict block/action would-block/mode audit" --arg v "$kesl_version"

vb_step "within 5 s: journalctl -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl finds the entry"
vb_wait_for -t 5 vb_journal_has -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl ||
        vb_fail "no journal entry for kesl under -u vendorband"
vb_journal_json -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl >"$VB_TMP/j1.json"
vb_jq_assert "$VB_TMP/j1.json" 'any(.[]; .MESSAGE_ID == $mid and .SYSLOG_IDENTIFIER == "vendorband"
        and .OBJECT_SYSTEMD_UNIT == "vendorband.service" and .VENDORBAN_VERSION == $v
        and .VENDORBAN_VERDICT == "block" and .VENDORBAN_ACTION == "would-block"
        and .VENDORBAN_VENDOR == "Kaspersky" and (.MESSAGE // "" | length > 0))' \
        "the journal entry lacks MESSAGE_ID/identity/version/verdict/action/vendor/message" \
        --arg mid "$VB_MID_FINDING" --arg v "$kesl_version"

vb_step "dpkg -i hello (benign), then klnagent64 as a marker that the daemon got past hello"
vb_dpkg_install "$root" "$hello_deb"
vb_dpkg_install "$root" "$agent_deb"
vb_wait_for -t 5 vb_has_finding "$root" '.package == "klnagent64"' ||
        vb_fail "no finding for klnagent64 within 5 s of dpkg -i"

vb_step "no finding for hello; findings are kesl's and klnagent64's only"
vb_findings_json "$root" "$VB_TMP/f2.json"
vb_jq_assert "$VB_TMP/f2.json" 'all(.findings[]; .package != "hello" and ((.path // "") | startswith("/usr/bin/") | not))' \
        "a finding for the benign package hello"
vb_jq_assert "$VB_TMP/f2.json" 'all(.findings[]; .ban == "kaspersky")' "a finding from another ban"
vb_jq_assert "$VB_TMP/f2.json" '[.findings[] | select(.subject == "package" and .package == "kesl")] | length == 1' \
        "kesl's package finding is not listed exactly once"
if vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=hello; then
        vb_fail "a journal finding for hello"
fi

vb_step "the daemon changed nothing on disk (audit mode)"
vb_assert_deb_intact "$root" "$kesl_deb"
vb_assert_deb_intact "$root" "$agent_deb"
vb_assert_deb_intact "$root" "$hello_deb"
[ "$(vb_tree_digest "$root/etc")" = "$etc_before" ] ||
        vb_fail "the daemon changed files under the root's /etc (apt pin, masked unit?)"
[ ! -e "$root/var/lib/vendorban/quarantine" ] || [ -z "$(ls -A "$root/var/lib/vendorban/quarantine")" ] ||
        vb_fail "the quarantine is not empty in audit mode"

vb_step "the daemon is still running; SIGTERM ends it with exit status 0"
vb_daemon_alive || vb_fail "vendorband died"
vb_stop_daemon

vb_step "all checks passed"
