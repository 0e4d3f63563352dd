# Ctrl-C and SIGTERM stop a command within a second, whatever it waits for:
# a FIFO given as an input, a silent pipe on standard input.
source "$(dirname "$0")/lib.sh"

# stops_within SIGNAL PIDFILE: sends SIGNAL to the driftwatch whose pid is in
# PIDFILE and checks it is gone within a second.
stops_within() {
        local sig=$1 pid i
        pid=$(cat "$2")
        kill -0 "$pid" 2>/dev/null || fail "driftwatch (pid $pid) ended before the signal"
        kill -"$sig" "$pid"
        for i in 1 2 3 4 5 6 7 8 9 10; do
                kill -0 "$pid" 2>/dev/null || return 0
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        fail "driftwatch still ran a second after SIG$sig"
}

# start PIDFILE CMD...: runs CMD in the background with its pid in PIDFILE
# and gives it time to block.
start() {
        local pidfile=$1
        shift
        "$@" >"$T/out" 2>"$T/err" &
        reap_on_death "$!"
        echo $! >"$pidfile"
        cleanup_hooks+=("kill -KILL $! 2>/dev/null")
        sleep 0.5
}

mkfifo "$T/rules.fifo"
for sig in INT TERM; do
        start "$T/pid" "$DW" --rules "$T/rules.fifo" audit-rules
        stops_within "$sig" "$T/pid"
        wait "$(cat "$T/pid")" && fail "cancelled audit-rules exited 0"
done

# A silent writer on standard input.
mkfifo "$T/stdin.fifo"
sleep 60 >"$T/stdin.fifo" &
writer=$!
reap_on_death "$writer"
cleanup_hooks+=("kill $writer 2>/dev/null")
start "$T/pid" sh -c 'exec "$0" status --bootc-json - --state "$1" <"$2"' "$DW" "$T/state.db" "$T/stdin.fifo"
stops_within INT "$T/pid"
grep -q 'standard input' "$T/err" || fail "the cancelled read does not name its input: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "more than one error line: $(cat "$T/err")"
kill "$writer" 2>/dev/null || true

echo ok
