#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: a policy with thousands of indicators. Next to the shipped
# Kaspersky ban, a second ban with 5,000 package indicators and 2,000 path
# indicators: `vendorbanctl policy check` passes, vendorband loads it (the
# time is printed) and still detects kesl promptly, and the big ban's own
# last package and last path match too.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
ban=$root/etc/vendorban/bans.d/zz-bulkvendor.conf

vb_step "write a second ban: 5,000 package indicators (half of them globs), 2,000 path indicators"
{
        printf 'ban = {\n  id = "bulkvendor";\n  vendor = "Bulk Vendor";\n'
        printf '  entities = [ "Bulk Vendor Ltd" ];\n  authority = "vendorban load test";\n'
        printf '  phases = ( { from = "2024-01-01"; applies_to = "all"; action = "flag"; } );\n'
        printf '  match = {\n    packages = [\n'
        for i in $(seq 1 5000); do
                if [ $((i % 2)) -eq 0 ]; then printf '      "bulk-pkg-%d-*",\n' "$i"; else printf '      "bulk-pkg-%d",\n' "$i"; fi
        done
        printf '      "bulk-pkg-last"\n    ];\n    paths = [\n'
        for i in $(seq 1 1999); do printf '      "/opt/bulkvendor/p%d/**",\n' "$i"; done
        printf '      "/opt/bulkvendor/last/**"\n    ];\n  };\n};\n'
} >"$ban"
printf '  %s: %d lines, %d bytes\n' "$(basename "$ban")" "$(wc -l <"$ban")" "$(stat -c %s "$ban")"

vb_step "vendorbanctl policy check: exit 0"
t=$(vb_now_usec)
vb_run "$VB_CTL" --root "$root" policy check
vb_expect_rc 0
printf '  policy check took %d ms\n' $((($(vb_now_usec) - t) / 1000))
vb_run "$VB_CTL" --root "$root" --json status
vb_jq_assert "$VB_OUT" '.policy.bans == 2 and .policy.indicators > 7000' "the status does not count 2 bans and >7000 indicators"

vb_step "start vendorband with it (time to READY=1)"
t=$(vb_now_usec)
vb_start_daemon "$root"
load_ms=$((($(vb_now_usec) - t) / 1000))

vb_step "install kesl: a finding within 5 s"
vb_dpkg_install "$root" "$(vb_build_fake_kesl)"
t=$(vb_now_usec)
vb_wait_for -t 5 vb_has_finding "$root" '.package == "kesl" and .ban == "kaspersky"' ||
        vb_fail "no kesl finding within 5 s with the big policy"
kesl_ms=$((($(vb_now_usec) - t) / 1000))

vb_step "the big ban's last package and a file under its last path match too"
vb_dpkg_install "$root" "$(vb_build_deb bulk-pkg-last 1.0 'Bulk <b@bulk.example>' /usr/share/bulk-pkg-last/README=x)"
mkdir -p "$root/opt/bulkvendor/last/bin"
cp /bin/true "$root/opt/bulkvendor/last/bin/agent"
vb_wait_for -t 5 vb_has_finding "$root" '.package == "bulk-pkg-last" and .ban == "bulkvendor"' ||
        vb_fail "no bulkvendor finding for bulk-pkg-last"
vb_wait_for -t 5 vb_has_finding "$root" '.path == "/opt/bulkvendor/last/bin/agent" and .ban == "bulkvendor"' ||
        vb_fail "no bulkvendor finding for /opt/bulkvendor/last/bin/agent"
printf '  LOAD big-policy: 7,001 extra indicators; vendorband ready in %d ms; kesl finding seen %d ms after dpkg returned\n' \
        "$load_ms" "$kesl_ms"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
