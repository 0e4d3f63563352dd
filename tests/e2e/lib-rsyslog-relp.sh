# Several rsyslogd at once, killed and restarted at will, for the RELP tests
# (test-agent-relp.sh): lib-rsyslog.sh makes the configurations (imrelp:
# rsyslog_conf_relp), this file runs them by name. Each rsyslogd runs in the
# foreground with its configuration and pidfile under $T, on a port the test
# picked free (free_port), and is stopped by its pid in the EXIT trap even
# when the test fails. Source after lib.sh.
#
#   rsyslogd_conf NAME PORT OUT [CA CERT KEY PEER]
#                               writes $T/NAME.conf: rsyslog_conf_relp, or
#                               with RSYSLOGD_SLOW=1 a receiver that takes its
#                               time (omprog, 10 ms every 50 messages), so
#                               RELP sessions last long enough to be cut
#   rsyslogd_start NAME PORT    starts it, returns once PORT listens
#   rsyslogd_stop NAME [SIGNAL] stops it (TERM, or SIGNAL: KILL) and waits
#   rsyslogd_pid NAME           its pid
source "$(dirname "${BASH_SOURCE[0]}")/lib-rsyslog.sh"

need_rsyslog
[ -n "$(find /usr/lib -name imrelp.so -path '*rsyslog*' 2>/dev/null | head -1)" ] ||
        skip "rsyslog's imrelp is not installed (scripts/deps.sh check: rsyslog-relp)"

rsyslogd_names=()

rsyslogd_conf() {
        local name=$1 port=$2 out=$3
        if [ "${RSYSLOGD_SLOW:-}" != 1 ]; then
                rsyslog_conf_relp "$port" "$out" "${@:4}" >"$T/$name.conf"
                return
        fi
        # omprog writes each message and confirms it ("OK") before imrelp answers
        cat >"$T/$name.slow.py" <<'SLOW'
import sys, time
out = open(sys.argv[1], "a")
print("OK", flush=True)
for i, line in enumerate(sys.stdin, 1):
    out.write(line)
    out.flush()
    if i % 50 == 0:
        time.sleep(0.01)
    print("OK", flush=True)
SLOW
        {
                rsyslog_conf_head
                echo 'main_queue(queue.type="Direct")'
                echo 'module(load="omprog")'
                cat <<CONF
ruleset(name="in") {
        action(type="omprog" binary="/usr/bin/python3 $T/$name.slow.py $out" confirmMessages="on"
               closeTimeout="200" template="dw_msg")
}
CONF
                rsyslog_conf_input_relp "$port" "${@:4}"
        } >"$T/$name.conf"
}

# alive PID: whether PID runs (a zombie does not: rsyslogd is no child of the
# test's shell, and its reaper may take its time).
alive() {
        local _pid _comm state
        read -r _pid _comm state _ <"/proc/$1/stat" 2>/dev/null || return 1
        [ "$state" != Z ]
}

rsyslogd_pid() {
        cat "$T/$1.pid.run"
}

rsyslogd_start() {
        local name=$1 port=$2 i
        # not a job of the test's shell (no "Killed" notice when a test kills
        # it), without the test's descriptors (a FIFO's writer kept open by
        # rsyslogd would never let the reader see the end)
        (
                for fd in /proc/$BASHPID/fd/*; do
                        fd=${fd##*/}
                        [ "$fd" -gt 2 ] && eval "exec $fd>&-"
                done
                exec "$RSYSLOGD" -n -f "$T/$name.conf" -i "$T/$name.pid" >>"$T/$name.log" 2>&1 &
                echo $! >"$T/$name.pid.run"
        )
        rsyslogd_names+=("$name")
        for ((i = 0; i < 100; i++)); do
                if ss -Hltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
                        return 0
                fi
                alive "$(rsyslogd_pid "$name")" || { cat "$T/$name.log" >&2; fail "rsyslogd $name exited"; }
                sleep 0.05
        done
        cat "$T/$name.log" >&2
        fail "rsyslogd $name does not listen on port $port"
}

rsyslogd_stop() {
        local name=$1 sig=${2:-TERM} pid i
        [ -e "$T/$name.pid.run" ] || return 0
        pid=$(rsyslogd_pid "$name")
        kill -CONT "$pid" 2>/dev/null || true
        kill -"$sig" "$pid" 2>/dev/null || true
        for ((i = 0; i < 200; i++)); do
                alive "$pid" || break
                sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "${T:?}/$name.pid.run" "${T:?}/$name.pid"
}

rsyslogd_stop_all() {
        local n
        for n in "${rsyslogd_names[@]}"; do
                rsyslogd_stop "$n" KILL
        done
}
cleanup_hooks+=("rsyslogd_stop_all")
