#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Security: vendorbanctl run by an unprivileged user. The ledger is shared
# read-only with the auditor group (auditor_group, here an existing group
# of this machine: the test creates no group or user): a root scan and
# vendorband make the state directory root:GROUP 0750, the ledger and its
# -wal/-shm 0640, quarantine/ stays 0700, the pid file is 0644.
# A member of the group (nobody, supplementary group GROUP) reads status
# (the daemon is running, the counts), findings and the quarantine list,
# with the daemon running and after it stopped (no writer: the ledger is
# read without creating -shm), and changes nothing: `quarantine restore`
# and `scan` are refused, naming root. Someone outside the group
# (nobody:nogroup, no supplementary groups) is told the group:
# "needs root or membership in group GROUP" (exit 2). `scan` in enforce
# mode is refused up front. The ledger is byte-for-byte unchanged.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl daemon
vb_private_journal "$@"
id nobody >/dev/null 2>&1 || vb_skip "no user 'nobody'"
getent group nogroup >/dev/null || vb_skip "no group 'nogroup'"

# An existing group, not nogroup (the primary group of the outsider).
group=
for g in adm staff users; do
        getent group "$g" >/dev/null && { group=$g; break; }
done
[ -n "$group" ] || vb_skip "no group adm, staff or users to stand for vendorban"
gid=$(getent group "$group" | cut -d: -f3)

root=$(vb_tmproot)
state=$root/var/lib/vendorban
db=$state/vendorban.db
vb_set_conf "$root" auditor_group "\"$group\""
as_outsider() {
        vb_run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$VB_CTL" --root "$root" "$@"
}
as_auditor() {
        vb_run setpriv --reuid=nobody --regid=nogroup --groups="$gid" -- "$VB_CTL" --root "$root" "$@"
}

chmod 0700 "$state"   # as an older vendorban made it
vb_step "as root: an enforce-mode scan quarantines a banned ELF and shares the ledger with group $group"
vb_set_mode "$root" enforce
mkdir -p "$root/opt/kaspersky/bin"
cp /bin/true "$root/opt/kaspersky/bin/kesl"
vb_run "$VB_CTL" --root "$root" scan
vb_expect_rc 1
[ ! -e "$root/opt/kaspersky/bin/kesl" ] || vb_fail "the ELF was not quarantined"
[ "$(stat -c '%a %U %G' "$state")" = "750 root $group" ] || vb_fail "state directory: $(stat -c '%a %U %G' "$state")"
[ "$(stat -c '%a %U' "$state/quarantine")" = "700 root" ] || vb_fail "quarantine: $(stat -c '%a %U' "$state/quarantine")"
for f in "$db" "$db-wal" "$db-shm"; do
        [ "$(stat -c '%a %U %G' "$f")" = "640 root $group" ] || vb_fail "$f: $(stat -c '%a %U %G' "$f" 2>&1)"
done
cp /bin/true "$root/opt/kaspersky/bin/kesl-new"     # banned, not yet seen
vb_set_mode "$root" audit

vb_step "the daemon runs: its pid file is 0644, the ledger files stay shared"
vb_start_daemon "$root"
pidfile=$root/run/vendorban/vendorband.pid
vb_wait_for -t 30 test -s "$pidfile" || vb_fail "no pid file"
[ "$(stat -c %a "$pidfile")" = 644 ] || vb_fail "pid file mode $(stat -c %a "$pidfile")"
for f in "$db" "$db-wal" "$db-shm"; do
        [ "$(stat -c '%a %G' "$f")" = "640 $group" ] || vb_fail "$f after the daemon started: $(stat -c '%a %G' "$f")"
done

[ ! -e "$state/host-key.pem" ] || [ "$(stat -c %a "$state/host-key.pem")" = 600 ] ||
        vb_fail "the host key is not 0600: $(stat -c %a "$state/host-key.pem")"

vb_step "auditor (nobody in group $group): status says the daemon runs and counts, exit 0"
as_auditor status
vb_expect_rc 0
grep -q '^daemon: *running' "$VB_OUT" || { vb_show_last; vb_fail "status: the daemon is not seen running"; }
grep -Eq '^findings: *[1-9]' "$VB_OUT" || { vb_show_last; vb_fail "status: no findings count"; }
vb_step "auditor: findings and quarantine list, exit 0"
as_auditor findings
vb_expect_rc 0
grep -q 'kesl' "$VB_OUT" || { vb_show_last; vb_fail "findings: kesl not listed"; }
as_auditor quarantine list
vb_expect_rc 0
grep -q '/opt/kaspersky/bin/kesl' "$VB_OUT" || { vb_show_last; vb_fail "quarantine list: kesl not listed"; }

