# driftwatch audit against a real auditd: starts auditd with its own
# configuration and log in the test directory, loads the rules `driftwatch
# audit-rules` prints, and performs
#   a. a persistence write: a file in /etc/sudoers.d (one alert);
#   b. a benign bulk write: 40 files in a new directory in /etc by one process
#      tree (one DW-AUD-BULK event, no alerts);
#   c. an upgrade-like burst under /usr/bin/bootc (a copy of bash mounted over
#      /usr/bin with overlayfs in a private mount namespace; the host's /usr is
#      not touched): 32 writes across /etc, one of them in /etc/sudoers.d (one
#      DW-AUD-UPGRADE event, no alerts), and `bootc switch` with a 12,000-byte
#      image reference, which the kernel splits over several EXECVE records
#      (DW-AUD-BOOTC-SWITCH with the whole reference).
# Then it checks the log's records with `audit --events` and the findings of
# `audit --format json`. Skipped unless root with auditd and no audit daemon
# registered: a running auditd is never disturbed. Cleanup runs on every exit:
# our rules removed line by line, auditd stopped by its pid, the enabled flag
# and backlog limit restored, the test files removed from /etc.
#
# DW_AUDIT_CAPTURE=FILE keeps a copy of the captured log (as
# tests/data/audit/live-capture.log was made).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-auditd.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, loads audit rules)"
# One run at a time on this machine: the audit subsystem and /etc are shared.
host_lock audit-live
export SUF=run$$        # this run's files (driftwatch-run<pid>.test); the fake upgrade script reads it
# A plain root PATH: programs that search PATH with execve (execvp, dash) log a
# failed exec for every directory before the right one.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for tool in jq unshare mount; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
done
auditd_preflight
if auditctl -l | grep -q -- 'dw-'; then
        skip "rules with dw- keys are already loaded; not touching them"
fi

# The fake bootc: a copy of bash in the upper layer of an overlay on /usr/bin,
# visible only in a private mount namespace. Probed before anything starts.
fake_bootc_setup
if [ -e /usr/bin/bootc ] && cmp -s /usr/bin/bootc "$FAKE/upper/bootc"; then
        fail "the overlay leaked into the host's mount namespace"
fi

SHELL_EXE=$(readlink -f /bin/sh)
BASH_EXE=$(readlink -f /bin/bash)
AUID=$(cat /proc/self/loginuid 2>/dev/null || echo 4294967295)

# ---- cleanup: on every exit, after auditd_teardown (lib-auditd.sh) ----

remove_test_files() {
        rm -rf "/etc/sudoers.d/driftwatch-${SUF:?}.test" "/etc/sudoers.d/driftwatch-upgrade-${SUF:?}.test" \
                "/etc/driftwatch-bulk-${SUF:?}.test" "/etc/driftwatch-upgrade-${SUF:?}.test"
        sudoers_d_restore
}

cleanup_hooks+=(remove_test_files)
# Under the lock, files of this test already there are a killed run's
# leftovers (each run names its files with its own suffix).
rm -rf /etc/sudoers.d/driftwatch-*.test /etc/driftwatch-bulk-*.test /etc/driftwatch-upgrade-*.test
# The EXIT trap of lib.sh also on these signals.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- auditd with its own configuration, log and no plugins ----

LOG=$T/log/audit.log

# A watch on a directory that does not exist yet only watches its name (auditctl
# picks the rule type when it loads), so sudoers.d exists before the rules load.
sudoers_d_ensure

auditd_start "$T/auditd" "$LOG"

# ---- the rules audit-rules prints ----

run 0 "$DW" audit-rules
cp "$T/out" "$T/dw.rules"
auditd_load "$T/dw.rules" >"$T/auditctl.out" 2>&1 || { cat "$T/auditctl.out"; fail "auditctl -R rejected the rules"; }
diff -u <(grep '^-' "$T/dw.rules" | sort) <(auditctl -l | grep -- 'dw-' | sort) ||
        fail "auditctl -l differs from the rules loaded"
