# Bursts judged by their shape, and upgraders known by their pinned executable
# when the rule set did not log their exec (rule sets that log execve only for
# auid >= 1000), on records generated line by line (tests/e2e/audit-gen.sh):
#   a. 40 files across systemd units, pam.d, cron.d and sshd_config.d by one
#      interpreter in one session: one DW-AUD-BULK alert (sshd_config.d is a
#      high-value surface), the 40 writes suppressed into its bucket;
#   b. one sudoers.d write by the same interpreter in another session: one alert;
#   c. 12 sudoers.d files in one session (confined to one high-value surface):
#      12 alerts, never folded;
#   d. 12 files across pam.d and cron.d: one DW-AUD-BULK event;
#   e. /usr/bin/bootc with no exec record and auid unset writing 12 sudoers.d
#      files, its child 2 more: one DW-AUD-UPGRADE event saying the ancestry
#      was inferred, no alert;
#   f. the same executable with one write, and a program named bootc outside
#      /usr/bin with 12: alerts.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"

log=$T/audit.log
{
        gen_exec 1000 1 $UNSET $UNSET "(none)" /usr/sbin/sshd sshd /usr/sbin/sshd -D
        gen_exec 1001 1000 1000 3 pts0 /usr/bin/bash bash -bash
        # a.
        gen_exec 1100 1001 1000 3 pts0 /usr/bin/python3.11 python3 python3 playbook.py
        for d in /etc/systemd/system /etc/pam.d /etc/cron.d /etc/ssh/sshd_config.d; do
                for i in $(seq 1 10); do
                        gen_write 1100 1001 1000 3 /usr/bin/python3.11 python3 "$d/dw-$i.conf"
                done
        done
        gen_later 120
        # b.
        gen_exec 1201 1000 1000 4 pts1 /usr/bin/bash bash -bash
        gen_exec 1200 1201 1000 4 pts1 /usr/bin/python3.11 python3 python3 one.py
        gen_write 1200 1201 1000 4 /usr/bin/python3.11 python3 /etc/sudoers.d/dw-one
        gen_later 120
        # c.
        for i in $(seq 1 12); do
                gen_write 1300 1201 1000 5 /usr/bin/python3.11 python3 /etc/sudoers.d/dw-many-$i
        done
        gen_later 120
        # d.
        for i in $(seq 1 6); do
                gen_write 1400 1201 1000 6 /usr/bin/python3.11 python3 /etc/pam.d/dw-$i
                gen_write 1400 1201 1000 6 /usr/bin/python3.11 python3 /etc/cron.d/dw-$i
        done
        gen_later 120
        # e.
        for i in $(seq 1 12); do
                gen_write 1500 1 $UNSET $UNSET /usr/bin/bootc bootc /etc/sudoers.d/dw-upgrade-$i
        done
        gen_write 1501 1500 $UNSET $UNSET /usr/bin/cp cp /etc/sudoers.d/dw-upgrade-cp1
        gen_write 1501 1500 $UNSET $UNSET /usr/bin/cp cp /etc/sudoers.d/dw-upgrade-cp2
        gen_later 120
        # f.
        gen_write 1600 1 $UNSET $UNSET /usr/bin/bootc bootc /etc/sudoers.d/dw-lone
        for i in $(seq 1 12); do
                gen_write 1700 1 $UNSET $UNSET /tmp/bootc bootc /etc/sudoers.d/dw-fake-$i
        done
} >"$log"

run 1 "$DW" audit --format json "$log"
expect_valid_jsonl "$T/out"
f() { jq -s -c "$@" "$T/out"; }

# a.
got=$(f '[.[] | select(.rule.id == "DW-AUD-BULK")] | map([.event.kind, .driftwatch.severity,
        .driftwatch.audit.bulk.paths_count, .driftwatch.audit.bulk.surfaces, .process.executable])')
[ "$got" = '[["alert","high",40,{"sshd_config.d":10,"pam.d":10,"systemd-units":10,"cron":10},"/usr/bin/python3.11"],["event","low",12,{"pam.d":6,"cron":6},"/usr/bin/python3.11"]]' ] ||
        fail "bulk findings: $got"
