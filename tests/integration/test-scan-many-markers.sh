#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A ban with 500 content markers (the limit was 64) loads, and
# `vendorbanctl scan` finds an ELF file carrying only the 451st, and one whose
# marker straddles the 256 KiB read boundary; a text file carrying a marker
# is not an executable and is not flagged. A rescan answers from the hash
# cache (nothing hashed) with the same findings: the cache keeps markers past
# the 64th.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

root=$(vb_tmproot)

vb_step "a ban with 500 markers beside the shipped ones"
{
        printf 'ban = {\n  id = "many-markers";\n  vendor = "Many Markers";\n'
        printf '  entities = [ "Many Markers Ltd" ];\n  authority = "test-scan-many-markers";\n'
        printf '  phases = ( { from = "2024-01-01"; applies_to = "all"; action = "flag"; } );\n'
        printf '  match = {\n    markers = [\n'
        for i in $(seq 0 499); do
                printf '      "vb-marker-%03d-of-500"%s\n' "$i" "$([ "$i" -lt 499 ] && echo ,)"
        done
        printf '    ];\n  };\n};\n'
} >"$root/etc/vendorban/bans.d/many-markers.conf"
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 0

vb_step "one ELF with marker 450, one with marker 499 across the first 256 KiB read, one text file with marker 3"
mkdir -p "$root/opt/acme"
cp /bin/true "$root/opt/acme/tool"
printf 'vb-marker-450-of-500' >>"$root/opt/acme/tool"
{
        head -c 4 /bin/true
        head -c $((256 * 1024 - 4 - 10)) /dev/zero
        printf 'vb-marker-499-of-500'
        head -c 1000 /dev/zero
} >"$root/opt/acme/big"
chmod 0755 "$root/opt/acme/big"
printf 'notes: vb-marker-003-of-500\n' >"$root/opt/acme/notes.txt"

found() { # found FILE: the scan output has a many-markers finding for /opt/acme/FILE
        vb_jq_assert "$VB_OUT" 'any(.findings[]; .path == $p and .ban == "many-markers" and (tostring | contains($m)))' \
                "no finding for $1 with marker $2" --arg p "/opt/acme/$1" --arg m "marker:vb-marker-$2-of-500"
}

vb_step "vendorbanctl scan finds both ELF files by their marker, not the text file"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
found tool 450
found big 499
vb_jq_assert "$VB_OUT" 'all(.findings[]; .path != "/opt/acme/notes.txt")' "a text file was flagged for a marker"

vb_step "a rescan from the hash cache finds the same"
vb_run "$VB_CTL" --root "$root" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" '.files_hashed == 0' "the rescan hashed files again"
found tool 450
found big 499

vb_step "all checks passed"
