# The systemd unit of a finding's process (driftwatch.systemd.unit), resolved
# from /proc/PID/cgroup in live mode (`audit --plugin`, `--follow`): records of
# writes to /etc/sudoers.d are fed to the plugin stream with the pids of real
# processes, one of them moved into a test cgroup named like a unit
# (driftwatch-test-runPID.service, under the name=systemd hierarchy on cgroup
# v1 or hybrid hosts, under /sys/fs/cgroup on v2):
#   a. the writer lives in the unit: its unit;
#   b. the writer is gone, its parent lives in the unit: the parent's unit;
#   c. the writer and its parent are gone: driftwatch.quality unit-unresolved;
#   e. the writer, its parent are gone, its grandparent lives in the unit (the
#      tree knows the chain): the grandparent's unit;
#   d. the same records from a log file: no unit, no unit-unresolved (a log
#      read later cannot know, and says nothing);
#   f. an allow entry naming the unit (`unit:` glob) suppresses the writes of
#      the processes in it, live; offline it never applies, and says so once;
#      an entry with a bad unit name is refused.
# Nothing is written to /etc: the records are made up. The test cgroup is
# removed on every exit, after its process is killed and reaped.
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (creates a cgroup)"
command -v jq >/dev/null || skip "jq is not installed"
host_lock audit-live
unit=driftwatch-test-run$$.service
cg=

sleep 600 &
sleeper=$!
reap_on_death "$sleeper"
remove_cgroup() {
        kill "$sleeper" 2>/dev/null || true
        wait "$sleeper" 2>/dev/null || true
        if [ -n "$cg" ] && [ -d "$cg" ]; then rmdir "$cg"; fi
}
cleanup_hooks+=(remove_cgroup)
unit_cgroup "$unit"
cg=$CG
echo "$sleeper" >"$cg/cgroup.procs" || fail "cannot move pid $sleeper into '$cg'"
grep -q "/$unit\$" "/proc/$sleeper/cgroup" || fail "pid $sleeper is not in '$cg'"

# Pids that are gone: processes started and reaped (their pids are not reused
# within the test's few seconds on a machine with pid_max in the millions).
true & gone1=$!; wait "$gone1"
true & gone2=$!; wait "$gone2"
true & gone3=$!; wait "$gone3"
[ ! -e "/proc/$gone1" ] && [ ! -e "/proc/$gone2" ] && [ ! -e "/proc/$gone3" ] || skip "a reaped pid came back at once"

# event SERIAL PID PPID NAME: one write of /etc/sudoers.d/NAME, with its EOE.
event() {
        local t="1700000100.$((100 + $1)):$1"
        echo "type=SYSCALL msg=audit($t): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55e0 a2=241 a3=1b6 items=2 ppid=$3 pid=$2 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"cp\" exe=\"/usr/bin/cp\" key=\"dw-test\""
        echo "type=CWD msg=audit($t): cwd=\"/\""
        echo "type=PATH msg=audit($t): item=0 name=\"/etc/sudoers.d/\" inode=2 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT"
        echo "type=PATH msg=audit($t): item=1 name=\"/etc/sudoers.d/$4\" inode=3 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE"
        echo "type=EOE msg=audit($t): "
}
{
        event 1 "$sleeper" 1 in-unit
        event 2 "$gone1" "$sleeper" parent-in-unit
        event 3 "$gone2" "$gone3" all-gone
        event 4 "$gone3" "$gone1" grandparent-in-unit
} >"$T/stream"

