#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The exec guard denies quarantined content under any name: in enforce mode
# vendorband quarantines an ELF dropped into ROOT/opt/kaspersky; after a
# reload, a copy of the same bytes under an unbanned name (no sha256 in any
# ban) on the guarded tmpfs fails with EPERM, logged with indicator
# "quarantined:SHA256"; a different benign ELF still runs.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

VB_MID_EXEC_DENIED=3f5b7d9f1b3d4a5c8e0a2c4e6f8b0d2c

vb_step "a tmpfs of our own, holding the test root (enforce mode)"
g=$VB_TMP/guarded
mkdir -p "$g"
mount -t tmpfs -o mode=0755,size=128m vendorban-guard-test "$g" || vb_fail "cannot mount a tmpfs on $g"
VB_MOUNTS+=("$g")
r=$(vb_tmproot)
cp -a "$r/." "$g/"
root=$g
vb_set_mode "$root" enforce

payload=$VB_TMP/payload
cp /bin/true "$payload"
printf 'vendorban test: quarantined content %s\n' "$RANDOM$RANDOM" >>"$payload"
sha=$(vb_sha256 "$payload")
benign=/usr/local/bin/benign
mkdir -p "$root/srv/bin" "$root$(dirname "$benign")"
cp /bin/true "$root$benign"

export VENDORBAN_GUARD_MOUNTS=$g
vb_step "start vendorband; drop the ELF into /opt/kaspersky/kesl/bin/kesld and wait for its quarantine"
vb_start_daemon "$root"
mkdir -p "$root/opt/kaspersky/kesl/bin"
cp "$payload" "$root/opt/kaspersky/kesl/bin/kesld"
vb_wait_for -t 10 test ! -e "$root/opt/kaspersky/kesl/bin/kesld" || vb_fail "kesld was not quarantined within 10 s"

vb_step "reload: the guard learns the quarantined hashes"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_POLICY_LOADED" -g "reloaded" || vb_fail "no reload"

vb_step "the same bytes as /srv/bin/renamed: EPERM"
cp "$payload" "$root/srv/bin/renamed"
vb_run "$root/srv/bin/renamed"
[ "$VB_RC" -ne 0 ] || vb_fail "/srv/bin/renamed ran"
grep -q "Operation not permitted" "$VB_ERR" || { vb_show_last; vb_fail "/srv/bin/renamed did not fail with EPERM"; }
vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH=/srv/bin/renamed ||
        vb_fail "no exec-denied entry for /srv/bin/renamed"
vb_journal_json -u vendorband MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH=/srv/bin/renamed >"$VB_TMP/j.json"
vb_jq_assert "$VB_TMP/j.json" 'any(.[]; .VENDORBAN_SHA256 == $s and .VENDORBAN_INDICATOR == ("quarantined:" + $s))' \
        "the entry lacks the quarantined indicator" --arg s "$sha"

vb_step "a benign ELF on the same tmpfs runs"
vb_run "$root$benign"
vb_expect_rc 0

vb_stop_daemon
vb_step "all checks passed"
