#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The system test: vendorban as an administrator gets it. Builds the Debian
# package from this source tree (dpkg-buildpackage), debootstraps a Debian
# 12 root file system, boots systemd as PID 1 in it (own PID, mount, cgroup,
# UTS, IPC and network namespaces), and then, inside, types what an admin
# would: installs the package with APT, checks the service, switches to
# enforce mode, tries to install a fake Kaspersky package with APT (refused
# by the hook) and with dpkg (neutralised: quarantined, masked, stopped,
# logged), installs a benign package (left alone), reloads a broken policy
# (systemctl reload fails and says why; the old policy stays), restarts
# with it (the last-known-good policy is enforced), stops the service and
# purges the package. An auditor in group vendorban reads findings without
# root; lintian finds 0 errors and 0 warnings in the built packages. Every
# command is printed with its output, as a transcript.
#
# Usage: tests/system/run.sh [WORKDIR]     (default: build/system-test)
# Environment: VB_SYSTEST_DEB=FILE uses that vendorban .deb instead of
# building one (the vendorban-bans .deb is then looked for beside it); VB_DEBIAN_MIRROR overrides http://deb.debian.org/debian;
# VB_SYSTEST_KEEP=1 keeps the root file system afterwards.
# Exit status: 0 passed, 1 failed, 77 skipped (not root, or no Debian mirror
# reachable). The root file system is cached as a tarball under
# WORKDIR/cache, so a second run in the same work directory skips
# debootstrap.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
        printf '\n!!! SKIP: the system test needs root (debootstrap, namespaces, mounts)\n\n' >&2
        exit 77
fi

SYSTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_ROOT=$(cd "$SYSTEST_DIR/../.." && pwd)
W=$(mkdir -p "${1:-$SOURCE_ROOT/build/system-test}" && cd "${1:-$SOURCE_ROOT/build/system-test}" && pwd)
R="$W/rootfs"
start=$(date +%s)
exec </dev/null

# shellcheck source=lib.sh
. "$SYSTEST_DIR/lib.sh"
# shellcheck source=fixtures.sh
. "$SYSTEST_DIR/fixtures.sh"

for tool in debootstrap dpkg-buildpackage dpkg-deb unshare nsenter findmnt wget pivot_root lintian; do
        if ! command -v "$tool" >/dev/null; then
                loud "FAIL: $tool is missing (scripts/install-deps installs it)"
                exit 1
        fi
done

passed=0
failed=0
failures=()
ok() { passed=$((passed + 1)); printf 'ok   %s\n' "$1"; }
bad() { failed=$((failed + 1)); failures+=("$1"); printf 'FAIL %s\n' "$1"; }

# check DESC COMMAND: COMMAND (inside) must succeed.
check() { if vm "$2"; then ok "$1"; else bad "$1 (exit $?)"; fi; }
# check_fails DESC COMMAND: COMMAND (inside) must fail.
check_fails() { if vm "$2"; then bad "$1 (it succeeded)"; else ok "$1"; fi; }
# check_out DESC COMMAND REGEX: COMMAND's output must match REGEX.
check_out() {
        vm "$2" || true
        if grep -Eq -- "$3" <<<"$VM_OUT"; then ok "$1"; else bad "$1 (no /$3/ in the output)"; fi
}
# check_no_out DESC COMMAND REGEX: COMMAND's output must not match REGEX.
check_no_out() {
        vm "$2" || true
        if grep -Eq -- "$3" <<<"$VM_OUT"; then bad "$1 (/$3/ in the output)"; else ok "$1"; fi
}
# wait_until SECONDS COMMAND: poll COMMAND (inside, quietly) until it succeeds.
wait_until() {
        local deadline=$(($(date +%s) + $1))
        while ! vm_raw "$2" >/dev/null 2>&1; do
                [ "$(date +%s)" -lt "$deadline" ] || return 1
                sleep 0.5
        done
}

