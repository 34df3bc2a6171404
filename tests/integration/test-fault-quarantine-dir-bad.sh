#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: the quarantine directory is missing or has the wrong permissions.
# Enforce mode, a banned loose ELF under /opt/kaspersky. Missing: it is
# created 0700 and used (the file moves into it). Mode 0777: it is refused,
# the error names the directory and the expected 0700, the banned file
# stays in place, and neither vendorbanctl nor vendorband crashes.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
command -v sqlite3 >/dev/null || vb_skip "sqlite3 is not installed"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
qdir=$root/var/lib/vendorban/quarantine
bad=/opt/kaspersky/kesl/bin/kesl

vb_step "no quarantine directory; a banned ELF at ROOT$bad"
[ ! -e "$qdir" ] || vb_fail "$qdir exists already"
mkdir -p "$root$(dirname "$bad")"
cp /bin/true "$root$bad"

vb_step "vendorbanctl scan (enforce): the directory is created 0700 and the file moves into it"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
[ -d "$qdir" ] || vb_fail "$qdir was not created"
[ "$(stat -c %a "$qdir")" = 700 ] || vb_fail "$qdir has mode $(stat -c %a "$qdir"), expected 700"
[ ! -e "$root$bad" ] || vb_fail "$bad was not quarantined"
[ "$(find "$qdir" -type f | wc -l)" -eq 1 ] || vb_fail "not one file in $qdir"

vb_step "restore it; then chmod 0777 the quarantine directory"
vb_run "$VB_CTL" --root "$root" quarantine restore 1
vb_expect_rc 0
[ -f "$root$bad" ] || vb_fail "$bad was not restored"
[ -z "$(ls -A "$qdir")" ] || vb_fail "$qdir is not empty after the restore"
chmod 0777 "$qdir"

vb_step "vendorbanctl scan (enforce) with a 0777 quarantine and a new banned file: refused, names the directory and 0700, file stays"
# (a restored file is the admin's decision and is not taken again: use a new one)
bad=/opt/kaspersky/kesl/bin/kesl-b
cp /bin/true "$root$bad"
vb_run "$VB_CTL" --root "$root" --json scan
[ "$VB_RC" -eq 1 ] || [ "$VB_RC" -eq 2 ] || { vb_show_last; vb_fail "scan exited $VB_RC (expected 1 or 2)"; }
[ -f "$root$bad" ] || vb_fail "$bad was moved into a 0777 quarantine"
[ -z "$(ls -A "$qdir")" ] || { ls -la "$qdir" >&2; vb_fail "something was written into the 0777 $qdir"; }
vb_journal_query -o cat MESSAGE_ID="$VB_MID_ACTION" >"$VB_TMP/actions.txt"
# the message names the directory as a path inside the root
grep -F "/var/lib/vendorban/quarantine" "$VB_TMP/actions.txt" | grep -q '0700' ||
        { cat "$VB_TMP/actions.txt" >&2; vb_fail "no error entry naming the quarantine directory and 0700"; }
grep -F "/var/lib/vendorban/quarantine" "$VB_TMP/actions.txt" | grep '0700' | tail -n 1

vb_step "vendorband in enforce mode with the 0777 quarantine: starts, refuses, keeps running"
vb_start_daemon "$root"
n0=$(grep -cF "0777; refusing" "$VB_TMP/actions.txt")
cp /bin/true "$root/opt/kaspersky/kesl/bin/kesl-two"
more_refusals() { [ "$(vb_journal_query -o cat MESSAGE_ID="$VB_MID_ACTION" | grep -cF "0777; refusing")" -gt "$n0" ]; }
vb_wait_for -t 10 more_refusals || vb_fail "vendorband logged no refusal for the new file"
vb_daemon_alive_or_fail "with a 0777 quarantine directory"
[ -f "$root/opt/kaspersky/kesl/bin/kesl-two" ] || vb_fail "kesl-two was moved into a 0777 quarantine"
[ "$(stat -c %a "$qdir")" = 777 ] || vb_fail "vendorband changed the directory's mode silently"
vb_stop_daemon

vb_step "0700 again, with a symlink planted under the name the next file would get (its sha256) -> a victim file"
chmod 0700 "$qdir"
victim=$VB_TMP/victim
printf 'victim\n' >"$victim"
vsum=$(vb_sha256 "$victim")
planted=/opt/kaspersky/kesl/bin/kesl-planted
head -c 4096 /dev/urandom >"$VB_TMP/rand"
cat /bin/true "$VB_TMP/rand" >"$root$planted"
psha=$(vb_sha256 "$root$planted")
ln -s "$victim" "$qdir/$psha"
ln "$victim" "$qdir/$psha.1" 2>/dev/null || true   # and a hard link under the next name
vb_run "$VB_CTL" --root "$root" scan
[ "$(vb_sha256 "$victim")" = "$vsum" ] || vb_fail "the victim behind the planted symlink was overwritten"
[ -L "$qdir/$psha" ] && [ "$(readlink "$qdir/$psha")" = "$victim" ] || vb_fail "the planted symlink was replaced"
[ ! -e "$root$planted" ] || vb_fail "the planted-name file was not quarantined (under another name)"
stored=$(sqlite3 "$root/var/lib/vendorban/vendorban.db" "SELECT stored_name FROM quarantine WHERE path = '$planted' AND state = 'quarantined'")
[ -n "$stored" ] && [ "$stored" != "$psha" ] && [ "$stored" != "$psha.1" ] || vb_fail "stored under a planted name: '$stored'"
[ "$(vb_sha256 "$qdir/$stored")" = "$psha" ] || vb_fail "the quarantined copy is not the file"
printf '  quarantined as %s; the planted %s and %s.1 untouched\n' "$stored" "$psha" "$psha"

vb_step "all checks passed"
