#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A reload of a 10,000-indicator policy runs in the work thread: under a
# systemd watchdog (WATCHDOG_USEC), the pings never lapse across repeated
# SIGHUPs, the reloaded ban is in force (a package it names is found), and
# the daemon reports its longest loop stall (notify STATUS and
# /run/vendorban/loop-stall), printed here, not asserted (no timings).
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

watchdog_usec=2000000
reloads=0
root=$(vb_tmproot)
big=$VB_TMP/zz-scale.conf

vb_step "write a ban of 10,000 indicators: 6,000 package names (half globs), 3,000 paths, 1,000 sha256"
{
        printf 'ban = {\n  id = "scale";\n  vendor = "Scale Vendor";\n'
        printf '  entities = [ "Scale Vendor Ltd" ];\n  authority = "vendorban reload test";\n'
        printf '  phases = ( { from = "2024-01-01"; applies_to = "all"; action = "flag"; } );\n'
        printf '  match = {\n    packages = [\n'
        for i in $(seq 1 5999); do
                if [ $((i % 2)) -eq 0 ]; then printf '      "scale-pkg-%d-*",\n' "$i"; else printf '      "scale-pkg-%d",\n' "$i"; fi
        done
        printf '      "scale-pkg-last"\n    ];\n    paths = [\n'
        for i in $(seq 1 2999); do printf '      "/opt/scalevendor/p%d/**",\n' "$i"; done
        printf '      "/opt/scalevendor/last/**"\n    ];\n    sha256 = [\n'
        for i in $(seq 1 999); do printf '      "%064x",\n' "$i"; done
        printf '      "%064x"\n    ];\n  };\n};\n' 1000
} >"$big"
printf '  %s: %d lines, %d bytes\n' "$(basename "$big")" "$(wc -l <"$big")" "$(stat -c %s "$big")"

vb_step "start vendorband with the shipped policy, WATCHDOG_USEC=$watchdog_usec; wait for its startup scan"
t0=$(vb_now_usec)
export WATCHDOG_USEC=$watchdog_usec
vb_start_daemon "$root"
unset WATCHDOG_USEC
vb_wait_scan_done startup 1 || vb_fail "no 'Scan (startup) done' within 30 s"

loaded() { vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_LOADED"; }
vb_step "add the 10,000-indicator ban; SIGHUP again and again (each time waiting for its policy-loaded entry) for 3 watchdog periods"
cp "$big" "$root/etc/vendorban/bans.d/zz-scale.conf"
t_reload=$(vb_now_usec)
while [ "$reloads" -lt 5 ] || [ $(($(vb_now_usec) - t_reload)) -lt $((3 * watchdog_usec)) ]; do
        [ "$reloads" -lt 200 ] || vb_fail "test bug: 200 reloads did not take 3 watchdog periods"
        n=$((reloads + 1))
        before=$(loaded)
        kill -HUP "$VB_DAEMON_PID"
        more_loaded() { [ "$(loaded)" -gt "$before" ]; }
        vb_wait_for -t 30 more_loaded || vb_fail "reload $n: no policy-loaded entry within 30 s"
        vb_daemon_alive_or_fail "after reload $n"
        reloads=$n
done
printf '  %d reloads\n' "$reloads"

vb_step "the reloaded ban is in force: scale-pkg-last is found"
vb_dpkg_install "$root" "$(vb_build_deb scale-pkg-last 1.0 'Scale <s@scale.example>' /usr/share/scale-pkg-last/README=x)"
vb_wait_for -t 10 vb_has_finding "$root" '.package == "scale-pkg-last" and .ban == "scale"' ||
        vb_fail "no scale finding for scale-pkg-last after the reload"
vb_run "$VB_CTL" --root "$root" --json status
vb_jq_assert "$VB_OUT" '.policy.indicators >= 10000' "the status does not count the 10,000 indicators"
t1=$(vb_now_usec)

vb_step "WATCHDOG=1 pings arrived across the reloads, never $((watchdog_usec / 1000000)) s or more apart"
vb_watchdog_gaps_ok "$t0" "$t1" "$watchdog_usec" || vb_fail "the watchdog pings lapsed during the reloads"

vb_step "the longest loop stall is reported: notify STATUS and /run/vendorban/loop-stall"
stall_reported() { grep -q '^STATUS=.*longest loop stall [0-9.]* ms' "$VB_NOTIFY_LOG"; }
vb_wait_for -t 10 stall_reported || vb_fail "no 'longest loop stall' in the notify STATUS"
vb_wait_for -t 10 test -s "$root/run/vendorban/loop-stall" || vb_fail "no /run/vendorban/loop-stall"
grep -Eq '^max_usec [0-9]+$' "$root/run/vendorban/loop-stall" ||
        vb_fail "/run/vendorban/loop-stall does not read 'max_usec N': $(cat "$root/run/vendorban/loop-stall")"
stall=$(awk '{print $2}' "$root/run/vendorban/loop-stall")
printf '  LOAD reload-big-policy: %d reloads of 10,000 indicators; longest loop stall %d.%d ms (target < 100 ms, not asserted); last STATUS: %s\n' \
        "$reloads" $((stall / 1000)) $((stall % 1000 / 100)) "$(grep '^STATUS=' "$VB_NOTIFY_LOG" | tail -1)"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
