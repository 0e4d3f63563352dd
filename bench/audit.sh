#!/usr/bin/env bash
# bench/audit.sh: `driftwatch audit` against `ausearch --format raw` and `ausearch -i`
# on the same large audit log, every tool pinned to one CPU, with a warm page cache.
#
#   bench/audit.sh [--sizes MIB[,MIB...]] [--runs N] [--interpret-runs N] [--interpret-max MIB]
#                  [--rate N] [--cpu N] [--shared DIR] [--driftwatch PATH]
#
# The log is the real records of DIR/corpus (default: the repository's ../shared)
# replicated with shifted timestamps and serials (bench/audit-log.py), one log per
# size (default 100,1024 MiB) in a scratch directory removed at the end. Prints
# MiB/s, events/s, peak RSS and ratios per size, then driftwatch's peak RSS across
# sizes. See bench/README.md.
set -euo pipefail

name=audit.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/bench/lib.sh"
sizes=100,1024
runs=3
interpret_runs=1        # ausearch -i is two orders of magnitude slower: one run is minutes
interpret_max=128       # ... and on logs up to this many MiB only (1 GiB takes it ~17 minutes)
rate=100                # events per second of log time (see "The event rate" in bench/README.md)
cpu=0
shared=$repo/../shared
driftwatch=$repo/build/driftwatch
goal_mibs=250           # driftwatch audit, one core, default rules
goal_events=250000      # ... events per second (docs: DESIGN.md performance goals)
goal_vs_raw=2           # ausearch --format raw / driftwatch audit
goal_flat=1.1           # driftwatch peak RSS, largest log / smallest log

usage() {
        sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit "${1:-0}"
}

while [ $# -gt 0 ]; do
        case $1 in
        --sizes)          sizes=${2:?--sizes needs a list of MiB}; shift 2 ;;
        --runs)           runs=${2:?--runs needs a number}; shift 2 ;;
        --interpret-runs) interpret_runs=${2:?--interpret-runs needs a number}; shift 2 ;;
        --interpret-max)  interpret_max=${2:?--interpret-max needs MiB}; shift 2 ;;
        --rate)           rate=${2:?--rate needs events per second}; shift 2 ;;
        --cpu)            cpu=${2:?--cpu needs a CPU number}; shift 2 ;;
        --shared)         shared=${2:?--shared needs a directory}; shift 2 ;;
        --driftwatch)     driftwatch=${2:?--driftwatch needs a path}; shift 2 ;;
        -h|--help)        usage 0 ;;
        *)                echo "audit.sh: unknown argument '$1'" >&2; usage 2 ;;
        esac
done

