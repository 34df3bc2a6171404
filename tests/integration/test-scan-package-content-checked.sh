#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Package content is checked: a package with an innocent name and
# maintainer (acme-helper, Acme) ships /usr/lib/acme-helper/helper, an ELF
# carrying a Kaspersky content marker, outside every watched path.
# `vendorbanctl scan` finds the file (exit 1); a second scan takes every
# hash from the cache (0 files hashed) and still finds it; vendorband finds
# it after `dpkg -i` (polled for up to 30 s). A benign package beside it is not flagged.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

vb_step "build acme-helper: innocent name and maintainer, an ELF with the marker \"AO Kaspersky Lab\" in /usr/lib/acme-helper/"
marked=$VB_TMP/helper
cp /bin/true "$marked"
printf '\0built by AO Kaspersky Lab\0' >>"$marked"
helper_deb=$(vb_build_deb acme-helper 1.0 "Acme <ops@acme.example>" "/usr/lib/acme-helper/helper<0755:$marked" \
        "/usr/share/doc/acme-helper/README=Acme helper")
hello_deb=$(vb_build_deb hello 2.10-3 "Santiago Vila <sanvila@debian.org>" /usr/bin/hello)
path=/usr/lib/acme-helper/helper

vb_step "root 1: dpkg -i both; vendorbanctl scan finds the file by content (exit 1)"
r1=$(vb_tmproot)
vb_dpkg_install "$r1" "$helper_deb"
vb_dpkg_install "$r1" "$hello_deb"
vb_run "$VB_CTL" --root "$r1" --json scan
vb_expect_rc 1
cp "$VB_OUT" "$VB_TMP/scan1.json"
vb_jq_assert "$VB_TMP/scan1.json" 'any(.findings[]; .path == $p and .ban == "kaspersky" and .verdict == "block"
        and any(.indicators[]; test("marker")))' "no content finding for $path" --arg p "$path"
vb_jq_assert "$VB_TMP/scan1.json" 'all(.findings[]; .path == $p)' "a finding for something else" --arg p "$path"
vb_jq_assert "$VB_TMP/scan1.json" '.files_hashed >= 3' "the packages' files were not hashed"

vb_step "root 1: a second scan takes every hash from the cache and still finds it"
vb_run "$VB_CTL" --root "$r1" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" '.files_hashed == 0 and .files_cached >= 3' "the rescan hashed files again"
vb_jq_assert "$VB_OUT" 'any(.findings[]; .path == $p)' "the rescan lost the finding" --arg p "$path"

vb_step "root 2: vendorband running; dpkg -i acme-helper is found (polled for up to 30 s)"
r2=$(vb_tmproot)
vb_start_daemon "$r2"
vb_dpkg_install "$r2" "$hello_deb"
vb_dpkg_install "$r2" "$helper_deb"
vb_wait_for -t 30 vb_has_finding "$r2" '.path == $p and .verdict == "block"' --arg p "$path" ||
        vb_fail "vendorband did not content-check acme-helper's files"
vb_findings_json "$r2" "$VB_TMP/f2.json"
vb_jq_assert "$VB_TMP/f2.json" 'all(.findings[]; .path == $p)' "a finding for something else" --arg p "$path"
vb_stop_daemon

vb_step "all checks passed"
