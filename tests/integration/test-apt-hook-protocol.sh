#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `vendorbanctl apt-hook` fed hand-written APT Pre-Install-Pkgs protocol-v3
# streams naming real .debs built with dpkg-deb: a fake kesl (Maintainer
# Kaspersky Lab) and a benign hello. Enforce mode: kesl (new install,
# upgrade, downgrade, multi-arch name, beside hello) is refused with exit 1,
# one line naming it, its version, Kaspersky, the authority and the
# alternatives, and a journal entry; hello passes silently; configure and
# remove lines are no installs. Garbage, truncated, wrong-version and
# over-long input and an unreadable .deb are errors that allow (the default)
# or refuse (apt_hook_on_error = "refuse"); a broken policy allows. Audit
# mode warns and lets kesl through. The hook never writes a ledger.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs ctl
vb_private_journal "$@"

root=$(vb_tmproot)
conf=$root/etc/vendorban/vendorban.conf
vb_set_mode "$root" enforce
arch=$(vb_arch)
kesl_deb=$(vb_build_deb kesl 12.1.0.1297-1 "Kaspersky Lab <support@kaspersky.com>" /opt/kaspersky/kesl/bin/kesl)
hello_deb=$(vb_build_deb hello 2.10-3 "Jane Doe <jane@example.org>" /usr/bin/hello)
bad_deb=$VB_TMP/broken_1.0_all.deb
printf 'this is not an ar archive\n' >"$bad_deb"
VB_MID_APT_REFUSED=6e8a0c2e4b6d4f1a9c3e5b7d9f1a3c5e