[[ $sizes =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--sizes takes MiB numbers separated by commas"
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"
[[ $interpret_runs =~ ^[0-9]+$ ]] || die "--interpret-runs takes a number (0: no ausearch -i)"
[[ $interpret_max =~ ^[0-9]+$ ]] || die "--interpret-max takes MiB"
[[ $rate =~ ^[1-9][0-9]*$ ]] || die "--rate takes a positive number of events per second"
[[ $cpu =~ ^[0-9]+$ ]] || die "--cpu takes a CPU number"
IFS=, read -r -a size_list <<<"$sizes"

# --- Tools ------------------------------------------------------------------------

require_gnu_time
command -v ausearch >/dev/null || die "ausearch is missing: install the 'auditd' package (scripts/deps.sh)"
command -v taskset >/dev/null || die "taskset is missing: install the 'util-linux' package"
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 is missing: install the 'python3' package (scripts/deps.sh)"
[ -x "$driftwatch" ] || die "driftwatch binary '$driftwatch' not found: build it first or pass --driftwatch PATH"
driftwatch=$(realpath "$driftwatch")
corpus=$shared/corpus
[ -d "$corpus" ] || die "no corpus directory '$corpus': pass the shared directory with --shared DIR"
taskset -c "$cpu" true 2>/dev/null || die "cannot pin to CPU $cpu (taskset -c $cpu)"
ausearch_version=$(ausearch --version 2>&1 | sed -n 's/^ausearch version //p')
[[ $ausearch_version == 3.0.9* ]] ||
        note "audit.sh: warning: expected ausearch 3.0.9, found '${ausearch_version:-unknown}'"

# The default mode writes findings as JSON where the command has --format.
dw_args=(audit)
if "$driftwatch" audit --help 2>/dev/null | grep -q -- '--format'; then
        dw_args+=(--format json)
fi
pin=(taskset -c "$cpu")

# --- Scratch space, removed on any exit ---------------------------------------------

tmp=$(mktemp -d /tmp/dw-audit.XXXXXX)
trap 'rm -rf "${tmp:?}"' EXIT
trap 'exit 130' INT TERM

largest=$(printf '%s\n' "${size_list[@]}" | sort -n | tail -n 1)
avail_mib=$(df --output=avail -B1M "$tmp" | tail -n 1 | tr -d ' ')
[ "$avail_mib" -gt $((largest + largest / 10 + 64)) ] ||
        die "$tmp has $avail_mib MiB free; the $largest MiB log needs more"

# Other work on the machine skews every number: say how busy it was before and after.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- The base log and its sanity checks ---------------------------------------------

# Every real record of the corpus, each event's records together, renumbered from
# the first event (see bench/audit-log.py). Events ausearch cannot parse are left out
# so that every tool reports every event.
note "building the base log from $corpus ..."
/usr/bin/python3 "$repo/bench/audit-log.py" base "$corpus" "$tmp/base.log" "$rate" 2>"$tmp/base.err" ||
        { cat "$tmp/base.err" >&2; die "cannot build the base log"; }
cat "$tmp/base.err" >&2
base_summary=$(sed -n 's/^audit-log.py: base log: //p' "$tmp/base.err")
base_events=$(sed -n 's/^\([0-9]*\) records, \([0-9]*\) events.*/\2/p' <<<"$base_summary")
[ "${base_events:-0}" -gt 0 ] || die "the base log holds no events"

# Untimed: what each tool makes of the base log. ausearch must not skip an event as
# malformed; its event count may still differ, since it ends an event early when the
# first record is of a type it takes for a one-record event (LOGIN before SYSCALL).
dw_base_events=$("$driftwatch" --quiet audit --events "$tmp/base.log" | grep -vc "\"DW-RUN-SUMMARY\"") || true
ausearch --debug --input "$tmp/base.log" </dev/null >"$tmp/base.ausearch" 2>"$tmp/base.ausearch.err" ||
        die "ausearch failed on the base log: $(tail -n 3 "$tmp/base.ausearch.err")"
ausearch_base_events=$(grep -c '^----' "$tmp/base.ausearch" || true)
ausearch_malformed=$(grep -c 'Malformed event skipped' "$tmp/base.ausearch.err" || true)
[ "$dw_base_events" -eq "$base_events" ] ||
        note "audit.sh: warning: driftwatch reports $dw_base_events events in the base log, which holds $base_events"
[ "$ausearch_malformed" -eq 0 ] ||
        note "audit.sh: warning: ausearch skips $ausearch_malformed events of the base log as malformed"

# --- Measuring, one log per size -----------------------------------------------------

declare -A log_bytes log_events dw_events

# ausearch exits 1 when no event matched: with every event wanted, that is a failure.
explain_ausearch() {
        [ "$1" -ne 1 ] || note "audit.sh: ausearch matched no event: is the log readable?"
}

for size in "${size_list[@]}"; do
        log=$tmp/audit-$size.log
        note "writing a $size MiB log ..."
        /usr/bin/python3 "$repo/bench/audit-log.py" replicate "$tmp/base.log" "$log" "$size" "$rate" 2>"$tmp/gen.err" ||
                { cat "$tmp/gen.err" >&2; die "cannot write the $size MiB log"; }
        log_bytes[$size]=$(stat -c %s "$log")
        log_events[$size]=$(sed -n 's/.* records, \([0-9]*\) events, .*/\1/p' "$tmp/gen.err")
        # No writeback of the new log while timing, and every page of it cached.
        sync
        cat "$log" >/dev/null

        note "timing driftwatch ${dw_args[*]} ($size MiB) ..."
        measure "dw_audit_$size" 0,1 /dev/null "${pin[@]}" "$driftwatch" "${dw_args[@]}" "$log"
        note "timing driftwatch audit --events ($size MiB) ..."
        measure "dw_events_$size" 0,1 /dev/null "${pin[@]}" "$driftwatch" audit --events "$log"
        dw_events[$size]=$(sed -n 's/^audit: \([0-9]*\) events from .*/\1/p' "$tmp/dw_events_$size.err" | tail -n 1)
        [ "${dw_events[$size]:-}" = "${log_events[$size]}" ] ||
                note "audit.sh: warning: driftwatch reports ${dw_events[$size]:-?} events, the log holds ${log_events[$size]}"

        eval "explain_ausearch_raw_$size() { explain_ausearch \"\$@\"; }"
        note "timing ausearch --format raw ($size MiB) ..."
        measure "ausearch_raw_$size" 0 /dev/null "${pin[@]}" ausearch --input "$log" --format raw
        if [ "$interpret_runs" -gt 0 ] && [ "$size" -le "$interpret_max" ]; then
                eval "explain_ausearch_i_$size() { explain_ausearch \"\$@\"; }"
                note "timing ausearch -i ($size MiB, $interpret_runs runs) ..."
                runs_saved=$runs
                runs=$interpret_runs
                measure "ausearch_i_$size" 0 /dev/null "${pin[@]}" ausearch --input "$log" -i
                runs=$runs_saved
        fi
        rm -f "${log:?}"
done

# --- Report -------------------------------------------------------------------------

# rate_row LABEL KEY SIZE: median seconds, MiB/s, events/s, peak RSS.
rate_row() {
        local secs=${median_s[$2]:-} bytes=${log_bytes[$3]} events=${log_events[$3]}

        if [ -z "$secs" ]; then
                printf '  %-40s %9s\n' "$1" "(not run)"
                return
        fi
        awk -v l="$1" -v s="$secs" -v b="$bytes" -v e="$events" -v m="${peak_mib[$2]}" 'BEGIN {
                if (s > 0)
                        printf "  %-40s %9.3f %9.1f %11.0f %13s\n", l, s, b / 1048576 / s, e / s, m
                else
                        printf "  %-40s %9.3f %9s %11s %13s\n", l, s, "-", "-", m
        }'
}

mibs() {
        awk -v s="${median_s[$1]}" -v b="$2" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }'
}

