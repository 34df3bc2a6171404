#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The APT hook judges APT's own v3 line (name, version, architecture)
# before it reads any .deb: in enforce mode, with apt_hook_on_error =
# "allow", a banned name is refused whether its .deb is garbage, missing,
# named **ERROR** by APT, or has a 1 MiB Description and 600 control
# fields. A Kaspersky-maintained package with an innocent name and that
# same oversized control data is refused by its maintainer (dpkg sets no
# limit on control data, so neither do we). A benign package with such
# control data installs silently.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
conf=$root/etc/vendorban/vendorban.conf
grep -qx 'apt_hook_on_error = "allow";' "$conf" || vb_fail "the shipped config does not allow on hook errors"
arch=$(vb_arch)
bad_deb=$VB_TMP/kesl_12.1_$arch.deb
printf 'this is not an ar archive\n' >"$bad_deb"
big_kesl=$(vb_build_big_deb kesl 12.1.0.1297-1 'Jane Doe <jane@example.org>')
big_innocent=$(vb_build_big_deb acme-tools 2.0 'AO Kaspersky Lab <support@kaspersky.com>')
big_benign=$(vb_build_big_deb bigctl 1.0 'Acme <ops@acme.example>')

# stream NAME LINE...: a v3 stream in $VB_TMP/NAME.in; prints its path.
stream() {
        local f=$VB_TMP/$1.in
        shift
        {
                printf 'VERSION 3\nAPT::Architecture=%s\n\n' "$arch"
                printf '%s\n' "$@"
        } >"$f"
        printf '%s\n' "$f"
}

hook() {
        VB_RC=0
        printf '  $ vendorbanctl --root ROOT apt-hook < %s\n' "$(basename "$1")"
        "$VB_CTL" --root "$root" apt-hook <"$1" >"$VB_OUT" 2>"$VB_ERR" || VB_RC=$?
}

refused() { # refused NAME WHY
        vb_expect_rc 1
        grep -Eq "^vendorban: refusing to install $1 " "$VB_ERR" || { vb_show_last; vb_fail "$1 not refused ($2)"; }
}

vb_step "kesl from a .deb dpkg-deb cannot read: refused by name (not a hook error that allows)"
hook "$(stream garbage "kesl - - none < 12.1 $arch none $bad_deb")"
refused kesl "unreadable .deb"

vb_step "kesl from a .deb that does not exist: refused by name"
hook "$(stream missing "kesl - - none < 12.1 $arch none $VB_TMP/gone.deb")"
refused kesl "missing .deb"

vb_step "kesl with APT's **ERROR** in place of the file, beside hello: refused by name"
hook "$(stream error "kesl - - none < 12.1 $arch none **ERROR**" "hello - - none < 2.10 $arch none $VB_TMP/hello.deb")"
refused kesl "**ERROR** line"
grep -q 'line 4: .*\*\*ERROR\*\*' "$VB_ERR" || { vb_show_last; vb_fail "the bad line is not reported"; }

vb_step "kesl with a NUL byte in its file name: refused by name"
printf 'VERSION 3\n\nkesl - - none < 12.1 %s none /tmp/k\0.deb\n' "$arch" >"$VB_TMP/nul.in"
hook "$VB_TMP/nul.in"
refused kesl "NUL in the line"

vb_step "kesl with 600 control fields and a 1 MiB Description (innocent maintainer): refused"
hook "$(stream bigkesl "kesl - - none < 12.1.0.1297-1 $arch none $big_kesl")"
refused kesl "oversized control data"

vb_step "acme-tools (innocent name) by AO Kaspersky Lab with the same control data: refused by maintainer"
hook "$(stream biginnocent "acme-tools - - none < 2.0 $arch none $big_innocent")"
refused acme-tools "Kaspersky maintainer in oversized control data"
grep -q 'maintainer' "$VB_ERR" || { vb_show_last; vb_fail "the refusal does not cite the maintainer"; }

vb_step "bigctl (benign) with the same control data: allowed, no output"
hook "$(stream bigbenign "bigctl - - none < 1.0 $arch none $big_benign")"
vb_expect_rc 0
if [ -s "$VB_ERR" ]; then vb_show_last; vb_fail "the hook printed something for bigctl"; fi

vb_step "a benign name from an unreadable .deb: still the apt_hook_on_error decision (allow)"
hook "$(stream benignbad "broken - - none < 1.0 all none $bad_deb")"
vb_expect_rc 0
grep -q 'hook error, allowing the install' "$VB_ERR" || { vb_show_last; vb_fail "no hook error for an unreadable .deb"; }

vb_step "all checks passed"