vb_step "the daemon stops (no writer): the auditor still reads the ledger"
vb_stop_daemon
sum=$(vb_sha256 "$db")
as_auditor findings
vb_expect_rc 0
grep -q 'kesl' "$VB_OUT" || { vb_show_last; vb_fail "findings without a writer: kesl not listed"; }
vb_step "... also when the -wal and -shm are gone (a ledger of an older vendorban)"
mv "$db-wal" "$VB_TMP/wal.keep"; mv "$db-shm" "$VB_TMP/shm.keep"
as_auditor --json findings
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.findings | length > 0' "findings --json without -wal/-shm: nothing listed"
[ ! -e "$db-shm" ] || vb_fail "the auditor created $db-shm"
mv "$VB_TMP/wal.keep" "$db-wal"; mv "$VB_TMP/shm.keep" "$db-shm"

vb_step "auditor: restore and scan are refused (root only), exit 2"
as_auditor quarantine restore 1
vb_expect_rc 2
grep -q 'needs root' "$VB_ERR" || { vb_show_last; vb_fail "restore: no 'needs root' message"; }
[ ! -e "$root/opt/kaspersky/bin/kesl" ] || vb_fail "the file was restored by the auditor"
as_auditor scan
vb_expect_rc 2
grep -q "cannot write the ledger .*needs root; members of group $group may only read it" "$VB_ERR" ||
        { vb_show_last; vb_fail "auditor scan: no 'needs root' message"; }

vb_step "outsider (nobody:nogroup): status prints what it can and names the group, exit 2"
as_outsider status
vb_expect_rc 2
grep -q '^daemon: ' "$VB_OUT" && grep -q '^policy: ' "$VB_OUT" || { vb_show_last; vb_fail "status printed no daemon/policy lines"; }
grep -q 'cannot read: Permission denied' "$VB_OUT" || { vb_show_last; vb_fail "status does not say the ledger cannot be read"; }
grep -q 'missing' "$VB_OUT" && { vb_show_last; vb_fail "status calls an unreadable ledger missing"; }
grep -q "needs root or membership in group $group" "$VB_ERR" || { vb_show_last; vb_fail "status does not name the group"; }
as_outsider --json status
vb_expect_rc 2
vb_jq_assert "$VB_OUT" '.database_exists == true and (.database_error | test("Permission denied")) and .policy.bans >= 1' \
        "status --json does not report the unreadable ledger"

vb_step "outsider: findings and quarantine list name the group, exit 2"
as_outsider findings
vb_expect_rc 2
grep -q "Permission denied (needs root or membership in group $group)" "$VB_ERR" || { vb_show_last; vb_fail "findings: the group is not named"; }
as_outsider quarantine list
vb_expect_rc 2
grep -q "needs root or membership in group $group" "$VB_ERR" || { vb_show_last; vb_fail "quarantine list: the group is not named"; }

vb_step "outsider: quarantine restore 1 is refused (needs root), exit 2, the file stays quarantined"
as_outsider quarantine restore 1
vb_expect_rc 2
grep -q 'needs root' "$VB_ERR" || { vb_show_last; vb_fail "restore: no 'needs root' message"; }
[ ! -e "$root/opt/kaspersky/bin/kesl" ] || vb_fail "the file was restored by nobody"

vb_step "outsider: scan (audit) cannot write the ledger: permission error, exit 2"
as_outsider scan
vb_expect_rc 2
grep -q 'Permission denied' "$VB_ERR" || { vb_show_last; vb_fail "scan: no permission error"; }

vb_step "outsider: scan in enforce mode is refused up front (needs root), exit 2, nothing moves"
vb_set_mode "$root" enforce
as_outsider scan
vb_expect_rc 2
grep -q 'enforce mode needs root' "$VB_ERR" || { vb_show_last; vb_fail "enforce scan: no 'needs root' message"; }
[ -f "$root/opt/kaspersky/bin/kesl-new" ] || vb_fail "kesl-new moved"

vb_step "the ledger is unchanged, byte for byte"
[ "$(vb_sha256 "$db")" = "$sum" ] || vb_fail "the ledger changed"
[ -z "$(find "$state" -newer "$VB_TMP" ! -user root)" ] || vb_fail "nobody created files in the state directory"

vb_step "all checks passed"
