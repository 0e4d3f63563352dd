# Audit analytics on logs written record by record (tests/e2e/audit-gen.sh):
# surface writes and command rules with process and ancestry, the allowlist,
# upgrade folding by ancestry (and pid reuse not inheriting it), bulk buckets,
# failed writes, pipeline health, --show-suppressed and its reasons.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"

# kind rule path suppressed-by, one line per finding, sorted.
shape() {
        jq -r '[.event.kind, .rule.id, (.file.path // "-"), (.driftwatch.suppressed.by // "-")] | join(" ")' "$1" |
                LC_ALL=C sort
}

# expect_one FILE SELECT CONDITION MESSAGE: exactly one finding matches the jq
# filter SELECT, and CONDITION holds for it.
expect_one() {
        jq -s -e "[.[] | select($2)] | length == 1 and (.[0] | $3)" "$1" >/dev/null || fail "$4"
}

expect_shape() {
        local want="$T/want.$RANDOM"
        LC_ALL=C sort >"$want"
        diff -u "$want" <(shape "$1") || fail "findings differ (- expected, + got)"
}

log=$T/audit.log
{
        # An admin's ssh session: a sudoers drop-in is an alert, with ancestry.
        gen_exec 1000 1 $UNSET $UNSET "(none)" /usr/sbin/sshd sshd /usr/sbin/sshd -D
        gen_exec 1001 1000 1000 3 pts0 /usr/bin/bash bash -bash
        gen_write 1002 1001 1000 3 /usr/bin/cp cp /etc/sudoers.d/zzz_local
        # systemd-tmpfiles with auid unset: allowlisted.
        gen_exec 1100 1 $UNSET $UNSET "(none)" /usr/bin/systemd-tmpfiles systemd-tmpfiles systemd-tmpfiles --create
        gen_write 1100 1 $UNSET $UNSET /usr/bin/systemd-tmpfiles systemd-tmpfile /etc/sudoers.d/wheel
        # ... but a tmpfiles run by a logged-in user is not the boot-time one.
        gen_write 1101 1001 1000 3 /usr/bin/systemd-tmpfiles systemd-tmpfile /etc/sudoers.d/by-admin
        # authselect run by the admin: expected (the auid names who); with auid
        # unset (no one logged in ran it) it is not.
        gen_write 1150 1001 1000 3 /usr/bin/authselect authselect /etc/pam.d/system-auth
        gen_write 1151 1 $UNSET $UNSET /usr/bin/authselect authselect /etc/pam.d/password-auth
        # A bootc upgrade: its tree's writes, sudoers.d included, are one event.
        gen_exec 1200 1 $UNSET $UNSET "(none)" /usr/bin/bootc bootc bootc upgrade
        for i in $(seq 1 15); do
                gen_write 1201 1200 $UNSET $UNSET /usr/bin/ostree ostree /etc/merged/f$i.conf
        done
        gen_write 1201 1200 $UNSET $UNSET /usr/bin/ostree ostree /etc/sudoers.d/merged
        # A program merely named bootc outside /usr/bin is no upgrader.
        gen_exec 1250 1001 1000 3 pts0 /tmp/bootc bootc bootc upgrade
        gen_write 1250 1001 1000 3 /tmp/bootc bootc /etc/sudoers.d/fake-upgrade
        # A configuration run: 12 files across /etc in one session are a bulk event.
        for i in $(seq 1 12); do
                gen_write 1301 1001 1000 5 /usr/bin/python3.11 python3 /etc/app/f$i.conf
        done
        # ... while two edits in another session stay alerts.
        gen_write 1401 1001 1000 6 /usr/bin/vi vi /etc/chrony.conf
        gen_write 1402 1001 1000 6 /usr/bin/vi vi /etc/hosts
        # Commands.
        gen_exec 1500 1001 1000 3 pts0 /usr/bin/rpm-ostree rpm-ostree rpm-ostree usroverlay
        gen_exec 1600 1001 1000 3 pts0 /usr/bin/bootc bootc bootc switch --transport registry quay.io/example/os:latest
        gen_exec 1650 1001 1000 3 pts0 /usr/bin/bootc bootc bootc status --json
        gen_exec 1651 1700 $UNSET $UNSET "(none)" /usr/bin/bootc bootc bootc status --json
        # pid 1200 reused by another program after the upgrade: not folded.
        gen_exec 1700 1 $UNSET $UNSET "(none)" /usr/libexec/agent agent agent
        gen_write 1200 1700 $UNSET $UNSET /usr/bin/python3 python3 /etc/sudoers.d/evil
        # A service with auid unset writing to sudoers.d: an alert.
        gen_write 1800 1 $UNSET $UNSET /usr/sbin/httpd httpd /etc/sudoers.d/web
        # A failed write is recorded, not alerted.
        gen_write 1801 1001 1000 3 /usr/bin/bash bash /etc/sudoers.d/denied no
        # Reads and writes outside every surface are not findings.
        gen_write 1802 1001 1000 3 /usr/bin/bash bash /tmp/scratch
} >"$log"

