#!/usr/bin/env bash
# bench/agent.sh: findings per second the agent's outputs deliver, in one run.
#
#   bench/agent.sh [--events N] [--runs N] [--build DIR] [--seconds S] [--outage S] [--only outputs|agent|load|outage]
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
#
# Then the agent itself (`driftwatch agent --audit-stdin`, the release build):
#
#   agent        end to end: an audit log whose analysis is N/5 write findings,
#                each spooled (SQLite, one commit per batch), delivered to file:
#                and acknowledged; the time of the whole run
#   load         its CPU (utime + stime of /proc/PID/stat) and peak RSS (VmHWM),
#                the agent's and its audit child's summed (and their PSS),
#                while bench/audit-feed.py feeds it 0, 1,000 and 10,000 audit
#                events a second for --seconds (default 10) each, paced by the
#                clock; one event in 10 is a finding (a write to /usr/local/bin),
#                shipped to a file: output. Goal: RSS < 32 MiB at 1,000/s.
#   outage       the spool's size after 1 hour of collector outage at 1,000
#                findings a second, computed: the agent ships over relp:// to a
#                receiver that is down for --outage seconds (default 30) while
#                every event is a finding; the spool's bytes (agent.db, its WAL
#                included, less its size before) per finding spooled, times
#                3,600,000. Then the receiver starts and the backlog drains.
#
# Every rsyslog here runs through tests/e2e/lib-rsyslog.sh (its configuration
# pieces, rsyslogd_start / rsyslogd_stop by pid), the tests' one way to run a
# receiver. Prints each figure (median of --runs, default 3) and the ratios. Needs
# rsyslog, rsyslog-relp and a built build/dw-ship-test (make build). The
# machine is shared: the figures say what this machine did, not a ceiling.
set -euo pipefail
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
name=agent.sh
cd "$(dirname "$0")/.."
root=$PWD
events=100000 runs=3 build=build seconds=10 outage=30 only=
usage="usage: bench/agent.sh [--events N] [--runs N] [--build DIR] [--seconds S] [--outage S] [--only outputs|agent|load|outage]"
while [ $# -gt 0 ]; do
        case $1 in
        --events) events=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --build) build=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --outage) outage=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        *) echo "$usage" >&2; exit 2 ;;
        esac
