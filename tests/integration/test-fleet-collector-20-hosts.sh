#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fleet end to end: 20 simulated hosts, each in its own PID, mount and
# UTS namespaces with its own journald, machine-id and hostname, run the
# real vendorband --root and the real systemd-journal-upload (restarted
# after each exit, like the shipped drop-in), all sending to one real
# systemd-journal-remote on 127.0.0.1. Hosts 02 03 07 13 have a banned
# package from the start, host 11 gets one while running (during the
# outage); host 20 is a clone of host 19 (same machine-id, own key); host
# 09 stops early (stale); host 05 keeps the old policy when the others
# update theirs. Checks: the collector killed for 20 s loses no summary;
# a whole host's journal uploaded twice adds no summary; a forged POST in
# host 03's name shows as unverified and changes nothing; `fleet report`
# is exactly right, and the same when resumed from a cursor file.
# shellcheck disable=SC2016 # jq programs are single-quoted on purpose
. "$(dirname "$0")/lib.sh"
vb_require_root
vb_require_programs daemon ctl
for p in /lib/systemd/systemd-journal-remote /lib/systemd/systemd-journal-upload; do
        [ -x "$p" ] || vb_skip "$p missing (package systemd-journal-remote, scripts/install-deps)"
done
command -v curl >/dev/null || vb_skip "curl missing (scripts/install-deps)"
vb_private_journal "$@"

VB_MID_SUMMARY=cc19fbb22306461f8336d16b8e912f45
N=20
declare -a hostpid=()
# unshare --fork ignores SIGTERM: end each host (its PID namespace) with
# SIGKILL first, then let lib.sh clean up as usual.
_fleet_on_exit() {
        local rc=$? p
        for p in "${hostpid[@]}"; do
                kill -KILL "$p" 2>/dev/null || true
        done
        (exit "$rc")
        _vb_on_exit
}
trap _fleet_on_exit EXIT
step() { vb_step "[${SECONDS}s] $*"; }
banned_at_start=" 02 03 07 13 "
col=$VB_TMP/collector
mkdir -p "$col"
kesl_deb=$(vb_build_fake_kesl kesl 12.0.0.6672-1)

# ------------------------------------------------------------ helpers
collector_start() {
        vb_spawn "$col/remote.$1.log" /lib/systemd/systemd-journal-remote --listen-http="127.0.0.1:$port" \
                --output="$col/remote.journal" --split-mode=none
        col_pid=$VB_LAST_PID
        vb_wait_for -t 10 curl -s -o /dev/null "http://127.0.0.1:$port/upload" || {
                cat "$col/remote.$1.log" >&2
                vb_fail "systemd-journal-remote does not answer on 127.0.0.1:$port"
        }
}
collector_summaries() { # every summary in the collector: HOSTNAME MACHINE TIME
        journalctl -D "$col" -o json MESSAGE_ID=$VB_MID_SUMMARY 2>/dev/null |
                jq -r '[._HOSTNAME, ._MACHINE_ID, .VENDORBAN_SUMMARY_TIME] | @tsv'
}
host_dir() { printf '%s/host-%s' "$VB_TMP" "$1"; }
host_journal() { printf '%s/run/log/journal/%s' "$(host_dir "$1")" "${mid[$1]}"; }
host_summaries_json() { journalctl -D "$(host_journal "$1")" -o json MESSAGE_ID=$VB_MID_SUMMARY 2>/dev/null | jq -s .; }
all_local_json() { # every summary in the hosts' own journals, one JSON object a line
        journalctl --file "$VB_TMP/host-*/run/log/journal/*/*.journal" -o json MESSAGE_ID=$VB_MID_SUMMARY "$@" 2>/dev/null
}
local_summaries() { # every summary in the hosts' own journals: HOSTNAME MACHINE TIME
        all_local_json | jq -r '[._HOSTNAME, ._MACHINE_ID, .VENDORBAN_SUMMARY_TIME] | @tsv'
}
hosts_with() { # hosts_with FIELD=VALUE...: how many hostnames have such a summary
        all_local_json "$@" | jq -r ._HOSTNAME | sort -u | wc -l
}
host_has() { # host_has NN JQ-FILTER: a summary of host NN matches
        [ "$(host_summaries_json "$1" | jq "[.[] | select($2)] | length")" -gt 0 ]
}
declare -A daemon_of_root
find_daemons() { # the outer pid of every host's vendorband, by its exact command line
        local p
        local -a args
        daemon_of_root=()
        for p in /proc/[0-9]*; do
                mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
                if [ "${#args[@]}" -eq 3 ] && [ "${args[0]}" = "$VB_DAEMON" ] && [ "${args[1]}" = --root ]; then
                        daemon_of_root[${args[2]}]=${p#/proc/}
                fi
        done
}
all_local_in_collector() {
        local_summaries | sort -u >"$VB_TMP/local.tsv"
        collector_summaries | sort -u >"$VB_TMP/collected.tsv"
        [ -z "$(comm -23 "$VB_TMP/local.tsv" "$VB_TMP/collected.tsv")" ]
}
every_host_summarized() { [ "$(hosts_with VENDORBAN_REASON=scan)" -eq $N ]; }
every_live_host_reloaded() { [ "$(hosts_with VENDORBAN_REASON=reload)" -eq $((N - 1)) ]; }

# ------------------------------------------------------------ the collector
port=
for _ in 1 2 3 4 5; do
        port=$((20000 + RANDOM % 30000))
        ss -Hltn "sport = :$port" 2>/dev/null | grep -q . || break
done
step "collector: systemd-journal-remote --listen-http=127.0.0.1:$port --split-mode=none"
collector_start 1

# ------------------------------------------------------------ the hosts
declare -A mid root
hosts=()
for i in $(seq -w 1 $N); do
        hosts+=("$i")
        mid[$i]=$(tr -d '-' </proc/sys/kernel/random/uuid)
        root[$i]=$(vb_tmproot)
        vb_set_conf "${root[$i]}" exec_guard false
        vb_set_conf "${root[$i]}" rescan_interval 0
        case $banned_at_start in *" $i "*) vb_dpkg_install "${root[$i]}" "$kesl_deb" >/dev/null ;; esac
