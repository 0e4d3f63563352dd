# The agent's https:// output (libcurl) against tests/e2e/http-receiver.py,
# driven by dw-ship-test (the output without the agent's spool). There is no
# Elasticsearch, OpenSearch or Splunk in Debian: the receiver speaks their
# documented _bulk and HEC request and response formats (its header cites the
# documentation), with the faults the tests ask of it. Cases: _bulk, every
# event arrives; per-item failures: 429 items retried one by one (only those:
# the actions sent add up to the events plus the 429s), 400 items dropped with
# a warning and a count; everything sent twice: 409 conflicts, acknowledged,
# nothing stored twice; a whole request answered 429 three times: backoff,
# then delivered; a Retry-After beyond the send's time: the output waits
# instead of hammering; a receiver that hangs: the send times out and the next
# one delivers; Splunk HEC with its token, 503 busy, the indexer
# acknowledgement channel, an invalid event; TLS: a certificate of another CA
# or the system's CAs alone refuse the receiver; bad URLs: one line, exit 2.
#
# Scale: 2,000 events by default (about a CPU second); 50,000 with DW_SOAK=1.
DW_NETNS=private source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-tls.sh"

SHIP=${DW_SHIP_TEST:-$(dirname "$DW")/dw-ship-test}
RECEIVER=$(dirname "$0")/http-receiver.py
[ -x "$SHIP" ] || fail "dw-ship-test is not built beside $DW (cmake --build: target dw-ship-test)"
command -v jq >/dev/null || skip "jq is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"

N=2000
[ "${DW_SOAK:-0}" != 1 ] || N=50000

awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
        printf "{\"@timestamp\":\"2026-11-28T03:00:00.000Z\",\"event\":{\"id\":\"%064x\",\"severity\":73},\"message\":\"finding %d\"}\n", i, i }' \
        >"$T/events.jsonl"
jq -r .event.id "$T/events.jsonl" | LC_ALL=C sort >"$T/ids"

receivers=()
# receiver NAME ARGS...: starts the receiver (TLS with the test's server
# certificate), $T/NAME.out what it stored, $port its port.
receiver() {
        local name=$1 i
        shift
        python3 "$RECEIVER" --port-file "$T/$name.port" --out "$T/$name.out" --tls "$T/pki/server.pem" \
                "$T/pki/server.key" "$@" 2>"$T/$name.log" &
        reap_on_death "$!"
        receivers+=($!)
        for ((i = 0; i < 200; i++)); do
                [ -s "$T/$name.port" ] && break
                sleep 0.02
        done
        [ -s "$T/$name.port" ] || { cat "$T/$name.log"; fail "the receiver $name did not start"; }
        port=$(cat "$T/$name.port")
        touch "$T/$name.out"
}
stop_receivers() {
        local p
        for p in "${receivers[@]}"; do
                kill "$p" 2>/dev/null || true
                wait "$p" 2>/dev/null || true
        done
}
cleanup_hooks+=("stop_receivers")

# stored NAME: the distinct event.ids the receiver stored, sorted; and fail
# when it stored one twice.
stored() {
        [ "$(jq -r .event.id "$T/$1.out" | LC_ALL=C sort | uniq -d | wc -l)" -eq 0 ] ||
                fail "$1: the receiver stored an event twice"
        jq -r .event.id "$T/$1.out" | LC_ALL=C sort -u
}

# bucket EVERY: the ids the receiver's stable bucket EVERY holds (its rule: the
# first 8 hex digits of the id's SHA-256, modulo EVERY).
bucket() {
        python3 -c '
import hashlib, sys
every = int(sys.argv[1])
for line in open(sys.argv[2]):
        i = line.strip()
        if int(hashlib.sha256(i.encode()).hexdigest()[:8], 16) % every == 0:
                print(i)' "$1" "$T/ids" | LC_ALL=C sort
}

elapsed_since() {
        echo $(($(date +%s%N) / 1000000 - $1))
}

tls_make_ca "$T/pki"
tls_make_cert "$T/pki" server localhost
tls_make_ca "$T/evil"
CA="ca=$T/pki/ca.pem"

