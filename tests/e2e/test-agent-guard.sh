# The agent guards itself (docs/agent.md, "Self-protection" and "Privileges").
# Privileges: the running agent has NoNewPrivs and only CAP_DAC_READ_SEARCH,
# in its bounding set too; a schedule's child runs under seccomp (Seccomp: 2)
# and cannot create a file, open an AF_INET socket or run a program
# (DW_AGENT_SANDBOX_PROBE, a variable for this test only, makes the child try);
# a child that keeps state (posture) writes beneath the state directory only
# (Landlock: EACCES elsewhere). Self-protection: the binary the agent runs
# (a copy in $T), its configuration, its rules file and a rules directory
# and its state database changed by another process are DW-AGENT-TAMPER
# findings, one per change, bytes written into the database by another
# process too (with the writer's pid when the agent had CAP_SYS_ADMIN to
# make its fanotify group; without it, as the unit runs it, with none); the
# agent's own writes to its database (a heartbeat every second) are none,
# and each own event has its own event.id. Few CPU seconds; make check and
# make soak alike.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

mkdir -p "$T/bin" "$T/rules.d"
cp "$DW" "$T/bin/driftwatch"
printf '[driftwatch]\n' >"$T/dw.conf"
printf 'rules: []\n' >"$T/rules.yaml"
printf 'rules: []\n' >"$T/rules.d/10-site.yaml"
out=$T/out.jsonl
pids=()
cleanup_hooks+=('for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done')


# ---- privileges: the agent and a schedule's child
for cap in inventory posture; do
        DW_AGENT_SANDBOX_PROBE=$T/probe-$cap "$DW" agent --state-dir "$T/state-$cap" --output "file:$T/probe.jsonl" \
                --schedule all=off --schedule "$cap=1h/0" --heartbeat 0 2>"$T/agent-$cap.err" &
        pid=$!
        reap_on_death "$pid"
        pids+=("$pid")
        child=
        for _ in $(seq 1 100); do
                child=$(cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{print $1}')
                [ -n "$child" ] && [ "$(status_of "$child" Seccomp)" = 2 ] && break
                sleep 0.02
        done
        [ -n "$child" ] || fail "the $cap schedule's child did not start"
        [ "$(status_of "$pid" NoNewPrivs)" = 1 ] || fail "the agent runs without NoNewPrivs"
        [ "$(status_of "$pid" CapBnd)" = 0000000000000004 ] ||
                fail "the agent's bounding set is $(status_of "$pid" CapBnd), expected CAP_DAC_READ_SEARCH alone"
        [ "$(status_of "$pid" CapEff)" = 0000000000000004 ] || fail "the agent's effective set is $(status_of "$pid" CapEff)"
        [ "$(status_of "$pid" Seccomp)" = 0 ] || fail "the agent itself is under a filter"
        [ "$(status_of "$child" Seccomp)" = 2 ] || fail "the $cap child runs without its seccomp filter"
        [ "$(status_of "$child" NoNewPrivs)" = 1 ] || fail "the $cap child runs without NoNewPrivs"
        [ "$(status_of "$child" CapBnd)" = 0000000000000004 ] || fail "the $cap child's bounding set is wider"
        for _ in $(seq 1 200); do
                grep -q "sandbox probe" "$T/agent-$cap.err" && break
                sleep 0.05
        done
        kill -TERM "$pid"
        wait "$pid" || { cat "$T/agent-$cap.err"; fail "the agent did not end cleanly"; }
        [ ! -e "$T/probe-$cap" ] || fail "the $cap child created a file outside its sandbox"
        case $cap in
        inventory) want="create EPERM, socket EAFNOSUPPORT, execve EPERM" ;;
        posture) want="create EACCES, socket EAFNOSUPPORT, execve EPERM, landlock yes" ;;
        esac
        grep -qF "schedule '$cap' failed: sandbox probe: $want" "$T/agent-$cap.err" ||
                { cat "$T/agent-$cap.err"; fail "the $cap child's probe did not find '$want'"; }
done
# Without the probe, the schedules that write state still work in their sandbox.
run 0 "$DW" agent --state-dir "$T/state-posture" --output "file:$T/probe.jsonl" --schedule all=off \
        --schedule posture=1h/0 --heartbeat 0 --once
sqlite3 "$T/state-posture/agent.db" "UPDATE agent_schedules SET next_run = 0"
run 0 "$DW" agent --state-dir "$T/state-posture" --output "file:$T/probe.jsonl" --schedule all=off \
        --schedule posture=1h/0 --heartbeat 0 --once
[ "$(sqlite3 "$T/state-posture/agent.db" "SELECT last_status FROM agent_schedules")" = ok ] ||
        fail "the posture schedule fails in its sandbox"

# ---- self-protection
S=$T/state
"$T/bin/driftwatch" --config "$T/dw.conf" --rules "$T/rules.yaml" --rules-dir "$T/rules.d" agent --state-dir "$S" \
        --output "file:$out" --schedule all=off --heartbeat 1s 2>"$T/agent.err" &
pid=$!
reap_on_death "$pid"
pids+=("$pid")
wait_jq "$out" '.rule.id == "DW-AGENT-HEARTBEAT"' "the agent did not start"
sleep 1.5       # heartbeats: the agent's own commits

tamper() { jq -c --arg p "$1" 'select(.rule.id == "DW-AGENT-TAMPER" and .file.path == $p)' "$out"; }
expect_tamper() {       # PATH FILE CHANGE [ATTRIBUTE]
        wait_jq "$out" ".rule.id == \"DW-AGENT-TAMPER\" and .file.path == \"$1\" and .driftwatch.agent.tamper.change == \"$3\"" \
                "no DW-AGENT-TAMPER for '$1' ($3)"
        tamper "$1" | jq -e --arg f "$2" --arg a "${4:-}" '.event.kind == "alert" and .event.severity == 99 and
                .driftwatch.agent.tamper.file == $f and ($a == "" or (.driftwatch.changed | index($a)))' >/dev/null ||
                { tamper "$1"; fail "the finding for '$1' is not a critical alert of a $2 file with $4"; }
}

