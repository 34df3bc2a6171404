#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Journal noise: one `apt-get install` (and one `apt-get install
# --reinstall`) of a package, run while vendorband watches the root, gives
# one "Scan (dpkg finished)" entry, not one per dpkg run of the APT
# transaction (APT holds lock-frontend across them). In audit mode the
# daemon's scan and summary entries say "would block", never "N blocked".
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl daemon notify-listen
command -v apt-get >/dev/null || vb_skip "apt-get is not installed"
vb_private_journal "$@"

VB_MID_SCAN_DONE=1e3f5a7c9b2d4f6a8c0e1b3d5f7a9c2e
VB_MID_POLICY_LOADED=7b2c4d6e8f0a4b1c9d3e5f7a0b2c4d6e
root=$(vb_tmproot)
vb_apt_setup "$root"
mkdir -p "$root/var/log/apt"
{
        printf 'Dir::Bin::dpkg "/usr/bin/dpkg";\n'
        printf 'DPkg::Options { "--root=%s"; "--force-script-chrootless"; "--force-not-root"; ' "$root"
        printf '"--force-unsafe-io"; "--log=/dev/null"; };\n'
        printf 'APT::Sandbox::User "root";\n'
} >>"$VB_TMP/apt.conf"
export APT_CONFIG=$VB_TMP/apt.conf
hello_deb=$(vb_build_deb hello 2.10-3 "Jane Doe <jane@example.org>" /usr/bin/hello /usr/lib/hello/libhello.so)
cp "$hello_deb" "$VB_TMP/"
hello_deb=./$(basename "$hello_deb")
mkdir -p "$root/opt/kaspersky/loose"
cp /bin/true "$root/opt/kaspersky/loose/kav"      # audit mode: "would block"

apt_get() {
        VB_RC=0
        printf '  $ apt-get %s\n' "$*"
        (cd "$VB_TMP" && timeout 120 apt-get -y --no-install-recommends "$@") >"$VB_OUT" 2>&1 || VB_RC=$?
        : >"$VB_ERR"
        [ "$VB_RC" -eq 0 ] || { vb_show_last; vb_fail "apt-get $* failed ($VB_RC)"; }
}
# count_entries MESSAGE_ID [REGEX]: entries of that kind (whose MESSAGE matches REGEX).
count_entries() {
        vb_journal_query -o json MESSAGE_ID="$1" | jq -s --arg re "${2:-}" '[.[] | select(.MESSAGE | test($re))] | length'
}
dpkg_scans_at_least() {
        [ "$(count_entries $VB_MID_SCAN_DONE '^Scan \(dpkg finished\)')" -ge "$1" ]
}
policies_at_least() {
        [ "$(count_entries $VB_MID_POLICY_LOADED)" -ge "$1" ]
}
# settle: a SIGHUP, served by the loop after everything queued before it.
loads=1
settle() {
        loads=$((loads + 1))
        kill -HUP "$VB_DAEMON_PID"
        vb_wait_for -t 30 policies_at_least "$loads" || vb_fail "the daemon did not reload"
}

vb_step "vendorband watches the root (audit mode)"
vb_start_daemon "$root"

vb_step "apt-get install ./hello: one 'Scan (dpkg finished)' entry"
apt_get install "$hello_deb"
vb_wait_for -t 30 dpkg_scans_at_least 1 || vb_fail "no 'Scan (dpkg finished)' entry after apt-get install"
settle
n1=$(count_entries $VB_MID_SCAN_DONE '^Scan \(dpkg finished\)')
printf '  %s entries\n' "$n1"
[ "$n1" -eq 1 ] || { vb_journal_query MESSAGE_ID=$VB_MID_SCAN_DONE >&2; vb_fail "apt-get install logged $n1 entries"; }

vb_step "apt-get install --reinstall ./hello: one more"
apt_get install --reinstall "$hello_deb"
vb_wait_for -t 30 dpkg_scans_at_least 2 || vb_fail "no 'Scan (dpkg finished)' entry after the reinstall"
settle
n2=$(count_entries $VB_MID_SCAN_DONE '^Scan \(dpkg finished\)')
printf '  %s entries in all\n' "$n2"
[ "$n2" -eq 2 ] || { vb_journal_query MESSAGE_ID=$VB_MID_SCAN_DONE >&2; vb_fail "the reinstall logged $((n2 - 1)) entries"; }
vb_stop_daemon

vb_step "audit mode: the daemon's entries say 'would block', never 'N blocked'"
vb_journal_query -o cat SYSLOG_IDENTIFIER=vendorband >"$VB_TMP/daemon.log"
grep -q '[0-9] would block' "$VB_TMP/daemon.log" || { cat "$VB_TMP/daemon.log" >&2; vb_fail "no 'would block' in the entries"; }
if grep -E '[0-9]+ blocked' "$VB_TMP/daemon.log" >&2; then
        vb_fail "an audit-mode entry says 'blocked'"
fi

vb_step "all checks passed"
