#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/demo (run by scripts/run) shows a first finding without Kaspersky:
# the scan's would-block, explain's authority and indicators, the journal
# entry's fields, and enforce mode's quarantine, masked unit and APT pin;
# then it removes its throwaway root. It never writes this test's journal.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

vb_step "run scripts/demo"
out=$VB_TMP/demo.out
TMPDIR=$VB_TMP "$VB_SOURCE_ROOT/scripts/demo" >"$out" 2>&1 || { cat "$out"; vb_fail "scripts/demo failed"; }
for want in 'would-block' 'authority: US Department of Commerce' 'maintainer \*@kaspersky.com\*' \
        'VENDORBAN_BAN=kaspersky' 'VENDORBAN_ACTION=would-block' 'quarantined  /opt/kaspersky/kesl/bin/kesld' \
        'kesl.service -> /dev/null' 'Pin-Priority: -1' 'Package: kesl'; do
        grep -q -- "$want" "$out" || { cat "$out"; vb_fail "the demo does not show '$want'"; }
done
droot=$(sed -n 's/^== A throwaway root (ROOT=\([^)]*\)).*/\1/p' "$out")
[ -n "$droot" ] || vb_fail "the demo does not name its throwaway root"
[ ! -e "$droot" ] || vb_fail "the demo left its throwaway root $droot"
[ "$(vb_journal_count MESSAGE_ID="$VB_MID_FINDING")" -eq 0 ] || vb_fail "the demo wrote a finding to this journal"

vb_step "all checks passed"
