# posture of a live host whose SELinux runs in another mode than its
# configuration names (setenforce 0 on an enforcing host, or enforcing=0 on
# the kernel command line): DW-POS-SELINUX-MISMATCH, with the running mode
# read from selinuxfs. The live host is a small root of the test's own
# (lib-chroot.sh: "/" is that tree, so posture reads its /sys/fs/selinux as a
# live host's): its /etc/selinux/config says enforcing, its selinuxfs says
# permissive. Its twin runs as configured: no mismatch, the running mode said.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-chroot.sh"
command -v jq >/dev/null || skip "jq is not installed"

for enforce in 0 1; do
        R=$T/root$enforce
        chroot_skel "$R"
        mkdir -p "$R/etc/selinux" "$R/sys/fs/selinux"
        printf 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' >"$R/etc/selinux/config"
        echo "$enforce" >"$R/sys/fs/selinux/enforce"
        echo 33 >"$R/sys/fs/selinux/policyvers"
done
cat >"$T/inside.sh" <<'IN'
set -eu
for enforce in 0 1; do
        chroot_mount "$T/root$enforce"
        rc=0
        in_chroot "$T/root$enforce" driftwatch posture --format json >"$T/out$enforce" 2>"$T/err$enforce" || rc=$?
        echo "$rc" >"$T/rc$enforce"
done
IN
unshare --mount --propagation private -- bash "$T/inside.sh" || fail "the chroot runs failed"
for enforce in 0 1; do
        [ "$(cat "$T/rc$enforce")" -le 1 ] || { cat "$T/err$enforce"; fail "posture in root$enforce exited $(cat "$T/rc$enforce")"; }
        expect_valid_jsonl "$T/out$enforce"
done

jq -s -e '[.[] | select(.rule.id == "DW-POS-SELINUX-MISMATCH")] | length == 1 and
        (.[0] | .event.kind == "alert" and .file.path == "/sys/fs/selinux/enforce" and
                .driftwatch.posture.value == "permissive" and (.message | test("runs permissive but is configured enforcing")))' \
        "$T/out0" >/dev/null || { grep -i selinux "$T/out0"; fail "no mismatch alert for a permissive host configured enforcing"; }
jq -s -e '[.[] | select(.rule.id == "DW-POS-SELINUX-MISMATCH")] | length == 0' "$T/out1" >/dev/null ||
        fail "a mismatch alert for a host that runs as configured"
jq -s -e 'any(.[]; .rule.id == "DW-POS-SELINUX" and .event.action == "selinux-current" and
        .driftwatch.posture.value == "enforcing" and (.message | test("policy version 33")))' "$T/out1" >/dev/null ||
        { grep -i selinux "$T/out1"; fail "the running mode of the twin is not said"; }
sample_keep "$T/out0"
echo PASS
