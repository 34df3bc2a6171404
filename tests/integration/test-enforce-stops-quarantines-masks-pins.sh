#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Enforce mode, end to end, and back: a fake kesl is installed with dpkg
# while vendorband is down and its daemon binary is started. When vendorband
# starts, its startup reconcile blocks the package: it kills the running
# process (by pid), quarantines the executable and the shared object (mode
# 0, named by sha256) but not the README, masks kesl.service and pins kesl
# to -1 in a preferences file that the real apt-cache reads without error.
# The finding says "blocked"; the journal and `vendorbanctl quarantine list`
# hold every action. Then `vendorbanctl quarantine restore` puts each file
# back byte for byte with its owner and mode, unmasks the unit, drops the
# pin, and `dpkg -r kesl` removes the package cleanly.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
# shellcheck disable=SC2015 # A && B || vb_fail: vb_fail only when the check fails
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
command -v apt-cache >/dev/null || vb_skip "apt-cache is not installed"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
vb_apt_setup "$root"
kesl_deb=$(vb_build_runnable_kesl kesl 12.0.0.6672-1)
qdir=$root/var/lib/vendorban/quarantine
kesld=/opt/kaspersky/kesl/bin/kesld
lib=/opt/kaspersky/kesl/lib/libkesl.so
readme=/opt/kaspersky/kesl/share/README

vb_step "dpkg -i kesl while vendorband is not running"
vb_dpkg_install "$root" "$kesl_deb"
# An owner and mode dpkg would not choose, to see both restored.
chown 4242:4343 "$root$lib"
chmod 0640 "$root$lib"
declare -A sum_before stat_before
for f in "$kesld" "$lib" "$readme"; do
        sum_before[$f]=$(vb_sha256 "$root$f")
        stat_before[$f]=$(stat -c '%u:%g %a' "$root$f")
done

vb_step "start $kesld 300 as a real process"
vb_spawn "$VB_TMP/kesld.log" "$root$kesld" 300
kesld_pid=$VB_LAST_PID
vb_wait_exe "$kesld_pid" "$root$kesld" || vb_fail "kesld (pid $kesld_pid) did not start"

vb_step "start vendorband in enforce mode: its startup reconcile blocks kesl"
vb_start_daemon "$root"

vb_step "the kesld process (pid $kesld_pid) was stopped"
vb_wait_for -t 10 _vb_pid_gone "$kesld_pid" || vb_fail "kesld (pid $kesld_pid) still runs"
rc=$(vb_reap "$kesld_pid")
[ "$rc" -eq 143 ] || [ "$rc" -eq 137 ] || vb_fail "kesld exited with status $rc, not by SIGTERM/SIGKILL"
vb_wait_for -t 5 vb_journal_has -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_ACTION=stop-process \
        "VENDORBAN_TARGET=pid $kesld_pid" || vb_fail "no stop-process journal entry for pid $kesld_pid"

vb_step "kesld and libkesl.so are in the quarantine (mode 0, named by sha256); README is not"
vb_wait_for -t 5 test ! -e "$root$kesld" || vb_fail "$kesld is still in place"
[ ! -e "$root$lib" ] || vb_fail "$lib is still in place"
for f in "$kesld" "$lib"; do
        stored=$qdir/${sum_before[$f]}
        [ -f "$stored" ] || { ls -la "$qdir" >&2 || true; vb_fail "no $stored for $f"; }
        [ "$(stat -c '%a' "$stored")" = 0 ] || vb_fail "$stored has mode $(stat -c '%a' "$stored"), not 0"
        [ "$(vb_sha256 "$stored")" = "${sum_before[$f]}" ] || vb_fail "$stored has other content than $f"
done
[ "$(find "$qdir" -mindepth 1 | wc -l)" -eq 2 ] || { ls -la "$qdir" >&2; vb_fail "the quarantine holds more than 2 entries"; }
[ "$(stat -c '%a' "$qdir")" = 700 ] || vb_fail "$qdir has mode $(stat -c '%a' "$qdir"), not 700"
[ "$(vb_sha256 "$root$readme")" = "${sum_before[$readme]}" ] || vb_fail "README changed"
[ "$(stat -c '%u:%g %a' "$root$readme")" = "${stat_before[$readme]}" ] || vb_fail "README's owner or mode changed"

vb_step "kesl.service is masked: ROOT/etc/systemd/system/kesl.service -> /dev/null"
[ -L "$root/etc/systemd/system/kesl.service" ] || vb_fail "kesl.service is not masked"
[ "$(readlink "$root/etc/systemd/system/kesl.service")" = /dev/null ] ||
        vb_fail "the mask points to $(readlink "$root/etc/systemd/system/kesl.service")"

