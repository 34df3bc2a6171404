#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ban data's layout, systemd's way: the shipped ban in
# /usr/share/vendorban/bans.d is in force; /etc/vendorban/bans.d/NAME.conf
# replaces it (and an empty one or a /dev/null link disables it); a drop-in
# /etc/vendorban/bans.d/NAME.conf.d/local.conf with
# `exempt = { packages = [ "kesl" ]; };` exempts kesl while every other
# indicator of the shipped ban still applies; `policy show` names the file
# and line each indicator came from.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl

root=$(vb_tmproot)
vendor=$root/usr/share/vendorban/bans.d
local_dir=$root/etc/vendorban/bans.d
mkdir -p "$vendor"
mv "$local_dir/kaspersky.conf" "$vendor/kaspersky.conf"

explain() { # explain PACKAGE: the JSON verdict into $VB_OUT
        vb_run "$VB_CTL" --root "$root" --json explain "$1"
        [ "$VB_RC" -le 1 ] || { vb_show_last; vb_fail "explain $1 failed ($VB_RC)"; }
}

vb_step "the shipped ban in /usr/share/vendorban/bans.d is in force"
explain kesl
jq -e '.verdict == "block"' "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "kesl not blocked by the shipped ban"; }

vb_step "/etc/vendorban/bans.d/kaspersky.conf replaces the shipped file: only its packages count"
sed -E '0,/packages[[:space:]]*=[[:space:]]*\[/s//packages = [ "vendorban-override-probe",/' "$vendor/kaspersky.conf" |
        sed -E '/^[[:space:]]*"kesl",?[[:space:]]*(#.*)?$/d; s/"kesl", //' >"$local_dir/kaspersky.conf"
grep -q vendorban-override-probe "$local_dir/kaspersky.conf" || vb_fail "test bug: probe not added"
vb_run "$VB_CTL" --root "$root" --json policy show
vb_expect_rc 0
jq -e '.bans[0].file | endswith("/etc/vendorban/bans.d/kaspersky.conf")' "$VB_OUT" >/dev/null ||
        { vb_show_last; vb_fail "policy show: the ban does not come from /etc"; }
explain vendorban-override-probe
jq -e '.verdict == "block"' "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "the /etc override is not in force"; }
explain kesl
jq -e '.verdict == "allow"' "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "the shipped file still counts beside its /etc override"; }

vb_step "an empty /etc file, then a /dev/null link, disables the shipped ban"
: >"$local_dir/kaspersky.conf"
explain klnagent64
jq -e '.verdict == "allow"' "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "an empty /etc file did not disable the ban"; }
vb_run "$VB_CTL" --root "$root" policy check
grep -q '^disabled: /etc/vendorban/bans.d/kaspersky.conf' "$VB_OUT" || { vb_show_last; vb_fail "policy check does not say it is disabled"; }
rm "$local_dir/kaspersky.conf"
ln -s /dev/null "$local_dir/kaspersky.conf"
explain klnagent64
jq -e '.verdict == "allow"' "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "a /dev/null link did not disable the ban"; }
rm "$local_dir/kaspersky.conf"

vb_step "a drop-in exemption: kesl allowed, klnagent64 still blocked"
mkdir -p "$local_dir/kaspersky.conf.d"
printf '# local exemption\nban = {\n  exempt = { packages = [ "kesl" ]; };\n};\n' >"$local_dir/kaspersky.conf.d/local.conf"
explain kesl
jq -e '.verdict == "allow"' "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "the drop-in exemption of kesl is not in force"; }
explain klnagent64
jq -e '.verdict == "block"' "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "the drop-in replaced the ban instead of merging"; }

vb_step "policy show says where each indicator and the exemption came from"
vb_run "$VB_CTL" --root "$root" --json policy show
vb_expect_rc 0
jq -e --arg d "$local_dir/kaspersky.conf.d/local.conf" --arg v "$vendor/kaspersky.conf" '
        (.bans[0].dropins == [$d]) and
        any(.bans[0].origins[]; .key == "exempt.packages" and .value == "kesl" and .file == $d and .line == 3) and
        any(.bans[0].origins[]; .key == "match.packages" and .value == "klnagent64" and .file == $v and .line > 0)' \
        "$VB_OUT" >/dev/null || { vb_show_last; vb_fail "policy show --json lacks the origins"; }
vb_run "$VB_CTL" --root "$root" policy show
grep -Eq "^    packages +kesl +.*/exempt|^    packages +kesl +$local_dir/kaspersky.conf.d/local.conf:3" "$VB_OUT" ||
        { vb_show_last; vb_fail "policy show does not name local.conf:3 for the kesl exemption"; }

vb_step "a broken drop-in is reported as file:line and nothing is applied"
printf 'ban = {\n  exempt = { packages = "kesl"; };\n};\n' >"$local_dir/kaspersky.conf.d/local.conf"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 2
grep -q "kaspersky.conf.d/local.conf:2: " "$VB_ERR" || { vb_show_last; vb_fail "no file:line for the broken drop-in"; }

vb_step "all checks passed"
