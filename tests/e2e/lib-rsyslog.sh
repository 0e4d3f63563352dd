# A real rsyslog (Debian's rsyslogd) as the receiver of the agent's tests:
# started in the test's own directory with its own work directory and
# pidfile, listening on 127.0.0.1 on a port the test picks free, writing
# what it receives with omfile to a file the test reads, stopped by pid in
# the EXIT trap (even when the test fails) and, when the test is killed hard,
# by a watcher (reap_on_death, lib.sh). Sourced after lib.sh.
#
#   port=$(free_port)
#   rsyslog_conf_tcp "$port" "$T/received" >"$T/rsyslog.conf"
#   rsyslog_start "$T/rsyslog.conf"
#   ... rsyslog_stop; rsyslog_start "$T/rsyslog.conf"   (a restart)
#   rsyslog_messages "$T/received"   (the MSG of each message, one a line)
#
# The configurations are built from rsyslog_conf_head (global settings),
# one input block and rsyslog_conf_omfile, so another input (imrelp) is one
# function more: rsyslog_conf_input_* prints an input bound to ruleset "in".
RSYSLOGD=${RSYSLOGD:-/usr/sbin/rsyslogd}

need_rsyslog() {
        [ -x "$RSYSLOGD" ] || skip "rsyslogd is not installed (Debian package rsyslog)"
}

# free_port: a TCP port on 127.0.0.1 nothing listens on now.
free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# rsyslog_conf_head: global settings (work directory under $T, messages up
# to 1 MiB: a finding can be large).
rsyslog_conf_head() {
        mkdir -p "$T/rsyslog-work"
        cat <<CONF
global(workDirectory="$T/rsyslog-work" maxMessageSize="1m")
template(name="dw_msg" type="string" string="%msg%\n")
CONF
}

# rsyslog_conf_omfile OUT: ruleset "in" writes each message's MSG to OUT.
rsyslog_conf_omfile() {
        cat <<CONF
ruleset(name="in") {
        action(type="omfile" file="$1" template="dw_msg" flushOnTXEnd="on")
}
CONF
}

# rsyslog_conf_input_tcp PORT: imtcp, plain.
rsyslog_conf_input_tcp() {
        cat <<CONF
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="$1" ruleset="in")
CONF
}

# rsyslog_conf_input_tls PORT CA CERT KEY: imtcp over TLS (the ossl driver
# of rsyslog-openssl), the client not asked for a certificate.
rsyslog_conf_input_tls() {
        cat <<CONF
global(DefaultNetstreamDriverCAFile="$2" DefaultNetstreamDriverCertFile="$3" DefaultNetstreamDriverKeyFile="$4")
module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
input(type="imtcp" address="127.0.0.1" port="$1" ruleset="in")
CONF
}

# rsyslog_conf_input_relp PORT [CA CERT KEY PEER]: imrelp (rsyslog-relp),
# plain or over TLS (librelp's own; rsyslog 8.2302's imrelp has no
# tls.tlslib, its server side is GnuTLS), the client's certificate to name
# PEER (librelp checks a server only when the client has a certificate).
rsyslog_conf_input_relp() {
        local tls=""
        if [ -n "${2:-}" ]; then
                tls=" tls=\"on\" tls.cacert=\"$2\" tls.mycert=\"$3\" tls.myprivkey=\"$4\""
                tls+=" tls.authmode=\"name\" tls.permittedpeer=[\"$5\"]"
        fi
        cat <<CONF
module(load="imrelp")
input(type="imrelp" address="127.0.0.1" port="$1" maxDataSize="1100k" ruleset="in"$tls)
CONF
}

# rsyslog_conf_relp PORT OUT [CA CERT KEY PEER]: a whole configuration, RELP
# into OUT; the main queue Direct, so a message is in OUT (written, not
# fsynced) before imrelp answers its transaction: what RELP acknowledged
# has arrived even when rsyslogd is killed.
rsyslog_conf_relp() {
        rsyslog_conf_head
        echo 'main_queue(queue.type="Direct")'
        rsyslog_conf_omfile "$2"
        rsyslog_conf_input_relp "$1" "${@:3}"
}

