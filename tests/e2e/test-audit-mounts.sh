# Mounts that open /usr and writes inferred from a writer's argv, on the real
# auditd records test-audit-mounts-live.sh captured (tests/data/audit/
# mounts-dw.log under the rules `driftwatch audit-rules` prints, mounts-stig.log
# under audit-userspace's 30-stig.rules): the same expectations
# (audit-mounts-check.sh), with no auditd and no root.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-mounts-check.sh"

command -v jq >/dev/null || skip "jq is not installed"
DATA=$(dirname "$0")/../data/audit
for set in dw stig; do
        run 1 "$DW" audit --format json "$DATA/mounts-$set.log"
        cp "$T/out" "$T/$set.json"
        expect_valid_jsonl "$T/$set.json"
        check_mounts "$set" "$T/$set.json"
done

# A window of one second still sees cp's write to sudoers.d (its PATH record
# comes within milliseconds of the exec): no inferred double.
printf 'audit:\n  argv_window_seconds: 1\n' >"$T/short.yaml"
run 1 "$DW" audit --format json --rules "$T/short.yaml" "$DATA/mounts-dw.log"
n=$(jq -c 'select(.file.path // "" | startswith("/etc/sudoers.d/")) | select(.driftwatch.quality | index("inferred-from-argv"))' "$T/out" | wc -l)
[ "$n" -eq 0 ] || fail "$n inferred doubles of the sudoers.d write with a 1 s window"

# Layers: mount_targets replaced (only /boot), a mount rule disabled.
printf 'audit:\n  mount_targets: [/boot, "/boot/**"]\n' >"$T/boot.yaml"
run 1 "$DW" audit --format json --rules "$T/boot.yaml" "$DATA/mounts-dw.log"
got=$(jq -r 'select(.rule.id | startswith("DW-AUD-MOUNT-")) | .file.path' "$T/out" | sort -u | tr '\n' ' ')
[ "$got" = "/boot " ] || fail "mount_targets [/boot]: findings on $got"
run 2 "$DW" audit --rules <(printf 'audit:\n  argv_window_seconds: 0\n') "$DATA/mounts-dw.log"
grep -q 'argv_window_seconds' "$T/err" || fail "argv_window_seconds 0 accepted"

# The rules audit-rules prints log the mount syscalls with key dw-mount.
run 0 "$DW" audit-rules
grep -qx -- '-a always,exit -F arch=b64 -S mount,umount2,move_mount,fsmount,mount_setattr -F key=dw-mount' "$T/out" ||
        fail "audit-rules: no b64 mount rule"
exit 0
