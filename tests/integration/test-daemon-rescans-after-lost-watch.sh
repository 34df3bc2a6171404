#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A watched top directory moved away and made again while vendorband runs
# loses its inotify watches: the daemon logs a rescan entry (its own
# MESSAGE_ID), watches the new directory and rescans everything, so a banned
# ELF dropped into the new directory is found, with no periodic rescan
# configured, even when it lands after the rescan (this used to race: the
# rescan could run before the file was written, and the new directory was
# never watched). Then the directory moved away and made again only after
# the rescan: its parent is watched for it, and a file in it is found too.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

VB_MID_RESCAN=8d0f2b4d6f8a4c1e9b3d5f7b9d1f3a5c
root=$(vb_tmproot)
vb_set_conf "$root" watch_paths '[ "/srv/watched" ]'
vb_set_conf "$root" rescan_interval 0
mkdir -p "$root/srv/watched"

vb_step "start vendorband watching /srv/watched"
vb_start_daemon "$root"

drop_agent() { # DIR NAME: a banned ELF (an AO Kaspersky Lab marker) at DIR/NAME
        { cat /bin/true; printf '(c) AO Kaspersky Lab %s' "$2"; } >"$1/$2"
        chmod 755 "$1/$2"
}

vb_step "replace /srv/watched (mv away, mkdir); once the rescan entry is there, a banned ELF in it"
mv "$root/srv/watched" "$root/srv/old"
mkdir -p "$root/srv/watched/bin"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_RESCAN" || vb_fail "no rescan entry after the watch was lost"
drop_agent "$root/srv/watched/bin" agent
vb_wait_for -t 10 vb_has_finding "$root" '.subject == "file" and .path == "/srv/watched/bin/agent"' ||
        vb_fail "the banned file in the replaced directory was not found"

vb_step "mv /srv/watched away; once the rescan entry is there, mkdir it again and a banned ELF in it"
rescans=$(vb_journal_count MESSAGE_ID="$VB_MID_RESCAN")
more_rescans() {
        [ "$(vb_journal_count MESSAGE_ID="$VB_MID_RESCAN")" -gt "$rescans" ]
}
mv "$root/srv/watched" "$root/srv/older"
vb_wait_for -t 10 more_rescans || vb_fail "no rescan entry after the directory was moved away again"
mkdir -p "$root/srv/watched/sub"
rescanned_again() { # the new directory's watch comes with a rescan entry
        [ "$(vb_journal_count MESSAGE_ID="$VB_MID_RESCAN")" -gt $((rescans + 1)) ]
}
vb_wait_for -t 10 rescanned_again || vb_fail "no rescan once the directory came back"
drop_agent "$root/srv/watched/sub" late
vb_wait_for -t 10 vb_has_finding "$root" '.subject == "file" and .path == "/srv/watched/sub/late"' ||
        vb_fail "the banned file in the directory made after the rescan was not found"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
