#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# memfd_create plus fexecve: the program runs from a memfd, on no guarded
# file system, so no exec permission event is ever sent for it. In enforce
# mode the process sweep judges it by its executable (a memfd) and kills it
# when its content is banned (sha256, or the content of a quarantined or
# path-banned file), with a journal entry. Benign content run the same way
# keeps running.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

vb_step "a tmpfs root; banned content (by sha256) and benign content, both kept off the root"
gl_setup
gl_payload /bin/sleep /srv/bin/agent
gl_payload /bin/sleep /srv/bin/benign
mv "$root/srv/bin/agent" "$VB_TMP/agent"
mv "$root/srv/bin/benign" "$VB_TMP/benign"
gl_ban_sha "$(vb_sha256 "$VB_TMP/agent")"
gl_start_daemon

_memfd_exe() { readlink "/proc/$1/exe" 2>/dev/null | grep -q "^/memfd:"; }

vb_step "banned content run from a memfd is killed"
vb_spawn "$VB_TMP/memfd.log" "$GUARD_HELPER" memfd-exec "$VB_TMP/agent" agent 600
pid=$VB_LAST_PID
gl_wait_gone "$pid" 30 || vb_fail "the memfd process still runs after 30 s: $(readlink "/proc/$pid/exe")"
rc=$(vb_reap "$pid")
[ "$rc" -eq 137 ] || { cat "$VB_TMP/memfd.log" >&2; vb_fail "the memfd process ended with status $rc, not by SIGKILL"; }
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_PROCESS_KILLED" VENDORBAN_ACTION=process-killed \
        VENDORBAN_SHA256="$(vb_sha256 "$VB_TMP/agent")" || vb_fail "no process-killed entry for the memfd"
vb_journal_query -o cat MESSAGE_ID="$VB_MID_PROCESS_KILLED" | grep -q "memfd:" ||
        vb_fail "the entry does not name the memfd"

vb_step "benign content run from a memfd keeps running"
vb_spawn "$VB_TMP/benign.log" "$GUARD_HELPER" memfd-exec "$VB_TMP/benign" benign 600
pid=$VB_LAST_PID
vb_wait_for -t 30 _memfd_exe "$pid" || vb_fail "the benign memfd program did not start"
vb_wait_for -t 3 false || true
_vb_pid_gone "$pid" && vb_fail "the benign memfd program was killed"
kill "$pid"
vb_reap "$pid" >/dev/null

vb_stop_daemon
vb_step "all checks passed"
