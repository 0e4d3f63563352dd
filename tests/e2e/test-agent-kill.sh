# kill -9 of the agent while the audit stream flows into it, then a start
# again with the stream sent again from its beginning (as auditd's dispatcher
# may resend): compared with what the analysis produces (the reference run),
# nothing is missing at the receiver (a real rsyslog), duplicates are only of
# the same findings, and the spool is empty at the end. Each kill lands at
# another moment: while events are read, analysed, spooled or sent.
# Findings are compared by rule, audit event and path: a restarted agent
# knows less of the ancestry of processes it did not see start, so the same
# finding's line (and its id until every finding carries a stable event.id)
# can differ. Scale: 5 kills over 2,000 findings; DW_SOAK=1: 20 kills over
# 50,000 (AGENT_KILLS, AGENT_FINDINGS override).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-rsyslog.sh"
source "$(dirname "$0")/agent-lib.sh"

need_rsyslog
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
if [ "${DW_SOAK:-}" = 1 ]; then N=${AGENT_FINDINGS:-50000}; KILLS=${AGENT_KILLS:-20}
else N=${AGENT_FINDINGS:-2000}; KILLS=${AGENT_KILLS:-5}; fi

port=$(free_port)
rsyslog_conf_tcp "$port" "$T/received" >"$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf"
agent_audit_log "$N" "$T/audit.log"
agent_reference "$T/audit.log" "$T/reference.jsonl"

# feed FILE: the log at about 5,000 lines a second, in chunks.
feed() {
        python3 -c '
import sys, time
lines = open(sys.argv[1], "rb").readlines()
out = sys.stdout.buffer
try:
        for i in range(0, len(lines), 50):
                out.write(b"".join(lines[i:i + 50]))
                out.flush()
                time.sleep(0.01)
except BrokenPipeError:
        pass
' "$1"
}

start_agent() {
        feed "$T/audit.log" | "$DW" agent --state-dir "$T/state" --output "syslog+tcp://127.0.0.1:$port" \
                --audit-stdin --schedule all=off --heartbeat 0 2>>"$T/agent.err" &
        agent=$!
}

for ((k = 1; k <= KILLS; k++)); do
        start_agent
        # Another moment each time: from 0.1 s into the stream to 1.5 s (most of it).
        sleep "$(awk -v k="$k" -v n="$KILLS" 'BEGIN { srand(k * 7919); printf "%.2f", 0.1 + rand() * 1.4 }')"
        kill -9 "$(pgrep -P "$$" -n -f "driftwatch agent" || echo "$agent")" 2>/dev/null || true
        wait "$agent" 2>/dev/null || true
done
# The last start reads the stream to its end and delivers everything.
feed "$T/audit.log" | "$DW" agent --state-dir "$T/state" --output "syslog+tcp://127.0.0.1:$port" --audit-stdin \
        --schedule all=off --heartbeat 0 2>>"$T/agent.err" || { cat "$T/agent.err"; fail "the last run failed"; }
rsyslog_wait_lines "$T/received" "$N"
agent_messages "$T/received" "$T/got.jsonl"

finding_keys "$T/reference.jsonl" >"$T/want"
finding_keys "$T/got.jsonl" >"$T/got"
missing=$(LC_ALL=C comm -23 "$T/want" <(uniq "$T/got") | wc -l)
extra=$(LC_ALL=C comm -13 "$T/want" <(uniq "$T/got") | wc -l)
dups=$(( $(wc -l <"$T/got") - $(uniq "$T/got" | wc -l) ))
echo "findings $N, kills $KILLS: arrived $(wc -l <"$T/got"), duplicates $dups, missing $missing, unknown $extra"
[ "$missing" -eq 0 ] || { LC_ALL=C comm -23 "$T/want" <(uniq "$T/got") | head -5; fail "$missing findings are missing"; }
[ "$extra" -eq 0 ] || fail "$extra findings arrived that the analysis does not produce"
[ "$(sqlite3 "$T/state/agent.db" 'SELECT count(*) FROM agent_spool')" -eq 0 ] || fail "the spool is not empty"
echo PASS