# rsyslog_conf_tcp PORT OUT: a whole configuration, plain TCP into OUT.
rsyslog_conf_tcp() {
        rsyslog_conf_head
        rsyslog_conf_omfile "$2"
        rsyslog_conf_input_tcp "$1"
}

# rsyslog_conf_tls PORT OUT CA CERT KEY: a whole configuration, TLS into OUT.
rsyslog_conf_tls() {
        rsyslog_conf_head
        rsyslog_conf_omfile "$2"
        rsyslog_conf_input_tls "$1" "$3" "$4" "$5"
}

# Named instances, several at once, each killed and restarted at will:
#   rsyslogd_start NAME PORT    runs $T/NAME.conf, returns once PORT listens
#   rsyslogd_stop NAME [SIGNAL] stops it (TERM, or SIGNAL: KILL) and waits
#   rsyslogd_pid NAME           its pid
rsyslogd_names=()

# alive PID: whether PID runs (a zombie does not: rsyslogd is no child of the
# test's shell, and its reaper may take its time).
alive() {
        proc_start "$1"
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
                closefds
                exec "$RSYSLOGD" -n -f "$T/$name.conf" -i "$T/$name.pid" >>"$T/$name.log" 2>&1 &
                echo $! >"$T/$name.pid.run"
        )
        rsyslogd_names+=("$name")
        # stopped even when the test is killed hard (lib.sh)
        reap_on_death "$(rsyslogd_pid "$name")"
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

# rsyslog_start CONF: the one receiver of a test (instance "receiver") with
# CONF, once rsyslogd accepts it; returns once it listens on CONF's port.
rsyslog_start() {
        local conf=$1 port
        need_rsyslog
        "$RSYSLOGD" -N1 -f "$conf" >"$T/rsyslog-check.log" 2>&1 ||
                { cat "$T/rsyslog-check.log" >&2; fail "rsyslog rejects '$conf'"; }
        port=$(sed -n 's/.*port="\([0-9]*\)".*/\1/p' "$conf" | head -1)
        [ -n "$port" ] || fail "'$conf' names no port"
        cp "$conf" "$T/receiver.conf"
        rsyslogd_start receiver "$port"
}

# rsyslog_stop: SIGTERM to the receiver rsyslog_start started, and wait for it.
rsyslog_stop() {
        rsyslogd_stop receiver
}

# rsyslog_wait_lines FILE N [SECONDS]: waits until FILE has at least N lines.
rsyslog_wait_lines() {
        local i n=0
        for ((i = 0; i < ${3:-20} * 20; i++)); do
                n=0
                [ ! -e "$1" ] || n=$(wc -l <"$1")
                [ "$n" -ge "$2" ] && return 0
                sleep 0.05
        done
        fail "'$1' has $n lines after ${3:-20} s, expected $2"
}

# throwaway_ca DIR NAME...: a CA (DIR/ca.pem) and a server certificate
# (DIR/server.pem, DIR/server.key) for the names (DNS: or IP: entries),
# signed by the CA; DIR/other-ca.pem is a CA that signed nothing here.
throwaway_ca() {
        local dir=$1 san
        shift
        san=$(printf '%s,' "$@")
        mkdir -p "$dir"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=driftwatch test CA" \
                -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null || fail "openssl cannot make the test CA"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another test CA" \
                -keyout "$dir/other-ca.key" -out "$dir/other-ca.pem" 2>/dev/null || fail "openssl cannot make a CA"
        openssl req -newkey rsa:2048 -nodes -subj "/CN=driftwatch test server" -keyout "$dir/server.key" -out "$dir/server.csr" \
                2>/dev/null || fail "openssl cannot make the server key"
        printf 'subjectAltName=%s\n' "${san%,}" >"$dir/ext.cnf"
        openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
                -extfile "$dir/ext.cnf" -out "$dir/server.pem" 2>/dev/null || fail "openssl cannot sign the server key"
}
