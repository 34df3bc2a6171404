#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vendorband shares its ledger with the auditor group (chown/chmod of the
# ledger and its -wal/-shm) without ever closing a real descriptor of them:
# closing one would drop every POSIX lock SQLite holds on them in the
# daemon, so the next connection (any `vendorbanctl` as root) would truncate
# the -shm the daemon has mapped, and the daemon would die of SIGBUS on its
# next write. Found by the booted system test. Here: the daemon keeps
# running and recording while root's CLI opens the ledger again and again.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

group=
for g in adm staff users; do
        getent group "$g" >/dev/null && { group=$g; break; }
done
[ -n "$group" ] || vb_skip "no group adm, staff or users to stand for vendorban"

root=$(vb_tmproot)
vb_set_conf "$root" auditor_group "\"$group\""

vb_step "start vendorband; the ledger is shared with group $group"
vb_start_daemon "$root"
db=$root/var/lib/vendorban/vendorban.db
vb_wait_for -t 30 test -e "$db-shm" || vb_fail "the daemon has no -shm beside its ledger"
[ "$(stat -c %G "$db")" = "$group" ] || vb_fail "the ledger is not shared with $group: $(stat -c %G "$db")"

vb_step "the daemon still holds SQLite's lock on the -shm (its dead man switch) after sharing it"
shm_ino=$(stat -c %i "$db-shm")
holds_shm_lock() {
        awk -v pid="$VB_DAEMON_PID" -v ino="$shm_ino" \
                '$2 == "POSIX" && $5 == pid { n = split($6, f, ":"); if (f[n] == ino) found = 1 } END { exit !found }' /proc/locks
}
vb_wait_for -t 30 holds_shm_lock || vb_fail "vendorband holds no POSIX lock on $db-shm: its SQLite locks were dropped"

for i in 1 2 3 4 5; do
        vb_step "round $i: root reads the ledger with the CLI, then a banned file lands"
        "$VB_CTL" --root "$root" --json findings >/dev/null || vb_fail "findings failed"
        "$VB_CTL" --root "$root" --json status >/dev/null || true
        mkdir -p "$root/opt/kaspersky/r$i"
        cp /bin/true "$root/opt/kaspersky/r$i/kav"
        vb_wait_for -t 30 vb_has_finding "$root" '.path == $p' --arg p "/opt/kaspersky/r$i/kav" ||
                { vb_daemon_alive || vb_fail "vendorband died (status $VB_DAEMON_RC)"; vb_fail "round $i: no finding"; }
        vb_daemon_alive || vb_fail "vendorband died after round $i"
done

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
