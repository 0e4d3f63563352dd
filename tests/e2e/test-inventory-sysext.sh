# A real systemd-sysext merge in a private mount namespace (the host's /usr
# is not touched: the overlay exists only inside it): `driftwatch inventory`
# run inside agrees with `systemd-sysext list` on which images exist and with
# `systemd-sysext status` on which are merged, reads the merged state from the
# mount table and the merge's marker, and says an image systemd refused is
# not merged. The host's /etc, /usr and /var stay read-only throughout
# (DW_SANDBOX): the overlay needs no write access to the /usr below it.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib-sysext.sh"

ext() {
        local d=$1 n=$2
        shift 2
        mkdir -p "$d/usr/lib/extension-release.d" "$d/usr/share/dw-inventory-test-$n"
        printf '%s\n' "$@" >"$d/usr/lib/extension-release.d/extension-release.$n"
        echo "$n" >"$d/usr/share/dw-inventory-test-$n/file"
}
ext "$T/live/dwdir" dwdir "ID=$id" ${ver:+"VERSION_ID=$ver"}    # linked from /run/extensions
mkdir -p "$T/ext"
ext "$T/src/dwsq" dwsq "ID=$id" ${ver:+"VERSION_ID=$ver"}
mksquashfs "$T/src/dwsq" "$T/ext/dwsq.raw" -quiet -noappend >/dev/null
ext "$T/ext/dwother" dwother ID=not-this-os VERSION_ID=0

cat >"$T/inside.sh" <<'IN'
set -eu
T=$1 DW=$2
# systemd-sysext v252 builds the overlay in a namespace of its own and lets
# it propagate back: the mounts of this namespace (private to it, made in a
# peer group of its own by unshare) must be shared for that.
mount --make-rshared /
mount -t tmpfs tmpfs /run
mkdir -p /run/extensions
cp -a "$T/ext/." /run/extensions/
ln -s "$T/live/dwdir" /run/extensions/dwdir      # /etc and /run hold symlinks to images
systemd-sysext merge >"$T/merge.out" 2>&1 || { cat "$T/merge.out" >&2; exit 3; }
systemd-sysext list >"$T/list.out"
systemd-sysext status --json=short >"$T/status.json"
cat /proc/self/mountinfo >"$T/mounts"
rc=0
"$DW" inventory --format json >"$T/inv.json" 2>"$T/inv.err" || rc=$?
echo "$rc" >"$T/inv.rc"
# The image removed after the merge: what is merged can no longer be inspected.
rm -rf "${T:?}/live/dwdir"
"$DW" inventory --format json >"$T/gone.json" 2>/dev/null || true
systemd-sysext unmerge >/dev/null 2>&1 || true
IN
unshare --mount --propagation private -- bash "$T/inside.sh" "$T" "$DW" ||
        fail "the merge in the namespace failed: $(cat "$T/merge.out" 2>/dev/null)"
[ -e /usr/share/dw-inventory-test-dwdir ] && fail "the merge leaked out of its namespace"

rc=$(cat "$T/inv.rc")
[ "$rc" -le 1 ] || { cat "$T/inv.err"; fail "inventory exited $rc"; }
expect_valid_jsonl "$T/inv.json"
grep -q " /usr .* - overlay " "$T/mounts" ||
        fail "no overlay on /usr inside the namespace: $(cat "$T/merge.out")"

# The oracle's list: every image name systemd-sysext sees (the winner of each name).
tail -n +2 "$T/list.out" | awk 'NF { print $1 }' | LC_ALL=C sort -u >"$T/oracle-images"
jq -r 'select(.rule.id == "DW-INV-IMAGE" and .driftwatch.image.class == "sysext" and
              (.driftwatch.image.shadowed_by == null) and .driftwatch.image.form != "fifo") |
       .driftwatch.image.name' "$T/inv.json" | LC_ALL=C sort -u >"$T/our-images"
diff -u "$T/oracle-images" "$T/our-images" || fail "inventory and 'systemd-sysext list' disagree on the images"
grep -qx dwdir "$T/our-images" && grep -qx dwsq "$T/our-images" && grep -qx dwother "$T/our-images" ||
        fail "the test's images are missing from the inventory"

# The oracle's merged set: the extensions of every hierarchy.
jq -r '.[] | .extensions | if type == "array" then .[] else empty end' "$T/status.json" | LC_ALL=C sort -u >"$T/oracle-merged"
jq -r 'select(.rule.id == "DW-INV-IMAGE" and .driftwatch.image.merged == true) | .driftwatch.image.name' \
        "$T/inv.json" | LC_ALL=C sort -u >"$T/our-merged"
diff -u "$T/oracle-merged" "$T/our-merged" || fail "inventory and 'systemd-sysext status' disagree on what is merged"
grep -qx dwdir "$T/our-merged" || fail "dwdir is not reported merged"
grep -qx dwsq "$T/our-merged" || fail "dwsq (squashfs) is not reported merged"
grep -qx dwother "$T/our-merged" && fail "dwother (another ID) is reported merged though systemd refused it"

# What the live inventory says about them.
jq -e -s 'any(.[]; .rule.id == "DW-INV-RUNTIME-IMAGE" and .file.path == "/run/extensions/dwsq.raw")' "$T/inv.json" \
        >/dev/null || fail "no DW-INV-RUNTIME-IMAGE for the image in /run/extensions"
jq -e -s 'any(.[]; .rule.id == "DW-INV-INCOMPATIBLE" and .file.path == "/run/extensions/dwother" and
              .event.action == "image-refused")' "$T/inv.json" >/dev/null ||
        fail "dwother is not reported as refused"
jq -e -s 'any(.[]; .rule.id == "DW-INV-IMAGE" and .file.path == "/run/extensions/dwsq.raw" and
              .driftwatch.image.form == "squashfs" and .driftwatch.image.compatible == "compatible")' "$T/inv.json" \
        >/dev/null || fail "dwsq.raw is not read as a compatible squashfs"
jq -e -s 'any(.[]; .rule.id == "DW-INV-MERGED-WITHOUT-IMAGE" and
              .file.path == "/run/systemd/sysext/extensions/dwdir")' "$T/gone.json" >/dev/null ||
        fail "no DW-INV-MERGED-WITHOUT-IMAGE for the merged image removed from /run/extensions"
if jq -r .rule.id "$T/inv.json" | grep -q MERGED-WITHOUT-IMAGE; then
        fail "DW-INV-MERGED-WITHOUT-IMAGE while every merged image is there"
fi
echo PASS
