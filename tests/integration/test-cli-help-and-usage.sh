#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every vendorbanctl command prints its own usage with --help; `policy` and
# `quarantine` without a subcommand list their subcommands (exit 2);
# `--json --version` is JSON; explain says plainly that a package is not
# installed and refuses a relative path; the bash completion completes
# commands, subcommands and findings' options.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_programs ctl

vb_step "each command's --help is its own usage (exit 0)"
for verb in scan findings status policy explain quarantine apt-hook rpm-hook; do
        vb_run "$VB_CTL" "$verb" --help
        vb_expect_rc 0
        grep -q "^Usage: vendorbanctl \[OPTIONS\] $verb" "$VB_OUT" || vb_fail "'$verb --help' is not $verb's usage: $(head -n 2 "$VB_OUT")"
        ! grep -q '^Commands:$' "$VB_OUT" || [ "$verb" = policy ] || [ "$verb" = quarantine ] ||
                vb_fail "'$verb --help' printed the whole command list"
done
vb_run "$VB_CTL" findings --help
grep -q -- '--since TIME' "$VB_OUT" && grep -q -- '--csv' "$VB_OUT" || vb_fail "findings --help lacks its options"
vb_run "$VB_CTL" --help
vb_expect_rc 0
grep -q 'COMMAND --help' "$VB_OUT" || vb_fail "--help does not mention per-command help"

vb_step "policy and quarantine without a subcommand list their subcommands"
vb_run "$VB_CTL" policy
vb_expect_rc 2
grep -q 'policy needs a command' "$VB_ERR" && grep -q 'check \[FILE' "$VB_ERR" && grep -q '  show ' "$VB_ERR" ||
        vb_fail "'vendorbanctl policy' does not list check and show: $(cat "$VB_ERR")"
vb_run "$VB_CTL" quarantine
vb_expect_rc 2
grep -q '  list ' "$VB_ERR" && grep -q '  restore ID' "$VB_ERR" || vb_fail "'vendorbanctl quarantine' does not list list and restore"

vb_step "--json --version (either order) is JSON"
for args in "--json --version" "--version --json"; do
        # shellcheck disable=SC2086 # split on purpose
        vb_run "$VB_CTL" $args
        vb_expect_rc 0
        vb_jq_assert "$VB_OUT" '.program == "vendorbanctl" and (.version | length > 0)' "'$args' is not JSON"
done

vb_step "explain: an unknown package is said plainly, a relative path is refused"
r=$(vb_tmproot)
vb_run "$VB_CTL" --root "$r" explain nosuchpkg
vb_expect_rc 0
grep -q 'not installed: no package of that name' "$VB_OUT" || vb_fail "explain nosuchpkg does not say it is not installed"
grep -q 'allowed by name' "$VB_OUT" || vb_fail "explain nosuchpkg does not say the verdict is by name"
vb_run "$VB_CTL" --root "$r" --json explain nosuchpkg
vb_jq_assert "$VB_OUT" '.installed == false and .verdict == "allow"' "explain --json nosuchpkg is not installed=false"
vb_run "$VB_CTL" --root "$r" explain relative/path
vb_expect_rc 2
grep -q "'relative/path' is a relative path" "$VB_ERR" || vb_fail "explain relative/path is not refused as relative"
vb_run "$VB_CTL" --root "$r" explain ./kesl
vb_expect_rc 2

vb_step "bash completion: commands, subcommands, findings options"
comp=$VB_SOURCE_ROOT/shell-completion/vendorbanctl.bash
complete_words() { # complete_words WORD...: COMPREPLY for the last word, one per line
        bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vendorbanctl; printf "%s\n" "${COMPREPLY[@]}"' \
                _ "$comp" "$@"
}
[ "$(complete_words vendorbanctl fi)" = findings ] || vb_fail "'vendorbanctl fi<TAB>' is not findings"
# Each list is taken whole before grep reads it: grep -q quitting early must
# not fail the pipeline (pipefail).
offers() { # offers WANT WORD...: true if completing WORD... offers WANT
        local want=$1 list
        shift
        list=$(complete_words "$@")
        grep -qx -- "$want" <<<"$list"
}
offers check vendorbanctl policy "" || vb_fail "'policy <TAB>' does not offer check"
offers --since vendorbanctl findings --s || vb_fail "'findings --s<TAB>' does not offer --since"
offers block vendorbanctl findings --verdict b || vb_fail "'--verdict b<TAB>' does not offer block"
! offers --since vendorbanctl scan --s || vb_fail "scan offers --since"

vb_step "all checks passed"
