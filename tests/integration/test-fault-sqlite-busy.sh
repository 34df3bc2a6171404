#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: another process holds the ledger's write lock (sqlite3 CLI,
# BEGIN IMMEDIATE, kept open) while a banned package is installed.
# vendorband must neither hang nor crash: the finding still reaches the
# journal, the journal says the ledger is busy, and once the lock is gone a
# rescan (SIGHUP) records the finding in the ledger.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
command -v sqlite3 >/dev/null || vb_skip "sqlite3 is not installed"

root=$(vb_tmproot)
db=$root/var/lib/vendorban/vendorban.db
deb=$(vb_build_fake_kesl)

# A probe that fails while someone else holds the write lock.
lock_free() {
        sqlite3 -cmd '.timeout 0' "$db" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1
}

vb_step "start vendorband on an empty root (it creates the ledger)"
vb_start_daemon "$root"
[ -f "$db" ] || vb_fail "no ledger at $db"

vb_step "a concurrent writer takes the ledger's write lock (BEGIN IMMEDIATE) and keeps it"
mkfifo "$VB_TMP/sql.fifo"
vb_spawn "$VB_TMP/sqlite3.log" bash -c 'exec sqlite3 "$1" <"$2"' _ "$db" "$VB_TMP/sql.fifo"
holder=$VB_LAST_PID
exec 9>"$VB_TMP/sql.fifo"
printf 'BEGIN IMMEDIATE;\n' >&9
vb_wait_for -t 5 bash -c '! sqlite3 -cmd ".timeout 0" "$1" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1' _ "$db" ||
        vb_fail "the concurrent writer did not get the lock"

vb_step "install kesl with dpkg while the ledger is locked"
t0=$(vb_now_usec)
vb_dpkg_install "$root" "$deb"

vb_step "within 30 s: the finding for kesl reaches the journal anyway"
vb_wait_for -t 30 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl ||
        vb_fail "no journal entry for kesl while the ledger was locked"
t1=$(vb_now_usec)
printf '  finding reached the journal %d ms after the install\n' $(((t1 - t0) / 1000))
vb_daemon_alive_or_fail "after the install with a locked ledger"

vb_step "the journal says the ledger is busy / locked"
vb_wait_for -t 10 vb_journal_grep 'busy|locked' -u vendorband MESSAGE_ID="$VB_MID_DAEMON" ||
        vb_fail "no journal entry saying the ledger is busy"

vb_step "the loop still answers while the lock is held: SIGHUP gets a policy entry (loaded or error)"
policy_entries() {
        echo $(($(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_LOADED") +
                $(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_ERROR")))
}
n0=$(policy_entries)
kill -HUP "$VB_DAEMON_PID"
more_policy_entries() { [ "$(policy_entries)" -gt "$n0" ]; }
vb_wait_for -t 30 more_policy_entries || vb_fail "SIGHUP was not answered within 30 s while the ledger was locked"
vb_daemon_alive_or_fail "after SIGHUP with a locked ledger"

vb_step "release the lock (the writer rolls back and quits)"
printf 'ROLLBACK;\n.quit\n' >&9
exec 9>&-
vb_wait_for -t 10 _vb_pid_gone "$holder" || vb_fail "sqlite3 did not quit"
vb_reap "$holder" >/dev/null
vb_wait_for -t 5 lock_free || vb_fail "the lock is still held"

vb_step "SIGHUP: the rescan records the kesl finding in the ledger"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 20 vb_has_finding "$root" '.package == "kesl" and .ban == "kaspersky"' ||
        vb_fail "no kesl finding in the ledger after the lock was released and a rescan ran"

vb_step "sqlite3 PRAGMA integrity_check: ok"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check;')" = ok ] || vb_fail "the ledger is damaged"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