vb_step "the APT pin file pins kesl to -1, and the real apt-cache reads it"
pref=$root/etc/apt/preferences.d/vendorban.pref
[ -f "$pref" ] || vb_fail "no $pref"
grep -qx 'Package: kesl' "$pref" || { cat "$pref" >&2; vb_fail "no 'Package: kesl' in $pref"; }
grep -qx 'Pin-Priority: -1' "$pref" || { cat "$pref" >&2; vb_fail "no 'Pin-Priority: -1' in $pref"; }
vb_apt_policy kesl
vb_expect_rc 0
if grep -q '^E:' "$VB_ERR" || grep -q '^W:' "$VB_ERR"; then
        vb_show_last
        vb_fail "apt-cache complains about the pin file"
fi
grep -q 'Candidate: (none)' "$VB_OUT" || { vb_show_last; vb_fail "apt-cache still has a candidate for kesl"; }
grep -Eq ' 12\.0\.0\.6672-1 -1$' "$VB_OUT" || { vb_show_last; vb_fail "apt-cache does not show priority -1 for kesl"; }

vb_step "vendorbanctl findings --json: kesl's action is blocked"
vb_findings_json "$root" "$VB_TMP/f.json"
vb_jq_assert "$VB_TMP/f.json" 'any(.findings[]; .subject == "package" and .package == "kesl"
        and .verdict == "block" and .action == "blocked" and .mode == "enforce")' "kesl's finding is not blocked"

vb_step "the journal: journalctl -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_ACTION=quarantine"
vb_journal_json -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_ACTION=quarantine >"$VB_TMP/jq.json"
for f in "$kesld" "$lib"; do
        vb_jq_assert "$VB_TMP/jq.json" 'any(.[]; .MESSAGE_ID == $mid and .VENDORBAN_PATH == $p
                and .VENDORBAN_PACKAGE == "kesl" and .VENDORBAN_RESULT == "done" and .PRIORITY == "5")' \
                "no quarantine journal entry for $f" --arg mid "$VB_MID_ACTION" --arg p "$f"
done
vb_journal_has -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_ACTION=mask-unit VENDORBAN_TARGET=kesl.service ||
        vb_fail "no mask-unit journal entry"
vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_ACTION" VENDORBAN_ACTION=apt-pin || vb_fail "no apt-pin journal entry"

vb_step "vendorbanctl quarantine list --json: 2 rows, quarantined"
vb_run "$VB_CTL" --root "$root" quarantine list --json
vb_expect_rc 0
cp "$VB_OUT" "$VB_TMP/q.json"
vb_jq_assert "$VB_TMP/q.json" '.quarantine | length == 2 and all(.[]; .state == "quarantined")' \
        "the quarantine list is not 2 quarantined rows"
for f in "$kesld" "$lib"; do
        vb_jq_assert "$VB_TMP/q.json" 'any(.quarantine[]; .path == $p and .sha256 == $s and .stored_name == $s
                and (.finding | type == "number") and .size > 0 and (.created | type == "string")
                and (.moved | type == "string") and .restored == null and .error == null)' \
                "no complete row for $f" --arg p "$f" --arg s "${sum_before[$f]}"
done
vb_jq_assert "$VB_TMP/q.json" 'any(.quarantine[]; .path == $p and .uid == 4242 and .gid == 4343 and .mode == "0640")' \
        "libkesl.so's row lacks its owner/mode" --arg p "$lib"
vb_jq_assert "$VB_TMP/q.json" 'any(.quarantine[]; .path == $p and .uid == 0 and .gid == 0 and .mode == "0755")' \
        "kesld's row lacks its owner/mode" --arg p "$kesld"
vb_run "$VB_CTL" --root "$root" quarantine list
vb_expect_rc 0
head -n1 "$VB_OUT" | grep -q '^ID  *STATE  *PATH  *SHA256  *OWNER  *MODE  *SIZE  *WHEN  *FINDING$' ||
        { vb_show_last; vb_fail "the quarantine table has no header"; }
grep -q "quarantined  *$kesld  *${sum_before[$kesld]:0:12}  *0:0  *0755 " "$VB_OUT" ||
        { vb_show_last; vb_fail "the quarantine table has no row for kesld"; }

