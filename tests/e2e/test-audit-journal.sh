# driftwatch audit --journal: an audit log read offline joined to a real
# journal file (made by systemd-journal-remote from an export stream whose
# entries carry the pids and times of the audit records, shaped as journald,
# bootc and rpm-ostree write them; journal-gen.py cites their sources):
#   a. a write by a process the journal knows: its unit, unit_source journal;
#   b. a write by a process the journal does not know, whose parent it knows:
#      the parent's unit;
#   c. pid reuse: the same pid in another unit an hour before: not joined,
#      the write says unit-unresolved;
#   d. the same pid in another unit 9 s before, but in the boot before the
#      one the write happened in: not joined;
#   e. `bootc switch` whose image reference the EXECVE record cut
#      (a2_len promises more than a2[0] holds): the whole reference from
#      bootc's switch message of the same pid, target_from journal;
#   f. upgrades folded into DW-AUD-UPGRADE name the unit that ran them
#      (bootc-fetch-apply-updates.service from _SYSTEMD_UNIT,
#      rpm-ostreed.service from _SYSTEMD_CGROUP alone) and the image their
#      deployment message names;
#   g. an allow entry naming a unit applies offline with a journal;
#   h. an export stream as --journal gives the same findings;
#   i. bad journal input: one error naming it, exit 2;
#   j. a daemon whose exec lies far from its entries gets its unit at a
#      later write near one.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"

need_journal_remote
for tool in jq python3 od; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
done

B=1700000000
IMAGE="quay.io/example/rhel-bootc-hardened@sha256:$(printf 'ab%.0s' $(seq 32))"
STAGED="quay.io/example/rhel-bootc:9.6-hardened"
REFSPEC="ostree-unverified-registry:quay.io/example/rhel-bootc:9.6"

# The audit log.
{
        AUDIT_TIME=$((B + 99)); gen_write 5001 5000 "$UNSET" "$UNSET" /usr/bin/cp cp /etc/sudoers.d/a
        AUDIT_TIME=$((B + 199)); gen_write 5011 5010 "$UNSET" "$UNSET" /usr/bin/cp cp /etc/sudoers.d/b
        AUDIT_TIME=$((B + 299)); gen_write 5021 5020 "$UNSET" "$UNSET" /usr/bin/cp cp /etc/sudoers.d/c
        AUDIT_TIME=$((B + 399)); gen_write 5031 5030 "$UNSET" "$UNSET" /usr/bin/cp cp /etc/sudoers.d/d
        # e. the kernel split the image into a2[0], a2[1]; the record kept the first piece only.
        hex=$(printf '%s' "$IMAGE" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F)
        AUDIT_SERIAL=$((AUDIT_SERIAL + 1))
        m="msg=audit($((B + 500)).100:$AUDIT_SERIAL):"
        echo "type=SYSCALL $m arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=1 ppid=6000 pid=6001 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"bootc\" exe=\"/usr/bin/bootc\" key=\"dw-exec\""
        echo "type=EXECVE $m argc=3 a0=\"bootc\" a1=\"switch\" a2_len=${#hex} a2[0]=${hex:0:40}"
        echo "type=CWD $m cwd=\"/root\""
        echo "type=PATH $m item=0 name=\"/usr/bin/bootc\" inode=1 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL"
        # f. bootc upgrade run by its timer's unit, and the rpm-ostree daemon.
        AUDIT_TIME=$((B + 599))
        gen_exec 7001 1 "$UNSET" "$UNSET" "(none)" /usr/bin/bootc bootc bootc upgrade
        gen_write 7001 1 "$UNSET" "$UNSET" /usr/bin/bootc bootc /etc/sudoers.d/upgrade-a
        gen_write 7001 1 "$UNSET" "$UNSET" /usr/bin/bootc bootc /etc/ssh/sshd_config.d/upgrade-b.conf
        AUDIT_TIME=$((B + 699))
        gen_exec 8001 1 "$UNSET" "$UNSET" "(none)" /usr/bin/rpm-ostree rpm-ostreed rpm-ostree start-daemon
        gen_write 8001 1 "$UNSET" "$UNSET" /usr/bin/rpm-ostree rpm-ostreed /etc/pam.d/upgrade-c
        # j. a daemon the journal places at its write, not at its exec long before.
        AUDIT_TIME=$((B + 799))
        gen_exec 5041 1 "$UNSET" "$UNSET" "(none)" /usr/sbin/agentd agentd agentd
        AUDIT_TIME=$((B + 1000)); gen_write 5041 1 "$UNSET" "$UNSET" /usr/sbin/agentd agentd /etc/sudoers.d/j
} >"$T/audit.log"
printf '%s' "${IMAGE:0:20}" >"$T/cut"

