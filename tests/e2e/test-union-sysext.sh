# Union-aware file integrity with a REAL systemd-sysext merge in a private
# mount namespace (the host's /usr is not touched: the overlay exists only
# inside it). A baseline of a small directory of the host's /usr/share is
# taken before the merge; an extension then adds a file to it and shadows
# one of its files. `check` run inside attributes the added file to the
# extension (an event with --approved naming it, an alert naming it
# without), reports the shadowed base file as DW-INV-SHADOWS-BASE naming
# both layers, and the image touched after the merge as
# DW-INV-CHANGED-SINCE-MERGE. Directory and squashfs extensions both.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"

source "$(dirname "$0")/lib-sysext.sh"

# A small directory of the base /usr with a regular file to shadow.
small_dir /usr/share
mkdir -p "$T/ext"
union_ext "$T/ext/dwunion" dwunion shadow
union_ext "$T/src/dwunionsq" dwunionsq
mksquashfs "$T/src/dwunionsq" "$T/ext/dwunionsq.raw" -quiet -noappend >/dev/null
union_baseline dwunion

# A bad approved list is one line naming it and exit 2, merged or not.
rc=0
"$DW" check --baseline "$T/base.db" --path "$dir" --approved "$T/missing.yaml" >/dev/null 2>"$T/bad.err" || rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] && grep -q "missing.yaml" "$T/bad.err" ||
        fail "a missing approved list: exit $rc, $(cat "$T/bad.err")"

cat >"$T/inside.sh" <<'IN'
set -eu
T=$1 DW=$2 DIR=$3
mount --make-rshared /
mount -t tmpfs tmpfs /run
mkdir -p /run/extensions
cp -a "$T/ext/." /run/extensions/
systemd-sysext merge >"$T/merge.out" 2>&1 || { cat "$T/merge.out" >&2; exit 3; }
cat /proc/self/mountinfo >"$T/mounts"
run() { rc=0; "$DW" check --baseline "$T/base.db" --path "$DIR" --format json "$@" >"$T/$out.json" 2>"$T/$out.err" || rc=$?; echo "$rc" >"$T/$out.rc"; }
out=approved run --approved "$T/approved.yaml"
out=plain run
# The image changed after the merge (a second later than the marker).
sleep 1.1
touch /run/extensions/dwunionsq.raw
out=touched run --approved "$T/approved.yaml"
systemd-sysext unmerge >/dev/null 2>&1 || true
IN
unshare --mount --propagation private -- bash "$T/inside.sh" "$T" "$DW" "$dir" ||
        fail "the merge in the namespace failed: $(cat "$T/merge.out" 2>/dev/null)"
[ -e "$dir/dw-union-dwunion" ] && fail "the merge leaked out of its namespace"
grep -q " /usr .* - overlay " "$T/mounts" || fail "no overlay on /usr inside the namespace: $(cat "$T/merge.out")"

for o in approved plain touched; do
        rc=$(cat "$T/$o.rc")
        [ "$rc" -le 1 ] || fail "check ($o) exited $rc: $(cat "$T/$o.err")"
        expect_valid_jsonl "$T/$o.json"
done

new=$dir/dw-union-dwunion newsq=$dir/dw-union-dwunionsq
jq -e -s --arg p "$new" 'any(.[]; .file.path == $p and .rule.id == "DW-INV-EXTENSION-FILE" and
        .event.kind == "event" and .driftwatch.extension.name == "dwunion" and
        .driftwatch.extension.image == "/run/extensions/dwunion" and .driftwatch.extension.approved == true)' \
        "$T/approved.json" >/dev/null || fail "the approved extension's file is not an event naming it: $(cat "$T/approved.json")"
jq -e -s --arg p "$newsq" 'any(.[]; .file.path == $p and .event.kind == "alert" and
        .driftwatch.extension.name == "dwunionsq" and .driftwatch.extension.image == "/run/extensions/dwunionsq.raw" and
        .driftwatch.extension.approved == false)' "$T/approved.json" >/dev/null ||
        fail "the unapproved squashfs extension's file is not an alert naming it"
jq -e -s --arg p "$new" 'any(.[]; .file.path == $p and .event.kind == "alert" and
        .driftwatch.extension.name == "dwunion" and .rule.id != "DW-INV-EXTENSION-FILE")' "$T/plain.json" \
        >/dev/null || fail "without an approved list the extension's file is not an alert naming it"

# The shadowed base file: the extension's file wins over the base image's.
jq -e -s --arg p "$victim" 'any(.[]; .file.path == $p and .rule.id == "DW-INV-SHADOWS-BASE" and
        .event.kind == "alert" and .driftwatch.extension.name == "dwunion" and
        .driftwatch.extension.shadows.layer == "base" and .driftwatch.extension.wins == "extension")' \
        "$T/approved.json" >/dev/null || fail "no DW-INV-SHADOWS-BASE naming both layers for $victim: $(cat "$T/approved.json")"
jq -e -s --arg p "$victim" 'any(.[]; .file.path == $p and .rule.id == "DW-INV-EXTENSION-FILE" and
        .driftwatch.extension.name == "dwunion")' "$T/approved.json" >/dev/null ||
        fail "the change of $victim is not attributed to the extension that wins"
[ "$(jq -s 'map(select(.rule.id == "DW-INV-SHADOWS-BASE")) | length' "$T/approved.json")" = 1 ] ||
        fail "DW-INV-SHADOWS-BASE for a file no extension shadows"
if jq -r .rule.id "$T/approved.json" | grep -q CHANGED-SINCE-MERGE; then
        fail "DW-INV-CHANGED-SINCE-MERGE before any image changed"
fi
jq -e -s 'any(.[]; .rule.id == "DW-INV-CHANGED-SINCE-MERGE" and .file.path == "/run/extensions/dwunionsq.raw" and
        .event.kind == "alert")' "$T/touched.json" >/dev/null ||
        fail "no DW-INV-CHANGED-SINCE-MERGE for the image touched after the merge"
echo PASS
