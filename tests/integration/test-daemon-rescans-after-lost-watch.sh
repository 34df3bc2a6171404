#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A watched top directory removed and made again while vendorband runs
# loses its inotify watches: the daemon logs a rescan entry (its own
# MESSAGE_ID) and rescans everything, so a banned ELF dropped into the new,
# unwatched directory is still found, with no periodic rescan configured.
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

vb_step "replace /srv/watched and drop a banned ELF (an AO Kaspersky Lab marker) into it at once"
mv "$root/srv/watched" "$root/srv/old"
mkdir -p "$root/srv/watched/bin"
{ cat /bin/true; printf '(c) AO Kaspersky Lab'; } >"$root/srv/watched/bin/agent"
chmod 755 "$root/srv/watched/bin/agent"

vb_step "within 10 s: a rescan entry, and a finding for the file"
vb_wait_for -t 10 vb_journal_has MESSAGE_ID="$VB_MID_RESCAN" || vb_fail "no rescan entry after the watch was lost"
vb_wait_for -t 10 vb_has_finding "$root" '.subject == "file" and .path == "/srv/watched/bin/agent"' ||
        vb_fail "the banned file in the replaced directory was not found"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
