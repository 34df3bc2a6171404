#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl scan` on a terminal shows its progress on standard error
# (packages, files, bytes, rate; on a second scan the files expected from
# the last one, hence the time left), redrawn on one line and cleared at the
# end; standard output has none of it. Piped, or with --json, nothing.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"
command -v script >/dev/null || vb_skip "no script(1) to give the scan a terminal"

r=$(vb_tmproot)
vb_dpkg_install "$r" "$(vb_build_deb hello 2.10-3 "Jane Doe <jane@example.org>" /usr/bin/hello)"
mkdir -p "$r/opt/vendor/lib"
for i in $(seq 1 50); do
        printf 'file %s\n' "$i" >"$r/opt/vendor/lib/data$i"
done

# on_tty FILE ARGS...: run vendorbanctl ARGS with stderr on a terminal
# (script(1)), stdout to FILE.out; what the terminal got goes to FILE.tty.
on_tty() {
        local f=$1
        shift
        printf '  $ script -qec "vendorbanctl %s >%s.out" %s.tty\n' "$*" "$(basename "$f")" "$(basename "$f")"
        script -qec "$(printf '%q ' "$VB_CTL" --root "$r" "$@") >$f.out" "$f.tty" </dev/null >/dev/null || true
}

vb_step "a first scan on a terminal: progress on stderr, cleared at the end"
on_tty "$VB_TMP/first" scan
grep -aEq 'scanning: [0-9]+/[0-9]+ packages, [0-9]+ files, [0-9.]+ [KMG]?i?B, [0-9.]+ [KMG]?i?B/s' "$VB_TMP/first.tty" ||
        { cat -v "$VB_TMP/first.tty" >&2; vb_fail "no progress line on the terminal"; }
grep -aq $'\r\033\\[K' "$VB_TMP/first.tty" || vb_fail "the progress line is not redrawn in place"
grep -aq 'scanning:' "$VB_TMP/first.out" && vb_fail "progress went to standard output"
grep -aq '^scanned ' "$VB_TMP/first.out" || { cat "$VB_TMP/first.out" >&2; vb_fail "the scan's result is not on stdout"; }

vb_step "a second scan knows how many files to expect: the time left is shown"
on_tty "$VB_TMP/second" scan
grep -aEq 'files \(of ~[0-9]+\)' "$VB_TMP/second.tty" || { cat -v "$VB_TMP/second.tty" >&2; vb_fail "no expected file count"; }

vb_step "piped: no progress"
vb_run "$VB_CTL" --root "$r" scan
grep -q 'scanning:' "$VB_ERR" "$VB_OUT" && { vb_show_last; vb_fail "progress shown when piped"; }

vb_step "--json on a terminal: no progress"
on_tty "$VB_TMP/json" --json scan
grep -aq 'scanning:' "$VB_TMP/json.tty" && { cat -v "$VB_TMP/json.tty" >&2; vb_fail "progress shown with --json"; }
jq -e .summary "$VB_TMP/json.out" >/dev/null || vb_fail "--json output is not JSON"

vb_step "all checks passed"