# The journal: boot 1 until B+390, boot 2 from B+392.
python3 - "$B" "$IMAGE" "$STAGED" "$REFSPEC" >"$T/j.export" <<'EOF'
import sys
B, IMAGE, STAGED, REFSPEC = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
BOOT1, BOOT2 = "5f2c8e0d6b5a4c3e9d1f0a2b3c4d5e6f", "9a8b7c6d5e4f40318293a4b5c6d7e8f9"
seq = 0
out = sys.stdout.buffer

def entry(when, boot, fields):
    global seq
    seq += 1
    us = int(when * 1000000)
    out.write(b"__CURSOR=s=%s;i=%x\n__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" %
              (boot.encode(), seq, us, seq * 1000))
    out.write(b"_BOOT_ID=%s\n_MACHINE_ID=0d3a8f7e6c5b4a39281706f5e4d3c2b1\n_HOSTNAME=img-host\n" % boot.encode())
    for k, v in fields:
        out.write(("%s=%s\n" % (k, v)).encode())
    out.write(b"\n")

def service(when, boot, pid, comm, unit, message, cgroup=None):
    # journald's trusted fields (systemd src/journal/journald-server.c dispatch_message_real())
    f = [("PRIORITY", "6"), ("SYSLOG_IDENTIFIER", comm), ("MESSAGE", message), ("_TRANSPORT", "journal"),
         ("_PID", str(pid)), ("_UID", "0"), ("_COMM", comm)]
    if unit:
        f.append(("_SYSTEMD_UNIT", unit))
    if cgroup:
        f.append(("_SYSTEMD_CGROUP", cgroup))
    entry(when, boot, f)

# c: pid 5021 an hour before its write, in another unit.
service(B + 299 - 3600, BOOT1, 5021, "backup", "backup.service", "backup done")
# a: the writer itself.
service(B + 100, BOOT1, 5001, "cp", "ansible-pull.service", "copying", "/system.slice/ansible-pull.service")
# b: only the writer's parent.
service(B + 190, BOOT1, 5010, "puppet", "puppet.service", "applying catalog")
service(B + 195, BOOT1, 5010, "puppet", "puppet.service", "applied catalog")
# d: pid 5031 in the boot before the write's.
service(B + 390, BOOT1, 5031, "old", "old-boot.service", "shutting down")
service(B + 392, BOOT2, 1, "systemd", "init.scope", "booted")
# e: bootc crates/lib/src/cli.rs switch (SWITCH_JOURNAL_ID, tracing-journald F_ fields)
entry(B + 501, BOOT2, [("PRIORITY", "5"), ("F_MESSAGE_ID", "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1"),
                       ("F_BOOTC_OLD_IMAGE_REFERENCE", "quay.io/example/rhel-bootc:9.5"),
                       ("F_BOOTC_NEW_IMAGE_REFERENCE", IMAGE), ("F_BOOTC_NEW_IMAGE_TRANSPORT", "registry"),
                       ("MESSAGE", "Switching from image quay.io/example/rhel-bootc:9.5 to %s" % IMAGE),
                       ("SYSLOG_IDENTIFIER", "bootc"), ("_TRANSPORT", "journal"), ("_PID", "6001"),
                       ("_UID", "0"), ("_COMM", "bootc"), ("_SYSTEMD_UNIT", "session-3.scope")])