finish() {
        local rc=$?
        trap - EXIT
        if [ "$failed" -ne 0 ] && [ -n "$BOOT_PID" ] && kill -0 "$BOOT_PID" 2>/dev/null; then
                say "journal of the booted system (last 150 lines), for the failures above"
                vm_raw "journalctl -b --no-pager -n 150" 2>&1 | sed 's/^/    /' || true
        fi
        teardown
        if [ "${VB_SYSTEST_KEEP:-0}" != 1 ] && [ -d "$R" ]; then
                rootfs_remove || true
        fi
        local took=$(($(date +%s) - start))
        say "system test took ${took} s"
        if [ "$rc" -eq 77 ]; then
                exit 77
        fi
        if [ "$failed" -ne 0 ] || [ "$rc" -ne 0 ]; then
                say "system test FAILED: $failed of $((passed + failed)) checks failed${failures[*]:+:}"
                local f
                for f in "${failures[@]}"; do
                        printf '    %s\n' "$f"
                done
                [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && echo "    (aborted: exit $rc)"
                exit 1
        fi
        say "system test passed: all $passed checks"
        exit 0
}
trap finish EXIT
trap 'exit 143' TERM INT

# 1. The package, as an admin would build it (DEB_BUILD_OPTIONS=nocheck: the
#    unit suites run in the other CI steps).
if [ -n "${VB_SYSTEST_DEB:-}" ]; then
        DEB=$VB_SYSTEST_DEB
else
        say "dpkg-buildpackage -b -us -uc (in a copy of the source tree, log: $W/dpkg-buildpackage.log)"
        rm -rf "$W/src"
        mkdir -p "$W/src/vendorban"
        if git -C "$SOURCE_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                git -C "$SOURCE_ROOT" ls-files -z --cached --others --exclude-standard |
                        (cd "$SOURCE_ROOT" && tar --null -T - --ignore-failed-read -cf -) | tar -C "$W/src/vendorban" -xf -
        else
                tar -C "$SOURCE_ROOT" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -C "$W/src/vendorban" -xf -
        fi
        if ! (cd "$W/src/vendorban" && DEB_BUILD_OPTIONS="nocheck noddebs" \
                dpkg-buildpackage -b -us -uc) >"$W/dpkg-buildpackage.log" 2>&1; then
                tail -n 40 "$W/dpkg-buildpackage.log"
                bad "dpkg-buildpackage -b -us -uc"
                exit 1
        fi
        DEB=$(ls "$W"/src/vendorban_*_"$(dpkg --print-architecture)".deb)
fi
BANS_DEB=$(ls "$(dirname "$DEB")"/vendorban-bans_*_all.deb 2>/dev/null | tail -n 1)
[ -f "$BANS_DEB" ] || { bad "no vendorban-bans_*_all.deb beside $DEB"; exit 1; }
ok "package built: $(basename "$DEB"), $(stat -c %s "$DEB") bytes; $(basename "$BANS_DEB")"
# lintian: 0 errors and 0 warnings (debian/vendorban.lintian-overrides says
# why the one override is there).
if ! command -v lintian >/dev/null; then
        bad "lintian is missing (scripts/install-deps installs it)"
elif lintian --fail-on error,warning --no-cfg "$DEB" "$BANS_DEB" >"$W/lintian.log" 2>&1; then
        ok "lintian: 0 errors, 0 warnings on both packages"
else
        sed 's/^/    /' "$W/lintian.log"
        bad "lintian reports errors or warnings (log: $W/lintian.log)"
fi
dpkg-deb --info "$DEB" | sed -n 's/^ \(Depends\|Installed-Size\):/    \1:/p'

# 2. The root file system, with the package's dependencies already in it
#    (the booted system has no network).
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/([^)]*)//g; s/|.*//; s/[[:space:]]//g' | grep . |
        grep -vx vendorban-bans | sort -u | paste -sd, -)
if ! rootfs_make "$deps"; then
        if ! mirror_reachable; then
                loud "SKIP: no Debian mirror reachable at $MIRROR: debootstrap cannot run, so the system test cannot. Set VB_DEBIAN_MIRROR to a reachable one."
                exit 77
        fi
        bad "debootstrap of $SUITE (log: $W/debootstrap.log)"
        exit 1
fi
ok "root file system: Debian $SUITE minbase with systemd, dbus, apt and $deps"

# 3. Fixtures, copied in with the package.
mkdir -p "$W/debs" "$R/root/debs"
fixture_kesl "$W/debs" "$R/bin/sleep"
fixture_benign "$W/debs"
fixture_old_layout "$W/debs" "$SOURCE_ROOT/policy/bans.d/kaspersky.conf" "$(dpkg --print-architecture)"
cp "$W/debs/vendorban_0.1.0_$(dpkg --print-architecture).deb" "$R/root/debs/old-layout.deb"
cp "$DEB" "$BANS_DEB" "$W/debs/kesl_12.1.0.1297_all.deb" "$W/debs/acme-tool_1.0_all.deb" "$R/root/debs/"
debname=$(basename "$DEB")
bansname=$(basename "$BANS_DEB")