run 1 "$DW" audit --format json "$log"
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
expect_shape "$T/out" <<'EOT'
alert DW-AUD-SUDOERS /etc/sudoers.d/zzz_local -
alert DW-AUD-SUDOERS /etc/sudoers.d/by-admin -
alert DW-AUD-SUDOERS /etc/sudoers.d/fake-upgrade -
alert DW-AUD-SUDOERS /etc/sudoers.d/evil -
alert DW-AUD-SUDOERS /etc/sudoers.d/web -
alert DW-AUD-PAM /etc/pam.d/password-auth -
alert DW-AUD-CONFIG /etc/chrony.conf -
alert DW-AUD-CONFIG /etc/hosts -
alert DW-AUD-RPM-OSTREE-USROVERLAY - -
alert DW-AUD-BOOTC-SWITCH - -
alert DW-AUD-BOOTC-STATUS-INTERACTIVE - -
event DW-AUD-SUDOERS /etc/sudoers.d/denied -
event DW-AUD-UPGRADE - -
event DW-AUD-BULK - -
EOT

# The alert explains itself: process, parent, auid, ancestry, the log event.
expect_one "$T/out" '.file.path == "/etc/sudoers.d/zzz_local"' \
        '.event.action == "file-added" and .event.outcome == "success" and .event.severity == 73
         and .process.pid == 1002 and .process.executable == "/usr/bin/cp"
         and .process.parent.pid == 1001 and .process.parent.executable == "/usr/bin/bash"
         and .user.audit.id == "1000" and .driftwatch.surface == "sudoers.d"
         and ([.driftwatch.ancestry[].exe] == ["/usr/bin/bash", "/usr/sbin/sshd"])
         and .driftwatch.ancestry[1].args == ["/usr/sbin/sshd", "-D"]
         and .driftwatch.audit.syscall == "openat" and .driftwatch.audit.key == "dw-test"
         and .threat.technique.id == ["T1548.003"] and (.driftwatch.controls | any(. == "CM-5"))' \
        "the sudoers alert lacks its process, ancestry or mapping"
expect_one "$T/out" '.rule.id == "DW-AUD-BOOTC-SWITCH"' \
        '.driftwatch.audit.target == "quay.io/example/os:latest"
         and .process.args == ["bootc", "switch", "--transport", "registry", "quay.io/example/os:latest"]' \
        "bootc switch lacks its target"
expect_one "$T/out" '.rule.id == "DW-AUD-UPGRADE"' \
        '.process.executable == "/usr/bin/bootc" and .process.args == ["bootc", "upgrade"]
         and .driftwatch.audit.upgrade.writes == 16 and .driftwatch.audit.upgrade.upgrader == "bootc"
         and .driftwatch.audit.upgrade.surfaces == {"sudoers.d": 1, "etc": 15}' \
        "the upgrade event lacks its counts"
