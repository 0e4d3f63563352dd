# container diff on a hand-built containers-storage root (no podman): the
# overlay rules one by one. Upper and lower layers are plain directories with
# the kernel's markers made by hand: a character device 0/0 and the xattr
# whiteout (user.overlay.whiteout), an opaque directory (trusted.overlay.opaque),
# renamed directories (trusted.overlay.redirect, absolute and relative: one
# finding each, their content compared with the old path's), metacopy files in both the
# trusted.* and the user.* form. Bad input: a layers.json parent cycle, a
# whiteout of nothing, a 10 GB sparse file, a hostile file name.
source "$(dirname "$0")/lib.sh"
command -v setfattr >/dev/null || skip "setfattr (attr) is not installed"

S=$T/storage
id() { printf '%064x' "$1"; }
L1=$(id 1) L2=$(id 2) U=$(id 3) C=$(id 4) IMG=$(id 5) CY1=$(id 6) CY2=$(id 7) UL=$(id 8) CL=$(id 9)
mkdir -p "$S"/{overlay-layers,overlay-images,overlay-containers,overlay/l}
for l in "$L1" "$L2" "$U" "$UL"; do mkdir -p "$S/overlay/$l/diff"; done
ln -s "../$L1/diff" "$S/overlay/l/AAAA"
ln -s "../$L2/diff" "$S/overlay/l/BBBB"
printf 'l/BBBB:l/AAAA' >"$S/overlay/$U/lower"
printf 'l/BBBB:l/AAAA' >"$S/overlay/$UL/lower"
cat >"$S/overlay-layers/layers.json" <<J
[{"id":"$L1","diff-size":100},{"id":"$L2","parent":"$L1"},{"id":"$U","parent":"$L2"},
 {"id":"$CY1","parent":"$CY2"},{"id":"$CY2","parent":"$CY1"},{"id":"$UL","parent":"$CY1"}]
J
printf '[{"id":"%s","names":["localhost/fixture:2"],"layer":"%s","digest":"sha256:%s"}]' "$IMG" "$L2" "$C" \
        >"$S/overlay-images/images.json"
printf '[{"id":"%s","names":["good"],"image":"%s","layer":"%s"},{"id":"%s","names":["loopy"],"image":"%s","layer":"%s"}]' \
        "$C" "$IMG" "$U" "$CL" "$IMG" "$UL" >"$S/overlay-containers/containers.json"

B=$S/overlay/$L1/diff M=$S/overlay/$L2/diff UP=$S/overlay/$U/diff
mkdir -p "$B"/{etc,d,old,bin,usr/bin} "$M/etc" "$UP"/{etc,usr/bin}
printf 'root\n' >"$B/etc/passwd"; printf 'hi\n' >"$B/etc/motd"; printf 'hi2\n' >"$M/etc/motd"
printf 'k\n' >"$B/d/keep"; printf 'g\n' >"$B/d/gone"; printf 'o\n' >"$B/old/f"
printf 'data1234\n' >"$B/meta"; printf 'data5678\n' >"$B/meta2"; printf 'l\n' >"$M/later"
chmod 644 "$B/meta" "$B/meta2"

mknod "$UP/etc/motd" c 0 0                                      # whiteout: device form
: >"$UP/later"; setfattr -n user.overlay.whiteout -v y "$UP/later" # whiteout: xattr form
mkdir "$UP/d"; setfattr -n trusted.overlay.opaque -v y "$UP/d"   # rm -rf /d; mkdir /d; keep recreated
cp -p "$B/d/keep" "$UP/d/keep"
mkdir "$UP/new"; setfattr -n trusted.overlay.redirect -v /old "$UP/new"; mknod "$UP/old" c 0 0  # mv /old /new
printf 'g\n' >"$UP/new/g"                                       # ... and a file added to it
mkdir -p "$B/rel/src"; printf 's\n' >"$B/rel/src/s"; printf 't\n' >"$B/rel/src/t"
mkdir -p "$UP/rel/dst"; setfattr -n trusted.overlay.redirect -v src "$UP/rel/dst"; mknod "$UP/rel/src" c 0 0  # mv /rel/src /rel/dst
cp -p "$B/rel/src/s" "$UP/rel/dst/s"; printf 'S\n' >"$UP/rel/dst/s"; touch -r "$B/rel/src/s" "$UP/rel/dst/s"
: >"$UP/meta"; chmod 600 "$UP/meta"; setfattr -n trusted.overlay.metacopy "$UP/meta"            # chmod, metacopy
: >"$UP/meta2"; chmod 755 "$UP/meta2"; setfattr -n user.overlay.metacopy "$UP/meta2"
mknod "$UP/ghost" c 0 0                                         # a whiteout of nothing below
truncate -s 10G "$UP/big"                                       # 10 GB, sparse
printf 'x\n' >"$UP/$(printf 'evil\nname\033[31m')"
cp -p "$B/etc/passwd" "$UP/etc/passwd"; printf 'ROOT\n' >"$UP/etc/passwd"; touch -r "$B/etc/passwd" "$UP/etc/passwd"
printf '#!/bin/sh\necho hi\n' >"$UP/usr/bin/tool"; chmod 755 "$UP/usr/bin/tool"

