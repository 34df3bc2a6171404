#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Policy files are checked before libconfig sees them. '@include ""' (on
# which libconfig 1.5's scanner calls exit()) is refused as file:line by
# `policy check` and by the daemon's reload, which keeps running. A FIFO in
# place of vendorban.conf or of a bans.d file is refused at once (opened
# with O_NONBLOCK, checked with fstat) instead of hanging the CLI or the
# daemon's loop.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
conf=$root/etc/vendorban/vendorban.conf
ban=$root/etc/vendorban/bans.d/kaspersky.conf
cp "$conf" "$VB_TMP/vendorban.conf.good"
cp "$ban" "$VB_TMP/kaspersky.conf.good"

vb_step "'@include \"\"' at line 3 of kaspersky.conf: policy check says file:line, exit 2"
{ printf '# a comment\n\n  @include ""\n'; cat "$VB_TMP/kaspersky.conf.good"; } >"$ban"
vb_run timeout 20 "$VB_CTL" --root "$root" policy check
vb_expect_rc 2
grep -q "kaspersky.conf:3: \"@include\" directives are not supported" "$VB_ERR" ||
        { vb_show_last; vb_fail "no kaspersky.conf:3 error naming @include"; }
vb_run timeout 20 "$VB_CTL" policy check "$ban"
vb_expect_rc 2
grep -q "kaspersky.conf:3: " "$VB_ERR" || { vb_show_last; vb_fail "policy check FILE: no file:line"; }
vb_run timeout 20 "$VB_DAEMON" --root "$root" --check
[ "$VB_RC" -ne 0 ] && [ "$VB_RC" -ne 124 ] || { vb_show_last; vb_fail "vendorband --check accepted or hung ($VB_RC)"; }
grep -q "kaspersky.conf:3: " "$VB_ERR" || { vb_show_last; vb_fail "vendorband --check: no file:line"; }

vb_step "a FIFO in place of vendorban.conf: refused at once, no hang"
cp "$VB_TMP/kaspersky.conf.good" "$ban"
rm "$conf"
mkfifo "$conf"
vb_run timeout 20 "$VB_CTL" --root "$root" policy check
[ "$VB_RC" -ne 124 ] || vb_fail "vendorbanctl policy check hung on a FIFO"
vb_expect_rc 2
grep -q "vendorban.conf: is a FIFO, not a regular file" "$VB_ERR" || { vb_show_last; vb_fail "FIFO not named"; }

vb_step "a FIFO named bans.d/extra.conf: refused by name, not skipped"
rm "$conf"
cp "$VB_TMP/vendorban.conf.good" "$conf"
mkfifo "$root/etc/vendorban/bans.d/extra.conf"
vb_run timeout 20 "$VB_CTL" --root "$root" policy check
vb_expect_rc 2
grep -q "extra.conf: is a FIFO" "$VB_ERR" || { vb_show_last; vb_fail "bans.d FIFO not refused"; }
rm "$root/etc/vendorban/bans.d/extra.conf"

vb_step "the daemon: reloads of '@include \"\"' and of a FIFO are refused; it keeps serving"
vb_start_daemon "$root"
errors0=$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_ERROR")
loaded0=$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_LOADED")
errors_above() { [ "$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_ERROR")" -gt "$1" ]; }
{ printf '@include ""\n'; cat "$VB_TMP/kaspersky.conf.good"; } >"$ban"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 20 errors_above "$errors0" || vb_fail "no policy-error entry for '@include \"\"'"
vb_journal_grep 'kaspersky.conf:1: "@include"' -u vendorband MESSAGE_ID="$VB_MID_POLICY_ERROR" ||
        vb_fail "the policy-error entry does not name kaspersky.conf:1"
vb_daemon_alive_or_fail "after reloading '@include \"\"'"
cp "$VB_TMP/kaspersky.conf.good" "$ban"
rm "$conf"
mkfifo "$conf"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 20 errors_above "$((errors0 + 1))" || vb_fail "no policy-error entry for the FIFO (loop hung?)"
vb_daemon_alive_or_fail "after reloading a FIFO"
rm "$conf"
cp "$VB_TMP/vendorban.conf.good" "$conf"
kill -HUP "$VB_DAEMON_PID"
loaded_above() { [ "$(vb_journal_count -u vendorband MESSAGE_ID="$VB_MID_POLICY_LOADED")" -gt "$loaded0" ]; }
vb_wait_for -t 20 loaded_above || vb_fail "the loop no longer serves SIGHUP after the FIFO"
vb_stop_daemon

vb_step "all checks passed"