lost_before=$(audit_status lost)

# ---- the scenarios ----

# Ordinary commands, for a realistic mix.
ls /etc >/dev/null
id >/dev/null
cat /etc/os-release >/dev/null
date -u >/dev/null

# a. Persistence: one file in sudoers.d (sudo ignores names with a dot), written
# by sh under a bash whose exec is in the log, then removed.
bash -c 'sh -c "printf \"# driftwatch test\\n\" > /etc/sudoers.d/driftwatch-'"$SUF"'.test"; true'
bash -c 'rm -f /etc/sudoers.d/driftwatch-'"$SUF"'.test; true'

# b. Benign bulk: one process tree writes 40 files in a new directory in /etc.
bash -c 'mkdir /etc/driftwatch-bulk-'"$SUF"'.test && for i in $(seq 1 40); do echo x > /etc/driftwatch-bulk-'"$SUF"'.test/f$i.conf; done'

# c. An upgrade-like burst under /usr/bin/bootc: `bootc upgrade` runs the
# script 'upgrade' from its working directory (argv: /usr/bin/bootc upgrade):
# a directory and 29 files by bootc itself, a copy by a child, and a sudoers.d
# file, as a real /etc merge touches persistence surfaces too.
cat >"$FAKE/cwd/upgrade" <<'EOF'
mkdir /etc/driftwatch-upgrade-$SUF.test
for i in $(seq 1 29); do
        echo "merged $i" > /etc/driftwatch-upgrade-$SUF.test/merged-$i.conf
done
cp /etc/os-release /etc/driftwatch-upgrade-$SUF.test/os-release.copy
echo "# merged" > /etc/sudoers.d/driftwatch-upgrade-$SUF.test
EOF
# `bootc switch REF`: the script 'switch' does nothing. The reference is longer
# than the kernel's 7,500-byte EXECVE chunk.
printf 'exit 0\n' >"$FAKE/cwd/switch"
# It travels in the environment (not logged) up to bootc's own exec.
REF=registry.example.com/driftwatch/test-image:$(head -c 12000 /dev/zero | tr '\0' 'x')
export DW_REF=${REF:0:12000}
REF=$DW_REF
overlay_run /bin/sh -c '/usr/bin/bootc upgrade && /usr/bin/bootc switch "$DW_REF"' || fail "the fake bootc failed"
[ -f /etc/sudoers.d/driftwatch-upgrade-$SUF.test ] || fail "the upgrade script did not run"

# ---- stop: rules out, settings back, auditd stopped so the log is complete ----

# The upgrade's last write is logged (however busy the machine), and a second
# more for `bootc switch` after it.
auditd_settle "$LOG" "sudoers.d/driftwatch-upgrade-$SUF.test"
sleep 1
lost_after=$(audit_status lost)
apid=$AUDITD_PID
auditd_teardown
[ "$(audit_status pid)" != "$apid" ] || fail "auditd (pid $apid) is still registered after the teardown"
! auditctl -l | grep -q -- 'dw-' || fail "dw- rules left after the teardown"
[ "$(audit_status enabled)" = "$auditd_enabled_before" ] || fail "enabled flag not restored"
[ "$lost_after" = "$lost_before" ] ||
        echo "note: the kernel lost $((lost_after - lost_before)) audit events during the test" >&2
[ -s "$LOG" ] || fail "auditd wrote no log"

# ---- the records: what `audit --events` sees in the log ----

run 0 "$DW" audit --events "$LOG"
drop_summary "$T/out"
cp "$T/out" "$T/events.json"
expect_valid_jsonl "$T/events.json"
ev() { jq -c "$@" "$T/events.json"; }

# a: the write, keyed by the sudoers.d watch (which precedes /etc), by sh.
got=$(ev --arg exe "$SHELL_EXE" 'select(.file.path == "/etc/sudoers.d/driftwatch-'"$SUF"'.test" and .process.executable == $exe
        and .event.action == "openat") | .driftwatch.audit.key' | sort -u)
