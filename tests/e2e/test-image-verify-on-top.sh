# image verify on a LIVE ostree host with an extension merged on top: it keeps
# verifying the booted deployment itself and says which extensions sit on its
# /usr (driftwatch.extensions_on_top, and the text summary). The host is made
# the way ostree-prepare-root makes one, in a private mount namespace inside
# lib.sh's read-only sandbox: a sysroot built by the ostree CLI, a tmpfs /run
# with /run/ostree-booted, the sysroot at /sysroot (and its /boot at /boot) of
# the deployment, and a chroot into the deployment, so "/" is the deployment
# directory: libostree then finds it booted (same st_dev and st_ino as "/").
# The committed tree carries /ostree -> sysroot/ostree (as image-mode
# distributions do) and lib-chroot.sh's mount points. systemd-sysext merges a
# directory extension matching the deployment's os-release into its /usr.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"
source "$(dirname "$0")/lib-sysext.sh"
source "$(dirname "$0")/lib-chroot.sh"

S=$T/sysroot
make_os_tree "$T/v1" 1.0
chroot_skel "$T/v1"
mkdir -p "$T/v1/sysroot" "$T/v1/boot"
ln -s sysroot/ostree "$T/v1/ostree"
make_sysroot "$S"
c1=$(commit_tree "$S" "$T/v1" 1.0)
deploy "$S"
DEP=$(deployment_dir "$S" 0)
[ -L "$DEP/ostree" ] && [ -d "$DEP/sysroot" ] || fail "the deployment lacks /ostree or /sysroot: $DEP"
# Drift of the deployment itself: a file added to its /usr.
printf 'implant\n' >"$DEP/usr/bin/implant"

mkdir -p "$T/ext/dwtop/usr/lib/extension-release.d" "$T/ext/dwtop/usr/share/dwtop"
printf '%s\n' ID=testos VERSION_ID=1.0 >"$T/ext/dwtop/usr/lib/extension-release.d/extension-release.dwtop"
echo dwtop >"$T/ext/dwtop/usr/share/dwtop/file"

cat >"$T/inside.sh" <<'IN'
set -eu
S=$1 DEP=$2
mount --make-rshared /
chroot_mount "$DEP"
# The physical root at /sysroot, private: the merge below must not propagate
# into it (on a booted host /sysroot is a mount of its own), verify reads the
# deployment through it.
mount --bind "$S" "$DEP/sysroot" && mount --make-private "$DEP/sysroot"
mount --bind "$S/boot" "$DEP/boot"
touch "$DEP/run/ostree-booted"
verify() {
        local rc=0
        in_chroot "$DEP" driftwatch image verify "$@" >"$T/$out.out" 2>"$T/$out.err" || rc=$?
        echo "$rc" >"$T/$out.rc"
}
out=deployments
in_chroot "$DEP" driftwatch image deployments --format json >"$T/$out.out" 2>"$T/$out.err" || true
out=plain verify --format json
mkdir -p "$DEP/run/extensions"
cp -a "$T/ext/dwtop" "$DEP/run/extensions/"
in_chroot "$DEP" systemd-sysext merge >"$T/merge.out" 2>&1 || { cat "$T/merge.out" >&2; exit 3; }
in_chroot "$DEP" cat /proc/self/mountinfo >"$T/mounts"
[ -e "$DEP/usr/share/dwtop/file" ] || { echo "the merge did not reach the deployment's /usr" >&2; exit 3; }
out=json verify --format json
out=text verify
IN
unshare --mount --propagation private -- bash "$T/inside.sh" "$S" "$DEP" ||
        fail "the booted host in the namespace failed: $(cat "$T/merge.out" "$T/deployments.err" 2>/dev/null)"
[ ! -e "$DEP/usr/share/dwtop" ] || fail "the merge leaked out of its namespace"
grep -q " /usr .* - overlay .*extensions/dwtop/usr" "$T/mounts" || fail "no overlay of dwtop on the deployment's /usr"

# libostree found the deployment booted: "/" is it.
jq -e -s --arg c "$c1" 'any(.[]; .driftwatch.after.commit == $c and .driftwatch.after.role == "booted")' \
        "$T/deployments.out" >/dev/null ||
        fail "the chrooted deployment is not the booted one: $(cat "$T/deployments.out" "$T/deployments.err")"

# Before the merge: the drift, and no extension named.
[ "$(cat "$T/plain.rc")" = 1 ] || fail "verify before the merge exited $(cat "$T/plain.rc"): $(cat "$T/plain.err")"
expect_findings "$T/plain.out" <<'EOF'
file-added "/usr/bin/implant" -
EOF
jq -e -s 'all(.[]; .driftwatch.extensions_on_top == null)' "$T/plain.out" >/dev/null ||
        fail "an extension is named before any merge"

# After it: the same drift of the deployment (the extension's files are not
# part of it), each finding naming the extension on top; the text summary too.
[ "$(cat "$T/json.rc")" = 1 ] || fail "verify after the merge exited $(cat "$T/json.rc"): $(cat "$T/json.err")"
expect_valid_jsonl "$T/json.out"
expect_findings "$T/json.out" <<'EOF'
file-added "/usr/bin/implant" -
EOF
jq -e -s 'length > 0 and all(.[] | select(.rule.id != "DW-RUN-SUMMARY"); .driftwatch.extensions_on_top == "dwtop")' "$T/json.out" >/dev/null ||
        fail "the findings do not name the extension on top: $(cat "$T/json.out")"
[ "$(cat "$T/text.rc")" = 1 ] || fail "text verify after the merge exited $(cat "$T/text.rc"): $(cat "$T/text.err")"
grep -q '^1 extension merged on top of its /usr (not part of the deployment, not verified): dwtop$' "$T/text.out" ||
        fail "the text summary does not name the extension on top: $(cat "$T/text.out")"
echo PASS
