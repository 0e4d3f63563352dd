# The audit stream's child (docs/agent.md, "The audit stream" and
# "Privileges"): with --audit-stdin the agent forks one child that owns
# standard input (the agent's own is /dev/null), holds no descriptor of the
# agent's but its pipe, runs under seccomp (Seccomp: 2) with NoNewPrivs and
# cannot create a file, open an AF_INET socket or run a program
# (DW_AGENT_SANDBOX_PROBE, a variable for the tests only, makes it try; the
# probe fails the child, which the agent reports as DW-AGENT-AUDIT-FAILED
# and exits non-zero). kill -9 of the child mid-stream: the agent reports it
# (DW-AGENT-AUDIT-FAILED, its log) and exits non-zero with every finding the
# child had written delivered; the stream sent again from its beginning
# (auditd's plugin started again) skips what the saved positions cover and
# delivers every finding of the reference run. SIGTERM to the agent: the
# child reports what its analytics hold and the agent exits 0 with every
# position settled (the stream sent again: every event skipped as resent).
# 400 findings over 200 s of stream time: a few CPU seconds; make check and
# make soak alike.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"
source "$(dirname "$0")/agent-lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

pids=()
cleanup_hooks+=('for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done')
child_of() { awk '{ print $1 }' "/proc/$1/task/$1/children" 2>/dev/null; }
# start_fed NAME HEARTBEAT [VAR=VALUE]: an agent fed by the fifo $T/NAME.feed
# (held open on descriptor 7), state $T/NAME.state, output $T/NAME.jsonl,
# log $T/NAME.err; its pid in $pid.
start_fed() {
        mkfifo "$T/$1.feed"
        env ${3:+"$3"} "$DW" agent --state-dir "$T/$1.state" --output "file:$T/$1.jsonl" --audit-stdin \
                --schedule all=off --heartbeat "$2" <"$T/$1.feed" 2>"$T/$1.err" &
        pid=$!
        reap_on_death "$pid"
        pids+=("$pid")
        exec 7>"$T/$1.feed"
}
ids() { jq -r 'select(.event.dataset != "driftwatch.agent") | .event.id' "$@" | LC_ALL=C sort; }
last_audit() { jq -c 'select(.rule.id == "DW-AGENT-HEARTBEAT") | .driftwatch.agent.audit' "$1" | tail -1; }

# 400 writes, 5 s of stream time every 10: saved positions advance mid-stream
# (they lag the newest event by the analytics' longest hold, about a minute).
{
        gen_exec 1000 1 $UNSET $UNSET "(none)" /usr/sbin/sshd sshd /usr/sbin/sshd -D
        gen_exec 1001 1000 1000 3 pts0 /usr/bin/bash bash -bash
        for ((i = 1; i <= 400; i++)); do
                gen_write 1002 1001 1000 3 /usr/bin/cp cp "/usr/local/bin/tool$i"
                ((i % 10)) || gen_later 5
        done
} >"$T/audit.log"
lines=$(wc -l <"$T/audit.log")
"$DW" agent --state-dir "$T/reference-state" --output "file:$T/reference.jsonl" --audit-stdin --schedule all=off \
        --heartbeat 1h <"$T/audit.log" || fail "the reference run failed"
events=$(last_audit "$T/reference.jsonl" | jq .events)
[ "$(ids "$T/reference.jsonl" | wc -l)" -eq 400 ] || fail "the reference run has not the 400 findings"

# ---- the sandbox: the probe in the audit child
start_fed probe 0 "DW_AGENT_SANDBOX_PROBE=$T/probe"
child=
for _ in $(seq 1 100); do
        child=$(child_of "$pid")
        [ -n "$child" ] && [ "$(status_of "$child" Seccomp)" = 2 ] && break
        sleep 0.02
done
[ -n "$child" ] || fail "the audit child did not start"
[ "$(status_of "$child" PPid)" = "$pid" ] || fail "the audit child's parent is not the agent"
[ "$(status_of "$child" Seccomp)" = 2 ] || fail "the audit child runs without its seccomp filter"
[ "$(status_of "$child" NoNewPrivs)" = 1 ] || fail "the audit child runs without NoNewPrivs"
[ "$(status_of "$child" CapBnd)" = 0000000000000004 ] || fail "the audit child's bounding set is wider"
[ "$(status_of "$pid" Seccomp)" = 0 ] || fail "the agent itself is under a filter"
[ "$(readlink "/proc/$pid/fd/0")" = /dev/null ] || fail "the agent kept the audit stream on its standard input"
[ "$(readlink "/proc/$child/fd/0")" = "$(readlink "/proc/self/fd/7")" ] || fail "the audit child does not own the stream"
fds=$(ls "/proc/$child/fd" | sort -n | tr '\n' ' ')
[ "$fds" = "0 1 2 3 " ] || fail "the audit child holds descriptors besides the stream, stdout, stderr and its pipe: $fds"
rc=0
wait "$pid" || rc=$?
exec 7>&-
[ "$rc" -ne 0 ] || fail "the agent exited 0 when its audit analytics failed"
[ ! -e "$T/probe" ] || fail "the audit child created a file outside its sandbox"
want="sandbox probe: create EPERM, socket EAFNOSUPPORT, execve EPERM"
grep -qF "the audit stream's analytics ended: $want" "$T/probe.err" ||
        { cat "$T/probe.err"; fail "the audit child's probe did not find '$want'"; }