# stream NAME LINE...: write a v3 stream (header, some APT configuration,
# the empty line, then each LINE) to $VB_TMP/NAME.in and print its path.
stream() {
        local f=$VB_TMP/$1.in
        shift
        {
                printf 'VERSION 3\nAPT::Architecture=%s\nAPT::Build-Essential::=build-essential\n' "$arch"
                printf 'DPkg::Pre-Install-Pkgs::=/usr/sbin/vendorbanctl apt-hook\n'
                printf 'DPkg::Tools::Options::/usr/sbin/vendorbanctl::Version=3\n\n'
                [ $# -eq 0 ] || printf '%s\n' "$@"
        } >"$f"
        printf '%s\n' "$f"
}

# hook FILE: run the hook with FILE on stdin, like vb_run.
hook() {
        VB_RC=0
        printf '  $ vendorbanctl --root ROOT apt-hook < %s\n' "$(basename "$1")"
        "$VB_CTL" --root "$root" apt-hook <"$1" >"$VB_OUT" 2>"$VB_ERR" || VB_RC=$?
}

# expect_err REGEX...: fail unless stderr of the last run matches every REGEX (grep -E).
expect_err() {
        local re
        for re in "$@"; do
                grep -Eq -- "$re" "$VB_ERR" || { vb_show_last; vb_fail "stderr lacks /$re/"; }
        done
}

# expect_silent: fail unless the last run printed nothing at all.
expect_silent() {
        if [ -s "$VB_OUT" ] || [ -s "$VB_ERR" ]; then
                vb_show_last
                vb_fail "expected no output"
        fi
}

new_kesl="kesl - - none < 12.1.0.1297-1 $arch none $kesl_deb"
new_hello="hello - - none < 2.10-3 $arch none $hello_deb"

vb_step "enforce: a new install of kesl is refused with one clear line, exit 1"
hook "$(stream kesl "$new_kesl" "kesl - - none < 12.1.0.1297-1 $arch none **CONFIGURE**")"
vb_expect_rc 1
[ ! -s "$VB_OUT" ] || { vb_show_last; vb_fail "the hook wrote to stdout"; }
[ "$(grep -c '^vendorban: refusing to install' "$VB_ERR")" -eq 1 ] || { vb_show_last; vb_fail "not exactly one refusal line"; }
expect_err "^vendorban: refusing to install kesl 12\.1\.0\.1297-1 \($arch\): Kaspersky \(AO Kaspersky Lab, " \
        "is banned by US Department of Commerce, .*ICTS Final Determination" \
        "since 2024-0[79]-[0-9]{2}" "\[ban kaspersky; matched package:kesl" \
        "Alternatives: ClamAV \(Debian package clamav\);"

vb_step "the refusal is in the journal with its fields"
vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_APT_REFUSED" VENDORBAN_PACKAGE=kesl VENDORBAN_ACTION=apt-refused ||
        vb_fail "no apt-refused journal entry for kesl"
vb_journal_json MESSAGE_ID="$VB_MID_APT_REFUSED" VENDORBAN_ACTION=apt-refused >"$VB_TMP/j.json"
vb_jq_assert "$VB_TMP/j.json" 'length == 1 and .[0].VENDORBAN_BAN == "kaspersky"
        and .[0].VENDORBAN_VERSION == "12.1.0.1297-1" and .[0].VENDORBAN_VERDICT == "block"
        and .[0].VENDORBAN_DEB == $deb and .[0].PRIORITY == "3" and .[0].SYSLOG_IDENTIFIER == "vendorbanctl"
        and (.[0].MESSAGE | test("refused to install kesl"))' "the journal entry is not as expected" --arg deb "$kesl_deb"
[ "$(vb_journal_count -u vendorband VENDORBAN_BAN=kaspersky)" -ge 1 ] ||
        vb_fail "journalctl -u vendorband VENDORBAN_BAN=kaspersky does not find the refusal"

vb_step "kesl beside hello: only kesl is named, the transaction is refused"
hook "$(stream mixed "$new_hello" "$new_kesl")"
vb_expect_rc 1
expect_err "^vendorban: refusing to install kesl "
if grep -q hello "$VB_ERR"; then vb_show_last; vb_fail "hello is mentioned"; fi

vb_step "upgrade, downgrade, reinstall of kesl and a multi-arch name are refused too"
hook "$(stream variants \
        "kesl 12.0.0.6672-1 $arch none < 12.1.0.1297-1 $arch none $kesl_deb" \
        "kesl 13.0 $arch none > 12.1.0.1297-1 $arch none $kesl_deb" \
        "kesl 12.1.0.1297-1 $arch none = 12.1.0.1297-1 $arch none $kesl_deb" \
        "kesl:$arch - - none < 12.1.0.1297-1 $arch same $kesl_deb")"
vb_expect_rc 1
[ "$(grep -c '^vendorban: refusing to install kesl ' "$VB_ERR")" -eq 4 ] || { vb_show_last; vb_fail "expected 4 refusal lines"; }

vb_step "the stream on APT_HOOK_INFO_FD instead of stdin"
VB_RC=0
APT_HOOK_INFO_FD=3 "$VB_CTL" --root "$root" apt-hook 3<"$VB_TMP/kesl.in" </dev/null >"$VB_OUT" 2>"$VB_ERR" || VB_RC=$?
vb_expect_rc 1
expect_err "^vendorban: refusing to install kesl "

vb_step "hello (new, upgrade, reinstall, multi-arch name): exit 0, no output"
hook "$(stream hello "$new_hello" \
        "hello 2.10-2 $arch none < 2.10-3 $arch none $hello_deb" \
        "hello 2.10-3 $arch none = 2.10-3 $arch none $hello_deb" \
        "hello:$arch - - none < 2.10-3 $arch foreign $hello_deb" \
        "hello - - none < 2.10-3 $arch none **CONFIGURE**")"
vb_expect_rc 0
expect_silent

vb_step "configure and remove lines only (kesl among them): no install, exit 0, no output"
hook "$(stream noinstall \
        "kesl 12.1.0.1297-1 $arch none > - - none **REMOVE**" \
        "kesl:$arch 12.1.0.1297-1 $arch same > - - none **REMOVE**" \
        "kesl 12.1.0.1297-1 $arch none = 12.1.0.1297-1 $arch none **CONFIGURE**" \
        "hello 2.10-3 $arch none = 2.10-3 $arch none **CONFIGURE**")"
vb_expect_rc 0
expect_silent
hook "$(stream nothing)"
vb_expect_rc 0
expect_silent

vb_step "bad input and an unreadable .deb: an error, then allowed (default apt_hook_on_error)"
printf '\x7fELF\x02\x01\x01garbage\n' >"$VB_TMP/garbage.in"
printf 'VERSION 3\n\nhello - - none < 2.10-3 %s none /tmp/h\x00.deb\n' "$arch" >"$VB_TMP/nul.in"
printf 'VERSION 3\nAPT::Architecture=%s\nDir::Etc=etc/ap' "$arch" >"$VB_TMP/truncated.in"
printf 'VERSION 3\nAPT::Architecture=%s\n' "$arch" >"$VB_TMP/noblank.in"
printf 'VERSION 2\nAPT::Architecture=%s\n\nhello - < 2.10-3 %s\n' "$arch" "$hello_deb" >"$VB_TMP/v2.in"
printf '%s\n' "$kesl_deb" >"$VB_TMP/v1.in"
{ printf 'VERSION 3\nX='; head -c 70000 /dev/zero | tr '\0' x; printf '\n\n'; } >"$VB_TMP/long.in"
stream badline "hello - < 2.10-3 $hello_deb" >/dev/null
stream baddeb "broken - - none < 1.0 all none $bad_deb" >/dev/null
stream missingdeb "gone - - none < 1.0 all none $VB_TMP/gone_1.0_all.deb" >/dev/null
declare -A why=(
        [garbage]='line 1: .*expected "VERSION 3"'
        [nul]='line 3: NUL byte'
        [truncated]='line 3: last line has no newline'
        [noblank]='line 3: input ended inside the APT configuration'
        [v2]='line 1: APT speaks protocol version 2'
        [v1]='line 1: .*protocol version 1'
        [long]='line 2: line longer than 65536 bytes'
        [badline]='line 7: expected 9 fields'
        [baddeb]='dpkg-deb cannot read .*broken_1\.0_all\.deb.*not a Debian format archive'
        [missingdeb]='dpkg-deb cannot read .*gone_1\.0_all\.deb'
)
for name in garbage nul truncated noblank v2 v1 long badline baddeb missingdeb; do
        hook "$VB_TMP/$name.in"
        vb_expect_rc 0
        expect_err "^vendorban: hook error: .*${why[$name]}" \
                '^vendorban: hook error, allowing the install \(apt_hook_on_error = allow\)$'
        [ "$(wc -l <"$VB_ERR")" -eq 2 ] || { vb_show_last; vb_fail "$name: expected exactly two lines"; }
done

vb_step "an unreadable .deb beside kesl: kesl is still refused"
hook "$(stream baddeb-kesl "broken - - none < 1.0 all none $bad_deb" "$new_kesl")"
vb_expect_rc 1
expect_err "dpkg-deb cannot read" "^vendorban: refusing to install kesl "

vb_step "apt_hook_on_error = \"refuse\": the same errors refuse the install (exit 1)"
sed -i -E 's/^apt_hook_on_error = "allow";/apt_hook_on_error = "refuse";/' "$conf"
grep -qx 'apt_hook_on_error = "refuse";' "$conf" || vb_fail "cannot set apt_hook_on_error in $conf"
for name in garbage truncated long baddeb; do
        hook "$VB_TMP/$name.in"
        vb_expect_rc 1
        expect_err "^vendorban: hook error: .*${why[$name]}" \
                '^vendorban: hook error, refusing the install \(apt_hook_on_error = refuse\)$'
done
hook "$VB_TMP/hello.in"
vb_expect_rc 0
expect_silent

vb_step "a broken policy: the error, then allowed whatever the config would say"
cp "$conf" "$VB_TMP/conf.good"
printf 'mode = "enforce";\napt_hook_on_error = "refuse";\nrescan_interval = ;\n' >"$conf"
hook "$VB_TMP/kesl.in"
vb_expect_rc 0
expect_err "vendorban\.conf:[0-9]+" \
        '^vendorban: hook error, allowing the install \(the policy could not be loaded and the ledger holds no last-known-good one.*allows\)$'
cp "$VB_TMP/conf.good" "$conf"

vb_step "audit mode: kesl gets a warning line and a journal entry, and passes (exit 0)"
vb_set_mode "$root" audit
hook "$VB_TMP/kesl.in"
vb_expect_rc 0
expect_err "^vendorban: WOULD REFUSE to install kesl 12\.1\.0\.1297-1 \($arch\): Kaspersky .*Alternatives: "
grep -q "refusing" "$VB_ERR" && { vb_show_last; vb_fail "audit mode printed a refusal"; }
vb_wait_for -t 5 vb_journal_has MESSAGE_ID="$VB_MID_APT_REFUSED" VENDORBAN_ACTION=apt-would-refuse \
        VENDORBAN_PACKAGE=kesl VENDORBAN_VERDICT=block || vb_fail "no apt-would-refuse journal entry"
hook "$VB_TMP/hello.in"
vb_expect_rc 0
expect_silent

vb_step "the hook wrote no ledger and nothing else under the root's state directory"
[ -z "$(ls -A "$root/var/lib/vendorban")" ] || { ls -la "$root/var/lib/vendorban" >&2; vb_fail "state written"; }

vb_step "an empty stdin: an error, refused as the config (still \"refuse\") says"
VB_RC=0
"$VB_CTL" --root "$root" apt-hook </dev/null >"$VB_OUT" 2>"$VB_ERR" || VB_RC=$?
vb_expect_rc 1
expect_err "^vendorban: hook error: APT hook input: empty input" '\(apt_hook_on_error = refuse\)$'

echo "PASS"