n=$(f '[.[] | select(.file.path // "" | test("/dw-[0-9]+\\.conf$"))] | length')
[ "$n" = 0 ] || fail "$n findings for the 40 folded writes"
# b, c, f: alerts, one per write.
got=$(f '[.[] | select(.event.kind == "alert" and .rule.id == "DW-AUD-SUDOERS") | .file.path] | sort | join(" ")')
want=$(printf '%s\n' /etc/sudoers.d/dw-one /etc/sudoers.d/dw-lone $(seq -f /etc/sudoers.d/dw-many-%g 1 12) \
        $(seq -f /etc/sudoers.d/dw-fake-%g 1 12) | LC_ALL=C sort | jq -R . | jq -s -c 'sort | join(" ")')
[ "$got" = "$want" ] || fail "sudoers.d alerts: $got"
got=$(f '[.[] | select(.file.path == "/etc/sudoers.d/dw-lone")] | .[0] | [.driftwatch.quality, .process.args]')
[ "$got" = '[[],null]' ] || fail "the lone write by /usr/bin/bootc: $got"
# e.
got=$(f '[.[] | select(.rule.id == "DW-AUD-UPGRADE")] | map([.event.kind, .process.executable, .process.args,
        .driftwatch.audit.upgrade.upgrader, .driftwatch.audit.upgrade.writes, .driftwatch.quality])')
[ "$got" = '[["event","/usr/bin/bootc",null,"bootc",14,["ancestry-inferred"]]]' ] || fail "upgrade event: $got"
n=$(f '[.[] | select(.file.path // "" | contains("dw-upgrade"))] | length')
[ "$n" = 0 ] || fail "$n findings for the upgrade's writes"

# --show-suppressed: every folded write with the bucket or upgrade it went into.
run 1 "$DW" audit --format json --show-suppressed "$log"
f() { jq -s -c "$@" "$T/out"; }
got=$(f '[.[] | select(.file.path // "" | test("/dw-[0-9]+\\.conf$"))] | [length, (map(.driftwatch.suppressed.by) | unique),
        (map(.driftwatch.suppressed.reason | test("^bulk write [0-9.:]+: ")) | all)]')
[ "$got" = '[40,["bucket"],true]' ] || fail "suppressed bulk writes: $got"
got=$(f '[.[] | select(.file.path // "" | contains("dw-upgrade"))] | [length, (map(.driftwatch.suppressed.by) | unique),
        (map(.driftwatch.suppressed.reason | contains("by its executable /usr/bin/bootc")) | all),
        (map(select(.process.executable == "/usr/bin/cp")) | map(.driftwatch.ancestry[0] | [.exe, .inferred, .args]) | unique)]')
[ "$got" = '[14,["ancestry"],true,[["/usr/bin/bootc",true,null]]]' ] || fail "suppressed upgrade writes: $got"

# The same on the captures of test-audit-shape-live.sh (tests/data/audit/shape-*.log).
DATA=$(dirname "$0")/../data/audit
run 1 "$DW" audit --format json "$DATA/shape-dw.log"
got=$(jq -s -c '[[.[] | select(.rule.id == "DW-AUD-BULK" and .event.kind == "alert") | .driftwatch.audit.bulk.paths_count],
        [.[] | select(.event.kind == "alert" and (.file.path // "" | contains("driftwatch-shape-"))) | .file.path | sub("-run[0-9]+-"; "-")]]' "$T/out")
[ "$got" = '[[40],["/etc/sudoers.d/driftwatch-shape-one.test"]]' ] || fail "capture shape-dw.log: $got"
"$DW" audit --format json "$DATA/shape-stig.log" >"$T/stig.json" 2>/dev/null || true
got=$(jq -s -c '[[.[] | select(.rule.id == "DW-AUD-UPGRADE") | [.process.executable, .driftwatch.audit.upgrade.writes, .driftwatch.quality]],
        ([.[] | select(.event.kind == "alert" and (.file.path // "" | contains("driftwatch-shape-")))] | length)]' "$T/stig.json")
[ "$got" = '[[["/usr/bin/bootc",14,["ancestry-inferred"]]],0]' ] || fail "capture shape-stig.log: $got"
exit 0
