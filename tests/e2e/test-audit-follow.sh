# driftwatch audit --follow: the last log is read as it grows, across auditd's
# rotation (audit.log renamed to audit.log.1, written to once more, a new
# audit.log created a moment later) and truncation (also truncation and a refill
# past the old offset while the follower is stopped), the path briefly a FIFO
# (waited out, never opened); a line written in two
# pieces stays one line; SIGTERM ends the follower promptly with exit 0 and
# every event exactly once. Standard input from a pipe that goes idle: its
# events complete by the wall clock while the pipe stays open, and SIGTERM ends
# the reader the same way. How far the follower has read comes from
# /proc/PID/fdinfo, so each step waits for it (at most 10 s), not for a guess.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
[ -d /proc/self/fdinfo ] || skip "no /proc/PID/fdinfo"

L=$T/logs
mkdir -p "$L"
LOG=$L/audit.log
pids=()
cleanup_hooks+=('for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done')

# rec SERIAL [TYPE]: one record of event SERIAL (one second apart, so no two
# events share a time).
rec() {
        local type=${2:-SYSCALL}
        if [ "$type" = SYSCALL ]; then
                echo "type=SYSCALL msg=audit($((1700000000 + $1)).000:$1): arch=c000003e syscall=2 success=yes exit=3 items=1 ppid=1 pid=$1 auid=1000 uid=0 comm=\"cat\" exe=\"/usr/bin/cat\""
        else
                echo "type=PATH msg=audit($((1700000000 + $1)).000:$1): item=0 name=\"/etc/f$1\" inode=$1 nametype=NORMAL"
        fi
}

# The follower's read offset in the file the path names now (its fd to that
# device and inode), or nothing while it has no fd to it.
offset() {
        local fd ino
        ino=$(stat -c %d:%i "$LOG" 2>/dev/null) || return 0
        for fd in /proc/"$1"/fd/*; do
                if [ "$(stat -L -c %d:%i "$fd" 2>/dev/null)" = "$ino" ]; then
                        sed -n 's/^pos:[[:space:]]*//p' /proc/"$1"/fdinfo/"${fd##*/}"
                        return 0
                fi
        done
}

# caught_up PID: waits (at most 10 s) until the follower has read the current
# log to its end.
caught_up() {
        local i size
        for i in $(seq 100); do
                size=$(stat -c %s "$LOG" 2>/dev/null || echo x)
                [ "$(offset "$1")" = "$size" ] && return 0
                kill -0 "$1" 2>/dev/null || fail "the follower exited early: $(cat "$T/err.follow")"
                sleep 0.1
        done
        fail "the follower did not read $LOG to its end within 10 s (offset $(offset "$1"), size $size)"
}

# stop PID: SIGTERM, then its exit status (it must end within 2 s).
stop() {
        local i start end
        start=$(date +%s%N)
        kill -TERM "$1"
        for i in $(seq 200); do
                kill -0 "$1" 2>/dev/null || break
                sleep 0.01
        done
        end=$(date +%s%N)
        kill -0 "$1" 2>/dev/null && { kill -KILL "$1"; fail "still running 2 s after SIGTERM"; }
        echo "SIGTERM to exit: $(((end - start) / 1000000)) ms" >&2
        wait "$1"
}