done
case $only in ""|outputs|agent|load|outage) ;; *) echo "$usage" >&2; exit 2 ;; esac
case $seconds$outage in *[!0-9]*) echo "$name: --seconds and --outage are whole seconds" >&2; exit 2 ;; esac
want() { [ -z "$only" ] || [ "$only" = "$1" ]; }
case $build in /*) ;; *) build=$root/$build ;; esac
ship=$build/dw-ship-test
dw=$build/driftwatch
[ -x "$dw" ] || { echo "$name: $dw is not built (make build)" >&2; exit 2; }
if [ "$only" != agent ]; then
        [ -x "$ship" ] || { echo "$name: $ship is not built (make build)" >&2; exit 2; }
        command -v rsyslogd >/dev/null || { echo "$name: rsyslogd is not installed (scripts/deps.sh bench)" >&2; exit 2; }
fi

tmp=$(mktemp -d /tmp/dw-bench-agent.XXXXXX)
case "$tmp" in /tmp/dw-bench-agent.?*) ;; *) echo "$name: unexpected scratch directory '$tmp'" >&2; exit 2 ;; esac
pids=()
# What tests/e2e/lib-rsyslog.sh expects of its caller (tests/e2e/lib.sh's):
# the scratch directory T, fail, skip, the cleanup hooks and the process
# helpers (closefds, reap_on_death: an rsyslogd this run leaves is stopped).
T=$tmp
cleanup_hooks=()
fail() { echo "$name: $*" >&2; exit 2; }
skip() { fail "$*"; }
# shellcheck source=../tests/e2e/lib-proc.sh
source "$root/tests/e2e/lib-proc.sh"
# shellcheck source=../tests/e2e/lib-rsyslog.sh
source "$root/tests/e2e/lib-rsyslog.sh"
cleanup() {
        local p h
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
        for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
        rm -rf "${tmp:?}"
}
trap cleanup EXIT

note() { echo "$*" >&2; }
declare -A fig
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# The outputs alone (dw-ship-test), findings per second.
bench_outputs() {
        # N copies of a real finding, each with its own event.id.
        template=$(head -1 examples/findings/audit.jsonl)
        awk -v n="$events" -v t="$template" 'BEGIN {
                sub(/^\{/, "", t)
                for (i = 1; i <= n; i++) printf "{\"event\":{\"id\":\"%064x\"},\"bench\":%d,%s\n", i, i, t }' >"$tmp/events.jsonl"
        bytes=$(wc -c <"$tmp/events.jsonl")
        note "$name: $events findings, $((bytes / events)) bytes each"

        # receiver PORT OUT: rsyslog imrelp with its default queues into omfile OUT
        # (lib-rsyslog.sh's pieces; its rsyslog_conf_relp makes the main queue
        # Direct, which the tests need and a receiver's throughput does not have),
        # the instance "rxPORT", its pid rx_pid.
        receiver() {
                { rsyslog_conf_head; rsyslog_conf_omfile "$2"; rsyslog_conf_input_relp "$1"; } >"$T/rx$1.conf"
                rsyslogd_start "rx$1" "$1"
                rx_pid=$(rsyslogd_pid "rx$1")
        }


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
                rsyslogd_stop "rx$port"
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
                kill "$tx_pid"
                wait "$tx_pid" 2>/dev/null || true
                rsyslogd_stop "rx$port"
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
                rsyslog_conf_tls "$tls_port" "$tmp/tls.out" "$tmp/ca.pem" "$tmp/srv.pem" "$tmp/srv.key" >"$T/tls.conf"
                rsyslogd_start tls "$tls_port"
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
        awk -v a="${fig[relp]}" -v b="${fig[peer]}" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
                printf "  ratio relp:// / rsyslog omrelp: %.1f\n", a / b
                printf "  goal relp:// >= 50,000/s: %s (load average %s on %d CPUs)\n", (a >= 50000 ? "met" : "NOT met"), l, '"$(nproc)"' }'
}

# agent_stat PID: "CPU_SECONDS PEAK_RSS_KIB PSS_KIB" of a running agent and
# its children (with --audit-stdin, the audit stream's child): utime + stime
# of /proc/PID/stat, the sum of each process's VmHWM of /proc/PID/status (the
# pages the child shares with the agent since the fork counted twice: an
# upper bound), and the sum of their Pss of /proc/PID/smaps_rollup now
# (shared pages split between the two).
agent_stat() {
        local p cpu=0 hwm=0 pss=0
        for p in "$1" $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
                cpu=$(awk -v c="$cpu" -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", c + ($12 + $13) / hz }' \
                        "/proc/$p/stat")
                hwm=$((hwm + $(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status")))
                pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup")))
        done
        echo "$cpu $hwm $pss"
}

# The agent under a steady audit stream: CPU and peak RSS at each rate.
bench_load() {
        local rate stat found cpu hwm pss
        note "$name: the agent at 0, 1,000 and 10,000 audit events/s, $seconds s each (1 in 10 a finding)"
        for rate in 0 1000 10000; do
                rm -rf "${tmp:?}/load"
                mkdir "$tmp/load"
                mkfifo "$tmp/load/feed"
                "$dw" agent --state-dir "$tmp/load/state" --output "file:$tmp/load/out.jsonl" --audit-stdin \
                        --schedule all=off --heartbeat 0 <"$tmp/load/feed" 2>"$tmp/load/agent.err" &
                agent=$!
                pids+=("$agent")
                # the feed goes on a second past the $seconds the agent's figures are read after
                python3 "$root/bench/audit-feed.py" "$rate" $((seconds + 1)) 10 >"$tmp/load/feed" 2>"$tmp/load/feed.err" &
                feeder=$!
                sleep "$seconds"
                stat=$(agent_stat "$agent")
                wait "$feeder"
                wait "$agent" || { cat "$tmp/load/agent.err" >&2; fail "the agent failed at $rate events/s"; }
                found=0
                [ ! -e "$tmp/load/out.jsonl" ] || found=$(grep -c '"DW-AUD-' "$tmp/load/out.jsonl" || true)
                fig[load$rate]="$stat $found"
                read -r cpu hwm pss <<<"$stat"
                note "  $rate events/s: $(sed 's/^audit-feed: //' "$tmp/load/feed.err") (the figures after $seconds s);" \
                        "agent and its audit child: CPU $cpu s, peak RSS $hwm KiB, PSS $pss KiB"
        done
}

# The spool through a collector outage: bytes per finding, times 3.6 million.
bench_outage() {
        local port before after n spooled json drained t0 t1
        note "$name: relp:// collector down for $outage s at 1,000 findings/s"
        rm -rf "${tmp:?}/outage"
        mkdir "$tmp/outage"
        mkfifo "$tmp/outage/feed"
        port=$(free_port)
        "$dw" agent --state-dir "$tmp/outage/state" --output "relp://127.0.0.1:$port?timeout=2" --audit-stdin \
                --schedule all=off --heartbeat 0 <"$tmp/outage/feed" 2>"$tmp/outage/agent.err" &
        agent=$!
        pids+=("$agent")
        exec 7>"$tmp/outage/feed"
        for ((i = 0; i < 100; i++)); do
                [ ! -e "$tmp/outage/state/agent.db" ] || break
                sleep 0.05
        done
        sleep 0.5
        before=$(du -cb "$tmp/outage/state"/agent.db* | tail -1 | cut -f1)
        python3 "$root/bench/audit-feed.py" 1000 "$outage" 1 >&7 2>"$tmp/outage/feed.err"
        sleep 3        # the last findings leave the analytics' window (2 s) for the spool
        after=$(du -cb "$tmp/outage/state"/agent.db* | tail -1 | cut -f1)
        spooled=$(sqlite3 "$tmp/outage/state/agent.db" 'SELECT count(*) FROM agent_spool' 2>/dev/null || echo "")
        json=$(sqlite3 "$tmp/outage/state/agent.db" 'SELECT sum(length(json)) FROM agent_spool' 2>/dev/null || echo "")
        n=$(sed -n 's/^audit-feed: [0-9]* events, \([0-9]*\) findings.*/\1/p' "$tmp/outage/feed.err")
        # the collector comes back while the stream goes on (a running agent's
        # retries, not the end of the stream's single flush): the backlog
        # drains; then the stream ends
        { rsyslog_conf_head; rsyslog_conf_omfile "$tmp/outage/received"; rsyslog_conf_input_relp "$port"; } >"$T/outage.conf"
        t0=$EPOCHREALTIME
        rsyslogd_start outage "$port"
        # the agent's next try comes at its backoff (doubling from 1 s up to
        # 60 s while the receiver was down); the drain is timed from the first
        # line that arrived
        for ((i = 0; i < 1200 && $(lines "$tmp/outage/received") == 0; i++)); do sleep 0.05; done
        t1=$EPOCHREALTIME
        for ((i = 0; i < 1200 && $(lines "$tmp/outage/received") < n; i++)); do sleep 0.05; done
        drained=$(awk -v a="$t0" -v b="$t1" -v c="$EPOCHREALTIME" 'BEGIN { printf "%.1f/%.1f", b - a, c - b }')
        exec 7>&-
        wait "$agent" || { cat "$tmp/outage/agent.err" >&2; fail "the agent failed after the outage"; }
        rsyslogd_stop outage
        fig[outage]="$n $before $after ${spooled:-?} ${json:-0} $(lines "$tmp/outage/received") $drained"
}

