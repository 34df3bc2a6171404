#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A banned file written while a long startup scan runs is detected at once
# (the scan yields to events between files), not when the scan ends; a kesl
# install during the scan as well.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
deb=$(vb_build_fake_kesl)
vb_step "a root whose startup scan reads 16 GiB (sparse files under /opt/bulk)"
vb_make_slow_tree "$root" 256

vb_step "start vendorband"
vb_start_daemon "$root"

vb_step "during the scan: a banned file in /opt/kaspersky/late, and dpkg -i kesl"
mkdir -p "$root/opt/kaspersky/late"
cp /bin/true "$root/opt/kaspersky/late/agent"
vb_dpkg_install "$root" "$deb"

vb_step "both are in the ledger within 10 s"
vb_wait_for -t 10 vb_has_finding "$root" '.subject == "file" and .path == "/opt/kaspersky/late/agent"' ||
        vb_fail "the file written during the scan was not detected within 10 s"
vb_wait_for -t 10 vb_has_finding "$root" '.package == "kesl"' ||
        vb_fail "kesl installed during the scan was not detected within 10 s"
vb_step "the startup scan still runs (it reads 16 GiB)"
if vb_wait_scan_done startup 1 0; then
        vb_fail "the startup scan was done before the events were looked at"
fi

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
