#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The exec guard, on a tmpfs this test mounts itself (and nothing else is
# marked): in enforce mode, executing ROOT/opt/kaspersky/kesl/bin/kesl (a
# copy of /bin/true) and an ELF with a banned sha256 under an unbanned name
# fails with EPERM and is logged with the binary and the process that tried;
# a benign ELF on the same tmpfs runs, 2,000 times in a row; /bin/true keeps
# working. After a reload to audit mode the banned binary runs and a "would
# deny" entry is logged. After the daemon stops, nothing is denied.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

VB_MID_EXEC_DENIED=3f5b7d9f1b3d4a5c8e0a2c4e6f8b0d2c

vb_step "a tmpfs of our own, holding the test root"
g=$VB_TMP/guarded
mkdir -p "$g"
mount -t tmpfs -o mode=0755,size=128m vendorban-guard-test "$g" || vb_fail "cannot mount a tmpfs on $g"
VB_MOUNTS+=("$g")
r=$(vb_tmproot)
cp -a "$r/." "$g/"
root=$g
vb_set_mode "$root" enforce
# Watch only an empty directory, so the scanner does not quarantine the
# binaries below before the guard is asked about them.
mkdir -p "$root/srv/watched"
sed -i -E 's|^watch_paths = .*|watch_paths = [ "/srv/watched" ];|; s|^rescan_interval = .*|rescan_interval = 0;|' \
        "$root/etc/vendorban/vendorban.conf"

kesl=/opt/kaspersky/kesl/bin/kesl
agent=/srv/bin/agent
benign=/usr/local/bin/benign
mkdir -p "$root$(dirname "$kesl")" "$root$(dirname "$agent")" "$root$(dirname "$benign")"
cp /bin/true "$root$kesl"
# Distinct ELFs (trailing bytes do not stop an ELF from running).
cp /bin/true "$root$agent"
printf 'vendorban test: banned by sha256 %s\n' "$RANDOM$RANDOM" >>"$root$agent"
cp /bin/true "$root$benign"
printf 'vendorban test: benign\n' >>"$root$benign"
agent_sha=$(vb_sha256 "$root$agent")
sed -i -E "s|^( *)sha256 = \[ \];|\1sha256 = [ \"$agent_sha\" ];|" "$root/etc/vendorban/bans.d/kaspersky.conf"
grep -q "$agent_sha" "$root/etc/vendorban/bans.d/kaspersky.conf" || vb_fail "could not add the sha256 to the ban"

vb_step "without the guard, all three run"
for p in "$kesl" "$agent" "$benign"; do
        vb_run "$root$p"
        vb_expect_rc 0
done

vb_step "start vendorband with the guard on $g only"
export VENDORBAN_GUARD_MOUNTS=$g
vb_start_daemon "$root"
vb_wait_for -t 5 grep -qx "active $g" "$root/run/vendorban/guard" ||
        { cat "$root/run/vendorban/guard" >&2 || true; vb_fail "the guard status is not 'active $g'"; }

vb_step "vendorbanctl status reports the guard active, and the APT hook once its snippet is in place"
[ "$("$VB_CTL" --root "$root" --json status | jq -r .exec_guard.state)" = active ] ||
        vb_fail "status does not report the guard as active"
[ "$("$VB_CTL" --root "$root" --json status | jq -r .apt_hook.installed)" = false ] ||
        vb_fail "status reports an APT hook that is not installed"
mkdir -p "$root/etc/apt/apt.conf.d"
cp "$VB_SOURCE_ROOT/policy/apt/50vendorban" "$root/etc/apt/apt.conf.d/"
[ "$("$VB_CTL" --root "$root" --json status | jq -r .apt_hook.installed)" = true ] ||
        vb_fail "status does not report the installed APT hook"
"$VB_CTL" --root "$root" status | grep -q "^guard: *active $g" || vb_fail "human status lacks the guard line"

vb_step "$kesl (a banned path) fails with EPERM"
vb_run "$root$kesl"
[ "$VB_RC" -ne 0 ] || vb_fail "$kesl ran"
grep -q "Operation not permitted" "$VB_ERR" || { vb_show_last; vb_fail "$kesl did not fail with EPERM"; }

