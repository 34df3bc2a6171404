#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: the dpkg database caught mid-transaction. (1) As dpkg leaves it
# between unpack and checkpoint: status (and status-new) without kesl,
# updates/0000 with kesl's stanza "install ok unpacked", info/kesl.list in
# place: vendorbanctl scan and vendorband read status + updates and find
# kesl. (2) A truncated updates/ file: an error naming the file and line,
# the other packages (in status and in good updates files) still
# evaluated, no crash.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
admin=$root/var/lib/dpkg
arch=$(vb_arch)

vb_step "a benign package in status (acme-agent), installed for real"
vb_dpkg_install "$root" "$(vb_build_deb acme-agent 1.0 'Acme <ops@acme.example>' /opt/acme/bin/acme-agent)"

vb_step "kesl half-installed: its files on disk, info/kesl.list, updates/0000 'install ok unpacked', status-new = status"
mkdir -p "$root/opt/kaspersky/kesl/bin"
cp /bin/true "$root/opt/kaspersky/kesl/bin/kesl"
printf '/.\n/opt\n/opt/kaspersky\n/opt/kaspersky/kesl\n/opt/kaspersky/kesl/bin\n/opt/kaspersky/kesl/bin/kesl\n' \
        >"$admin/info/kesl.list"
cat >"$admin/updates/0000" <<EOS
Package: kesl
Status: install ok unpacked
Maintainer: AO Kaspersky Lab <support@kaspersky.com>
Architecture: $arch
Version: 12.0.0.6672-1
Description: half-installed test fixture
EOS
cp "$admin/status" "$admin/status-new"
grep -q '^Package: kesl' "$admin/status" && vb_fail "kesl is in status already"

vb_step "vendorband (started on this database) finds it too"
vb_start_daemon "$root"
vb_wait_for -t 10 vb_journal_has -u vendorband MESSAGE_ID="$VB_MID_FINDING" VENDORBAN_PACKAGE=kesl ||
        vb_fail "vendorband logged no kesl finding"
vb_stop_daemon

vb_step "vendorbanctl scan finds kesl from updates/ (exit 1)"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" 'any(.findings[]; .package == "kesl")' "no kesl finding from updates/0000"
vb_jq_assert "$VB_OUT" 'all(.findings[]; .package != "acme-agent") and .packages_scanned == 2' "acme-agent flagged or not scanned"

vb_step "a truncated updates/0001 (klnagent64 stanza cut mid-line, no final newline)"
printf 'Package: klnagent64\nStatus: install ok unpa' >"$admin/updates/0001"

vb_step "vendorbanctl scan: an error naming updates/0001 and its line, kesl and acme-agent still evaluated, no crash"
vb_run "$VB_CTL" --root "$root" --json scan
[ "$VB_RC" -eq 1 ] || [ "$VB_RC" -eq 2 ] || { vb_show_last; vb_fail "scan exited $VB_RC (expected 1 or 2: no crash)"; }
grep -Eq 'updates/0001:[0-9]+:' "$VB_ERR" || { vb_show_last; vb_fail "no error naming updates/0001:LINE"; }
grep -E 'updates/0001:[0-9]+:' "$VB_ERR" | head -n 2
cp "$VB_OUT" "$VB_TMP/scan-truncated.json"
vb_jq_assert "$VB_OUT" 'any(.findings[]; .path == "/opt/kaspersky/kesl/bin/kesl")
        or any(.findings[]; .package == "kesl")' "kesl's binary not found at all next to a truncated updates file"

vb_step "vendorband: starts, logs the error with file:line, still finds kesl"
vb_start_daemon "$root"
vb_wait_for -t 10 vb_journal_grep 'updates/0001:[0-9]+:' -u vendorband MESSAGE_ID="$VB_MID_DAEMON" ||
        vb_fail "vendorband logged no error naming updates/0001:LINE"
vb_journal_query -o cat -u vendorband MESSAGE_ID="$VB_MID_DAEMON" | grep -F 'updates/0001' | tail -n 1
vb_daemon_alive_or_fail "with a truncated updates file"
vb_stop_daemon

vb_step "the package pass was not dropped: kesl (updates/0000) and acme-agent (status) were evaluated"
vb_jq_assert "$VB_TMP/scan-truncated.json" '.packages_scanned >= 2 and any(.findings[]; .package == "kesl")' \
        "one truncated updates/ file hid every package from the scan (lib/dpkg.c dpkg_db_read drops the whole database)"

vb_step "all checks passed"
