# Bursts by shape and upgraders known by their executable, on real kernel
# records: a private auditd (tests/e2e/lib-auditd.sh, host_lock audit-live),
# run twice:
#   dw    the rules `driftwatch audit-rules` prints: one python3 writes 40
#         files across /etc/systemd/system, /etc/pam.d, /etc/cron.d and
#         /etc/ssh/sshd_config.d (one DW-AUD-BULK alert), then another python3
#         writes one file in /etc/sudoers.d (one alert);
#   stig  audit-userspace's 30-stig.rules (no execve record for auid unset):
#         with auid unset, a fake /usr/bin/bootc (a copy of bash on an overlay
#         over /usr/bin in a private mount namespace) writes 12 files in
#         /etc/sudoers.d and its child cp 2 more (one DW-AUD-UPGRADE event, no
#         alert, ancestry-inferred).
# Every file is named with this run's pid and removed on every exit; a
# directory that was not there is created only for the run and removed.
# DW_AUDIT_CAPTURE_DIR=DIR keeps the logs (shape-dw.log, shape-stig.log).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-auditd.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, loads audit rules)"
host_lock audit-live
export SUF=run$$
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for tool in jq unshare mount python3; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
done
auditd_preflight
[ "$(auditctl -l)" = "No rules" ] || skip "audit rules are already loaded; not touching them"
STIG=$(dirname "$0")/../data/audit/rules/30-stig.rules
[ -f "$STIG" ] || fail "missing $STIG"
# STIG logs no execve for auid unset: the scenarios run with auid unset (the
# shell's own loginuid, set by its builtin echo).
if [ "$(cat /proc/self/loginuid)" != 4294967295 ]; then
        { echo 4294967295 >/proc/self/loginuid; } 2>/dev/null ||
                skip "cannot run with loginuid unset (it is $(cat /proc/self/loginuid) and immutable)"
fi

fake_bootc_setup