expect_one "$T/out" '.rule.id == "DW-AUD-BULK"' \
        '.driftwatch.audit.bulk.writes == 12 and .driftwatch.audit.bulk.paths_count == 12
         and (.driftwatch.audit.bulk.paths | length) == 12 and .process.executable == "/usr/bin/python3.11"' \
        "the bulk event lacks its counts"
expect_one "$T/out" '.file.path == "/etc/sudoers.d/denied"' \
        '.event.outcome == "failure"' \
        "a failed write is not marked as a failure"
grep -q 'suppressed: 2 allowlisted, 16 under upgraders (1 upgrade event), 12 folded (1 bulk event)' "$T/err" ||
        { cat "$T/err"; fail "the summary does not count what was suppressed"; }

# --show-suppressed: every suppressed write, with its reason.
run 1 "$DW" audit --format json --show-suppressed "$log"
drop_summary "$T/out"
[ "$(jq -c 'select(.driftwatch.suppressed.by == "ancestry")' "$T/out" | wc -l)" -eq 16 ] ||
        fail "expected the 16 writes under the upgrader"
[ "$(jq -c 'select(.driftwatch.suppressed.by == "bucket")' "$T/out" | wc -l)" -eq 12 ] ||
        fail "expected the 12 writes of the bulk run"
expect_one "$T/out" '.file.path == "/etc/sudoers.d/wheel"' \
        '.event.kind == "event" and .driftwatch.suppressed.by == "allowlist"
         and (.driftwatch.suppressed.reason | startswith("allow entry systemd-tmpfiles"))' \
        "the allowlisted write does not name its entry"
expect_one "$T/out" '.file.path == "/etc/sudoers.d/merged"' \
        '.driftwatch.suppressed.reason | test("ancestor bootc\\[1200\\] is upgrader bootc")' \
        "the folded upgrade write does not name its ancestor"
[ "$(jq -c 'select(.event.kind == "alert")' "$T/out" | wc -l)" -eq 11 ] || fail "--show-suppressed changed the alerts"
expect_one "$T/out" '.file.path == "/etc/pam.d/system-auth"' \
        '.driftwatch.suppressed.by == "allowlist" and .user.audit.id == "1000"' "authselect by the admin is not allowlisted with its auid"

# The text view: one line per alert and the process behind it (its ancestry with -v).
run 1 "$DW" audit -v "$log"
grep -q '^high  *file-added  */etc/sudoers.d/zzz_local  DW-AUD-SUDOERS' "$T/out" || fail "text view lacks the alert"
grep -q 'by /usr/bin/cp\[1002\] auid=1000 <- bash\[1001\] <- sshd\[1000\]' "$T/out" || fail "text view lacks the ancestry"

# A lone bulk-surface write below the threshold stays an alert; ten across
# /etc in the window fold; the window closes after 60 s of stream time.
{
        for i in $(seq 1 9); do gen_write 2001 1 1000 7 /usr/bin/python3 python3 /etc/cm/f$i.conf; done
        gen_later 120
        gen_write 2001 1 1000 7 /usr/bin/python3 python3 /etc/cm/late.conf
} >"$T/below.log"
run 1 "$DW" audit --format json "$T/below.log"
drop_summary "$T/out"
[ "$(jq -c 'select(.rule.id == "DW-AUD-CONFIG" and .event.kind == "alert")' "$T/out" | wc -l)" -eq 10 ] ||
        fail "writes below the bulk threshold must stay alerts"