# 4. Boot.
say "unshare --fork --pid --mount --cgroup --uts --ipc --net, pivot_root into $R, /lib/systemd/systemd --system"
boot_started=$(date +%s)
boot || { bad "boot systemd as PID 1"; exit 1; }
if wait_booted; then
        ok "systemd booted as PID 1 (host pid $INIT_PID) in $(($(date +%s) - boot_started)) s"
else
        bad "systemd did not reach running"
        exit 1
fi

say "transcript: what an administrator types"
# Upgrade from 0.1.0's layout: the ban was a conffile in /etc, and the
# administrator exempted klnagent64 in it. Install: APT upgrades, enables
# and starts the service.
check "vendorban 0.1.0's layout: the ban as a conffile in /etc" "dpkg -i /root/debs/old-layout.deb"
check "the administrator exempts klnagent64 in it" \
        "sed -i 's/^    packages = \\[ \\];/    packages = [ \"klnagent64\" ];/' /etc/vendorban/bans.d/kaspersky.conf && grep -q '\"klnagent64\" \\];' /etc/vendorban/bans.d/kaspersky.conf"
if ! vm "cd /root/debs && apt-get install -y ./$debname ./$bansname"; then
        bad "apt-get install ./$debname ./$bansname"
        exit 1
fi
ok "apt-get install ./$debname ./$bansname"
check "the ban data is package data in /usr/share, no ban in /etc" \
        "ls /usr/share/vendorban/bans.d/kaspersky.conf && ! ls /etc/vendorban/bans.d/*.conf 2>/dev/null"
check "the edited 0.1.0 ban became a drop-in" "grep -q klnagent64 /etc/vendorban/bans.d/kaspersky.conf.d/50-local-0.1.conf"
check "the administrator's exemption is still in force: explain klnagent64 allows" "vendorbanctl explain klnagent64"
check_fails "and kesl is still banned" "vendorbanctl explain kesl"
check "the service is enabled" "systemctl is-enabled vendorband"
check "systemctl enable --now vendorband" "systemctl enable --now vendorband"
check "the service is active (READY=1 received)" "systemctl is-active vendorband"
check_out "its status text says what it does" "systemctl show -p Type -p ActiveState -p SubState -p StatusText vendorband" \
        '^StatusText=.*audit mode'
vm "systemctl status --no-pager vendorband" || true
check "the APT hook is in place" "ls -l /etc/apt/apt.conf.d/50vendorban && apt-config dump | grep -i vendorban"
check "the auditor group vendorban exists (sysusers.d)" "getent group vendorban"
check_out "the state directory is 0750 root:vendorban" "stat -c '%a %U %G' /var/lib/vendorban" '^750 root vendorban$'
check_out "the quarantine is 0700 root" "stat -c '%a %U' /var/lib/vendorban/quarantine" '^700 root$'
check_out "the ledger is 0640 root:vendorban" "stat -c '%a %U %G' /var/lib/vendorban/vendorban.db" '^640 root vendorban$'
check "vendorbanctl status" "vendorbanctl status"
check "man vendorband is installed" "ls /usr/share/man/man8/vendorband.8.gz /usr/share/man/man8/vendorbanctl.8.gz /usr/share/man/man5/vendorban.conf.5.gz /usr/share/man/man5/vendorban-ban.conf.5.gz"
vm "systemd-analyze security --no-pager vendorband.service | tail -n 1" || true

# Audit mode, the shipped default: a banned package is recorded, nothing
# is changed. One copy of it also runs by hand, outside its unit.
vm "dpkg -i /root/debs/kesl_12.1.0.1297_all.deb" || true
check "systemd-run a second kesl by hand" "systemd-run --unit=kesl-by-hand /opt/kaspersky/kesl/bin/kesl infinity"
if wait_until 30 "vendorbanctl findings | grep -q 'would-block.*kesl'"; then
        ok "audit mode: kesl recorded as would-block"
else
        bad "audit mode: kesl not recorded within 30 s"
fi
check_out "vendorbanctl findings" "vendorbanctl findings" 'would-block +kesl'
check "audit mode: the kesl binary is still there" "ls -l /opt/kaspersky/kesl/bin/kesl"
# An auditor: a user in group vendorban reads, changes nothing; others are told the group.
check "an auditor joins group vendorban" "useradd --system --no-create-home --groups vendorban auditor"
check_out "the auditor sees the daemon running" "runuser -u auditor -- vendorbanctl status" '^daemon: +running'
check_out "the auditor reads the findings" "runuser -u auditor -- vendorbanctl findings" 'would-block +kesl'
check "the auditor reads the quarantine list" "runuser -u auditor -- vendorbanctl quarantine list"
check_fails "the auditor cannot scan (write the ledger)" "runuser -u auditor -- vendorbanctl scan"
check_out "a user outside the group is told the group" "runuser -u nobody -- vendorbanctl findings 2>&1" \
        'needs root or membership in group vendorban'
