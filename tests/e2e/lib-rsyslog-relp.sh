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
# rsyslogd_start, rsyslogd_stop and rsyslogd_pid (lib-rsyslog.sh) run them.
source "$(dirname "${BASH_SOURCE[0]}")/lib-rsyslog.sh"

need_rsyslog
[ -n "$(find /usr/lib -name imrelp.so -path '*rsyslog*' 2>/dev/null | head -1)" ] ||
        skip "rsyslog's imrelp is not installed (scripts/deps.sh check: rsyslog-relp)"

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

