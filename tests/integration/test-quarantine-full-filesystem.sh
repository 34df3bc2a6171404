#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A quarantine that runs out of space loses nothing: the quarantine
# directory is a 64 KiB tmpfs (another file system, so the file is copied,
# not renamed) and the banned file is 1 MiB. An enforce-mode
# `vendorbanctl scan` leaves the original in place with the same content,
# marks the ledger row 'failed' with an error that says so, logs an error
# entry to the journal, and leaves no partial copy behind.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"
command -v sqlite3 >/dev/null || vb_skip "sqlite3 is not installed"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
db=$root/var/lib/vendorban/vendorban.db
qdir=$root/var/lib/vendorban/quarantine
big=/opt/kaspersky/big/bin/big

vb_step "a 64 KiB tmpfs (mode 0700) on ROOT/var/lib/vendorban/quarantine"
mkdir -p "$qdir"
mount -t tmpfs -o size=64k,mode=0700 vendorban-tests-quarantine "$qdir" || vb_fail "cannot mount a tmpfs on $qdir"
VB_MOUNTS+=("$qdir")    # unmounted by the exit trap (vb_cleanup)
[ "$(stat -c '%d' "$qdir")" != "$(stat -c '%d' "$root/opt")" ] || vb_fail "the quarantine is on the same file system"

vb_step "a 1 MiB banned ELF at ROOT$big"
mkdir -p "$root$(dirname "$big")"
cp /bin/true "$root$big"
head -c 1048576 /dev/urandom >>"$root$big"
chmod 0755 "$root$big"
sha=$(vb_sha256 "$root$big")
stat_before=$(stat -c '%u:%g %a %s %Y' "$root$big")

vb_step "vendorbanctl scan in enforce mode: the quarantine fails for lack of space"
vb_run "$VB_CTL" --root "$root" --json scan
[ "$VB_RC" -eq 1 ] || [ "$VB_RC" -eq 2 ] || { vb_show_last; vb_fail "scan exited $VB_RC (expected 1 or 2)"; }
vb_jq_assert "$VB_OUT" 'any(.findings[]; .path == $p and .verdict == "block")' "no block finding for $big" \
        --arg p "$big"

vb_step "the original is in place, unchanged"
[ -f "$root$big" ] || vb_fail "$big is gone"
[ "$(vb_sha256 "$root$big")" = "$sha" ] || vb_fail "$big changed"
[ "$(stat -c '%u:%g %a %s %Y' "$root$big")" = "$stat_before" ] || vb_fail "$big's owner, mode, size or mtime changed"

vb_step "the ledger row is 'failed' with an error about space"
row=$(sqlite3 -separator '|' "$db" 'SELECT state, path, error FROM quarantine')
[ "$(printf '%s\n' "$row" | wc -l)" -eq 1 ] || vb_fail "not one quarantine row: $row"
case $row in
"failed|$big|"*) ;;
*) vb_fail "the row is not failed: $row" ;;
esac
printf '%s\n' "$row" | grep -qi 'space' || vb_fail "the error does not mention space: $row"
vb_run "$VB_CTL" --root "$root" --json quarantine list
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.quarantine | length == 1 and .[0].state == "failed" and (.[0].error | test("space"; "i"))
        and .[0].moved == null' "quarantine list --json"

vb_step "the journal has an error entry for the failed quarantine"
vb_journal_json MESSAGE_ID="$VB_MID_ACTION" VENDORBAN_ACTION=quarantine >"$VB_TMP/j.json"
vb_jq_assert "$VB_TMP/j.json" 'any(.[]; .PRIORITY == "3" and .VENDORBAN_RESULT == "failed" and .VENDORBAN_PATH == $p
        and (.MESSAGE | test("space"; "i")))' "no error entry for the failed quarantine" --arg p "$big"

vb_step "no temporary file is left in the quarantine directory"
[ -z "$(ls -A "$qdir")" ] || { ls -la "$qdir" >&2; vb_fail "the quarantine directory is not empty"; }
[ "$(df --output=used -B1 "$qdir" | tail -n1 | tr -d ' ')" -lt 16384 ] || vb_fail "space still used on the tmpfs"

vb_step "a second scan fails the same way and still loses nothing"
vb_run "$VB_CTL" --root "$root" scan
[ "$(vb_sha256 "$root$big")" = "$sha" ] || vb_fail "$big changed on the second scan"
[ -z "$(ls -A "$qdir")" ] || { ls -la "$qdir" >&2; vb_fail "the quarantine directory is not empty"; }

vb_step "all checks passed"