per_sec() {
        awk -v s="${median_s[$1]}" -v e="$2" 'BEGIN { printf "%.0f", (s > 0 ? e / s : 0) }'
}

echo
echo "driftwatch audit vs ausearch $ausearch_version, one core (taskset -c $cpu), page cache warm"
echo "  base log: $base_summary"
echo "  base log events: $base_events; driftwatch --events: $dw_base_events;" \
        "ausearch: $ausearch_base_events (no event skipped as malformed: $([ "$ausearch_malformed" -eq 0 ] && echo yes || echo "no, $ausearch_malformed"))"
echo "  log time: $rate events a second; $runs runs each (ausearch -i: $interpret_runs, logs <= $interpret_max MiB), median wall time," \
        "highest peak RSS; $(nproc) CPUs"
echo "  driftwatch default mode: driftwatch ${dw_args[*]} FILE; every output to /dev/null"
echo "  load average before: $load_before"
for size in "${size_list[@]}"; do
        s=$size
        echo
        printf '  %s MiB log: %s bytes, %s events' "$s" "${log_bytes[$s]}" "${log_events[$s]}"
        printf '%s\n' "${dw_events[$s]:+ (driftwatch counts ${dw_events[$s]})}"
        printf '  %-40s %9s %9s %11s %13s\n' "command" "median s" "MiB/s" "events/s" "peak RSS MiB"
        rate_row "driftwatch ${dw_args[*]}" "dw_audit_$s" "$s"
        rate_row "driftwatch audit --events" "dw_events_$s" "$s"
        rate_row "ausearch --format raw" "ausearch_raw_$s" "$s"
        rate_row "ausearch -i" "ausearch_i_$s" "$s"
        echo
        judge "driftwatch audit throughput" "$(mibs "dw_audit_$s" "${log_bytes[$s]}")" MiB/s ">=" "$goal_mibs"
        judge "driftwatch audit events" "$(per_sec "dw_audit_$s" "${log_events[$s]}")" events/s ">=" "$goal_events"
        ratio "ausearch --format raw / driftwatch audit" "ausearch_raw_$s" "dw_audit_$s" ">=" "$goal_vs_raw"
        ratio "ausearch --format raw / driftwatch --events" "ausearch_raw_$s" "dw_events_$s"
        if [ -n "${median_s[ausearch_i_$s]:-}" ]; then
                ratio "ausearch -i / driftwatch audit" "ausearch_i_$s" "dw_audit_$s"
                ratio "ausearch -i / driftwatch --events" "ausearch_i_$s" "dw_events_$s"
        fi
done

# Flat memory: the peak RSS must not grow with the log.
smallest=$(printf '%s\n' "${size_list[@]}" | sort -n | head -n 1)
echo
echo "  peak RSS (MiB) by log size"
printf '  %-40s' "log size"
for size in "${size_list[@]}"; do printf ' %10s' "$size MiB"; done
echo
for tool in dw_audit:"driftwatch ${dw_args[*]}" dw_events:"driftwatch audit --events" \
        ausearch_raw:"ausearch --format raw" ausearch_i:"ausearch -i"; do
        printf '  %-40s' "${tool#*:}"
        for size in "${size_list[@]}"; do printf ' %10s' "${peak_mib[${tool%%:*}_$size]:--}"; done
        echo
done
echo
if [ "$largest" != "$smallest" ]; then
        flat=$(awk -v a="${peak_mib[dw_audit_$largest]}" -v b="${peak_mib[dw_audit_$smallest]}" \
                'BEGIN { printf "%.2f", a / b }')
        judge "driftwatch audit RSS, $largest / $smallest MiB log" "$flat" x "<=" "$goal_flat"
        flat=$(awk -v a="${peak_mib[dw_events_$largest]}" -v b="${peak_mib[dw_events_$smallest]}" \
                'BEGIN { printf "%.2f", a / b }')
        judge "driftwatch --events RSS, $largest / $smallest MiB" "$flat" x "<=" "$goal_flat"
else
        echo "  (the flat-memory goal needs two sizes: --sizes 100,1024)"
fi
echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "  goals missed: $goals_missed"
