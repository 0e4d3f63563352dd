# The host the agent names in what it ships: by default this machine as the
# one-shot commands name it (host.name, host.id, observer.*), so a finding
# has the same event.id whether `driftwatch audit` or the agent reports it;
# with --host-name NAME (or host-name in [agent] of the configuration file)
# NAME is host.name and observer.hostname, there is no host.id (the name is
# the identity the ids follow: agents of different names never share an id).
# The syslog HOSTNAME is host.name (test-agent-syslog.sh), and so is HEC's
# "host" (test-agent-http.sh). A fraction of a CPU second.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/agent-lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
agent_audit_log 20 "$T/audit.log"
# ids: "rule event.id" of each finding of a JSON Lines file, sorted
ids() { jq -r 'select(.rule.id | startswith("DW-AUD")) | "\(.rule.id) \(.event.id)"' "$1" | LC_ALL=C sort; }

# 1. This host's own name: the same lines' ids as the one-shot command's.
agent_reference "$T/audit.log" "$T/agent.jsonl"
rc=0
"$DW" --quiet audit --format json <"$T/audit.log" >"$T/oneshot.jsonl" || rc=$?
[ "$rc" -eq 1 ] || fail "driftwatch audit exited $rc, not 1 (findings)"
[ "$(ids "$T/agent.jsonl" | wc -l)" -eq 20 ] || fail "the agent did not report 20 findings"
diff -u <(ids "$T/oneshot.jsonl") <(ids "$T/agent.jsonl") >"$T/diff" ||
        { cat "$T/diff"; fail "the agent's event.ids differ from driftwatch audit's for the same findings"; }
jq -se 'all(.[]; .host.name != null and .host.id != null and .observer.hostname == .host.name
        and .observer.serial_number == .host.id)' "$T/agent.jsonl" >/dev/null ||
        { head -1 "$T/agent.jsonl"; fail "the agent's events do not name this host as host.* and observer.*"; }

# 2. --host-name: host.name and observer.hostname, no host.id, other ids.
run 0 "$DW" agent --state-dir "$T/named" --output "file:$T/named.jsonl" --audit-stdin --schedule all=off \
        --heartbeat 0 --host-name web-03 <"$T/audit.log"
jq -se 'length >= 20 and all(.[]; .host.name == "web-03" and .host.id == null and .observer.hostname == "web-03")' \
        "$T/named.jsonl" >/dev/null || { head -1 "$T/named.jsonl"; fail "--host-name is not host.name and observer.hostname"; }
[ -z "$(LC_ALL=C comm -12 <(ids "$T/agent.jsonl" | cut -d' ' -f2 | sort) <(ids "$T/named.jsonl" | cut -d' ' -f2 | sort))" ] ||
        fail "two host names share an event.id"

# 3. host-name in [agent] of the configuration file.
printf '[agent]\nhost-name = web-04\n' >"$T/dw.conf"
run 0 "$DW" --config "$T/dw.conf" agent --state-dir "$T/conf" --output "file:$T/conf.jsonl" --audit-stdin \
        --schedule all=off --heartbeat 0 <"$T/audit.log"
jq -se 'length >= 20 and all(.[]; .host.name == "web-04" and .observer.hostname == "web-04")' "$T/conf.jsonl" >/dev/null ||
        fail "host-name of the configuration file is not the events' host"
run 2 "$DW" agent --state-dir "$T/bad" --output "file:$T/bad.jsonl" --audit-stdin --host-name "" </dev/null
expect_one_error_line "--host-name needs a name"
echo PASS
