# Mounts that open /usr, and writes named by a writer's argv, against a real
# auditd (the method of test-audit-live.sh: auditd with its own configuration
# and log in the test directory, host_lock audit-live, our rules removed line by
# line and auditd stopped by its pid on every exit). Twice, under two rule sets:
#   dw    the rules `driftwatch audit-rules` prints;
#   stig  audit-userspace's 30-stig.rules (tests/data/audit/rules/30-stig.rules),
#         which logs mount(2) for logged-in users and no execve.
# The scenario runs with loginuid 4242 (STIG logs auid >= 1000 only) in a
# private mount namespace (`unshare --mount --propagation private`): binds,
# remounts, tmpfs and new-API mounts over /usr/local and /boot there are only
# that namespace's view; the host's mounts are never touched. It also copies
# a key into /root/.ssh (a tmpfs in the namespace; no rule set watches it) and
# a file into the host's /etc/sudoers.d (watched by both; removed at once).
# The findings are checked by audit-mounts-check.sh.
#
# DW_AUDIT_CAPTURE_DIR=DIR keeps the scenario's events (those of auid 4242) as
# DIR/mounts-dw.log and DIR/mounts-stig.log (as tests/data/audit/ holds them).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-auditd.sh"
source "$(dirname "$0")/audit-mounts-check.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, loads audit rules, mounts in a namespace)"
host_lock audit-live
SUF=run$$
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for tool in jq unshare mount umount; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
done
[ -x /usr/bin/python3 ] || skip "/usr/bin/python3 is not installed (makes the new mount API's syscalls)"
[ "$(uname -m)" = x86_64 ] || skip "the new mount API is called by x86_64 syscall numbers"
STIG=$(dirname "$0")/../data/audit/rules/30-stig.rules
[ -f "$STIG" ] || fail "missing $STIG"
auditd_preflight
[ "$(auditctl -l)" = "No rules" ] || skip "audit rules are already loaded; not touching them"
sh -c 'echo 4242 >/proc/self/loginuid' 2>/dev/null || skip "cannot set a loginuid (loginuid_immutable?)"
probe=$(unshare --mount --propagation private -- /bin/sh -c 'mount -t tmpfs dwprobe /boot && umount /boot && echo ok' 2>&1) ||
        skip "cannot mount in a private mount namespace: $probe"

# ---- cleanup: on every exit, after auditd_teardown (lib-auditd.sh) ----

remove_test_files() {
        rm -f "/etc/sudoers.d/driftwatch-argv-${SUF:?}.test"
        sudoers_d_restore
}
cleanup_hooks+=(remove_test_files)
rm -f /etc/sudoers.d/driftwatch-argv-*.test      # a killed run's leftovers (under the lock)
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
sudoers_d_ensure

# ---- the scenario (runs inside the namespace, loginuid 4242) ----

mkdir -p "$T/ro" "$T/tm"
printf 'ssh-ed25519 AAAAdriftwatchtest test\n' >"$T/key"
printf '# driftwatch test\n' >"$T/sudoers"
cat >"$T/newapi.py" <<'PY'
# The new mount API by syscall number (x86_64): open_tree + move_mount (a bind),
# mount_setattr clearing MOUNT_ATTR_RDONLY, fsopen + fsmount + move_mount (a tmpfs).
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, AT_RECURSIVE, OPEN_TREE_CLONE, MOVE_MOUNT_F_EMPTY_PATH = -100, 0x8000, 1, 4
def sc(*a):
    r = libc.syscall(*a)
    if r < 0:
        sys.exit("syscall %d: %s" % (a[0], os.strerror(ctypes.get_errno())))
    return r
