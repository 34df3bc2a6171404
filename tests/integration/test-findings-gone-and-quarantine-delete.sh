#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A finding whose package or file has gone is resolved: after the package is
# purged and the loose file removed, a scan marks both "gone" with the time
# (table: "gone <time>", JSON: state "gone" and gone_time, CSV: gone_time);
# reinstalled, the package's finding is present again. A quarantined file
# is not "gone" (it is held); `quarantine delete ID` (root only; an outsider
# is refused) removes the stored copy, keeps the ledger row as "deleted",
# and the next scan resolves its finding. quarantine_retention deletes
# copies older than it at a root scan and at the daemon's start. The daemon
# resolves a package finding as gone when dpkg purges the package.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl daemon
vb_private_journal "$@"

r=$(vb_tmproot)
q=$r/var/lib/vendorban/quarantine
finding() { # finding JQ-SELECT: the JSON of the one finding it selects
        "$VB_CTL" --root "$r" --json findings | jq -c "[.findings[] | select($1)] | first"
}

vb_step "audit mode: kesl installed and a loose Kaspersky ELF, scanned: both present"
kesl=$(vb_build_fake_kesl kesl)
vb_dpkg_install "$r" "$kesl"
mkdir -p "$r/opt/kaspersky/loose"
cp /bin/true "$r/opt/kaspersky/loose/kav"
vb_run "$VB_CTL" --root "$r" scan
vb_expect_rc 1
[ "$(finding '.package == "kesl"' | jq -r .state)" = present ] || vb_fail "kesl is not present"
[ "$(finding '.path == "/opt/kaspersky/loose/kav"' | jq -r .state)" = present ] || vb_fail "kav is not present"

vb_step "kesl purged, kav removed, scanned again: both gone, with the time"
vb_dpkg_remove "$r" kesl
rm "$r/opt/kaspersky/loose/kav"
vb_run "$VB_CTL" --root "$r" scan
vb_expect_rc 0
for sel in '.package == "kesl"' '.path == "/opt/kaspersky/loose/kav"'; do
        f=$(finding "$sel")
        jq -e '.state == "gone" and (.gone_time | test("^20[0-9][0-9]-"))' <<<"$f" >/dev/null ||
                vb_fail "not gone with a time: $f"
done
vb_run "$VB_CTL" --root "$r" --no-pager findings
vb_expect_rc 0
grep -E '^ *[0-9]+ .*gone +20[0-9][0-9]-' "$VB_OUT" | grep -q kesl || { vb_show_last; vb_fail "table: kesl not shown gone"; }
grep -q 'blocked.*kesl\|would-block.*kesl' "$VB_OUT" && { vb_show_last; vb_fail "table: kesl still shown as blocked"; }
vb_run "$VB_CTL" --root "$r" findings --csv
head -n 1 "$VB_OUT" | tr -d '\r' | grep -q ',gone_time$' || vb_fail "CSV: no gone_time column"
grep 'kesl' "$VB_OUT" | tr -d '\r' | grep -Eq ',20[0-9][0-9]-[0-9-]+T[0-9:]+Z$' || { vb_show_last; vb_fail "CSV: kesl has no gone_time"; }

vb_step "kesl reinstalled: its finding is present again"
vb_dpkg_install "$r" "$kesl"
vb_run "$VB_CTL" --root "$r" scan
vb_expect_rc 1
finding '.package == "kesl"' | jq -e '.state == "present" and .gone_time == null' >/dev/null ||
        vb_fail "kesl is not present again: $(finding '.package == "kesl"')"
vb_dpkg_remove "$r" kesl

vb_step "enforce mode: a loose ELF is quarantined, and held, not gone"
vb_set_mode "$r" enforce
cp /bin/true "$r/opt/kaspersky/loose/kav2"
vb_run "$VB_CTL" --root "$r" scan
vb_expect_rc 1
[ ! -e "$r/opt/kaspersky/loose/kav2" ] || vb_fail "kav2 was not quarantined"
id=$("$VB_CTL" --root "$r" --json quarantine list | jq -r '.quarantine[] | select(.path == "/opt/kaspersky/loose/kav2") | .id')
stored=$("$VB_CTL" --root "$r" --json quarantine list | jq -r ".quarantine[] | select(.id == $id) | .stored_name")
[ -f "$q/$stored" ] || vb_fail "no stored copy $q/$stored"
vb_run "$VB_CTL" --root "$r" scan
[ "$(finding '.path == "/opt/kaspersky/loose/kav2"' | jq -r .state)" = present ] || vb_fail "a quarantined file is called gone"

