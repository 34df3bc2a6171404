#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# PID 1 of the system test's namespaces (tests/system/lib.sh, boot): mount
# what systemd expects in the root file system ROOT, then become systemd.
# Runs in a fresh mount namespace with private propagation, so every mount
# here disappears with the namespace and none is seen by the host.
#   /proc       a proc of the new PID namespace; /proc/sys read-only
#   /sys        read-only sysfs, with the cgroup v2 hierarchy rooted at
#               the test's own cgroup (cgroup namespace) writable in it
#   /dev        a tmpfs with the usual character devices, devpts, shm:
#               never the host's /dev, so no getty or udev reaches a real
#               terminal or disk
#   /run, /tmp  tmpfs
# then it makes ROOT the namespace's root with pivot_root.
set -eu
R=$1

mount --bind "$R" "$R"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount --bind "$R/proc/sys" "$R/proc/sys"
mount -o remount,bind,ro "$R/proc/sys"
mount -t sysfs -o nosuid,nodev,noexec sysfs "$R/sys"
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
mount -o remount,bind,ro "$R/sys"

mount -t tmpfs -o mode=755,nosuid,size=8m tmpfs "$R/dev"
for dev in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        name=${dev%%:*}
        nums=${dev#*:}
        mknod -m 666 "$R/dev/$name" c "${nums%:*}" "${nums#*:}"
done
mkdir -m 755 "$R/dev/pts"
mkdir -m 1777 "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$R/run"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/tmp"

# Make ROOT the root of this mount namespace (pivot_root, not chroot): a
# chroot would leave the host's / as the namespace's root, and the kernel
# would then name files seen across mount namespaces (a service's
# /proc/PID/exe of another process) with the host path of ROOT in front.
cd "$R"
pivot_root . .
umount -l .

# container= tells systemd it is in a container (no hardware units).
exec /usr/bin/env -i container=vendorban-systest TERM=dumb \
        /lib/systemd/systemd --system --log-target=console --show-status=no
