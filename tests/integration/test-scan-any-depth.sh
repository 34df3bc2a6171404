#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Any depth: a banned ELF 300 directories below /opt/kaspersky (the walk
# used to stop at 128 levels, counting only an error) is found by
# `vendorbanctl scan` and by vendorband's startup scan. A directory that
# cannot be read (mode 000, scanned as an unprivileged user) is reported by
# name, and the files beside it still count.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)

vb_step "a banned ELF 300 directories deep under /opt/kaspersky, a benign file 300 deep under /opt/acme"
deep=/opt/kaspersky/$(printf 'd/%.0s' $(seq 1 300))
mkdir -p "$root$deep" "$root/opt/acme/$(printf 'a/%.0s' $(seq 1 300))"
cp /bin/true "$root${deep}kesl"
printf 'hello\n' >"$root/opt/acme/$(printf 'a/%.0s' $(seq 1 300))README"
[ "$(printf '%s' "${deep}kesl" | tr -cd / | wc -c)" -gt 300 ] || vb_fail "the tree is not 300 deep"

vb_step "vendorbanctl scan finds it (exit 1) with its full path, no error"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" 'any(.findings[]; .path == $p and .verdict == "block")' "the deep banned file was not found" \
        --arg p "${deep}kesl"
vb_jq_assert "$VB_OUT" '.errors == 0 and .unreadable == [] and .files_scanned == 2' "the deep tree was not walked whole"

vb_step "vendorband's startup scan finds it too"
vb_start_daemon "$root"
vb_wait_for -t 10 vb_has_finding "$root" '.path == $p' --arg p "${deep}kesl" ||
        vb_fail "vendorband did not find the deep banned file"
vb_stop_daemon

vb_step "as nobody: a directory of mode 000 is reported by name; the banned file is still found"
id nobody >/dev/null 2>&1 || vb_skip "no user 'nobody'"
getent group nogroup >/dev/null || vb_skip "no group 'nogroup'"
mkdir -p "$root/opt/locked/inner"
cp /bin/true "$root/opt/locked/inner/x"
chmod 000 "$root/opt/locked"
rm -rf "$root/var/lib/vendorban"
mkdir -p "$root/var/lib/vendorban"
chown nobody:nogroup "$root/var/lib/vendorban"
vb_run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
grep -Fq "/opt/locked: cannot read: Permission denied" "$VB_ERR" ||
        { vb_show_last; vb_fail "the unreadable directory is not named"; }
vb_jq_assert "$VB_OUT" '.errors == 1 and any(.findings[]; .path == $p)' \
        "the unreadable directory hid the rest, or was not counted" --arg p "${deep}kesl"
vb_jq_assert "$VB_OUT" '.unreadable == [{"path": "/opt/locked", "error": "cannot read: Permission denied"}]' \
        "scan --json does not name the unreadable directory"

vb_step "all checks passed"
