#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl scan` of a root where dpkg installed a fake kesl beside
# benign packages exits 1 and reports exactly kesl's findings (audit mode:
# "would-block", nothing changed on disk); a root with only benign packages
# exits 0 with no findings; `findings --json` lists the finding once, even
# after a second scan; the journal has the finding entry. Once kesl is
# purged, the scan is clean again.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

kesl_version=12.0.0.6672-1

vb_step "build packages: fake kesl, and benign klavaro and hello"
kesl_deb=$(vb_build_fake_kesl kesl "$kesl_version")
klavaro_deb=$(vb_build_deb klavaro 3.13-1 "Debian QA Group <packages@qa.debian.org>" \
        /usr/bin/klavaro "/usr/share/doc/klavaro/README=Klavaro touch typing tutor")
hello_deb=$(vb_build_deb hello 2.10-3 "Santiago Vila <sanvila@debian.org>" /usr/bin/hello)

vb_step "root 1: dpkg -i kesl, klavaro, hello"
r1=$(vb_tmproot)
for deb in "$kesl_deb" "$klavaro_deb" "$hello_deb"; do
        vb_dpkg_install "$r1" "$deb"
done
vb_dpkg "$r1" -s kesl >/dev/null || vb_fail "dpkg does not list kesl as installed in root 1"
before=$(vb_tree_digest "$r1" var/lib/vendorban run tmp)

vb_step "root 1: vendorbanctl scan --json exits 1"
vb_run "$VB_CTL" --root "$r1" --json scan
vb_expect_rc 1
scan1=$VB_TMP/scan1.json
cp "$VB_OUT" "$scan1"
vb_jq_assert "$scan1" '.packages_scanned == 3' "packages_scanned is not 3"
vb_jq_assert "$scan1" '.files_scanned | type == "number"' "files_scanned is not a number"
vb_jq_assert "$scan1" '.findings | length >= 1' "no findings"

vb_step "root 1: a package finding for kesl, blocked by the kaspersky ban, action would-block"
vb_jq_assert "$scan1" 'any(.findings[]; .subject == "package" and .package == "kesl"
        and .version == $v and .arch == $a and .ban == "kaspersky" and .vendor == "Kaspersky"
        and .verdict == "block" and .action == "would-block" and (.indicators | length > 0))' \
        "no package finding for kesl $kesl_version with ban kaspersky, verdict block, action would-block" \
        --arg v "$kesl_version" --arg a "$(vb_arch)"

vb_step "root 1: every finding is kesl's, none is klavaro's or hello's"
vb_jq_assert "$scan1" 'all(.findings[]; .ban == "kaspersky" and (.package == "kesl"
        or ((.path // "") | startswith("/opt/kaspersky/")) or .path == "/lib/systemd/system/kesl.service"))' \
        "a finding that is not kesl's"
vb_jq_assert "$scan1" '[.. | strings | select(test("klavaro|hello"))] | length == 0' \
        "a finding mentions a benign package"
vb_jq_assert "$scan1" '.summary.blocked >= 1 and .summary.blocked + .summary.flagged == (.findings | length)' \
        "summary does not add up to the findings"

vb_step "root 1: audit mode changed nothing on disk"
after=$(vb_tree_digest "$r1" var/lib/vendorban run tmp)
[ "$before" = "$after" ] || vb_fail "files in the root changed: $(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") || true)"

vb_step "root 1: findings --json lists kesl's package finding, mode audit"
f1=$VB_TMP/findings1.json
vb_findings_json "$r1" "$f1"
vb_jq_assert "$f1" '[.findings[] | select(.subject == "package" and .package == "kesl")] | length == 1' \
        "findings does not list exactly one package finding for kesl"
vb_jq_assert "$f1" 'all(.findings[]; .id != null and .mode == "audit" and .first_seen != null and .last_seen != null
        and .ban == "kaspersky" and .verdict == "block")' "a finding lacks id/mode audit/first_seen/last_seen"
vb_jq_assert "$f1" '(.findings | length) == $n' "findings and scan disagree on the number of findings" \
        --argjson n "$(jq '.findings | length' "$scan1")"

vb_step "root 1: a second scan finds the same and the ledger keeps one row per finding"
vb_run "$VB_CTL" --root "$r1" --json scan
vb_expect_rc 1
f2=$VB_TMP/findings2.json
vb_findings_json "$r1" "$f2"
vb_jq_assert "$f2" '(.findings | length) == $n' "the second scan added ledger rows" \
        --argjson n "$(jq '.findings | length' "$f1")"
vb_jq_assert "$f2" '[.findings[] | select(.subject == "package" and .package == "kesl")] | length == 1' \
        "findings lists kesl's package finding more than once"

vb_step "journal: a finding entry for kesl (MESSAGE_ID, ban, package, version, verdict, action)"
if ! vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl; then
        vb_fail "no journal entry MESSAGE_ID=$VB_MID_FINDING VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl"
fi
j=$VB_TMP/journal.json
vb_journal_json MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl >"$j"
vb_jq_assert "$j" 'any(.[]; .VENDORBAN_VERSION == $v and .VENDORBAN_VERDICT == "block"
        and .VENDORBAN_ACTION == "would-block" and .VENDORBAN_VENDOR == "Kaspersky"
        and (.SYSLOG_IDENTIFIER == "vendorbanctl" or .SYSLOG_IDENTIFIER == "vendorband")
        and (.VENDORBAN_INDICATOR // "" | length > 0) and (.VENDORBAN_FINDING // "" | length > 0))' \
        "the journal entry lacks version/verdict/action/vendor/indicator/finding fields" --arg v "$kesl_version"
vb_journal_json MESSAGE_ID="$VB_MID_FINDING" >"$VB_TMP/journal-all.json"
vb_jq_assert "$VB_TMP/journal-all.json" '[.[] | select((.VENDORBAN_PACKAGE // "") | test("klavaro|hello"))] | length == 0' \
        "a journal finding for a benign package"

vb_step "root 1: dpkg --purge kesl; a new scan is clean (exit 0, no findings)"
vb_dpkg_remove "$r1" kesl
[ ! -e "$r1/opt/kaspersky/kesl/bin/kesl" ] || vb_fail "dpkg --purge left kesl's files"
vb_run "$VB_CTL" --root "$r1" --json scan
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.findings == [] and .packages_scanned == 2' "findings after kesl was purged"

vb_step "root 2 (benign packages only): scan exits 0 with no findings"
r2=$(vb_tmproot)
vb_dpkg_install "$r2" "$klavaro_deb"
vb_dpkg_install "$r2" "$hello_deb"
vb_run "$VB_CTL" --root "$r2" --json scan
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.findings == [] and .summary.flagged == 0 and .summary.blocked == 0 and .packages_scanned == 2' \
        "a benign root has findings, or packages_scanned is not 2"
vb_findings_json "$r2" "$VB_TMP/findings-r2.json"
vb_jq_assert "$VB_TMP/findings-r2.json" '.findings == []' "the benign root's ledger has findings"

vb_step "all checks passed"
