#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Policy errors give a hint, at the right line: `mode = enforce;` suggests
# the quotes (mode = "enforce";), an unclosed quote is reported on the line
# where it opens (libconfig notices it lines below), and an unknown key
# suggests the nearest known one (mdoe: did you mean mode?), in the main
# config and in a ban file. `--config` naming a missing file fails
# `vendorbanctl policy check` (2) and `vendorband --check` (not 0), naming
# the file; without --config a missing main config still means every default.
# `policy show --json` names hook_on_error as the setting is named.
. "$(dirname "$0")/lib.sh"
vb_require_programs ctl daemon

root=$(vb_tmproot)
conf=$root/etc/vendorban/vendorban.conf
ban=$root/etc/vendorban/bans.d/kaspersky.conf
cp "$conf" "$VB_TMP/conf.orig"
cp "$ban" "$VB_TMP/ban.orig"
mode_line=$(grep -n '^mode = ' "$conf" | cut -d: -f1)

# check REGEX: policy check fails (2) and stderr matches REGEX; then restore the files.
check() {
        vb_run "$VB_CTL" --root "$root" policy check
        vb_expect_rc 2
        grep -Eq -- "$1" "$VB_ERR" || { vb_show_last; vb_fail "no /$1/ on stderr"; }
        cp "$VB_TMP/conf.orig" "$conf"
        cp "$VB_TMP/ban.orig" "$ban"
}

vb_step "mode = enforce; suggests the quotes"
sed -i 's/^mode = "audit";/mode = enforce;/' "$conf"
check "vendorban.conf:$mode_line: .*needs double quotes: mode = \"enforce\";"

vb_step "an unclosed quote is reported where it opens"
sed -i 's/^mode = "audit";/mode = "audit;/' "$conf"
check "vendorban.conf:$mode_line: .*quote opened on line $mode_line is not closed"

vb_step "an unknown key suggests the nearest"
sed -i 's/^mode = "audit";/mdoe = "audit";/' "$conf"
check "vendorban.conf:$mode_line: mdoe: unknown setting \(did you mean mode\?\)"
printf 'state_dri = "/var/lib/x";\n' >>"$conf"
check "state_dri: unknown setting \(did you mean state_dir\?\)"
printf 'zzzzzzzz = 1;\n' >>"$conf"
check "zzzzzzzz: unknown setting$"
sed -i 's/^\( *\)vendor = /\1vendr = /' "$ban"
check "kaspersky.conf:[0-9]+: .*vendr: unknown setting \(did you mean vendor\?\)"

vb_step "--config naming a missing file fails policy check and vendorband --check"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 0
vb_run "$VB_CTL" --root "$root" --config /etc/vendorban/nonexistent.conf policy check
vb_expect_rc 2
grep -q 'nonexistent.conf: No such file or directory' "$VB_ERR" || { vb_show_last; vb_fail "policy check does not name the missing file"; }
vb_run "$VB_DAEMON" --root "$root" --config /etc/vendorban/nonexistent.conf --check
[ "$VB_RC" -ne 0 ] || { vb_show_last; vb_fail "vendorband --check passed with a missing --config"; }
grep -q 'nonexistent.conf: No such file or directory' "$VB_ERR" || { vb_show_last; vb_fail "vendorband --check does not name the missing file"; }

vb_step "policy show --json names the settings as the config does (hook_on_error, not apt_hook_allow_on_error)"
vb_run "$VB_CTL" --root "$root" --json policy show
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.config.hook_on_error == "allow" and .config.apt_hook_on_error == "allow" and
        (.config | has("apt_hook_allow_on_error") | not) and .config.auditor_group == "vendorban"' \
        "policy show --json: hook_on_error / auditor_group not named as the settings"

vb_step "without --config, a missing main config is every default"
rm "$conf"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 0

vb_step "all checks passed"
