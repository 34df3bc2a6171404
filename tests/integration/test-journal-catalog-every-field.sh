#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every entry of systemd/vendorban.catalog, with every field substituted:
# no @NAME@ in it has a digit (journald substitutes only capital letters
# and underscores: @VENDORBAN_SHA256@ stayed unexpanded), and for each
# entry the programs write here (daemon start and scan, a finding, the exec
# guard denying and, in audit mode, "would deny", the APT hook refusing and
# "would refuse", a broken policy on reload and at start, the summary),
# every @FIELD@ of its catalog text is a field of that entry, so nothing is
# left unexpanded. The audit-mode Subjects say "would deny"/"would refuse".
# The JOURNAL section of vendorband(8) lists every field journalctl --fields
# shows here and every field the sources send.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

catalog=$VB_SOURCE_ROOT/systemd/vendorban.catalog
[ -f "$catalog" ] || vb_fail "no catalog at $catalog"

vb_step "the catalog: no field name with a digit"
bad=$(grep -o '@[A-Za-z0-9_]*@' "$catalog" | grep '[0-9a-z]' | sort -u || true)
[ -z "$bad" ] || vb_fail "catalog names fields journald will not substitute: $bad"

# The catalog as JSON: { MESSAGE_ID: { "fields": [...], "text": "..." } }.
awk '/^-- [0-9a-f]+$/ { id = $2; next } id { text[id] = text[id] $0 "\n" }
     END { for (i in text) printf "%s\t%s", i, text[i] "\x1e" }' "$catalog" |
        jq -Rs 'split("\u001e") | map(select(length > 0) | split("\t") | { key: .[0], value: .[1] }) | from_entries |
                map_values({ text: ., fields: ([scan("@([A-Z_]+)@") | .[0]] | unique) })' >"$VB_TMP/catalog.json"
[ "$(jq length "$VB_TMP/catalog.json")" -ge 10 ] || vb_fail "catalog parse found $(jq length "$VB_TMP/catalog.json") entries"

vb_step "a guarded tmpfs root in enforce mode, a banned binary, the daemon with the guard"
g=$VB_TMP/guarded
mkdir -p "$g"
mount -t tmpfs -o mode=0755,size=64m vendorban-catalog-test "$g" || vb_fail "cannot mount a tmpfs on $g"
VB_MOUNTS+=("$g")
r=$(vb_tmproot)
cp -a "$r/." "$g/"
root=$g
vb_set_mode "$root" enforce
mkdir -p "$root/srv/watched" "$root/opt/kaspersky/kesl/bin"
sed -i -E 's|^watch_paths = .*|watch_paths = [ "/srv/watched" ];|; s|^rescan_interval = .*|rescan_interval = 0;|' \
        "$root/etc/vendorban/vendorban.conf"
kesl=/opt/kaspersky/kesl/bin/kesl
cp /bin/true "$root$kesl"
export VENDORBAN_GUARD_MOUNTS=$g
vb_start_daemon "$root"
guard=yes
vb_wait_for -t 10 grep -qx "active $g" "$root/run/vendorban/guard" || guard=no

if [ $guard = yes ]; then
        vb_step "the guard denies the banned binary (enforce)"
        vb_run "$root$kesl"
        [ "$VB_RC" -ne 0 ] || vb_fail "the banned binary ran in enforce mode"
        vb_wait_for -t 10 vb_journal_has VENDORBAN_ACTION=exec-denied || vb_fail "no exec-denied entry"
else
        printf '  (no exec guard here: its entries are not checked)\n'
fi

vb_step "a loose banned file found by a scan of another root (a finding)"
r2=$(vb_tmproot)
mkdir -p "$r2/opt/kaspersky/loose"
cp /bin/true "$r2/opt/kaspersky/loose/kav"
vb_run "$VB_CTL" --root "$r2" scan
vb_expect_rc 1
vb_wait_for -t 30 vb_journal_has VENDORBAN_PATH=/opt/kaspersky/loose/kav MESSAGE_ID=4f1a7c2e9b3d4e5f8a6b0c1d2e3f4a5b ||
        vb_fail "no finding entry for the loose file"

vb_step "the APT hook refuses a banned .deb (enforce)"
arch=$(vb_arch)
kesl_deb=$(vb_build_deb kesl 12.1.0.1297-1 "Kaspersky Lab <support@kaspersky.com>" /opt/kaspersky/kesl/bin/kesl)
{
        printf 'VERSION 3\nAPT::Architecture=%s\n' "$arch"
        printf 'DPkg::Tools::Options::/usr/sbin/vendorbanctl::Version=3\n\n'
        printf 'kesl - - none < 12.1.0.1297-1 %s none %s\n' "$arch" "$kesl_deb"
} >"$VB_TMP/kesl.in"
"$VB_CTL" --root "$root" apt-hook <"$VB_TMP/kesl.in" >/dev/null 2>&1 && vb_fail "the hook allowed kesl in enforce mode"

vb_step "audit mode (reload): the guard would deny, the hook would refuse"
vb_set_mode "$root" audit
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 30 grep -q 'STATUS=audit mode' "$VB_NOTIFY_LOG" || vb_fail "the reload to audit mode did not happen"
if [ $guard = yes ]; then
        vb_run "$root$kesl"
        vb_expect_rc 0
        vb_wait_for -t 10 vb_journal_has VENDORBAN_ACTION=would-deny-exec || vb_fail "no would-deny-exec entry"