# The daemon end to end: findings per second from the audit stream through
# the spool into file:.
bench_agent() {
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
}

want outputs && bench_outputs
want agent && bench_agent
want load && bench_load
want outage && bench_outage

if want agent; then
        echo
        echo "the agent end to end, $agent_events findings, median of $runs runs (findings per second):"
        printf '  %-44s %10s\n' "agent: audit -> spool -> file:" "${fig[agent]}"
fi
if want load; then
        echo
        echo "the agent under --audit-stdin, $seconds s at each rate (1 event in 10 a finding, to file:):"
        echo "(the agent and its audit child together; peak RSS: the sum of each one's VmHWM, PSS: of their Pss)"
        printf '  %-22s %12s %16s %10s %10s\n' "audit events/s" "CPU seconds" "CPU share" "peak RSS" "PSS"
        for rate in 0 1000 10000; do
                read -r cpu hwm pss found <<<"${fig[load$rate]}"
                printf '  %-22s %12s %15.1f%% %7.1f MiB %7.1f MiB   (%s findings)\n' "$rate" "$cpu" \
                        "$(awk -v c="$cpu" -v s="$seconds" 'BEGIN { print 100 * c / s }')" \
                        "$(awk -v k="$hwm" 'BEGIN { print k / 1024 }')" "$(awk -v k="$pss" 'BEGIN { print k / 1024 }')" \
                        "$found"
        done
        read -r _ hwm _ _ <<<"${fig[load1000]}"
        awk -v k="$hwm" 'BEGIN { printf "  goal peak RSS < 32 MiB at 1,000 events/s: %s (%.1f MiB)\n", (k < 32768 ? "met" : "NOT met"), k / 1024 }'
fi
if want outage; then
        read -r n before after spooled json arrived drained <<<"${fig[outage]}"
        echo
        echo "the spool through a collector outage (relp://, the receiver down $outage s, 1,000 findings/s):"
        awk -v n="$n" -v b="$before" -v a="$after" -v s="$spooled" -v j="$json" -v o="$outage" 'BEGIN {
                per = (a - b) / n
                printf "  %d findings spooled (%s in agent_spool), agent.db and WAL %d -> %d bytes: %.0f bytes a finding\n", n, s, b, a, per
                printf "  (JSON alone %.0f bytes a finding)\n", j / (s > 0 ? s : 1)
                printf "  1 hour at 1,000 findings/s, computed: %.0f bytes a finding x 3,600,000 = %.1f GiB\n", per, per * 3600000 / 1073741824
                printf "  (method: the growth of agent.db and its WAL over a %d s outage, divided by the findings spooled,\n", o
                printf "   times the findings of one hour; the default --spool-max of 256 MiB holds %.0f s of it)\n", 268435456 / per / 1000 }'
        if [ "$arrived" -ge "$n" ]; then
                echo "  then the receiver started: the agent's next try after ${drained%/*} s (its backoff), then the $n findings" \
                        "arrived in ${drained#*/} s ($arrived lines with the end of the stream's)"
        else
                echo "  then the receiver started: $arrived of the $n findings arrived (first try after ${drained%/*} s," \
                        "then ${drained#*/} s): NOT drained"
        fi
fi
