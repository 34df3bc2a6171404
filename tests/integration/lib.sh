# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Shared helpers for the integration tests: a temporary root with an empty
# dpkg database and the shipped policy, real .debs built with dpkg-deb and
# installed with dpkg --root, a private journald in a private mount namespace,
# and the daemon started under a stand-in for systemd's notify socket.
#
# Source it first thing in a test:
#     . "$(dirname "$0")/lib.sh"
# Everything a test creates lives under $VB_TMP; everything it starts is
# recorded in VB_PIDS. Both are cleaned up on exit (vb_cleanup), whatever
# the outcome. Nothing here touches the machine's real /etc, /var/lib/dpkg,
# /opt, /run or its running services.

set -euo pipefail
umask 022
export LC_ALL=C
# dpkg wants ldconfig and start-stop-daemon on PATH, even under --root.
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export DEBIAN_FRONTEND=noninteractive

VB_SOURCE_ROOT=${VB_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
VB_BUILD_ROOT=${VB_BUILD_ROOT:-$VB_SOURCE_ROOT/build}
export VB_SOURCE_ROOT VB_BUILD_ROOT

VB_DAEMON=$VB_BUILD_ROOT/daemon/vendorband
VB_CTL=$VB_BUILD_ROOT/cli/vendorbanctl
VB_NOTIFY_LISTEN=$VB_BUILD_ROOT/tests/integration/notify-listen
VB_JOURNALD=/lib/systemd/systemd-journald

# MESSAGE_IDs of the journal entries the tests look for (lib/journal.h).
# shellcheck disable=SC2034
VB_MID_FINDING=4f1a7c2e9b3d4e5f8a6b0c1d2e3f4a5b
# shellcheck disable=SC2034
VB_MID_POLICY_LOADED=7b2c4d6e8f0a4b1c9d3e5f7a0b2c4d6e
# shellcheck disable=SC2034
VB_MID_POLICY_ERROR=c3d5e7f9a1b34c6d8e0f2a4b6c8d0e1f
# shellcheck disable=SC2034
VB_MID_DAEMON=5a7c9e1b3d5f4a2c8e0b2d4f6a8c0e2b
# shellcheck disable=SC2034
VB_MID_SCAN_DONE=1e3f5a7c9b2d4f6a8c0e1b3d5f7a9c2e
# shellcheck disable=SC2034
VB_MID_ACTION=9c1e3a5b7d9f4b2d8f0a2c4e6b8d0f1a
# shellcheck disable=SC2034
VB_MID_RESTORE=2b4d6f8a0c1e4d3f9a5b7c9e1d3f5b7a

VB_PIDS=()              # every process this test started, by pid
VB_MOUNTS=()            # mounts made inside our private namespace, unmounted in reverse
VB_DAEMON_PID=
VB_DAEMON_LOG=
VB_NOTIFY_LOG=
VB_JOURNALD_PID=
VB_RC=0                 # exit status of the last vb_run
# shellcheck disable=SC2034
VB_DAEMON_RC=0          # exit status of the daemon after vb_wait_daemon_died
# The caller's TMPDIR (kept across vb_private_journal's re-exec). $VB_TMP
# must not be under /run, which vb_private_journal hides under a tmpfs.
VB_ORIG_TMPDIR=${VB_ORIG_TMPDIR:-${TMPDIR:-/tmp}}
export VB_ORIG_TMPDIR
case $VB_ORIG_TMPDIR in
/run | /run/* | /var/run | /var/run/*) VB_TMP=$(mktemp -d /tmp/vendorban-it.XXXXXX) ;;
*) VB_TMP=$(mktemp -d "$VB_ORIG_TMPDIR/vendorban-it.XXXXXX") ;;
esac
# Temporary files of every tool (dpkg-deb, ...) go there too.
export TMPDIR=$VB_TMP
chmod 0755 "$VB_TMP"
VB_OUT=$VB_TMP/last.out # stdout of the last vb_run
VB_ERR=$VB_TMP/last.err # stderr of the last vb_run

# ---------------------------------------------------------------- basics

# vb_step TEXT...: print what the test does next, as "# TEXT".
vb_step() {
        printf '# %s\n' "$*"
}

# vb_fail TEXT...: print "FAIL: TEXT" to stderr and end the test with status 1
# (the exit trap then prints the logs and cleans up).
vb_fail() {
        printf 'FAIL: %s\n' "$*" >&2
        exit 1
}

# vb_skip TEXT...: end the test as skipped (meson's exit status 77).
vb_skip() {
        printf 'SKIP: %s\n' "$*"
        exit 77
}

# vb_require_root: skip the test (exit 77) unless it runs as root.
vb_require_root() {
        [ "$(id -u)" -eq 0 ] || vb_skip "needs root"
}

# vb_require_programs NAME...: fail unless the named programs were built.
# Names: daemon, ctl, notify-listen.
vb_require_programs() {
        local n p
        for n in "$@"; do
                case $n in
                daemon) p=$VB_DAEMON ;;
                ctl) p=$VB_CTL ;;
                notify-listen) p=$VB_NOTIFY_LISTEN ;;
                *) vb_fail "vb_require_programs: unknown program '$n'" ;;
                esac
                [ -x "$p" ] || vb_fail "$n was not built: $p is missing (VB_BUILD_ROOT=$VB_BUILD_ROOT)"
        done
}

# vb_now_usec: microseconds since the epoch (for bounded waits).
vb_now_usec() {
        local t=$EPOCHREALTIME
        printf '%s\n' "${t/./}"
}

# vb_wait_for [-t SECONDS] CMD...: run CMD every 0.05 s until it succeeds;
# return 1 if it has not succeeded after SECONDS (default 10, fractions ok).
vb_wait_for() {
        local timeout=10
        if [ "${1:-}" = "-t" ]; then
                timeout=$2
                shift 2
        fi
        local deadline
        deadline=$(($(vb_now_usec) + $(awk -v s="$timeout" 'BEGIN { printf "%d", s * 1000000 }')))
        while :; do
                if "$@"; then
                        return 0
                fi
                if [ "$(vb_now_usec)" -ge "$deadline" ]; then
                        return 1
                fi
                sleep 0.05
        done
}

# vb_run CMD...: run CMD, never failing the test by itself: stdout goes to
# $VB_OUT, stderr to $VB_ERR, the exit status to $VB_RC.
vb_run() {
        VB_RC=0
        printf '  $ %s\n' "$*"
        "$@" >"$VB_OUT" 2>"$VB_ERR" || VB_RC=$?
}

# vb_show_last: print the last vb_run's stdout and stderr (for failures).
vb_show_last() {
        printf -- '--- stdout:\n' >&2
        cat "$VB_OUT" >&2 || true
        printf -- '--- stderr:\n' >&2
        cat "$VB_ERR" >&2 || true
        printf -- '---\n' >&2
}

# vb_expect_rc STATUS: fail unless the last vb_run exited with STATUS.
vb_expect_rc() {
        if [ "$VB_RC" -ne "$1" ]; then
                vb_show_last
                vb_fail "expected exit status $1, got $VB_RC"
        fi
}

# vb_jq_assert FILE FILTER DESCRIPTION [JQ-ARGS...]: fail with DESCRIPTION
# unless `jq -e FILTER` is true for the JSON in FILE.
vb_jq_assert() {
        local file=$1 filter=$2 what=$3
        shift 3
        if ! jq -e "$@" "$filter" "$file" >/dev/null 2>"$VB_TMP/jq.err"; then
                printf -- '--- %s:\n' "$file" >&2
                cat "$file" >&2 || true
                cat "$VB_TMP/jq.err" >&2 || true
                vb_fail "$what (jq: $filter)"
        fi
}

# vb_ctl ARGS...: run the built vendorbanctl with ARGS (output not captured).
vb_ctl() {
        "$VB_CTL" "$@"
}

# vb_tree_digest DIR [EXCLUDED-SUBDIR...]: print one line per file and
# symlink under DIR (relative path, mode, sha256 or link target), sorted, to
# compare a tree before and after something that must not change it.
vb_tree_digest() {
        local dir=$1 ex
        shift
        local -a prune=()
        for ex in "$@"; do
                prune+=(-path "./$ex" -prune -o)
        done
        (
                cd "$dir"
                find . "${prune[@]}" \( -type f -o -type l \) -print0 | sort -z |
                        while IFS= read -r -d '' f; do
                                if [ -L "$f" ]; then
                                        printf '%s link %s\n' "$f" "$(readlink "$f")"
                                else
                                        printf '%s %s %s\n' "$f" "$(stat -c '%a %u:%g' "$f")" \
                                                "$(sha256sum <"$f" | cut -d' ' -f1)"
                                fi
                        done
        )
}

# ---------------------------------------------------------------- cleanup

# _vb_pid_gone PID: true if PID has exited (gone, or a zombie not yet reaped).
_vb_pid_gone() {
        local stat
        stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
        stat=${stat##*) }
        [ "${stat%% *}" = Z ]
}

# _vb_forget_pid PID: drop PID from VB_PIDS.
_vb_forget_pid() {
        local -a keep=()
        local p
        for p in "${VB_PIDS[@]}"; do
                [ "$p" = "$1" ] || keep+=("$p")
        done
        VB_PIDS=("${keep[@]}")
}

# vb_cleanup: end ONLY the processes this test started (by pid, newest
# first: SIGTERM, then SIGKILL after 5 s), reap them, undo our mounts and
# remove $VB_TMP. Safe to call more than once.
vb_cleanup() {
        local i pid
        for ((i = ${#VB_PIDS[@]} - 1; i >= 0; i--)); do
                pid=${VB_PIDS[i]}
                if ! _vb_pid_gone "$pid"; then
                        kill -TERM "$pid" 2>/dev/null || true
                        if ! vb_wait_for -t 5 _vb_pid_gone "$pid"; then
                                kill -KILL "$pid" 2>/dev/null || true
                        fi
                fi
                wait "$pid" 2>/dev/null || true
        done
        VB_PIDS=()
        for ((i = ${#VB_MOUNTS[@]} - 1; i >= 0; i--)); do
                umount -l "${VB_MOUNTS[i]}" 2>/dev/null || true
        done
        VB_MOUNTS=()
        if [ -n "${VB_TMP:-}" ] && [ -d "$VB_TMP" ]; then
                rm -rf -- "$VB_TMP"
        fi
}

# vb_dump_logs: print what helps to read a failure: the daemon's output,
# what it sent on the notify socket, and the private journal.
vb_dump_logs() {
        if [ -n "$VB_DAEMON_LOG" ] && [ -s "$VB_DAEMON_LOG" ]; then
                printf -- '--- vendorband stdout/stderr (last 80 lines):\n' >&2
                tail -n 80 "$VB_DAEMON_LOG" >&2 || true
        fi
        if [ -n "$VB_NOTIFY_LOG" ] && [ -s "$VB_NOTIFY_LOG" ]; then
                printf -- '--- notify socket:\n' >&2
                cat "$VB_NOTIFY_LOG" >&2 || true
        fi
        if [ -n "$VB_JOURNALD_PID" ] && ! _vb_pid_gone "$VB_JOURNALD_PID"; then
                printf -- '--- private journal (last 60 entries):\n' >&2
                journalctl --no-pager -q -n 60 -o short-precise >&2 2>&1 || true
        fi
        if [ -s "$VB_TMP/journald.log" ]; then
                printf -- '--- systemd-journald output:\n' >&2
                cat "$VB_TMP/journald.log" >&2 || true
        fi
}

_vb_on_exit() {
        local rc=$?
        trap - EXIT
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
                vb_dump_logs || true
        fi
        vb_cleanup || true
        exit "$rc"
}
trap _vb_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# vb_spawn LOGFILE CMD...: start CMD in the background with stdout and stderr
# in LOGFILE, record its pid in VB_PIDS and in VB_LAST_PID. It gets SIGKILL
# if the test shell dies without cleaning up (setpriv --pdeathsig), so
# nothing outlives a killed test. Call it from the test's main shell, never
# inside $(...): the child dies with the shell that started it.
vb_spawn() {
        local log=$1
        shift
        setpriv --pdeathsig KILL -- "$@" >"$log" 2>&1 </dev/null &
        VB_LAST_PID=$!
        VB_PIDS+=("$VB_LAST_PID")
}

# ---------------------------------------------------------------- private journald

# vb_private_journal "$@": give this test a journald of its own. The first
# call re-executes the test script (with the same arguments) inside
# `unshare --mount --propagation private`; in there it mounts tmpfs on /run
# and /var/log/journal (so the host's journal socket and journal files are
# hidden and nothing is written to the host), makes sure /etc/machine-id is
# valid inside the namespace, writes a volatile, unthrottled journald.conf
# drop-in under the private /run, starts systemd-journald and waits for its
# socket. Afterwards journalctl and sd_journal_send in this test (and its
# children) see only this journal. Needs root.
vb_private_journal() {
        if [ -z "${VB_IN_PRIVATE_NS:-}" ]; then
                vb_cleanup
                trap - EXIT
                export VB_IN_PRIVATE_NS=1
                exec unshare --mount --propagation private -- bash "$0" "$@"
        fi
        [ -x "$VB_JOURNALD" ] || vb_fail "$VB_JOURNALD is missing (install the systemd package)"

        # /run: a fresh tmpfs. /run/systemd/journal/{socket,stdout,dev-log,
        # io.systemd.journal} and /run/log/journal/MACHINE-ID live there.
        _vb_mount_tmpfs /run 0755
        mkdir -p /run/systemd/journal /run/log/journal /run/systemd/journald.conf.d /run/lock
        # A persistent journal on the host would show up in journalctl: hide it.
        if [ -d /var/log/journal ]; then
                _vb_mount_tmpfs /var/log/journal 2755
        fi
        _vb_ensure_machine_id
        cat >/run/systemd/journald.conf.d/50-vendorban-tests.conf <<'EOF'
[Journal]
Storage=volatile
RateLimitIntervalSec=0
RateLimitBurst=0
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
ReadKMsg=no
Audit=no
EOF
        vb_spawn "$VB_TMP/journald.log" "$VB_JOURNALD"
        VB_JOURNALD_PID=$VB_LAST_PID
        if ! vb_wait_for -t 10 test -S /run/systemd/journal/socket; then
                vb_fail "private systemd-journald did not create /run/systemd/journal/socket within 10 s"
        fi
        # journalctl --sync talks to this one; wait for it too.
        vb_wait_for -t 10 test -S /run/systemd/journal/io.systemd.journal ||
                vb_fail "private systemd-journald has no varlink socket after 10 s"
}

# _vb_mount_tmpfs DIR MODE: mount a tmpfs on DIR (inside our namespace).
_vb_mount_tmpfs() {
        mount -t tmpfs -o "mode=$2,size=256m" vendorban-tests "$1" || vb_fail "cannot mount tmpfs on $1"
        VB_MOUNTS+=("$1")
}

# _vb_ensure_machine_id: journald names its directory after the machine id.
# If the host's /etc/machine-id is valid, use it. If it exists but is empty
# or "uninitialized", bind-mount a generated one over it. If it is missing
# (a bind mount needs an existing target), put a tmpfs-backed overlay on /etc
# inside the namespace and write the generated id there. The host's /etc is
# never written.
_vb_ensure_machine_id() {
        if [ -r /etc/machine-id ] && grep -Eqx '[0-9a-f]{32}' /etc/machine-id; then
                return 0
        fi
        local id
        id=$(tr -d '-' </proc/sys/kernel/random/uuid)
        printf '%s\n' "$id" >"$VB_TMP/machine-id"
        if [ -e /etc/machine-id ]; then
                mount --bind "$VB_TMP/machine-id" /etc/machine-id || vb_fail "cannot bind-mount a machine id"
                VB_MOUNTS+=(/etc/machine-id)
        else
                local ovl=$VB_TMP/etc-overlay
                mkdir -p "$ovl"
                _vb_mount_tmpfs "$ovl" 0755
                mkdir -p "$ovl/upper" "$ovl/work"
                mount -t overlay vendorban-tests-etc \
                        -o "lowerdir=/etc,upperdir=$ovl/upper,workdir=$ovl/work" /etc ||
                        vb_fail "cannot overlay /etc to provide a machine id"
                VB_MOUNTS+=(/etc)
                cp "$VB_TMP/machine-id" /etc/machine-id
        fi
}

# vb_journal_query ARGS...: make journald write out everything sent so far
# (journalctl --sync), then run `journalctl --no-pager -q ARGS...`.
vb_journal_query() {
        journalctl --sync >/dev/null 2>&1 || true
        journalctl --no-pager -q "$@"
}

# vb_journal_json ARGS...: the matching entries as one JSON array.
vb_journal_json() {
        vb_journal_query -o json "$@" | jq -s .
}

# vb_journal_count ARGS...: print how many entries match ARGS.
vb_journal_count() {
        vb_journal_query -o json "$@" | jq -s length
}

# vb_journal_has ARGS...: true if at least one entry matches ARGS (for vb_wait_for).
vb_journal_has() {
        [ "$(vb_journal_count "$@")" -gt 0 ]
}

# ---------------------------------------------------------------- roots and packages

# vb_tmproot: create a temporary root under $VB_TMP and print its path: an
# empty dpkg database (var/lib/dpkg/{status,available} empty files,
# info/, updates/, triggers/), the shipped policy copied to etc/vendorban/
# (vendorban.conf and bans.d/kaspersky.conf), and empty var/lib/vendorban, run,
# tmp, opt. Removed with $VB_TMP at exit, so it may be called inside $(...).
vb_tmproot() {
        local r
        r=$(mktemp -d "$VB_TMP/root.XXXXXX")
        chmod 0755 "$r"
        mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers" \
                "$r/etc/vendorban/bans.d" "$r/var/lib/vendorban" "$r/run" "$r/opt" "$r/usr/bin"
        mkdir -m 1777 "$r/tmp"
        : >"$r/var/lib/dpkg/status"
        : >"$r/var/lib/dpkg/available"
        local conf=$VB_SOURCE_ROOT/policy/vendorban.conf
        [ -f "$conf" ] || vb_fail "shipped policy missing: $conf"
        cp "$conf" "$r/etc/vendorban/vendorban.conf"
        # The Kaspersky ban only: tests count its bans and indicators
        # (kaspersky-arguable.conf is copied in by the tests of it).
        local -a bans=("$VB_SOURCE_ROOT"/policy/bans.d/kaspersky.conf)
        [ -f "${bans[0]}" ] || vb_fail "shipped ban missing: $VB_SOURCE_ROOT/policy/bans.d/kaspersky.conf"
        cp "${bans[@]}" "$r/etc/vendorban/bans.d/"
        printf '%s\n' "$r"
}

# vb_arch: the dpkg architecture of this machine.
vb_arch() {
        dpkg --print-architecture
}

# vb_build_deb NAME VERSION MAINTAINER [FILE...]: build a real .deb with
# dpkg-deb --build --root-owner-group under $VB_TMP and print its path.
# DEBIAN/control has Package, Version, Architecture (this machine's),
# Maintainer and Description. Each FILE is an absolute path in the package:
# "/opt/x/bin/y" becomes an executable ELF (a copy of /bin/true, mode 0755);
# "/path=TEXT" becomes a text file (mode 0644) holding TEXT and a newline;
# "/path<MODE:SRC" becomes a copy of the host file SRC with mode MODE
# (e.g. "/opt/x/bin/d<0755:/bin/sleep").
vb_build_deb() {
        local name=$1 version=$2 maint=$3
        shift 3
        local d pkg f path arch
        arch=$(vb_arch)
        d=$(mktemp -d "$VB_TMP/deb.XXXXXX")
        pkg=$d/pkg
        mkdir -p "$pkg/DEBIAN"
        for f in "$@"; do
                case $f in
                /*=*)
                        path=${f%%=*}
                        mkdir -p "$pkg$(dirname "$path")"
                        printf '%s\n' "${f#*=}" >"$pkg$path"
                        chmod 0644 "$pkg$path"
                        ;;
                /*\<*)
                        path=${f%%<*}
                        local spec=${f#*<}
                        mkdir -p "$pkg$(dirname "$path")"
                        cp "${spec#*:}" "$pkg$path" || vb_fail "vb_build_deb: cannot copy ${spec#*:}"
                        chmod "${spec%%:*}" "$pkg$path"
                        ;;
                /*)
                        mkdir -p "$pkg$(dirname "$f")"
                        cp /bin/true "$pkg$f"
                        chmod 0755 "$pkg$f"
                        ;;
                *) vb_fail "vb_build_deb: payload path must be absolute: $f" ;;
                esac
        done
        cat >"$pkg/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $arch
Maintainer: $maint
Description: vendorban integration test fixture ($name)
 Built by the vendorban integration tests; not real software.
EOF
        local deb=$d/${name}_${version}_${arch}.deb
        dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$deb" >"$d/dpkg-deb.log" 2>&1 ||
                { cat "$d/dpkg-deb.log" >&2; vb_fail "dpkg-deb --build failed for $name"; }
        printf '%s\n' "$deb"
}

# vb_build_fake_kesl [NAME [VERSION]]: a fake Kaspersky Endpoint Security
# package (default kesl 12.0.0.6672-1): maintainer AO Kaspersky Lab, ELF
# binaries under /opt/kaspersky/kesl/ and lib/systemd/system/kesl.service.
vb_build_fake_kesl() {
        local name=${1:-kesl} version=${2:-12.0.0.6672-1}
        vb_build_deb "$name" "$version" "AO Kaspersky Lab <support@kaspersky.com>" \
                /opt/kaspersky/kesl/bin/kesl \
                /opt/kaspersky/kesl/bin/kesl-control \
                /opt/kaspersky/kesl/libexec/kesl-supervisor \
                "/lib/systemd/system/kesl.service=[Unit]
Description=Kaspersky Endpoint Security for Linux (test fixture)

[Service]
ExecStart=/opt/kaspersky/kesl/libexec/kesl-supervisor

[Install]
WantedBy=multi-user.target"
}

# vb_build_runnable_kesl [NAME [VERSION]]: a fake kesl whose payload can be
# enforced on for real: /opt/kaspersky/kesl/bin/kesld (a copy of
# /bin/sleep, 0755: it runs), /opt/kaspersky/kesl/lib/libkesl.so (an ELF,
# 0644), /opt/kaspersky/kesl/share/README (text, 0644: not executable, so
# never quarantined) and /lib/systemd/system/kesl.service.
vb_build_runnable_kesl() {
        local name=${1:-kesl} version=${2:-12.0.0.6672-1}
        vb_build_deb "$name" "$version" "AO Kaspersky Lab <support@kaspersky.com>" \
                "/opt/kaspersky/kesl/bin/kesld<0755:/bin/sleep" \
                "/opt/kaspersky/kesl/lib/libkesl.so<0644:/bin/true" \
                "/opt/kaspersky/kesl/share/README=Kaspersky Endpoint Security for Linux (test fixture)" \
                "/lib/systemd/system/kesl.service=[Unit]
Description=Kaspersky Endpoint Security for Linux (test fixture)

[Service]
ExecStart=/opt/kaspersky/kesl/bin/kesld infinity

[Install]
WantedBy=multi-user.target"
}

# vb_set_mode ROOT MODE: set `mode = "MODE";` (audit or enforce) in
# ROOT/etc/vendorban/vendorban.conf.
vb_set_mode() {
        local conf=$1/etc/vendorban/vendorban.conf
        case $2 in
        audit | enforce) ;;
        *) vb_fail "vb_set_mode: unknown mode '$2'" ;;
        esac
        sed -i -E "s/^mode = \"[a-z]+\";/mode = \"$2\";/" "$conf"
        grep -qx "mode = \"$2\";" "$conf" || vb_fail "vb_set_mode: no mode line in $conf"
}

# vb_apt_setup ROOT: an APT tree in ROOT that knows nothing of the host
# (empty sources, its own lists and cache) and $VB_TMP/apt.conf pointing
# APT at it (Dir "ROOT/", Dir::State::status ROOT/var/lib/dpkg/status).
vb_apt_setup() {
        local r=$1
        mkdir -p "$r/etc/apt/sources.list.d" "$r/etc/apt/apt.conf.d" "$r/etc/apt/preferences.d" \
                "$r/var/lib/apt/lists/partial" "$r/var/cache/apt/archives/partial"
        : >"$r/etc/apt/sources.list"
        printf 'Dir "%s/";\nDir::State::status "%s/var/lib/dpkg/status";\n' "$r" "$r" >"$VB_TMP/apt.conf"
}

# vb_apt_policy PACKAGE...: `apt-cache policy PACKAGE...` against the root
# of vb_apt_setup (never the host's APT), through vb_run.
vb_apt_policy() {
        vb_run env APT_CONFIG="$VB_TMP/apt.conf" apt-cache policy "$@"
}

# vb_sha256 FILE: print FILE's sha256.
vb_sha256() {
        sha256sum <"$1" | cut -d' ' -f1
}

# vb_wait_exe PID PATH [SECONDS]: wait until process PID runs PATH
# (/proc/PID/exe), e.g. after vb_spawn, whose setpriv execs the program.
vb_wait_exe() {
        vb_wait_for -t "${3:-5}" _vb_exe_is "$1" "$2"
}
_vb_exe_is() {
        [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$2" ]
}

# vb_reap PID: wait for PID (a child of this shell that has exited), drop
# it from VB_PIDS and print its exit status.
vb_reap() {
        local rc=0
        wait "$1" 2>/dev/null || rc=$?
        _vb_forget_pid "$1"
        printf '%s\n' "$rc"
}

# vb_dpkg ROOT ARGS...: dpkg against ROOT: --root sets both the install dir
# and the admin dir (ROOT/var/lib/dpkg); maintainer scripts, if any, run
# without chroot (DPKG_ROOT set); no log to the host's /var/log/dpkg.log.
# Checked on Debian 12 (dpkg 1.21): an empty status/available file and the
# info/, updates/, triggers/ directories are all it needs.
vb_dpkg() {
        local root=$1
        shift
        dpkg --root="$root" --force-script-chrootless --force-not-root --force-depends \
                --force-unsafe-io --log=/dev/null "$@"
}

# vb_dpkg_install ROOT DEB: install DEB into ROOT with dpkg -i (fails the test on error).
vb_dpkg_install() {
        local root=$1 deb=$2
        if ! vb_dpkg "$root" -i "$deb" >"$VB_TMP/dpkg.log" 2>&1; then
                cat "$VB_TMP/dpkg.log" >&2
                vb_fail "dpkg -i $deb into $root failed"
        fi
}

# vb_dpkg_remove ROOT NAME: purge package NAME from ROOT (fails the test on error).
vb_dpkg_remove() {
        local root=$1 name=$2
        if ! vb_dpkg "$root" --purge "$name" >"$VB_TMP/dpkg.log" 2>&1; then
                cat "$VB_TMP/dpkg.log" >&2
                vb_fail "dpkg --purge $name from $root failed"
        fi
}

# vb_assert_deb_intact ROOT DEB: fail unless every file and symlink that DEB
# ships is in ROOT exactly as in the package (content, mode, owner): nothing
# moved, quarantined, chmod-ed or rewritten since dpkg installed it.
vb_assert_deb_intact() {
        local root=$1 deb=$2 x missing
        x=$(mktemp -d "$VB_TMP/extract.XXXXXX")
        dpkg-deb -x "$deb" "$x" || vb_fail "dpkg-deb -x $deb failed"
        missing=$(comm -23 <(vb_tree_digest "$x") <(vb_tree_digest "$root"))
        if [ -n "$missing" ]; then
                printf '%s\n' "$missing" >&2
                vb_fail "files of $(basename "$deb") changed or gone in $root (listed above)"
        fi
}

# ---------------------------------------------------------------- the daemon

# vb_start_daemon ROOT [ARGS...]: start notify-listen on a fresh socket, then
# `vendorband --root ROOT ARGS...` in the background with NOTIFY_SOCKET
# pointing at it, and wait (20 s at most) for READY=1. Sets VB_DAEMON_PID,
# VB_DAEMON_LOG (its stdout/stderr) and VB_NOTIFY_LOG (one notify
# assignment per line). Fails the test if the daemon exits or is not ready
# in time. Call from the test's main shell (see vb_spawn).
vb_start_daemon() {
        local root=$1
        shift
        vb_require_programs daemon notify-listen
        [ -z "$VB_DAEMON_PID" ] || vb_fail "vb_start_daemon: a daemon is already running (pid $VB_DAEMON_PID)"
        local n=${#VB_PIDS[@]}
        local sock=$VB_TMP/notify.$n.sock
        VB_NOTIFY_LOG=$VB_TMP/notify.$n.log
        VB_DAEMON_LOG=$VB_TMP/vendorband.$n.log

        vb_spawn "$VB_NOTIFY_LOG" "$VB_NOTIFY_LISTEN" "$sock" 300
        vb_wait_for -t 5 test -S "$sock" || vb_fail "notify-listen did not bind $sock"

        printf '  $ NOTIFY_SOCKET=%s %s --root %s %s\n' "$sock" "$VB_DAEMON" "$root" "$*"
        vb_spawn "$VB_DAEMON_LOG" env NOTIFY_SOCKET="$sock" "$VB_DAEMON" --root "$root" "$@"
        VB_DAEMON_PID=$VB_LAST_PID

        local deadline
        deadline=$(($(vb_now_usec) + 20000000))
        while ! grep -qx 'READY=1' "$VB_NOTIFY_LOG"; do
                if _vb_pid_gone "$VB_DAEMON_PID"; then
                        local rc=0
                        wait "$VB_DAEMON_PID" || rc=$?
                        _vb_forget_pid "$VB_DAEMON_PID"
                        VB_DAEMON_PID=
                        vb_fail "vendorband exited with status $rc before READY=1"
                fi
                [ "$(vb_now_usec)" -lt "$deadline" ] || vb_fail "vendorband sent no READY=1 within 20 s"
                sleep 0.05
        done
}

# vb_daemon_alive: true if the daemon started by vb_start_daemon still runs.
vb_daemon_alive() {
        [ -n "$VB_DAEMON_PID" ] && ! _vb_pid_gone "$VB_DAEMON_PID"
}

# vb_wait_daemon_died [SECONDS]: wait (default 10 s) for the daemon to exit
# by itself (a crash, a fault injection), reap it and set VB_DAEMON_RC to
# its exit status (128+N for signal N); fails the test if it still runs.
vb_wait_daemon_died() {
        [ -n "$VB_DAEMON_PID" ] || vb_fail "vb_wait_daemon_died: no daemon running"
        local pid=$VB_DAEMON_PID
        vb_wait_for -t "${1:-10}" _vb_pid_gone "$pid" ||
                vb_fail "vendorband (pid $pid) still runs after ${1:-10} s"
        VB_DAEMON_RC=0
        wait "$pid" || VB_DAEMON_RC=$?
        _vb_forget_pid "$pid"
        VB_DAEMON_PID=
}

# vb_stop_daemon: SIGTERM the daemon, wait (10 s at most) for it to exit and
# fail the test unless it exited with status 0.
vb_stop_daemon() {
        [ -n "$VB_DAEMON_PID" ] || vb_fail "vb_stop_daemon: no daemon running"
        local pid=$VB_DAEMON_PID rc=0
        kill -TERM "$pid" 2>/dev/null || true
        if ! vb_wait_for -t 10 _vb_pid_gone "$pid"; then
                vb_fail "vendorband (pid $pid) did not exit within 10 s of SIGTERM"
        fi
        wait "$pid" || rc=$?
        _vb_forget_pid "$pid"
        VB_DAEMON_PID=
        [ "$rc" -eq 0 ] || vb_fail "vendorband exited with status $rc after SIGTERM (expected 0)"
}

# vb_findings_json ROOT FILE: write `vendorbanctl --root ROOT --json findings`
# to FILE; fail the test if the command fails or prints no JSON object.
vb_findings_json() {
        local root=$1 out=$2 rc=0
        "$VB_CTL" --root "$root" --json findings >"$out" 2>"$VB_TMP/findings.err" || rc=$?
        if [ "$rc" -ne 0 ] || ! jq -e 'type == "object" and (.findings | type == "array")' "$out" >/dev/null 2>&1; then
                cat "$out" "$VB_TMP/findings.err" >&2 || true
                vb_fail "vendorbanctl findings --json failed (status $rc) or printed no findings array"
        fi
}

# vb_has_finding ROOT JQ-FILTER [JQ-ARGS...]: true if some finding listed by
# `vendorbanctl --root ROOT --json findings` satisfies JQ-FILTER (applied to
# each finding), e.g. vb_has_finding "$r" '.package == "kesl"'. For vb_wait_for.
vb_has_finding() {
        local root=$1 filter=$2
        shift 2
        "$VB_CTL" --root "$root" --json findings 2>"$VB_TMP/has-finding.err" >"$VB_TMP/has-finding.json" || { cat "$VB_TMP/has-finding.err" >&2; return 1; }
        jq -e "$@" "any(.findings[]; $filter)" "$VB_TMP/has-finding.json" >/dev/null 2>&1
}

# ---------------------------------------------------------------- faults, load, security

# vb_set_conf ROOT KEY VALUE: set `KEY = VALUE;` in ROOT/etc/vendorban/vendorban.conf
# (VALUE is libconfig text: 2, "\"audit\"", [ "/opt" ]); the line is
# replaced if present, appended otherwise.
vb_set_conf() {
        local conf=$1/etc/vendorban/vendorban.conf key=$2 value=$3
        if grep -Eq "^$key = " "$conf"; then
                local tmp=$conf.tmp
                awk -v k="$key" -v v="$value" '$1 == k && $2 == "=" { print k " = " v ";"; next } { print }' \
                        "$conf" >"$tmp" && mv "$tmp" "$conf"
        else
                printf '%s = %s;\n' "$key" "$value" >>"$conf"
        fi
        grep -Fqx "$key = $value;" "$conf" || vb_fail "vb_set_conf: could not set $key in $conf"
}

# vb_daemon_log_has ERE: true if the daemon's stdout/stderr (VB_DAEMON_LOG)
# has a line matching ERE (for vb_wait_for).
vb_daemon_log_has() {
        [ -n "$VB_DAEMON_LOG" ] && grep -Eq -- "$1" "$VB_DAEMON_LOG"
}

# vb_journal_grep ERE ARGS...: true if an entry matching ARGS has a MESSAGE
# matching ERE (case-insensitive), e.g. vb_journal_grep 'busy|locked' -u vendorband.
vb_journal_grep() {
        local re=$1
        shift
        vb_journal_query -o cat "$@" | grep -Eiq -- "$re"
}

# vb_daemon_alive_or_fail WHAT: fail (with WHAT) if the daemon has exited.
vb_daemon_alive_or_fail() {
        vb_daemon_alive || vb_fail "vendorband died: $1"
}

# vb_build_big_deb NAME VERSION MAINTAINER [DESCRIPTION-BYTES]: a real .deb
# (built with dpkg-deb, which accepts it, as dpkg -i does) whose control has
# 600 extra fields (X-Vb-Field-N) and a long Description (default 1 MiB;
# APT 2.6 cannot parse one that long, dpkg can), shipping /usr/lib/NAME/NAME
# (an ELF, a copy of /bin/true). Prints its path.
vb_build_big_deb() {
        local name=$1 version=$2 maint=$3 desc=${4:-1048576} d i
        d=$(mktemp -d "$VB_TMP/bigdeb.XXXXXX")
        mkdir -p "$d/pkg/DEBIAN" "$d/pkg/usr/lib/$name"
        cp /bin/true "$d/pkg/usr/lib/$name/$name"
        {
                printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: %s\n' "$name" "$version" "$(vb_arch)" "$maint"
                for i in $(seq 1 600); do printf 'X-Vb-Field-%d: value %d\n' "$i" "$i"; done
                printf 'Description: a package with 600 extra fields and a long description\n'
                head -c "$desc" /dev/zero | tr '\0' 'd' | fold -w 63 | sed 's/^/ /'
                echo
        } >"$d/pkg/DEBIAN/control"
        dpkg-deb --root-owner-group -Zgzip --build "$d/pkg" "$d/${name}_${version}_$(vb_arch).deb" >"$d/build.log" 2>&1 ||
                { cat "$d/build.log" >&2; vb_fail "dpkg-deb --build failed for $name"; }
        printf '%s\n' "$d/${name}_${version}_$(vb_arch).deb"
}

# vb_wait_scan_done WHY N [SECONDS]: wait (default 30 s) until the journal
# has N "Scan (WHY) done" entries: the daemon's scans run in its work
# thread, after READY=1 (e.g. vb_wait_scan_done startup 1).
vb_wait_scan_done() {
        local why=$1 n=$2
        _vb_scans_done() {
                [ "$(vb_journal_query -o cat -u vendorband MESSAGE_ID="$VB_MID_SCAN_DONE" |
                        grep -cF "Scan ($why) done")" -ge "$n" ]
        }
        vb_wait_for -t "${3:-30}" _vb_scans_done
}

# vb_make_slow_tree ROOT [COUNT [MIB]]: COUNT (default 128) sparse files of
# MIB MiB (default 64) under ROOT/opt/bulk: no disk space, but a scan reads
# and hashes every byte, so the startup scan of ROOT takes a long while.
vb_make_slow_tree() {
        local root=$1 count=${2:-128} mib=${3:-64} i
        mkdir -p "$root/opt/bulk"
        for i in $(seq 1 "$count"); do
                mkdir -p "$root/opt/bulk/d$((i % 16))"
                truncate -s "${mib}M" "$root/opt/bulk/d$((i % 16))/blob$i"
        done
}

# vb_watchdog_gaps_ok FROM_USEC TO_USEC LIMIT_USEC: true if, between FROM and
# TO (realtime microseconds), WATCHDOG=1 reached VB_NOTIFY_LOG at least once
# and never LIMIT or more apart (FROM and TO count as the ends).
vb_watchdog_gaps_ok() {
        local from=$1 to=$2 limit=$3
        { echo "$from"; sed -n 's/^WATCHDOG_AT_USEC=//p' "$VB_NOTIFY_LOG"; echo "$to"; } |
                awk -v from="$from" -v to="$to" -v limit="$limit" '
                        $1 >= from && $1 <= to { n++; if (n > 1 && $1 - prev > max) max = $1 - prev; prev = $1 }
                        END { printf "# %d pings, longest gap %.2f s (limit %.2f s)\n", n - 2, max / 1e6, limit / 1e6
                              exit !(n > 2 && max < limit) }'
}
