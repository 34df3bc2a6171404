#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl findings` is easy to hand over: --since/--until/--ban/
# --verdict select findings (and a bad time is a usage error naming the
# forms it takes), --csv is RFC 4180 with a header, the table fits
# $COLUMNS (long fields wrap, no line longer than 80 at COLUMNS=80, whole
# lines when piped), and the output goes through the pager only on a tty.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

vb_step "a root with a fake kesl installed and a loose Kaspersky file with a long path, scanned once"
r=$(vb_tmproot)
vb_dpkg_install "$r" "$(vb_build_fake_kesl kesl)"
long=/opt/kaspersky/kav4fs/lib/a/rather/long/directory/name/for/wrapping/libkav4fs-scanner-engine.so
mkdir -p "$r$(dirname "$long")"
cp /bin/true "$r$long"
vb_run "$VB_CTL" --root "$r" --json scan
vb_expect_rc 1
vb_findings_json "$r" "$VB_TMP/all.json"
n=$(jq '.findings | length' "$VB_TMP/all.json")
[ "$n" -ge 2 ] || vb_fail "expected several findings, got $n"

count() { # count ARGS...: the number of findings `findings --json ARGS` lists
        "$VB_CTL" --root "$r" --json findings "$@" | jq '.findings | length'
}

vb_step "filters: --since/--until/--ban/--verdict select, alone and together"
[ "$(count --since -1h)" = "$n" ] || vb_fail "--since -1h does not list every finding"
[ "$(count --since '2 d ago' --until now)" = "$n" ] || vb_fail "--since '2 d ago' --until now is not every finding"
[ "$(count --since 2099-01-01)" = 0 ] || vb_fail "--since 2099-01-01 lists findings"
[ "$(count --until yesterday)" = 0 ] || vb_fail "--until yesterday lists today's findings"
[ "$(count --ban kaspersky)" = "$n" ] || vb_fail "--ban kaspersky does not list every finding"
[ "$(count --ban nosuchban)" = 0 ] || vb_fail "--ban nosuchban lists findings"
[ "$(count --verdict block)" = "$(jq '[.findings[] | select(.verdict == "block")] | length' "$VB_TMP/all.json")" ] ||
        vb_fail "--verdict block does not list exactly the blocked findings"
[ "$(count --verdict flag --ban kaspersky)" = "$(jq '[.findings[] | select(.verdict == "flag")] | length' "$VB_TMP/all.json")" ] ||
        vb_fail "--verdict flag --ban kaspersky is wrong"
vb_run "$VB_CTL" --root "$r" findings --ban nosuchban
vb_expect_rc 0
grep -q 'no findings match' "$VB_OUT" || vb_fail "an empty filtered list does not say 'no findings match'"

vb_step "bad filters are usage errors (exit 2) that say what is accepted"
vb_run "$VB_CTL" --root "$r" findings --since 'last tuesday'
vb_expect_rc 2
grep -q "cannot read 'last tuesday' as a time" "$VB_ERR" || vb_fail "a bad --since is not explained"
grep -q "vendorbanctl findings --help" "$VB_ERR" || vb_fail "the usage error does not point to 'findings --help'"
vb_run "$VB_CTL" --root "$r" findings --verdict maybe
vb_expect_rc 2
vb_run "$VB_CTL" --root "$r" scan --ban kaspersky
vb_expect_rc 2
grep -q "scan does not take" "$VB_ERR" || vb_fail "scan accepted a findings filter"
vb_run "$VB_CTL" --root "$r" --json findings --csv
vb_expect_rc 2

vb_step "--csv: a header, one record per finding, quoted fields with commas"
vb_run "$VB_CTL" --root "$r" findings --csv
vb_expect_rc 0
head -n 1 "$VB_OUT" | tr -d '\r' | grep -qx 'id,first_seen,last_seen,ban,vendor,verdict,action,mode,subject,package,version,arch,path,sha256,indicators,gone_time' ||
        vb_fail "CSV header is wrong: $(head -n 1 "$VB_OUT")"
[ "$(wc -l <"$VB_OUT")" -eq $((n + 1)) ] || vb_fail "CSV has $(wc -l <"$VB_OUT") lines for $n findings"
grep -q $'\r$' "$VB_OUT" || vb_fail "CSV records do not end in CRLF (RFC 4180)"
grep -q ',kaspersky,Kaspersky,block,' "$VB_OUT" || vb_fail "no kaspersky block record in the CSV"
if jq -e 'any(.findings[]; (.indicators | length) > 1)' "$VB_TMP/all.json" >/dev/null; then
        grep -q '"[a-z]*:[^"]*, [^"]*"' "$VB_OUT" || vb_fail "a multi-indicator field is not quoted"
fi

vb_step "table: fits COLUMNS=80 by wrapping; whole lines when piped without COLUMNS"
COLUMNS=80 "$VB_CTL" --root "$r" findings >"$VB_TMP/t80"
[ -z "$(awk 'length > 80' "$VB_TMP/t80")" ] || vb_fail "lines longer than 80 at COLUMNS=80: $(awk 'length > 80' "$VB_TMP/t80")"
[ "$(wc -l <"$VB_TMP/t80")" -gt $((n + 1)) ] || vb_fail "nothing wrapped at COLUMNS=80"
grep -q -- 'ID .*VERDICT' "$VB_TMP/t80" || vb_fail "the table header is missing"
env -u COLUMNS "$VB_CTL" --root "$r" findings >"$VB_TMP/tpipe"
grep -q -- "$long" "$VB_TMP/tpipe" || vb_fail "piped output does not keep $long on one line"
[ "$(wc -l <"$VB_TMP/tpipe")" -eq $((n + 1)) ] || vb_fail "piped output wrapped"

vb_step "pager: used on a tty, not with --no-pager, not when piped"
pager="cat >>$VB_TMP/paged"
script -qec "env VENDORBAN_PAGER='$pager' '$VB_CTL' --root '$r' findings" /dev/null >"$VB_TMP/tty.out" 2>&1 </dev/null ||
        vb_fail "findings on a tty failed: $(cat "$VB_TMP/tty.out")"
[ -s "$VB_TMP/paged" ] && grep -q kesl "$VB_TMP/paged" || vb_fail "on a tty the table did not go through \$VENDORBAN_PAGER"
rm -f "$VB_TMP/paged"
script -qec "env VENDORBAN_PAGER='$pager' '$VB_CTL' --root '$r' --no-pager findings" /dev/null >"$VB_TMP/tty2.out" 2>&1 </dev/null ||
        vb_fail "findings --no-pager on a tty failed"
[ ! -e "$VB_TMP/paged" ] || vb_fail "--no-pager still used the pager"
grep -q kesl "$VB_TMP/tty2.out" || vb_fail "--no-pager printed no table on the tty"
VENDORBAN_PAGER=$pager "$VB_CTL" --root "$r" findings >"$VB_TMP/piped"
[ ! -e "$VB_TMP/paged" ] || vb_fail "piped output went through the pager"
grep -q kesl "$VB_TMP/piped" || vb_fail "piped output lost the table"
script -qec "env VENDORBAN_PAGER='true' '$VB_CTL' --root '$r' findings" /dev/null >"$VB_TMP/tty3.out" 2>&1 </dev/null ||
        vb_fail "a pager that quits at once made findings fail: $(cat "$VB_TMP/tty3.out")"

vb_step "all checks passed"
