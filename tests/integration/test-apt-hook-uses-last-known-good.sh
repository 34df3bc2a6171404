#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A broken policy file does not open the APT hook: it judges with the
# last-known-good policy the ledger keeps (the last one compiled, here by
# `vendorbanctl scan`) and, in enforce mode, refuses kesl, saying it uses
# the LAST-KNOWN-GOOD policy. Only a host that never had a good policy
# falls back to allowing, with a hook error that says why.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

arch=$(vb_arch)
printf 'VERSION 3\nAPT::Architecture=%s\n\nkesl - - none < 12.1 %s none %s/gone.deb\n' \
        "$arch" "$arch" "$VB_TMP" >"$VB_TMP/kesl.in"

hook() { # hook ROOT: vendorbanctl apt-hook on the kesl stream
        VB_RC=0
        printf '  $ vendorbanctl --root %s apt-hook < kesl.in\n' "$1"
        "$VB_CTL" --root "$1" apt-hook <"$VB_TMP/kesl.in" >"$VB_OUT" 2>"$VB_ERR" || VB_RC=$?
}

root=$(vb_tmproot)
vb_set_mode "$root" enforce
vb_step "a good policy, compiled into the ledger by a scan"
vb_run "$VB_CTL" --root "$root" scan
vb_expect_rc 0

vb_step "break kaspersky.conf: policy check fails"
printf 'broken = ;\n' >>"$root/etc/vendorban/bans.d/kaspersky.conf"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 2

vb_step "the APT hook still refuses kesl, with the last-known-good policy"
hook "$root"
vb_expect_rc 1
grep -q '^vendorban: refusing to install kesl ' "$VB_ERR" || { vb_show_last; vb_fail "kesl not refused"; }
grep -q 'LAST-KNOWN-GOOD policy' "$VB_ERR" || { vb_show_last; vb_fail "the hook does not say it uses the last-known-good policy"; }

vb_step "a host that never had a good policy: the hook allows, saying why"
fresh=$(vb_tmproot)
vb_set_mode "$fresh" enforce
printf 'broken = ;\n' >>"$fresh/etc/vendorban/bans.d/kaspersky.conf"
hook "$fresh"
vb_expect_rc 0
grep -q 'no last-known-good one' "$VB_ERR" || { vb_show_last; vb_fail "the hook error does not say why it allows"; }

vb_step "all checks passed"
