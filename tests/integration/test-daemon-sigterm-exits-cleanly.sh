#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vendorband under the notify protocol: READY=1 and STATUS= lines on
# NOTIFY_SOCKET, its pid in ROOT/run/vendorban/vendorband.pid; SIGTERM ends
# it within 10 s with exit status 0 (idle, and right after detecting an
# install), leaving a consistent ledger that vendorbanctl still reads.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
pidfile=$root/run/vendorban/vendorband.pid
db=$root/var/lib/vendorban/vendorban.db

vb_step "start vendorband: READY=1 and a STATUS= line on NOTIFY_SOCKET"
vb_start_daemon "$root"
vb_wait_for -t 5 grep -q '^STATUS=.' "$VB_NOTIFY_LOG" || vb_fail "no STATUS= line on the notify socket"

vb_step "the pid file names the daemon"
[ -f "$pidfile" ] || vb_fail "no pid file at $pidfile"
[ "$(tr -d '[:space:]' <"$pidfile")" = "$VB_DAEMON_PID" ] ||
        vb_fail "pid file says '$(cat "$pidfile")', the daemon is $VB_DAEMON_PID"

vb_step "idle daemon: SIGTERM, exit status 0 within 10 s"
vb_stop_daemon

vb_step "start again; install kesl; SIGTERM right after its finding"
vb_start_daemon "$root"
kesl_deb=$(vb_build_fake_kesl kesl 12.0.0.6672-1)
vb_dpkg_install "$root" "$kesl_deb"
vb_wait_for -t 5 vb_has_finding "$root" '.package == "kesl"' || vb_fail "kesl not detected within 5 s"
vb_stop_daemon

vb_step "the ledger is consistent and still lists the finding"
[ -f "$db" ] || vb_fail "no ledger at $db"
integrity=$(sqlite3 "$db" 'PRAGMA integrity_check;') || vb_fail "sqlite3 cannot open the ledger"
[ "$integrity" = ok ] || vb_fail "ledger integrity_check: $integrity"
vb_findings_json "$root" "$VB_TMP/f.json"
vb_jq_assert "$VB_TMP/f.json" 'any(.findings[]; .package == "kesl")' "the finding did not survive the restart"

vb_step "start once more and SIGTERM while it is busy with an install"
vb_start_daemon "$root"
agent_deb=$(vb_build_deb klnagent64 15.0.0-1 "AO Kaspersky Lab <support@kaspersky.com>" \
        /opt/kaspersky/klnagent64/bin/klnagent)
vb_dpkg_install "$root" "$agent_deb"
vb_stop_daemon
[ "$(sqlite3 "$db" 'PRAGMA integrity_check;')" = ok ] || vb_fail "ledger damaged by SIGTERM during an install"

vb_step "all checks passed"
