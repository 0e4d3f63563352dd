# driftwatch status without a file runs `bootc status --format=json` when bootc
# is in PATH, else `rpm-ostree status --json`; stand-ins print the project's
# fixtures. A tool that fails, hangs or floods gives one error line naming the
# command, exit 2, and nothing recorded. The agent's status schedule runs the
# stand-in from its sandboxed child and reports what the command reports.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"

BIN=$T/bin
mkdir -p "$BIN" "$T/empty"
# tool NAME BODY: a stand-in for NAME in $BIN (which is all of PATH below).
tool() {
        printf '#!/bin/sh\n%s\n' "$2" >"$BIN/$1"
        chmod +x "$BIN/$1"
}
export ARGS_LOG=$T/args

tool rpm-ostree "echo \"\$*\" >\"\$ARGS_LOG\"; exec /bin/cat '$RPM'"
PATH=$BIN run 0 "$DW" status --state "$T/rpm.db" --format json
grep -q 'recorded the first one (rpm-ostree, 2 deployments)' "$T/err" || { cat "$T/err"; fail "rpm-ostree not used"; }
[ "$(cat "$ARGS_LOG")" = "status --json" ] || fail "rpm-ostree ran with '$(cat "$ARGS_LOG")'"

# bootc wins when both are there.
tool bootc "echo \"\$*\" >\"\$ARGS_LOG\"; exec /bin/cat '$DATA/bootc-booted-usroverlay.json'"
PATH=$BIN run 1 "$DW" status --state "$T/bootc.db" --format json
expect_ids <<'EOF'
DW-IMG-USR-OVERLAY alert
EOF
[ "$(cat "$ARGS_LOG")" = "status --format=json" ] || fail "bootc ran with '$(cat "$ARGS_LOG")'"
grep -q 'recorded the first one (bootc, 1 deployment)' "$T/err" || { cat "$T/err"; fail "bootc not used"; }

# Neither: say how to give the status instead.
PATH=$T/empty run 2 "$DW" status --state "$T/none.db"
expect_one_error_line "--bootc-json"
[ ! -e "$T/none.db" ] || fail "a failed run created the state database"

# fails TOOL-BODY GREP [OPTIONS]: one error line naming the command and GREP.
fails() {
        local body=$1 want=$2
        shift 2
        tool bootc "$body"
        PATH=$BIN run 2 "$DW" status --state "$T/bootc.db" "$@"
        expect_one_error_line "bootc status --format=json"
        grep -q -- "$want" "$T/err" || { cat "$T/err"; fail "error does not say '$want'"; }
}
sum=$(sha256sum <"$T/bootc.db")
fails 'echo "error: Loading status: permission denied" >&2; exit 1' 'exit status 1: error: Loading status: permission denied'
fails 'printf "first line\nlast\033[31m line\n" >&2; exit 3' 'exit status 3: last?\[31m line'
fails 'echo "{\"apiVersion\": 1"' 'expected near end of file'
fails ':' 'empty input'
fails 'kill -9 $$' 'exit status 137'
start=$(date +%s)
fails 'exec /bin/sleep 30' 'timed out' --timeout 1
[ $(($(date +%s) - start)) -lt 10 ] || fail "the timeout did not stop the tool"
start=$(date +%s)
fails 'exec >/dev/null 2>&1; exec /bin/sleep 30' 'timed out' --timeout 1       # output closed, still running
[ $(($(date +%s) - start)) -lt 10 ] || fail "the timeout did not stop a tool that closed its output"
fails 'exec /usr/bin/head -c 20000000 /dev/zero' 'more than 16 MiB'
[ "$(sha256sum <"$T/bootc.db")" = "$sum" ] || fail "a failing tool changed the state database"

# A tool that ignores SIGTERM and outlives the timeout is killed by pid.
tool bootc 'trap "" TERM; echo $$ >"$ARGS_LOG"; exec /bin/sleep 30'
PATH=$BIN run 2 "$DW" status --state "$T/bootc.db" --timeout 1
pid=$(cat "$ARGS_LOG")
sleep 0.2
if kill -0 "$pid" 2>/dev/null; then fail "the timed-out tool is still running"; fi

# The agent's status schedule runs the same stand-in from its child, in the
# child's sandbox (seccomp allows execve to status alone, NoNewPrivs, Landlock
# writes beneath the state directory): its first snapshot, then a staged
# deployment, give the findings the one-shot command gives, event.id and all.
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (scripts/deps.sh check)"
S=$T/agent
both() {        # FIXTURE: the agent's schedule and driftwatch status on it
        tool bootc "exec /bin/cat '$DATA/$1'"
        [ ! -e "$S/agent.db" ] || sqlite3 "$S/agent.db" "UPDATE agent_schedules SET next_run = 0 WHERE capability = 'status'"
        : >"$T/agent.jsonl"
        PATH=$BIN "$DW" agent --state-dir "$S" --output "file:$T/agent.jsonl" --schedule all=off \
                --schedule status=1h/0 --heartbeat 0 --once 2>"$T/agent.err" || { cat "$T/agent.err"; fail "agent --once failed"; }
        [ "$(sqlite3 "$S/agent.db" "SELECT last_status FROM agent_schedules WHERE capability = 'status'")" = ok ] ||
                { cat "$T/agent.err"; fail "the status schedule failed on $1"; }
        PATH=$BIN "$DW" status --state "$T/one-shot.db" --format json >"$T/one-shot.jsonl" 2>"$T/err" || true
        ids "$T/one-shot.jsonl" >"$T/want"
        ids "$T/agent.jsonl" | diff -u "$T/want" - || fail "$1: the agent's status schedule and driftwatch status differ"
}
ids() { jq -r 'select(.event.dataset != "driftwatch.agent" and .rule.id != "DW-RUN-SUMMARY") | [.event.id, .rule.id] | join(" ")' "$1" | LC_ALL=C sort; }
both bootc-booted-pinned.json
both bootc-staged-download-only.json
grep -q DW-IMG "$T/want" || { cat "$T/one-shot.jsonl"; fail "the staged deployment gave no DW-IMG finding to compare"; }
sample_keep "$T/agent.jsonl"
echo PASS
