# `driftwatch agent` end to end over the relp:// and https:// outputs (the
# outputs alone, under faults, are test-agent-relp.sh and test-agent-http.sh):
# --audit-stdin fed a generated audit log, every finding arrives at a real
# rsyslog imrelp once, as the reference run (file output) has it; rsyslog
# killed (SIGKILL) while findings flow and started again: nothing missing;
# an https:// _bulk receiver (http-receiver.py:
# no Elasticsearch in Debian) that refuses some items for good: the rest
# arrives, the agent says so and reports DW-AGENT-OUTPUT-REFUSED; and a
# heartbeat a second indexed as one document each (their event.ids differ).
# Scale: 500 findings (DW_SOAK=1: 20,000).
DW_NETNS=private source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-rsyslog-relp.sh"
source "$(dirname "$0")/lib-tls.sh"
source "$(dirname "$0")/agent-lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
N=500
[ "${DW_SOAK:-}" != 1 ] || N=20000

agent_audit_log "$N" "$T/audit.log"
agent_reference "$T/audit.log" "$T/reference.jsonl"
[ "$(finding_keys "$T/reference.jsonl" | wc -l)" -eq "$N" ] || fail "the reference run does not have $N findings"

# 1. The whole log over RELP: the same findings as the reference, once each.
port=$(free_port)
rsyslogd_conf relp "$port" "$T/received"
rsyslogd_start relp "$port"
run 0 "$DW" agent --state-dir "$T/state" --output "relp://127.0.0.1:$port" --audit-stdin --schedule all=off \
        --heartbeat 0 <"$T/audit.log"
rsyslog_wait_lines "$T/received" "$N"
agent_messages "$T/received" "$T/got.jsonl"
diff -u <(finding_keys "$T/reference.jsonl") <(finding_keys "$T/got.jsonl") >"$T/diff" ||
        { head -20 "$T/diff"; fail "the findings received differ from the reference (- reference, + received)"; }

# 2. rsyslog killed while the findings flow, started again: nothing missing.
rm -f "${T:?}/received"
rsyslogd_stop relp
rsyslogd_start relp "$port"
AUDIT_SERIAL=500000 AUDIT_TIME=1800000000 agent_audit_log "$N" "$T/audit2.log"
half=$(($(wc -l <"$T/audit2.log") / 2))
mkfifo "$T/feed"
"$DW" agent --state-dir "$T/state2" --output "relp://127.0.0.1:$port?timeout=2" --audit-stdin --schedule all=off \
        --heartbeat 0 <"$T/feed" 2>"$T/agent2.err" &
agent=$!
reap_on_death "$agent"
cleanup_hooks+=("kill -9 $agent 2>/dev/null")
exec 7>"$T/feed"
head -n "$half" "$T/audit2.log" >&7
sleep 3         # the first half's findings complete and are delivered
rsyslogd_stop relp KILL
tail -n +"$((half + 1))" "$T/audit2.log" >&7
sleep 2
rsyslogd_start relp "$port"
exec 7>&-       # the end of the stream: the agent delivers what rsyslog takes and exits
wait "$agent" || { cat "$T/agent2.err"; fail "the agent failed"; }
grep -q "relp output 'relp://127.0.0.1:$port'" "$T/agent2.err" || { cat "$T/agent2.err"; fail "the outage was not noticed"; }
agent_reference "$T/audit2.log" "$T/reference2.jsonl"
rsyslog_wait_lines "$T/received" "$N"
agent_messages "$T/received" "$T/got2.jsonl"
missing=$(LC_ALL=C comm -23 <(finding_keys "$T/reference2.jsonl" | uniq) <(finding_keys "$T/got2.jsonl" | uniq) | wc -l)
[ "$missing" -eq 0 ] || fail "$missing findings did not arrive after rsyslog came back"
rsyslogd_stop relp

# 3. https:// _bulk, the receiver refusing every 7th finding for good (a
# mapping error): the others arrive, the agent logs the drop and reports it.
tls_make_ca "$T/pki"
tls_make_cert "$T/pki" server localhost
python3 "$(dirname "$0")/http-receiver.py" --port-file "$T/http.port" --out "$T/bulk.out" \
        --tls "$T/pki/server.pem" "$T/pki/server.key" --item-400-every 7 2>"$T/http.log" &
receiver=$!
reap_on_death "$receiver"
cleanup_hooks+=("kill $receiver 2>/dev/null")
for ((i = 0; i < 200; i++)); do [ -s "$T/http.port" ] && break; sleep 0.02; done
[ -s "$T/http.port" ] || fail "the receiver did not start"
run 0 "$DW" agent --state-dir "$T/state3" --output "https://127.0.0.1:$(cat "$T/http.port")/_bulk?ca=$T/pki/ca.pem" \
        --output "file:$T/all.jsonl" --audit-stdin --schedule all=off --heartbeat 0 <"$T/audit.log"
grep -q "the receiver refused [0-9]* events\?, dropped.*mapper_parsing_exception" "$T/err" ||
        { cat "$T/err"; fail "the agent did not say the receiver refused events"; }
jq -e 'select(.rule.id == "DW-AGENT-OUTPUT-REFUSED")' "$T/all.jsonl" >/dev/null ||
        fail "no DW-AGENT-OUTPUT-REFUSED event"
# (the receiver stores an _id once: a line is a distinct event)
stored=$(jq -c 'select(.event.dataset != "driftwatch.agent")' "$T/bulk.out" | wc -l)
[ "$stored" -gt $((N / 2)) ] && [ "$stored" -lt "$N" ] || fail "$stored of $N findings stored with every 7th refused"

# 4. Every heartbeat is a document of its own: _bulk creates each event under
# its event.id and refuses an id it has (409), so heartbeats that shared one
# would be stored once, and the SIEM's "no heartbeat for 15 minutes" query
# would fire for a running agent.
python3 "$(dirname "$0")/http-receiver.py" --port-file "$T/beats.port" --out "$T/beats.out" \
        --tls "$T/pki/server.pem" "$T/pki/server.key" 2>"$T/beats.log" &
receiver=$!
reap_on_death "$receiver"
cleanup_hooks+=("kill $receiver 2>/dev/null")
for ((i = 0; i < 200; i++)); do [ -s "$T/beats.port" ] && break; sleep 0.02; done
[ -s "$T/beats.port" ] || fail "the second receiver did not start"
"$DW" agent --state-dir "$T/state4" --output "https://127.0.0.1:$(cat "$T/beats.port")/_bulk?ca=$T/pki/ca.pem" \
        --schedule all=off --heartbeat 1s 2>"$T/agent4.err" &
agent=$!
reap_on_death "$agent"
cleanup_hooks+=("kill -9 $agent 2>/dev/null")
beats() { jq -r 'select(.rule.id == "DW-AGENT-HEARTBEAT") | .event.id' "$T/beats.out" 2>/dev/null | wc -l; }
for ((i = 0; i < 100; i++)); do [ "$(beats)" -ge 3 ] && break; sleep 0.1; done
kill -TERM "$agent"
wait "$agent" || { cat "$T/agent4.err"; fail "the heartbeat agent did not end cleanly"; }
[ "$(beats)" -ge 3 ] || { cat "$T/agent4.err" "$T/beats.log"; fail "$(beats) heartbeats indexed in 10 s at one a second"; }
echo PASS
