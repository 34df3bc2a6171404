#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Banned content larger than the guard hashes before answering (64 MiB):
# the exec is allowed at once (the guard never holds an exec for a long
# read), the file is verified at once by the sweep, the process running it
# is killed and the file is quarantined, all logged. A large benign file
# runs and stays.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

vb_step "a tmpfs root with two 65 MiB programs: /srv/bin/big (banned sha256) and /srv/bin/big-benign"
gl_setup 320m
for p in /srv/bin/big /srv/bin/big-benign; do
        gl_payload /bin/sleep "$p"
        truncate -s 65M "$root$p"
        printf '%s' "$p" >>"$root$p"
done
big_sha=$(vb_sha256 "$root/srv/bin/big")
gl_ban_sha "$big_sha"
gl_start_daemon

vb_step "the banned large file starts, is killed, and is quarantined"
vb_spawn "$VB_TMP/big.log" "$root/srv/bin/big" 600
pid=$VB_LAST_PID
gl_wait_gone "$pid" 30 || vb_fail "/srv/bin/big still runs after 30 s"
vb_journal_grep "larger than 64 MiB, allowed and verified at once" -u vendorband ||
        vb_fail "no entry saying the large file was allowed unverified"
rc=$(vb_reap "$pid")
[ "$rc" -eq 137 ] || { cat "$VB_TMP/big.log" >&2; vb_fail "/srv/bin/big ended with status $rc, not killed (137)"; }
vb_wait_for -t 10 gl_killed_entry /srv/bin/big || vb_fail "no process-killed entry for /srv/bin/big"
vb_wait_for -t 20 test ! -e "$root/srv/bin/big" || vb_fail "/srv/bin/big was not quarantined within 20 s"
vb_wait_for -t 10 vb_has_finding "$root" '.path == "/srv/bin/big"' || vb_fail "no finding for /srv/bin/big"

vb_step "the large benign file runs and stays"
vb_spawn "$VB_TMP/benign.log" "$root/srv/bin/big-benign" 600
pid=$VB_LAST_PID
vb_wait_exe "$pid" "$root/srv/bin/big-benign" 10 || vb_fail "the large benign program did not start"
# Give the sweep the time it needs to verify 65 MiB, then check it lives.
vb_wait_for -t 3 false || true
_vb_pid_gone "$pid" && vb_fail "the large benign program was killed"
kill "$pid"
vb_reap "$pid" >/dev/null
[ -e "$root/srv/bin/big-benign" ] || vb_fail "the large benign file is gone"

vb_stop_daemon
vb_step "all checks passed"
