# driftwatch audit: inputs (file, standard input, a directory of rotated logs
# oldest first, a quoted glob), the raw event view's fields, hostile values
# escaped, and bad input: missing and unreadable files give exit 2 and one line
# naming the input; malformed lines and binary junk are skipped, never fatal.
# The raw event view is JSON Lines by default, one text line an event with
# --format text.
source "$(dirname "$0")/lib.sh"

L=$T/logs
mkdir -p "$L/rot" "$L/empty"

# One exec on an ENRICHED host with a relative path, a hex argument, an
# argument split over two EXECVE records, and control characters in comm.
GS=$'\x1d'
cat >"$L/exec.log" <<EOF
node=web-07 type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes exit=0 a0=55d1 a1=55d2 a2=55d3 a3=0 items=2 ppid=1200 pid=1234 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=62610A1B5B33316D exe="/usr/bin/bash" key="exec"${GS}ARCH=x86_64 SYSCALL=execve AUID="alice" UID="root"
node=web-07 type=EXECVE msg=audit(1700000000.123:4567): argc=3 a0="bash" a1="-c" a2_len=12 a2[0]=6563
node=web-07 type=EXECVE msg=audit(1700000000.123:4567): a2[1]=686F0A00
node=web-07 type=CWD msg=audit(1700000000.123:4567): cwd="/srv/app"
node=web-07 type=PATH msg=audit(1700000000.123:4567): item=0 name="./bin/../run.sh" inode=42 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
node=web-07 type=PATH msg=audit(1700000000.123:4567): item=1 name="/lib64/ld-linux-x86-64.so.2" inode=43 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL
node=web-07 type=PROCTITLE msg=audit(1700000000.123:4567): proctitle=62617368002D63006563686F
type=USER_LOGIN msg=audit(1700000001.500:4568): pid=77 uid=0 auid=1000 ses=4 msg='op=login id=1000 exe="/usr/sbin/sshd" hostname=? addr=10.0.0.9 terminal=/dev/pts/1 res=success'
EOF

