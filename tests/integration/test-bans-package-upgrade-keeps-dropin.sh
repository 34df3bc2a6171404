#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Ban data updates safely: the data package (vendorban-bans, built here
# with dpkg-deb from this tree's policy files, as debian/ splits it) puts
# the ban in /usr/share/vendorban/bans.d as package data. An administrator's
# drop-in exemption in /etc/vendorban/bans.d/kaspersky.conf.d/ survives a
# real `dpkg --force-confold -i` of the next version, the new indicators
# are in force at once (nothing is left in a .dpkg-dist), and the dpkg
# trigger of debian/vendorban.triggers fires (a stand-in vendorban package
# records it). For contrast, the old layout (the ban as an edited conffile
# in /etc) leaves the update in kaspersky.conf.dpkg-dist, and `policy
# check` reports that file.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl

root=$(vb_tmproot)
rm "$root/etc/vendorban/bans.d/kaspersky.conf"
triggers=$VB_SOURCE_ROOT/debian/vendorban.triggers
[ -f "$triggers" ] || vb_fail "no debian/vendorban.triggers"

# build_pkg NAME VERSION ARCH DIR: dpkg-deb --build DIR (with DEBIAN/) into $VB_TMP.
build_pkg() {
        local name=$1 version=$2 arch=$3 dir=$4
        cat >"$dir/DEBIAN/control" <<CONTROL
Package: $name
Version: $version
Architecture: $arch
Maintainer: vendorban developers <vendorban@localhost>
Description: vendorban integration test build of $name
 Built by test-bans-package-upgrade-keeps-dropin.sh.
CONTROL
        dpkg-deb --root-owner-group -Zgzip --build "$dir" "$VB_TMP/${name}_${version}_$arch.deb" >/dev/null ||
                vb_fail "dpkg-deb --build $name $version"
        printf '%s\n' "$VB_TMP/${name}_${version}_$arch.deb"
}

# bans_deb VERSION EXTRA-PACKAGE: the data package, the tree's kaspersky.conf
# with EXTRA-PACKAGE (if any) added to its package indicators.
bans_deb() {
        local d=$VB_TMP/bans-$1
        mkdir -p "$d/DEBIAN" "$d/usr/share/vendorban/bans.d"
        sed -E "0,/packages[[:space:]]*=[[:space:]]*\\[/s//packages = [ ${2:+\"$2\",}/" \
                "$VB_SOURCE_ROOT/policy/bans.d/kaspersky.conf" >"$d/usr/share/vendorban/bans.d/kaspersky.conf"
        build_pkg vendorban-bans "$1" all "$d"
}

verdict() { # verdict PACKAGE: the explain verdict
        "$VB_CTL" --root "$root" --json explain "$1" 2>/dev/null | jq -r .verdict
}

vb_step "a stand-in vendorband package with the real dpkg trigger, and vendorban-bans 1.0"
stand=$VB_TMP/stand-in
mkdir -p "$stand/DEBIAN"
cp "$triggers" "$stand/DEBIAN/triggers"
cat >"$stand/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# records what the real postinst would reload on
[ "$1" = triggered ] && echo "triggered $2" >>"$DPKG_ROOT/var/log/vendorban-trigger.log"
exit 0
SCRIPT
chmod 0755 "$stand/DEBIAN/postinst"
mkdir -p "$root/var/log"
v1=$(bans_deb 1.0 "")
v2=$(bans_deb 2.0 vendorban-bans-v2-probe)
vb_dpkg_install "$root" "$(build_pkg vendorban 0.2.0 all "$stand")"
vb_dpkg_install "$root" "$v1"
[ -f "$root/usr/share/vendorban/bans.d/kaspersky.conf" ] || vb_fail "vendorban-bans 1.0 did not install the ban"
[ "$(verdict kesl)" = block ] || vb_fail "kesl not blocked by vendorban-bans 1.0"
[ "$(verdict vendorban-bans-v2-probe)" = allow ] || vb_fail "test bug: the v2 probe is banned by 1.0"

