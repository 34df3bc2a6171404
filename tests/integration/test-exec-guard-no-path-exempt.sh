#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No path is exempt from the exec guard: banned content (by sha256) placed
# where the package managers live, /usr/bin/apt-*, /usr/bin/dpkg-* and
# /usr/lib/dpkg/**, is denied like anywhere else. Benign content at those
# paths runs.
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
. "$(dirname "$0")/guard-lib.sh"

gl_setup
paths=(/usr/bin/apt-get /usr/bin/dpkg-deb /usr/lib/dpkg/methods/apt/install /usr/bin/apt /usr/bin/dpkg)
shas=()
for p in "${paths[@]}"; do
        gl_payload /bin/true "$p"
        shas+=("$(vb_sha256 "$root$p")")
done
gl_payload /bin/true /usr/bin/apt-cache
gl_ban_sha "${shas[@]}"
gl_start_daemon

for p in "${paths[@]}"; do
        vb_step "banned content at $p is denied"
        vb_run "$root$p"
        vb_expect_rc 126
        grep -q "Operation not permitted" "$VB_ERR" || { vb_show_last; vb_fail "$p did not fail with EPERM"; }
        vb_wait_for -t 30 vb_journal_has MESSAGE_ID="$VB_MID_EXEC_DENIED" VENDORBAN_PATH="$p" ||
                vb_fail "no exec-denied entry for $p"
done

vb_step "benign content at /usr/bin/apt-cache runs"
vb_run "$root/usr/bin/apt-cache"
vb_expect_rc 0

vb_stop_daemon
vb_step "all checks passed"
