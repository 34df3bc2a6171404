#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The dnf plugin (dnf-plugin/vendorban.py) with Debian's real dnf against a
# local repository made by createrepo_c (dnf --installroot, offline): in
# enforce mode `dnf install kesl` fails with a message naming the package,
# the vendor and the ban's authority, and nothing of kesl lands (no rpm
# database entry, no file); a benign rpm installs. A fault of the hook
# follows hook_on_error. In enforce mode a scan that blocks an rpm package
# writes dnf's excludepkgs (next to the admin's own) and pins nothing in APT.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/rpm-lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"
vb_rpm_setup
if ! command -v dnf >/dev/null || ! command -v createrepo_c >/dev/null; then
        vb_fail "dnf and createrepo_c are missing (scripts/install-deps installs them)"
fi
VB_MID_DNF_REFUSED=265c076b7164440bb49a7ae321834b1b

vb_step "a local repository: kesl 12.1 (banned), hello (benign)"
repo=$VB_TMP/repo
mkdir -p "$repo"
cp "$(vb_build_rpm kesl 12.1.0.1297-1 "AO Kaspersky Lab" "" /usr/lib/kesl-test/bin/kesl)" "$repo/"
cp "$(vb_build_rpm hello 2.12.1-1 "Fedora Project" "" /usr/bin/hello)" "$repo/"
createrepo_c -q "$repo" || vb_fail "createrepo_c failed"

# vb_dnf_root ROOT: an rpm database and ROOT/etc/dnf/dnf.conf that keeps
# dnf offline and inside $VB_TMP, with our plugin (from the source tree)
# running the built vendorbanctl.
vb_dnf_root() {
        local r=$1
        vb_rpm_initdb "$r"
        mkdir -p "$r/etc/dnf" "$VB_TMP/plugins.d"
        cat >"$r/etc/dnf/dnf.conf" <<CONF
[main]
gpgcheck=0
reposdir=$VB_TMP/no-repos.d
pluginpath=$VB_SOURCE_ROOT/dnf-plugin
pluginconfpath=$VB_TMP/plugins.d
cachedir=$VB_TMP/dnf-cache
logdir=$VB_TMP/dnf-log
excludepkgs=admins-own
CONF
        printf '[main]\nenabled=1\ncommand=%s\n' "$VB_CTL" >"$VB_TMP/plugins.d/vendorban.conf"
}
vb_dnf() {
        local r=$1
        shift
        vb_run dnf -y --installroot "$r" --releasever 12 --repofrompath "local,file://$repo" --repo local "$@"
}

r=$(vb_tmproot)
vb_dnf_root "$r"
vb_set_mode "$r" enforce

vb_step "enforce mode: dnf install kesl fails; the message names package, vendor and authority"
vb_dnf "$r" install kesl
[ "$VB_RC" -ne 0 ] || { vb_show_last; vb_fail "dnf install kesl succeeded"; }
out=$(cat "$VB_OUT" "$VB_ERR")
for want in "refusing to install kesl 12.1.0.1297-1" "Vendor: AO Kaspersky Lab" "Kaspersky (AO Kaspersky Lab" \
        "US Department of Commerce" "ban kaspersky"; do
        grep -qF "$want" <<<"$out" || { vb_show_last; vb_fail "dnf's output lacks: $want"; }
done

vb_step "nothing of kesl landed"
if vb_rpm "$r" -q kesl >/dev/null 2>&1; then vb_fail "rpm lists kesl"; fi
[ ! -e "$r/usr/lib/kesl-test" ] || vb_fail "kesl's files are in the root"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_DNF_REFUSED" VENDORBAN_PACKAGE=kesl VENDORBAN_ACTION=dnf-refused ||
        vb_fail "no journal entry for the refusal"

vb_step "a benign rpm installs through dnf with the plugin on"
vb_dnf "$r" install hello
vb_expect_rc 0
vb_rpm "$r" -q hello >/dev/null || vb_fail "hello is not installed"
[ -x "$r/usr/bin/hello" ] || vb_fail "hello's file is missing"

vb_step "audit mode: dnf install kesl goes on, with a warning"
r2=$(vb_tmproot)
vb_dnf_root "$r2"
vb_dnf "$r2" install kesl
vb_expect_rc 0
grep -qF "WOULD REFUSE to install kesl" "$VB_OUT" "$VB_ERR" || { vb_show_last; vb_fail "no audit-mode warning"; }

vb_step "hook faults follow hook_on_error (bad input to rpm-hook)"
vb_set_conf "$r" hook_on_error '"refuse"'
vb_run "$VB_CTL" --root "$r" rpm-hook <<<"not the protocol"
vb_expect_rc 1
grep -q "hook_on_error = refuse" "$VB_ERR" || { vb_show_last; vb_fail "no hook_on_error = refuse message"; }
vb_set_conf "$r" hook_on_error '"allow"'
vb_run "$VB_CTL" --root "$r" rpm-hook <<<"not the protocol"
vb_expect_rc 0
vb_run "$VB_CTL" --root "$r" rpm-hook < <(printf 'VENDORBAN-RPM-HOOK 1\nPKG\tinstall\tkesl\t1-1\tx86_64\t\t\t%s\n' \
        "$VB_TMP/no-such.rpm")
vb_expect_rc 0
grep -q "no-such.rpm" "$VB_ERR" || { vb_show_last; vb_fail "the error does not name the unreadable rpm"; }
head -c 4096 /dev/urandom >"$VB_TMP/garbage.rpm"
vb_set_conf "$r" hook_on_error '"refuse"'
vb_run "$VB_CTL" --root "$r" rpm-hook < <(printf 'VENDORBAN-RPM-HOOK 1\nPKG\tinstall\thello\t1-1\tx86_64\t\t\t%s\n' \
        "$VB_TMP/garbage.rpm")
vb_expect_rc 1
grep -q "garbage.rpm: not a readable rpm package" "$VB_ERR" || { vb_show_last; vb_fail "a garbage .rpm is not named"; }
vb_set_conf "$r" hook_on_error '"allow"'

vb_step "enforce: a scan that blocks an rpm-installed kesl writes dnf's excludepkgs, no APT pin"
r3=$(vb_tmproot)
vb_dnf_root "$r3"
vb_set_mode "$r3" enforce
vb_rpm_install "$r3" "$(vb_build_rpm kesl 12.0.0.6672-1 "AO Kaspersky Lab" "" /usr/lib/kesl-test/bin/kesl)"
vb_dnf "$r3" list --available kesl
vb_expect_rc 0
vb_run "$VB_CTL" --root "$r3" --json scan
vb_expect_rc 1
vb_jq_assert "$VB_OUT" 'any(.findings[]; .package == "kesl" and .source == "rpm" and .action == "blocked")' \
        "kesl is not blocked"
grep -qx 'excludepkgs=admins-own,kesl' "$r3/etc/dnf/dnf.conf" ||
        { cat "$r3/etc/dnf/dnf.conf" >&2; vb_fail "dnf.conf has no excludepkgs=admins-own,kesl"; }
[ ! -e "$r3/etc/apt/preferences.d/vendorban.pref" ] || vb_fail "an APT pin was written on an rpm host"
vb_dnf "$r3" list --available kesl
[ "$VB_RC" -ne 0 ] || { vb_show_last; vb_fail "dnf still offers kesl"; }

vb_step "all checks passed"
