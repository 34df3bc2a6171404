#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One bad dpkg record never hides the rest. dpkg installs a real package
# with 600 control fields and a 1 MiB Description (dpkg sets no limit on
# either); a Kaspersky package installed next is still found by
# `vendorbanctl scan` and by vendorband. Then records that dpkg itself
# would call broken (a damaged status stanza naming kav4fs, a bad line in
# kesl's .list): each is reported with file:line, kav4fs is still judged by
# its name, and every other package still counts.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
admin=$root/var/lib/dpkg
arch=$(vb_arch)

vb_step "build bigctl: 600 control fields, a 1 MiB Description, an innocent maintainer"
big_deb=$(vb_build_big_deb bigctl 1.0 'Acme <ops@acme.example>')
[ "$(dpkg-deb --field "$big_deb" | grep -c '^X-Vb-Field-')" -eq 600 ] || vb_fail "bigctl has not 600 extra fields"

vb_step "dpkg -i bigctl (dpkg accepts it), then hello and kesl"
vb_dpkg_install "$root" "$big_deb"
st=$(vb_dpkg "$root" -s bigctl | sed -n 's/^Status: //p')
[ "$st" = "install ok installed" ] || vb_fail "dpkg did not install bigctl (status '$st')"
vb_dpkg_install "$root" "$(vb_build_deb hello 2.10-3 'Santiago Vila <sanvila@debian.org>' /usr/bin/hello)"
vb_dpkg_install "$root" "$(vb_build_fake_kesl kesl)"

vb_step "vendorbanctl scan: kesl found (exit 1), all 3 packages evaluated, no error"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" '.packages_scanned == 3' "not every package was evaluated next to bigctl"
vb_jq_assert "$VB_OUT" 'any(.findings[]; .subject == "package" and .package == "kesl" and .verdict == "block")' \
        "kesl not found next to a package with 600 control fields"
[ ! -s "$VB_ERR" ] || { vb_show_last; vb_fail "scan printed errors for a database dpkg accepts"; }

vb_step "vendorband: started on this root, then dpkg -i klnagent64 is found (polled for up to 30 s)"
vb_start_daemon "$root"
vb_dpkg_install "$root" "$(vb_build_deb klnagent64 15.0.0-1 'AO Kaspersky Lab <support@kaspersky.com>' \
        /opt/kaspersky/klnagent64/bin/klnagent)"
vb_wait_for -t 30 vb_has_finding "$root" '.subject == "package" and .package == "klnagent64"' ||
        vb_fail "vendorband did not find klnagent64 installed after bigctl"
vb_has_finding "$root" '.subject == "package" and .package == "kesl"' || vb_fail "vendorband did not find kesl"
vb_stop_daemon

vb_step "damage: a status stanza naming kav4fs with a broken line, and a relative path in kesl's .list"
line=$(($(grep -c '' "$admin/status") + 3))
printf '\nPackage: kav4fs\nthis line is not a field\nStatus: install ok installed\nVersion: 8.0\n' >>"$admin/status"
printf 'opt/relative/path\n' >>"$admin/info/kesl.list"
list_line=$(grep -c '' "$admin/info/kesl.list")

vb_step "vendorbanctl scan: both errors named by file:line; kav4fs judged by name; every other package counts"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
grep -Fq "$admin/status:$line:" "$VB_ERR" || { vb_show_last; vb_fail "no error naming status:$line"; }
grep -Fq "$admin/info/kesl.list:$list_line:" "$VB_ERR" ||
        { vb_show_last; vb_fail "no error naming kesl.list:$list_line"; }
vb_jq_assert "$VB_OUT" '.packages_scanned == 5' "a package was dropped next to the damaged records"
for p in kesl klnagent64 kav4fs; do
        vb_jq_assert "$VB_OUT" 'any(.findings[]; .subject == "package" and .package == $p and .verdict == "block")' \
                "no finding for $p next to damaged records" --arg p "$p"
done
vb_jq_assert "$VB_OUT" 'all(.findings[]; .package != "bigctl" and .package != "hello")' "a benign package flagged"

vb_step "vendorband on the damaged database: logs the error, finds kav4fs"
vb_start_daemon "$root"
vb_wait_for -t 10 vb_has_finding "$root" '.subject == "package" and .package == "kav4fs"' ||
        vb_fail "vendorband did not judge the damaged kav4fs stanza by name"
vb_wait_for -t 10 vb_journal_grep "status:$line:" -u vendorband || vb_fail "vendorband logged no status:$line error"
vb_daemon_alive_or_fail "on a damaged status file"
vb_stop_daemon

vb_step "all checks passed"
