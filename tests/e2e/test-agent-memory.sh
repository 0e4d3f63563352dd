# The agent's memory stays flat while the audit stream flows: its RSS after
# the second half of a stream is within 4 MiB of its RSS after the first,
# and under the issue's 32 MiB; the agent's and its audit child's, summed
# (the pages they share counted twice). Measured on the release binary ($DW_RELEASE)
# when the suite runs a sanitizer build. Small: 2 x 2,000 findings; DW_SOAK=1:
# 2 x 50,000.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent-lib.sh"

# (WAIT_S: how long a half may take to arrive, on a loaded machine too.)
if [ "${DW_SOAK:-}" = 1 ]; then HALF=50000 WAIT_S=300; else HALF=2000 WAIT_S=30; fi
agent_audit_log $((2 * HALF)) "$T/audit.log"
lines=$(wc -l <"$T/audit.log")

# The agent's RSS and its audit child's (the analytics run there), summed.
rss() {
        local p sum=0
        for p in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
                sum=$((sum + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")))
        done
        echo "$sum"
}
wait_findings() {
        local end=$((SECONDS + WAIT_S)) n
        while :; do
                # (the file output rotates at 100 MiB: out.jsonl.1 at soak scale)
                n=$(cat "$T"/out.jsonl* 2>/dev/null | grep -c '"dataset":"driftwatch.audit' || true)
                [ "${n:-0}" -lt "$1" ] || return 0
                [ "$SECONDS" -lt "$end" ] || fail "the agent delivered ${n:-0} of $1 findings in $WAIT_S s"
                sleep 0.1
        done
}

mkfifo "$T/feed"
"$DW_RELEASE" agent --state-dir "$T/state" --output "file:$T/out.jsonl" --audit-stdin --schedule all=off \
        --heartbeat 0 <"$T/feed" &
agent=$!
reap_on_death "$agent"
cleanup_hooks+=("kill -9 $agent 2>/dev/null")
exec 7>"$T/feed"
head -n $((lines / 2)) "$T/audit.log" >&7
wait_findings $((HALF - 100))
first=$(rss "$agent")
tail -n +$((lines / 2 + 1)) "$T/audit.log" >&7
wait_findings $((2 * HALF - 100))
second=$(rss "$agent")
exec 7>&-
wait "$agent" || fail "the agent failed"
echo "RSS after $HALF findings: $first KiB; after $((2 * HALF)): $second KiB"
[ $((second - first)) -le 4096 ] || fail "RSS grew by $((second - first)) KiB over the second half"
[ "$second" -le 32768 ] || fail "RSS $second KiB is past 32 MiB"
echo PASS
