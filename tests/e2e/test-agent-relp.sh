# The agent's relp:// output against a real rsyslog imrelp (Debian's rsyslog and
# rsyslog-relp; lib-rsyslog.sh, lib-rsyslog-relp.sh), driven by dw-ship-test (the output without
# the agent's spool; tests/agent/ship-test.c): every event arrives; rsyslog
# killed (SIGKILL, and SIGTERM, which sends RELP's "serverclose" mid-batch) and
# restarted while events flow: nothing lost, duplicates only of events already
# sent (same event.id); rsyslog stopped (SIGSTOP) mid-stream: the sender times
# out, retries, and everything arrives once it resumes; TLS with a throwaway
# CA; a server certificate from another CA or for another name: a clear error,
# nothing delivered; bad URLs: one line, exit 2.
#
# Scale: by default 5,000 events, 5 restarts, a 3 s SIGSTOP (a few CPU
# seconds); with DW_SOAK=1 (make soak) 50,000 events, 20 restarts and a 30 s
# SIGSTOP, as issue #15 states them.
DW_NETNS=private source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-rsyslog-relp.sh"
source "$(dirname "$0")/lib-tls.sh"

SHIP=${DW_SHIP_TEST:-$(dirname "$DW")/dw-ship-test}
# Under the sanitizer build: what librelp 1.11 itself leaks (lsan-librelp.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$(cd "$(dirname "$0")" && pwd)/lsan-librelp.supp"
[ -x "$SHIP" ] || fail "dw-ship-test is not built beside $DW (cmake --build: target dw-ship-test)"
command -v jq >/dev/null || skip "jq is not installed"

if [ "${DW_SOAK:-0}" = 1 ]; then
        N=50000 KILLS=20 STOP_S=30
else
        N=5000 KILLS=5 STOP_S=3
fi

# events N: N findings as JSON Lines, event.id the 64-hex-digit number of each.
events() {
        awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++)
                printf "{\"@timestamp\":\"2026-11-28T03:00:00.000Z\",\"event\":{\"id\":\"%064x\",\"severity\":47,\"code\":\"DW-TEST\"},\"message\":\"finding %d of the relp test\"}\n", i, i, n }'
}
events "$N" >"$T/events.jsonl"
jq -r .event.id "$T/events.jsonl" | LC_ALL=C sort >"$T/ids"

# arrived OUT WHAT: every produced event is in OUT, and OUT holds nothing else
# (a line twice is a duplicate of an event sent again: same event.id).
arrived() {
        local got
        got=$(jq -r .event.id "$1" | LC_ALL=C sort -u)
        diff -q "$T/ids" <(printf '%s\n' "$got") >/dev/null ||
                fail "$2: $(comm -23 "$T/ids" <(printf '%s\n' "$got") | wc -l) events missing, $(comm -13 "$T/ids" <(printf '%s\n' "$got") | wc -l) unknown"
        expect_valid_jsonl "$1"
        echo "$2: $N events arrived, $(($(wc -l <"$1") - N)) duplicates" >&2
}

# lines FILE: how many lines FILE has (0 when it is not there yet).
lines() {
        if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi
}

# 1. Plain RELP: everything arrives, each event acknowledged once.
port=$(free_port)
rsyslogd_conf plain "$port" "$T/plain.out"
rsyslogd_start plain "$port"
run 0 "$SHIP" -b 1000 "relp://127.0.0.1:$port" <"$T/events.jsonl"
[ "$(sort -n "$T/out" | uniq | wc -l)" -eq "$N" ] && [ "$(wc -l <"$T/out")" -eq "$N" ] ||
        fail "plain: $(wc -l <"$T/out") acknowledgements for $N events"
arrived "$T/plain.out" plain
[ "$(wc -l <"$T/plain.out")" -eq "$N" ] || fail "plain: duplicates without a fault"
# The message is RFC 5424 with the event's id as structured data (rsyslog's view of it).
head -1 "$T/plain.out" | jq -e '.event.code == "DW-TEST"' >/dev/null || fail "plain: the MSG is not the JSON line"
rsyslogd_stop plain

# 2. rsyslog killed and restarted mid-transaction, KILLS times (KILL and TERM in
# turn), a slow rsyslog (omprog, lib-rsyslog-relp.sh) so the kills land inside
# RELP sessions.
port=$(free_port)
RSYSLOGD_SLOW=1 rsyslogd_conf crash "$port" "$T/crash.out"
rsyslogd_start crash "$port"
"$SHIP" -b 250 -g 300 "relp://127.0.0.1:$port?timeout=2" <"$T/events.jsonl" >"$T/crash.acked" 2>"$T/crash.err" &
ship=$!
reap_on_death "$ship"
for ((k = 1; k <= KILLS; k++)); do
        want=$((N * k / (KILLS + 1)))
        while [ "$(lines "$T/crash.out")" -lt "$want" ] && kill -0 "$ship" 2>/dev/null; do
                sleep 0.05
        done
        kill -0 "$ship" 2>/dev/null || break
        if ((k % 2)); then rsyslogd_stop crash KILL; else rsyslogd_stop crash TERM; fi
        sleep 0.2
        rsyslogd_start crash "$port"
done
kills_done=$((k - 1))
rc=0
wait "$ship" || rc=$?
[ "$rc" -eq 0 ] || { tail -5 "$T/crash.err"; fail "crash: dw-ship-test exited $rc"; }
[ "$(sort -un "$T/crash.acked" | wc -l)" -eq "$N" ] || fail "crash: not every event acknowledged"
arrived "$T/crash.out" "crash ($kills_done restarts)"
[ "$kills_done" -ge 2 ] || fail "crash: the sender finished before the second restart: the test proves little"
# At least one restart broke a session with part of its batch acknowledged
# (the rest was sent again), or with none (the whole batch sent again).
mid=$(grep -c '^partial: \|no message acknowledged' "$T/crash.err" || true)
[ "$mid" -ge 1 ] || { cat "$T/crash.err"; fail "crash: no restart landed inside a RELP session"; }
echo "crash: $mid sessions broken mid-batch" >&2
rsyslogd_stop crash

