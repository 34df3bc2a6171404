# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers shared by the exec guard's tests, sourced after lib.sh and
# vb_private_journal: a tmpfs of the test's own holding the test root (the
# only file system the guard marks), payloads with distinct content, bans
# by sha256, and the journal entries the guard writes.

# shellcheck disable=SC2034
VB_MID_EXEC_DENIED=3f5b7d9f1b3d4a5c8e0a2c4e6f8b0d2c
# shellcheck disable=SC2034
VB_MID_GUARD_RESTART=ee807dfd5949425a80a976f510635dd7
# shellcheck disable=SC2034
VB_MID_PROCESS_KILLED=a800f4d61a9c4b4281e119ab38b99ec8
GUARD_HELPER=$VB_BUILD_ROOT/tests/integration/guard-helper
[ -x "$GUARD_HELPER" ] || vb_fail "guard-helper was not built: $GUARD_HELPER"

# gl_setup [SIZE]: mount a tmpfs (default 128m) on $VB_TMP/guarded, copy a
# test root into it (enforce mode, watching only the empty /srv/watched, no
# periodic rescan) and set root= and VENDORBAN_GUARD_MOUNTS.
gl_setup() {
        local g=$VB_TMP/guarded r
        mkdir -p "$g"
        mount -t tmpfs -o "mode=0755,size=${1:-128m}" vendorban-guard-test "$g" || vb_fail "cannot mount a tmpfs on $g"
        VB_MOUNTS+=("$g")
        r=$(vb_tmproot)
        cp -a "$r/." "$g/"
        root=$g
        vb_set_mode "$root" enforce
        mkdir -p "$root/srv/watched" "$root/srv/bin"
        sed -i -E 's|^watch_paths = .*|watch_paths = [ "/srv/watched" ];|; s|^rescan_interval = .*|rescan_interval = 0;|' \
                "$root/etc/vendorban/vendorban.conf"
        export VENDORBAN_GUARD_MOUNTS=$g
}

# gl_payload SRC PATH: copy the host program SRC to ROOT/PATH (0755) with
# bytes of its own appended (an ELF still runs), so its sha256 is unique.
gl_payload() {
        mkdir -p "$root$(dirname "$2")"
        cp "$1" "$root$2"
        printf 'vendorban test payload %s %s\n' "$2" "$RANDOM$RANDOM" >>"$root$2"
        chmod 0755 "$root$2"
}

# gl_ban_sha SHA256...: add the hashes to the shipped ban's sha256 list.
gl_ban_sha() {
        local conf=$root/etc/vendorban/bans.d/kaspersky.conf s list=""
        for s in "$@"; do
                list+="${list:+, }\"$s\""
        done
        sed -i -E "s|^( *)sha256 = \[ \];|\1sha256 = [ $list ];|" "$conf"
        for s in "$@"; do
                grep -q "$s" "$conf" || vb_fail "could not add $s to the ban"
        done
}

# gl_start_daemon: start vendorband on $root and wait for the guard.
gl_start_daemon() {
        vb_start_daemon "$root" "$@"
        vb_wait_for -t 10 grep -q "^active" "$root/run/vendorban/guard" ||
                { cat "$root/run/vendorban/guard" >&2 || true; vb_fail "the guard is not active"; }
}

# gl_wait_gone PID [SECONDS]: wait (default 30 s: generous, for a loaded machine) until PID has exited.
gl_wait_gone() {
        vb_wait_for -t "${2:-30}" _vb_pid_gone "$1"
}

# gl_killed_entry PATH: true once the journal has a process-killed entry for PATH.
gl_killed_entry() {
        vb_journal_has MESSAGE_ID="$VB_MID_PROCESS_KILLED" VENDORBAN_PATH="$1" VENDORBAN_ACTION=process-killed
}
