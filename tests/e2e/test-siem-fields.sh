# The JSON output a SIEM reads (docs/output.md): every run ends with one
# DW-RUN-SUMMARY event (a clean run too, so "clean" differs from "never ran"),
# scan's first run says it recorded a baseline, every finding has a message, a
# stable event.id (two runs that differ only in time give the same ids), the
# file's state after the change in file.*, ATT&CK tactics, rule.reference,
# ecs.version; file.owner and file.group from the analysed root's passwd and
# group; host.* is the analysed host (the root's hostname and machine-id; an
# audit record's node) and observer.* the machine that ran.
source "$(dirname "$0")/lib.sh"
DATA=$(cd "$(dirname "$0")/../data" && pwd)

R=$T/root
mkdir -p "$R/etc/ssh" "$R/usr/bin"
echo analysed-7 >"$R/etc/hostname"
echo 0123456789abcdef0123456789abcdef >"$R/etc/machine-id"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
printf 'wheel:x:0:\n' >"$R/etc/group"
printf 'PermitRootLogin no\n' >"$R/etc/ssh/sshd_config"
printf 'tool\n' >"$R/usr/bin/tool"
printf 'gone\n' >"$R/etc/old.conf"
"$DW" --quiet baseline create --from "dir:$R" --out "$T/base.db"

# A clean check: one line, the summary, exit status 0.
run 0 "$DW" check --baseline "$T/base.db" --root "$R" --format json
expect_valid_jsonl "$T/out"
jq -se --arg r "$R" --arg b "$T/base.db" 'length == 1 and (.[0] |
        .rule.id == "DW-RUN-SUMMARY" and .event.kind == "event" and .event.action == "run-summary"
        and .driftwatch.run.command == "check" and .driftwatch.run.coverage == [$r]
        and .driftwatch.run.baseline == $b and .driftwatch.run.exit_status == 0 and .driftwatch.run.alerts == 0
        and .event.outcome == "success" and (.event.duration | type) == "number"
        and .event.start <= .event.end and .host.name == "analysed-7")' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "a clean check did not emit exactly its run summary"; }

printf 'PermitRootLogin yes\n' >"$R/etc/ssh/sshd_config"
chmod 0600 "$R/etc/ssh/sshd_config"
rm "$R/etc/old.conf"
ln -s /tmp/evil "$R/usr/bin/link"
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json
cp "$T/out" "$T/run1"
sleep 1.1
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json
cp "$T/out" "$T/run2"
# Two runs, the same findings: the same ids (the summary's has the run's time).
diff <(jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | .event.id' "$T/run1") \
     <(jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | .event.id' "$T/run2") >/dev/null ||
        fail "two runs gave different event ids"
[ "$(jq -r .event.id "$T/run1" | sort -u | wc -l)" -eq "$(wc -l <"$T/run1")" ] || fail "event ids repeat within a run"
[ "$(tail -1 "$T/run1" | jq -r .event.id)" != "$(tail -1 "$T/run2" | jq -r .event.id)" ] ||
        fail "two runs' summaries have the same id"

# The text view has no second summary: its own, first on stdout, counts what
# DW-RUN-SUMMARY counts; nothing of the run summary on stdout or stderr.
run 1 "$DW" check --baseline "$T/base.db" --root "$R"
[ "$(head -n 1 "$T/out")" = "check: 3 alerts (2 high, 1 medium), 0 events" ] ||
        { cat "$T/out"; fail "the text view does not start with its summary"; }
! grep -q 'DW-RUN-SUMMARY\|run-summary\|exit status\|^run: ' "$T/out" "$T/err" ||
        { cat "$T/out" "$T/err"; fail "the text view prints a run summary of its own"; }
# A subcommand's summary names it, as the text view's does.
run 0 "$DW" container digests --pods - --approved "$DATA/container/deployments.json" --format json \
        <"$DATA/container/pods-clean.json"
tail -n 1 "$T/out" | jq -e '.driftwatch.run.command == "container digests"
        and .message == "container digests: 0 alerts, 0 events; exit status 0"' >/dev/null ||
        { cat "$T/out"; fail "the run summary does not name the subcommand"; }

