#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: vendorban.db deleted while vendorband runs (enforce mode). The
# daemon notices (device and inode), recreates the ledger at its path from
# the copy it still has open, says so, and goes on: the quarantine row made
# before the deletion and the one made after are both in the new ledger,
# and `vendorbanctl quarantine restore` gives the first file back. Then the
# ledger replaced by another (empty) database: reopened, and given the
# quarantine rows it lacked.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
db=$root/var/lib/vendorban/vendorban.db
first=/opt/kaspersky/a/bin/first
second=/opt/kaspersky/b/bin/second
third=/opt/kaspersky/c/bin/third
mkdir -p "$root/opt/kaspersky/a/bin" "$root/opt/kaspersky/b/bin" "$root/opt/kaspersky/c/bin"

quarantined() {
        "$VB_CTL" --root "$root" --json quarantine list >"$VB_TMP/q.json" 2>/dev/null &&
                jq -e --arg p "$1" 'any(.quarantine[]; .path == $p and .state == "quarantined")' "$VB_TMP/q.json" >/dev/null
}

vb_step "start vendorband in enforce mode; an ELF at $first is quarantined"
vb_start_daemon "$root"
vb_wait_scan_done startup 1 || vb_fail "no startup scan entry"
cp /bin/false "$root$first"
vb_wait_for -t 10 quarantined "$first" || vb_fail "$first was not quarantined"

vb_step "rm vendorban.db, then an ELF at $second"
rm -f "$db"
{ cat /bin/true; printf 'second'; } >"$root$second"
chmod 755 "$root$second"

vb_step "within 10 s: the ledger is back at its path with both quarantine rows, and the journal says so"
vb_wait_for -t 10 test -f "$db" || vb_fail "no ledger at $db"
vb_wait_for -t 10 quarantined "$second" || vb_fail "$second is not in the ledger's quarantine list"
quarantined "$first" || { cat "$VB_TMP/q.json" >&2; vb_fail "the row of $first made before the deletion was lost"; }
vb_wait_for -t 10 vb_journal_grep 'ledger .* was deleted while vendorband ran; recreated it' -u vendorband ||
        vb_fail "no journal entry about the recreated ledger"

vb_step "vendorbanctl quarantine restore gives $first back"
id=$(jq -r --arg p "$first" '.quarantine[] | select(.path == $p) | .id' "$VB_TMP/q.json")
vb_run "$VB_CTL" --root "$root" quarantine restore "$id"
vb_expect_rc 0
[ -f "$root$first" ] || vb_fail "$first was not restored"

vb_step "replace vendorban.db with an empty database, then an ELF at $third"
rm -f "$db.new"
sqlite3 "$db.new" 'PRAGMA user_version = 0;'
mv -f "$db.new" "$db"
{ cat /bin/true; printf 'third'; } >"$root$third"
chmod 755 "$root$third"
vb_wait_for -t 10 quarantined "$third" || vb_fail "$third is not in the reopened ledger's quarantine list"
quarantined "$second" || { cat "$VB_TMP/q.json" >&2; vb_fail "the row of $second was lost with the replaced ledger"; }
vb_wait_for -t 10 vb_journal_grep 'was replaced by another file while vendorband ran; reopened it' -u vendorband ||
        vb_fail "no journal entry about the reopened ledger"
ls "$db".replaced-* >/dev/null || vb_fail "the previous ledger was not kept aside"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