run 0 "$DW" audit --events "$L/exec.log"
# The raw event view ends with its run summary, the events it wrote counted.
[ "$(tail -n 1 "$T/out" | jq -c '[.rule.id, .driftwatch.run.command, .driftwatch.run.events, .driftwatch.run.coverage]')" = \
  "[\"DW-RUN-SUMMARY\",\"audit\",2,[\"$L/exec.log\"]]" ] || fail "run summary of --events: $(tail -n 1 "$T/out")"
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "expected 2 events"
grep -q '^audit: 2 events from 8 records in 1 input$' "$T/err" || { cat "$T/err"; fail "summary line"; }
got=$(jq -c 'select(.driftwatch.audit.serial == 4567) |
        [.["@timestamp"], .event.action, .host.name, .process.pid, .process.parent.pid, .process.name,
         .process.executable, .process.args, .process.title, .user.id, .user.audit.id, .user.audit.name,
         .file.path, .driftwatch.audit.id, .driftwatch.audit.key, .driftwatch.audit.cwd,
         .driftwatch.records, .driftwatch.quality]' "$T/out")
want='["2023-11-14T22:13:20.123Z","execve","web-07",1234,1200,"ba\n\u001b[31m","/usr/bin/bash",["bash","-c","echo\n\u0000"],"bash -c echo","0","1000","alice","/srv/app/run.sh","1700000000.123:4567","exec","/srv/app",7,[]]'
[ "$got" = "$want" ] || fail "exec event: got $got, want $want"
got=$(jq -c 'select(.driftwatch.audit.serial == 4568) |
        [.event.action, .process.pid, .process.executable, .user.audit.id, .driftwatch.records]' "$T/out")
[ "$got" = '["USER_LOGIN",77,"/usr/sbin/sshd","1000",1]' ] || fail "login event: got $got"
# The raw control characters never reach the output.
! grep -q $'\x1b' "$T/out" || fail "an escape character reached the output"
# --format text: one line per event (time, serial, action, comm[pid] exe, path,
# key), every value escaped; the summary after them, as the JSON view's.
run 0 "$DW" audit --events --format text "$L/exec.log"
diff -u - "$T/out" <<'EOF' || fail "the text view of --events"
2023-11-14T22:13:20.123Z  4567  execve  ba\n\x1b[31m[1234] /usr/bin/bash  /srv/app/run.sh  key=exec
2023-11-14T22:13:21.500Z  4568  USER_LOGIN  -[77] /usr/sbin/sshd  -
audit: 0 alerts, 2 events
read 2 audit events from 8 records in 1 input
EOF

# Without --events: the summary only (the text view's). Standard input, and '-'.
run 0 "$DW" audit "$L/exec.log"
[ "$(head -n 1 "$T/out")" = "audit: 0 alerts, 0 events" ] && ! grep -q '^{' "$T/out" || fail "output without --events"
run 0 sh -c "\"$DW\" audit --events <\"$L/exec.log\""
drop_summary "$T/out"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "standard input"
run 0 sh -c "\"$DW\" --quiet audit --events - <\"$L/exec.log\""
[ ! -s "$T/err" ] || fail "--quiet printed a summary"

# Rotated logs: one event spans audit.log.1 and audit.log; oldest first.
echo 'type=SYSCALL msg=audit(1700000100.000:10): arch=c000003e syscall=2 items=0 pid=1' >"$L/rot/audit.log.2"
echo 'type=SYSCALL msg=audit(1700000100.000:9): arch=c000003e syscall=2 items=0 pid=1' >"$L/rot/audit.log.10"
echo 'type=SYSCALL msg=audit(1700000100.000:11): arch=c000003e syscall=2 items=1 pid=1' >"$L/rot/audit.log.1"
echo 'type=PATH msg=audit(1700000100.000:11): item=0 name="/etc/passwd" nametype=NORMAL' >"$L/rot/audit.log"
echo 'not a log' >"$L/rot/other.txt"
run 0 "$DW" audit --events "$L/rot"
drop_summary "$T/out"
[ "$(jq -r '.driftwatch.audit.serial' "$T/out" | tr '\n' ' ')" = "9 10 11 " ] || fail "rotation order: $(cat "$T/out")"
[ "$(jq -r 'select(.driftwatch.audit.serial == 11) | .driftwatch.records' "$T/out")" = 2 ] ||
        fail "an event across rotated files was not joined"
grep -q 'in 4 inputs' "$T/err" || fail "directory inputs: $(cat "$T/err")"
run 0 "$DW" audit --events "$L/rot/audit.log*"
drop_summary "$T/out"
[ "$(jq -r '.driftwatch.audit.serial' "$T/out" | tr '\n' ' ')" = "9 10 11 " ] || fail "glob order"

# Bad inputs: one error line naming the input, exit 2.
run 2 "$DW" audit "$L/missing.log"
expect_one_error_line "$L/missing.log"
run 2 "$DW" audit "$L/exec.log" "$L/missing.log"
expect_one_error_line "$L/missing.log"
run 2 "$DW" audit "$L/empty"
expect_one_error_line "$L/empty"
run 2 "$DW" audit "$L/nothing-*.log"
expect_one_error_line "$L/nothing-*.log"
run 2 "$DW" audit /proc/self/mem   # opens, then every read fails
expect_one_error_line /proc/self/mem
if [ "$(id -u)" -ne 0 ]; then
        echo x >"$L/secret.log"
        chmod 000 "$L/secret.log"
        run 2 "$DW" audit "$L/secret.log"
        expect_one_error_line "$L/secret.log"
fi
# An input without a single audit record is a mistake (the wrong file), not
# "no alerts": an empty file, a file of garbage, a directory whose logs are
# empty. Each input counts on its own. Standard input may be quiet.
: >"$L/empty.log"
printf 'not an audit log\n\n# at all\n' >"$L/garbage.log"
mkdir -p "$L/emptydir"
: >"$L/emptydir/audit.log"
for input in "$L/empty.log" "$L/garbage.log" "$L/emptydir"; do
        run 2 "$DW" audit "$input"
        expect_one_error_line "no audit records in '$input'"
        run 2 "$DW" audit --events "$L/exec.log" "$input"
        grep -qF "no audit records in '$input'" "$T/err" || fail "$input after a good input: $(cat "$T/err")"
done
run 0 "$DW" audit </dev/null
# A rotated directory whose live log is still empty is fine: it has records.
mkdir -p "$L/fresh"
cp "$L/exec.log" "$L/fresh/audit.log.1"
: >"$L/fresh/audit.log"
run 0 "$DW" audit --events "$L/fresh"
drop_summary "$T/out"
run 2 "$DW" audit --window 0 "$L/exec.log"
run 2 "$DW" audit --no-such-option

# Malformed lines and binary junk: skipped and counted, never fatal.
{ echo 'garbage line'; cat "$L/exec.log"; printf 'type=PATH msg=audit(1700000000.123:4569): name="/unterminated\n'; } \
        >"$L/mixed.log"
run 0 "$DW" audit --events "$L/mixed.log"
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
grep -q '1 malformed line skipped' "$T/err" || fail "malformed line not counted: $(cat "$T/err")"
[ "$(jq -c 'select(.driftwatch.audit.serial == 4567) | .driftwatch.quality' "$T/out")" = '["malformed-lines-skipped"]' ] ||
        fail "malformed line not flagged on the next event"
[ "$(jq -c 'select(.driftwatch.audit.serial == 4569) | .driftwatch.quality' "$T/out")" = '["record-truncated"]' ] ||
        fail "unterminated quote not flagged"
head -c 2000000 /dev/urandom >"$L/junk.bin"
{ cat "$L/junk.bin"; echo; cat "$L/exec.log"; } >"$L/junk-and-exec.log"
run 0 "$DW" audit --events "$L/junk-and-exec.log"
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
run 2 "$DW" audit --events "$L/junk.bin"
expect_one_error_line "no audit records in '$L/junk.bin'"
# Junk with record headers in it: whatever it makes is valid JSON.
{ for i in $(seq 1 40); do head -c 300 /dev/urandom | tr '\n' ' '; echo " type=SYSCALL msg=audit(1.$i:$i): comm=\"$(head -c 20 /dev/urandom | tr -d '\n"\0')\" a0=$(head -c 9 /dev/urandom | tr -d '\n\0')"; done; cat "$L/exec.log"; } >"$L/junk2.log"
run 0 "$DW" audit --events "$L/junk2.log"
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
# A line longer than the 64 KiB maximum is cut and flagged; the next one is whole.
{ printf 'type=EXECVE msg=audit(1700000000.200:5000): argc=1 a0="'; head -c 200000 /dev/zero | tr '\0' 'a'; printf '"\n';
  echo 'type=SYSCALL msg=audit(1700000000.200:5000): arch=c000003e syscall=59 success=yes exit=0 items=0 pid=5'; } \
        >"$L/long.log"
run 0 "$DW" audit --events "$L/long.log"
drop_summary "$T/out"
[ "$(jq -c '[.driftwatch.records, .driftwatch.quality, .process.pid]' "$T/out")" = '[2,["execve-truncated","record-truncated"],5]' ] ||
        fail "over-long line: $(jq -c '[.driftwatch.records, .driftwatch.quality, .process.pid]' "$T/out")"
grep -q '1 over-long line cut' "$T/err" || fail "over-long line not counted"
