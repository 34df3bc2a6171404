# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Fixture packages of the system test (run.sh), built with dpkg-deb at test
# time: a fake Kaspersky Endpoint Security (kesl) with an ELF binary under
# /opt/kaspersky and its kesl.service, started by its postinst as the real
# one's is; and a benign package with a program and a service of its own
# under /opt, which vendorban must leave alone. ELF_SRC is an executable
# of the guest (its sleep), so the fake binary is a real ELF that runs.

# fixture_kesl OUTDIR ELF_SRC
fixture_kesl() {
        local d="$1/kesl"
        rm -rf "$d"
        mkdir -p "$d/DEBIAN" "$d/opt/kaspersky/kesl/bin" "$d/lib/systemd/system"
        cp "$2" "$d/opt/kaspersky/kesl/bin/kesl"
        # Content of its own: quarantined content is denied by its sha256
        # everywhere, and the guest's sleep must keep working.
        printf '\nvendorban system test: fake kesl\n' >>"$d/opt/kaspersky/kesl/bin/kesl"
        chmod 0755 "$d/opt/kaspersky/kesl/bin/kesl"
        cat >"$d/lib/systemd/system/kesl.service" <<'EOF'
[Unit]
Description=Kaspersky Endpoint Security for Linux (test fixture)

[Service]
ExecStart=/opt/kaspersky/kesl/bin/kesl infinity

[Install]
WantedBy=multi-user.target
EOF
        cat >"$d/DEBIAN/control" <<'EOF'
Package: kesl
Version: 12.1.0.1297
Architecture: all
Maintainer: AO Kaspersky Lab <support@kaspersky.com>
Section: misc
Priority: optional
Description: Kaspersky Endpoint Security for Linux (vendorban test fixture)
 Not the real product: a stand-in with the real one's name, paths and unit.
EOF
        cat >"$d/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        systemctl enable --now kesl.service || echo "kesl: could not start kesl.service" >&2
fi
exit 0
EOF
        chmod 0755 "$d/DEBIAN/postinst"
        dpkg-deb --root-owner-group -Zgzip --build "$d" "$1/kesl_12.1.0.1297_all.deb" >/dev/null
}

# fixture_benign OUTDIR
fixture_benign() {
        local d="$1/acme-tool"
        rm -rf "$d"
        mkdir -p "$d/DEBIAN" "$d/opt/acme/bin" "$d/lib/systemd/system"
        cat >"$d/opt/acme/bin/acme-tool" <<'EOF'
#!/bin/sh
# acme-tool: a benign program (vendorban test fixture).
if [ "${1:-}" = serve ]; then
        exec sleep infinity
fi
echo "acme-tool works"
EOF
        chmod 0755 "$d/opt/acme/bin/acme-tool"
        cat >"$d/lib/systemd/system/acme-tool.service" <<'EOF'
[Unit]
Description=ACME tool (vendorban test fixture)

[Service]
ExecStart=/opt/acme/bin/acme-tool serve

[Install]
WantedBy=multi-user.target
EOF
        cat >"$d/DEBIAN/control" <<'EOF'
Package: acme-tool
Version: 1.0
Architecture: all
Maintainer: ACME Tools <tools@acme.example>
Section: misc
Priority: optional
Description: a benign tool (vendorban test fixture)
 Matches no ban: vendorban must leave it installed and running.
EOF
        dpkg-deb --root-owner-group -Zgzip --build "$d" "$1/acme-tool_1.0_all.deb" >/dev/null
}

# fixture_old_layout OUTDIR BAN ARCH: "vendorban" 0.1.0 as far as the ban
# data goes: the Kaspersky ban BAN as a conffile in /etc/vendorban/bans.d,
# as vendorban 0.1.0 shipped it (no programs, no scripts), so that the
# real package's upgrade path from that layout can be checked.
fixture_old_layout() {
        local d="$1/vendorban-0.1.0"
        rm -rf "$d"
        mkdir -p "$d/DEBIAN" "$d/etc/vendorban/bans.d"
        cp "$2" "$d/etc/vendorban/bans.d/kaspersky.conf"
        echo /etc/vendorban/bans.d/kaspersky.conf >"$d/DEBIAN/conffiles"
        cat >"$d/DEBIAN/control" <<CONTROL
Package: vendorban
Version: 0.1.0
Architecture: $3
Maintainer: vendorban system test <root@localhost>
Description: vendorban 0.1.0's ban layout (system test fixture)
 The Kaspersky ban as a conffile in /etc/vendorban/bans.d.
CONTROL
        dpkg-deb --root-owner-group -Zgzip --build "$d" "$1/vendorban_0.1.0_$3.deb" >/dev/null
}
