# Shared by the benchmark scripts: timing under GNU time, medians, ratios.
# The sourcing script sets: name (for messages), runs, tmp (scratch directory).

note() {
        echo "$*" >&2
}

die() {
        echo "$name: $*" >&2
        exit 2
}

require_gnu_time() {
        # GNU time: the only portable way to get a child's peak RSS (%M, KiB).
        [ -x /usr/bin/time ] || die "/usr/bin/time is missing: install the 'time' package (scripts/deps.sh)"
        /usr/bin/time --version 2>&1 | grep -q 'GNU' ||
                die "/usr/bin/time is not GNU time: install the 'time' package (scripts/deps.sh)"
}

declare -A median_s peak_mib

# measure KEY OK_EXIT_CODES STDOUT CMD...
# Runs CMD $runs times under GNU time, its stdout to STDOUT and its stderr to
# $tmp/KEY.err; an exit code outside the comma-separated OK_EXIT_CODES aborts the
# benchmark (after a function explain_KEY, if defined, has said what the code means).
# A function prepare_KEY, if defined, runs (untimed) before every run.
# Records the median wall time in median_s[KEY] and the largest peak RSS in peak_mib[KEY].
# Wall time comes from bash's microsecond clock (GNU time's %e has 10 ms steps),
# peak RSS from GNU time's %M.
measure() {
        local key=$1 ok=$2 out=$3 i rc t0 t1 secs kib
        shift 3
        local -a all_secs=() all_kib=()

        for ((i = 1; i <= runs; i++)); do
                if declare -F "prepare_$key" >/dev/null; then
                        "prepare_$key"
                fi
                rc=0
                t0=$EPOCHREALTIME
                /usr/bin/time -f '%M' -o "$tmp/time" "$@" >"$out" 2>"$tmp/$key.err" || rc=$?
                t1=$EPOCHREALTIME
                if [[ ,$ok, != *,$rc,* ]]; then
                        note "$name: '$*' exited with status $rc; its last output:"
                        tail -n 20 "$tmp/$key.err" >&2
                        [ "$out" = /dev/null ] || tail -n 20 "$out" >&2
                        if declare -F "explain_$key" >/dev/null; then
                                "explain_$key" "$rc"
                        fi
                        die "$key failed"
                fi
                # GNU time puts "Command exited with non-zero status N" before the format line.
                kib=$(tail -n 1 "$tmp/time")
                secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
                all_secs+=("$secs")
                all_kib+=("$kib")
                note "  $key: run $i/$runs: $secs s, $((kib / 1024)) MiB"
        done
        median_s[$key]=$(printf '%s\n' "${all_secs[@]}" | sort -g | awk '
                { v[NR] = $1 }
                END { printf "%.3f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        peak_mib[$key]=$(printf '%s\n' "${all_kib[@]}" | sort -g | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }')
}

row() {
        printf '  %-44s %10s %14s\n' "$1" "${median_s[$2]}" "${peak_mib[$2]}"
}

# goal_verdict VALUE OP GOAL: prints "goal OP GOAL: met" (or "NOT met"); OP is >= or <=.
goal_verdict() {
        awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN {
                ok = (op == ">=") ? v >= g : v <= g
                printf "goal %s %s: %s", op, g, ok ? "met" : "NOT met"
        }'
}

# ratio LABEL NUM DEN [OP GOAL]: prints NUM/DEN (of the median times) and, given a
# goal, whether it satisfies "OP GOAL".
goals_missed=0
ratio() {
        local label=$1 num=${median_s[$2]} den=${median_s[$3]} op=${4:-} goal=${5:-} r='' shown verdict=''
        read -r r shown < <(awk -v n="$num" -v d="$den" 'BEGIN { if (d > 0) printf "%.6f %.2f\n", n / d, n / d }') || true
        if [ -z "$r" ]; then
                printf '  %-46s %s\n' "$label" "n/a (too fast to measure)"
                return
        fi
        if [ -n "$op" ]; then
                verdict=$(goal_verdict "$r" "$op" "$goal")
                [[ $verdict != *"NOT met"* ]] || goals_missed=$((goals_missed + 1))
        fi
        printf '  %-46s %6sx%s\n' "$label" "$shown" "${verdict:+   $verdict}"
}

# judge LABEL VALUE UNIT OP GOAL: prints VALUE with its unit and whether it satisfies
# "OP GOAL".
judge() {
        local verdict

        verdict=$(goal_verdict "$2" "$4" "$5")
        [[ $verdict != *"NOT met"* ]] || goals_missed=$((goals_missed + 1))
        printf '  %-46s %10s %-8s %s\n' "$1" "$2" "$3" "$verdict"
}

# bench_unshare SCRIPT ARGS...: runs SCRIPT with ARGS (bash) in a private mount
# namespace where the host's /etc, /usr and /var are read-only and /run and
# /var/tmp are private tmpfs mounts, with DW_BENCH_NS=1 set; its exit status.
# What the peers write there on their own (podman's run state, skopeo's
# /var/lib/containers/cache) cannot reach the host: skopeo keeps its blob
# info cache in memory when it cannot create that directory.
bench_unshare() {
        DW_BENCH_NS=1 unshare --mount --propagation private -- /bin/bash -c '
                for d in /etc /usr /var; do
                        mount --rbind "$d" "$d" && mount -o remount,bind,ro "$d" || exit 1
                done
                mount -t tmpfs -o mode=0755 dw-bench-run /run &&
                        mount -t tmpfs -o mode=1777 dw-bench-var-tmp /var/tmp || exit 1
                exec /bin/bash "$@"' bash "$@"
}
