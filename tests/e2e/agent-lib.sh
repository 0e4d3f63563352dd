# What the agent's tests share (sourced after lib.sh): an audit log of N
# findings the analytics report live (writes to /usr and ~/.ssh: surfaces no
# fold window holds), the findings as keys, and the agent's reference run.
source "$(dirname "$0")/audit-gen.sh"

# agent_audit_log N FILE: a log whose analysis is N write findings and
# nothing else (an sshd and a login shell first, for the ancestry).
agent_audit_log() {
        local n=$1 i
        {
                gen_exec 1000 1 $UNSET $UNSET "(none)" /usr/sbin/sshd sshd /usr/sbin/sshd -D
                gen_exec 1001 1000 1000 3 pts0 /usr/bin/bash bash -bash
                for ((i = 1; i <= n; i++)); do
                        if ((i % 2)); then
                                gen_write 1002 1001 1000 3 /usr/bin/cp cp "/usr/local/bin/tool$i"
                        else
                                gen_write 1002 1001 1000 3 /usr/bin/cp cp "/root/.ssh/key$i"
                        fi
                        ((i % 20)) || gen_later 1
                done
        } >"$2"
}

# finding_keys FILE: "rule audit-id path" of each finding of a JSON Lines
# file (the agent's own events left out), sorted, duplicates kept. The audit
# event's id and the rule name a finding whatever else its line holds (an
# agent restarted mid-stream knows less ancestry for the same event).
finding_keys() {
        jq -r 'select(.event.dataset != "driftwatch.agent") |
               [.rule.id, .driftwatch.audit.id, .file.path] | join(" ")' "$1" | LC_ALL=C sort
}

# agent_messages RECEIVED OUT: the JSON of each message rsyslog wrote (its
# MSG, the leading space dropped) into OUT.
agent_messages() {
        sed 's/^ //' "$1" >"$2"
        expect_valid_jsonl "$2"
}

# agent_reference LOG OUT: what the agent reports for LOG with a file output.
agent_reference() {
        "$DW" agent --state-dir "$T/reference-state" --output "file:$2" --audit-stdin --schedule all=off \
                --heartbeat 0 <"$1" || fail "the reference run failed"
}
