#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Another name for a path-banned file: a hard link, a bind mount of the
# file, a copy. Once the guard knows the content of a file denied by its
# path, that content is denied under every name. A hard link run first
# (allowed: its content is not known as banned yet) leaves no "allowed"
# mark on the shared inode: the banned path is still denied afterwards.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

kesl=/opt/kaspersky/kesl/bin/kesl
vb_step "a tmpfs root: $kesl (banned by path), a hard link /srv/bin/link to it"
gl_setup
gl_payload /bin/true "$kesl"
ln "$root$kesl" "$root/srv/bin/link"
gl_start_daemon

vb_step "the hard link runs first (nothing says its content is banned yet)"
vb_run "$root/srv/bin/link"
vb_expect_rc 0

vb_step "the banned path is still denied: the inode kept no allowed mark"
vb_run "$root$kesl"
vb_expect_rc 126

vb_step "now the content is known: the hard link, a bind mount and a copy are denied"
touch "$root/srv/bin/bound"
mount --bind "$root$kesl" "$root/srv/bin/bound" || vb_fail "cannot bind-mount $kesl"
VB_MOUNTS+=("$root/srv/bin/bound")
cp "$root$kesl" "$root/srv/bin/copy"
for p in /srv/bin/link /srv/bin/bound /srv/bin/copy; do
        vb_run "$root$p"
        vb_expect_rc 126
        vb_wait_for -t 30 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH="$p" ||
                vb_fail "no exec-denied entry for $p"
done
vb_journal_query -o cat MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH=/srv/bin/copy |
        grep -q "same-content-as-banned-path" || vb_fail "the entry for the copy does not say why"

vb_step "a benign program still runs"
gl_payload /bin/true /srv/bin/benign
vb_run "$root/srv/bin/benign"
vb_expect_rc 0

vb_stop_daemon
vb_step "all checks passed"
