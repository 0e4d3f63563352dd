#!/usr/bin/env bash
# bench/agent.sh: findings per second the agent's outputs deliver, in one run.
#
#   bench/agent.sh [--events N] [--runs N] [--build DIR] [--only agent]
#
# Each output is driven by dw-ship-test (tests/agent/ship-test.c: the output
# without the agent's spool, so the figure is the shipping path alone), with N
# findings (default 100,000; each a real audit finding of examples/findings
# with its own event.id, ~1.3 KB) read and parsed before the clock starts; a
# run ends when the receiver acknowledged every finding.
#
#   relp://      to a local rsyslog imrelp (Debian's rsyslog, rsyslog-relp) with
#                its default queues, writing to a file (omfile): goal >= 50,000/s
#   peer         rsyslog itself shipping the same lines over RELP: imfile reads
#                the file, omrelp sends to the same receiver; the time until the
#                receiver's file holds every line
#   syslog+tls:// to rsyslog imtcp (ossl driver, a throwaway CA): written to
#                the socket (syslog acknowledges nothing), not yet received
#   file:        appended, one fsync per batch
#   agent        the daemon end to end: `driftwatch agent --audit-stdin` fed an
#                audit log whose analysis is N/5 write findings, each spooled
#                (SQLite, one commit per batch), delivered to file: and
#                acknowledged; the time of the whole run
#
# --only agent measures the last alone (no rsyslog needed).
# Prints each figure (median of --runs, default 3) and the ratios. Needs
# rsyslog, rsyslog-relp and a built build/dw-ship-test (make build). The
# machine is shared: the figures say what this machine did, not a ceiling.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
name=agent.sh
cd "$(dirname "$0")/.."
root=$PWD
events=100000 runs=3 build=build only=
while [ $# -gt 0 ]; do
        case $1 in
        --events) events=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        *) echo "usage: bench/agent.sh [--events N] [--runs N] [--build DIR] [--only agent]" >&2; exit 2 ;;
        esac
