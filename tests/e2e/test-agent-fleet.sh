# A fleet on one machine: AGENTS agents, each its own state directory and
# host name (--host-name host-NN), each fed a prepared audit log on
# --audit-stdin in three parts, all shipping over relp:// to ONE rsyslog relay
# (the harness's named instance "relay": imrelp in, omfile out, one file).
# The relay is restarted twice while the agents run: stopped by pid (SIGTERM
# the first time, SIGKILL the second: a relay that crashes) while the next
# part is fed, started again on the same port. Afterwards, counted per host:
# every host's findings arrived (the reference run's, by rule, audit event
# and path), none arrived that the host did not produce, no host's events
# arrived under another's name, every spool is empty, and the duplicates
# (at-least-once delivery: what was sent when the relay stopped) are only
# of the same event.id: no finding arrived under two ids, no id names two
# findings.
# Scale: 10 agents x 60 findings (a few CPU seconds); DW_SOAK=1 (make soak):
# 100 agents x 300 findings, as issue #15 states the fleet (AGENTS,
# AGENT_FINDINGS override).
DW_NETNS=private source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-rsyslog-relp.sh"
source "$(dirname "$0")/agent-lib.sh"

# Under the sanitizer build (make check-asan): what librelp 1.11 itself leaks.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "$0")" && pwd)/lsan-librelp.supp"
command -v jq >/dev/null || skip "jq is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
if [ "${DW_SOAK:-}" = 1 ]; then AGENTS=${AGENTS:-100}; N=${AGENT_FINDINGS:-300}
else AGENTS=${AGENTS:-10}; N=${AGENT_FINDINGS:-60}; fi

agent_audit_log "$N" "$T/audit.log"
agent_reference "$T/audit.log" "$T/reference.jsonl"
finding_keys "$T/reference.jsonl" >"$T/want"
[ "$(wc -l <"$T/want")" -eq "$N" ] || fail "the reference run does not have $N findings"
# The log in three parts, each cut before an event's first record (a
# SYSCALL): the records of one event come together, as auditd sends them.
awk -v parts=3 -v dir="$T" 'NR == FNR { n++; next }
        FNR == 1 { k = 1 }
        /^type=SYSCALL / && k < parts && FNR > n * k / parts { k++ }
        { print > (dir "/part" k) }' "$T/audit.log" "$T/audit.log"

port=$(free_port)
rsyslogd_conf relay "$port" "$T/received"
rsyslogd_start relay "$port"

# The agents, each reading its FIFO; the test holds the writing ends.
pids=() fds=()
stop_agents() {
        local p
        for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
cleanup_hooks+=("stop_agents")
for ((i = 1; i <= AGENTS; i++)); do
        h=$(printf 'host-%03d' "$i")
        mkfifo "$T/feed-$h"
        "$DW" agent --state-dir "$T/state-$h" --output "relp://127.0.0.1:$port?timeout=2" --audit-stdin \
                --schedule all=off --heartbeat 0 --host-name "$h" <"$T/feed-$h" 2>"$T/agent-$h.err" &
        pids+=($!)
        reap_on_death "$!"
        exec {fd}>"$T/feed-$h"
        fds+=("$fd")
done
# feed K: part K of the log to every agent
feed() {
        local fd
        for fd in "${fds[@]}"; do cat "$T/part$1" >&"$fd"; done
}
count() { wc -l <"$T/received" 2>/dev/null || echo 0; }

feed 1
rsyslog_wait_lines "$T/received" "$AGENTS" 60         # the agents deliver through the relay
rsyslogd_stop relay                                    # restart 1: SIGTERM, the next part fed meanwhile
before=$(count)         # counted with the relay down: what arrives next came after its restart
feed 2
sleep 3         # the part's findings complete (a 2 s window) and find no relay
rsyslogd_start relay "$port"
# The agents found the relay gone and back off (1 s doubling): each retries
# while its stream still runs, not only once it ends.
rsyslog_wait_lines "$T/received" $((before + AGENTS)) 60
rsyslogd_stop relay KILL                               # restart 2: the relay killed
feed 3
sleep 3
rsyslogd_start relay "$port"
for fd in "${fds[@]}"; do exec {fd}>&-; done          # the streams end: each agent delivers and exits
for ((i = 1; i <= AGENTS; i++)); do
        h=$(printf 'host-%03d' "$i")
        wait "${pids[i - 1]}" || { cat "$T/agent-$h.err"; fail "the agent of $h failed"; }
        [ "$(sqlite3 "$T/state-$h/agent.db" 'SELECT count(*) FROM agent_spool')" -eq 0 ] ||
                fail "the spool of $h is not empty"
done
pids=()
rsyslog_wait_lines "$T/received" $((AGENTS * N)) 60
rsyslogd_stop relay
grep -q "relp output 'relp://127.0.0.1:$port" "$T"/agent-host-001.err ||
        { cat "$T/agent-host-001.err"; fail "host-001 did not notice the relay's restarts"; }
agent_messages "$T/received" "$T/got.jsonl"

# Per host: the reference's findings, each at least once.
jq -r '.host.name' "$T/got.jsonl" | LC_ALL=C sort | uniq -c | awk '{ print $2, $1 }' >"$T/per-host"
[ "$(wc -l <"$T/per-host")" -eq "$AGENTS" ] || { cat "$T/per-host"; fail "events of $(wc -l <"$T/per-host") hosts arrived, expected $AGENTS"; }
for ((i = 1; i <= AGENTS; i++)); do
        h=$(printf 'host-%03d' "$i")
        jq -c --arg h "$h" 'select(.host.name == $h and .observer.hostname == $h)' "$T/got.jsonl" >"$T/got-$h"
        finding_keys "$T/got-$h" >"$T/keys-$h"
        LC_ALL=C comm -3 "$T/want" <(uniq "$T/keys-$h") >"$T/diff-$h"
        [ ! -s "$T/diff-$h" ] ||
                { head -5 "$T/diff-$h"; fail "$h: $(wc -l <"$T/diff-$h") findings missing (left) or not its own (right)"; }
done
# Duplicates only within an event.id: an id names one finding of one host,
# and a finding of a host has one id.
jq -r 'select(.event.dataset != "driftwatch.agent") |
       [.event.id, .host.name, .rule.id, .driftwatch.audit.id, .file.path] | join(" ")' "$T/got.jsonl" |
        LC_ALL=C sort -u >"$T/id-finding"
[ "$(cut -d' ' -f1 "$T/id-finding" | uniq -d | wc -l)" -eq 0 ] || fail "an event.id names two findings"
[ "$(cut -d' ' -f2- "$T/id-finding" | LC_ALL=C sort | uniq -d | wc -l)" -eq 0 ] || fail "a finding arrived under two event.ids"
[ "$(wc -l <"$T/id-finding")" -eq $((AGENTS * N)) ] || fail "$(wc -l <"$T/id-finding") distinct findings, expected $((AGENTS * N))"
total=$(jq -c 'select(.event.dataset != "driftwatch.agent")' "$T/got.jsonl" | wc -l)
echo "fleet: $AGENTS agents x $N findings, relay restarted twice: $total arrived, $((total - AGENTS * N)) duplicates (same event.id)"
awk '{ printf "  %s %s events\n", $1, $2 }' "$T/per-host" | head -3
echo PASS
