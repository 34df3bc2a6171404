#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A file the guard allowed is remembered (an ignore mark on its inode) until
# it changes. A write through a shared mapping sends no modify event, and
# on tmpfs does not even change the mtime: the guard must still forget the
# file once it is closed after writing. Rewritten through mmap into banned
# content (by sha256), it is denied.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

vb_step "a tmpfs root: /srv/bin/tool (benign); the same file with other trailing bytes is banned"
gl_setup
cp /bin/true "$root/srv/bin/tool"
size=$(stat -c %s "$root/srv/bin/tool")
printf 'vendorban-benign-%s\n' "$RANDOM$RANDOM" >>"$root/srv/bin/tool"
chmod 0755 "$root/srv/bin/tool"
cp "$root/srv/bin/tool" "$VB_TMP/banned"
"$GUARD_HELPER" mmap-write "$VB_TMP/banned" "$size" "vendorban-banned" || vb_fail "mmap-write failed"
gl_ban_sha "$(vb_sha256 "$VB_TMP/banned")"
gl_start_daemon

vb_step "the tool runs (and is remembered as allowed)"
for _ in 1 2 3; do
        vb_run "$root/srv/bin/tool"
        vb_expect_rc 0
done

vb_step "rewritten through a shared mapping into the banned content, it is denied"
"$GUARD_HELPER" mmap-write "$root/srv/bin/tool" "$size" "vendorban-banned" || vb_fail "mmap-write failed"
[ "$(vb_sha256 "$root/srv/bin/tool")" = "$(vb_sha256 "$VB_TMP/banned")" ] || vb_fail "the rewrite did not give the banned content"
vb_run "$root/srv/bin/tool"
vb_expect_rc 126
vb_wait_for -t 30 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH=/srv/bin/tool ||
        vb_fail "no exec-denied entry for /srv/bin/tool"

vb_stop_daemon
vb_step "all checks passed"
