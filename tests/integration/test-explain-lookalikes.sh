#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl explain` with the shipped policy tells Kaspersky's packages
# and files from look-alikes: kesl, kesl-gui, klnagent64, kics4net-foo and
# the legacy and server products are blocked (exit 1), KasperskyOS's SDK is
# flagged (kaspersky-arguable), and every real Debian package whose name or
# files resemble Kaspersky's (apt-cache pkgnames, Debian 12: kas, kea*,
# klavaro, kleopatra, kicad, kscreen, ksmbd-tools, tinyproxy...) is allowed
# (exit 0); text
# files of other software that merely mention Kaspersky (amavisd's scanner
# config, rspamd's Kaspersky scanner modules, a lynis test) are allowed, an
# ELF under /opt/kaspersky is blocked.
. "$(dirname "$0")/lib.sh"
vb_require_programs ctl

root=$(vb_tmproot)
cp "$VB_SOURCE_ROOT/policy/bans.d/kaspersky-arguable.conf" "$root/etc/vendorban/bans.d/"

# explain_expect SUBJECT block|allow: explain SUBJECT (--json) in the root.
explain_expect() {
        local subject=$1 want=$2
        vb_run "$VB_CTL" --root "$root" --json explain "$subject"
        if [ "$want" = block ]; then
                vb_expect_rc 1
                vb_jq_assert "$VB_OUT" '.verdict == "block"' "$subject: verdict is not block"
                vb_jq_assert "$VB_OUT" '.ban == "kaspersky"' "$subject: ban is not kaspersky"
                vb_jq_assert "$VB_OUT" \
                        '(.indicators | length > 0) and all(.indicators[]; has("kind") and has("pattern") and has("value"))' \
                        "$subject: no indicators with kind, pattern and value"
        else
                vb_expect_rc 0
                vb_jq_assert "$VB_OUT" '.verdict == "allow"' "$subject: verdict is not allow"
                vb_jq_assert "$VB_OUT" '.ban == null' "$subject: allowed but a ban is named"
        fi
}

for pkg in kesl kesl-gui klnagent64 kics4net-foo kav4proxy kav4samba kav4lms ksc64 kaspersky-scan-engine; do
        vb_step "package $pkg: blocked"
        explain_expect "$pkg" block
done
vb_step "kesl: the indicator that matched is the package name"
vb_run "$VB_CTL" --root "$root" --json explain kesl
vb_jq_assert "$VB_OUT" 'any(.indicators[]; .value == "kesl")' "kesl: no indicator with value kesl"

# Every Debian 12 package whose name resembles a Kaspersky product's.
lookalikes=(kas kasumi katarakt kate katex kati katomic
        kea kea-admin kea-common kea-ctrl-agent kea-dev kea-dhcp-ddns-server kea-dhcp4-server
        kea-dhcp6-server kea-doc kfind kfloppy kfourinline kicad kicad-demos kicad-libraries kickoff kickpass
        klatexformula klaus klavaro klayout kleborate kleborate-examples kleopatra klettres klettres-data
        klibc-utils klick klickety klines klog kluppe klustakwik klystrack
        kscreen kscreenlocker-dev ksmbd-tools ksmtuned ksnakeduel ksnip
        kwalify kwalletmanager kwartz-client kwave kwin-common kwrite kwstyle
        tinycdb tinydns tinyproxy tinysshd)
for pkg in "${lookalikes[@]}"; do
        vb_step "package $pkg (look-alike name): allowed"
        explain_expect "$pkg" allow
done

vb_step "package kasperskyos-community-edition (Kaspersky-made, coverage arguable): flagged, not blocked"
vb_run "$VB_CTL" --root "$root" --json explain kasperskyos-community-edition
vb_jq_assert "$VB_OUT" '.verdict == "flag" and .ban == "kaspersky-arguable"' "the KasperskyOS SDK is not flagged as arguable"

vb_step "plain-text explain of kesl: exit 1 and names the ban"
vb_run "$VB_CTL" --root "$root" explain kesl
vb_expect_rc 1
grep -qi kaspersky "$VB_OUT" || { vb_show_last; vb_fail "plain explain output does not mention kaspersky"; }

vb_step "files of other software that mention Kaspersky, in the root"
mkdir -p "$root/etc/amavis/conf.d" "$root/usr/share/rspamd/lualib/lua_scanners" \
        "$root/usr/share/lynis/include"