[ "$got" = '"dw-sudoers"' ] || fail "sudoers.d write: keys $got (want dw-sudoers)"
n=$(ev --arg exe "$BASH_EXE" 'select(.event.action == "execve" and .process.executable == $exe
        and .process.args[1] == "-c" and (.process.args[2] // "" | contains("sudoers.d/driftwatch-'"$SUF"'.test")))' | wc -l)
[ "$n" -ge 1 ] || fail "the exec of the scenario's bash is not in the log"

# b: 40 distinct files in the bulk directory, written by one bash.
n=$(ev 'select(.file.path // "" | startswith("/etc/driftwatch-bulk-'"$SUF"'.test/")) | .file.path' | sort -u | wc -l)
[ "$n" -eq 40 ] || fail "bulk: $n distinct paths in the log, want 40"
n=$(ev 'select(.file.path // "" | startswith("/etc/driftwatch-bulk-'"$SUF"'.test/")) | .process.pid' | sort -u | wc -l)
[ "$n" -eq 1 ] || fail "bulk: written by $n processes, want 1"

# c: the fake bootc's exec: exe, comm and argv as the analytics see them.
got=$(ev 'select(.event.action == "execve" and .process.executable == "/usr/bin/bootc"
        and .process.args == ["/usr/bin/bootc", "upgrade"]) | [.process.name, .driftwatch.audit.key, .driftwatch.quality]')
[ "$got" = '["bootc","dw-exec",[]]' ] || fail "bootc upgrade exec: $got"
n=$(ev 'select((.file.path // "" | startswith("/etc/driftwatch-upgrade-'"$SUF"'.test/"))
        or .file.path == "/etc/sudoers.d/driftwatch-upgrade-'"$SUF"'.test") | .file.path' | sort -u | wc -l)
[ "$n" -eq 31 ] || fail "upgrade: $n distinct paths in the log, want 31"
got=$(ev 'select(.file.path == "/etc/sudoers.d/driftwatch-upgrade-'"$SUF"'.test") | [.process.executable, .driftwatch.audit.key]' | sort -u)
[ "$got" = '["/usr/bin/bootc","dw-sudoers"]' ] || fail "upgrade sudoers.d write: $got"
got=$(ev 'select(.file.path == "/etc/driftwatch-upgrade-'"$SUF"'.test/os-release.copy") | .process.executable' | sort -u)
[ "$got" = '"/usr/bin/cp"' ] || fail "the child's copy: $got"
# The switch: the 12,000-byte argument reassembled from its pieces.
got=$(ev --arg ref "$REF" 'select(.event.action == "execve" and .process.executable == "/usr/bin/bootc"
        and .process.args[1] == "switch") | [(.process.args | length), .process.args[2] == $ref, .driftwatch.quality]')
[ "$got" = '[3,true,[]]' ] || fail "bootc switch exec: $got"
grep -q 'a2_len=' "$LOG" || fail "the long argument was not split over EXECVE records (no a2_len=)"

# ---- a copy of the log for other tests and benchmarks ----

if [ -n "${DW_AUDIT_CAPTURE:-}" ]; then
        cp "$LOG" "$DW_AUDIT_CAPTURE"
        echo "captured $(wc -l <"$LOG") records ($(wc -c <"$LOG") bytes) into $DW_AUDIT_CAPTURE" >&2
fi

# ---- the findings ----

run 1 "$DW" audit --format json "$LOG"
cp "$T/out" "$T/findings.json"
expect_valid_jsonl "$T/findings.json"
fd() { jq -c "$@" "$T/findings.json"; }
show() { echo "--- findings:" >&2; jq -c '[.event.kind, .rule.id, .file.path, .process.executable]' "$T/findings.json" >&2; }

# a: one alert for the sudoers.d file, with the writer, auid and ancestry.
got=$(fd --arg exe "$SHELL_EXE" --arg auid "$AUID" --arg bash "$BASH_EXE" '
        select(.rule.id == "DW-AUD-SUDOERS" and .event.kind == "alert" and .file.path == "/etc/sudoers.d/driftwatch-'"$SUF"'.test"
               and .event.action == "file-added")
        | [.process.executable == $exe,
           (if $auid == "4294967295" then .user.audit.id == null else .user.audit.id == $auid end),
           (.driftwatch.ancestry | type == "array" and length > 0 and .[0].exe == $bash),
           .driftwatch.surface, .event.severity]')
[ "$got" = '[true,true,true,"sudoers.d",73]' ] || { show; fail "sudoers.d alert: $got"; }

# b: exactly one bulk event of at least 40 paths, and no alert in the directory.
n=$(fd 'select(.rule.id == "DW-AUD-BULK" and .event.kind == "event" and .driftwatch.audit.bulk.paths_count >= 40)' | wc -l)
[ "$n" -eq 1 ] || { show; fail "$n DW-AUD-BULK events of >= 40 paths, want 1"; }
n=$(fd 'select(.event.kind == "alert" and (.file.path // "" | startswith("/etc/driftwatch-bulk-'"$SUF"'.test/")))' | wc -l)
[ "$n" -eq 0 ] || { show; fail "$n alerts in the bulk directory"; }

# c: exactly one upgrade event under /usr/bin/bootc, and no alert for its writes.
n=$(fd 'select(.rule.id == "DW-AUD-UPGRADE" and .event.kind == "event" and .process.executable == "/usr/bin/bootc"
        and .driftwatch.audit.upgrade.writes >= 30)' | wc -l)
[ "$n" -eq 1 ] || { show; fail "$n DW-AUD-UPGRADE events by /usr/bin/bootc with >= 30 writes, want 1"; }
n=$(fd 'select(.event.kind == "alert" and ((.file.path // "" | startswith("/etc/driftwatch-upgrade-'"$SUF"'.test/"))
        or .file.path == "/etc/sudoers.d/driftwatch-upgrade-'"$SUF"'.test"))' | wc -l)
[ "$n" -eq 0 ] || { show; fail "$n alerts for the upgrade's writes"; }
got=$(fd --arg ref "$REF" 'select(.rule.id == "DW-AUD-BOOTC-SWITCH" and .event.kind == "alert")
        | [.process.executable, .driftwatch.audit.target == $ref]')
[ "$got" = '["/usr/bin/bootc",true]' ] || { show; fail "DW-AUD-BOOTC-SWITCH: $got"; }

# --show-suppressed: the folded writes, each an event saying why.
run 1 "$DW" audit --format json --show-suppressed "$LOG"
cp "$T/out" "$T/suppressed.json"
expect_valid_jsonl "$T/suppressed.json"
sup() { # sup PREFIX...: [kinds, suppressed.by values, all have a reason, distinct paths]
        jq -s -c '[.[] | select(.file.path as $p | $ARGS.positional | any(. as $x | $p // "" | startswith($x)))
                          | select(.driftwatch.suppressed != null)]
                | [(map(.event.kind) | unique), (map(.driftwatch.suppressed.by) | unique),
                   all(.driftwatch.suppressed.reason | type == "string" and length > 0),
                   (map(.file.path) | unique | length)]' --args "$@" <"$T/suppressed.json"
}
got=$(sup /etc/driftwatch-bulk-$SUF.test/)
[ "$got" = '[["event"],["bucket"],true,40]' ] || fail "suppressed bulk writes: $got"
got=$(sup /etc/driftwatch-upgrade-$SUF.test/ /etc/sudoers.d/driftwatch-upgrade-$SUF.test)
[ "$got" = '[["event"],["ancestry"],true,31]' ] || fail "suppressed upgrade writes: $got"

exit 0