# 1. _bulk: everything arrives, each event acknowledged once.
receiver bulk
run 0 "$SHIP" -b 500 "https://127.0.0.1:$port/_bulk?$CA&index=dw-test" <"$T/events.jsonl"
[ "$(sort -un "$T/out" | wc -l)" -eq "$N" ] && [ "$(wc -l <"$T/out")" -eq "$N" ] ||
        fail "bulk: $(wc -l <"$T/out") acknowledgements for $N events"
diff -q "$T/ids" <(stored bulk) >/dev/null || fail "bulk: the stored events differ from the sent ones"

# 2. The same events again: 409 conflicts are acknowledged, nothing stored twice.
run 0 "$SHIP" -b 500 "https://127.0.0.1:$port/_bulk?$CA" <"$T/events.jsonl"
[ "$(sort -un "$T/out" | wc -l)" -eq "$N" ] || fail "409: conflicts were not acknowledged"
[ "$(wc -l <"$T/bulk.out")" -eq "$N" ] || fail "409: events stored twice"

# 3. Per-item failures: a first 429 for every 5th event, a 400 for every 40th.
receiver items --item-429-every 5 --item-400-every 40
run 0 "$SHIP" -b 500 "https://127.0.0.1:$port/_bulk?$CA&timeout=20" <"$T/events.jsonl"
[ "$(sort -un "$T/out" | wc -l)" -eq "$N" ] || fail "items: not every event acknowledged (dropped ones included)"
bucket 40 >"$T/refused"
refused=$(wc -l <"$T/refused")
comm -23 "$T/ids" "$T/refused" >"$T/kept"
diff -q "$T/kept" <(stored items) >/dev/null || fail "items: stored events are not the sent ones less the refused"
dropped=$(sed -n 's/^warning: .*refused \([0-9]*\) events\?, dropped.*/\1/p' "$T/err" | awk '{ s += $1 } END { print s + 0 }')
[ "$dropped" -eq "$refused" ] || fail "items: $dropped drops reported for $refused refused events"
grep -q 'mapper_parsing_exception' "$T/err" || fail "items: the warning does not carry the receiver's reason"
retried=$(comm -12 <(bucket 5) "$T/kept" | wc -l)
actions=$(sed -n 's/^receiver: bulk \([0-9]*\) actions$/\1/p' "$T/items.log" | awk '{ s += $1 } END { print s + 0 }')
[ "$actions" -eq $((N + retried)) ] ||
        fail "items: $actions actions sent for $N events and $retried 429s (a 429 must resend that item only)"

# 4. The whole request refused with 429 three times: backoff, then delivered.
receiver busy --fail-first 3 --fail-status 429
t0=$(($(date +%s%N) / 1000000))
run 0 "$SHIP" -b 5000 "https://127.0.0.1:$port/_bulk?$CA&timeout=20" <"$T/events.jsonl"
ms=$(elapsed_since "$t0")
[ "$ms" -ge 800 ] || fail "429: delivered after ${ms} ms: no backoff (250, 500, 1000 ms, each at least half)"
diff -q "$T/ids" <(stored busy) >/dev/null || fail "429: not every event arrived"