cat >"$root/etc/amavis/conf.d/15-av_scanners" <<'TXT'
use strict;
@av_scanners = (
  ['Kaspersky Anti-Virus for Linux File Server (kav4fs)',
    ['/opt/kaspersky/kav4fs/bin/kav4fs-kavscanner'],
    '-e PASBME -o syslog -i0 {}', [0,5], [3,4,8], qr/\sdetected\s+(.+)/m ],
  ['KasperskyLab kavscanner', ['/opt/kaspersky/kesl/bin/kesl-control'],
    '--scan-file {}', [0], [1], qr/Threat name: (.+)$/m ],
);
1;  # ensure a defined return
TXT
cat >"$root/usr/share/rspamd/lualib/lua_scanners/kaspersky_av.lua" <<'TXT'
--[[[
-- @module kaspersky
-- This module contains kaspersky antivirus access functions
-- (Kaspersky Lab scan engine, AO Kaspersky Lab)
--]]
local lua_util = require "lua_util"
local N = 'kaspersky'
local default_socket = '/var/run/klms/rds_av'
return { type = 'antivirus', description = 'kaspersky antivirus', name = N }
TXT
cat >"$root/usr/share/rspamd/lualib/lua_scanners/kaspersky_se.lua" <<'TXT'
--[[[
-- @module kaspersky_se
-- This module contains Kaspersky Scan Engine (AO Kaspersky Lab) integration
--]]
local N = 'kaspersky_se'
return { type = 'antivirus', description = 'Kaspersky Scan Engine interface', name = N }
TXT
cat >"$root/usr/share/lynis/include/tests_malware" <<'TXT'
#!/bin/sh
# Test        : MALW-3280
# Description : Check if an anti-virus tool is installed (Kaspersky)
if [ -d /opt/kaspersky/kesl/ ] || [ -x /opt/kaspersky/kesl/bin/kesl-control ]; then
    Display --indent 4 --text "Kaspersky Endpoint Security for Linux (AO Kaspersky Lab)" --result FOUND
fi
TXT
chmod 0644 "$root/etc/amavis/conf.d/15-av_scanners" "$root/usr/share/rspamd/lualib/lua_scanners/"*.lua \
        "$root/usr/share/lynis/include/tests_malware"

for f in /etc/amavis/conf.d/15-av_scanners \
        /usr/share/rspamd/lualib/lua_scanners/kaspersky_av.lua \
        /usr/share/rspamd/lualib/lua_scanners/kaspersky_se.lua \
        /usr/share/lynis/include/tests_malware; do
        vb_step "file $f (mentions Kaspersky, not Kaspersky's): allowed"
        explain_expect "$f" allow
done

for f in /etc/kea/kea-dhcp4.conf /usr/sbin/kea-dhcp4 /etc/init.d/kea-dhcp4-server /usr/lib/klibc/bin/sh \
        /usr/share/kicad/template/kicad.pro /usr/lib/python3/dist-packages/kas/kas.py /usr/share/tinyproxy/default.html \
        /usr/sbin/ksmbd.mountd /usr/bin/klavaro; do
        vb_step "file $f (a Debian look-alike path, absent here): allowed"
        explain_expect "$f" allow
done
for f in /etc/kaspersky/license.key /opt/kav/5.5/kav4unix/bin/kavscanner /etc/init.d/kesl \
        /etc/init.d/kav4fs-supervisor /etc/ksc-web-console-setup.json; do
        vb_step "file $f (a Kaspersky product's path): blocked"
        explain_expect "$f" block
done
vb_step "file /usr/share/tinycheck/server/backend/main.py (Kaspersky's open-source TinyCheck): flagged"
vb_run "$VB_CTL" --root "$root" --json explain /usr/share/tinycheck/server/backend/main.py
vb_jq_assert "$VB_OUT" '.verdict == "flag" and .ban == "kaspersky-arguable"' "TinyCheck is not flagged as arguable"

vb_step "an ELF under /opt/kaspersky in the root: blocked"
mkdir -p "$root/opt/kaspersky/kesl/bin"
cp /bin/true "$root/opt/kaspersky/kesl/bin/kesl"
explain_expect /opt/kaspersky/kesl/bin/kesl block

vb_step "all checks passed"
