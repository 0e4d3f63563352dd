#!/usr/bin/env bash
# Start-up cost: CPU time of `driftwatch --version` against `ostree --version`
# and `aide --version` in the same run, the smallest program's start-up (a
# C program that returns at once, linked against libc alone) as the floor.
# Each command runs N times (default 300) in one loop under GNU time; the CPU
# of the loop itself (bash forking) is measured the same way and taken off.
#   bench/startup.sh [--runs N] [BUILD_DIR]
set -euo pipefail
name=startup
runs=300
build=build
while [ $# -gt 0 ]; do
        case $1 in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        -h | --help) sed -n '2,7p' "$0"; exit 0 ;;
        *) build=$1; shift ;;
        esac
done
cd "$(dirname "$0")/.."
source bench/lib.sh
require_gnu_time
[ -x "$build/driftwatch" ] || die "no $build/driftwatch: run 'make build' first"
command -v ostree >/dev/null || die "ostree is missing (scripts/deps.sh)"
command -v aide >/dev/null || die "aide is missing (scripts/deps.sh)"
tmp=$(mktemp -d /tmp/dw-bench-startup.XXXXXX)
trap 'rm -rf "${tmp:?}"' EXIT
printf 'int main(void) { return 0; }\n' >"$tmp/floor.c"
cc -O2 -o "$tmp/floor" "$tmp/floor.c" || die "cannot build the floor program"

# cpu_ms CMD...: CPU milliseconds (user + system) per run of CMD.
cpu_ms() {
        local s
        s=$(/usr/bin/time -f '%U %S' bash -c 'for ((i = 0; i < $0; i++)); do "${@}" >/dev/null 2>&1; done' \
                "$runs" "$@" 2>&1 >/dev/null | tail -1)
        awk -v s="$s" -v n="$runs" 'BEGIN { split(s, a, " "); printf "%.3f", (a[1] + a[2]) * 1000 / n }'
}

loop=$(cpu_ms true)     # the bash builtin: the loop's own cost
declare -A ms
for key in floor driftwatch ostree aide; do
        case $key in
        floor) cmd=("$tmp/floor") ;;
        driftwatch) cmd=("$build/driftwatch" --version) ;;
        ostree) cmd=(ostree --version) ;;
        aide) cmd=(aide --version) ;;
        esac
        ms[$key]=$(awk -v a="$(cpu_ms "${cmd[@]}")" -v b="$loop" 'BEGIN { printf "%.2f", a - b }')
done
echo "start-up CPU per run ($runs runs each, loop cost $loop ms taken off):"
for key in floor driftwatch ostree aide; do
        printf '  %-22s %6.2f ms\n' "$key" "${ms[$key]}"
done
awk -v d="${ms[driftwatch]}" -v o="${ms[ostree]}" -v a="${ms[aide]}" -v f="${ms[floor]}" 'BEGIN {
        printf "driftwatch --version: %.1fx less CPU than ostree --version, %.1fx less than aide --version, %.1fx the floor\n",
               o / d, a / d, d / f }'
