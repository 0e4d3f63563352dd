#!/usr/bin/env bash
# Runs each libFuzzer harness of a -DDW_FUZZ=ON build (BUILD/tests/fuzz-NAME,
# listed in tests/CMakeLists.txt) for FUZZ_SECONDS, one after another, and
# reports per harness the executions, exec/s and coverage libFuzzer reached,
# then a summary table. Corpora grow in BUILD/corpus-NAME (seeded from
# tests/fuzz/corpus/NAME), logs go to BUILD/fuzz-NAME.log and crashers to
# BUILD/artifacts-NAME/. Exit 1 when any harness crashed, leaked, ran out of
# memory or took longer than FUZZ_TIMEOUT seconds on one input.
#
# usage: scripts/fuzz.sh BUILD [NAME...]     (`make fuzz` runs it)
set -uo pipefail

build=${1:?usage: scripts/fuzz.sh BUILD [NAME...]}
shift
seconds=${FUZZ_SECONDS:-60}
timeout=${FUZZ_TIMEOUT:-10}
src=$(cd "$(dirname "$0")/.." && pwd)
bar=10000000                    # runs each harness needs without a crash before a release

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
        for bin in "$build"/tests/fuzz-*; do
                case $bin in *-regress) continue ;; esac
                [ -x "$bin" ] && names+=("${bin##*/fuzz-}")
        done
fi
if [ ${#names[@]} -eq 0 ]; then
        echo "fuzz.sh: no libFuzzer harnesses in '$build/tests' (configure with -DDW_FUZZ=ON)" >&2
        exit 2
fi

# stat NAME LOG: libFuzzer's final "stat::NAME: VALUE" line (-print_final_stats=1).
stat() {
        sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}

# status_field FIELD LINE: the number after "FIELD: " in a libFuzzer status line.
status_field() {
        sed -n "s/.* $1: \([0-9]*\).*/\1/p" <<<"$2"
}

rows=()
failed=0
for name in "${names[@]}"; do
        bin=$build/tests/fuzz-$name
        log=$build/fuzz-$name.log
        corpus=$build/corpus-$name
        artifacts=$build/artifacts-$name/
        if [ ! -x "$bin" ]; then
                echo "fuzz.sh: no harness '$bin'" >&2
                exit 2
        fi
        mkdir -p "$corpus" "$artifacts"
        seeds=()
        [ -d "$src/tests/fuzz/corpus/$name" ] && seeds+=("$src/tests/fuzz/corpus/$name")
        # The rules harness starts from the real detection content.
        [ "$name" = rules ] && cp -n "$src/rules/default.yaml" "$corpus/default.yaml"
        before=$(find "$artifacts" -type f | sort)

        "$bin" -max_total_time="$seconds" -timeout="$timeout" -print_final_stats=1 \
                -artifact_prefix="$artifacts" "$corpus" "${seeds[@]}" >"$log" 2>&1
        rc=$?

        runs=$(stat number_of_executed_units "$log")
        eps=$(stat average_exec_per_sec "$log")
        inited=$(grep -E '^#[0-9]+[[:space:]]+INITED' "$log" | tail -n 1)
        last=$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$log" | tail -n 1)
        cov0=$(status_field cov "$inited")
        cov=$(status_field cov "$last")
        ft=$(status_field ft "$last")
        files=$(find "$corpus" -type f | wc -l)
        # What this run left: crash-*, leak-*, timeout-*, oom-* (slow units are only noted).
        new=$(comm -13 <(echo "$before") <(find "$artifacts" -type f | sort) | grep -v '/slow-unit-' | head -n 1)
        if [ "$rc" -eq 0 ] && [ -z "$new" ]; then
                result=clean
        else
                result="FAILED (exit $rc${new:+, $new}; see $log)"
                failed=1
        fi
        printf 'fuzz-%s: %s runs, %s exec/s, coverage %s -> %s edges, %s features, corpus %s files: %s\n' \
                "$name" "${runs:-?}" "${eps:-?}" "${cov0:-?}" "${cov:-?}" "${ft:-?}" "$files" "$result"
        rows+=("$name|${runs:-?}|${eps:-?}|${cov0:-?} -> ${cov:-?}|${ft:-?}|$files|$result")
done

echo
printf '%-14s %12s %8s %14s %9s %7s  %s\n' harness runs exec/s coverage features corpus result
for row in "${rows[@]}"; do
        IFS='|' read -r name runs eps cov ft files result <<<"$row"
        printf '%-14s %12s %8s %14s %9s %7s  %s\n' "$name" "$runs" "$eps" "$cov" "$ft" "$files" "$result"
done
echo
echo "$seconds s per harness; the release bar is $bar runs per harness without a crash" \
        "(FUZZ_SECONDS >= $bar / exec/s)."
exit "$failed"
