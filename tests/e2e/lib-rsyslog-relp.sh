# rsyslog as the receiver of the agent's RELP tests: Debian's rsyslogd with
# imrelp (package rsyslog-relp), plain or TLS (librelp's own, GnuTLS on the
# server side: rsyslog 8.2302's imrelp has no tls.tlslib), writing each message's MSG (the event's JSON line) to a
# file the test reads. Each rsyslogd runs in the foreground with its own
# configuration, work directory and pidfile under $T, listens on 127.0.0.1 on
# a port the test picked free, and is stopped by its pid in the EXIT trap even
# when the test fails. Source after lib.sh.
#
#   rsyslog_free_port                 a free TCP port on 127.0.0.1
#   rsyslog_conf_relp NAME PORT OUT [CA CERT KEY PEER]
#                                     writes $T/NAME.conf: imrelp on PORT (TLS
#                                     with CA, CERT, KEY, the client's
#                                     certificate to name PEER) into omfile OUT
#   rsyslog_start NAME PORT           starts rsyslogd -n -f $T/NAME.conf, waits
#                                     until PORT listens
#   rsyslog_stop NAME [SIGNAL]        stops it (TERM, or SIGNAL: KILL) and waits
#   rsyslog_pid NAME                  its pid
# Certificates: lib-tls.sh.
#
# The omfile action runs on the imrelp thread (queue.type Direct), so a
# message is in the file (written, not fsynced: the tests kill rsyslogd, not
# the machine) before imrelp answers its txnr: what RELP acknowledged has
# arrived. RSYSLOG_QUEUE=default keeps rsyslog's own queues (the benchmark);
# RSYSLOG_SLOW=1 makes the receiver slow (omprog, a message at a time).

source "$(dirname "${BASH_SOURCE[0]}")/lib-tls.sh"

command -v rsyslogd >/dev/null || skip "rsyslogd is not installed (scripts/deps.sh check: rsyslog)"
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so ] || [ -n "$(find /usr/lib -name imrelp.so -path '*rsyslog*' 2>/dev/null | head -1)" ] ||
        skip "rsyslog's imrelp is not installed (scripts/deps.sh check: rsyslog-relp)"

rsyslog_names=()

rsyslog_free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

rsyslog_conf_relp() {
        local name=$1 port=$2 out=$3 ca=${4:-} cert=${5:-} key=${6:-} peer=${7:-} tls="" queue action modules=""
        mkdir -p "$T/$name.work"
        if [ -n "$ca" ]; then
                tls=" tls=\"on\" tls.cacert=\"$ca\" tls.mycert=\"$cert\" tls.myprivkey=\"$key\""
                tls+=" tls.authmode=\"name\" tls.permittedpeer=[\"$peer\"]"
        fi
        queue='main_queue(queue.type="Direct")'
        [ "${RSYSLOG_QUEUE:-}" != default ] || queue=''
        action="action(type=\"omfile\" file=\"$out\" template=\"msgonly\")"
        if [ "${RSYSLOG_SLOW:-}" = 1 ]; then
                # a receiver that takes its time (10 ms every 50 messages), so
                # RELP sessions last long enough to be cut: omprog writes each
                # message and confirms it ("OK") before imrelp answers
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
                modules='module(load="omprog")'
                action="action(type=\"omprog\" binary=\"/usr/bin/python3 $T/$name.slow.py $out\" confirmMessages=\"on\" closeTimeout=\"200\""
                action+=" template=\"msgonly\")"
        fi
        cat >"$T/$name.conf" <<CONF
global(workDirectory="$T/$name.work" maxMessageSize="1m")
$queue
module(load="imrelp")
$modules
template(name="msgonly" type="string" string="%msg%\n")
ruleset(name="relp") {
        $action
}
input(type="imrelp" address="127.0.0.1" port="$port" maxDataSize="1100k" ruleset="relp"$tls)
CONF
}

# alive PID: whether PID runs (a zombie does not: rsyslogd is no child of the
# test's shell, and its reaper may take its time).
alive() {
        local _pid _comm state
        read -r _pid _comm state _ <"/proc/$1/stat" 2>/dev/null || return 1
        [ "$state" != Z ]
}

rsyslog_pid() {
        cat "$T/$1.pid.run"
}

rsyslog_start() {
        local name=$1 port=$2 i
        # not a job of the test's shell: no "Killed" notice when a test kills it
        (rsyslogd -n -f "$T/$name.conf" -i "$T/$name.pid" >>"$T/$name.log" 2>&1 &
                echo $! >"$T/$name.pid.run")
        rsyslog_names+=("$name")
        for ((i = 0; i < 100; i++)); do
                if ss -Hltn "sport = :$port" 2>/dev/null | grep -q LISTEN; then
                        return 0
                fi
                alive "$(rsyslog_pid "$name")" || { cat "$T/$name.log" >&2; fail "rsyslogd $name exited"; }
                sleep 0.05
        done
        cat "$T/$name.log" >&2
        fail "rsyslogd $name does not listen on port $port"
}

rsyslog_stop() {
        local name=$1 sig=${2:-TERM} pid
        [ -e "$T/$name.pid.run" ] || return 0
        pid=$(rsyslog_pid "$name")
        kill -CONT "$pid" 2>/dev/null || true
        kill -"$sig" "$pid" 2>/dev/null || true
        for ((i = 0; i < 200; i++)); do
                alive "$pid" || break
                sleep 0.05
        done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "${T:?}/$name.pid.run" "${T:?}/$name.pid"
}

rsyslog_stop_all() {
        local n
        for n in "${rsyslog_names[@]}"; do
                rsyslog_stop "$n" KILL
        done
}
cleanup_hooks+=("rsyslog_stop_all")