vb_step "the administrator exempts kesl in a drop-in"
mkdir -p "$root/etc/vendorban/bans.d/kaspersky.conf.d"
printf 'ban = {\n  exempt = { packages = [ "kesl" ]; };\n};\n' >"$root/etc/vendorban/bans.d/kaspersky.conf.d/local.conf"
sum=$(sha256sum <"$root/etc/vendorban/bans.d/kaspersky.conf.d/local.conf")
[ "$(verdict kesl)" = allow ] || vb_fail "the drop-in exemption is not in force"

vb_step "upgrade to vendorban-bans 2.0 with dpkg --force-confold -i (as unattended-upgrades does)"
: >"$root/var/log/vendorban-trigger.log"
vb_run vb_dpkg "$root" --force-confold -i "$v2"
vb_expect_rc 0
[ "$(sha256sum <"$root/etc/vendorban/bans.d/kaspersky.conf.d/local.conf")" = "$sum" ] ||
        vb_fail "the upgrade changed the drop-in"
[ "$(verdict kesl)" = allow ] || vb_fail "the exemption did not survive the upgrade"
[ "$(verdict vendorban-bans-v2-probe)" = block ] || vb_fail "the new indicator of 2.0 is not in force"
[ "$(verdict klnagent64)" = block ] || vb_fail "klnagent64 not blocked after the upgrade"
grep -q '^triggered .*/usr/share/vendorban/bans.d' "$root/var/log/vendorban-trigger.log" ||
        { cat "$root/var/log/vendorban-trigger.log" >&2; vb_fail "the dpkg trigger did not fire on the data upgrade"; }
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 0
grep -q 'warning' "$VB_ERR" && { vb_show_last; vb_fail "policy check reports pending files after a clean upgrade"; }
[ -z "$(find "$root/etc/vendorban" "$root/usr/share/vendorban" -name '*.dpkg-*')" ] || vb_fail "dpkg left files to merge"

vb_step "contrast, the old layout: an edited conffile in /etc keeps the update out; policy check says so"
old=$(vb_tmproot)
rm "$old/etc/vendorban/bans.d/kaspersky.conf"
for v in 1.0 2.0; do
        d=$VB_TMP/old-$v
        mkdir -p "$d/DEBIAN" "$d/etc/vendorban/bans.d"
        cp "$VB_TMP/bans-$v/usr/share/vendorban/bans.d/kaspersky.conf" "$d/etc/vendorban/bans.d/"
        echo /etc/vendorban/bans.d/kaspersky.conf >"$d/DEBIAN/conffiles"
        build_pkg vendorban-oldlayout "$v" all "$d" >/dev/null
done
vb_dpkg_install "$old" "$VB_TMP/vendorban-oldlayout_1.0_all.deb"
printf '# edited by the administrator\n' >>"$old/etc/vendorban/bans.d/kaspersky.conf"
vb_run vb_dpkg "$old" --force-confold -i "$VB_TMP/vendorban-oldlayout_2.0_all.deb"
vb_expect_rc 0
[ -f "$old/etc/vendorban/bans.d/kaspersky.conf.dpkg-dist" ] || vb_fail "test bug: no .dpkg-dist with the old layout"
vb_run "$VB_CTL" --root "$old" policy check
vb_expect_rc 0
grep -q 'kaspersky.conf.dpkg-dist: left by a package upgrade and not read' "$VB_ERR" ||
        { vb_show_last; vb_fail "policy check does not report the pending .dpkg-dist"; }
vb_run "$VB_CTL" --root "$old" --json policy check
jq -e '.pending | length == 1 and (.[0] | endswith("kaspersky.conf.dpkg-dist"))' "$VB_OUT" >/dev/null ||
        { vb_show_last; vb_fail "policy check --json lacks pending"; }

vb_step "all checks passed"
