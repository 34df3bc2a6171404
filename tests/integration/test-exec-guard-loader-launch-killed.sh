#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The loader launch ("ld_so pattern"): `/lib64/ld-linux-x86-64.so.2 FILE`
# makes the kernel exec the loader, not FILE, so no exec permission event
# names FILE. In enforce mode, with the guard on a tmpfs of the test's own,
# a banned program (by sha256, and by path) started that way is killed by
# the process sweep, which judges the process by its executable mappings,
# and a journal entry says so. The loader itself, and a benign program
# launched through it, keep running.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

ld=$(readlink -f /lib64/ld-linux-x86-64.so.2 2>/dev/null || true)
[ -x "$ld" ] || vb_skip "no /lib64/ld-linux-x86-64.so.2 on this machine"

vb_step "a tmpfs root: /srv/bin/agent (banned sha256), kesld under /opt/kaspersky (banned path), /srv/bin/benign"
gl_setup
gl_payload /bin/sleep /srv/bin/agent
gl_payload /bin/sleep /opt/kaspersky/kesl/bin/kesld
gl_payload /bin/sleep /srv/bin/benign
gl_ban_sha "$(vb_sha256 "$root/srv/bin/agent")"
gl_start_daemon

vb_step "run directly, the banned ones are denied (the exec permission event names them)"
vb_run "$root/srv/bin/agent" 0
vb_expect_rc 126

vb_step "through the loader, they start, and are killed"
for p in /srv/bin/agent /opt/kaspersky/kesl/bin/kesld; do
        vb_spawn "$VB_TMP/ld.log" "$ld" "$root$p" 600
        pid=$VB_LAST_PID
        gl_wait_gone "$pid" 30 || vb_fail "$ld $p still runs after 30 s"
        rc=$(vb_reap "$pid")
        [ "$rc" -eq 137 ] || vb_fail "$ld $p ended with status $rc, not by SIGKILL (137)"
        vb_wait_for -t 10 gl_killed_entry "$p" || vb_fail "no process-killed entry for $p"
done

vb_step "a benign program through the loader keeps running"
vb_spawn "$VB_TMP/benign.log" "$ld" "$root/srv/bin/benign" 600
pid=$VB_LAST_PID
vb_wait_for -t 30 grep -q "$root/srv/bin/benign" "/proc/$pid/maps" || vb_fail "the loader did not map benign"
sleep_check() { ! _vb_pid_gone "$pid"; }
# Give the sweep the time it would need to kill it, then check it lives.
vb_wait_for -t 3 false || true
sleep_check || vb_fail "the benign program launched through the loader was killed"
kill "$pid"
vb_reap "$pid" >/dev/null

vb_daemon_alive_or_fail "after the loader launches"
vb_stop_daemon
vb_step "all checks passed"
