#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl explain` with the shipped policy tells Kaspersky's packages
# and files from look-alikes: kesl, kesl-gui, klnagent64 and kics4net-foo are
# blocked (exit 1), kas, klavaro and kleopatra are allowed (exit 0); text
# files of other software that merely mention Kaspersky (amavisd's scanner
# config, rspamd's Kaspersky scanner modules, a lynis test) are allowed, an
# ELF under /opt/kaspersky is blocked.
. "$(dirname "$0")/lib.sh"
vb_require_programs ctl

root=$(vb_tmproot)

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

for pkg in kesl kesl-gui klnagent64 kics4net-foo; do
        vb_step "package $pkg: blocked"
        explain_expect "$pkg" block
done
vb_step "kesl: the indicator that matched is the package name"
vb_run "$VB_CTL" --root "$root" --json explain kesl
vb_jq_assert "$VB_OUT" 'any(.indicators[]; .value == "kesl")' "kesl: no indicator with value kesl"

for pkg in kas klavaro kleopatra; do
        vb_step "package $pkg (look-alike name): allowed"
        explain_expect "$pkg" allow
done

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

vb_step "an ELF under /opt/kaspersky in the root: blocked"
mkdir -p "$root/opt/kaspersky/kesl/bin"
cp /bin/true "$root/opt/kaspersky/kesl/bin/kesl"
explain_expect /opt/kaspersky/kesl/bin/kesl block

vb_step "all checks passed"
