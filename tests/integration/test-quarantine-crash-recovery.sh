#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A crash in the middle of a quarantine is repaired at the next start, and
# the ledger then matches the disk. vendorband (enforce mode) is killed
# with SIGKILL at the two dangerous points, made deterministic by the test
# hook VENDORBAN_TEST_CRASH (lib/enforce.c):
#   after-ledger: the row is committed 'pending', the file not yet touched.
#     Next start: the row becomes 'rolled-back', and the reconcile
#     quarantines the file again under a new row.
#   after-move: the file is in the quarantine directory, the row still
#     'pending'. Next start: the row becomes 'quarantined'; nothing lost.
# Either way the file is in the quarantine exactly once.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
# shellcheck disable=SC2015 # A && B || vb_fail: vb_fail only when the check fails
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
command -v sqlite3 >/dev/null || vb_skip "sqlite3 is not installed"

agent=/opt/kaspersky/x/bin/agent

# crash_at POINT: a fresh enforce-mode root; vendorband started with
# VENDORBAN_TEST_CRASH=POINT; a banned ELF dropped in; the daemon must die
# of SIGKILL. Sets root, db, qdir, sha.
crash_at() {
        root=$(vb_tmproot)
        vb_set_mode "$root" enforce
        db=$root/var/lib/vendorban/vendorban.db
        qdir=$root/var/lib/vendorban/quarantine
        mkdir -p "$root/opt/kaspersky/x/bin"
        # Staged on the same file system but outside the watched paths.
        cp /bin/true "$root/tmp/agent"
        chmod 0755 "$root/tmp/agent"
        sha=$(vb_sha256 "$root/tmp/agent")

        export VENDORBAN_TEST_CRASH=$1
        vb_start_daemon "$root"
        unset VENDORBAN_TEST_CRASH
        mv "$root/tmp/agent" "$root$agent"
        vb_wait_daemon_died 10
        [ "$VB_DAEMON_RC" -eq 137 ] || vb_fail "vendorband exited with status $VB_DAEMON_RC, not by SIGKILL (137)"
}

# rows: the quarantine ledger as "id state path stored_name" lines.
rows() {
        sqlite3 -separator ' ' "$db" 'SELECT id, state, path, stored_name FROM quarantine ORDER BY id'
}

# stored_count: files in the quarantine directory (temporary copies included).
stored_count() {
        find "$qdir" -mindepth 1 | wc -l
}

vb_step "after-ledger: vendorband dies of SIGKILL with the row written and the file untouched"
crash_at after-ledger
[ "$(rows)" = "1 pending $agent $sha" ] || vb_fail "ledger after the crash: $(rows)"
[ -f "$root$agent" ] && [ "$(vb_sha256 "$root$agent")" = "$sha" ] || vb_fail "the file moved before the crash"
[ ! -d "$qdir" ] || [ "$(stored_count)" -eq 0 ] || { ls -la "$qdir" >&2; vb_fail "the quarantine is not empty"; }

vb_step "after-ledger: start again; the row is rolled back, a new row quarantines the file"
vb_start_daemon "$root"
vb_wait_for -t 5 test ! -e "$root$agent" || vb_fail "the file was not quarantined after the restart"
vb_wait_for -t 5 test "$(rows | wc -l)" -eq 2 || vb_fail "ledger after the restart: $(rows)"
expected="1 rolled-back $agent $sha
2 quarantined $agent $sha"
[ "$(rows)" = "$expected" ] || vb_fail "ledger after the restart: $(rows)"
[ "$(stored_count)" -eq 1 ] || { ls -la "$qdir" >&2; vb_fail "the file is not in the quarantine exactly once"; }
[ -f "$qdir/$sha" ] && [ "$(stat -c '%a' "$qdir/$sha")" = 0 ] || vb_fail "no $qdir/$sha with mode 0"
[ "$(vb_sha256 "$qdir/$sha")" = "$sha" ] || vb_fail "the stored copy has other content"
vb_journal_json -u vendorband MESSAGE_ID="$VB_MID_DAEMON" >"$VB_TMP/j.json"
vb_jq_assert "$VB_TMP/j.json" 'any(.[]; .MESSAGE | startswith("Repaired "))' "no journal entry for the repair"
vb_stop_daemon

vb_step "after-move: vendorband dies of SIGKILL with the file moved and the row pending"
crash_at after-move
[ "$(rows)" = "1 pending $agent $sha" ] || vb_fail "ledger after the crash: $(rows)"
[ ! -e "$root$agent" ] || vb_fail "the file is still at its path"
[ "$(stored_count)" -eq 1 ] && [ "$(vb_sha256 "$qdir/$sha")" = "$sha" ] ||
        { ls -la "$qdir" >&2; vb_fail "the moved file is not in the quarantine"; }

vb_step "after-move: start again; the row becomes quarantined, the file is not lost"
vb_start_daemon "$root"
[ "$(rows)" = "1 quarantined $agent $sha" ] || vb_fail "ledger after the restart: $(rows)"
[ ! -e "$root$agent" ] || vb_fail "the file reappeared at its path"
[ "$(stored_count)" -eq 1 ] || { ls -la "$qdir" >&2; vb_fail "the file is not in the quarantine exactly once"; }
[ "$(stat -c '%a %u:%g' "$qdir/$sha")" = "0 0:0" ] || vb_fail "the stored copy is $(stat -c '%a %u:%g' "$qdir/$sha")"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check;')" = ok ] || vb_fail "the ledger is damaged"
vb_run "$VB_CTL" --root "$root" --json quarantine list
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.quarantine | length == 1 and .[0].state == "quarantined" and (.[0].moved | type == "string")' \
        "quarantine list after recovery"

vb_step "and it can be restored"
vb_stop_daemon
vb_run "$VB_CTL" --root "$root" quarantine restore 1
vb_expect_rc 0
[ "$(vb_sha256 "$root$agent")" = "$sha" ] && [ "$(stat -c '%a %u:%g' "$root$agent")" = "755 0:0" ] ||
        vb_fail "the restored file differs"
[ "$(rows)" = "1 restored $agent $sha" ] || vb_fail "ledger after the restore: $(rows)"

vb_step "all checks passed"
