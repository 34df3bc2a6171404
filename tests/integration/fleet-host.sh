#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One simulated host of the fleet tests (not a test itself). Runs as the
# init of its own PID, mount and UTS namespaces, started by fleet_host_start
# in test-fleet-*.sh with `unshare --pid --fork --kill-child --mount --uts`:
# when it is killed, the kernel ends everything it started. It gets its own
# /run (a directory of the test bind-mounted there: journald's socket and
# volatile journal), its own /etc/machine-id and hostname, and runs
#   systemd-journald, vendorband --root ROOT, and systemd-journal-upload
# restarted after every exit, like the shipped drop-in's Restart=always.
#   fleet-host.sh DIR ROOT HOSTNAME MACHINE-ID URL VENDORBAND
set -eu
dir=$1 root=$2 name=$3 machine=$4 url=$5 daemon=$6

mount --make-rprivate /
mkdir -p "$dir/run"
mount --bind "$dir/run" /run
mkdir -p /run/systemd/journal /run/log/journal /run/systemd/journald.conf.d
printf '%s\n' "$machine" >"$dir/machine-id"
mount --bind "$dir/machine-id" /etc/machine-id
hostname "$name"
cat >/run/systemd/journald.conf.d/50-fleet-host.conf <<'CONF'
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
CONF
/lib/systemd/systemd-journald >"$dir/journald.log" 2>&1 &
for _ in $(seq 1 400); do
        [ -S /run/systemd/journal/socket ] && break
        sleep 0.05
done
[ -S /run/systemd/journal/socket ] || { echo "journald did not start" >&2; exit 1; }

"$daemon" --root "$root" >"$dir/vendorband.log" 2>&1 &
echo $! >"$dir/vendorband.pid"

# The upload, restarted after every exit (collector down, refused).
(
        while :; do
                /lib/systemd/systemd-journal-upload --url="$url" --save-state="$dir/upload.state" || true
                sleep 1
        done
) >>"$dir/upload.log" 2>&1 &
echo ready >"$dir/ready"
wait
