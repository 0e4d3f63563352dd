# Configuration extensions (confext) merged into /etc, in a private mount
# namespace. systemd v252 (this distribution's) has no systemd-confext, so
# the test makes the merge itself the way systemd-confext (v254 and later,
# src/sysext/sysext.c) does: in a child mount namespace whose /run is a
# slave, a tmpfs workspace at /run/systemd/sysext (the same for sysext and
# confext), each confext mounted read-only at /run/systemd/sysext/confexts/NAME,
# the meta layer /run/systemd/sysext/meta/etc holding .systemd-confext/confexts
# (the names, one a line) and .systemd-confext/dev, then a read-only overlay
# (source "confext"; ro,nodev,nosuid,noexec) with
#   lowerdir=META:confexts/NAME/etc (highest name first):.../etc:/etc
# bound onto /etc, from where it propagates to the test's namespace. The
# host's /etc, /usr and /var are read-only throughout (DW_SANDBOX) and the
# overlay exists only inside the namespace.
#
# Three confexts: dwconf (a directory in /run/confexts, approved) adds a file
# to a small directory of /etc and shadows one of its files; dwconfsq (a
# squashfs image in /var/lib/confexts, not approved) adds a file; dwgone (a
# squashfs image in /run/confexts) adds a file and its image is removed after
# the merge. Then:
# - `inventory` reports dwconf and dwconfsq merged, DW-INV-CONFEXT-UNAPPROVED
#   for dwconfsq, DW-INV-MERGED-WITHOUT-IMAGE for dwgone;
# - `check` attributes dwconf's file to it (DW-INV-EXTENSION-FILE, an event),
#   dwconfsq's to it (an alert), reports the shadowed file as
#   DW-INV-SHADOWS-BASE naming both layers, dwgone's file (from no image
#   known) as plain drift, and the image touched after the merge as
#   DW-INV-CHANGED-SINCE-MERGE.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib-sysext.sh"

# A small directory of the base /etc with a regular file to shadow.
small_dir /etc
union_ext "$T/ext/dwconf" dwconf shadow
union_ext "$T/src/dwgone" dwgone
union_ext "$T/src/dwconfsq" dwconfsq
for n in dwgone dwconfsq; do
        mksquashfs "$T/src/$n" "$T/ext/$n.raw" -quiet -noappend >/dev/null
done
union_baseline dwconf

# The merge, as systemd-confext's (sd-merge) child does it.
cat >"$T/merge.sh" <<'MERGE'
set -eu
ws=/run/systemd/sysext
mount --make-rslave /run
mkdir -p "$ws"
mount -t tmpfs -o mode=0700 confext "$ws"
mkdir -p "$ws/meta/etc/.systemd-confext" "$ws/overlay/etc"
mkdir -p "$ws/confexts/dwconf" "$ws/confexts/dwconfsq" "$ws/confexts/dwgone"
mount --bind /run/confexts/dwconf "$ws/confexts/dwconf"
mount -o remount,bind,ro "$ws/confexts/dwconf"
mount -t squashfs -o loop,ro,nodev /var/lib/confexts/dwconfsq.raw "$ws/confexts/dwconfsq"
mount -t squashfs -o loop,ro,nodev /run/confexts/dwgone.raw "$ws/confexts/dwgone"
printf 'dwconf\ndwconfsq\ndwgone' >"$ws/meta/etc/.systemd-confext/confexts"
# the extensions by name, highest first, between the meta layer and the base
lower=$ws/meta/etc:$ws/confexts/dwgone/etc:$ws/confexts/dwconfsq/etc:$ws/confexts/dwconf/etc:/etc
mount -t overlay confext -o "ro,nodev,nosuid,noexec,lowerdir=$lower" "$ws/overlay/etc"
mount -o remount,bind,ro "$ws/overlay/etc"
stat -c '%Hd:%Ld' "$ws/overlay/etc" >"$ws/meta/etc/.systemd-confext/dev"
touch "$ws/meta/etc"
mount --rbind "$ws/overlay/etc" /etc
MERGE

cat >"$T/inside.sh" <<'IN'
set -eu
T=$1 DW=$2 DIR=$3
# The merge's namespace shares its mount on /etc with this one.
mount --make-rshared /
mount -t tmpfs tmpfs /run
mkdir -p /run/confexts
cp -a "$T/ext/dwconf" "$T/ext/dwgone.raw" /run/confexts/
# /var is read-only here: a tmpfs of this namespace on /var/lib holds the search path.
mount -t tmpfs tmpfs /var/lib
mkdir -p /var/lib/confexts
cp "$T/ext/dwconfsq.raw" /var/lib/confexts/
unshare --mount --propagation unchanged -- bash "$T/merge.sh" >"$T/merge.out" 2>&1 ||
        { cat "$T/merge.out" >&2; exit 3; }
