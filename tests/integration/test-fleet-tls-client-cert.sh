#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The collector's shipped TLS terminator (fleet/collector/stunnel-vendorban-
# fleet.conf, stunnel4 from Debian) in front of the real systemd-journal-
# remote (plain HTTP on loopback) requires a client certificate from the
# fleet CA, which Debian 12's journal-remote cannot check: the real
# systemd-journal-upload with a fleet certificate gets through; a POST with
# no certificate, or with one from another CA, is refused and stores
# nothing. Everything listens on 127.0.0.1 only.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
for p in /lib/systemd/systemd-journal-remote /lib/systemd/systemd-journal-upload /usr/bin/stunnel4; do
        [ -x "$p" ] || vb_skip "$p missing (scripts/install-deps: systemd-journal-remote, stunnel4)"
done
command -v curl >/dev/null || vb_skip "curl missing (scripts/install-deps)"
command -v openssl >/dev/null || vb_skip "openssl missing"
vb_private_journal "$@"

pki=$VB_TMP/pki
col=$VB_TMP/collector
mkdir -p "$pki" "$col"

free_port() {
        local p
        for _ in $(seq 1 20); do
                p=$((20000 + RANDOM % 30000))
                ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
        done
        return 1
}

vb_step "a fleet CA with a collector and a host certificate; another CA with a rogue client"
cert() { # cert NAME CA SUBJECT [SAN]
        openssl req -new -newkey ed25519 -nodes -keyout "$pki/$1.key" -subj "/CN=$3" -out "$pki/$1.csr" 2>/dev/null
        printf '%s\n' "${4:+subjectAltName=$4}" >"$pki/$1.ext"
        openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" -CAcreateserial -days 2 \
                -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}
for ca in ca rogue-ca; do
        openssl req -x509 -newkey ed25519 -nodes -keyout "$pki/$ca.key" -subj "/CN=$ca" -days 2 \
                -out "$pki/$ca.pem" 2>/dev/null
done
cert collector ca 127.0.0.1 IP:127.0.0.1
cert host ca host-01
cert rogue rogue-ca host-01

http_port=$(free_port) && tls_port=$(free_port) || vb_fail "no free port"
[ "$http_port" != "$tls_port" ] || tls_port=$((http_port + 1))

vb_step "systemd-journal-remote on 127.0.0.1:$http_port (plain HTTP), stunnel4 on 127.0.0.1:$tls_port"
vb_spawn "$col/remote.log" /lib/systemd/systemd-journal-remote --listen-http="127.0.0.1:$http_port" \
        --output="$col/fleet.journal" --split-mode=none
sed -e "s|^accept = .*|accept = 127.0.0.1:$tls_port|" -e "s|^connect = .*|connect = 127.0.0.1:$http_port|" \
        -e "s|/etc/vendorban/fleet/|$pki/|" "$VB_SOURCE_ROOT/fleet/collector/stunnel-vendorban-fleet.conf" \
        >"$VB_TMP/stunnel.conf"
grep -q '^requireCert = yes' "$VB_TMP/stunnel.conf" || vb_fail "the shipped stunnel config does not require a certificate"
vb_spawn "$VB_TMP/stunnel.log" stunnel4 "$VB_TMP/stunnel.conf"
answers() { curl -s -o /dev/null "http://127.0.0.1:$http_port/upload"; }
vb_wait_for -t 10 answers || vb_fail "journal-remote does not answer"
listening() { ss -Hltn "sport = :$tls_port" | grep -q .; }
vb_wait_for -t 10 listening || { cat "$VB_TMP/stunnel.log" >&2; vb_fail "stunnel does not listen"; }

export_entry() { # export_entry MARKER: one journal entry in the export format
        printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=1\n_BOOT_ID=%s\n_MACHINE_ID=%s\n_HOSTNAME=host-01\nMESSAGE=%s\n\n' \
                "$(date +%s%6N)" "$(tr -d '-' </proc/sys/kernel/random/uuid)" "$(tr -d '-' </proc/sys/kernel/random/uuid)" "$1"
}
collected() { journalctl -D "$col" -o cat MESSAGE="$1" 2>/dev/null | grep -qx "$1"; }
post() { # post MARKER CURL-ARGS...: POST one entry through the terminator
        local m=$1
        shift
        export_entry "$m" >"$VB_TMP/$m.export"
        curl -sS --fail --cacert "$pki/ca.pem" "$@" -X POST -H 'Content-Type: application/vnd.fdo.journal' \
                --data-binary @"$VB_TMP/$m.export" "https://127.0.0.1:$tls_port/upload"
}

vb_step "the real systemd-journal-upload with the fleet certificate gets through"
echo "fleet-tls-upload-marker" | systemd-cat -t fleet-tls-test
vb_wait_for -t 10 vb_journal_has SYSLOG_IDENTIFIER=fleet-tls-test || vb_fail "the marker is not in the local journal"
vb_run /lib/systemd/systemd-journal-upload --url="https://127.0.0.1:$tls_port" --key="$pki/host.key" \
        --cert="$pki/host.pem" --trust="$pki/ca.pem" --follow=no --save-state="$VB_TMP/upload.state"
vb_expect_rc 0
vb_wait_for -t 10 collected fleet-tls-upload-marker || vb_fail "the uploaded entry did not reach journal-remote"

vb_step "curl with the fleet certificate: accepted (the control)"
vb_run post good-cert-marker --cert "$pki/host.pem" --key "$pki/host.key"
vb_expect_rc 0
vb_wait_for -t 10 collected good-cert-marker || vb_fail "a POST with the fleet certificate was not stored"

vb_step "curl without a client certificate: refused, nothing stored"
vb_run post no-cert-marker
[ "$VB_RC" -ne 0 ] || vb_fail "a POST without a client certificate was accepted"
vb_step "curl with a certificate from another CA: refused, nothing stored"
vb_run post rogue-cert-marker --cert "$pki/rogue.pem" --key "$pki/rogue.key"
[ "$VB_RC" -ne 0 ] || vb_fail "a POST with a rogue CA's certificate was accepted"
vb_step "plain HTTP to the TLS port: refused"
vb_run curl -sS --fail -X POST -H 'Content-Type: application/vnd.fdo.journal' \
        --data-binary @"$VB_TMP/no-cert-marker.export" "http://127.0.0.1:$tls_port/upload"
[ "$VB_RC" -ne 0 ] || vb_fail "plain HTTP on the TLS port was accepted"
# A last accepted POST: once it is stored, everything sent before it has been handled.
vb_run post last-marker --cert "$pki/host.pem" --key "$pki/host.key"
vb_expect_rc 0
vb_wait_for -t 10 collected last-marker || vb_fail "the last POST was not stored"
for m in no-cert-marker rogue-cert-marker; do
        ! collected "$m" || vb_fail "$m was stored by journal-remote"
done
vb_step "all checks passed"
