#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vendorband, running, sees an ELF copied into ROOT/opt/kaspersky/... (in a
# directory created after it started, no package involved): a "file"
# finding with that path and the file's sha256, and a journal entry. A
# benign ELF copied to /opt/acme first gets no finding. Audit mode: the
# file stays where it is, unchanged.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
path=/opt/kaspersky/kesl/bin/kesl
sha=$(sha256sum </bin/true | cut -d' ' -f1)

vb_step "start vendorband on an empty root"
vb_start_daemon "$root"

vb_step "copy a benign ELF to /opt/acme/bin/acme-agent (new directories)"
mkdir -p "$root/opt/acme/bin"
cp /bin/true "$root/opt/acme/bin/acme-agent"

vb_step "copy an ELF to $path (new directories)"
mkdir -p "$root$(dirname "$path")"
cp /bin/true "$root$path"

vb_step "within 5 s: a file finding for $path with its sha256"
if ! vb_wait_for -t 5 vb_has_finding "$root" '.subject == "file" and .path == $p' --arg p "$path"; then
        vb_findings_json "$root" "$VB_TMP/f-fail.json"
        cat "$VB_TMP/f-fail.json" >&2
        vb_fail "no file finding for $path within 5 s"
fi
vb_findings_json "$root" "$VB_TMP/f1.json"
vb_jq_assert "$VB_TMP/f1.json" 'any(.findings[]; .subject == "file" and .path == $p and .sha256 == $s
        and .ban == "kaspersky" and .verdict == "block" and .action == "would-block")' \
        "the file finding lacks sha256/ban/verdict block/action would-block" --arg p "$path" --arg s "$sha"

vb_step "no finding for the benign /opt/acme/bin/acme-agent"
vb_jq_assert "$VB_TMP/f1.json" 'all(.findings[]; (.path // "") | startswith("/opt/acme") | not)' \
        "a finding for /opt/acme/bin/acme-agent"

vb_step "the journal has the entry: -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PATH=$path"
vb_wait_for -t 5 vb_journal_has -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PATH="$path" ||
        vb_fail "no journal entry for $path"
vb_journal_json -u vendorband VENDORBAN_BAN=kaspersky VENDORBAN_PATH="$path" >"$VB_TMP/j.json"
vb_jq_assert "$VB_TMP/j.json" 'any(.[]; .MESSAGE_ID == $mid and .VENDORBAN_SHA256 == $s
        and .VENDORBAN_ACTION == "would-block")' "the journal entry lacks MESSAGE_ID/sha256/action" \
        --arg mid "$VB_MID_FINDING" --arg s "$sha"

vb_step "audit mode: the file is still there, same content and mode"
[ -f "$root$path" ] || vb_fail "$path was removed"
[ "$(sha256sum <"$root$path" | cut -d' ' -f1)" = "$sha" ] || vb_fail "$path changed"
[ "$(stat -c %a "$root$path")" = 755 ] || vb_fail "$path lost its mode 0755"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