DIRS="/etc/systemd/system /etc/pam.d /etc/cron.d /etc/ssh/sshd_config.d /etc/sudoers.d"
CREATED=()
remove_test_files() {
        local d i
        for d in $DIRS; do
                rm -f "$d"/driftwatch-shape-"${SUF:?}"-*.test
        done
        for ((i = ${#CREATED[@]} - 1; i >= 0; i--)); do
                rmdir "${CREATED[i]:?}" 2>/dev/null || true
        done
        CREATED=()
}
cleanup_hooks+=(remove_test_files)
for d in $DIRS; do
        rm -f "$d"/driftwatch-shape-*.test 2>/dev/null || true   # a killed run's leftovers
done
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
# Watches on directories that do not exist watch only their names: create the
# missing ones (parents first) before the rules load.
for d in $DIRS; do
        p=
        for part in ${d//\// }; do
                p=$p/$part
                [ -d "$p" ] && continue
                mkdir -m 0755 "$p"
                CREATED+=("$p")
        done
done

# run_set NAME RULES SCENARIO LAST: auditd, the rules, the scenario, the
# teardown once the path LAST (the scenario's last write) is in the log.
run_set() {
        local name=$1 rules=$2 scenario=$3 last=$4 log=$T/$1/audit.log
        auditd_start "$T/$name/auditd" "$log"
        auditd_load "$rules" >"$T/auditctl-$name.out" 2>&1 ||
                [ "$name" = stig ] || { cat "$T/auditctl-$name.out"; fail "auditctl -R rejected the $name rules"; }
        "$scenario"
        auditd_settle "$log" "$last"
        auditd_teardown
        [ "$(auditctl -l)" = "No rules" ] || fail "$name: rules left after the teardown"
        [ -s "$log" ] || fail "$name: auditd wrote no log"
        if [ -n "${DW_AUDIT_CAPTURE_DIR:-}" ]; then
                cp "$log" "$DW_AUDIT_CAPTURE_DIR/shape-$name.log"
        fi
}

cat >"$T/bulk.py" <<'PY'
import sys
suf = sys.argv[1]
for d in ("/etc/systemd/system", "/etc/pam.d", "/etc/cron.d", "/etc/ssh/sshd_config.d"):
    for i in range(10):
        with open(f"{d}/driftwatch-shape-{suf}-{i}.test", "w") as f:
            f.write("# driftwatch test\n")
PY
# Each python3 under a bash of its own (`; true` keeps bash from exec'ing it):
# two process trees.
scenario_dw() {
        bash -c 'python3 "$0" "$SUF"; true' "$T/bulk.py"
        bash -c 'python3 -c "open(\"/etc/sudoers.d/driftwatch-shape-$SUF-one.test\", \"w\").write(\"#\\n\")"; true'
}

scenario_stig() {
        cat >"$FAKE/cwd/upgrade" <<'SH'
for i in $(seq 1 12); do
        echo "# merged $i" > /etc/sudoers.d/driftwatch-shape-$SUF-upgrade-$i.test
done
cp /etc/sudoers.d/driftwatch-shape-$SUF-upgrade-1.test /etc/sudoers.d/driftwatch-shape-$SUF-upgrade-cp1.test
cp /etc/sudoers.d/driftwatch-shape-$SUF-upgrade-1.test /etc/sudoers.d/driftwatch-shape-$SUF-upgrade-cp2.test
SH
        overlay_run /usr/bin/bootc upgrade || fail "the fake bootc failed"
        [ -f /etc/sudoers.d/driftwatch-shape-$SUF-upgrade-cp2.test ] || fail "the upgrade script did not run"
}

"$DW" audit-rules >"$T/dw.rules" || fail "audit-rules failed"
run_set dw "$T/dw.rules" scenario_dw "driftwatch-shape-$SUF-one.test"
run_set stig "$STIG" scenario_stig "driftwatch-shape-$SUF-upgrade-cp2.test"

# dw: one bulk alert for the 40 files, none of them an alert; one sudoers.d alert.
run 1 "$DW" audit --format json "$T/dw/audit.log"
cp "$T/out" "$T/dw.json"
f() { jq -s -c "$@" "$T/dw.json"; }
got=$(f '[.[] | select(.rule.id == "DW-AUD-BULK" and .event.kind == "alert")] | map([.driftwatch.audit.bulk.paths_count,
        .driftwatch.audit.bulk.surfaces, (.process.executable | test("python"))])')
[ "$got" = '[[40,{"sshd_config.d":10,"pam.d":10,"systemd-units":10,"cron":10},true]]' ] || fail "dw: bulk alerts: $got"
n=$(f '[.[] | select(.file.path // "" | test("driftwatch-shape-'"$SUF"'-[0-9]+\\.test$"))] | length')
[ "$n" = 0 ] || fail "dw: $n findings for the 40 folded writes"
got=$(f '[.[] | select(.file.path // "" | contains("driftwatch-shape-'"$SUF"'-one"))] | map([.event.kind, .rule.id])')
[ "$got" = '[["alert","DW-AUD-SUDOERS"]]' ] || fail "dw: the sudoers.d write: $got"
run 1 "$DW" audit --format json --show-suppressed "$T/dw/audit.log"
got=$(jq -s -c '[.[] | select(.file.path // "" | test("driftwatch-shape-'"$SUF"'-[0-9]+\\.test$"))]
        | [(map(.file.path) | unique | length), (map(.driftwatch.suppressed.by) | unique)]' "$T/out")
[ "$got" = '[40,["bucket"]]' ] || fail "dw: suppressed bulk writes: $got"

# stig: no exec record, yet one upgrade event by /usr/bin/bootc and no alert.
n=$(grep -c 'type=EXECVE' "$T/stig/audit.log" || true)
[ "$n" = 0 ] || fail "stig: $n EXECVE records (the scenario must run without them)"
rc=0
"$DW" audit --format json "$T/stig/audit.log" >"$T/stig.json" 2>"$T/stig.err" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/stig.err"; fail "stig: audit exited $rc"; }
f() { jq -s -c "$@" "$T/stig.json"; }
got=$(f '[.[] | select(.rule.id == "DW-AUD-UPGRADE")] | map([.event.kind, .process.executable,
        .driftwatch.audit.upgrade.writes >= 14, .driftwatch.quality])')
[ "$got" = '[["event","/usr/bin/bootc",true,["ancestry-inferred"]]]' ] || fail "stig: upgrade events: $got"
n=$(f '[.[] | select(.event.kind == "alert" and (.file.path // "" | contains("driftwatch-shape-'"$SUF"'-upgrade")))] | length')
[ "$n" = 0 ] || fail "stig: $n alerts for the upgrade's writes"
exit 0
