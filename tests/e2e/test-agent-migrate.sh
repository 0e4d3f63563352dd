# The state database of the previous schema (user_version 0: the spool in
# agent_spool and a second copy of every event in agent_history), made here
# with the sqlite3 CLI as that agent left it: six findings, the first two
# delivered (in the history only), the last four pending for the file output
# (in both). The report reads it as it is (read-only, not migrated); the next
# agent migrates it on open (user_version 1: one table of events, the spool a
# view of it) and delivers the four pending findings, once, in order; the two
# delivered ones are not sent again and keep their event.id; the history and
# the counters read the same afterwards; a second start sends nothing. The
# same for the first schema (no history table yet). A database of a newer
# schema: one line naming it, exit 2, not touched. Under a CPU second.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent-lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
command -v jq >/dev/null || skip "jq is not installed"

agent_audit_log 6 "$T/audit.log"
agent_reference "$T/audit.log" "$T/reference.jsonl"
jq -c 'select(.event.dataset != "driftwatch.agent")' "$T/reference.jsonl" >"$T/findings.jsonl"
[ "$(wc -l <"$T/findings.jsonl")" -eq 6 ] || fail "the reference run did not report 6 findings"

# old_state DIR URL [nohistory]: the previous schema, byte for byte its SQL.
old_state() {
        local dir=$1 url=$2 seq=0 line sql
        mkdir -p "$dir"
        {
                echo "PRAGMA application_id = 1146569009; PRAGMA journal_mode = WAL; BEGIN;"
                echo "CREATE TABLE agent_spool (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,
                        severity INTEGER NOT NULL, time_ns INTEGER NOT NULL, json TEXT NOT NULL);
                CREATE INDEX agent_spool_by_severity ON agent_spool (severity, seq);
                CREATE TABLE agent_outputs (oid INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE,
                        delivered INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE agent_pending (oid INTEGER NOT NULL, seq INTEGER NOT NULL,
                        PRIMARY KEY (oid, seq)) WITHOUT ROWID;
                CREATE INDEX agent_pending_by_seq ON agent_pending (seq);
                CREATE TABLE agent_schedules (capability TEXT PRIMARY KEY, next_run INTEGER NOT NULL,
                        last_run INTEGER NOT NULL, last_status TEXT NOT NULL);
                CREATE TABLE agent_audit (node TEXT PRIMARY KEY, sec INTEGER NOT NULL,
                        msec INTEGER NOT NULL, serial INTEGER NOT NULL);
                CREATE TABLE agent_values (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE agent_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
                [ "${3:-}" = nohistory ] || echo "CREATE TABLE agent_history (seq INTEGER PRIMARY KEY,
                        severity INTEGER NOT NULL, time_ns INTEGER NOT NULL, json TEXT NOT NULL);"
                echo "INSERT INTO agent_outputs (oid, url, delivered) VALUES (1, '$url', 2);"
                echo "INSERT INTO agent_counters VALUES ('dropped-policy', 7);"
                while IFS= read -r line; do
                        seq=$((seq + 1))
                        sql=${line//\'/\'\'}
                        [ "${3:-}" = nohistory ] || echo "INSERT INTO agent_history VALUES ($seq, 3,
                                ${seq}000000000, '$sql');"
                        [ "$seq" -le 2 ] && continue
                        echo "INSERT INTO agent_spool VALUES ($seq, '$(jq -r .event.id <<<"$line")', 3,
                                ${seq}000000000, '$sql');"
                        echo "INSERT INTO agent_pending VALUES (1, $seq);"
                done <"$T/findings.jsonl"
                echo "COMMIT;"
        } | sqlite3 "$dir/agent.db" >/dev/null || fail "cannot make the old state in $dir"
}
db() { sqlite3 "$1/agent.db" "$2"; }

out=$T/out.jsonl
old_state "$T/state" "file:$out"
[ "$(db "$T/state" 'PRAGMA user_version')" -eq 0 ] || fail "the old state has a schema version"