vb_step "stop vendorband; restore needs root"
vb_stop_daemon
id_kesld=$(jq -r --arg p "$kesld" '.quarantine[] | select(.path == $p) | .id' "$VB_TMP/q.json")
id_lib=$(jq -r --arg p "$lib" '.quarantine[] | select(.path == $p) | .id' "$VB_TMP/q.json")
vb_run setpriv --reuid=65534 --regid=65534 --clear-groups "$VB_CTL" --root "$root" quarantine restore "$id_kesld"
vb_expect_rc 2
grep -qx 'vendorbanctl: quarantine restore needs root' "$VB_ERR" || { vb_show_last; vb_fail "no 'needs root' message"; }
[ ! -e "$root$kesld" ] || vb_fail "a non-root restore put the file back"

vb_step "restore kesld (--json): back with its content, owner and mode; the unit stays masked"
vb_run "$VB_CTL" --root "$root" --json quarantine restore "$id_kesld"
vb_expect_rc 0
cp "$VB_OUT" "$VB_TMP/r1.json"
vb_jq_assert "$VB_TMP/r1.json" '.restored.id == ($id | tonumber) and .restored.state == "restored"
        and .restored.path == $p and (.restored.restored | type == "string")' "restore --json output" \
        --arg id "$id_kesld" --arg p "$kesld"
[ -L "$root/etc/systemd/system/kesl.service" ] || vb_fail "unmasked while libkesl.so is still quarantined"
[ -f "$pref" ] || vb_fail "pin dropped while libkesl.so is still quarantined"

vb_step "restoring it again is refused"
vb_run "$VB_CTL" --root "$root" quarantine restore "$id_kesld"
vb_expect_rc 2

vb_step "restore libkesl.so: a file put at its path first is not overwritten"
printf 'not the original\n' >"$root$lib"
vb_run "$VB_CTL" --root "$root" quarantine restore "$id_lib"
vb_expect_rc 2
grep -qx "vendorbanctl: refusing to overwrite $lib: a file is there now" "$VB_ERR" ||
        { vb_show_last; vb_fail "no 'refusing to overwrite' message"; }
[ "$(cat "$root$lib")" = "not the original" ] || vb_fail "the file in the way was overwritten"
rm -f "$root$lib"
vb_run "$VB_CTL" --root "$root" quarantine restore "$id_lib"
vb_expect_rc 0
grep -qx "restored $lib (owner 4242:4343, mode 0640)" "$VB_OUT" || { vb_show_last; vb_fail "restore's message"; }

vb_step "both files are byte-identical, same owner and mode; the quarantine is empty"
for f in "$kesld" "$lib" "$readme"; do
        [ "$(vb_sha256 "$root$f")" = "${sum_before[$f]}" ] || vb_fail "$f differs after restore"
        [ "$(stat -c '%u:%g %a' "$root$f")" = "${stat_before[$f]}" ] ||
                vb_fail "$f is $(stat -c '%u:%g %a' "$root$f") after restore, was ${stat_before[$f]}"
done
[ -z "$(find "$qdir" -mindepth 1)" ] || { ls -la "$qdir" >&2; vb_fail "the quarantine is not empty"; }

vb_step "the unit is unmasked, the pin file gone, the finding restored, both restores in the journal"
[ ! -e "$root/etc/systemd/system/kesl.service" ] && [ ! -L "$root/etc/systemd/system/kesl.service" ] ||
        vb_fail "kesl.service is still masked"
[ ! -e "$pref" ] || { cat "$pref" >&2; vb_fail "the pin file is still there"; }
vb_apt_policy kesl
vb_expect_rc 0
grep -q 'Candidate: 12.0.0.6672-1' "$VB_OUT" || { vb_show_last; vb_fail "kesl is still pinned away"; }
vb_findings_json "$root" "$VB_TMP/f2.json"
vb_jq_assert "$VB_TMP/f2.json" 'any(.findings[]; .package == "kesl" and .action == "restored")' \
        "kesl's finding is not marked restored"
[ "$(vb_journal_count MESSAGE_ID="$VB_MID_RESTORE" VENDORBAN_ACTION=restore PRIORITY=5)" -eq 2 ] ||
        vb_fail "not 2 restore entries in the journal"

vb_step "dpkg -r kesl succeeds cleanly and the files are gone"
vb_run vb_dpkg "$root" -r kesl
vb_expect_rc 0
if grep -Eiq 'error|warning' "$VB_OUT" "$VB_ERR"; then
        vb_show_last
        vb_fail "dpkg -r kesl complained"
fi
for f in "$kesld" "$lib" "$readme" /lib/systemd/system/kesl.service; do
        [ ! -e "$root$f" ] || vb_fail "$f is still there after dpkg -r"
done

vb_step "all checks passed"
