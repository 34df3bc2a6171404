#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An rpm database read through librpm counts like dpkg's: in a root where
# rpm --root installed a kesl rpm whose files lie outside every path
# indicator, `vendorbanctl scan` finds kesl as a package (subject package,
# source rpm), and finds packages through Vendor and Packager alone; a
# benign rpm and the dpkg packages beside it are judged as usual (both
# databases count). A corrupt rpm database is a clear error naming it, and
# loses nothing: the dpkg finding is still made and recorded (exit 1: what
# was found decides; exit 2 when nothing was). The Fedora/SUSE layout
# (/usr/lib/sysimage/rpm behind a /var/lib/rpm symlink) is found, inside the root.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rpm-lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"
vb_rpm_setup

vb_step "build rpms: kesl (files outside every path indicator), one by Vendor, one by Packager, a benign one"
kesl=$(vb_build_rpm kesl 12.0.0.6672-1 "AO Kaspersky Lab" "" \
        /usr/lib/kesl-test/bin/kesl "/usr/share/doc/kesl-test/README=Kaspersky Endpoint Security (fixture)")
byvendor=$(vb_build_rpm acme-agent 1.0-1 "AO Kaspersky Lab" "" /usr/lib/acme-agent/agent)
bypackager=$(vb_build_rpm acme-tools 2.0-1 "" "Build Team <builder@kaspersky.com>" /usr/lib/acme-tools/tool)
hello=$(vb_build_rpm hello 2.12.1-1 "Fedora Project" "Fedora Project <fedora@example.org>" /usr/bin/hello)
kesl_deb=$(vb_build_fake_kesl kesl-astra 12.0.0.6672-1)

vb_step "root: rpm -i the four rpms, dpkg -i a kesl-astra .deb"
r=$(vb_tmproot)
vb_rpm_initdb "$r"
for p in "$kesl" "$byvendor" "$bypackager" "$hello"; do
        vb_rpm_install "$r" "$p"
done
vb_dpkg_install "$r" "$kesl_deb"
vb_rpm "$r" -q kesl >/dev/null || vb_fail "rpm does not list kesl in the root"

vb_step "scan --json: exit 1, packages from both databases"
vb_run "$VB_CTL" --root "$r" --json scan
vb_expect_rc 1
s=$VB_TMP/scan.json
cp "$VB_OUT" "$s"
vb_jq_assert "$s" '.packages_scanned == 5' "packages_scanned is not 5 (4 rpm + 1 dpkg)"
vb_jq_assert "$s" 'any(.findings[]; .subject == "package" and .package == "kesl" and .source == "rpm"
        and .version == "12.0.0.6672-1" and .ban == "kaspersky" and .verdict == "block"
        and (.indicators | index("package:kesl")))' "no rpm package finding for kesl"
vb_jq_assert "$s" 'all(.findings[] | select(.package == "kesl"); (.indicators | map(startswith("path:")) | any) | not)' \
        "kesl matched a path indicator: the fixture's files must lie outside them"
vb_jq_assert "$s" 'any(.findings[]; .package == "acme-agent" and .source == "rpm"
        and (.indicators | index("maintainer:*AO Kaspersky*")))' "acme-agent not found by its Vendor"
vb_jq_assert "$s" 'any(.findings[]; .package == "acme-tools" and .source == "rpm"
        and (.indicators | index("maintainer:*@kaspersky.com*")))' "acme-tools not found by its Packager"
vb_jq_assert "$s" 'any(.findings[]; .package == "kesl-astra" and .source == "dpkg")' \
        "the dpkg package kesl-astra is not found beside the rpm ones"
vb_jq_assert "$s" '[.findings[] | select(.package == "hello")] | length == 0' "the benign rpm hello has a finding"

vb_step "findings --json keeps the source"
vb_findings_json "$r" "$VB_TMP/f.json"
vb_jq_assert "$VB_TMP/f.json" 'any(.findings[]; .package == "kesl" and .source == "rpm")
        and any(.findings[]; .package == "kesl-astra" and .source == "dpkg")' "findings lost the source"

