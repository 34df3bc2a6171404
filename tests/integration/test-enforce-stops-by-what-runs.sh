#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Enforcement stops a banned package's processes by what they run, not only
# by /proc/PID/exe: with the exec guard off (so that nothing but enforcement
# acts), a kesl package installed with dpkg has its daemon running three
# ways before vendorband starts: through the loader (exe is ld.so), from a
# memfd holding the same bytes, and from a file since replaced (exe is
# "... (deleted)"). In enforce mode the startup reconcile stops all three.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

ld=$(readlink -f /lib64/ld-linux-x86-64.so.2 2>/dev/null || true)
[ -x "$ld" ] || vb_skip "no /lib64/ld-linux-x86-64.so.2 on this machine"

vb_step "a root with kesl installed by dpkg (its daemon: /opt/kaspersky/kesl/bin/kesld), enforce mode, guard off"
root=$(vb_tmproot)
vb_set_mode "$root" enforce
vb_set_conf "$root" exec_guard false
deb=$(vb_build_runnable_kesl)
vb_dpkg_install "$root" "$deb"
kesld=$root/opt/kaspersky/kesl/bin/kesld

vb_step "kesld runs through the loader, from a memfd, and from a replaced file"
vb_spawn "$VB_TMP/ld.log" "$ld" "$kesld" 600
p_ld=$VB_LAST_PID
vb_spawn "$VB_TMP/memfd.log" "$GUARD_HELPER" memfd-exec "$kesld" kesld 600
p_memfd=$VB_LAST_PID
vb_spawn "$VB_TMP/deleted.log" "$kesld" 600
p_deleted=$VB_LAST_PID
vb_wait_exe "$p_deleted" "$kesld" || vb_fail "kesld did not start"
vb_wait_for -t 30 grep -q "$kesld" "/proc/$p_ld/maps" || vb_fail "the loader did not map kesld"
_is_memfd() { readlink "/proc/$1/exe" 2>/dev/null | grep -q "^/memfd:"; }
vb_wait_for -t 30 _is_memfd "$p_memfd" || vb_fail "the memfd program did not start"
cp "$kesld" "$kesld.new"
mv -f "$kesld.new" "$kesld"
readlink "/proc/$p_deleted/exe" | grep -q "(deleted)" || vb_fail "the replaced file does not show as deleted"
readlink "/proc/$p_memfd/exe" | grep -q "^/memfd:" || vb_fail "the memfd process does not run from a memfd"
readlink "/proc/$p_ld/exe" | grep -q "ld-linux" || vb_fail "the loader launch does not show the loader as exe"

vb_step "start vendorband: the reconcile blocks kesl and stops all three processes"
vb_start_daemon "$root"
for p in "$p_ld" "$p_memfd" "$p_deleted"; do
        gl_wait_gone "$p" 30 || vb_fail "process $p ($(readlink "/proc/$p/exe")) still runs 30 s after the start"
        vb_reap "$p" >/dev/null
done
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_ACTION" VENDORBAN_ACTION=stop-process ||
        vb_fail "no stop-process entry"
[ "$(vb_journal_count MESSAGE_ID="$VB_MID_ACTION" VENDORBAN_ACTION=stop-process)" -ge 3 ] ||
        vb_fail "fewer than 3 stop-process entries"

vb_stop_daemon
vb_step "all checks passed"
