#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: the state directory's file system is full (SQLITE_FULL / ENOSPC).
# ROOT/var/lib/vendorban is a small tmpfs; vendorband creates its ledger
# there and stops; a filler file takes every free block; vendorband starts
# again and kesl is installed.
# vendorband keeps running, the finding reaches the journal, the failure is
# logged (saying the file system is full); once space is freed the ledger
# passes PRAGMA integrity_check and a rescan (SIGHUP) records the finding.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
command -v sqlite3 >/dev/null || vb_skip "sqlite3 is not installed"

root=$(vb_tmproot)
state=$root/var/lib/vendorban
db=$state/vendorban.db
deb=$(vb_build_fake_kesl)

vb_step "a 512 KiB tmpfs on ROOT/var/lib/vendorban"
mount -t tmpfs -o size=512k,mode=0700 vendorban-tests-state "$state" || vb_fail "cannot mount a tmpfs on $state"
VB_MOUNTS+=("$state")

vb_step "start vendorband (it creates the ledger on the small file system)"
vb_start_daemon "$root"
[ -f "$db" ] || vb_fail "no ledger at $db"
printf '  ledger: %s bytes; file system: %s KiB used\n' "$(stat -c %s "$db")" "$(df --output=used -k "$state" | tail -n1 | tr -d ' ')"

vb_step "stop it (the WAL is checkpointed and removed), fill the file system (dd until ENOSPC), start it again"
vb_stop_daemon
dd if=/dev/zero of="$state/filler" bs=4096 status=none 2>/dev/null || true
[ "$(df --output=avail -B1 "$state" | tail -n1 | tr -d ' ')" -lt 4096 ] || vb_fail "the file system is not full"
vb_start_daemon "$root"

vb_step "install kesl: the finding reaches the journal though the ledger cannot grow"
vb_dpkg_install "$root" "$deb"
vb_wait_for -t 20 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl ||
        vb_fail "no journal entry for kesl with a full state file system"
vb_daemon_alive_or_fail "with a full state file system"

vb_step "an error entry says the ledger could not be written because the file system is full"
vb_wait_for -t 10 vb_journal_grep 'ledger.*(full|space)' -u vendorband MESSAGE_ID="$VB_MID_DAEMON" ||
        vb_fail "no entry saying the ledger's file system is full"
vb_journal_query -o cat -u vendorband MESSAGE_ID="$VB_MID_DAEMON" | grep -Ei 'full|space' | head -n 3

vb_step "a periodic-style rescan (SIGHUP) while still full: still running"
kill -HUP "$VB_DAEMON_PID"
sleep 1
vb_daemon_alive_or_fail "after SIGHUP with a full state file system"

vb_step "free the space: the ledger passes PRAGMA integrity_check"
rm -f "$state/filler"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check;')" = ok ] || vb_fail "the ledger is damaged after ENOSPC"

vb_step "SIGHUP: the rescan records the kesl finding"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 20 vb_has_finding "$root" '.package == "kesl" and .ban == "kaspersky"' ||
        vb_fail "no kesl finding in the ledger after space was freed"

vb_step "SIGTERM: exit status 0; the ledger is still sound"
vb_stop_daemon
[ "$(sqlite3 "$db" 'PRAGMA integrity_check;')" = ok ] || vb_fail "the ledger is damaged"

vb_step "all checks passed"