jq -e -s --arg w "$want" 'any(.[]; .rule.id == "DW-AGENT-AUDIT-FAILED" and .event.kind == "alert" and
        (.driftwatch.error | startswith($w)))' "$T/probe.jsonl" >/dev/null ||
        fail "no DW-AGENT-AUDIT-FAILED for the probe's failure"

# ---- kill -9 of the audit child mid-stream
start_fed out1 1h
S=$T/out1.state
head -n $((lines * 3 / 4)) "$T/audit.log" >&7
wait_jq "$T/out1.jsonl" '.file.path == "/usr/local/bin/tool250"' "the agent did not deliver the first findings"
child=$(child_of "$pid")
[ -n "$child" ] || fail "no audit child"
echo "RSS: agent $(status_of "$pid" VmRSS), audit child $(status_of "$child" VmRSS)"
kill -9 "$child"
rc=0
wait "$pid" || rc=$?
exec 7>&-
[ "$rc" -ne 0 ] || fail "the agent exited 0 after its audit child was killed"
grep -qF "the audit stream's analytics ended: killed by signal 9 (KILL)" "$T/out1.err" ||
        { cat "$T/out1.err"; fail "the agent's log does not say the audit child was killed"; }
jq -e -s 'any(.[]; .rule.id == "DW-AGENT-AUDIT-FAILED" and .driftwatch.error == "killed by signal 9 (KILL)")' \
        "$T/out1.jsonl" >/dev/null || fail "no DW-AGENT-AUDIT-FAILED for the kill"
[ "$(sqlite3 "$S/agent.db" 'SELECT count(*) FROM agent_spool')" -eq 0 ] || fail "the spool is not empty"
[ -n "$(sqlite3 "$S/agent.db" 'SELECT sec FROM agent_audit')" ] || fail "no audit position was saved"
n1=$(ids "$T/out1.jsonl" | wc -l)
[ "$n1" -ge 250 ] || fail "$n1 findings delivered before the kill, expected 250 or more"

# auditd starts the plugin again; the whole stream is sent again
"$DW" agent --state-dir "$S" --output "file:$T/out2.jsonl" --audit-stdin --schedule all=off --heartbeat 1h \
        <"$T/audit.log" 2>"$T/agent2.err" || { cat "$T/agent2.err"; fail "the run after the kill failed"; }
resent=$(last_audit "$T/out2.jsonl" | jq .resent_skipped)
[ "$(last_audit "$T/out2.jsonl" | jq '.events + .resent_skipped')" -eq "$events" ] ||
        fail "the heartbeat counts $(last_audit "$T/out2.jsonl") audit events, the stream has $events"
[ "$resent" -gt 0 ] || fail "no event was skipped as resent after the kill"
ids "$T/reference.jsonl" >"$T/want"
ids "$T/out1.jsonl" "$T/out2.jsonl" | uniq >"$T/got"
missing=$(LC_ALL=C comm -23 "$T/want" "$T/got" | wc -l)
extra=$(LC_ALL=C comm -13 "$T/want" "$T/got" | wc -l)
echo "kill -9 of the audit child: $n1 findings before, $(ids "$T/out2.jsonl" | wc -l) after, $resent events" \
        "resent skipped, missing $missing, unknown $extra"
[ "$missing" -eq 0 ] || fail "$missing findings are missing"
[ "$extra" -eq 0 ] || fail "$extra event.ids arrived that the analysis does not produce"

# ---- SIGTERM to the agent: the child reports, positions settle, exit 0
start_fed term 1s
S=$T/term.state
head -n $((lines / 2)) "$T/audit.log" >"$T/half.log"
cat "$T/half.log" >&7
"$DW" agent --state-dir "$T/half-state" --output "file:$T/half.jsonl" --audit-stdin --schedule all=off \
        --heartbeat 1h <"$T/half.log" || fail "the reference run of the half failed"
half_events=$(last_audit "$T/half.jsonl" | jq .events)
wait_jq "$T/term.jsonl" ".driftwatch.agent.audit.events == $half_events" "the agent did not analyse the half stream"
child=$(child_of "$pid")
kill -TERM "$pid"
wait "$pid" || { cat "$T/term.err"; fail "the agent did not end cleanly on SIGTERM"; }
exec 7>&-
[ ! -e "/proc/$child" ] || fail "the audit child outlived the agent"
! grep -q 'DW-AGENT-AUDIT-FAILED' "$T/term.jsonl" || fail "a stop reported the audit child as failed"
[ "$(ids "$T/term.jsonl" | md5sum)" = "$(ids "$T/half.jsonl" | md5sum)" ] ||
        fail "the stopped agent did not report what the analytics held (as the stream's end does)"
"$DW" agent --state-dir "$S" --output "file:$T/term2.jsonl" --audit-stdin --schedule all=off --heartbeat 1h \
        <"$T/half.log" || fail "the run after the stop failed"
[ "$(last_audit "$T/term2.jsonl" | jq -c .)" = "{\"events\":0,\"resent_skipped\":$half_events}" ] ||
        fail "after a stop, the stream sent again was not skipped whole: $(last_audit "$T/term2.jsonl")"
echo PASS