check "audit mode: kesl.service still runs" "systemctl is-active kesl.service kesl-by-hand.service"

# Enforce: the reload rescans and neutralises what is installed.
check "switch to enforce mode" "sed -i 's/^mode = \"audit\";/mode = \"enforce\";/' /etc/vendorban/vendorban.conf && grep '^mode' /etc/vendorban/vendorban.conf"
check "systemctl reload vendorband" "systemctl reload vendorband"
if wait_until 20 "systemctl show -p StatusText --value vendorband | grep -q 'enforce mode'"; then
        ok "the reloaded policy is in force (enforce mode)"
else
        bad "the status text never said enforce mode"
fi
vm "systemctl show -p StatusText vendorband" || true
if wait_until 30 "test ! -e /opt/kaspersky/kesl/bin/kesl && ! systemctl is-active -q kesl.service kesl-by-hand.service"; then
        ok "the installed kesl neutralised within 30 s of the reload"
else
        bad "the installed kesl not neutralised within 30 s of the reload"
fi
check_fails "no kesl process is left, in its unit or not" \
        "systemctl is-active kesl.service kesl-by-hand.service; for p in /proc/[0-9]*; do readlink \$p/exe; done | grep kaspersky"
# Killed either by the enforcement of the package (stop-process) or, first,
# by the process sweep, which judges the process by what it runs
# (process-killed, with the path of the banned executable).
check_out "the kesl process started by hand was killed by vendorband" \
        "{ journalctl --no-pager -u vendorband VENDORBAN_PACKAGE=kesl -o verbose; journalctl --no-pager -u vendorband VENDORBAN_ACTION=process-killed -o verbose; } | grep -E '^ *VENDORBAN_(ACTION|PATH)='" \
        'VENDORBAN_ACTION=(kill|stop-process|process-killed)'
check "the admin removes it" "dpkg --purge kesl"

# The APT hook refuses the banned package before dpkg runs.
check_fails "apt-get install ./kesl_12.1.0.1297_all.deb is refused" \
        "cd /root/debs && apt-get install -y ./kesl_12.1.0.1297_all.deb"
if grep -qi 'vendorban' <<<"$VM_OUT"; then ok "the refusal names vendorban"; else bad "the refusal names vendorban"; fi
check_fails "kesl is not installed" "dpkg-query -W -f='\${Status}\n' kesl | grep -q 'install ok installed'"

# dpkg, bypassing APT: the daemon neutralises it as it lands.
vm "dpkg -i /root/debs/kesl_12.1.0.1297_all.deb" || true
if wait_until 30 "test ! -e /opt/kaspersky/kesl/bin/kesl && systemctl is-enabled kesl.service 2>/dev/null | grep -qx masked && ! systemctl is-active -q kesl.service"; then
        ok "kesl neutralised within 30 s"
else
        bad "kesl not neutralised within 30 s"
fi
check_fails "the kesl binary is gone from /opt" "ls -l /opt/kaspersky/kesl/bin/kesl"
check_out "kesl.service is masked" "systemctl is-enabled kesl.service" '^masked$'
check_fails "kesl.service is not running" "systemctl is-active kesl.service"
check_out "kesl.service has no process" "systemctl show -p MainPID kesl.service" '^MainPID=0$'
check_out "the binary is in the quarantine" "vendorbanctl quarantine list" '/opt/kaspersky/kesl/bin/kesl'
check_out "the quarantined copy has mode 0" "ls -l /var/lib/vendorban/quarantine" '^-{10} '
check_out "APT is pinned away from kesl" "cat /etc/apt/preferences.d/vendorban.pref" 'Pin-Priority: -1'
check_out "vendorbanctl findings lists kesl" "vendorbanctl findings" 'blocked +kesl'
check_out "journalctl -u vendorband VENDORBAN_BAN=kaspersky shows the entries" \
        "journalctl --no-pager -u vendorband VENDORBAN_BAN=kaspersky" 'kesl'
check_out "the entries record what enforce mode did" \
        "journalctl --no-pager -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PACKAGE=kesl -o verbose | grep -E '^ *VENDORBAN_(PACKAGE|VERDICT|ACTION|MODE)='" \
        'VENDORBAN_ACTION=quarantine'
check_out "journalctl -x shows the catalog text" \
        "journalctl --no-pager -x -u vendorband VENDORBAN_BAN=kaspersky | head -n 60" \
        'vendorban found software covered by the ban'
