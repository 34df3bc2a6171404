#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: odd file names and links under the watched /opt. Names with
# spaces, newlines, quotes, backslashes and non-UTF-8 bytes; a path of
# about 4,000 bytes (nested directories); hard links; symlinks pointing out
# of the watched trees: to the HOST's /etc/passwd and to a host file whose
# sha256 the policy bans (if the scan followed a symlink on the host, it
# would report it). Nothing crashes, no symlink is followed, banned ELFs
# with odd names (one at the end of the long path) are found, and the
# findings are valid JSON (jq parses them).
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
outside=$VB_TMP/outside
mkdir -p "$outside"
printf 'vendorban odd-paths bait %s\n' "$RANDOM$RANDOM" >"$outside/bait"
bait_sha=$(vb_sha256 "$outside/bait")

vb_step "ban the bait's sha256 (the bait lives on the host, outside the root)"
sed -i -E "s/^( *)sha256 = \[ *\];/\1sha256 = [ \"$bait_sha\" ];/" "$root/etc/vendorban/bans.d/kaspersky.conf"
grep -q "$bait_sha" "$root/etc/vendorban/bans.d/kaspersky.conf" || vb_fail "could not add the sha256 indicator"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 0

vb_step "odd names under /opt/acme (benign) and /opt/kaspersky (banned ELFs)"
acme=$root/opt/acme
mkdir -p "$acme" "$root/opt/kaspersky"
printf 'x\n' >"$acme/with space"
printf 'x\n' >"$acme/new"$'\n'"line"
printf 'x\n' >"$acme/"$'\xff\xfe'"latin1-"$'\xe9'
printf 'x\n' >"$acme/quote\"back\\slash"
odd=$root/opt/kaspersky/$'odd dir \xff'/$'ke\nsl "x" \\ \xfe.bin'
mkdir -p "$(dirname "$odd")"
cp /bin/true "$odd"

vb_step "a ~4,000-byte path: 20 nested 200-byte directories under /opt/kaspersky/deep, a banned ELF at the end"
comp=$(printf 'd%.0s' $(seq 1 200))
deep=/opt/kaspersky/deep
for _ in $(seq 1 20); do deep=$deep/$comp; done
mkdir -p "$root$deep"
cp /bin/true "$root$deep/kesl"
printf '  long path: %d bytes\n' $((${#deep} + 5))

vb_step "hard links (a banned ELF linked from /opt/acme, a root file outside /opt linked in) and symlinks out of the tree"
ln "$odd" "$acme/hardlink-to-banned" || vb_fail "cannot hard-link"
printf 'secret\n' >"$root/etc/secret"
ln "$root/etc/secret" "$acme/hardlink-to-etc-secret"
ln -s /etc/passwd "$acme/passwd-link"
ln -s /etc/passwd "$root/opt/kaspersky/passwd-link"
ln -s "$outside/bait" "$acme/bait-link"
ln -s "$outside/bait" "$root/opt/kaspersky/bait-link"
ln -s "$outside" "$acme/outside-dir-link"
ln -s ../../.. "$acme/loop-link"

vb_step "vendorbanctl --json scan: valid JSON, no crash"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
jq -e . "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "scan --json printed invalid JSON"; }
cp "$VB_OUT" "$VB_TMP/scan.json"

vb_step "start vendorband (startup scan over the same tree), then add one more odd banned ELF while it watches"
vb_start_daemon "$root"
late=$root/opt/kaspersky/$'late\ttab'/$'k\x01ctl\xff'
mkdir -p "$(dirname "$late")"
cp /bin/true "$late"
vb_wait_for -t 10 vb_has_finding "$root" '.path | startswith("/opt/kaspersky/late\t")' ||
        vb_fail "no finding for the late odd-named ELF"
vb_daemon_alive_or_fail "after the odd paths"
vb_findings_json "$root" "$VB_TMP/f.json"

vb_step "the findings: the odd ELF, the deep ELF, the late ELF; nothing else"
vb_jq_assert "$VB_TMP/f.json" 'any(.findings[]; .path | startswith("/opt/kaspersky/odd dir "))' "no finding for the odd-named ELF"
vb_jq_assert "$VB_TMP/f.json" 'any(.findings[]; .path == $p)' "no finding for the ELF at the end of the long path" --arg p "$deep/kesl"
vb_jq_assert "$VB_TMP/f.json" '[.findings[] | .path] | length == 3' "not exactly 3 findings"
vb_jq_assert "$VB_TMP/f.json" 'all(.findings[]; (.path | test("link|passwd|bait|acme")) | not)' "a link or a benign file was reported"
vb_jq_assert "$VB_TMP/f.json" 'all(.findings[]; .sha256 != $s)' "the host bait (behind a symlink) was read and reported" --arg s "$bait_sha"
vb_jq_assert "$VB_TMP/scan.json" 'all(.findings[]; .sha256 != $s and ((.path // "") | test("passwd") | not))' \
        "vendorbanctl scan followed a symlink out of the root" --arg s "$bait_sha"

vb_step "the journal entries name the odd path (VENDORBAN_PATH) and no symlink"
vb_journal_json -u vendorband MESSAGE_ID="$VB_MID_FINDING" >"$VB_TMP/j.json"
vb_jq_assert "$VB_TMP/j.json" 'length >= 3 and all(.[]; (.VENDORBAN_PATH | tostring | test("passwd|bait")) | not)' \
        "journal entries mention a symlink target"

vb_step "audit mode: the files are where they were; SIGTERM: exit status 0"
[ -f "$odd" ] && [ -f "$root$deep/kesl" ] && [ -f "$late" ] || vb_fail "a file moved in audit mode"
vb_stop_daemon

vb_step "all checks passed"