# 3. rsyslog stopped (SIGSTOP) for STOP_S seconds mid-stream: the sender times
# out (timeout=1), retries, and everything arrives after SIGCONT.
port=$(free_port)
rsyslogd_conf stop "$port" "$T/stop.out"
rsyslogd_start stop "$port"
start=$(date +%s)
"$SHIP" -b 100 -p 10 -g 300 "relp://127.0.0.1:$port?timeout=1" <"$T/events.jsonl" >"$T/stop.acked" 2>"$T/stop.err" &
ship=$!
reap_on_death "$ship"
while [ "$(lines "$T/stop.out")" -lt 1 ] && kill -0 "$ship" 2>/dev/null; do
        sleep 0.005
done
kill -STOP "$(rsyslogd_pid stop)"
sleep "$STOP_S"
kill -CONT "$(rsyslogd_pid stop)"
rc=0
wait "$ship" || rc=$?
[ "$rc" -eq 0 ] || { tail -5 "$T/stop.err"; fail "stop: dw-ship-test exited $rc"; }
grep -q '^error: .*relp output' "$T/stop.err" || fail "stop: the sender did not time out while rsyslog was stopped"
[ $(($(date +%s) - start)) -ge "$STOP_S" ] || fail "stop: finished before rsyslog resumed"
arrived "$T/stop.out" "sigstop ${STOP_S}s"
rsyslogd_stop stop

# 4. TLS: a throwaway CA, the server's certificate for receiver.test, the
# client's for client.test (librelp checks the server only with one).
tls_make_ca "$T/pki"
tls_make_cert "$T/pki" server receiver.test
tls_make_cert "$T/pki" client client.test
tls_make_ca "$T/evil"
tls_make_cert "$T/evil" server receiver.test
port=$(free_port)
rsyslogd_conf tls "$port" "$T/tls.out" "$T/pki/ca.pem" "$T/pki/server.pem" "$T/pki/server.key" client.test
rsyslogd_start tls "$port"
tls="ca=$T/pki/ca.pem&cert=$T/pki/client.pem&key=$T/pki/client.key"
run 0 "$SHIP" -b 1000 "relp+tls://127.0.0.1:$port?$tls&peer=receiver.test" <"$T/events.jsonl"
arrived "$T/tls.out" tls
# The same through relp://...&tls=1.
head -10 "$T/events.jsonl" >"$T/ten.jsonl"
run 0 "$SHIP" "relp://127.0.0.1:$port?tls=1&$tls&peer=receiver.test" <"$T/ten.jsonl"
# Another name than the certificate's: refused, nothing acknowledged.
run 1 "$SHIP" -g 2 "relp+tls://127.0.0.1:$port?$tls&peer=other.test" <"$T/ten.jsonl"
[ ! -s "$T/out" ] || fail "tls: a server with the wrong name acknowledged events"
grep -qi 'error: relp output .*\(name\|peer\|certificate\|auth\)' "$T/err" || { cat "$T/err"; fail "tls: no clear error for a wrong name"; }
# A stopped TLS receiver: the handshake (which librelp does not time) is cut
# at the timeout; nothing hangs; it delivers once the receiver resumes.
kill -STOP "$(rsyslogd_pid tls)"
t0=$(date +%s)
run 1 "$SHIP" -g 3 "relp+tls://127.0.0.1:$port?$tls&peer=receiver.test&timeout=1" <"$T/ten.jsonl"
kill -CONT "$(rsyslogd_pid tls)"
[ $(($(date +%s) - t0)) -le 8 ] || fail "tls: a stopped receiver held the sender $(($(date +%s) - t0)) s"
grep -q 'cannot connect: no answer in time' "$T/err" || { cat "$T/err"; fail "tls: no timeout on a stopped receiver"; }
run 0 "$SHIP" -g 10 "relp+tls://127.0.0.1:$port?$tls&peer=receiver.test" <"$T/ten.jsonl"
rsyslogd_stop tls
# A server whose certificate another CA signed.
port=$(free_port)
rsyslogd_conf evil "$port" "$T/evil.out" "$T/pki/ca.pem" "$T/evil/server.pem" "$T/evil/server.key" client.test
rsyslogd_start evil "$port"
run 1 "$SHIP" -g 2 "relp+tls://127.0.0.1:$port?$tls&peer=receiver.test" <"$T/ten.jsonl"
[ ! -s "$T/out" ] && [ ! -s "$T/evil.out" ] || fail "tls: events went to a server with a certificate of another CA"
grep -qi 'error: relp output .*certificate' "$T/err" || { cat "$T/err"; fail "tls: no clear error for a certificate of another CA"; }
rsyslogd_stop evil

# 5. Bad URLs: one line naming the URL or the option, exit 2.
run 2 "$SHIP" "relp://127.0.0.1" <"$T/ten.jsonl"
expect_one_error_line "relp://127.0.0.1"
run 2 "$SHIP" "relp+tls://127.0.0.1:1?ca=$T/pki/ca.pem" <"$T/ten.jsonl"
expect_one_error_line "'cert' is missing"
run 2 "$SHIP" "relp://127.0.0.1:1?windows=5" <"$T/ten.jsonl"
expect_one_error_line "unknown parameter 'windows'"
run 2 "$SHIP" "relp://127.0.0.1:99999" <"$T/ten.jsonl"
expect_one_error_line "port"
echo PASS
