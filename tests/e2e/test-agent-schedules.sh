# The agent's schedules survive a restart: a --once run runs what is due
# (mounts, the capability `driftwatch mounts` calls, on this host: read only,
# its snapshot in the test's state directory) and records its next run in the
# state database; a second run at once finds nothing due; a run after the
# next run's time runs it again. A bad schedule is a usage error. A short
# interval reruns the schedule while the agent runs, a second agent on the
# same state directory is refused, SIGTERM ends the first cleanly.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
[ -r /proc/self/mountinfo ] || skip "no /proc/self/mountinfo"

S=$T/state
agent() { "$DW" agent --state-dir "$S" --output "file:$T/out.jsonl" --schedule all=off "$@"; }
count() { jq -r --arg r "$1" 'select(.rule.id == $r) | .rule.id' "$T/out.jsonl" | wc -l; }

run 0 agent --schedule mounts=1h/0 --once
[ "$(count DW-MNT-SNAPSHOT)" -eq 1 ] || fail "the first run did not run the mounts schedule"
read -r last next status < <(sqlite3 -separator ' ' "$S/agent.db" \
        "SELECT last_run, next_run, last_status FROM agent_schedules WHERE capability = 'mounts'")
[ "$status" = ok ] || fail "mounts' last status is '$status'"
[ $((next - last)) -eq 3600 ] || fail "mounts' next run is $((next - last)) s after its last, expected 3600"
jq -e -s 'any(.[]; .rule.id == "DW-AGENT-HEARTBEAT" and .driftwatch.agent.schedules.mounts.last_status == "ok")' \
        "$T/out.jsonl" >/dev/null || fail "the heartbeat does not tell the mounts schedule's last run"

run 0 agent --schedule mounts=1h/0 --once
[ "$(count DW-MNT-SNAPSHOT)" -eq 1 ] || fail "a run before the next run's time ran the schedule again"

sqlite3 "$S/agent.db" "UPDATE agent_schedules SET next_run = $((last - 10)) WHERE capability = 'mounts'"
run 0 agent --schedule mounts=1h/0 --once
[ "$(count DW-MNT-SNAPSHOT)" -eq 2 ] || fail "a run past the next run's time did not run the schedule"

# Running: a 1 s interval runs it again and again; SIGTERM ends the agent with 0.
"$DW" agent --state-dir "$S" --output "file:$T/out.jsonl" --schedule all=off --schedule mounts=1s/0 --heartbeat 0 \
        2>"$T/agent.err" &
pid=$!
reap_on_death "$pid"
cleanup_hooks+=("kill -9 $pid 2>/dev/null")
for _ in $(seq 1 100); do
        [ "$(count DW-MNT-SNAPSHOT)" -ge 4 ] && break
        sleep 0.05
done
# One agent per state directory.
run 2 agent --once
expect_one_error_line "state directory '$S' is in use by another agent"
kill -TERM "$pid"
wait "$pid" || { cat "$T/agent.err"; fail "the agent did not end cleanly on SIGTERM"; }
[ "$(count DW-MNT-SNAPSHOT)" -ge 4 ] || fail "the 1 s schedule did not run again"

run 2 agent --schedule mounts=often --once
expect_one_error_line "mounts=often"
run 2 agent --schedule nothing=5m --once
expect_one_error_line "nothing=5m"
run 2 "$DW" agent --state-dir "$S" --output "ftp://example.com" --once
expect_one_error_line "ftp://example.com"
echo PASS