# f: bootc upgrade under its timer's service; the staging message (deploy.rs stage())
service(B + 600.5, BOOT2, 7001, "bootc", "bootc-fetch-apply-updates.service", "Fetching image")
entry(B + 630, BOOT2, [("PRIORITY", "5"), ("F_MESSAGE_ID", "8f7a2b1c3d4e5f6a7b8c9d0e1f2a3b4c"),
                       ("F_BOOTC_IMAGE_REFERENCE", STAGED), ("MESSAGE", "Staging image for deployment: %s" % STAGED),
                       ("SYSLOG_IDENTIFIER", "bootc"), ("_TRANSPORT", "journal"), ("_PID", "7001"), ("_UID", "0"),
                       ("_COMM", "bootc"), ("_SYSTEMD_UNIT", "bootc-fetch-apply-updates.service")])
# f: the rpm-ostree daemon, its cgroup only; rpmostree-sysroot-upgrader.cxx "Created new deployment"
service(B + 700, BOOT2, 8001, "rpm-ostree", None, "Initiated txn Upgrade", "/system.slice/rpm-ostreed.service")
entry(B + 720, BOOT2, [("MESSAGE_ID", "9bddbda177cd44d891b1b561a8a0ce9e"),
                       ("MESSAGE", "Created new deployment /ostree/deploy/rhel/deploy/c0ffee.0"),
                       ("DEPLOYMENT_REFSPEC", REFSPEC), ("_TRANSPORT", "journal"), ("_PID", "8001"),
                       ("_COMM", "rpm-ostree"), ("_SYSTEMD_CGROUP", "/system.slice/rpm-ostreed.service")])
# j: the daemon's first message, long after its exec.
service(B + 1001, BOOT2, 5041, "agentd", "agentd.service", "reconfiguring")
service(B + 2000, BOOT2, 1, "systemd", "init.scope", "still up")
EOF
"$REMOTE" --output="$T/j.journal" "$T/j.export" 2>"$T/remote.err" || fail "journal-remote: $(cat "$T/remote.err")"

run 1 "$DW" audit --format json --journal "$T/j.journal" "$T/audit.log"
expect_valid_jsonl "$T/out"
cp "$T/out" "$T/joined.json"
grep -q "journal: 13 entries" "$T/err" || { cat "$T/err"; fail "the summary does not count the journal's entries"; }

