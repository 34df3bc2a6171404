# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the bench/ scripts: where the programs are, a temp root with the
# shipped policy, timing and the result table. Benchmarks print figures
# beside a peer or a limit measured in the same run; they fail only when
# something they measure is wrong (a banned file not found), never on time.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE_ROOT=$(dirname "$BENCH_DIR")
BUILD=${VB_BUILD_ROOT:-$SOURCE_ROOT/build}
CTL=$BUILD/cli/vendorbanctl
DAEMON=$BUILD/daemon/vendorband
WORK=${BENCH_WORK:-$(mktemp -d "${TMPDIR:-/var/tmp}/vendorban-bench.XXXXXX")}
export PATH=$PATH:/usr/sbin:/sbin

bench_require() {
        [ "$(id -u)" -eq 0 ] || { echo "bench: run as root (dpkg --root, drop_caches)" >&2; exit 2; }
        [ -x "$CTL" ] && [ -x "$DAEMON" ] || { echo "bench: build first (meson setup build && ninja -C build)" >&2; exit 2; }
}

# bench_root DIR: the shipped policy in DIR/etc/vendorban, audit mode.
bench_root() {
        mkdir -p "$1/etc/vendorban/bans.d" "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates"
        [ -f "$1/var/lib/dpkg/status" ] || : > "$1/var/lib/dpkg/status"
        : > "$1/var/lib/dpkg/available"
        cp "$SOURCE_ROOT/policy/vendorban.conf" "$1/etc/vendorban/"
        cp "$SOURCE_ROOT/policy/bans.d/kaspersky.conf" "$1/etc/vendorban/bans.d/"
}

# now_s: wall clock seconds with nanoseconds.
now_s() { date +%s.%N; }

# elapsed START: seconds since START, 3 decimals.
elapsed() { echo "$(now_s) - $1" | bc -l | xargs printf '%.3f'; }

# ratio A B: A / B with 2 decimals.
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }

drop_caches() {
        sync
        if echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then echo cold; else echo warm; fi
}

# row NAME VALUE PEER RATIO: one line of the result table.
row() { printf '%-44s %14s %22s %8s\n' "$1" "$2" "$3" "$4"; }