fi
"$VB_CTL" --root "$root" apt-hook <"$VB_TMP/kesl.in" >/dev/null 2>&1 || vb_fail "the hook refused in audit mode"

vb_step "a broken policy: on reload (policy error), then at start (last-known-good)"
printf 'ban = { id = "broken";\n' >"$root/etc/vendorban/bans.d/zz-broken.conf"
kill -HUP "$VB_DAEMON_PID"
vb_wait_for -t 30 vb_journal_has MESSAGE_ID=c3d5e7f9a1b34c6d8e0f2a4b6c8d0e1f || vb_fail "no policy error entry"
vb_stop_daemon
vb_start_daemon "$root"
vb_wait_for -t 30 vb_journal_has MESSAGE_ID=4f76cffd9f4548968c4aa529005d5cc0 || vb_fail "no last-known-good entry"
vb_stop_daemon

vb_step "every entry of a catalogued MESSAGE_ID carries every field its catalog text names"
vb_journal_json >"$VB_TMP/journal.json"
jq -r --slurpfile cat "$VB_TMP/catalog.json" '
        .[] | . as $e | ($cat[0][$e.MESSAGE_ID // ""] // empty) as $c |
        $c.fields[] | select(($e[.] // "") == "") |
        "\($e.MESSAGE_ID) (\($e.MESSAGE | .[0:60])...): no \(.)"' "$VB_TMP/journal.json" | sort -u >"$VB_TMP/missing"
if [ -s "$VB_TMP/missing" ]; then
        cat "$VB_TMP/missing" >&2
        vb_fail "catalog fields missing from the entries (journalctl -x would show them as @NAME@)"
fi
seen=$(jq -r --slurpfile cat "$VB_TMP/catalog.json" '[.[] | select($cat[0][.MESSAGE_ID // ""]) | .MESSAGE_ID] | unique | length' \
        "$VB_TMP/journal.json")
printf '  %s catalogued MESSAGE_IDs written here, every field present\n' "$seen"
[ "$seen" -ge 6 ] || vb_fail "only $seen catalogued kinds of entry were written"

vb_step "the Subjects, substituted: audit mode says would deny / would refuse"
subject() { # subject MESSAGE_ID ACTION: the catalog Subject with that entry's fields
        jq -r --slurpfile cat "$VB_TMP/catalog.json" --arg id "$1" --arg act "$2" '
                [.[] | select(.MESSAGE_ID == $id and .VENDORBAN_ACTION == $act)] | first | . as $e |
                $cat[0][$id].text | capture("Subject: (?<s>[^\n]*)").s |
                gsub("@(?<f>[A-Z_]+)@"; $e[.f] // "@\(.f)@")' "$VB_TMP/journal.json"
}
s=$(subject 6e8a0c2e4b6d4f1a9c3e5b7d9f1a3c5e apt-would-refuse)
printf '  audit APT:   %s\n' "$s"
[[ $s == "APT hook would refuse a package"* ]] || vb_fail "audit APT subject: $s"
s=$(subject 6e8a0c2e4b6d4f1a9c3e5b7d9f1a3c5e apt-refused)
[[ $s == "APT hook refused a package"* ]] || vb_fail "enforce APT subject: $s"
if [ $guard = yes ]; then
        s=$(subject 3f5b7d9f1b3d4a5c8e0a2c4e6f8b0d2c would-deny-exec)
        printf '  audit guard: %s\n' "$s"
        [[ $s == "vendorban exec guard would deny running"* ]] || vb_fail "audit guard subject: $s"
        s=$(subject 3f5b7d9f1b3d4a5c8e0a2c4e6f8b0d2c exec-denied)
        [[ $s == "vendorban exec guard denied running"* ]] || vb_fail "enforce guard subject: $s"
fi

vb_step "the JOURNAL section of vendorband(8) lists every field: journalctl --fields here, and every one the sources send"
man8=$VB_SOURCE_ROOT/man/vendorband.8
sed -n '/^\.SH JOURNAL/,/^\.SH /p' "$man8" >"$VB_TMP/journal-section"
journalctl --sync >/dev/null 2>&1 || true
journalctl --fields 2>/dev/null | grep '^VENDORBAN_' | sort -u >"$VB_TMP/fields-seen"
[ -s "$VB_TMP/fields-seen" ] || vb_fail "journalctl --fields shows no VENDORBAN_ field"
# Sent: "VENDORBAN_X=..." formats, field(l, &k, "VENDORBAN_X", ...), the summary's names.
grep -rhoE '"VENDORBAN_[A-Z_]+(=|")' "$VB_SOURCE_ROOT"/lib "$VB_SOURCE_ROOT"/daemon "$VB_SOURCE_ROOT"/cli |
        tr -d '"=' | grep -vE '^VENDORBAN_(TEST_.*|PAGER|GUARD_MOUNTS)$' | sort -u >"$VB_TMP/fields-sent"
for f in $(sort -u "$VB_TMP/fields-seen" "$VB_TMP/fields-sent"); do
        grep -q "^\.B $f\$" "$VB_TMP/journal-section" || vb_fail "vendorband(8) JOURNAL does not list $f"
done
printf '  %s fields seen here, %s sent by the sources, all listed\n' "$(wc -l <"$VB_TMP/fields-seen")" \
        "$(wc -l <"$VB_TMP/fields-sent")"

vb_step "all checks passed"