class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]
target, source = sys.argv[1].encode(), sys.argv[2].encode()
tree = sc(428, AT_FDCWD, ctypes.c_char_p(source), OPEN_TREE_CLONE | AT_RECURSIVE)
sc(429, tree, ctypes.c_char_p(b""), AT_FDCWD, ctypes.c_char_p(target), MOVE_MOUNT_F_EMPTY_PATH)
attr = MountAttr(0, 1, 0, 0)
sc(442, AT_FDCWD, ctypes.c_char_p(target), AT_RECURSIVE, ctypes.byref(attr), ctypes.sizeof(attr))
fs = sc(430, ctypes.c_char_p(b"tmpfs"), 0)
sc(431, fs, 6, None, None, 0)
mnt = sc(432, fs, 0, 0)
sc(429, mnt, ctypes.c_char_p(b""), AT_FDCWD, ctypes.c_char_p(target), MOVE_MOUNT_F_EMPTY_PATH)
PY
cat >"$T/scenario.sh" <<'EOF2'
set -eu
T=$1 SUF=$2
mount --bind -o ro "$T/ro" /usr/local           # DW-AUD-MOUNT-BIND (then a read-only remount: nothing)
mount -o remount,rw,bind /usr/local             # DW-AUD-MOUNT-REMOUNT-RW
mount --bind /usr/local /usr/local              # a bind onto itself: nothing
umount /usr/local                               # DW-AUD-MOUNT-UMOUNT
umount /usr/local                               # DW-AUD-MOUNT-UMOUNT
mount -t tmpfs -o ro "dw-$SUF" /boot            # DW-AUD-MOUNT-NEW
umount -l /boot                                 # DW-AUD-MOUNT-UMOUNT (MNT_DETACH)
mount -t tmpfs "dw-$SUF" "$T/tm"                # outside the targets: nothing
mount -o remount,rw "$T/tm"
umount "$T/tm"
/usr/bin/python3 "$T/newapi.py" /usr/local "$T/ro"   # MOVE, SETATTR, MOVE
# Writes: SSH keys under /root, which no rule set here watches (a tmpfs).
mount -t tmpfs -o mode=0700 "dw-$SUF" /root
mkdir -m 0700 /root/.ssh
cp "$T/key" /root/.ssh/authorized_keys
echo 'command="true"' | tee /root/.ssh/rc >/dev/null
# ... and a sudoers.d file on the host, which both rule sets watch.
cp "$T/sudoers" "/etc/sudoers.d/driftwatch-argv-$SUF.test"
rm -f "/etc/sudoers.d/driftwatch-argv-$SUF.test"
EOF2

# run_set NAME RULES: auditd, the rules, the scenario, the teardown; the scenario's
# events in $T/NAME.log, checked.
run_set() {
        local name=$1 log=$T/log-$1/audit.log
        auditd_start "$T/auditd-$name" "$log"
        auditd_load "$2" >"$T/auditctl-$name.out" 2>&1 ||
                [ "$name" = stig ] || { cat "$T/auditctl-$name.out"; fail "auditctl -R rejected the $name rules"; }
        auditctl -l | grep -q -- 'mount' || { cat "$T/auditctl-$name.out"; fail "$name: no mount rule loaded"; }
        sh -c 'echo 4242 >/proc/self/loginuid || exit 98
               exec unshare --mount --propagation private -- /bin/sh "$0" "$@"' "$T/scenario.sh" "$T" "$SUF" ||
                fail "$name: the scenario failed"
        sleep 1
        auditd_teardown
        [ "$(auditctl -l)" = "No rules" ] || fail "$name: rules left after the teardown"
        [ -s "$log" ] || fail "$name: auditd wrote no log"
        # The scenario's events: every record of an event whose SYSCALL has auid 4242.
        awk '/^type=SYSCALL / && / auid=4242 / { match($0, /:[0-9]+\)/); keep[substr($0, RSTART, RLENGTH)] = 1 }
             { lines[NR] = $0 }
             END { for (i = 1; i <= NR; i++) { if (match(lines[i], /:[0-9]+\)/) && (substr(lines[i], RSTART, RLENGTH) in keep)) print lines[i] } }' \
                "$log" >"$T/$name.log"
        if [ -n "${DW_AUDIT_CAPTURE_DIR:-}" ]; then
                cp "$T/$name.log" "$DW_AUDIT_CAPTURE_DIR/mounts-$name.log"
        fi
        run 1 "$DW" audit --format json "$T/$name.log"
        cp "$T/out" "$T/$name.json"
        expect_valid_jsonl "$T/$name.json"
        check_mounts "$name" "$T/$name.json"
}

"$DW" audit-rules >"$T/dw.rules" || fail "audit-rules failed"
run_set dw "$T/dw.rules"
run_set stig "$STIG"
exit 0