done
case $only in "" | agent) ;; *) echo "$name: --only takes 'agent', not '$only'" >&2; exit 2 ;; esac
case $build in /*) ;; *) build=$root/$build ;; esac
ship=$build/dw-ship-test
dw=$build/driftwatch
[ -x "$dw" ] || { echo "$name: $dw is not built (make build)" >&2; exit 2; }
if [ -z "$only" ]; then
        [ -x "$ship" ] || { echo "$name: $ship is not built (make build)" >&2; exit 2; }
        command -v rsyslogd >/dev/null || { echo "$name: rsyslogd is not installed (scripts/deps.sh bench)" >&2; exit 2; }
fi

tmp=$(mktemp -d /tmp/dw-bench-agent.XXXXXX)
case "$tmp" in /tmp/dw-bench-agent.?*) ;; *) echo "$name: unexpected scratch directory '$tmp'" >&2; exit 2 ;; esac
pids=()
cleanup() {
        local p
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
        rm -rf "${tmp:?}"
}
trap cleanup EXIT

note() { echo "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() {
        local i
        for ((i = 0; i < 200; i++)); do
                ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
                sleep 0.05
        done
        echo "$name: nothing listens on port $1" >&2
        exit 2
}
lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# N copies of a real finding, each with its own event.id.
template=$(head -1 examples/findings/audit.jsonl)
awk -v n="$events" -v t="$template" 'BEGIN {
        sub(/^\{/, "", t)
        for (i = 1; i <= n; i++) printf "{\"event\":{\"id\":\"%064x\"},\"bench\":%d,%s\n", i, i, t }' >"$tmp/events.jsonl"
bytes=$(wc -c <"$tmp/events.jsonl")
note "$name: $events findings, $((bytes / events)) bytes each"

# receiver PORT OUT: rsyslog imrelp with its default queues into omfile OUT.
receiver() {
        mkdir -p "$tmp/rx$1"
        cat >"$tmp/rx$1.conf" <<CONF
global(workDirectory="$tmp/rx$1" maxMessageSize="64k")
module(load="imrelp")
template(name="msgonly" type="string" string="%msg%\n")
ruleset(name="relp") { action(type="omfile" file="$2" template="msgonly") }
input(type="imrelp" address="127.0.0.1" port="$1" maxDataSize="70k" ruleset="relp")
CONF
        rsyslogd -n -f "$tmp/rx$1.conf" -i "$tmp/rx$1.pid" 2>>"$tmp/rx.log" &
        pids+=($!)
        rx_pid=$!
        listening "$1"
}

declare -A fig
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# 0. the agent end to end (printed last): an audit log of N/5 writes into
# /usr/local/bin, each a finding the analytics report live (an sshd and its
# login shell first, for the ancestry), through the spool into file:.
agent_events=$((events / 5))
awk -v n="$agent_events" 'function rec(t, ms, s, body) { printf "type=%s msg=audit(%d.%s:%d): %s\n", t, tm, ms, s, body }
function ids(pid, ppid, auid, ses, tty, comm, exe, sc, key) {
        return sprintf("arch=c000003e syscall=%d success=yes exit=%d a0=ffffff9c a1=55e0 a2=241 a3=1b6 items=%d " \
                "ppid=%d pid=%d auid=%s uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=%s ses=%s " \
                "comm=\"%s\" exe=\"%s\" key=\"%s\"", sc, sc == 59 ? 0 : 3, sc == 59 ? 1 : 2, ppid, pid, auid, tty,
                ses, comm, exe, key) }
function exec(pid, ppid, auid, ses, tty, exe, comm, args) {
        s++; tm++
        rec("SYSCALL", "100", s, ids(pid, ppid, auid, ses, tty, comm, exe, 59, "dw-exec"))
        rec("EXECVE", "100", s, args)
        rec("CWD", "100", s, "cwd=\"/root\"")
        rec("PATH", "100", s, "item=0 name=\"" exe "\" inode=1 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL")
}
BEGIN {
        s = 100; tm = 1700000000
        exec(1000, 1, 4294967295, 4294967295, "(none)", "/usr/sbin/sshd", "sshd", "argc=2 a0=\"/usr/sbin/sshd\" a1=\"-D\"")
        exec(1001, 1000, 1000, 3, "pts0", "/usr/bin/bash", "bash", "argc=1 a0=\"-bash\"")
        for (i = 1; i <= n; i++) {
                s++
                rec("SYSCALL", "200", s, ids(1002, 1001, 1000, 3, "(none)", "cp", "/usr/bin/cp", 257, "dw-bench"))
                rec("CWD", "200", s, "cwd=\"/\"")
                rec("PATH", "200", s, "item=0 name=\"/usr/local/bin/\" inode=2 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
                rec("PATH", "200", s, "item=1 name=\"/usr/local/bin/tool" i "\" inode=3 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE")
                if (i % 20 == 0) tm++
        }
}' >"$tmp/agent-audit.log"
agent_rate() {
        local r t0 t1 got
        all=()
        for ((r = 1; r <= runs; r++)); do
                rm -rf "${tmp:?}/agent-state" "${tmp:?}/agent.jsonl"*
                t0=$(date +%s.%N)
                "$dw" agent --state-dir "$tmp/agent-state" --output "file:$tmp/agent.jsonl?max=0" --audit-stdin \
                        --schedule all=off --heartbeat 0 <"$tmp/agent-audit.log" 2>"$tmp/agent.err" ||
                        { tail -3 "$tmp/agent.err" >&2; exit 2; }
                t1=$(date +%s.%N)
                got=$(lines "$tmp/agent.jsonl")
                [ "$got" -ge "$agent_events" ] ||
                        { echo "$name: agent run $r: $got of $agent_events findings delivered" >&2; exit 2; }
                all+=("$(awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')")
                note "  agent run $r/$runs: $got findings, ${all[-1]} findings/s"
        done
        fig[agent]=$(printf '%s\n' "${all[@]}" | median)
}
agent_rate
agent_line() { printf '  %-44s %10s\n' "agent: audit -> spool -> file: (end to end)" "${fig[agent]}"; }
if [ "$only" = agent ]; then
        echo
        echo "the agent, $agent_events findings, median of $runs runs (findings per second):"
        agent_line
        exit 0
fi

# 1. relp:// through the output
all=() all_cpu=() all_rx=()
for ((r = 1; r <= runs; r++)); do
        port=$(free_port)
        receiver "$port" "$tmp/relp$r.out"
        "$ship" -s -b 2000 -g 600 "relp://127.0.0.1:$port" <"$tmp/events.jsonl" >/dev/null 2>"$tmp/ship.err" ||
                { tail -3 "$tmp/ship.err" >&2; exit 2; }
        secs=$(sed -n 's/^shipped [0-9]* events in \([0-9.]*\) s, .*/\1/p' "$tmp/ship.err")
        cpu=$(sed -n 's/^shipped .*, \([0-9.]*\) s CPU$/\1/p' "$tmp/ship.err")
        # acknowledged by imrelp: also in the file once rsyslog's queue drained
        for ((i = 0; i < 600 && $(lines "$tmp/relp$r.out") < events; i++)); do sleep 0.1; done
        [ "$(lines "$tmp/relp$r.out")" -ge "$events" ] || { echo "$name: relp run $r: not every finding arrived" >&2; exit 2; }
        rx_cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$rx_pid/stat")
        kill "$rx_pid"
        wait "$rx_pid" 2>/dev/null || true
        rate=$(awk -v n="$events" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
        note "  relp:// run $r/$runs: $secs s, $rate findings/s; CPU: sender $cpu s, rsyslogd $rx_cpu s"
        all+=("$rate")
        all_cpu+=("$(awk -v n="$events" -v c="$cpu" 'BEGIN { printf "%.0f", n / c }')")
        all_rx+=("$(awk -v n="$events" -v c="$rx_cpu" 'BEGIN { printf "%.0f", n / c }')")
done
fig[relp]=$(printf '%s\n' "${all[@]}" | median)
fig[relp_cpu]=$(printf '%s\n' "${all_cpu[@]}" | median)
fig[relp_rx]=$(printf '%s\n' "${all_rx[@]}" | median)

# 2. the peer: rsyslog's own RELP sender (imfile -> omrelp) into the same receiver
all=()
for ((r = 1; r <= runs; r++)); do
        port=$(free_port)
        receiver "$port" "$tmp/peer$r.out"
        mkdir -p "$tmp/tx$r"
        cat >"$tmp/tx$r.conf" <<CONF
global(workDirectory="$tmp/tx$r" maxMessageSize="64k")
module(load="imfile")
module(load="omrelp")
ruleset(name="ship") { action(type="omrelp" target="127.0.0.1" port="$port" template="RSYSLOG_SyslogProtocol23Format") }
input(type="imfile" file="$tmp/events.jsonl" tag="driftwatch" ruleset="ship" freshStartTail="off")
CONF
        t0=$EPOCHREALTIME
        rsyslogd -n -f "$tmp/tx$r.conf" -i "$tmp/tx$r.pid" 2>>"$tmp/tx.log" &
        pids+=($!)
        tx_pid=$!
        for ((i = 0; i < 12000 && $(lines "$tmp/peer$r.out") < events; i++)); do sleep 0.05; done
        t1=$EPOCHREALTIME
        [ "$(lines "$tmp/peer$r.out")" -ge "$events" ] || { echo "$name: peer run $r: not every line arrived" >&2; exit 2; }
        kill "$tx_pid" "$rx_pid"
        wait "$tx_pid" "$rx_pid" 2>/dev/null || true
        rate=$(awk -v n="$events" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')
        note "  peer (rsyslog imfile -> omrelp) run $r/$runs: $rate lines/s"
        all+=("$rate")
done
fig[peer]=$(printf '%s\n' "${all[@]}" | median)

# ship_rate KEY URL: runs dw-ship-test on URL $runs times, fig[KEY] the median rate.
ship_rate() {
        local key=$1 url=$2 r secs
        all=()
        for ((r = 1; r <= runs; r++)); do
                [ -z "${before_run:-}" ] || "$before_run" "$r"
                "$ship" -s -b 2000 -g 600 "$url" <"$tmp/events.jsonl" >/dev/null 2>"$tmp/ship.err" ||
                        { tail -3 "$tmp/ship.err" >&2; exit 2; }
                secs=$(sed -n 's/^shipped [0-9]* events in \([0-9.]*\) s, .*/\1/p' "$tmp/ship.err")
                all+=("$(awk -v n="$events" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')")
                note "  $key run $r/$runs: $secs s, ${all[-1]} findings/s"
        done
        fig[$key]=$(printf '%s\n' "${all[@]}" | median)
}

# 3. syslog+tls:// into rsyslog imtcp with the ossl driver and a throwaway CA
if [ -n "$(find /usr/lib -name lmnsd_ossl.so 2>/dev/null | head -1)" ] && command -v openssl >/dev/null; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=bench-ca \
                -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
                -keyout "$tmp/srv.key" -out "$tmp/srv.csr" 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$tmp/ext"
        openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial -days 1 \
                -extfile "$tmp/ext" -out "$tmp/srv.pem" 2>/dev/null
        tls_port=$(free_port)
        mkdir -p "$tmp/tls"
        cat >"$tmp/tls.conf" <<CONF
global(workDirectory="$tmp/tls" maxMessageSize="64k" DefaultNetstreamDriverCAFile="$tmp/ca.pem"
       DefaultNetstreamDriverCertFile="$tmp/srv.pem" DefaultNetstreamDriverKeyFile="$tmp/srv.key")
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="msgonly" type="string" string="%msg%\n")
ruleset(name="in") { action(type="omfile" file="$tmp/tls.out" template="msgonly") }
input(type="imtcp" address="127.0.0.1" port="$tls_port" ruleset="in")
CONF
        rsyslogd -n -f "$tmp/tls.conf" -i "$tmp/tls.pid" 2>>"$tmp/rx.log" &
        pids+=($!)
        listening "$tls_port"
        ship_rate syslog+tls "syslog+tls://127.0.0.1:$tls_port?ca=$tmp/ca.pem&name=localhost"
else
        note "$name: rsyslog-openssl (lmnsd_ossl) or openssl missing: syslog+tls:// not measured"
        fig[syslog+tls]=n/a
fi

# 4. file: (append, fsync per batch)
rotate_file() { rm -f "${tmp:?}/file.jsonl"*; }
before_run=rotate_file ship_rate file "file:$tmp/file.jsonl?max=0"

echo
echo "agent outputs, $events findings of $((bytes / events)) bytes, median of $runs runs (findings per second):"
printf '  %-44s %10s\n' "relp:// -> rsyslog imrelp -> omfile" "${fig[relp]}"
printf '  %-44s %10s\n' "  per CPU second of the sender" "${fig[relp_cpu]}"
printf '  %-44s %10s\n' "  per CPU second of the receiving rsyslogd" "${fig[relp_rx]}"
printf '  %-44s %10s\n' "peer: rsyslog imfile -> omrelp -> imrelp" "${fig[peer]}"
printf '  %-44s %10s\n' "syslog+tls:// -> rsyslog imtcp (written)" "${fig[syslog+tls]}"
printf '  %-44s %10s\n' "file: (fsync per batch of 2,000)" "${fig[file]}"
agent_line
awk -v a="${fig[relp]}" -v b="${fig[peer]}" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
        printf "  ratio relp:// / rsyslog omrelp: %.1f\n", a / b
        printf "  goal relp:// >= 50,000/s: %s (load average %s on %d CPUs)\n", (a >= 50000 ? "met" : "NOT met"), l, '"$(nproc)"' }'
