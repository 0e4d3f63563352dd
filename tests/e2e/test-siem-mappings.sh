# contrib/elasticsearch's index template and contrib/splunk's field list against
# the JSON of every command that emits events: audit (findings, and the raw
# events of --events) on every audit log of the tests, etc-diff, image
# deployments and image verify on a real ostree sysroot, status through a
# transition, journal on a real journal file, inventory, mounts, posture, check,
# scan, baseline create, accept and show, container diff, digests and posture,
# the agent's file output (heartbeats, audit health, findings, a schedule's
# run), every run summary (each command's last line), the golden cases
# (tests/e2e/cases/*/expected.jsonl) and the sample findings (examples/findings).
# tests/e2e/siem-check.py checks that every field is mapped in the template with
# a type that fits its values, that no field has values of two types, and that
# Splunk's name of it is in contrib/splunk/fields.conf: a field added to the
# output without a mapping fails here. audit-rules has no JSON, and report's is
# one document, not events (docs/output.md). A few seconds.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"
source "$(dirname "$0")/status-lib.sh"
source "$(dirname "$0")/lib-oci.sh"

for t in python3 jq mksquashfs journalctl; do
        command -v $t >/dev/null && continue
        [ "${CI:-}" != true ] || fail "$t is not installed (required under CI)"
        skip "$t is not installed"
done
need_journal_remote
src=$(cd "$(dirname "$0")/../.." && pwd)
O=$T/out
mkdir -p "$O"

# dw NAME ARGS...: driftwatch ARGS (exit 0 or 1) with its JSON in $O/NAME.jsonl.
dw() {
        local name=$1 rc=0
        shift
        "$DW" --quiet "$@" >"$O/$name.jsonl" 2>"$T/err" || rc=$?
        [ "$rc" -le 1 ] || fail "driftwatch $*: exit $rc: $(cat "$T/err")"
}