# The report reads the old state as it is, and leaves it so.
run 0 "$DW" report --state-dir "$T/state" --format json
jq -e '([.trend[].alerts] | add) == 6 and .agent.counters["dropped-policy"] == 7 and
       .agent.outputs[0].pending == 4 and .agent.outputs[0].delivered == 2' "$T/out" >/dev/null ||
        fail "the report of the old state: $(jq -c '.trend, .agent' "$T/out")"
[ "$(db "$T/state" 'PRAGMA user_version')" -eq 0 ] || fail "the report changed the state's schema"

# The agent migrates it and delivers what was pending, once.
run 0 "$DW" agent --state-dir "$T/state" --output "file:$out" --once --schedule all=off --heartbeat 0
tail -n 4 "$T/findings.jsonl" | diff -u - <(jq -c 'select(.event.dataset != "driftwatch.agent")' "$out") ||
        fail "the pending findings were not delivered once each, in order"
[ "$(db "$T/state" 'PRAGMA user_version')" -eq 1 ] || fail "the state was not migrated"
[ -z "$(db "$T/state" "SELECT name FROM sqlite_master WHERE name = 'agent_history'")" ] ||
        fail "the history's own table is still there"
[ "$(db "$T/state" "SELECT type FROM sqlite_master WHERE name = 'agent_spool'")" = view ] ||
        fail "agent_spool is not the view of the spool"
[ "$(db "$T/state" 'SELECT count(*) FROM agent_spool')" -eq 0 ] || fail "the spool is not empty"
# Each event once, with its own event.id (the delivered ones' taken from their line).
db "$T/state" 'SELECT id FROM agent_events WHERE seq <= 6 ORDER BY seq' >"$T/ids"
jq -r .event.id "$T/findings.jsonl" | diff -u - "$T/ids" || fail "the events' ids after the migration"
[ "$(db "$T/state" 'SELECT count(*) FROM agent_events')" -eq 6 ] || fail "an event is not in the table once"

run 0 "$DW" report --state-dir "$T/state" --format json
jq -e '([.trend[].alerts] | add) == 6 and .agent.counters["dropped-policy"] == 7 and
       .agent.outputs[0].pending == 0 and .agent.outputs[0].delivered == 6' "$T/out" >/dev/null ||
        fail "the report of the migrated state: $(jq -c '.trend, .agent' "$T/out")"

# Started again: nothing sent twice.
run 0 "$DW" agent --state-dir "$T/state" --output "file:$out" --once --schedule all=off --heartbeat 0
[ "$(jq -c 'select(.event.dataset != "driftwatch.agent")' "$out" | wc -l)" -eq 4 ] ||
        fail "a delivered finding was sent again"

# The first schema, before the history: migrated, its spool delivered.
old_state "$T/first" "file:$T/first.jsonl" nohistory
run 0 "$DW" agent --state-dir "$T/first" --output "file:$T/first.jsonl" --once --schedule all=off --heartbeat 0
tail -n 4 "$T/findings.jsonl" | diff -u - <(jq -c 'select(.event.dataset != "driftwatch.agent")' "$T/first.jsonl") ||
        fail "the first schema's spool was not delivered"
[ "$(db "$T/first" 'PRAGMA user_version')" -eq 1 ] || fail "the first schema was not migrated"

# A newer agent's database: refused, named, left as it is.
old_state "$T/newer" "file:$T/newer.jsonl"
db "$T/newer" 'PRAGMA user_version = 99'
run 2 "$DW" agent --state-dir "$T/newer" --output "file:$T/newer.jsonl" --once --schedule all=off --heartbeat 0
expect_one_error_line "$T/newer/agent.db"
grep -q "newer" "$T/err" || fail "the error does not say the state is newer: $(cat "$T/err")"
[ "$(db "$T/newer" 'PRAGMA user_version')" -eq 99 ] || fail "the newer state was changed"
[ ! -e "$T/newer.jsonl" ] || fail "the agent delivered from a state it cannot read"
echo PASS
