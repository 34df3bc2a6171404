#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real APT with the shipped hook snippet (policy/apt/50vendorban, its path
# pointed at the built vendorbanctl) against a temporary root, offline:
# APT_CONFIG sets Dir to the root, and dpkg runs with --root. In enforce
# mode `apt-get install ./kesl_*.deb` (alone, or beside hello) is refused by
# the hook before dpkg runs: non-zero exit, our message in APT's output, no
# kesl in the root's dpkg database and no /opt/kaspersky. `apt-get install
# ./hello_*.deb` installs. A Kaspersky-maintained package with an innocent
# name and 600 control fields is refused too. In audit
# mode kesl installs, with the warning.
# Nothing outside the root (and $VB_TMP) is touched: APT reads only the
# root's configuration, and the journal is a private one.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
command -v apt-get >/dev/null || vb_skip "apt-get is not installed"
vb_private_journal "$@"

root=$(vb_tmproot)
vb_set_mode "$root" enforce
vb_apt_setup "$root"
mkdir -p "$root/var/log/apt" "$root/usr/sbin"
kesl_deb=$(vb_build_deb kesl 12.1.0.1297-1 "Kaspersky Lab <support@kaspersky.com>" \
        /opt/kaspersky/kesl/bin/kesl "/opt/kaspersky/kesl/share/README=fixture")
hello_deb=$(vb_build_deb hello 2.10-3 "Jane Doe <jane@example.org>" /usr/bin/hello)
# APT installs a local .deb given as ./NAME.deb (a path, not a name).
cp "$kesl_deb" "$hello_deb" "$VB_TMP/"
kesl_deb=./$(basename "$kesl_deb")
hello_deb=./$(basename "$hello_deb")
VB_MID_APT_REFUSED=6e8a0c2e4b6d4f1a9c3e5b7d9f1a3c5e

vb_step "APT configuration: the root's own (vb_apt_setup), dpkg --root, and the shipped hook snippet"
cat >>"$VB_TMP/apt.conf" <<EOF
Dir::Bin::dpkg "/usr/bin/dpkg";
DPkg::Options { "--root=$root"; "--force-script-chrootless"; "--force-not-root"; "--force-unsafe-io"; "--log=/dev/null"; };
APT::Sandbox::User "root";
EOF
# The shipped snippet, with /usr/sbin/vendorbanctl (in the hook command AND
# in the protocol-version key APT derives from it) replaced by the build.
snippet=$VB_SOURCE_ROOT/policy/apt/50vendorban
[ -f "$snippet" ] || vb_fail "missing $snippet"
sed -e "s|/usr/sbin/vendorbanctl apt-hook|$VB_CTL --root $root apt-hook|" \
        -e "s|::/usr/sbin/vendorbanctl::|::$VB_CTL::|" "$snippet" >"$root/etc/apt/apt.conf.d/50vendorban"
for want in "DPkg::Pre-Install-Pkgs::vendorban \"$VB_CTL --root $root apt-hook\";" \
        "DPkg::Tools::Options::$VB_CTL::Version \"3\";"; do
        grep -qF "$want" "$root/etc/apt/apt.conf.d/50vendorban" || vb_fail "the snippet lacks: $want"
done
export APT_CONFIG=$VB_TMP/apt.conf
apt-config dump >"$VB_TMP/apt-config.dump" 2>&1 || { cat "$VB_TMP/apt-config.dump" >&2; vb_fail "apt-config dump failed"; }
grep -q "^DPkg::Pre-Install-Pkgs::vendorban \"$VB_CTL --root $root apt-hook\";" "$VB_TMP/apt-config.dump" ||
        vb_fail "APT does not see the hook (is $root/etc/apt/apt.conf.d read?)"
if grep -E '^DPkg::Pre-Install-Pkgs:: ' "$VB_TMP/apt-config.dump" >&2; then
        vb_fail "APT reads another Pre-Install-Pkgs hook (the host's configuration?)"
fi

# apt_get ARGS...: apt-get against the root, offline, 120 s at most, output
# (stdout and stderr together, in order) in $VB_OUT.
apt_get() {
        VB_RC=0
        printf '  $ apt-get %s\n' "$*"
        (cd "$VB_TMP" && timeout 120 apt-get -y --no-install-recommends "$@") >"$VB_OUT" 2>&1 || VB_RC=$?
        : >"$VB_ERR"
        [ "$VB_RC" -ne 124 ] || vb_fail "apt-get $* did not finish within 120 s"
}

# status NAME: the root's dpkg status of NAME ("" if it has none).
status() {
        dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' "$1" 2>/dev/null || true
}