check_out "vendorbanctl explain kesl" "vendorbanctl explain kesl" 'block'

# The exec guard: a copy of the quarantined binary elsewhere must not run
# (denied by its sha256: quarantined content). The guard marks whole file
# systems, so it sees executions outside the service's mount namespace.
vm "dpkg-deb --fsys-tarfile /root/debs/kesl_12.1.0.1297_all.deb | tar -xOf - ./opt/kaspersky/kesl/bin/kesl > /root/kesl-copy && chmod 755 /root/kesl-copy" || true
check_fails "the exec guard denies a copy of the quarantined binary" "/root/kesl-copy 0"
check_out "vendorbanctl status: guard active, APT hook installed" "vendorbanctl status" 'apt hook: +installed'

# A benign package is left alone.
check "dpkg -i acme-tool (benign)" "dpkg -i /root/debs/acme-tool_1.0_all.deb"
check "systemctl enable --now acme-tool" "systemctl enable --now acme-tool.service"
sleep 2
check "acme-tool runs" "/opt/acme/bin/acme-tool"
check "acme-tool.service is active" "systemctl is-active acme-tool.service"
check "vendorbanctl explain acme-tool: allow" "vendorbanctl explain acme-tool"
check_no_out "no journal entry about acme-tool" "journalctl -q --no-pager -u vendorband VENDORBAN_PACKAGE=acme-tool" '.'
check_no_out "nothing of acme-tool in the quarantine" "vendorbanctl quarantine list" 'acme'

# A broken policy: "systemctl reload" fails and says why (ExecReload=
# checks first); a SIGHUP anyway keeps the previous policy, and says so.
check "break the policy" "mkdir -p /etc/vendorban/bans.d && printf 'ban = { id = \"broken\";\\n' > /etc/vendorban/bans.d/zz-broken.conf"
check_fails "vendorbanctl policy check reports it" "vendorbanctl policy check"
check_fails "systemctl reload vendorband fails on the broken policy" "systemctl reload vendorband"
check_out "systemctl status shows why" "systemctl status --no-pager -n 20 vendorband" 'zz-broken.conf:[0-9]+'
check "the service is still active" "systemctl is-active vendorband"
check "a SIGHUP all the same (systemctl kill -s HUP)" "systemctl kill -s HUP --kill-who=main vendorband"
wait_until 20 "systemctl show -p StatusText --value vendorband | grep -q 'keeping the previous policy'" || true
check_out "systemctl status says the previous policy is kept" "systemctl status --no-pager vendorband" \
        'keeping the previous policy'
check_out "the journal says why" "journalctl --no-pager -u vendorband -p warning -n 5" 'zz-broken.conf'
# A restart (or a reboot) with the broken policy: the last-known-good one.
check "systemctl restart vendorband with the broken policy" "systemctl restart vendorband"
check "it is active" "systemctl is-active vendorband"
check_out "its status text says LAST-KNOWN-GOOD" "systemctl show -p StatusText --value vendorband" 'LAST-KNOWN-GOOD'
check_out "vendorbanctl status: policy source last-known-good" "vendorbanctl --json status" \
        '"source": *"last-known-good"'
check "repair the policy and reload" "rm /etc/vendorban/bans.d/zz-broken.conf && systemctl reload vendorband"
if wait_until 20 "systemctl show -p StatusText --value vendorband | grep -q '^enforce mode'"; then
        ok "the repaired policy is in force"
else
        bad "the status text never returned to normal after the repair"
fi
check_out "vendorbanctl status: policy source files" "vendorbanctl --json status" '"source": *"files"'

# Stop cleanly.
check "systemctl stop vendorband" "systemctl stop vendorband"
check_out "it stopped cleanly" "systemctl show -p ActiveState -p Result -p ExecMainStatus vendorband" \
        '^Result=success$'
check_out "exit status 0" "systemctl show -p ExecMainStatus --value vendorband" '^0$'
vm "journalctl --no-pager -u vendorband -n 5" || true

# Purge: everything goes, and APT still works without the hook.
check "apt-get purge vendorban" "apt-get purge -y vendorban"
check_fails "its state, configuration and hook are gone" \
        "ls -d /var/lib/vendorban /etc/vendorban /etc/apt/apt.conf.d/50vendorban /etc/apt/preferences.d/vendorban.pref /lib/systemd/system/vendorband.service 2>/dev/null | grep ."
check "APT works after the purge" "cd /root/debs && apt-get install -y --reinstall ./acme-tool_1.0_all.deb"
