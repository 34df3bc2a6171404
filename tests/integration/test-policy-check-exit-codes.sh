#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl policy check`: the shipped policy passes (exit 0); a copy with
# a syntax error, or with an unknown key, fails with exit 2 and a
# "FILE:LINE:" message on stderr naming the broken file and line.
. "$(dirname "$0")/lib.sh"
vb_require_programs ctl

root=$(vb_tmproot)
ban=$root/etc/vendorban/bans.d/kaspersky.conf
conf=$root/etc/vendorban/vendorban.conf
[ -f "$ban" ] || vb_fail "the shipped policy has no bans.d/kaspersky.conf"

# expect_error FILE LINE: the last run failed with 2 and said "FILE:LINE:" on stderr.
expect_error() {
        vb_expect_rc 2
        if ! grep -qF -- "$1:$2:" "$VB_ERR"; then
                vb_show_last
                vb_fail "stderr does not name the error as '$1:$2:'"
        fi
}

vb_step "the shipped policy, as installed in a root, is valid"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 0

vb_step "the shipped files given explicitly are valid"
cp "$VB_SOURCE_ROOT/policy/vendorban.conf" "$VB_TMP/vendorban.conf"
cp "$VB_SOURCE_ROOT/policy/bans.d/kaspersky.conf" "$VB_TMP/kaspersky.conf"
vb_run "$VB_CTL" policy check "$VB_TMP/vendorban.conf" "$VB_TMP/kaspersky.conf"
vb_expect_rc 0
vb_run "$VB_CTL" policy check "$VB_TMP/kaspersky.conf"
vb_expect_rc 0

vb_step "a ban file with a syntax error is rejected with file:line"
bad=$VB_TMP/syntax/kaspersky.conf
mkdir -p "$(dirname "$bad")"
cp "$VB_SOURCE_ROOT/policy/bans.d/kaspersky.conf" "$bad"
printf 'vendorban_test_broken = ;\n' >>"$bad"
bad_line=$(wc -l <"$bad")
vb_run "$VB_CTL" policy check "$bad"
expect_error "$bad" "$bad_line"

vb_step "a ban file with an unknown key inside the ban is rejected with file:line"
unk=$VB_TMP/unknown/kaspersky.conf
mkdir -p "$(dirname "$unk")"
id_line=$(grep -nE '^[[:space:]]*id[[:space:]]*=' "$VB_SOURCE_ROOT/policy/bans.d/kaspersky.conf" | head -n 1 | cut -d: -f1)
[ -n "$id_line" ] || vb_fail "cannot find the ban's id line in the shipped kaspersky.conf"
sed "${id_line}a\\  vendorban_no_such_key = \"x\";" "$VB_SOURCE_ROOT/policy/bans.d/kaspersky.conf" >"$unk"
unk_line=$((id_line + 1))
grep -q 'vendorban_no_such_key' <(sed -n "${unk_line}p" "$unk") || vb_fail "test bug: key not at line $unk_line"
vb_run "$VB_CTL" policy check "$unk"
expect_error "$unk" "$unk_line"

vb_step "a main config with an unknown setting is rejected with file:line"
badconf=$VB_TMP/conf/vendorban.conf
mkdir -p "$(dirname "$badconf")"
cp "$VB_SOURCE_ROOT/policy/vendorban.conf" "$badconf"
printf 'vendorban_no_such_option = 1;\n' >>"$badconf"
badconf_line=$(wc -l <"$badconf")
vb_run "$VB_CTL" policy check "$badconf"
expect_error "$badconf" "$badconf_line"

vb_step "a good file beside a broken one: still exit 2, the broken one named"
vb_run "$VB_CTL" policy check "$VB_TMP/kaspersky.conf" "$bad"
expect_error "$bad" "$bad_line"

vb_step "the installed policy of a root with a broken ban file fails the check"
cp "$bad" "$ban"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 2
if ! grep -qE "kaspersky\.conf:$bad_line:" "$VB_ERR"; then
        vb_show_last
        vb_fail "stderr does not name kaspersky.conf:$bad_line:"
fi

vb_step "all checks passed"