# expect_ids FILE SERIAL...: each event once, exactly these.
expect_ids() {
        local file=$1 want got s
        shift
        expect_valid_jsonl "$file"
        want=$(for s in "$@"; do echo "$((1700000000 + s)).000:$s"; done | sort)
        got=$(jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | .driftwatch.audit.id' "$file" | sort)
        [ "$got" = "$want" ] || fail "events differ (- expected, + got):
$(diff <(echo "$want") <(echo "$got"))"
}

# ---- --follow across rotation and truncation ----

{ rec 1; rec 1 PATH; rec 2; rec 3; } >"$LOG"
"$DW" audit --events --follow "$LOG" >"$T/out.follow" 2>"$T/err.follow" &
pid=$!
reap_on_death "$pid"
pids+=("$pid")
caught_up "$pid"

{ rec 4; rec 5; } >>"$LOG"
caught_up "$pid"

# auditd's rotation: rename, (a last write to the old file), a moment without
# audit.log, then a new one. Event 5's PATH record lands in the old file after
# the rename, event 6's in the new file.
mv "$LOG" "$LOG.1"
{ rec 5 PATH; rec 6; } >>"$LOG.1"
sleep 0.4
{ rec 6 PATH; rec 7; } >"$LOG"
caught_up "$pid"
# A second rotation without the gap.
mv "$LOG" "$LOG.2"
{ rec 8; } >"$LOG"
caught_up "$pid"

# Truncation in place (copytruncate): the rest is read from the start.
{ rec 9; rec 10; rec 11; } >>"$LOG"
caught_up "$pid"
: >"$LOG"
rec 12 >>"$LOG"
caught_up "$pid"

# A line written in two pieces, the follower waiting in between.
line=$(rec 13)
printf '%s' "${line:0:40}" >>"$LOG"
sleep 0.6
printf '%s\n' "${line:40}" >>"$LOG"
caught_up "$pid"

# copytruncate under load: truncated and refilled past the old offset while
# the follower is not looking (stopped): the bytes before its offset changed,
# so it reads the file again from the start, every new event once.
kill -STOP "$pid"
: >"$LOG"
for s in 14 15 16 17 18 19; do rec $s; done >>"$LOG"
kill -CONT "$pid"
caught_up "$pid"

# The path briefly a FIFO (with nobody writing): waited out like a missing
# file, never opened, then the regular file that replaces it is followed.
mv "$LOG" "$LOG.3"
mkfifo "$LOG"
sleep 0.6
kill -0 "$pid" 2>/dev/null || fail "the follower exited on a FIFO: $(cat "$T/err.follow")"
rm -f "${LOG:?}"
rec 20 >"$LOG.new"
mv "$LOG.new" "$LOG"
caught_up "$pid"
[ "$(grep -c 'not a regular file' "$T/err.follow")" -eq 1 ] ||
        fail "expected one warning about the FIFO: $(cat "$T/err.follow")"

rc=0
stop "$pid" || rc=$?
[ "$rc" -eq 0 ] || fail "the follower exited $rc after SIGTERM: $(cat "$T/err.follow")"
expect_ids "$T/out.follow" 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20
got=$(jq -c '[.driftwatch.audit.serial, .driftwatch.records, .file.path] | select(.[1] > 1)' "$T/out.follow" |
        sort | tr '\n' ' ')
[ "$got" = '[1,2,"/etc/f1"] [5,2,"/etc/f5"] [6,2,"/etc/f6"] ' ] ||
        fail "events spanning a rotation were not joined: $got"
[ "$(jq -r 'select(.driftwatch.audit.serial == 13) | [.process.pid, .process.executable] | join(" ")' \
        "$T/out.follow")" = "13 /usr/bin/cat" ] || fail "a line written in two pieces was cut"
grep -q '^audit: 20 events from 23 records in 1 input$' "$T/err.follow" ||
        fail "summary: $(cat "$T/err.follow")"
[ "$(tail -n 1 "$T/out.follow" | jq -c '[.rule.id, .driftwatch.run.events, .driftwatch.run.exit_status]')" = \
  '["DW-RUN-SUMMARY",20,0]' ] || fail "the run summary after SIGTERM: $(tail -n 1 "$T/out.follow")"

# ---- errors: a missing file to follow ----

run 2 "$DW" audit --events --follow "$L/missing.log"
expect_one_error_line "$L/missing.log"

# ---- standard input: an idle pipe, then SIGTERM ----

mkfifo "$T/fifo"
"$DW" audit --events <"$T/fifo" >"$T/out.stdin" 2>"$T/err.stdin" &
pid=$!
reap_on_death "$pid"
pids+=("$pid")
exec 3>"$T/fifo"
{ rec 20; rec 20 PATH; rec 21; } >&3
# Nothing more arrives: the reader waits in poll(), and the events (no EOE)
# complete by the wall clock and come out while the pipe is still open.
for i in $(seq 100); do
        [ "$(wc -l <"$T/out.stdin")" -eq 2 ] && break
        sleep 0.1
done
[ "$(wc -l <"$T/out.stdin")" -eq 2 ] || fail "an idle stream's events did not come out within 10 s"
kill -0 "$pid" 2>/dev/null || fail "the stdin reader ended while its pipe was open: $(cat "$T/err.stdin")"
rc=0
stop "$pid" || rc=$?
exec 3>&-
[ "$rc" -eq 0 ] || fail "the stdin reader exited $rc after SIGTERM: $(cat "$T/err.stdin")"
expect_ids "$T/out.stdin" 20 21

# A pipe that ends is read to its end, with the same events.
{ rec 20; rec 20 PATH; sleep 0.3; rec 21; } | run 0 "$DW" audit --events
expect_ids "$T/out" 20 21
