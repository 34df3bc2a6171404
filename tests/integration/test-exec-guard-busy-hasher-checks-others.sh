#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A busy hasher: while the guard's hasher is stuck on one slow file (a test
# hook delays hashing /srv/bin/slow by 6 s, as a hung network file system
# would), other execs are still content-checked: a banned program is
# denied. The slow file itself is allowed after the guard's 2 s deadline,
# verified at once, and, being banned, its process is killed.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

vb_step "a tmpfs root: /srv/bin/slow and /srv/bin/agent, both banned by sha256; /srv/bin/benign"
gl_setup
gl_payload /bin/sleep /srv/bin/slow
gl_payload /bin/true /srv/bin/agent
gl_payload /bin/true /srv/bin/benign
gl_ban_sha "$(vb_sha256 "$root/srv/bin/slow")" "$(vb_sha256 "$root/srv/bin/agent")"
export VENDORBAN_TEST_GUARD_HASH_DELAY=6000:/srv/bin/slow
gl_start_daemon

vb_step "exec the slow file in the background; the guard's hasher is stuck on it"
vb_spawn "$VB_TMP/slow.log" "$root/srv/bin/slow" 600
slow=$VB_LAST_PID

vb_step "meanwhile, a banned program is denied and a benign one runs"
vb_run "$root/srv/bin/agent"
vb_expect_rc 126
vb_run "$root/srv/bin/benign"
vb_expect_rc 0
vb_wait_for -t 30 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH=/srv/bin/agent ||
        vb_fail "no exec-denied entry for /srv/bin/agent"

vb_step "the slow file was allowed after the deadline, then verified, and its process killed"
gl_wait_gone "$slow" 20 || vb_fail "/srv/bin/slow still runs after 20 s"
rc=$(vb_reap "$slow")
[ "$rc" -eq 137 ] || { cat "$VB_TMP/slow.log" >&2; vb_fail "/srv/bin/slow ended with status $rc, not killed (137)"; }
vb_wait_for -t 10 gl_killed_entry /srv/bin/slow || vb_fail "no process-killed entry for /srv/bin/slow"

vb_daemon_alive_or_fail "after the slow hash"
vb_stop_daemon
vb_step "all checks passed"
