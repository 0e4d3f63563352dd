# The spool's cap and its policy: an output that cannot take anything (its
# directory is missing), 400 findings into a 64 KiB spool: the spool stays
# under its cap, a DW-AGENT-SPOOL-FULL alert is spooled (at high severity it
# outlives the low ones), the oldest events of the lowest severity went first
# (what stays of the findings is the newest of them), the counts are kept in
# the state and reported by the next heartbeat; once the output works, what
# stayed is delivered and the spool is empty. The agent's standard error says
# when an output starts failing (once, not again within a minute) and when
# it delivers again, its URL without the query (where credentials go), no
# token in the reason either.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent-lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

N=400
CAP=65536
agent_audit_log "$N" "$T/audit.log"
agent_reference "$T/audit.log" "$T/reference.jsonl"
out="file:$T/later/out.jsonl"

run 0 "$DW" agent --state-dir "$T/state" --output "$out" --audit-stdin --schedule all=off --spool-max 64K \
        <"$T/audit.log"
grep -q "cannot open output '$T/later/out.jsonl'" "$T/err" || { cat "$T/err"; fail "the failing output was not named"; }
[ "$(grep -c "^driftwatch: agent: output 'file:$T/later/out.jsonl': failing: cannot open output '$T/later/out.jsonl': .*; retrying in 1 s$" "$T/err")" -eq 1 ] ||
        { cat "$T/err"; fail "the failing output was not said once on standard error"; }
grep -q "spool reached its cap of $CAP bytes" "$T/err" || { cat "$T/err"; fail "the full spool was not reported"; }
bytes=$(sqlite3 "$T/state/agent.db" 'SELECT sum(length(json)) FROM agent_spool')
[ "$bytes" -le "$CAP" ] || fail "the spool holds $bytes bytes, past its cap of $CAP"
dropped=$(sqlite3 "$T/state/agent.db" "SELECT value FROM agent_counters WHERE name = 'dropped-policy'")
[ "${dropped:-0}" -gt 0 ] || fail "no drop counted"
high=$(sqlite3 "$T/state/agent.db" "SELECT value FROM agent_counters WHERE name = 'dropped-policy-high'")
[ "${high:-0}" -eq "$dropped" ] || fail "not only findings were dropped: the agent's own events go last"

# The output works again: one run delivers what stayed.
mkdir "$T/later"
run 0 "$DW" agent --state-dir "$T/state" --output "$out" --once --schedule all=off
got=$T/later/out.jsonl
expect_valid_jsonl "$got"
jq -e -s 'any(.[]; .rule.id == "DW-AGENT-SPOOL-FULL" and .event.kind == "alert")' "$got" >/dev/null ||
        fail "no DW-AGENT-SPOOL-FULL alert delivered"
# The heartbeats report the drops: the last one all of them, and what each
# reports since the one before adds up to it.
jq -e -s --argjson d "$dropped" '[.[] | select(.rule.id == "DW-AGENT-HEARTBEAT") | .driftwatch.agent.dropped] |
        length >= 2 and .[-1].policy == $d and ([.[].policy_since_last_heartbeat] | add) == $d' \
        "$got" >/dev/null || fail "the heartbeats do not report the $dropped events dropped"
# Of the findings, the newest stayed: what arrived is the tail of the stream.
finding_keys "$got" | sort -k2,2 >"$T/kept"
kept=$(wc -l <"$T/kept")
[ "$kept" -gt 0 ] && [ "$kept" -lt "$N" ] || fail "$kept of $N findings kept: the cap did not bite"
jq -r 'select(.event.dataset != "driftwatch.agent") | [.rule.id, .driftwatch.audit.id, .file.path] | join(" ")' \
        "$T/reference.jsonl" | tail -n "$kept" | LC_ALL=C sort >"$T/newest"
diff -u "$T/newest" <(LC_ALL=C sort "$T/kept") >/dev/null || fail "the findings kept are not the newest $kept"
[ "$(sqlite3 "$T/state/agent.db" 'SELECT count(*) FROM agent_spool')" -eq 0 ] || fail "the spool is not empty"

# An output that recovers while the agent runs, and one whose URL has a token.
mkfifo "$T/feed"
"$DW" agent --state-dir "$T/state2" --output "file:$T/later2/out.jsonl" \
        --output "https://127.0.0.1:1/_bulk?token=sekrit" --audit-stdin --schedule all=off --heartbeat 0 \
        <"$T/feed" 2>"$T/err2" &
pid=$!
reap_on_death "$pid"
cleanup_hooks+=("kill -9 $pid 2>/dev/null")
exec 7>"$T/feed"
cat "$T/audit.log" >&7
said() {
        for _ in $(seq 1 100); do
                grep -qF "$1" "$T/err2" && return 0
                sleep 0.05
        done
        cat "$T/err2"
        fail "the agent did not say: $1"
}
said "output 'file:$T/later2/out.jsonl': failing: "
mkdir "$T/later2"
said "output 'file:$T/later2/out.jsonl': delivers again"
exec 7>&-
wait "$pid" || { cat "$T/err2"; fail "the agent did not end cleanly"; }
grep -q "output 'https://127.0.0.1:1/_bulk': failing: .*; retrying in" "$T/err2" ||
        { cat "$T/err2"; fail "the failing https output was not said"; }
! grep -q sekrit "$T/err2" || { cat "$T/err2"; fail "a token was logged"; }
# Nor when the output is refused at the start (a CA that is not there).
run 2 "$DW" agent --state-dir "$T/state3" --output "https://127.0.0.1:1/_bulk?token=sekrit&ca=$T/no-ca.pem" --once
expect_one_error_line "no-ca.pem"
! grep -q sekrit "$T/err" || { cat "$T/err"; fail "a refused output's token was shown"; }
echo PASS
