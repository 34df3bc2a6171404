#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Load: an install storm while vendorband watches (audit mode, nothing
# moves). ONE dpkg -i call installs 300 packages: 12 named in the shipped
# ban, 8 unknown names whose Maintainer is "Kaspersky Lab", 280 benign.
# Meanwhile 20,000 files appear under ROOT/opt/bulk within seconds, and 5
# banned ELF files under ROOT/opt/kaspersky/storm among them. Whether or
# not the inotify queue overflows (nothing global is lowered), every banned
# package and file ends with a finding and no benign one does. Prints the
# time it took.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl notify-listen
vb_private_journal "$@"

root=$(vb_tmproot)
arch=$(vb_arch)
debs=$VB_TMP/debs
mkdir -p "$debs"

named=(kesl kesl-gui kesl-astra klnagent klnagent64 ksc64 ksc-web-console kess kwts ksmg klms kfl)
fakes=()
for i in $(seq -w 1 8); do fakes+=("endpoint-agent-$i"); done

# mkpkg NAME MAINTAINER: a package tree with one text file in /usr/share/NAME.
mkpkg() {
        local d=$VB_TMP/pkgs/$1
        mkdir -p "$d/DEBIAN" "$d/usr/share/$1"
        printf 'fixture %s\n' "$1" >"$d/usr/share/$1/README"
        printf 'Package: %s\nVersion: 1.0-1\nArchitecture: %s\nMaintainer: %s\nDescription: storm fixture %s\n' \
                "$1" "$arch" "$2" "$1" >"$d/DEBIAN/control"
}

vb_step "build 300 .debs (12 named in the ban, 8 by maintainer 'Kaspersky Lab', 280 benign)"
t=$(vb_now_usec)
for n in "${named[@]}"; do mkpkg "$n" "Packager <pkg@example.org>"; done
for n in "${fakes[@]}"; do mkpkg "$n" "Kaspersky Lab <builds@example.org>"; done
for i in $(seq -w 1 280); do mkpkg "storm-benign-$i" "Acme Ops <ops@acme.example>"; done
find "$VB_TMP/pkgs" -mindepth 1 -maxdepth 1 -print0 |
        xargs -0 -P "$(nproc)" -I{} sh -c 'dpkg-deb --root-owner-group -Znone --build "$1" "$2" >/dev/null' _ {} "$debs" ||
        vb_fail "dpkg-deb failed"
[ "$(find "$debs" -name '*.deb' | wc -l)" -eq 300 ] || vb_fail "not 300 .debs"
printf '  built in %d ms\n' $((($(vb_now_usec) - t) / 1000))

vb_step "start vendorband (audit mode); the root is a tmpfs (the storm should measure vendorband, not the disk)"
cp -a "$root" "$root.src"
mount -t tmpfs -o size=512m,mode=0755 vendorban-tests-root "$root" || vb_fail "cannot mount a tmpfs on $root"
VB_MOUNTS+=("$root")
cp -a "$root.src/." "$root/"
mkdir -p "$root/opt/bulk" "$root/opt/kaspersky"
vb_start_daemon "$root"

vb_step "the storm: dpkg -i of all 300 .debs in one call, and 20,000 files under /opt/bulk with 5 banned ELFs"
t0=$(vb_now_usec)
vb_dpkg "$root" -i "$debs"/*.deb >"$VB_TMP/dpkg.log" 2>&1 &
dpkg_pid=$!
VB_PIDS+=("$dpkg_pid")
# One process (perl-base is essential on Debian) so that the storm is fast.
perl -e '
        my ($r, $elf) = @ARGV;
        for my $d (1 .. 200) {
                my $dir = sprintf("%s/opt/bulk/d%03d", $r, $d);
                mkdir $dir or die "mkdir $dir: $!";
                for my $f (1 .. 100) {
                        open(my $h, ">", sprintf("%s/f%03d", $dir, $f)) or die "$dir: $!";
                        print $h "benign $d $f\n";
                        close $h;
                }
                next if $d % 40;
                my $k = sprintf("%s/opt/kaspersky/storm/s%03d", $r, $d);
                system("mkdir", "-p", $k) == 0 or die;
                system("cp", $elf, sprintf("%s/kav-%03d", $k, $d)) == 0 or die;
        }' "$root" /bin/true || vb_fail "creating the files failed"
t_files=$(vb_now_usec)
printf '  20,000 files + 5 banned ELFs created in %d ms\n' $(((t_files - t0) / 1000))
rc=0
wait "$dpkg_pid" || rc=$?
_vb_forget_pid "$dpkg_pid"
[ "$rc" -eq 0 ] || { tail -n 20 "$VB_TMP/dpkg.log" >&2; vb_fail "dpkg -i exited $rc"; }
t_dpkg=$(vb_now_usec)
printf '  dpkg -i of 300 packages done %d ms after the start\n' $(((t_dpkg - t0) / 1000))
[ "$(find "$root/opt/bulk" -type f | wc -l)" -eq 20000 ] || vb_fail "not 20,000 files under /opt/bulk"

all_found() {
        vb_findings_json "$root" "$VB_TMP/f.json"
        jq -e --argjson n "$(printf '%s\n' "${named[@]}" "${fakes[@]}" | jq -R . | jq -s .)" '
                ([.findings[] | select(.subject == "package") | .package] | unique) as $p
                | ([.findings[] | select(.subject == "file") | .path | select(startswith("/opt/kaspersky/storm/"))] | unique) as $f
                | ($n - $p | length) == 0 and ($f | length) == 5' "$VB_TMP/f.json" >/dev/null
}

vb_step "within 90 s: a finding for each of the 20 banned packages and the 5 banned files"
if ! vb_wait_for -t 90 all_found; then
        jq -c '[.findings[] | .package // .path]' "$VB_TMP/f.json" >&2
        vb_fail "not every banned package and file has a finding after 90 s"
fi
t_done=$(vb_now_usec)
vb_daemon_alive_or_fail "after the storm"

vb_step "no finding for a benign package or a file under /opt/bulk"
vb_jq_assert "$VB_TMP/f.json" 'all(.findings[]; ((.package // "") | startswith("storm-benign-") | not)
        and ((.path // "") | startswith("/opt/bulk/") | not) and ((.path // "") | startswith("/usr/share/storm-benign-") | not))' \
        "a benign package or file has a finding"
vb_jq_assert "$VB_TMP/f.json" '[.findings[] | select(.subject == "package")] | length == 20' "not exactly 20 package findings"
vb_jq_assert "$VB_TMP/f.json" '[.findings[] | select(.subject == "file")] | length == 5' "file findings beyond the 5 banned ELFs"

vb_step "audit mode: every banned ELF is still in place"
[ "$(find "$root/opt/kaspersky/storm" -type f | wc -l)" -eq 5 ] || vb_fail "a banned file moved in audit mode"

lost=$(vb_journal_query -o cat -u vendorband MESSAGE_ID="$VB_MID_SCAN_DONE" | grep -c 'events were lost' || true)
printf '  LOAD install-storm: all 25 banned subjects found %d ms after the storm began (%d ms after dpkg finished); full rescans for lost events (queue overflow): %s\n' \
        $(((t_done - t0) / 1000)) $(((t_done - t_dpkg) / 1000)) "$lost"

vb_step "SIGTERM: exit status 0"
vb_stop_daemon

vb_step "all checks passed"
