#!/usr/bin/env bash
# bench/journal.sh: `driftwatch journal` over a large journal next to
# `journalctl -o export > /dev/null` and `journalctl -o export | grep` for the same
# messages, on the same journal files, in one run, with a warm page cache.
#
#   bench/journal.sh [--sizes MIB[,MIB...]] [--runs N] [--driftwatch PATH]
#
# Each journal (default 100,1024 MiB of export stream) is made by
# tests/e2e/journal-gen.py bulk (ordinary service messages, a deployment, an
# extension merge and an audit event every 10,000 entries) through
# systemd-journal-remote into a scratch directory removed at the end; every tool
# reads the directory (driftwatch also as journalctl's export piped into it; the
# pipeline's peak RSS is journalctl's). Prints seconds and peak RSS per size, the ratios, and
# driftwatch's peak RSS across sizes (goal: faster than journalctl's export, flat
# memory). Generating 1 GiB takes minutes.
set -euo pipefail

name=journal.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/bench/lib.sh"
sizes=100,1024
runs=3
driftwatch=$repo/build/driftwatch
goal_vs_export=1        # journalctl -o export / driftwatch journal
goal_flat=1.5           # driftwatch peak RSS, largest journal / smallest

while [ $# -gt 0 ]; do
        case $1 in
        --sizes)      sizes=${2:?--sizes needs a list of MiB}; shift 2 ;;
        --runs)       runs=${2:?--runs needs a number}; shift 2 ;;
        --driftwatch) driftwatch=${2:?--driftwatch needs a path}; shift 2 ;;
        -h | --help)  sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *)            die "unknown argument '$1' (see --help)" ;;
        esac
done
require_gnu_time
[ -x "$driftwatch" ] || die "no '$driftwatch': run 'make build' first"
command -v journalctl >/dev/null || die "journalctl is missing"
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || remote=/usr/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || die "systemd-journal-remote is missing (scripts/deps.sh check)"
IFS=, read -r -a size_list <<<"$sizes"
declare -A bytes
tmp=$(mktemp -d /tmp/dw-bench-journal.XXXXXX)
trap 'rm -rf "${tmp:?}"' EXIT

for size in "${size_list[@]}"; do
        dir=$tmp/j$size
        mkdir "$dir"
        note "making a journal of $size MiB of export stream in $dir"
        python3 "$repo/tests/e2e/journal-gen.py" bulk "$size" |
                "$remote" --split-mode=none --output="$dir/bench.journal" - 2>"$tmp/remote.err" ||
                die "systemd-journal-remote failed: $(tail -n 3 "$tmp/remote.err")"
        cat "$dir"/*.journal >/dev/null       # warm the page cache
        measure "dw_$size" 0,1 /dev/null "$driftwatch" --quiet journal --directory "$dir"
        measure "pipe_$size" 0,1 /dev/null sh -c 'journalctl --directory "$1" -o export | "$2" --quiet journal' \
                sh "$dir" "$driftwatch"
        measure "export_$size" 0 /dev/null journalctl --directory "$dir" -o export
        # grep's 1 is no line matched (a small journal may have none)
        measure "grep_$size" 0,1 /dev/null sh -c 'journalctl --directory "$1" -o export |
                grep -E "^(MESSAGE_ID=9bddbda177cd44d891b1b561a8a0ce9e|MESSAGE=Merged extensions into )"' sh "$dir"
        bytes[$size]=$(du -cb "$dir"/*.journal | tail -n 1 | cut -f 1)
done

echo "driftwatch journal against journalctl on the same journal files ($runs runs, median):"
for size in "${size_list[@]}"; do
        printf '\n  %s MiB of export stream, %s bytes of journal files\n' "$size" "${bytes[$size]}"
        printf '  %-44s %10s %14s\n' "command" "median s" "peak RSS MiB"
        row "driftwatch journal --directory" "dw_$size"
        row "journalctl -o export | driftwatch journal" "pipe_$size"
        row "journalctl -o export > /dev/null" "export_$size"
        row "journalctl -o export | grep (the same messages)" "grep_$size"
        ratio "journalctl -o export / driftwatch journal" "export_$size" "dw_$size" ">=" "$goal_vs_export"
        ratio "journalctl -o export | grep / driftwatch" "grep_$size" "dw_$size"
done
smallest=$(printf '%s\n' "${size_list[@]}" | sort -n | head -n 1)
largest=$(printf '%s\n' "${size_list[@]}" | sort -n | tail -n 1)
if [ "$smallest" != "$largest" ]; then
        flat=$(awk -v a="${peak_mib[dw_$largest]}" -v b="${peak_mib[dw_$smallest]}" 'BEGIN { printf "%.2f", a / b }')
        echo
        judge "driftwatch peak RSS, $largest MiB / $smallest MiB" "$flat" "x" "<=" "$goal_flat"
        note "  (peak RSS counts the journal pages a process maps: journalctl keeps its mmap windows; driftwatch drops its pages every 32 MiB read)"
fi
exit $((goals_missed > 0))