assert_no_kesl() {
        [ -z "$(status kesl)" ] || vb_fail "kesl is in the root's dpkg database: $(status kesl)"
        [ ! -e "$root/opt/kaspersky" ] || { find "$root/opt" >&2; vb_fail "$root/opt/kaspersky exists"; }
}

vb_step "enforce: apt-get install ./kesl is refused by the hook, nothing lands"
apt_get install "$kesl_deb"
[ "$VB_RC" -ne 0 ] || { vb_show_last; vb_fail "apt-get installed kesl"; }
grep -Eq "^vendorban: refusing to install kesl 12\.1\.0\.1297-1 \([a-z0-9]+\): Kaspersky \(AO Kaspersky Lab, .*Alternatives: " "$VB_OUT" ||
        { vb_show_last; vb_fail "our refusal is not in APT's output"; }
grep -q "vendorbanctl --root $root apt-hook" "$VB_OUT" ||
        { vb_show_last; vb_fail "APT does not say the hook failed"; }
grep -q "Unpacking kesl" "$VB_OUT" && { vb_show_last; vb_fail "dpkg unpacked kesl"; }
assert_no_kesl
vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_APT_REFUSED" VENDORBAN_PACKAGE=kesl VENDORBAN_ACTION=apt-refused ||
        vb_fail "no apt-refused journal entry"

vb_step "enforce: kesl beside hello in one transaction: all refused, neither lands"
apt_get install "$kesl_deb" "$hello_deb"
[ "$VB_RC" -ne 0 ] || { vb_show_last; vb_fail "apt-get went through"; }
grep -q "^vendorban: refusing to install kesl " "$VB_OUT" || { vb_show_last; vb_fail "no refusal"; }
assert_no_kesl
[ -z "$(status hello)" ] || vb_fail "hello was installed by a refused transaction: $(status hello)"

vb_step "enforce: apt-get install ./hello installs, the hook says nothing"
apt_get install "$hello_deb"
[ "$VB_RC" -eq 0 ] || { vb_show_last; vb_fail "apt-get install hello failed"; }
[ "$(status hello)" = "install ok installed" ] || { vb_show_last; vb_fail "hello is not installed: $(status hello)"; }
[ -x "$root/usr/bin/hello" ] || vb_fail "$root/usr/bin/hello missing"
grep -q "^vendorban" "$VB_OUT" && { vb_show_last; vb_fail "the hook printed something for hello"; }

vb_step "enforce: with hello installed, kesl is still refused; removing hello passes the hook"
apt_get install "$kesl_deb"
[ "$VB_RC" -ne 0 ] || { vb_show_last; vb_fail "apt-get installed kesl"; }
assert_no_kesl
apt_get remove hello
[ "$VB_RC" -eq 0 ] || { vb_show_last; vb_fail "apt-get remove hello failed"; }
[ ! -e "$root/usr/bin/hello" ] || vb_fail "hello not removed"

vb_step "enforce: an innocent name by AO Kaspersky Lab with 600 control fields is refused"
# (APT itself refuses a 1 MiB Description: "Unable to parse package file")
big_deb=$(vb_build_big_deb acme-tools 2.0 'AO Kaspersky Lab <support@kaspersky.com>' 4096)
cp "$big_deb" "$VB_TMP/"
apt_get install "./$(basename "$big_deb")"
[ "$VB_RC" -ne 0 ] || { vb_show_last; vb_fail "apt-get installed a Kaspersky package with oversized control data"; }
grep -q "^vendorban: refusing to install acme-tools " "$VB_OUT" || { vb_show_last; vb_fail "no refusal for acme-tools"; }
[ -z "$(status acme-tools)" ] || vb_fail "acme-tools is in the root's dpkg database: $(status acme-tools)"
[ ! -e "$root/usr/lib/acme-tools" ] || vb_fail "acme-tools' files landed"

vb_step "audit: apt-get install ./kesl warns and installs"
vb_set_mode "$root" audit
apt_get install "$kesl_deb"
[ "$VB_RC" -eq 0 ] || { vb_show_last; vb_fail "apt-get install kesl failed in audit mode"; }
grep -q "^vendorban: WOULD REFUSE to install kesl " "$VB_OUT" || { vb_show_last; vb_fail "no audit warning"; }
[ "$(status kesl)" = "install ok installed" ] || vb_fail "kesl is not installed in audit mode"
[ -x "$root/opt/kaspersky/kesl/bin/kesl" ] || vb_fail "kesl's files are missing in audit mode"

echo "PASS"
