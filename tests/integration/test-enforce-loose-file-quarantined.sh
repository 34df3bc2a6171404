#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Enforce mode, a loose file: vendorband runs; an ELF copied to
# ROOT/opt/kaspersky/x/bin/agent (no package owns it) is quarantined within
# 5 s: gone from its path, stored under its sha256 with mode 0, a
# 'quarantined' ledger row, a quarantine journal entry, and a finding whose
# action is "blocked". A benign ELF under ROOT/opt/acme stays untouched.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
qdir=$root/var/lib/vendorban/quarantine
db=$root/var/lib/vendorban/vendorban.db
agent=/opt/kaspersky/x/bin/agent
benign=/opt/acme/bin/tool

vb_step "a benign ELF in ROOT$benign; start vendorband in enforce mode"
mkdir -p "$root/opt/acme/bin" "$root/opt/kaspersky/x/bin"
cp /bin/true "$root$benign"
chmod 0755 "$root$benign"
benign_before=$(vb_tree_digest "$root/opt/acme")
vb_start_daemon "$root"

vb_step "cp an ELF to ROOT$agent (written in place, as cp does)"
sha=$(vb_sha256 /bin/false)
cp /bin/false "$root$agent"

vb_step "within 5 s: gone from its path, in the quarantine under its sha256 with mode 0"
vb_wait_for -t 5 test ! -e "$root$agent" || vb_fail "$agent was not quarantined within 5 s"
vb_wait_for -t 5 test -f "$qdir/$sha" || { ls -la "$qdir" >&2 || true; vb_fail "no $qdir/$sha"; }
[ "$(stat -c '%a %u:%g' "$qdir/$sha")" = "0 0:0" ] || vb_fail "stored copy is $(stat -c '%a %u:%g' "$qdir/$sha")"
[ "$(vb_sha256 "$qdir/$sha")" = "$sha" ] || vb_fail "the stored copy has other content"

vb_step "the ledger row says quarantined, with the original path, mode and sha256"
vb_wait_for -t 5 test "$(sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE state = 'quarantined'")" = 1 ||
        vb_fail "no quarantined row: $(sqlite3 "$db" 'SELECT * FROM quarantine')"
row=$(sqlite3 -separator ' ' "$db" "SELECT path, sha256, stored_name, printf('%o', mode), uid, gid FROM quarantine")
[ "$row" = "$agent $sha $sha 755 0 0" ] || vb_fail "ledger row: $row"
vb_run "$VB_CTL" --root "$root" --json quarantine list
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.quarantine | length == 1 and .[0].path == $p and .[0].state == "quarantined"
        and .[0].mode == "0755"' "quarantine list --json" --arg p "$agent"

vb_step "the journal has the quarantine entry; the finding is blocked"
vb_wait_for -t 5 vb_journal_has -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_ACTION=quarantine \
        VENDORBAN_PATH="$agent" || vb_fail "no quarantine journal entry for $agent"
vb_journal_json -u vendorband VENDORBAN_ACTION=quarantine VENDORBAN_PATH="$agent" >"$VB_TMP/j.json"
vb_jq_assert "$VB_TMP/j.json" 'any(.[]; .MESSAGE_ID == $mid and .VENDORBAN_RESULT == "done"
        and .VENDORBAN_SHA256 == $s and .SYSLOG_IDENTIFIER == "vendorband")' "quarantine journal entry fields" \
        --arg mid "$VB_MID_ACTION" --arg s "$sha"
vb_wait_for -t 5 vb_has_finding "$root" '.subject == "file" and .path == $p and .action == "blocked"' --arg p "$agent" ||
        vb_fail "no blocked finding for $agent"

vb_step "the benign ELF under ROOT/opt/acme is untouched"
[ "$(vb_tree_digest "$root/opt/acme")" = "$benign_before" ] || vb_fail "ROOT/opt/acme changed"
vb_has_finding "$root" '(.path // "") | startswith("/opt/acme")' && vb_fail "a finding for the benign file"
[ "$(find "$qdir" -mindepth 1 | wc -l)" -eq 1 ] || { ls -la "$qdir" >&2; vb_fail "more than one file quarantined"; }

vb_step "the daemon still runs and exits 0 on SIGTERM"
vb_daemon_alive || vb_fail "vendorband died"
vb_stop_daemon

vb_step "all checks passed"
