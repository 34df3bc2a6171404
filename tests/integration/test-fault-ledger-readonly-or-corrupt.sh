#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: a ledger vendorband cannot use. (a) The database file is garbage:
# vendorband starts all the same, logs a critical entry that names the file,
# says what is wrong and how to recover (move it aside), keeps detecting
# (journal entries for an install) and never deletes or truncates the file.
# (b) The state directory is a read-only mount holding a good ledger: the
# same, running, detecting through the journal, saying what is wrong.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
command -v sqlite3 >/dev/null || vb_skip "sqlite3 is not installed"

deb=$(vb_build_fake_kesl)

# ---- (a) corrupt
root=$(vb_tmproot)
state=$root/var/lib/vendorban
db=$state/vendorban.db

vb_step "(a) ROOT/var/lib/vendorban/vendorban.db is 64 KiB of garbage"
head -c 65536 /dev/urandom >"$db"
sum=$(vb_sha256 "$db")

vb_step "(a) vendorband starts (READY=1) on the corrupt ledger"
vb_start_daemon "$root"

vb_step "(a) a critical journal entry names the file, says what is wrong and to move it aside"
vb_wait_for -t 10 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_DAEMON" PRIORITY=2 ||
        vb_fail "no critical entry about the corrupt ledger"
vb_journal_query -o cat -u vendorband MESSAGE_ID="$VB_MID_DAEMON" PRIORITY=2 >"$VB_TMP/crit.txt"
cat "$VB_TMP/crit.txt"
grep -Fq "$db" "$VB_TMP/crit.txt" || vb_fail "the critical entry does not name $db"
grep -Eiq 'not a database|malformed|corrupt|damaged' "$VB_TMP/crit.txt" || vb_fail "the entry does not say the file is not a database"
grep -Eiq 'move .*aside' "$VB_TMP/crit.txt" || vb_fail "the entry does not say how to recover (move the file aside)"

vb_step "(a) install kesl: the finding reaches the journal"
vb_dpkg_install "$root" "$deb"
vb_wait_for -t 10 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl ||
        vb_fail "no journal entry for kesl with a corrupt ledger"
vb_daemon_alive_or_fail "with a corrupt ledger"

vb_step "(a) the corrupt file is still there, byte for byte (never deleted or truncated)"
[ -f "$db" ] || vb_fail "$db was deleted"
[ "$(stat -c %s "$db")" -eq 65536 ] || vb_fail "$db changed size: $(stat -c %s "$db")"
[ "$(vb_sha256 "$db")" = "$sum" ] || vb_fail "$db was rewritten"

vb_step "(a) vendorbanctl status says the ledger cannot be read (exit 2), and does not touch it"
vb_run "$VB_CTL" --root "$root" status
vb_expect_rc 2
grep -Fq "$db" "$VB_ERR" || { vb_show_last; vb_fail "status does not name the ledger"; }
[ "$(vb_sha256 "$db")" = "$sum" ] || vb_fail "status rewrote $db"

vb_step "(a) recover as told: move the file aside, SIGHUP: a new ledger with the kesl finding"
mv "$db" "$db.broken"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 15 vb_has_finding "$root" '.package == "kesl"' || vb_fail "no kesl finding in the new ledger after SIGHUP"
vb_stop_daemon
[ "$(vb_sha256 "$db.broken")" = "$sum" ] || vb_fail "the moved-aside file changed"

# ---- (b) read-only
root=$(vb_tmproot)
state=$root/var/lib/vendorban
db=$state/vendorban.db

vb_step "(b) a tmpfs on ROOT/var/lib/vendorban with a good ledger (vendorbanctl scan), then remounted read-only"
mount -t tmpfs -o size=8m,mode=0700 vendorban-tests-state "$state" || vb_fail "cannot mount a tmpfs on $state"
VB_MOUNTS+=("$state")
vb_run "$VB_CTL" --root "$root" scan
vb_expect_rc 0
[ -f "$db" ] || vb_fail "vendorbanctl scan made no ledger"
mount -o remount,ro "$state" || vb_fail "cannot remount $state read-only"
sum=$(vb_sha256 "$db")
touch "$state/x" 2>/dev/null && vb_fail "$state is still writable"

vb_step "(b) vendorband starts on the read-only ledger"
vb_start_daemon "$root"

vb_step "(b) a journal entry says the ledger cannot be used or written, naming the cause"
vb_wait_for -t 10 vb_journal_grep "ledger $root.*read-only" -u vendorband MESSAGE_ID="$VB_MID_DAEMON" ||
        vb_fail "no entry saying the ledger is on a read-only file system"
vb_journal_query -o cat -u vendorband MESSAGE_ID="$VB_MID_DAEMON" | grep -F "$root"

vb_step "(b) install kesl: the finding reaches the journal"
n0=$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl)
vb_dpkg_install "$root" "$deb"
more_kesl() { [ "$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl)" -gt "$n0" ]; }
vb_wait_for -t 10 more_kesl || vb_fail "no journal entry for kesl with a read-only ledger"
vb_daemon_alive_or_fail "with a read-only ledger"
vb_stop_daemon
[ "$(vb_sha256 "$db")" = "$sum" ] || vb_fail "$db changed on a read-only mount?"

vb_step "all checks passed"