start=$(date +%s)
run 2 "$DW" container diff --storage-root "$S" --format json
[ $(( $(date +%s) - start )) -lt 10 ] || fail "a 10 GB sparse file took too long"
expect_valid_jsonl "$T/out"
expect_one_error_line "loopy"
grep -q "its own ancestor" "$T/err" || fail "the parent cycle is not named: $(cat "$T/err")"
expect_findings "$T/out" <<X
container-drift-deleted "/etc/motd" -
container-drift-deleted "/later" -
container-drift-deleted "/d/gone" opaque
container-drift-renamed "/new" redirect
container-drift-added "/new/g" redirect
container-drift-renamed "/rel/dst" redirect
container-drift-modified "/rel/dst/s" content,redirect
container-drift-modified "/meta" mode,metacopy
container-drift-modified "/meta2" mode,metacopy
container-drift-added "/big" -
container-drift-added "/evil\nname\u001b[31m" -
container-drift-modified "/etc/passwd" content
container-new-executable "/usr/bin/tool" -
X
# A renamed directory is one finding naming its old path (the whiteout left
# at the old path is not a deletion of its own); what it holds is compared
# with what the old path holds in the image (/new/f, /rel/dst/t: unchanged).
X=$(jq -r 'select(.event.action == "container-drift-renamed") | [.driftwatch.before.path, .driftwatch.after.path,
        .rule.id, .message] | join(" ")' "$T/out")
[ "$X" = "$(printf '%s\n' '/old /new DW-CTR-DRIFT-RENAMED renamed from /old in container good: /new' \
        '/rel/src /rel/dst DW-CTR-DRIFT-RENAMED renamed from /rel/src in container good: /rel/dst')" ] ||
        fail "the renamed directories: '$X'"
X=$(jq -r 'select(.file.path == "/etc/motd") | .driftwatch.container.layer' "$T/out")
[ "$X" = "$L2" ] || fail "the deleted /etc/motd came from layer $L2, got '$X'"
X=$(jq -r 'select(.file.path == "/etc/passwd") | [.container.name, .container.image.name, .container.image.tag[0], .driftwatch.container.layer] | join(" ")' "$T/out")
[ "$X" = "good localhost/fixture 2 $L1" ] || fail "container fields: '$X'"

# A redirect that would leave the layers: the container is refused, the path named.
mkdir "$UP/hostile"; setfattr -n trusted.overlay.redirect -v ../../etc "$UP/hostile"
run 2 "$DW" container diff --storage-root "$S" --format json good
expect_one_error_line "cannot read '/hostile'"
rmdir "$UP/hostile"

# One container asked for by name, one by id prefix; a name that matches nothing.
run 1 "$DW" container diff --storage-root "$S" --format json good
run 1 "$DW" container diff --storage-root "$S" --format json "$C"
run 2 "$DW" container diff --storage-root "$S" 0000
expect_one_error_line "names 2 containers"
run 2 "$DW" container diff --storage-root "$S" nosuch
expect_one_error_line "nosuch"
# Not a storage root; a driver that is not read.
run 2 "$DW" container diff --storage-root "$T/nothing"
expect_one_error_line "$T/nothing"
mkdir -p "$T/vfs/vfs-layers"
run 2 "$DW" container diff --storage-root "$T/vfs"
expect_one_error_line "unsupported storage driver 'vfs'"
exit 0
