#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Security: vendorbanctl run by an unprivileged user (nobody:nogroup, no
# supplementary groups) reads what it can and changes nothing. With a
# root-only ledger (state directory 0700, as vendorband and a root scan
# make it): `status` prints the daemon and policy lines, says the ledger
# cannot be read (root only) and exits 2; `findings` fails with a
# permission error (2); `quarantine restore 1` is refused, "needs root"
# (2) and the file stays quarantined; `scan` cannot touch the ledger
# (permission error, 2); `scan` in enforce mode is refused up front, "needs
# root" (2), and nothing moves. The ledger is byte-for-byte unchanged.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"
id nobody >/dev/null 2>&1 || vb_skip "no user 'nobody'"
getent group nogroup >/dev/null || vb_skip "no group 'nogroup'"

root=$(vb_tmproot)
state=$root/var/lib/vendorban
db=$state/vendorban.db
as_nobody() {
        vb_run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$VB_CTL" --root "$root" "$@"
}

chmod 0700 "$state"   # as systemd makes it (StateDirectoryMode=0700)
vb_step "as root: an enforce-mode scan quarantines a banned ELF (ledger and quarantine entry 1)"
vb_set_mode "$root" enforce
mkdir -p "$root/opt/kaspersky/bin"
cp /bin/true "$root/opt/kaspersky/bin/kesl"
vb_run "$VB_CTL" --root "$root" scan
vb_expect_rc 1
[ ! -e "$root/opt/kaspersky/bin/kesl" ] || vb_fail "the ELF was not quarantined"
[ "$(stat -c %a "$state")" = 700 ] || vb_fail "the state directory is not 0700: $(stat -c %a "$state")"
cp /bin/true "$root/opt/kaspersky/bin/kesl-new"     # banned, not yet seen
vb_set_mode "$root" audit
sum=$(vb_sha256 "$db")

vb_step "nobody: status prints what it can, says the ledger is root-only, exit 2"
as_nobody status
vb_expect_rc 2
grep -q '^daemon: ' "$VB_OUT" && grep -q '^policy: ' "$VB_OUT" || { vb_show_last; vb_fail "status printed no daemon/policy lines"; }
grep -q 'cannot read: Permission denied' "$VB_OUT" || { vb_show_last; vb_fail "status does not say the ledger cannot be read"; }
grep -q 'missing' "$VB_OUT" && { vb_show_last; vb_fail "status calls an unreadable ledger missing"; }
grep -q 'root only' "$VB_ERR" || { vb_show_last; vb_fail "status does not say the ledger is root-only"; }
as_nobody --json status
vb_expect_rc 2
vb_jq_assert "$VB_OUT" '.database_exists == true and (.database_error | test("Permission denied")) and .policy.bans == 1' \
        "status --json does not report the unreadable ledger"

vb_step "nobody: findings fails with a permission error, exit 2"
as_nobody findings
vb_expect_rc 2
grep -q 'Permission denied' "$VB_ERR" || { vb_show_last; vb_fail "findings: no permission error"; }

vb_step "nobody: quarantine restore 1 is refused (needs root), exit 2, the file stays quarantined"
as_nobody quarantine restore 1
vb_expect_rc 2
grep -q 'needs root' "$VB_ERR" || { vb_show_last; vb_fail "restore: no 'needs root' message"; }
[ ! -e "$root/opt/kaspersky/bin/kesl" ] || vb_fail "the file was restored by nobody"

vb_step "nobody: scan (audit) cannot write the ledger: permission error, exit 2"
as_nobody scan
vb_expect_rc 2
grep -q 'Permission denied' "$VB_ERR" || { vb_show_last; vb_fail "scan: no permission error"; }

vb_step "nobody: scan in enforce mode is refused up front (needs root), exit 2, nothing moves"
vb_set_mode "$root" enforce
as_nobody scan
vb_expect_rc 2
grep -q 'enforce mode needs root' "$VB_ERR" || { vb_show_last; vb_fail "enforce scan: no 'needs root' message"; }
[ -f "$root/opt/kaspersky/bin/kesl-new" ] || vb_fail "kesl-new moved"

vb_step "the ledger is unchanged, byte for byte"
[ "$(vb_sha256 "$db")" = "$sum" ] || vb_fail "the ledger changed"
[ -z "$(find "$state" -newer "$VB_TMP" ! -user root)" ] || vb_fail "nobody created files in the state directory"

vb_step "all checks passed"