done
mid[20]=${mid[19]} # a cloned image

step "start $N hosts, each in its own namespaces with journald, vendorband and journal-upload"
host_start() {
        local h=$1 d
        d=$(host_dir "$h")
        mkdir -p "$d"
        vb_spawn "$d/unshare.log" unshare --pid --fork --kill-child --mount --uts --propagation private \
                --mount-proc bash "$VB_SOURCE_ROOT/tests/integration/fleet-host.sh" "$d" "${root[$h]}" \
                "host-$h" "${mid[$h]}" "http://127.0.0.1:$port" "$VB_DAEMON"
        hostpid[10#$h]=$VB_LAST_PID
}
for h in "${hosts[@]}"; do
        [ "$h" = 20 ] || host_start "$h"
done
# The clone comes up once the original's key is known to the collector
# (trust on first use: host 19's key is the trusted one).
host19_collected() { collector_summaries | grep -q "^host-19	"; }
vb_wait_for -t 60 host19_collected || vb_fail "host 19's first summary did not reach the collector"
host_start 20
vb_wait_for -t 60 every_host_summarized || vb_fail "not every host wrote a summary after its startup scan"
vb_wait_for -t 60 all_local_in_collector || vb_fail "the collector lacks summaries: $(comm -23 "$VB_TMP/local.tsv" "$VB_TMP/collected.tsv")"

step "host 09 stops: it will be stale"
kill -KILL "${hostpid[9]}"
vb_wait_for -t 10 _vb_pid_gone "${hostpid[9]}" || vb_fail "host 09 did not stop"
wait "${hostpid[9]}" 2>/dev/null || true
_vb_forget_pid "${hostpid[9]}"
unset "hostpid[9]"
last09=$(host_summaries_json 09 | jq '[.[].VENDORBAN_SUMMARY_TIME | tonumber] | max')
live=()
for h in "${hosts[@]}"; do [ "$h" = 09 ] || live+=("$h"); done
# The others' next summaries fall in a later second than host 09's last.
later_than() { [ "$(date +%s)" -ge "$1" ]; }
vb_wait_for -t 30 later_than $((last09 / 1000000 + 2)) || vb_fail "the clock does not move"

step "collector killed (SIGKILL) for 20 s; meanwhile every host but 05 and 09 updates its policy, host 11 installs kesl"
kill -KILL "$col_pid"
vb_wait_for -t 10 _vb_pid_gone "$col_pid" || vb_fail "journal-remote survived SIGKILL"
wait "$col_pid" 2>/dev/null || true
_vb_forget_pid "$col_pid"
killed_at=$(date +%s)
find_daemons
for h in "${live[@]}"; do
        [ "$h" = 05 ] || printf '# policy update\n' >>"${root[$h]}/etc/vendorban/vendorban.conf"
        pid=${daemon_of_root[${root[$h]}]:-}
        [ -n "$pid" ] || vb_fail "no vendorband for host $h"
        kill -HUP "$pid"
done
vb_dpkg_install "${root[11]}" "$kesl_deb" >/dev/null
vb_wait_for -t 30 every_live_host_reloaded || vb_fail "only $(hosts_with VENDORBAN_REASON=reload) hosts wrote a reload summary"
vb_wait_for -t 30 host_has 11 '.VENDORBAN_COMPLIANT == "no"' || vb_fail "host 11 did not see kesl"
vb_wait_for -t 30 later_than $((killed_at + 20)) || vb_fail "the clock does not move"

step "collector back on the same port and file: every summary of every host arrives, none lost"
collector_start 2
vb_wait_for -t 60 all_local_in_collector ||
        vb_fail "summaries lost: $(comm -23 "$VB_TMP/local.tsv" "$VB_TMP/collected.tsv" | head)"

step "fleet report with a cursor file (first half)"
now_s=$(local_summaries | awk -F'\t' '{ if ($3 > m) m = $3 } END { printf "%d", m / 1000000 + 1 }')
stale_s=$((now_s - last09 / 1000000 - 1))
opts=(--journal-dir "$col" --now "@$now_s" --stale-after "${stale_s}s" --json)
"$VB_CTL" fleet report "${opts[@]}" --cursor-file "$VB_TMP/cursor" >/dev/null || true
[ -s "$VB_TMP/cursor" ] || vb_fail "no cursor file written"

step "host 04's whole journal uploaded again (every entry a duplicate)"
vb_run /lib/systemd/systemd-journal-upload --url="http://127.0.0.1:$port" -D "$(host_journal 04)" --follow=no
vb_expect_rc 0

step "a forged POST in host 03's name: compliant, newest, with a made-up signature"
sig=$(printf 'ab%.0s' $(seq 64))
pub=$(host_summaries_json 03 | jq -r '.[-1].VENDORBAN_PUBKEY')
digest=$(host_summaries_json 03 | jq -r '.[-1].VENDORBAN_POLICY_DIGEST')
forged_t=$(( $(date +%s) * 1000000 ))
{
        printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n' "$forged_t" 999 "$(tr -d '-' </proc/sys/kernel/random/uuid)"
        printf '_MACHINE_ID=%s\n_HOSTNAME=host-03\nMESSAGE_ID=%s\nMESSAGE=forged\n' "${mid[03]}" "$VB_MID_SUMMARY"
        printf 'VENDORBAN_MACHINE=%s\nVENDORBAN_HOST=host-03\nVENDORBAN_SUMMARY_TIME=%s\n' "${mid[03]}" "$forged_t"
        printf 'VENDORBAN_REASON=scan\nVENDORBAN_COMPLIANT=yes\nVENDORBAN_BLOCKED=0\nVENDORBAN_FLAGGED=0\n'
        printf 'VENDORBAN_BANS=kaspersky blocked=0 flagged=0 version=000000000000\nVENDORBAN_POLICY_DIGEST=%s\n' "$digest"
        printf 'VENDORBAN_MODE=audit\nVENDORBAN_RELEASE=0.1.0\nVENDORBAN_LAST_SCAN=%s\n' "$forged_t"
        printf 'VENDORBAN_PUBKEY=%s\nVENDORBAN_SIGNATURE=%s\n\n' "$pub" "$sig"
} >"$VB_TMP/forged.export"
vb_run curl -sS --fail -X POST -H 'Content-Type: application/vnd.fdo.journal' \
        --data-binary @"$VB_TMP/forged.export" "http://127.0.0.1:$port/upload"
vb_expect_rc 0
vb_wait_for -t 10 sh -c "journalctl -D '$col' MESSAGE=forged -o cat | grep -q forged" ||
        vb_fail "the forged entry did not reach the collector"

step "fleet report: exactly the expected rows"
local_summaries | sort -u >"$VB_TMP/local.tsv"
distinct=$(wc -l <"$VB_TMP/local.tsv")
# Every entry of every file (journalctl -D would hide duplicates that sit
# in two files, as the collector's restart makes them).
raw=$(for f in "$col"/*.journal*; do journalctl --file "$f" -o json MESSAGE_ID=$VB_MID_SUMMARY; done | wc -l)
[ "$raw" -gt $((distinct + 1)) ] || vb_fail "no duplicates in the collector ($raw entries, $distinct distinct + 1 forged)"
# The expected report, from the hosts' own journals.
for h in "${hosts[@]}"; do
        host_summaries_json "$h" | jq -c --arg h "$h" '.[] | {h: $h, m: .VENDORBAN_MACHINE, host: ._HOSTNAME,
                t: (.VENDORBAN_SUMMARY_TIME | tonumber), k: .VENDORBAN_PUBKEY, c: .VENDORBAN_COMPLIANT,
                b: .VENDORBAN_BLOCKED, f: .VENDORBAN_FLAGGED, d: .VENDORBAN_POLICY_DIGEST}'
done | jq -s '
        group_by(.m) | map(sort_by(.t) as $s | {
                machine_id: .[0].m,
                hostnames: (map(.host) | unique),
                hs: (map(.h) | unique),
                newest: ([$s[] | select(.k == $s[0].k)] | .[-1])})' >"$VB_TMP/expected-raw.json"
vb_run "$VB_CTL" fleet report "${opts[@]}"
vb_expect_rc 1
cp "$VB_OUT" "$VB_TMP/report.json"
vb_jq_assert "$VB_TMP/report.json" '.hosts | length == 19' "not 19 rows (20 hosts, two of them one clone)"
bad=$(jq -c --slurpfile exp "$VB_TMP/expected-raw.json" '
        ($exp[0] | map({key: .machine_id, value: .}) | from_entries) as $e
        | [.hosts[] | . as $r | $e[$r.machine_id] as $x
                | select(($x != null and $r.hostnames == $x.hostnames
                and $r.compliant == ($x.newest.c == "yes")
                and $r.blocked == ($x.newest.b | tonumber)
                and $r.flagged == ($x.newest.f | tonumber)
                and $r.policy_digest == $x.newest.d and $r.mode == "audit"
                and ($r.last_summary[:19]) == (($x.newest.t / 1000000 | floor | todate)[:19])
                and $r.stale == ($x.hs == ["09"])
                and $r.cloned == ($x.hs == ["19", "20"])
                and $r.old_policy == ($x.hs == ["05"] or $x.hs == ["09"])
                and $r.signature == (if $x.hs == ["03"] then "unverified"
                                     elif $x.hs == ["19", "20"] then "changed" else "verified" end)) | not)
                | {report: $r, expected: $x}]' "$VB_TMP/report.json")
[ "$bad" = "[]" ] || vb_fail "rows differ from the hosts' own journals: $bad"
vb_jq_assert "$VB_TMP/report.json" '[.hosts[] | select(.compliant == false) | .hostnames[0]] | sort
        == ["host-02", "host-03", "host-07", "host-11", "host-13"]' "the non-compliant hosts are not 02 03 07 11 13"
vb_jq_assert "$VB_TMP/report.json" '.totals | .hosts == 19 and .compliant == 14 and .not_compliant == 5
        and .stale == 1 and .cloned == 1 and .old_policy == 2 and .unverified == 1 and .changed == 1
        and .summaries == $d + 1 and .duplicates == $raw - $d - 1' \
        "totals are wrong (summaries must be the $distinct distinct + 1 forged)" \
        --argjson d "$distinct" --argjson raw "$raw"

step "the report resumed from the cursor file is the same"
vb_run "$VB_CTL" fleet report "${opts[@]}" --cursor-file "$VB_TMP/cursor"
vb_expect_rc 1
jq -S . "$VB_OUT" >"$VB_TMP/resumed.json"
jq -S . "$VB_TMP/report.json" >"$VB_TMP/whole.json"
diff -u "$VB_TMP/whole.json" "$VB_TMP/resumed.json" >&2 || vb_fail "the resumed report differs"

step "CSV: a header and one line per row"
vb_run "$VB_CTL" fleet report "${opts[@]/--json/--csv}"
vb_expect_rc 1
[ "$(wc -l <"$VB_OUT")" -eq 20 ] || vb_fail "CSV has $(wc -l <"$VB_OUT") lines, not 20"
head -1 "$VB_OUT" | grep -q '^machine_id,hostnames,last_summary,compliant,' || vb_fail "CSV header"
vb_step "all checks passed"
