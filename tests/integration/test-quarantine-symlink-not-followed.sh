#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Enforcement never follows a symlink out of the root. Packages kesl and
# kesl-gui (both banned) are installed, then symlinks are swapped in:
#   ROOT/opt/kaspersky/kesl/bin -> OUTSIDE (an absolute directory on the
#     host, outside the root) holding ELF files named like the package's;
#   ROOT/opt/kaspersky/k2/bin/agent -> OUTSIDE/file (the last component);
#   ROOT/opt/kaspersky/k3/bin/agent -> ../../../../../..(...)/OUTSIDE/file
#     (relative, climbing out of the root), a loose file.
# An enforce-mode `vendorbanctl scan` blocks both packages, and every file
# outside the root is as it was: nothing moved, chmod-ed or copied away.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
# shellcheck disable=SC2015 # A && B || vb_fail: vb_fail only when the check fails
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"
command -v sqlite3 >/dev/null || vb_skip "sqlite3 is not installed"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
db=$root/var/lib/vendorban/vendorban.db
qdir=$root/var/lib/vendorban/quarantine
outside=$(mktemp -d "$VB_TMP/OUTSIDE.XXXXXX")
case $outside in "$root"/*) vb_fail "OUTSIDE is inside the root" ;; esac

kesl_deb=$(vb_build_deb kesl 12.0.0.6672-1 "AO Kaspersky Lab <support@kaspersky.com>" \
        /opt/kaspersky/kesl/bin/kesl /opt/kaspersky/kesl/bin/kesl-control)
gui_deb=$(vb_build_deb kesl-gui 12.0.0.6672-1 "AO Kaspersky Lab <support@kaspersky.com>" \
        /opt/kaspersky/k2/bin/agent)

vb_step "install kesl and kesl-gui, then swap symlinks to $outside into their paths"
vb_dpkg_install "$root" "$kesl_deb"
vb_dpkg_install "$root" "$gui_deb"
for f in kesl kesl-control file; do
        cp /bin/true "$outside/$f"
        chmod 0755 "$outside/$f"
done
rm -r "$root/opt/kaspersky/kesl/bin"
ln -s "$outside" "$root/opt/kaspersky/kesl/bin"
rm "$root/opt/kaspersky/k2/bin/agent"
ln -s "$outside/file" "$root/opt/kaspersky/k2/bin/agent"
mkdir -p "$root/opt/kaspersky/k3/bin"
ln -s "../../../../../../../../../../../../../../..$outside/file" "$root/opt/kaspersky/k3/bin/agent"
[ -x "$root/opt/kaspersky/kesl/bin/kesl" ] && [ -x "$root/opt/kaspersky/k2/bin/agent" ] &&
        [ -x "$root/opt/kaspersky/k3/bin/agent" ] || vb_fail "the symlinks do not reach OUTSIDE on the host"
outside_before=$(vb_tree_digest "$outside")
# Next to the root: the .debs, their build trees and OUTSIDE (the files
# directly in $VB_TMP are the test's own logs).
tmp_before=$(find "$VB_TMP" -mindepth 2 -path "$root/*" -prune -o -type f -printf '%p %m %s\n' | sort)

vb_step "vendorbanctl scan in enforce mode"
vb_run "$VB_CTL" --root "$root" --json scan
[ "$VB_RC" -eq 1 ] || [ "$VB_RC" -eq 2 ] || { vb_show_last; vb_fail "scan exited $VB_RC (expected 1 or 2)"; }
cp "$VB_OUT" "$VB_TMP/scan.json"
vb_jq_assert "$VB_TMP/scan.json" 'any(.findings[]; .package == "kesl" and .action == "blocked")
        and any(.findings[]; .package == "kesl-gui" and .action == "blocked")' "kesl and kesl-gui are not blocked"

vb_step "OUTSIDE is untouched: same files, contents, modes and owners"
after=$(vb_tree_digest "$outside")
if [ "$after" != "$outside_before" ]; then
        diff <(printf '%s\n' "$outside_before") <(printf '%s\n' "$after") >&2 || true
        vb_fail "files outside the root changed"
fi
for f in kesl kesl-control file; do
        [ "$(stat -c '%a' "$outside/$f")" = 755 ] || vb_fail "$outside/$f was chmod-ed"
done

vb_step "the symlinks are still there; nothing else outside the root moved"
[ "$(readlink "$root/opt/kaspersky/kesl/bin")" = "$outside" ] || vb_fail "the bin symlink changed"
[ "$(readlink "$root/opt/kaspersky/k2/bin/agent")" = "$outside/file" ] || vb_fail "the k2 agent symlink changed"
[ -L "$root/opt/kaspersky/k3/bin/agent" ] || vb_fail "the k3 agent symlink is gone"
tmp_after=$(find "$VB_TMP" -mindepth 2 -path "$root/*" -prune -o -type f -printf '%p %m %s\n' | sort)
[ "$tmp_after" = "$tmp_before" ] || vb_fail "files appeared or vanished next to the root"

vb_step "the quarantine holds nothing from outside the root"
if [ -d "$qdir" ]; then
        for f in "$qdir"/*; do
                [ -e "$f" ] || continue
                vb_fail "something was quarantined: $(sqlite3 "$db" 'SELECT id, state, path FROM quarantine')"
        done
fi
[ "$(sqlite3 "$db" "SELECT count(*) FROM quarantine WHERE state IN ('quarantined', 'pending')")" -eq 0 ] ||
        vb_fail "quarantine rows: $(sqlite3 "$db" 'SELECT id, state, path, error FROM quarantine')"

vb_step "all checks passed"
