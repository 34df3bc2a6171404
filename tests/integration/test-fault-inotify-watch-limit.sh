#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: inotify watches cannot be added (max_user_watches exhausted).
# The limit is lowered for vendorband alone, never for the host: it runs in
# a new user namespace (unshare --user --map-root-user, root mapped to
# root) whose own user.max_inotify_watches (/proc/sys/user/, per user
# namespace since Linux 5.11; the host's fs.inotify.max_user_watches is not
# written) is 20, with 60 directories under /opt. vendorband says that
# watches could not be added and that the periodic rescan covers them
# (rescan_interval = 2), and finds a banned ELF dropped into a directory
# created after the watches ran out at the next rescan.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"
unshare --user --map-root-user -- sh -c 'echo 20 >/proc/sys/user/max_inotify_watches' 2>/dev/null ||
        vb_skip "cannot set user.max_inotify_watches in a new user namespace (Linux < 5.11 or user namespaces off)"

host_limit=$(cat /proc/sys/fs/inotify/max_user_watches)
root=$(vb_tmproot)
vb_set_conf "$root" rescan_interval 2
vb_set_conf "$root" exec_guard false

vb_step "60 directories under ROOT/opt (more than the 20 watches allowed)"
for i in $(seq -w 1 60); do mkdir -p "$root/opt/bulk/d$i"; done

vb_step "start vendorband in a user namespace whose inotify watch limit is 20"
cat >"$VB_TMP/vendorband-limited" <<EOS
#!/bin/sh
exec unshare --user --map-root-user -- sh -c 'echo 20 >/proc/sys/user/max_inotify_watches && exec "\$0" "\$@"' "$VB_DAEMON" "\$@"
EOS
chmod 0755 "$VB_TMP/vendorband-limited"
VB_DAEMON=$VB_TMP/vendorband-limited vb_start_daemon "$root"
[ "$(cat /proc/sys/fs/inotify/max_user_watches)" = "$host_limit" ] || vb_fail "the host's max_user_watches changed"

vb_step "the journal says watches could not be added and the periodic rescan covers them"
vb_wait_for -t 10 vb_journal_grep 'could not be added.*periodic rescan' -u vendorband MESSAGE_ID="$VB_MID_DAEMON" ||
        vb_fail "no warning about watches that could not be added"
vb_journal_query -o cat -u vendorband MESSAGE_ID="$VB_MID_DAEMON" | grep -i 'could not be added'

vb_step "a new directory ROOT/opt/kaspersky/late (no watch left for it), then, 1 s later, a banned ELF in it"
mkdir -p "$root/opt/kaspersky/late"
sleep 1
cp /bin/true "$root/opt/kaspersky/late/kesl"

vb_step "within 10 s (rescan_interval = 2): a finding for /opt/kaspersky/late/kesl"
vb_wait_for -t 10 vb_has_finding "$root" '.path == "/opt/kaspersky/late/kesl"' ||
        vb_fail "the periodic rescan did not find /opt/kaspersky/late/kesl"
vb_wait_for -t 5 vb_journal_grep 'Scan \(periodic\) done' -u vendorband MESSAGE_ID="$VB_MID_SCAN_DONE" ||
        vb_fail "no periodic rescan ran"
vb_daemon_alive_or_fail "with exhausted watches"

vb_step "SIGTERM: exit status 0; the host's limit is untouched"
vb_stop_daemon
[ "$(cat /proc/sys/fs/inotify/max_user_watches)" = "$host_limit" ] || vb_fail "the host's max_user_watches changed"

vb_step "all checks passed"