# unit_of PATH: the unit, its source and unit-unresolved of the write of PATH.
unit_of() {
        jq -r --arg p "$1" 'select(.file.path == $p) |
                [(.driftwatch.systemd.unit // "-"), (.driftwatch.systemd.unit_source // "-"),
                 (if (.driftwatch.quality | index("unit-unresolved")) then "unit-unresolved" else "-" end)] |
                join(" ")' "$T/joined.json"
}
[ "$(unit_of /etc/sudoers.d/a)" = "ansible-pull.service journal -" ] || { cat "$T/joined.json"; fail "a: the writer's unit is not joined"; }
[ "$(unit_of /etc/sudoers.d/b)" = "puppet.service journal -" ] || { cat "$T/joined.json"; fail "b: the parent's unit is not joined"; }
[ "$(unit_of /etc/sudoers.d/c)" = "- - unit-unresolved" ] || { cat "$T/joined.json"; fail "c: a reused pid was joined"; }
[ "$(unit_of /etc/sudoers.d/d)" = "- - unit-unresolved" ] || { cat "$T/joined.json"; fail "d: the boot before was joined"; }
[ "$(unit_of /etc/sudoers.d/j)" = "agentd.service journal -" ] ||
        { cat "$T/joined.json"; fail "j: a process not placed at its exec is not placed at its later write"; }

q='select(.rule.id == "DW-AUD-BOOTC-SWITCH") | [.driftwatch.audit.target, .driftwatch.audit.target_from, .driftwatch.audit.target_logged, .driftwatch.systemd.unit] | join(" ")'
[ "$(jq -r "$q" "$T/joined.json")" = "$IMAGE journal $(cat "$T/cut") session-3.scope" ] ||
        { cat "$T/joined.json"; fail "e: the cut bootc switch target is not completed from the journal"; }

q='select(.rule.id == "DW-AUD-UPGRADE") | [.driftwatch.audit.upgrade.upgrader, .driftwatch.systemd.unit, .driftwatch.systemd.unit_source, .driftwatch.audit.target] | join(" ")'
cat >"$T/want" <<WANT
bootc bootc-fetch-apply-updates.service journal $STAGED
rpm-ostree rpm-ostreed.service journal $REFSPEC
WANT
diff -u "$T/want" <(jq -r "$q" "$T/joined.json" | sort) || fail "f: upgrade events do not name their unit and image"
jq -r 'select(.rule.id == "DW-AUD-UPGRADE") | .message' "$T/joined.json" | grep -q "run by unit bootc-fetch-apply-updates.service" ||
        { cat "$T/joined.json"; fail "f: the upgrade's message does not name its unit"; }

# Without --journal: no unit, as before.
run 1 "$DW" audit --format json "$T/audit.log"
[ "$(jq -c 'select(.driftwatch.systemd != null or (.driftwatch.quality | index("unit-unresolved")) or .driftwatch.audit.target_from != null)' "$T/out" | wc -l)" -eq 0 ] ||
        { cat "$T/out"; fail "without --journal, findings carry units"; }

# g. An allow entry naming a unit applies with a journal, and no note says otherwise.
cat >"$T/rules.yaml" <<EOT
version: 1
audit:
  allow:
    - id: ansible
      unit: ansible-pull.service
      reason: ansible-pull manages sudoers.d
EOT
run 1 "$DW" --rules "$T/rules.yaml" audit --format json --show-suppressed --journal "$T/j.journal" "$T/audit.log"
[ "$(jq -r 'select(.driftwatch.suppressed.by == "allowlist") | .file.path' "$T/out")" = /etc/sudoers.d/a ] ||
        { cat "$T/out"; fail "g: the unit's write is not allowed offline with a journal"; }
[ "$(jq -r 'select(.event.kind == "alert" and .file.path == "/etc/sudoers.d/b") | .file.path' "$T/out")" = /etc/sudoers.d/b ] ||
        { cat "$T/out"; fail "g: another unit's write was allowed"; }
! grep -q "names a unit" "$T/err" || { cat "$T/err"; fail "g: the offline unit note is printed with a journal"; }

# h. The export stream itself, and its directory, give the same findings.
run 1 "$DW" audit --format json --journal "$T/j.export" "$T/audit.log"
diff -u <(jq -c 'select(.rule.id != "DW-RUN-SUMMARY") | del(.host)' "$T/joined.json") <(jq -c 'select(.rule.id != "DW-RUN-SUMMARY") | del(.host)' "$T/out") || fail "h: the export stream joins differently"
mkdir "$T/jdir"
cp "$T/j.journal" "$T/jdir/system.journal"
run 1 "$DW" audit --format json --journal "$T/jdir" "$T/audit.log"
diff -u <(jq -c 'select(.rule.id != "DW-RUN-SUMMARY") | del(.host)' "$T/joined.json") <(jq -c 'select(.rule.id != "DW-RUN-SUMMARY") | del(.host)' "$T/out") || fail "h: the journal directory joins differently"

# i. Bad journal input.
printf 'this is not a journal\n\x01\x02' >"$T/bad"
run 2 "$DW" audit --journal "$T/bad" "$T/audit.log"
expect_one_error_line "$T/bad"
run 2 "$DW" audit --journal "$T/missing" "$T/audit.log"
expect_one_error_line "$T/missing"
head -c 4096 "$T/j.journal" >"$T/cut.journal"
run 2 "$DW" audit --journal "$T/cut.journal" "$T/audit.log"
expect_one_error_line "$T/cut.journal"
run 2 "$DW" audit --journal "$T/j.journal" --follow "$T/audit.log"
expect_one_error_line "--journal"
echo "PASS"
