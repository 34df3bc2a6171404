#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A frozen guard thread is recovered: a test hook freezes the fanotify
# thread on the exec of /srv/bin/freeze-me, before it answers, as a thread
# stuck in the kernel would be. The main loop notices the stale heartbeat,
# closes the thread's fanotify fd (the kernel then lets the held exec run),
# starts a new guard thread and logs it with its own MESSAGE_ID. The held
# exec finishes, and the new thread denies banned programs and lets benign
# ones run.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

vb_step "a tmpfs root: /srv/bin/freeze-me and /srv/bin/benign (benign), /srv/bin/agent (banned sha256)"
gl_setup
gl_payload /bin/true /srv/bin/freeze-me
gl_payload /bin/true /srv/bin/benign
gl_payload /bin/true /srv/bin/agent
gl_ban_sha "$(vb_sha256 "$root/srv/bin/agent")"
export VENDORBAN_TEST_GUARD_FREEZE=/srv/bin/freeze-me
gl_start_daemon

vb_step "exec /srv/bin/freeze-me: the guard thread freezes on it; the exec is let go within 20 s"
vb_spawn "$VB_TMP/freeze.log" "$root/srv/bin/freeze-me"
pid=$VB_LAST_PID
gl_wait_gone "$pid" 20 || vb_fail "the exec held by the frozen guard thread was not released within 20 s"
rc=$(vb_reap "$pid")
[ "$rc" -eq 0 ] || vb_fail "the released exec ended with status $rc"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_GUARD_RESTART" -u vendorband ||
        vb_fail "no guard-restart journal entry"
vb_journal_query -o cat MESSAGE_ID="$VB_MID_GUARD_RESTART" | grep -q "new guard thread took over" ||
        vb_fail "the restart entry does not say a new thread took over"

vb_step "the new guard thread works: banned denied, benign runs"
vb_run "$root/srv/bin/agent"
vb_expect_rc 126
vb_run "$root/srv/bin/benign"
vb_expect_rc 0
vb_daemon_alive_or_fail "after the guard restart"
grep -q "^active" "$root/run/vendorban/guard" || vb_fail "the guard status is not active after the restart"

vb_stop_daemon
vb_step "all checks passed"
