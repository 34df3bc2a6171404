#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: no journal. In a private mount namespace with an empty tmpfs on
# /run (so no /run/systemd/journal/socket), vendorband and vendorbanctl
# write the same entries to stderr: the policy line, and the finding with
# the package name, the ban and the action. Nothing is lost, nothing hangs.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen

if [ -z "${VB_IN_PRIVATE_NS:-}" ]; then
        vb_cleanup
        trap - EXIT
        export VB_IN_PRIVATE_NS=1
        exec unshare --mount --propagation private -- bash "$0" "$@"
fi
vb_step "a private mount namespace with an empty /run: no journal socket"
_vb_mount_tmpfs /run 0755
[ ! -e /run/systemd/journal/socket ] || vb_fail "/run/systemd/journal/socket is still there"

root=$(vb_tmproot)
deb=$(vb_build_fake_kesl)

vb_step "start vendorband (stdout and stderr captured)"
vb_start_daemon "$root"
vb_wait_for -t 5 vb_daemon_log_has 'vendorband\[[0-9]+\]: <info> Policy loaded' ||
        vb_fail "no 'Policy loaded' line on stderr"

vb_step "install kesl: the finding is on stderr with the package, the ban and the action"
vb_dpkg_install "$root" "$deb"
vb_wait_for -t 10 vb_daemon_log_has 'vendorband\[[0-9]+\]: <error> Banned software found: package kesl .*would-block' ||
        vb_fail "no finding line for kesl on stderr"
grep -E 'Banned software found: package kesl' "$VB_DAEMON_LOG" | cut -c1-160
vb_daemon_alive_or_fail "without a journal"

vb_step "the ledger has it too"
vb_has_finding "$root" '.package == "kesl"' || vb_fail "no kesl finding in the ledger"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "vendorbanctl scan of a fresh root without a journal: the entry goes to stderr as well"
root2=$(vb_tmproot)
vb_dpkg_install "$root2" "$deb"
vb_run "$VB_CTL" --root "$root2" scan
vb_expect_rc 1
grep -Eq 'vendorbanctl\[[0-9]+\]: <[a-z]+> Banned software found: package kesl' "$VB_ERR" ||
        { vb_show_last; vb_fail "vendorbanctl printed no finding line on stderr"; }

vb_step "all checks passed"