cat /proc/self/mountinfo >"$T/mounts"
ls -A "$DIR" >"$T/merged.ls"
# The image removed after the merge (its loop device keeps what is merged).
rm /run/confexts/dwgone.raw
run() { rc=0; "$DW" "$@" --format json >"$T/$out.json" 2>"$T/$out.err" || rc=$?; echo "$rc" >"$T/$out.rc"; }
out=inv run inventory --approved "$T/approved.yaml"
out=approved run check --baseline "$T/base.db" --path "$DIR" --approved "$T/approved.yaml"
# The image changed after the merge (a second later than the marker).
sleep 1.1
touch /var/lib/confexts/dwconfsq.raw
out=touched run check --baseline "$T/base.db" --path "$DIR" --approved "$T/approved.yaml"
IN
unshare --mount --propagation private -- bash "$T/inside.sh" "$T" "$DW" "$dir" ||
        fail "the merge in the namespace failed: $(cat "$T/merge.out" 2>/dev/null)"
[ -e "$dir/dw-union-dwconf" ] && fail "the merge leaked out of its namespace"
grep -q " /etc .* - overlay confext " "$T/mounts" || fail "no confext overlay on /etc inside the namespace"
grep -qx dw-union-dwconf "$T/merged.ls" && grep -qx dw-union-dwconfsq "$T/merged.ls" &&
        grep -qx dw-union-dwgone "$T/merged.ls" || fail "the merged /etc lacks the confexts' files"

for o in inv approved touched; do
        rc=$(cat "$T/$o.rc")
        [ "$rc" -le 1 ] || fail "$o exited $rc: $(cat "$T/$o.err")"
        expect_valid_jsonl "$T/$o.json"
done

# The inventory: both confexts with an image merged, the unapproved one reported.
for n in dwconf dwconfsq; do
        jq -e -s --arg n "$n" 'any(.[]; .rule.id == "DW-INV-IMAGE" and .driftwatch.image.name == $n and
                .driftwatch.image.class == "confext" and .driftwatch.image.merged == true)' "$T/inv.json" \
                >/dev/null || fail "inventory does not report the confext $n merged: $(cat "$T/inv.json")"
done
jq -e -s 'any(.[]; .rule.id == "DW-INV-CONFEXT-UNAPPROVED" and .file.path == "/var/lib/confexts/dwconfsq.raw")' \
        "$T/inv.json" >/dev/null || fail "no DW-INV-CONFEXT-UNAPPROVED for the unapproved confext"
n=$(jq -s 'map(select(.driftwatch.image.name == "dwconf" and .event.kind == "alert")) | length' "$T/inv.json")
[ "$n" = 0 ] || fail "an alert for the approved confext dwconf"
jq -e -s 'any(.[]; .rule.id == "DW-INV-MERGED-WITHOUT-IMAGE" and
        .file.path == "/run/systemd/sysext/confexts/dwgone")' "$T/inv.json" >/dev/null ||
        fail "no DW-INV-MERGED-WITHOUT-IMAGE for the confext whose image was removed"

# check: each file attributed to the layer that provides it.
jq -e -s --arg p "$dir/dw-union-dwconf" 'any(.[]; .file.path == $p and .rule.id == "DW-INV-EXTENSION-FILE" and
        .event.kind == "event" and .driftwatch.extension.name == "dwconf" and
        .driftwatch.extension.hierarchy == "/etc" and .driftwatch.extension.image == "/run/confexts/dwconf" and
        .driftwatch.extension.approved == true)' "$T/approved.json" >/dev/null ||
        fail "the approved confext's file is not an event naming it: $(cat "$T/approved.json")"
jq -e -s --arg p "$dir/dw-union-dwconfsq" 'any(.[]; .file.path == $p and .event.kind == "alert" and
        .driftwatch.extension.name == "dwconfsq" and .driftwatch.extension.image == "/var/lib/confexts/dwconfsq.raw" and
        .driftwatch.extension.approved == false)' "$T/approved.json" >/dev/null ||
        fail "the unapproved squashfs confext's file is not an alert naming it"
jq -e -s --arg p "$victim" 'any(.[]; .file.path == $p and .rule.id == "DW-INV-SHADOWS-BASE" and
        .event.kind == "alert" and .driftwatch.extension.name == "dwconf" and
        .driftwatch.extension.shadows.layer == "base" and .driftwatch.extension.wins == "extension")' \
        "$T/approved.json" >/dev/null || fail "no DW-INV-SHADOWS-BASE naming both layers for $victim"
[ "$(jq -s 'map(select(.rule.id == "DW-INV-SHADOWS-BASE")) | length' "$T/approved.json")" = 1 ] ||
        fail "DW-INV-SHADOWS-BASE for a file no confext shadows"
# The file of the confext whose image is gone comes from nowhere known: drift.
jq -e -s --arg p "$dir/dw-union-dwgone" 'any(.[]; .file.path == $p and .event.kind == "alert" and
        .driftwatch.extension == null and (.rule.id | startswith("DW-INV") | not))' "$T/approved.json" >/dev/null ||
        fail "the file from no known image is not reported as drift"
if jq -r .rule.id "$T/approved.json" | grep -q CHANGED-SINCE-MERGE; then
        fail "DW-INV-CHANGED-SINCE-MERGE before any image changed"
fi
jq -e -s 'any(.[]; .rule.id == "DW-INV-CHANGED-SINCE-MERGE" and .file.path == "/var/lib/confexts/dwconfsq.raw" and
        .driftwatch.extension.hierarchy == "/etc" and .event.kind == "alert")' "$T/touched.json" >/dev/null ||
        fail "no DW-INV-CHANGED-SINCE-MERGE for the confext image touched after the merge"
echo PASS
