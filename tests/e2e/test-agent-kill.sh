# kill -9 of the agent while the audit stream flows into it and the journal
# grows, then a start again with the stream sent again from its beginning (as
# auditd's dispatcher may resend): what arrived at the receiver (a real
# rsyslog) is compared by event.id with what was produced (the reference run
# of the audit log, and `driftwatch journal` over the whole journal at the
# end): nothing is missing, nothing unknown arrived, duplicates are only of
# the same event.id (an id names one finding), and the spool is empty at the
# end. Each kill lands at another moment: while events are read, analysed,
# spooled or sent, or while the journal schedule (every second) runs. The
# journal: files systemd-journal-remote makes from journal-gen.py's export
# streams (the journal tests' method), the agent's --journal-directory;
# rpm-ostree deployments are appended while each agent runs.
# Scale: 5 kills over 2,000 audit findings, 20 deployments a start; DW_SOAK=1:
# 20 kills over 50,000, 200 a start (AGENT_KILLS, AGENT_FINDINGS,
# AGENT_JOURNAL override).
DW_NETNS=private source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-rsyslog.sh"
source "$(dirname "$0")/agent-lib.sh"

need_rsyslog
need_journal_remote
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
command -v jq >/dev/null || skip "jq is not installed"
if [ "${DW_SOAK:-}" = 1 ]; then N=${AGENT_FINDINGS:-50000}; KILLS=${AGENT_KILLS:-20}; J=${AGENT_JOURNAL:-200}
else N=${AGENT_FINDINGS:-2000}; KILLS=${AGENT_KILLS:-5}; J=${AGENT_JOURNAL:-20}; fi

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

# The journal the agent's journal schedule follows (every second), grown by
# J rpm-ostree deployments at a time.
D=$T/journal
mkdir "$D"
grown=0
grow() {
        python3 "$(dirname "$0")/journal-gen.py" deployments $((grown + 1)) "$J" >"$T/grow.export"
        "$REMOTE" --output="$D/system.journal" "$T/grow.export" 2>"$T/remote.err" ||
                fail "journal-remote: $(cat "$T/remote.err")"
        grown=$((grown + J))
}
grow
agent_args=(--state-dir "$T/state" --output "syslog+tcp://127.0.0.1:$port" --schedule all=off
            --schedule journal=1s/0 --journal-directory "$D" --heartbeat 0)

start_agent() {
        feed "$T/audit.log" | "$DW" agent "${agent_args[@]}" --audit-stdin 2>>"$T/agent.err" &
        agent=$!
        reap_on_death "$agent"
}

for ((k = 1; k <= KILLS; k++)); do
        start_agent
        # Another moment each time: from 0.1 s into the stream to 1.5 s (most of
        # it), the journal grown on the way.
        read -r before after < <(awk -v k="$k" 'BEGIN { srand(k * 7919); t = 0.1 + rand() * 1.4; g = rand() * t
                printf "%.2f %.2f\n", g, t - g }')
        sleep "$before"
        grow
        sleep "$after"
        kill -9 "$(pgrep -P "$$" -n -f "driftwatch agent" || echo "$agent")" 2>/dev/null || true
        wait "$agent" 2>/dev/null || true
done
# The last start reads the stream to its end and delivers everything; then,
# once the journal schedule is due again, a last run of it (--once).
feed "$T/audit.log" | "$DW" agent "${agent_args[@]}" --audit-stdin 2>>"$T/agent.err" ||
        { cat "$T/agent.err"; fail "the last run failed"; }
sleep 1.1
"$DW" agent "${agent_args[@]}" --once 2>>"$T/agent.err" || { cat "$T/agent.err"; fail "the last journal run failed"; }
rc=0
"$DW" --quiet journal --directory "$D" --format json >"$T/journal-reference.jsonl" || rc=$?
[ "$rc" -le 1 ] || fail "driftwatch journal exited $rc"
[ "$(jq -c 'select(.rule.id == "DW-JRN-DEPLOYMENT")' "$T/journal-reference.jsonl" | wc -l)" -eq "$grown" ] ||
        fail "the journal reference does not have the $grown deployments"
rsyslog_wait_lines "$T/received" $((N + grown))
agent_messages "$T/received" "$T/got.jsonl"

# What was produced and what arrived, by event.id (the agent's own events and
# the run summaries left out).
ids() {
        jq -r 'select(.event.dataset != "driftwatch.agent" and .rule.id != "DW-RUN-SUMMARY") | .event.id' "$@" |
                LC_ALL=C sort
}
ids "$T/reference.jsonl" "$T/journal-reference.jsonl" >"$T/want"
[ -z "$(uniq -d "$T/want")" ] || fail "the reference has an event.id twice"
ids "$T/got.jsonl" >"$T/got"
missing=$(LC_ALL=C comm -23 "$T/want" <(uniq "$T/got") | wc -l)
extra=$(LC_ALL=C comm -13 "$T/want" <(uniq "$T/got") | wc -l)
dups=$(( $(wc -l <"$T/got") - $(uniq "$T/got" | wc -l) ))
echo "findings $N audit + $grown journal, kills $KILLS: arrived $(wc -l <"$T/got"), duplicates $dups," \
        "missing $missing, unknown $extra"
[ "$missing" -eq 0 ] || { LC_ALL=C comm -23 "$T/want" <(uniq "$T/got") | head -5; fail "$missing findings are missing"; }
[ "$extra" -eq 0 ] || fail "$extra event.ids arrived that the analysis does not produce"
# A duplicate is the same finding again: an id names one rule, time, audit event and path.
jq -r 'select(.event.dataset != "driftwatch.agent" and .rule.id != "DW-RUN-SUMMARY") |
       [.event.id, .rule.id, ."@timestamp", .driftwatch.audit.id, .file.path] | join(" ")' "$T/got.jsonl" |
        LC_ALL=C sort -u | cut -d' ' -f1 | uniq -d >"$T/two"
[ ! -s "$T/two" ] || fail "$(wc -l <"$T/two") event.ids arrived for two different findings"
[ "$(sqlite3 "$T/state/agent.db" 'SELECT count(*) FROM agent_spool')" -eq 0 ] || fail "the spool is not empty"
echo PASS
