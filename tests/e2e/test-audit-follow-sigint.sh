# driftwatch audit --follow --format json stopped by SIGINT at several
# moments always ends with complete lines: every line of its standard output
# parses, the DW-RUN-SUMMARY line is there once and last, it counts the alerts
# written, stderr holds the summary and no error, and the exit status is the
# documented one (1: alerts, 0: none). The moments: in the backlog with a
# reader that reads nothing yet, 0.1 s and 0.4 s in (the write blocked on a
# full pipe when the signal comes: stdio would drop the line it was writing
# and the run end with "Interrupted system call"), in the backlog with a
# reader keeping up, idle at the end of the log, and while another process
# appends to the log. About two CPU seconds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent-lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

LOG=$T/audit.log
agent_audit_log 600 "$LOG"      # 600 findings, some 1 MiB of JSON: more than a pipe holds
pids=()
cleanup_hooks+=('for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done')

# follow NAME READER_DELAY: the follower on $LOG, its stdout through a pipe
# to a reader that starts after READER_DELAY seconds; waits until the
# follower has the log open (its signal handlers are in place by then).
follow() {
        local name=$1 delay=$2 i
        (
                "$DW" audit --follow "$LOG" --format json 2>"$T/$name.err" &
                reap_on_death "$!"
                echo $! >"$T/$name.pid"
                rc=0
                wait $! || rc=$?
                echo "$rc" >"$T/$name.rc"
        ) | (sleep "$delay"; cat >"$T/$name.out") &
        pipeline=$!
        pids+=("$pipeline")
        for ((i = 0; i < 500; i++)); do
                if [ -s "$T/$name.pid" ]; then
                        ls -l "/proc/$(cat "$T/$name.pid")/fd" 2>/dev/null | grep -qF "$LOG" && return 0
                fi
                sleep 0.01
        done
        fail "$name: the follower did not open $LOG"
}

# stop NAME: SIGINT, then the checks once the reader has everything.
stop() {
        local name=$1 rc lines verdict
        kill -INT "$(cat "$T/$name.pid")"
        wait "$pipeline"
        rc=$(cat "$T/$name.rc")
        lines=$T/$name.out
        [ -s "$lines" ] || fail "$name: no output"
        [ -z "$(tail -c 1 "$lines")" ] || fail "$name: the last line is cut"
        # one jq for it all: -s fails on a line that does not parse
        verdict=$(jq -s -r --argjson rc "$rc" --argjson n "$(wc -l <"$lines")" '
                [.[] | select(.event.kind == "alert")] as $alerts
                | [.[] | select(.rule.id == "DW-RUN-SUMMARY")] as $sum
                | if length != $n then "not one JSON object per line"
                  elif ($sum | length) != 1 then "\($sum | length) run summaries"
                  elif .[-1].rule.id != "DW-RUN-SUMMARY" then "the summary is not last"
                  elif .[-1].driftwatch.run.alerts != ($alerts | length) or .[-1].driftwatch.run.exit_status != $rc
                  then "the summary says \(.[-1].driftwatch.run | tojson) for \($alerts | length) alerts, exit \($rc)"
                  elif $rc != (if ($alerts | length) > 0 then 1 else 0 end)
                  then "exit \($rc) with \($alerts | length) alerts"
                  else "ok \($alerts | length)" end' "$lines" 2>&1) || verdict="a line does not parse: $verdict"
        case $verdict in ok*) ;; *) fail "$name: $verdict: $(cat "$T/$name.err")" ;; esac
        ! grep -q '^driftwatch:' "$T/$name.err" || fail "$name: an error: $(cat "$T/$name.err")"
        grep -q '^audit: ' "$T/$name.err" || fail "$name: no summary on stderr: $(cat "$T/$name.err")"
        echo "$name: exit $rc, ${verdict#ok } alerts" >&2
}

# the backlog, the reader not reading yet: the write blocks on the full pipe
for k in 1 2; do
        follow "blocked$k" 1
        sleep "0.$((k * 3 - 2))"
        stop "blocked$k"
done

# the backlog, a reader keeping up
follow reading 0
stop reading

# idle at the end of the log
follow idle 0
for ((i = 0; i < 200; i++)); do
        [ "$(wc -l <"$T/idle.out")" -ge 600 ] && break
        sleep 0.05
done
stop idle

# while the log grows: another process appends write events
(
        AUDIT_SERIAL=100000 AUDIT_TIME=1700100000
        source "$(dirname "$0")/audit-gen.sh"
        for ((i = 1; i <= 400; i++)); do
                gen_write 1002 1001 1000 3 /usr/bin/cp cp "/usr/local/bin/more$i"
        done
) >"$T/more.log"
follow growing 0
split -n l/8 "$T/more.log" "$T/more."
for part in "$T"/more.a?; do
        cat "$part" >>"$LOG"
        sleep 0.02
done
stop growing
echo PASS