# Pipeline health: a keyed syscall without its PATH records, lost events, a gap.
{
        echo 'type=SYSCALL msg=audit(1700000100.000:500): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=3000 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="sh" exe="/usr/bin/dash" key="priv_esc_persist"'
        echo 'type=DAEMON_ROTATE msg=audit(1700000101.000:501): op=rotate-logs auid=0 pid=1 subj=unconfined res=1 lost=7'
        echo 'type=SYSCALL msg=audit(1700000102.000:900): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=3001 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="cat" exe="/usr/bin/cat" key=(null)'
} >"$T/health.log"
run 1 "$DW" audit --format json "$T/health.log"
drop_summary "$T/out"
expect_one "$T/out" '.rule.id == "DW-AUD-PATH-MISSING"' \
        '.driftwatch.audit.health.key == "priv_esc_persist"' \
        "no PATH-MISSING finding"
expect_one "$T/out" '.rule.id == "DW-AUD-LOST"' \
        '.driftwatch.audit.health.lost == 7' \
        "no LOST finding"
expect_one "$T/out" '.rule.id == "DW-AUD-SEQUENCE-GAP"' \
        '.driftwatch.audit.health.missing == 399' \
        "no SEQUENCE-GAP finding"

# Silence: a stream without events for longer than --silence.
run 1 "$DW" audit --format json --silence 60 "$T/below.log"
drop_summary "$T/out"
expect_one "$T/out" '.rule.id == "DW-AUD-SILENCE"' \
        '.driftwatch.audit.silence.seconds == 120' \
        "no SILENCE finding for a 120 s gap"
run 1 "$DW" audit --format json --silence 600 "$T/below.log"
drop_summary "$T/out"
! grep -q DW-AUD-SILENCE "$T/out" || fail "SILENCE below the threshold"

# --since/--until: findings inside the range only, ancestry still from before it.
run 1 "$DW" audit --format json --since 2023-11-14T22:13:27Z "$log"
drop_summary "$T/out"
[ "$(jq -r .rule.id "$T/out" | sort | tr '\n' ' ')" = "DW-AUD-BOOTC-STATUS-INTERACTIVE DW-AUD-BOOTC-SWITCH DW-AUD-SUDOERS DW-AUD-SUDOERS DW-AUD-SUDOERS " ] ||
        { jq -c '[.rule.id, .["@timestamp"]]' "$T/out"; fail "--since selected the wrong findings"; }
expect_one "$T/out" '.rule.id == "DW-AUD-BOOTC-SWITCH"' '[.driftwatch.ancestry[].exe] == ["/usr/bin/bash", "/usr/sbin/sshd"]' \
        "ancestry from before --since is lost"
run 0 "$DW" audit --format json --until 2023-11-14T22:13:20Z "$log"
drop_summary "$T/out"
no_findings "$T/out" || fail "--until before the log still reported findings"
run 2 "$DW" audit --since 'next tuesday' "$log"
expect_one_error_line "next tuesday"

# As an auditd plugin: standard input, JSON Lines appended to --output, SIGHUP
# (auditd's reload) ignored.
mkfifo "$T/plugin.in"
"$DW" audit --plugin --output "$T/plugin.jsonl" <"$T/plugin.in" 2>"$T/plugin.err" &
plugin=$!
reap_on_death "$plugin"
cleanup_hooks+=("kill $plugin 2>/dev/null")
exec 7>"$T/plugin.in"
head -n 20 "$log" >&7
# Once it ignores SIGHUP (bit 0 of SigIgn), auditd's reload may come.
for i in $(seq 1 100); do
        ign=$(sed -n 's/^SigIgn:\t//p' "/proc/$plugin/status" 2>/dev/null || echo 0)
        [ $((0x${ign:-0} & 1)) -eq 1 ] && break
        sleep 0.05
done
kill -HUP "$plugin"
sleep 0.2
kill -0 "$plugin" 2>/dev/null || fail "the plugin died of SIGHUP"
tail -n +21 "$log" >&7
exec 7>&-
rc=0
wait "$plugin" || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/plugin.err"; fail "the plugin exited $rc, expected 1 (alerts)"; }
expect_valid_jsonl "$T/plugin.jsonl"
[ "$(jq -c 'select(.event.kind == "alert")' "$T/plugin.jsonl" | wc -l)" -eq 11 ] || fail "the plugin lost findings"
run 2 "$DW" audit --plugin "$log"
expect_one_error_line "--plugin"

