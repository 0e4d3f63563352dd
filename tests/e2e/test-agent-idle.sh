# The agent idle costs next to nothing, and the journal wakes it (docs/agent.md,
# "The journal"): an agent with the journal schedule on (a journal directory of
# the test's, empty, read once at the start), its self-protection watching, a
# heartbeat every hour, runs 10 s: its utime + stime from /proc/PID/stat grow by
# at most 5 clock ticks (50 ms at 100 Hz; measured: 0). Then a journal file
# appears in the directory: the journal's descriptor, in the poll loop, makes
# the journal schedule run within seconds, not at its hourly fallback. About
# 12 s of wall time, well under 1 s of CPU; make check and make soak alike.
source "$(dirname "$0")/journal-lib.sh"

mkdir -p "$T/journal"
journal_file reboots boots
S=$T/state
"$DW" agent --state-dir "$S" --output "file:$T/out.jsonl" --schedule all=off --schedule journal=1h/0 \
        --journal-directory "$T/journal" --heartbeat 1h 2>"$T/agent.err" &
pid=$!
reap_on_death "$pid"
cleanup_hooks+=("kill -9 $pid 2>/dev/null")

runs() { sqlite3 "$S/agent.db" "SELECT last_run FROM agent_schedules WHERE capability = 'journal'" 2>/dev/null; }
for _ in $(seq 1 100); do
        [ -n "$(runs)" ] && break
        sleep 0.05
done
first=$(runs)
[ -n "$first" ] || { cat "$T/agent.err"; fail "the journal schedule did not run at the start"; }
sleep 1
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
before=$(cpu)
sleep 10
after=$(cpu)
ticks=$((after - before))
echo "idle: $ticks clock ticks of CPU in 10 s"
[ "$ticks" -le 5 ] || fail "the idle agent used $ticks clock ticks of CPU in 10 s (bound: 5)"
[ "$(runs)" = "$first" ] || fail "the journal schedule ran again with nothing new"

mv "$T/boots.journal" "$T/journal/boots.journal"
for _ in $(seq 1 200); do
        [ "$(runs)" != "$first" ] && break
        sleep 0.05
done
[ "$(runs)" != "$first" ] || { cat "$T/agent.err"; fail "a new journal file did not wake the journal schedule"; }
for _ in $(seq 1 100); do
        jq -e -s 'any(.[]; .event.dataset == "driftwatch.journal" and .rule.id != "DW-RUN-SUMMARY")' "$T/out.jsonl" \
                >/dev/null 2>&1 && break
        sleep 0.05
done
jq -e -s 'any(.[]; .rule.id == "DW-JRN-REBOOT")' "$T/out.jsonl" >/dev/null ||
        { cat "$T/agent.err"; fail "the journal's new entries were not read"; }
kill -TERM "$pid"
wait "$pid" || { cat "$T/agent.err"; fail "the agent did not end cleanly"; }
echo PASS
