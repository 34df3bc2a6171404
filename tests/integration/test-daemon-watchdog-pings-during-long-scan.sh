#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Under a systemd watchdog (WATCHDOG_USEC), vendorband's pings never lapse
# during a long startup scan: the scan runs in the work thread while the
# loop pings. READY=1 comes at once; SIGTERM during the scan exits 0.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

watchdog_usec=4000000
root=$(vb_tmproot)
vb_step "a root whose startup scan reads 16 GiB (sparse files under /opt/bulk)"
vb_make_slow_tree "$root" 256

vb_step "start vendorband with WATCHDOG_USEC=$watchdog_usec"
t0=$(vb_now_usec)
export WATCHDOG_USEC=$watchdog_usec
vb_start_daemon "$root"
unset WATCHDOG_USEC

vb_step "the scan runs: no 'Scan (startup) done' yet; let it run for 3 watchdog periods"
scanning_for() {
        [ "$(($(vb_now_usec) - t0))" -ge "$1" ]
}
vb_wait_for -t 30 scanning_for $((3 * watchdog_usec)) || vb_fail "unreachable"
t1=$(vb_now_usec)
if vb_wait_scan_done startup 1 0; then
        echo "# the startup scan was already done: this machine hashes faster than the test assumed"
fi

vb_step "WATCHDOG=1 pings arrived, never $((watchdog_usec / 1000000)) s or more apart"
vb_watchdog_gaps_ok "$t0" "$t1" "$watchdog_usec" || vb_fail "the watchdog pings lapsed during the startup scan"
vb_daemon_alive_or_fail "during the scan"

vb_step "SIGTERM during the scan: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