cp "$T/bin/driftwatch" "$T/driftwatch.new"
printf 'x' >>"$T/driftwatch.new"
mv "$T/driftwatch.new" "$T/bin/driftwatch"
expect_tamper "$T/bin/driftwatch" binary replaced sha256
printf '# edited\n' >>"$T/dw.conf"
expect_tamper "$T/dw.conf" configuration "content changed" sha256
chmod 0666 "$T/rules.yaml"
expect_tamper "$T/rules.yaml" rules "mode changed" mode
printf 'rules: []\n' >"$T/rules.d/20-new.yaml"
expect_tamper "$T/rules.d/20-new.yaml" rules created
rm "$T/rules.d/10-site.yaml"
expect_tamper "$T/rules.d/10-site.yaml" rules removed
# The writer is named (fanotify: the agent started as root made its group
# before dropping CAP_SYS_ADMIN).
sqlite3 "$S/agent.db" "INSERT INTO agent_counters (name, value) VALUES ('forged', 1)" &
writer=$!
wait "$writer"
expect_tamper "$S/agent.db" state "another connection committed to it"
tamper "$S/agent.db" | jq -e --argjson pid "$writer" 'select(.driftwatch.agent.tamper.change == "another connection committed to it")
        | .process.pid == $pid' >/dev/null || { tamper "$S/agent.db"; fail "the commit's finding does not name sqlite3's pid $writer"; }
# Bytes written into the database, not through SQLite: its first 16 bytes
# written again as they are (the agent reads on), by a process of its own.
head -c 16 "$S/agent.db" >"$T/db-head"
dd if="$T/db-head" of="$S/agent.db" conv=notrunc status=none &
writer=$!
wait "$writer"
expect_tamper "$S/agent.db" state "written by another process"
tamper "$S/agent.db" | jq -e --argjson pid "$writer" 'select(.driftwatch.agent.tamper.change == "written by another process")
        | .process.pid == $pid and .event.type == ["change"]' >/dev/null ||
        { tamper "$S/agent.db"; fail "the raw write's finding does not name dd's pid $writer"; }
chmod 0644 "$S/agent.db-wal"
expect_tamper "$S/agent.db-wal" state "mode changed" mode
sleep 1.5       # more heartbeats: still nothing of the agent's own

kill -TERM "$pid"
wait "$pid" || { cat "$T/agent.err"; fail "the agent did not end cleanly"; }
n=$(jq -r 'select(.rule.id == "DW-AGENT-TAMPER") | .file.path' "$out" | wc -l)
[ "$n" -eq 8 ] || { jq -c 'select(.rule.id == "DW-AGENT-TAMPER")' "$out"; fail "$n DW-AGENT-TAMPER findings, expected 8"; }
sample_keep "$out"
[ "$(jq -r 'select(.rule.id == "DW-AGENT-HEARTBEAT") | .rule.id' "$out" | wc -l)" -ge 3 ] ||
        fail "too few heartbeats to show the agent's own writes"
# Each of the agent's own events is one event: its own event.id (a _bulk
# create of an id already indexed is refused: heartbeats after the first
# would never reach the index).
jq -r 'select(.rule.id == "DW-AGENT-HEARTBEAT" or .rule.id == "DW-AGENT-TAMPER") | .event.id' "$out" | sort | uniq -d |
        grep . && fail "two of the agent's own events share an event.id"
grep -qF "the agent's configuration file '$T/dw.conf' was changed by another process: content changed" "$T/agent.err" ||
        fail "the agent's log does not say what changed"

# ---- as driftwatch-agent.service starts it: CAP_DAC_READ_SEARCH alone
# fanotify's group is made without CAP_SYS_ADMIN: a raw write is still told
# from the agent's own, its writer's pid is not known.
S=$T/state-unpriv
out=$T/unpriv.jsonl
setpriv --inh-caps=-all --bounding-set=-all,+dac_read_search -- "$DW" agent --state-dir "$S" \
        --output "file:$out" --schedule all=off --heartbeat 1s 2>"$T/agent-unpriv.err" &
pid=$!
reap_on_death "$pid"
pids+=("$pid")
wait_jq "$out" '.rule.id == "DW-AGENT-HEARTBEAT"' "the agent without CAP_SYS_ADMIN did not start"
sleep 1.5
! grep -q fanotify "$T/agent-unpriv.err" || { cat "$T/agent-unpriv.err"; fail "fanotify refused the agent without CAP_SYS_ADMIN"; }
head -c 16 "$S/agent.db" >"$T/db-head"
dd if="$T/db-head" of="$S/agent.db" conv=notrunc status=none
expect_tamper "$S/agent.db" state "written by another process"
tamper "$S/agent.db" | jq -e 'has("process") | not' >/dev/null ||
        { tamper "$S/agent.db"; fail "a writer's pid without CAP_SYS_ADMIN"; }
sleep 1.5
kill -TERM "$pid"
wait "$pid" || { cat "$T/agent-unpriv.err"; fail "the agent without CAP_SYS_ADMIN did not end cleanly"; }
n=$(jq -r 'select(.rule.id == "DW-AGENT-TAMPER") | .file.path' "$out" | wc -l)
[ "$n" -eq 1 ] || { jq -c 'select(.rule.id == "DW-AGENT-TAMPER")' "$out"; fail "$n DW-AGENT-TAMPER findings without CAP_SYS_ADMIN, expected 1"; }
echo PASS
