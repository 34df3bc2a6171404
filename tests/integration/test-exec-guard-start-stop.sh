#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The exec guard never makes the machine unusable: while a background loop
# keeps executing binaries on a tmpfs this test mounts (a benign one, and a
# banned one that is denied), vendorband with the guard on that tmpfs is
# started and stopped 20 times, with a reload in between. The loop must
# never stall for 5 s, every stop must finish within 10 s, and at the end
# the loop still runs and nothing is left denied.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

vb_step "a tmpfs of our own, holding the test root and the binaries"
g=$VB_TMP/guarded
mkdir -p "$g"
mount -t tmpfs -o mode=0755,size=128m vendorban-guard-test "$g" || vb_fail "cannot mount a tmpfs on $g"
VB_MOUNTS+=("$g")
r=$(vb_tmproot)
cp -a "$r/." "$g/"
root=$g
vb_set_mode "$root" enforce
mkdir -p "$root/srv/watched"
sed -i -E 's|^watch_paths = .*|watch_paths = [ "/srv/watched" ];|; s|^rescan_interval = .*|rescan_interval = 0;|' \
        "$root/etc/vendorban/vendorban.conf"
kesl=$root/opt/kaspersky/kesl/bin/kesl
benign=$root/usr/local/bin/benign
mkdir -p "$(dirname "$kesl")" "$(dirname "$benign")"
cp /bin/true "$kesl"
cp /bin/true "$benign"
# Distinct bytes: the content of a file denied by its path is banned
# under any name once known.
printf 'vendorban test: benign\n' >>"$benign"

vb_step "a background loop: exec the benign and the banned binary, count rounds in a file off the tmpfs"
beat=$VB_TMP/beat
echo 0 >"$beat"
vb_spawn "$VB_TMP/loop.log" bash -c '
        n=0
        while :; do
                "$1" || { echo "benign exec failed at round $n" >&2; exit 1; }
                "$2" 2>/dev/null || true
                n=$((n + 1))
                echo "$n" >"$3.tmp" && mv -f "$3.tmp" "$3"
        done' loop "$benign" "$kesl" "$beat"
loop_pid=$VB_LAST_PID

# loop_advances: the loop's counter moves within 5 s.
loop_advances() {
        local before
        before=$(cat "$beat")
        vb_wait_for -t 5 _beat_moved "$before"
}
_beat_moved() {
        [ "$(cat "$beat" 2>/dev/null || echo "$1")" != "$1" ]
}
loop_advances || vb_fail "the loop does not run"

export VENDORBAN_GUARD_MOUNTS=$g
denied_once=false
for i in $(seq 1 20); do
        vb_step "round $i: start, exec under the guard, $([ $((i % 5)) -eq 0 ] && echo 'reload, ')stop"
        vb_start_daemon "$root"
        grep -qx "active $g" "$root/run/vendorban/guard" || vb_fail "round $i: the guard is not active"
        loop_advances || vb_fail "round $i: the exec loop stalled for 5 s with the guard on"
        if ! "$kesl" 2>/dev/null; then
                denied_once=true
        fi
        if [ $((i % 5)) -eq 0 ]; then
                kill -HUP "$VB_DAEMON_PID"
                loop_advances || vb_fail "round $i: the exec loop stalled for 5 s after a reload"
        fi
        vb_stop_daemon
        loop_advances || vb_fail "round $i: the exec loop stalled for 5 s after the stop"
        _vb_pid_gone "$loop_pid" && vb_fail "round $i: the exec loop died: $(cat "$VB_TMP/loop.log")"
done
$denied_once || vb_fail "the banned binary was never denied while the guard ran"

vb_step "after the last stop: the banned binary runs again, /bin/true runs"
"$kesl" || vb_fail "$kesl is still denied after the daemon stopped"
/bin/true || vb_fail "/bin/true does not run"

vb_step "all checks passed"
