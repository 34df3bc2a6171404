#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# meson install script: put the default configuration in place without
# overwriting an administrator's files. Arguments are pairs
#   DEFAULT TARGET
# (absolute paths, before DESTDIR): DEFAULT is the shipped copy installed
# under the data directory; TARGET, its place under /etc, is written only if
# it does not exist yet. Then, on a real install (no DESTDIR, as root),
# create the state directories (tmpfiles.d) and rebuild the journal's
# message catalog; a package does both in its maintainer scripts instead.
set -eu

while [ "$#" -ge 2 ]; do
        src="${DESTDIR:-}$1"
        dst="${DESTDIR:-}$2"
        shift 2
        if [ -e "$dst" ] || [ -L "$dst" ]; then
                if cmp -s "$src" "$dst"; then
                        echo "Unchanged: $dst"
                else
                        echo "Kept your $dst; the shipped default is $src"
                fi
                continue
        fi
        mkdir -p "$(dirname "$dst")"
        cp "$src" "$dst"
        chmod 0644 "$dst"
        echo "Installing $src to $dst"
done

# Before 0.2.0 the bans were copied into /etc/vendorban/bans.d; such a copy
# now replaces the shipped ban of the same name and hides its updates.
for old in "${DESTDIR:-}"/etc/vendorban/bans.d/*.conf; do
        [ -f "$old" ] || continue
        new="${DESTDIR:-}/usr/share/vendorban/bans.d/$(basename "$old")"
        [ -f "$new" ] || continue
        echo "NOTE: $old replaces the shipped $new and hides its updates: keep only your changes,"
        echo "      as a drop-in in ${old}.d/local.conf (see vendorban-ban.conf(5)), then delete it."
done

if [ -z "${DESTDIR:-}" ] && [ "$(id -u)" -eq 0 ]; then
        if command -v systemd-tmpfiles >/dev/null 2>&1; then
                systemd-tmpfiles --create vendorban.conf || echo "systemd-tmpfiles --create vendorban.conf failed" >&2
        fi
        if command -v journalctl >/dev/null 2>&1; then
                journalctl --update-catalog || echo "journalctl --update-catalog failed" >&2
        fi
else
        echo "Not installing into /: run 'systemd-tmpfiles --create vendorban.conf' and 'journalctl --update-catalog' on the target"
fi