vb_step "quarantine delete: refused to an outsider, done by root; the row stays 'deleted'"
vb_run setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$VB_CTL" --root "$r" quarantine delete "$id"
vb_expect_rc 2
grep -q 'needs root' "$VB_ERR" || { vb_show_last; vb_fail "delete by nobody: no 'needs root'"; }
[ -f "$q/$stored" ] || vb_fail "nobody deleted the stored copy"
vb_run "$VB_CTL" --root "$r" quarantine delete "$id"
vb_expect_rc 0
[ ! -e "$q/$stored" ] || vb_fail "the stored copy is still there"
"$VB_CTL" --root "$r" --json quarantine list |
        jq -e ".quarantine[] | select(.id == $id) | .state == \"deleted\" and .deleted != null" >/dev/null ||
        vb_fail "the ledger row is not kept as deleted"
vb_run "$VB_CTL" --root "$r" quarantine delete "$id"
vb_expect_rc 2
grep -q 'is deleted, not quarantined' "$VB_ERR" || { vb_show_last; vb_fail "a second delete: no clear error"; }
vb_run "$VB_CTL" --root "$r" scan
[ "$(finding '.path == "/opt/kaspersky/loose/kav2"' | jq -r .state)" = gone ] || vb_fail "kav2 is not gone after delete"

vb_step "quarantine_retention: a bad value is a file:line error"
vb_set_conf "$r" quarantine_retention '"ninety days"'
vb_run "$VB_CTL" --root "$r" policy check
vb_expect_rc 2
grep -q 'vendorban.conf:[0-9]*:.*not a duration' "$VB_ERR" || { vb_show_last; vb_fail "no file:line error for a bad duration"; }

vb_step "quarantine_retention = \"1h\": a new quarantined copy is kept by a scan"
vb_set_conf "$r" quarantine_retention '"1h"'
cp /bin/true "$r/opt/kaspersky/loose/kav3"
vb_run "$VB_CTL" --root "$r" scan
id3=$("$VB_CTL" --root "$r" --json quarantine list | jq -r '.quarantine[] | select(.path == "/opt/kaspersky/loose/kav3") | .id')
[ -n "$id3" ] || vb_fail "kav3 was not quarantined"
t3=$(date +%s)
vb_run "$VB_CTL" --root "$r" scan
"$VB_CTL" --root "$r" --json quarantine list | jq -e ".quarantine[] | select(.id == $id3) | .state == \"quarantined\"" >/dev/null ||
        vb_fail "a copy younger than the retention was deleted"

vb_step "quarantine_retention = \"1s\": the daemon deletes it at its start, once it is older"
vb_set_conf "$r" quarantine_retention '"1s"'
vb_wait_for -t 10 sh -c "[ \$(date +%s) -gt $((t3 + 2)) ]" || vb_fail "the clock did not move"
vb_start_daemon "$r"
vb_wait_for -t 30 sh -c "'$VB_CTL' --root '$r' --json quarantine list | jq -e '.quarantine[] | select(.id == $id3) | .state == \"deleted\"' >/dev/null" ||
        vb_fail "the daemon did not apply the retention"
vb_stop_daemon
vb_journal_has VENDORBAN_ACTION=delete-quarantined SYSLOG_IDENTIFIER=vendorband || vb_fail "no journal entry for the retention"

vb_step "quarantine_retention at a root scan"
cp /bin/true "$r/opt/kaspersky/loose/kav4"
vb_set_conf "$r" quarantine_retention '"1h"'
vb_run "$VB_CTL" --root "$r" scan
id4=$("$VB_CTL" --root "$r" --json quarantine list | jq -r '.quarantine[] | select(.path == "/opt/kaspersky/loose/kav4") | .id')
t4=$(date +%s)
vb_set_conf "$r" quarantine_retention '"1s"'
vb_wait_for -t 10 sh -c "[ \$(date +%s) -gt $((t4 + 2)) ]" || vb_fail "the clock did not move"
vb_run "$VB_CTL" --root "$r" scan
"$VB_CTL" --root "$r" --json quarantine list | jq -e ".quarantine[] | select(.id == $id4) | .state == \"deleted\"" >/dev/null ||
        vb_fail "the scan did not apply the retention"

vb_step "the daemon (audit mode) resolves a package finding when dpkg purges the package"
vb_set_mode "$r" audit
vb_set_conf "$r" quarantine_retention '"0"'
vb_start_daemon "$r"
vb_dpkg_install "$r" "$kesl"
kesl_state() { [ "$(finding '.package == "kesl"' | jq -r .state)" = "$1" ]; }
vb_wait_for -t 30 kesl_state present || vb_fail "the daemon did not record kesl as present: $(finding '.package == "kesl"')"
vb_dpkg_remove "$r" kesl
vb_wait_for -t 30 kesl_state gone || vb_fail "the daemon did not resolve kesl as gone: $(finding '.package == "kesl"')"
vb_stop_daemon

vb_step "all checks passed"