# 5. Retry-After beyond the send's time: the send gives up at once and later
# sends wait out the receiver's word instead of hammering it.
receiver wait --fail-first 1 --fail-status 429 --retry-after 60
run 1 "$SHIP" -g 2 "https://127.0.0.1:$port/_bulk?$CA&timeout=1" <"$T/events.jsonl"
grep -q 'asked to wait' "$T/err" || { cat "$T/err"; fail "retry-after: not honoured"; }
[ "$(grep -c '"POST' "$T/wait.log")" -le 2 ] || fail "retry-after: the receiver was asked again before its time"

# 6. A receiver that hangs on the first request: the send times out, the next delivers.
receiver hang --hang-first 1
t0=$(($(date +%s%N) / 1000000))
run 0 "$SHIP" -b 5000 "https://127.0.0.1:$port/_bulk?$CA&timeout=2" <"$T/events.jsonl"
ms=$(elapsed_since "$t0")
grep -q '^error: .*timed out\|^error: .*Operation timed out' "$T/err" || { cat "$T/err"; fail "hang: no timeout reported"; }
[ "$ms" -ge 1900 ] && [ "$ms" -lt 10000 ] || fail "hang: took $ms ms with a 2 s timeout"
diff -q "$T/ids" <(stored hang) >/dev/null || fail "hang: not every event arrived"

# 7. Splunk HEC: token, two 503s, then everything.
receiver hec --token s3cret --fail-first 2 --fail-status 503
run 0 "$SHIP" -b 500 "https://127.0.0.1:$port/services/collector/event?$CA&token=s3cret" <"$T/events.jsonl"
diff -q "$T/ids" <(stored hec) >/dev/null || fail "hec: not every event arrived"
# the token from a file; the indexer acknowledgement channel
receiver hecack --token s3cret --hec-ack
printf 's3cret\n' >"$T/token"
run 0 "$SHIP" -b 500 "https://127.0.0.1:$port/services/collector?$CA&token_file=$T/token&ack=1" <"$T/events.jsonl"
diff -q "$T/ids" <(stored hecack) >/dev/null || fail "hec ack: not every event arrived"
grep -q 'POST /services/collector/ack' "$T/hecack.log" || fail "hec ack: the acknowledgement was not polled"
# HEC's "host" is the event's host.name (the agent's --host-name), not the sender's
receiver hechost --token s3cret
head -3 "$T/events.jsonl" | sed 's/^{/{"host":{"name":"web-42"},/' >"$T/named.jsonl"
run 0 "$SHIP" "https://127.0.0.1:$port/services/collector/event?$CA&token=s3cret" <"$T/named.jsonl"
grep -q 'hec hosts web-42$' "$T/hechost.log" || { cat "$T/hechost.log"; fail "hec: the host field is not host.name"; }
# a wrong token: a clear error, nothing stored
receiver hecbad --token s3cret
run 1 "$SHIP" -g 1 "https://127.0.0.1:$port/services/collector/event?$CA&token=wrong" <"$T/events.jsonl"
grep -q 'refused the credentials (HTTP 403)' "$T/err" || { cat "$T/err"; fail "hec: no clear error for a wrong token"; }
[ ! -s "$T/hecbad.out" ] || fail "hec: a wrong token stored events"
# an invalid event in a batch: that one dropped with a warning, the rest delivered
head -200 "$T/events.jsonl" >"$T/few.jsonl"
receiver hecinv --token s3cret --item-400-every 40
run 0 "$SHIP" -b 100 "https://127.0.0.1:$port/services/collector/event?$CA&token=s3cret&timeout=20" <"$T/few.jsonl"
grep -q 'refused 1 event, dropped.*Invalid data format' "$T/err" || { cat "$T/err"; fail "hec: no warning for an invalid event"; }
[ "$(stored hecinv | wc -l)" -eq $((200 - $(bucket 40 | grep -cFf <(jq -r .event.id "$T/few.jsonl")))) ] ||
        fail "hec: an invalid event took others with it"

# 8. TLS: another CA's certificate, or none (the system's CAs), refuses the receiver.
run 1 "$SHIP" -g 1 "https://127.0.0.1:$port/services/collector/event?ca=$T/evil/ca.pem&token=s3cret" <"$T/few.jsonl"
grep -qi 'certificate' "$T/err" || { cat "$T/err"; fail "tls: no clear error for another CA"; }
run 1 "$SHIP" -g 1 "https://127.0.0.1:$port/services/collector/event?token=s3cret" <"$T/few.jsonl"
grep -qi 'certificate' "$T/err" || { cat "$T/err"; fail "tls: a self-signed receiver was accepted without ca="; }

# 9. Bad URLs: one line, exit 2.
run 2 "$SHIP" "https://127.0.0.1:1/search" <"$T/few.jsonl"
expect_one_error_line "names no protocol"
run 2 "$SHIP" "https://127.0.0.1:1/services/collector/event" <"$T/few.jsonl"
expect_one_error_line "needs token"
run 2 "$SHIP" "https://127.0.0.1:1/_bulk?cafile=x" <"$T/few.jsonl"
expect_one_error_line "unknown parameter 'cafile'"
run 2 "$SHIP" "https://127.0.0.1:1/_bulk?ca=$T/missing.pem" <"$T/few.jsonl"
expect_one_error_line "missing.pem"
echo PASS