vb_step "$agent (a banned sha256, unbanned path) fails with EPERM"
vb_run "$root$agent"
[ "$VB_RC" -ne 0 ] || vb_fail "$agent ran"
grep -q "Operation not permitted" "$VB_ERR" || { vb_show_last; vb_fail "$agent did not fail with EPERM"; }

vb_step "$benign on the same tmpfs runs; /bin/true runs"
vb_run "$root$benign"
vb_expect_rc 0
vb_run /bin/true
vb_expect_rc 0

vb_step "the journal has both denials, with the binary and the process"
vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH="$kesl" ||
        vb_fail "no exec-denied entry for $kesl"
vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH="$agent" ||
        vb_fail "no exec-denied entry for $agent"
vb_journal_json -u vendorband MESSAGE_ID="$VB_MID_EXEC_DENIED" >"$VB_TMP/denied.json"
vb_jq_assert "$VB_TMP/denied.json" 'any(.[]; .VENDORBAN_PATH == $k and .VENDORBAN_BAN == "kaspersky"
        and .PRIORITY == "3" and .VENDORBAN_ACTION == "exec-denied" and .VENDORBAN_COMM == "bash"
        and .VENDORBAN_PPID == $ppid and .VENDORBAN_PARENT_COMM == "bash" and (.VENDORBAN_PID | tonumber) > 0
        and (.VENDORBAN_INDICATOR | contains("path:/opt/kaspersky/**")))' \
        "the entry for $kesl lacks ban/priority/action/process/parent" --arg k "$kesl" --arg ppid "$$"
vb_jq_assert "$VB_TMP/denied.json" 'any(.[]; .VENDORBAN_PATH == $a and .VENDORBAN_SHA256 == $s
        and .VENDORBAN_BAN == "kaspersky" and (.VENDORBAN_INDICATOR | contains("sha256:")))' \
        "the entry for $agent lacks its sha256/ban" --arg a "$agent" --arg s "$agent_sha"

vb_step "2,000 execs of the benign binary finish with the guard on (60 s at most)"
start=$(vb_now_usec)
vb_run timeout 60 bash -c 'for ((i = 0; i < 2000; i++)); do "$1" || exit 1; done' loop "$root$benign"
vb_expect_rc 0
printf '  2000 execs in %d ms\n' $((($(vb_now_usec) - start) / 1000))
vb_daemon_alive || vb_fail "vendorband died"

vb_step "an allowed binary is remembered until it changes: rewritten with banned content, it is denied"
# The guard put an ignore mark on $benign after allowing it; a write drops it.
cp "$root$agent" "$root$benign"
vb_run "$root$benign"
vb_expect_rc 126
grep -q "Operation not permitted" "$VB_ERR" || { vb_show_last; vb_fail "$benign was not denied with EPERM after it changed"; }

vb_step "a reload forgets what was remembered: a binary banned by the new policy is denied"
other=/usr/local/bin/other
cp /bin/true "$root$other"
printf 'vendorban test: other %s\n' "$RANDOM$RANDOM" >>"$root$other"
vb_run "$root$other"
vb_expect_rc 0
other_sha=$(vb_sha256 "$root$other")
sed -i -E "s|\"$agent_sha\"|\"$agent_sha\", \"$other_sha\"|" "$root/etc/vendorban/bans.d/kaspersky.conf"
grep -q "$other_sha" "$root/etc/vendorban/bans.d/kaspersky.conf" || vb_fail "could not add the second sha256"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_POLICY_LOADED" -g "reloaded" || vb_fail "no reload"
vb_run "$root$other"
vb_expect_rc 126

vb_step "reload into audit mode: the banned binary runs, and a 'would deny' entry is logged"
vb_set_mode "$root" audit
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_POLICY_LOADED" -g "reloaded" || vb_fail "no reload"
vb_run "$root$kesl"
vb_expect_rc 0
vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_ACTION=would-deny-exec \
        VENDORBAN_PATH="$kesl" || vb_fail "no would-deny entry in audit mode"

vb_step "stop: the status file says off, and nothing is denied any more"
vb_set_mode "$root" enforce
vb_stop_daemon
grep -q '^off' "$root/run/vendorban/guard" || vb_fail "the guard status is not 'off' after stop"
vb_run "$root$kesl"
vb_expect_rc 0

vb_step "all checks passed"