# A log captured from a real auditd on this project's test machine
# (tests/data/audit): auditd's own DAEMON_* serials are no sequence gap, and a
# bulk run's mkdir by a child of the writing shell folds with the shell's writes.
capture=$(dirname "$0")/../data/audit/live-capture.log
run 1 "$DW" audit --format json "$capture"
drop_summary "$T/out"
[ "$(jq -r 'select(.event.kind == "alert") | .rule.id' "$T/out" | sort | tr '\n' ' ')" = \
  "DW-AUD-BOOTC-SWITCH DW-AUD-SUDOERS DW-AUD-SUDOERS " ] || { jq -c '[.rule.id, .file.path]' "$T/out"; fail "capture: unexpected alerts"; }
expect_one "$T/out" '.rule.id == "DW-AUD-BULK"' '.driftwatch.audit.bulk.paths_count == 41' "capture: the bulk run is not one event"

# A parent allowlist: an inventory agent's children may write what it names.
top=$(cd "$(dirname "$0")/../.." && pwd)
/usr/bin/python3 - "$top/rules/default.yaml" "$T/parent.yaml" <<'EOT'
import sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
rules["audit"]["allow"].append({"id": "inventory-agent", "parent": ["/usr/libexec/agent"],
                                "rules": ["DW-AUD-SUDOERS"], "reason": "the inventory agent's helpers"})
yaml.safe_dump(rules, open(sys.argv[2], "w"))
EOT
run 1 "$DW" --rules "$T/parent.yaml" audit --format json --show-suppressed "$log"
drop_summary "$T/out"
expect_one "$T/out" '.file.path == "/etc/sudoers.d/evil"' \
        '.event.kind == "event" and .driftwatch.suppressed.reason == "allow entry inventory-agent: the inventory agent'"'"'s helpers"' \
        "the parent allowlist did not apply"
expect_one "$T/out" '.file.path == "/etc/sudoers.d/web"' '.event.kind == "alert"' "the parent allowlist applied too widely"

# A rules file whose allowlist entry has only an auid is refused.
cat >"$T/rules.yaml" <<'EOT'
version: 1
audit:
  allow:
    - id: scanner
      auid: [1500]
      reason: the scanner's account
EOT
run 2 "$DW" --rules "$T/rules.yaml" audit "$log"
grep -q "auid alone never allows" "$T/err" || { cat "$T/err"; fail "an auid-only allow entry was accepted"; }
# A hostile time past 2^64 ms (18446744073709552 s wraps round to 0.384 s when
# multiplied unguarded) is the far future, not 1970: --since does not hide it.
cat >"$T/hostile-time.log" <<'EOT'
type=SYSCALL msg=audit(18446744073709552.000:9): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55e0 a2=241 a3=1b6 items=2 ppid=900 pid=950 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=7 comm="tee" exe="/usr/bin/tee" key="persistence"
type=CWD msg=audit(18446744073709552.000:9): cwd="/root"
type=PATH msg=audit(18446744073709552.000:9): item=0 name="/etc/sudoers.d/" inode=2 dev=fd:00 mode=040750 ouid=0 ogid=0 rdev=00:00 nametype=PARENT
type=PATH msg=audit(18446744073709552.000:9): item=1 name="/etc/sudoers.d/future" inode=3 dev=fd:00 mode=0100440 ouid=0 ogid=0 rdev=00:00 nametype=CREATE
EOT
run 1 "$DW" audit --format json --since 2020-01-01 "$T/hostile-time.log"
drop_summary "$T/out"
expect_one "$T/out" '.file.path == "/etc/sudoers.d/future"' '.event.kind == "alert"' "a hostile time hid the write"
echo PASS
