# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers of the system test (run.sh): a Debian 12 root file system made by
# debootstrap, systemd booted in it as PID 1 in its own PID, mount, cgroup,
# UTS, IPC and network namespaces, commands run inside it with nsenter, and
# the teardown. Sourced by run.sh; expects W (the work directory) and R (the
# root file system) to be set, and sets BOOT_PID (unshare) and INIT_PID
# (systemd, as the host sees it).

SUITE=bookworm
MIRROR=${VB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BOOT_PID=
INIT_PID=
CGROUP=

say() { printf '=== %s\n' "$*"; }
loud() { printf '\n!!! %s\n\n' "$*" >&2; }

# mirror_reachable: 0 if the Release file of SUITE can be fetched.
mirror_reachable() {
        wget -q -T 20 -t 2 -O /dev/null "$MIRROR/dists/$SUITE/Release"
}

# rootfs_make PACKAGES: debootstrap a minbase bookworm with systemd, D-Bus,
# APT and the given extra packages into R; reuse a tarball of an identical
# earlier one under W/cache when there is one.
rootfs_make() {
        local include="systemd,systemd-sysv,dbus,apt,dpkg${1:+,$1}"
        local key cache
        key=$(printf '%s %s %s' "$SUITE" "$MIRROR" "$include" | sha256sum | cut -c1-16)
        cache="$W/cache/rootfs-$SUITE-$key.tar"
        rootfs_remove || return 1
        mkdir -p "$R" "$W/cache"
        # Its own file system: vendorband's exec guard marks whole file
        # systems, and must see only the guest's, never the host's.
        mount -t tmpfs -o size=4g,mode=0755 vendorban-systest "$R" || return 1
        if [ -f "$cache" ]; then
                say "root file system from the cache of this work directory ($cache)"
                tar -C "$R" -xf "$cache"
                return 0
        fi
        say "debootstrap --variant=minbase --include=$include $SUITE $R $MIRROR"
        if ! debootstrap --variant=minbase --include="$include" "$SUITE" "$R" "$MIRROR" \
                >"$W/debootstrap.log" 2>&1; then
                tail -n 20 "$W/debootstrap.log" >&2
                return 1
        fi
        tar -C "$R" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
}

# The cgroup v2 hierarchy of the host (pure or hybrid), where the booted
# system gets a cgroup of its own, made its root by a cgroup namespace.
cgroup2_mount() {
        findmnt -rn -t cgroup2 -o TARGET | head -n 1
}

# boot: start systemd as PID 1 in R, in the background; its console output
# goes to W/console.log. The mounts are made inside the new mount namespace
# (boot-init.sh) and vanish with it.
boot() {
        local cg2
        cg2=$(cgroup2_mount)
        [ -n "$cg2" ] || { loud "no cgroup2 hierarchy on this host"; return 1; }
        CGROUP="$cg2/vendorban-systest.$$"
        mkdir "$CGROUP"
        # A subshell moves itself into that cgroup, then becomes unshare.
        (
                echo "$BASHPID" >"$CGROUP/cgroup.procs"
                exec unshare --fork --pid --mount --cgroup --uts --ipc --net --propagation private \
                        "$SYSTEST_DIR/boot-init.sh" "$R"
        ) >"$W/console.log" 2>&1 &
        BOOT_PID=$!
        local _
        for _ in $(seq 1 100); do
                INIT_PID=$(awk '{print $1}' "/proc/$BOOT_PID/task/$BOOT_PID/children" 2>/dev/null)
                if [ -n "$INIT_PID" ] && [[ "$(readlink "/proc/$INIT_PID/exe" 2>/dev/null)" == */lib/systemd/systemd ]]; then
                        return 0
                fi
                kill -0 "$BOOT_PID" 2>/dev/null || break
                sleep 0.1
        done
        loud "systemd did not start in $R"
        cat "$W/console.log" >&2
        return 1
}

# vm_raw COMMAND: run a shell command inside the booted system, quietly.
vm_raw() {
        nsenter --target "$INIT_PID" --mount --pid --cgroup --uts --ipc --net --root --wd \
                /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
                HOME=/root LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= SYSTEMD_COLORS=0 DEBIAN_FRONTEND=noninteractive \
                /bin/sh -c "$1"
}

# vm COMMAND: the same, as a transcript: the command as typed at a root
# prompt, then its output (indented). Returns the command's exit status and
# leaves its output in VM_OUT.
VM_OUT=
vm() {
        local rc=0
        printf 'vm# %s\n' "$1"
        VM_OUT=$(vm_raw "$1" 2>&1) || rc=$?
        if [ -n "$VM_OUT" ]; then
                printf '%s\n' "$VM_OUT" | sed 's/^/    /'
        fi
        return "$rc"
}

# wait_booted: until systemctl is-system-running settles (bounded: 120 s).
# Before systemd has its private socket, systemctl cannot connect at all.
wait_booted() {
        local state deadline=$(($(date +%s) + 120))
        while :; do
                state=$(timeout 120 nsenter --target "$INIT_PID" --mount --pid --cgroup --root --wd \
                        /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                        systemctl is-system-running --wait 2>&1) || true
                case $state in
                running|degraded|maintenance|stopping|offline) break ;;
                esac
                [ "$(date +%s)" -lt "$deadline" ] || break
                sleep 0.2
        done
        echo "systemctl is-system-running: $state"
        case $state in
        running) return 0 ;;
        degraded) vm "systemctl --failed --no-pager" || true; return 0 ;;
        *) return 1 ;;
        esac
}

# teardown: power the system off from inside, or kill its PID 1 (which
# kills every process of its PID namespace) if it will not go; then remove
# its cgroups. Everything it mounted lived in its own mount namespace.
teardown() {
        if [ -n "$BOOT_PID" ] && kill -0 "$BOOT_PID" 2>/dev/null; then
                if [ -n "$INIT_PID" ]; then
                        timeout 10 nsenter --target "$INIT_PID" --mount --pid --root --wd \
                                /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
                                systemctl poweroff >/dev/null 2>&1 || true
                fi
                local _
                for _ in $(seq 1 300); do
                        kill -0 "$BOOT_PID" 2>/dev/null || break
                        sleep 0.1
                done
                if kill -0 "$BOOT_PID" 2>/dev/null; then
                        loud "the booted system did not power off in 30 s: killing its PID 1 ($INIT_PID)"
                        [ -n "$INIT_PID" ] && kill -KILL "$INIT_PID" 2>/dev/null
                        kill -KILL "$BOOT_PID" 2>/dev/null || true
                fi
                wait "$BOOT_PID" 2>/dev/null || true
        fi
        BOOT_PID=
        # The last processes of the namespace may take a moment to be
        # reaped: until then their cgroups cannot be removed (EBUSY).
        local try
        for try in $(seq 1 50); do
                [ -n "$CGROUP" ] && [ -d "$CGROUP" ] || break
                find "$CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
                [ -d "$CGROUP" ] || break
                [ "$try" -lt 50 ] && sleep 0.1
        done
        if [ -n "$CGROUP" ] && [ -d "$CGROUP" ]; then
                loud "could not remove the cgroup $CGROUP"
        fi
        CGROUP=
}

# rootfs_remove: delete R, but only once nothing is mounted below it.
rootfs_remove() {
        if mountpoint -q "$R"; then
                umount "$R" || umount -l "$R" || true
        fi
        if findmnt -rn -o TARGET | grep -q "^$R\(/\|$\)"; then
                loud "something is still mounted under $R: leaving it"
                return 1
        fi
        rm -rf "$R"
}