# unit_of NAME FILE: the unit and quality of the write of NAME.
unit_of() {
        jq -r --arg p "/etc/sudoers.d/$1" 'select(.file.path == $p) |
                [(.driftwatch.systemd.unit // "-"), (if (.driftwatch.quality | index("unit-unresolved")) then "unit-unresolved" else "-" end)] |
                join(" ")' "$2"
}

run 1 "$DW" audit --plugin --output "$T/live.jsonl" <"$T/stream"
expect_valid_jsonl "$T/live.jsonl"
[ "$(unit_of in-unit "$T/live.jsonl")" = "$unit -" ] || { cat "$T/live.jsonl"; fail "a: the writer's unit is not '$unit'"; }
[ "$(unit_of parent-in-unit "$T/live.jsonl")" = "$unit -" ] ||
        { cat "$T/live.jsonl"; fail "b: a gone writer does not get its living parent's unit"; }
[ "$(unit_of all-gone "$T/live.jsonl")" = "- unit-unresolved" ] ||
        { cat "$T/live.jsonl"; fail "c: an unresolvable unit is not flagged unit-unresolved"; }
[ "$(unit_of grandparent-in-unit "$T/live.jsonl")" = "$unit -" ] ||
        { cat "$T/live.jsonl"; fail "e: a gone writer does not get its nearest living ancestor's unit"; }

# --follow is live too; its text view names the unit on the process line.
"$DW" audit --follow "$T/stream" >"$T/follow.txt" 2>"$T/follow.err" &
follower=$!
reap_on_death "$follower"
cleanup_hooks+=("kill $follower 2>/dev/null")
for i in $(seq 1 100); do
        [ "$(grep -c 'unit=' "$T/follow.txt")" -ge 3 ] && break
        sleep 0.1
done
kill -TERM "$follower"
wait "$follower" || true
[ "$(grep -cE " unit=${unit//./\\.}( |$)" "$T/follow.txt")" -eq 3 ] || { cat "$T/follow.txt" "$T/follow.err"; fail "--follow: the text view does not name the unit"; }

# d. Offline: the same records from a file say nothing of units.
run 1 "$DW" audit --format json "$T/stream"
[ "$(jq -c 'select(.driftwatch.systemd != null or (.driftwatch.quality | index("unit-unresolved")))' "$T/out" | wc -l)" -eq 0 ] ||
        { cat "$T/out"; fail "d: offline findings carry a unit or unit-unresolved"; }
[ "$(jq -c 'select(.event.kind == "alert")' "$T/out" | wc -l)" -eq 4 ] || { cat "$T/out"; fail "d: offline lost findings"; }
# f. Allowed by unit, as the article says of bootc-fetch-apply-updates.service.
cat >"$T/rules.yaml" <<EOT
version: 1
audit:
  allow:
    - id: test-unit
      unit: "driftwatch-test-run*.service"
      reason: the test unit writes sudoers.d
EOT
run 1 "$DW" --rules "$T/rules.yaml" audit --plugin --show-suppressed --output "$T/allowed.jsonl" <"$T/stream"
[ "$(jq -r 'select(.driftwatch.suppressed.by == "allowlist") | .file.path' "$T/allowed.jsonl" | sort | tr '\n' ' ')" = \
  "/etc/sudoers.d/grandparent-in-unit /etc/sudoers.d/in-unit /etc/sudoers.d/parent-in-unit " ] ||
        { cat "$T/allowed.jsonl"; fail "f: the unit's writes are not allowed by the unit entry"; }
[ "$(jq -r 'select(.event.kind == "alert") | .file.path' "$T/allowed.jsonl")" = /etc/sudoers.d/all-gone ] ||
        { cat "$T/allowed.jsonl"; fail "f: a write of no known unit was allowed by the unit entry"; }
# A list, an exact name.
sed -i "s|unit: .*|unit: [other.service, $unit]|" "$T/rules.yaml"
rm -f "${T:?}/allowed.jsonl"
run 1 "$DW" --rules "$T/rules.yaml" audit --plugin --show-suppressed --output "$T/allowed.jsonl" <"$T/stream"
[ "$(jq -c 'select(.driftwatch.suppressed.by == "allowlist")' "$T/allowed.jsonl" | wc -l)" -eq 3 ] ||
        { cat "$T/allowed.jsonl"; fail "f: an exact unit in a list does not allow"; }
run 1 "$DW" --rules "$T/rules.yaml" audit --format json "$T/stream"
[ "$(jq -c 'select(.event.kind == "alert")' "$T/out" | wc -l)" -eq 4 ] || { cat "$T/out"; fail "f: a unit entry applied offline"; }
[ "$(grep -c "allow entry 'test-unit' names a unit" "$T/err")" -eq 1 ] || { cat "$T/err"; fail "f: offline does not say the unit entry cannot apply"; }
sed -i 's|unit: .*|unit: "a b;.service"|' "$T/rules.yaml"
run 2 "$DW" --rules "$T/rules.yaml" audit "$T/stream"
expect_one_error_line "a b;.service"
echo "PASS"