vb_step "journal: VENDORBAN_SOURCE=rpm on kesl's finding"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl VENDORBAN_SOURCE=rpm ||
        vb_fail "no journal finding for kesl with VENDORBAN_SOURCE=rpm"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl-astra VENDORBAN_SOURCE=dpkg ||
        vb_fail "no journal finding for kesl-astra with VENDORBAN_SOURCE=dpkg"

vb_step "a root with only an rpm database (no dpkg) scans cleanly"
r2=$(mktemp -d "$VB_TMP/rpmonly.XXXXXX")
mkdir -p "$r2/etc/vendorban" "$r2/var/lib/vendorban"
cp -r "$r/etc/vendorban/." "$r2/etc/vendorban/"
vb_rpm_initdb "$r2"
vb_rpm_install "$r2" "$hello"
vb_run "$VB_CTL" --root "$r2" --json scan
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.packages_scanned == 1 and .findings == []' "rpm-only root: not 1 package, or findings"

vb_step "corrupt rpm database: a clear error naming it; the dpkg finding is still made"
r3=$(vb_tmproot)
vb_dpkg_install "$r3" "$kesl_deb"
mkdir -p "$r3/var/lib/rpm"
head -c 65536 /dev/urandom >"$r3/var/lib/rpm/rpmdb.sqlite"
vb_run "$VB_CTL" --root "$r3" --json scan
# Exit 1, not 2: banned software was found (the dpkg finding); the error is
# on standard error all the same (as for a bad dpkg record, cmd-scan.c).
vb_expect_rc 1
grep -q "$r3/var/lib/rpm" "$VB_ERR" || { vb_show_last; vb_fail "the error does not name the rpm database"; }
grep -Eqi 'rpm' "$VB_ERR" || { vb_show_last; vb_fail "the error does not say rpm"; }
vb_jq_assert "$VB_OUT" 'any(.findings[]; .package == "kesl-astra" and .source == "dpkg")' \
        "the corrupt rpm database lost the dpkg finding"
vb_findings_json "$r3" "$VB_TMP/f3.json"
vb_jq_assert "$VB_TMP/f3.json" 'any(.findings[]; .package == "kesl-astra")' "the dpkg finding is not in the ledger"
sed 's/^/  stderr: /' "$VB_ERR"
vb_step "corrupt rpm database and nothing found: exit 2"
r4=$(vb_tmproot)
mkdir -p "$r4/var/lib/rpm"
head -c 65536 /dev/urandom >"$r4/var/lib/rpm/rpmdb.sqlite"
vb_run "$VB_CTL" --root "$r4" --json scan
vb_expect_rc 2
grep -q "$r4/var/lib/rpm" "$VB_ERR" || { vb_show_last; vb_fail "the error does not name the rpm database"; }

vb_step "Fedora/SUSE layout: the database in /usr/lib/sysimage/rpm, /var/lib/rpm an absolute symlink to it"
r5=$(vb_tmproot)
mkdir -p "$r5/usr/lib/sysimage/rpm" "$r5/var/lib"
rpm --root "$r5" --dbpath /usr/lib/sysimage/rpm --initdb || vb_fail "rpm --initdb in sysimage failed"
rpm --root "$r5" --dbpath /usr/lib/sysimage/rpm -i --nodeps --noscripts --notriggers "$kesl" >"$VB_TMP/rpm5.log" 2>&1 ||
        { cat "$VB_TMP/rpm5.log" >&2; vb_fail "rpm -i into the sysimage database failed"; }
ln -s /usr/lib/sysimage/rpm "$r5/var/lib/rpm"
vb_run "$VB_CTL" --root "$r5" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" 'any(.findings[]; .package == "kesl" and .source == "rpm")' \
        "kesl not found through the /var/lib/rpm -> /usr/lib/sysimage/rpm symlink"

vb_step "all checks passed"
