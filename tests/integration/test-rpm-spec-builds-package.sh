#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vendorban.spec builds vendorban as an RPM with rpmbuild on this machine
# (scripts/build-rpm): the programs in /usr/sbin, the unit in
# /usr/lib/systemd/system (not Debian's /lib), the configuration as
# %config(noreplace), the dnf plugin and its configuration, no APT hook.
# Installed with rpm --root into an empty root, the packaged vendorbanctl
# checks the packaged policy and finds its own package in the rpm database.
# Compiling takes most of this test's time (about 30 s on 2 busy cores).
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rpm-lib.sh"
vb_require_root
vb_private_journal "$@"
vb_rpm_setup
command -v git >/dev/null || vb_skip "git is missing"
git -C "$VB_SOURCE_ROOT" rev-parse --git-dir >/dev/null 2>&1 || vb_skip "the source tree is not a git checkout"

vb_step "scripts/build-rpm"
vb_run "$VB_SOURCE_ROOT/scripts/build-rpm" "$VB_TMP/out"
vb_expect_rc 0
pkg=$(grep -E '/vendorban-[0-9.]+-[0-9]+\.[a-z0-9_]+\.rpm$' "$VB_OUT" | head -n 1)
[ -f "$pkg" ] || { vb_show_last; vb_fail "no vendorban rpm was built"; }

vb_step "the package's files"
rpm -qlp "$pkg" 2>/dev/null >"$VB_TMP/files"
for f in /usr/sbin/vendorband /usr/sbin/vendorbanctl /usr/lib/systemd/system/vendorband.service \
        /usr/lib/tmpfiles.d/vendorban.conf /usr/lib/systemd/catalog/vendorban.catalog \
        /etc/vendorban/vendorban.conf /usr/share/vendorban/bans.d/kaspersky.conf /etc/dnf/plugins/vendorban.conf \
        /usr/share/man/man8/vendorbanctl.8; do
        grep -qx "$f" "$VB_TMP/files" || { cat "$VB_TMP/files" >&2; vb_fail "the rpm lacks $f"; }
done
grep -q '/dnf-plugins/vendorban\.py$' "$VB_TMP/files" || vb_fail "the rpm lacks the dnf plugin"
if grep -Eq '^/lib/|/etc/apt/' "$VB_TMP/files"; then vb_fail "the rpm ships Debian paths (/lib, /etc/apt)"; fi
rpm -qp --configfiles "$pkg" 2>/dev/null | grep -qx /etc/vendorban/vendorban.conf ||
        vb_fail "vendorban.conf is not a config file of the rpm"
rpm -qp --requires "$pkg" 2>/dev/null | grep -q '^librpm' || vb_fail "the rpm does not require librpm"

vb_step "rpm -i into an empty root; the packaged vendorbanctl works there"
r=$(mktemp -d "$VB_TMP/rpmroot.XXXXXX")
vb_rpm_initdb "$r"
vb_rpm "$r" -i --nodeps --noscripts "$pkg" >"$VB_TMP/rpm-i.log" 2>&1 || { cat "$VB_TMP/rpm-i.log" >&2; vb_fail "rpm -i failed"; }
vb_run "$r/usr/sbin/vendorbanctl" --root "$r" policy check
vb_expect_rc 0
mkdir -p "$r/var/lib/vendorban"
vb_run "$r/usr/sbin/vendorbanctl" --root "$r" --json scan
vb_expect_rc 0
vb_jq_assert "$VB_OUT" '.packages_scanned == 1 and .findings == []' "the root's own rpm (vendorban) is not the one package scanned"

vb_step "all checks passed"