# ---- audit: findings and raw events of every audit log of the tests ----
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$T/passwd"
printf 'root:x:0:\nwheel:x:10:alice\n' >"$T/group"
for f in "$src"/tests/e2e/cases/*/input.log "$src"/tests/data/audit/*.log; do
        n=$(basename "$(dirname "$f")")-$(basename "$f" .log)
        dw "audit-$n" audit --format json --show-suppressed --silence 60 --passwd "$T/passwd" --group "$T/group" "$f"
        dw "events-$n" audit --events --format json "$f"
done

# ---- a tree: baseline create, check, scan (first and second run), accept, show, posture, mounts ----
R=$T/root
mkdir -p "$R/etc/ssh" "$R/usr/bin" "$T/state"
echo analysed-7 >"$R/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
printf 'PermitRootLogin no\n' >"$R/etc/ssh/sshd_config"
printf 'tool\n' >"$R/usr/bin/tool"
printf 'gone\n' >"$R/etc/old.conf"
# A dpkg database: sshd_config a conffile of a package (driftwatch.package on its finding).
mkdir -p "$R/var/lib/dpkg/info"
printf 'Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2\nArchitecture: amd64\nConffiles:\n /etc/ssh/sshd_config %s\nDescription: ssh\n\n' \
        "$(md5sum <"$R/etc/ssh/sshd_config" | cut -d' ' -f1)" >"$R/var/lib/dpkg/status"
printf '/.\n/etc\n/etc/ssh\n/etc/ssh/sshd_config\n' >"$R/var/lib/dpkg/info/openssh-server.list"
dw baseline-create --format json baseline create --from "dir:$R" --out "$T/base.db"
dw scan1 scan --root "$R" --state-dir "$T/state" --format json
printf 'PermitRootLogin yes\n' >"$R/etc/ssh/sshd_config"
rm "$R/etc/old.conf"
ln -s /tmp/evil "$R/usr/bin/link"
# ... and a package installed since (one DW-FIM-PACKAGE-CHANGE).
printf 'new\n' >"$R/usr/bin/newtool"
printf 'Package: newtool\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\nDescription: x\n\n' \
        >>"$R/var/lib/dpkg/status"
printf '/.\n/usr\n/usr/bin\n/usr/bin/newtool\n' >"$R/var/lib/dpkg/info/newtool.list"
(cd "$R" && md5sum usr/bin/newtool) >"$R/var/lib/dpkg/info/newtool.md5sums"
dw check check --baseline "$T/base.db" --root "$R" --format json
dw scan2 scan --root "$R" --state-dir "$T/state" --format json
dw accept baseline accept --state-dir "$T/state" /etc/ssh/sshd_config --reason "CHG-1" --format json
dw show baseline show --format json "$T/base.db"
dw posture posture --root "$R" --format json
dw mounts1 mounts --state "$T/mounts.db" --format json
dw mounts2 mounts --state "$T/mounts.db" --format json

# ---- an ostree sysroot: etc-diff, image deployments, image verify ----
S=$T/sysroot
one_deployment "$S" "$T/v1" 1.0
printf 'ALL ALL=(ALL) NOPASSWD: ALL\n' >"$DEP/etc/sudoers.d/zzz_local"
chmod 600 "$DEP/etc/ssh/sshd_config"
rm "$DEP/etc/keep.conf"
printf 'echo evil\n' >>"$DEP/usr/bin/tool"
ln -sfn /tmp/evil "$DEP/usr/bin/tool-alias"
printf 'implant\n' >"$DEP/usr/bin/implant"
rm "$DEP/usr/share/doc/readme"
dw etc-diff etc-diff --sysroot "$S" --format json
dw deployments image deployments --sysroot "$S" --format json
dw verify image verify --sysroot "$S" --format json

# ---- status: a first snapshot, then an upgrade (bootc) or a rollback (rpm-ostree) ----
variant "$DATA/bootc-staged-rollback.json" "$T/upgraded.json" "$BOOTC_UPGRADE"
dw status1 status --bootc-json "$DATA/bootc-staged-rollback.json" --state "$T/status.db" --format json
dw status2 status --bootc-json "$T/upgraded.json" --state "$T/status.db" --format json
variant "$RPM" "$T/rpm-rolled-back.json" "$RPM_ROLLBACK"
dw status-rpm1 status --rpm-ostree-json "$RPM" --state "$T/rpm.db" --format json
dw status-rpm2 status --rpm-ostree-json "$T/rpm-rolled-back.json" --state "$T/rpm.db" --format json

# ---- journal: a real journal file ----
python3 "$src/tests/e2e/journal-gen.py" analytics >"$T/a.export"
"$REMOTE" --output="$T/a.journal" "$T/a.export" 2>"$T/err" || fail "journal-remote: $(cat "$T/err")"
dw journal journal --file "$T/a.journal" --format json

# ---- inventory: extensions and a portable image on an offline root ----
I=$T/inv
mkdir -p "$I/usr/lib" "$I/var/lib/extensions/tools/usr/lib/extension-release.d" "$I/var/lib/portables" "$T/app/usr/lib"
printf 'ID=testos\nVERSION_ID=7\nSYSEXT_LEVEL=1.0\n' >"$I/usr/lib/os-release"
printf 'ID=testos\nSYSEXT_LEVEL=1.0\n' >"$I/var/lib/extensions/tools/usr/lib/extension-release.d/extension-release.tools"
printf 'ID=appos\n' >"$T/app/usr/lib/os-release"
mksquashfs "$T/app" "$I/var/lib/portables/app.raw" -quiet -noappend >/dev/null
dw inventory inventory --root "$I" --format json

# ---- containers: a containers-storage made by hand, kubectl JSON ----
C=$T/storage
containers_storage "$C" web localhost/web:1
printf 'hello\n' >"$CS_LOWER/etc/motd"
printf 'hacked!\n' >"$CS_UPPER/etc/motd"
printf 'x\n' >"$CS_UPPER/etc/added"
ln -s /tmp/evil "$CS_UPPER/etc/link"
dw container-diff container diff --storage-root "$C" --format json web
dw container-digests container digests --pods "$src/tests/data/container/pods.json" \
        --approved "$src/tests/data/container/approved.txt" --format json
dw container-posture container posture --pods "$src/tests/data/container/pods.json" \
        --namespaces "$src/tests/data/container/namespaces.json" --format json
# An OCI layout as a baseline, a tree checked against it.
mkdir -p "$T/layer/etc"
printf 'image\n' >"$T/layer/etc/motd"
tar -C "$T/layer" -cf "$T/layer.tar" etc
oci_layout "$T/oci" "$T/layer.tar"
dw oci-create --format json baseline create --from "oci:$T/oci" --out "$T/oci.db"
printf 'changed\n' >"$T/layer/etc/motd"
dw oci-check check --baseline "$T/oci.db" --root "$T/layer" --format json

# ---- the agent's file output: heartbeat, health, a finding ----
"$DW" agent --state-dir "$T/agent" --output "file:$O/agent.jsonl" --audit-stdin --schedule all=off \
        <"$src/tests/e2e/cases/audit-health/input.log" 2>"$T/err" || fail "the agent failed: $(cat "$T/err")"
# ... and a schedule's run (its heartbeat names the schedule).
"$DW" agent --state-dir "$T/agent2" --output "file:$O/agent-once.jsonl" --schedule all=off --schedule mounts=1h/0 \
        --once 2>"$T/err" || fail "the agent failed: $(cat "$T/err")"

jq -se '[.[].rule.id] as $r | all("DW-AGENT-HEARTBEAT", "DW-AUD-LOST", "DW-AUD-SEQUENCE-GAP", "DW-AUD-CONFIG";
        . as $id | $r | index($id)) and any(.[]; .driftwatch.agent.schedules.mounts.last_run)' \
        "$O/agent.jsonl" "$O/agent-once.jsonl" >/dev/null ||
        fail "the agent's output lacks a heartbeat, audit health, a finding or a schedule's run"
# The syscall is its name and its number alike in a finding and in the raw event.
jq -se '[.[] | .driftwatch.audit | select(.id == "1700000002.200:103") | [.syscall, .syscall_number]] | unique ==
        [["openat", 257]]' "$O/audit-audit-writes-input.jsonl" "$O/events-audit-writes-input.jsonl" >/dev/null ||
        fail "a finding and its raw event do not both carry the syscall as openat and 257"
# Every command's run ends with its summary (the agent's runs do not: a daemon has heartbeats).
missing=$(awk 'function check() { if (f != "" && f !~ /\/agent[^\/]*$/ && !index(last, "\"id\":\"DW-RUN-SUMMARY\"")) print f }
        FNR == 1 { check(); f = FILENAME } { last = $0 } END { check() }' "$O"/*.jsonl)
[ -z "$missing" ] || fail "runs without a DW-RUN-SUMMARY last: $missing"
# The checker's own checks: a field no mapping knows and a field of two
# types must each be refused.
printf '%s\n' '{"@timestamp":"2026-01-01T00:00:00.000Z","event":{"kind":"event"},"driftwatch":{"unmapped_probe":1}}' \
        >"$T/probe-unmapped.json"
printf '%s\n' '{"@timestamp":"2026-01-01T00:00:00.000Z","event":{"kind":"event","action":"x"}}' \
        '{"@timestamp":"2026-01-01T00:00:00.000Z","event":{"kind":"event","action":7}}' >"$T/probe-types.json"
python3 "$src/tests/e2e/siem-check.py" "$src/contrib" "$T/probe-unmapped.json" "$T/probe-types.json" \
        "$src"/tests/e2e/cases/*/expected.jsonl "$src"/examples/findings/*.jsonl "$O"/*.jsonl ||
        fail "the SIEM mappings in contrib/ do not cover the output"
# The pipeline is valid JSON with the processors docs/output.md names.
jq -e '[.processors[] | keys[0]] | index("date") != null and index("set") != null' \
        "$src/contrib/elasticsearch/driftwatch-pipeline.json" >/dev/null || fail "the ingest pipeline lost a processor"
echo PASS