sha=$(sha256sum "$R/etc/ssh/sshd_config" | cut -d' ' -f1)
ino=$(stat -c %i "$R/etc/ssh/sshd_config")
jq -se --arg sha "$sha" --arg ino "$ino" '
        (last | .rule.id == "DW-RUN-SUMMARY" and .driftwatch.run.exit_status == 1 and .driftwatch.run.alerts == 3
                and .driftwatch.run.by_severity.high == 2) and
        all(.[]; (.message | type) == "string" and (.message | length) > 0 and (.event.id | test("^[0-9a-f]{32}$"))
                and .ecs.version == "8.11.0" and .host == {"name": "analysed-7", "id": "0123456789abcdef0123456789abcdef"}
                and (.observer.hostname | length) > 0 and .observer.product == "driftwatch"
                and (.rule.reference | test("/rules\\.md#dw-[a-z0-9-]+$"))) and
        (map(select(.file.path == "/etc/ssh/sshd_config"))[0] |
                .file.hash.sha256 == $sha and .file.mode == "0600" and .file.uid == "0" and .file.type == "file"
                and .file.owner == "root" and .file.group == "wheel"
                and .file.size == 20 and .file.inode == $ino and (.file.mtime | test("^20[0-9-]+T[0-9:.]+Z$"))
                and .driftwatch.before.mode == "0644" and .driftwatch.after.mode == "0600"
                and (.threat.tactic.name | index("Persistence")) != null and (.threat.tactic.id | index("TA0003")) != null
                and (.message | contains("/etc/ssh/sshd_config"))) and
        (map(select(.file.path == "/usr/bin/link"))[0].file | .type == "symlink" and .target_path == "/tmp/evil") and
        (map(select(.file.path == "/etc/old.conf"))[0].file == {"path": "/etc/old.conf"})' "$T/run1" >/dev/null ||
        { cat "$T/run1"; fail "the findings lack their ECS fields"; }

# scan's first run: the baseline it recorded is an event, then the summary.
mkdir -p "$T/state"
run 1 "$DW" scan --root "$R" --state-dir "$T/state" --format json
jq -se '(map(select(.rule.id == "DW-FIM-BASELINE-RECORDED")) | length == 1) and
        (last | .rule.id == "DW-RUN-SUMMARY" and .driftwatch.run.command == "scan"
                and (.driftwatch.run.coverage | index("/etc")) != null)' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "scan's first run did not say it recorded a baseline"; }

# An audit log from elsewhere: host.* is the record's node, or left out.
printf '%s\n' \
        'node=web-9 type=SYSCALL msg=audit(1700000000.100:10): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55 a2=241 a3=1b6 items=2 ppid=1 pid=500 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm="bash" exe="/usr/bin/bash" key="dw-test"' \
        'node=web-9 type=PATH msg=audit(1700000000.100:10): item=0 name="/etc/sudoers.d" inode=1 dev=fd:00 mode=040750 ouid=0 ogid=0 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0' \
        'node=web-9 type=PATH msg=audit(1700000000.100:10): item=1 name="/etc/sudoers.d/x" inode=2 dev=fd:00 mode=0100640 ouid=0 ogid=0 rdev=00:00 nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0' \
        'node=web-9 type=EOE msg=audit(1700000000.100:10): ' >"$T/audit.log"
sed 's/^node=web-9 //' "$T/audit.log" >"$T/audit-nonode.log"
run 1 "$DW" audit --format json "$T/audit.log"
jq -se 'map(select(.rule.id == "DW-AUD-SUDOERS"))[0].host == {"name": "web-9"}' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "host.name is not the audit record's node"; }
run 1 "$DW" audit --format json "$T/audit-nonode.log"
jq -se 'map(select(.rule.id == "DW-AUD-SUDOERS"))[0] | .host == null and .observer.hostname != null' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "a log from elsewhere without node= names this host as the analysed one"; }
echo PASS
