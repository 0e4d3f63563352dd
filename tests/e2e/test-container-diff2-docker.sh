# container diff --docker-root on Docker's overlay2 layout. Docker is not
# installed here, so the layout is built by hand, as moby writes it
# (container/container.go, layer/filestore.go, daemon/graphdriver/overlay2),
# from real layers: a two-layer image built with podman build and the upper
# directory of a real podman container changed in every way are copied into
# overlay2/<cache-id>/diff, with each layer's link, lower and l/ short link,
# layerdb/sha256/<chain-id>/{cache-id,diff,parent} (chain ids computed as the
# image spec says), layerdb/mounts/<id>/{mount-id,init-id,parent}, the -init
# layer Docker injects (/.dockerenv, /etc/hosts, /etc/hostname,
# /etc/resolv.conf, /dev/console, /dev/pts, /dev/shm, /etc/mtab) and
# containers/<id>/config.v2.json. The findings equal those of the same
# upper directory over the same layers read from podman's storage, say
# runtime docker, and hide the -init layer's files without --all; scan
# finds them under var/lib/docker of the root it scans.
# Bad input: a config.v2.json that is not JSON, a mount-id with "../", a
# lower file naming a link outside overlay2/l, a link pointing out, a
# driver that is not overlay2, a missing cache-id.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"
podman_setup

pm_image_busybox localhost/dw-dk:1
mkdir -p "$T/ctx"
printf 'FROM localhost/dw-dk:1\nRUN echo hi > /hello && mkdir -p /opt/x && echo a > /opt/x/a\n' >"$T/ctx/Containerfile"
pm_images+=(localhost/dw-dkapp:1)
pm build --network=none -t localhost/dw-dkapp:1 "$T/ctx" >"$T/build.log" 2>&1 || { cat "$T/build.log"; fail "podman build failed"; }
pm_run dw-d1 localhost/dw-dkapp:1 sh -c 'echo x >> /hello; rm /etc/motd; rm -rf /opt/x; mkdir /opt/x; echo n > /opt/x/n
cp /bin/busybox /usr/bin/mytool; chmod 700 /root'
run 1 "$DW" container diff --storage-root "$PM_DIR/storage" --format json dw-d1
drop_summary "$T/out"
shape='[.event.action, .file.path, (.driftwatch.changed // [] | join(","))] | join(" ")'
jq -r "$shape" "$T/out" | LC_ALL=C sort >"$T/podman.txt"

S=$PM_DIR/storage
D=$T/docker
L=$D/image/overlay2/layerdb
mkdir -p "$D/overlay2/l" "$L/sha256" "$L/mounts" "$D/containers"
sha() { printf '%s' "$1" | sha256sum | cut -c1-64; }
# The image's layers, base first, from podman's layers.json.
top=$(jq -r '.[] | select(.names[]? == "localhost/dw-dkapp:1") | .layer' "$S/overlay-images/images.json")
layers=() l=$top
while [ -n "$l" ]; do layers=("$l" "${layers[@]}"); l=$(jq -r --arg l "$l" '.[] | select(.id == $l) | .parent // empty' "$S/overlay-layers/layers.json"); done
[ ${#layers[@]} -eq 2 ] || fail "expected an image of 2 layers, got ${#layers[@]}"
chain="" lowers=""
n=0
for l in "${layers[@]}"; do
        n=$((n + 1))
        diffid=$(jq -r --arg l "$l" '.[] | select(.id == $l) | ."diff-digest"' "$S/overlay-layers/layers.json")
        if [ -z "$chain" ]; then new=$diffid; else new=sha256:$(sha "$chain $diffid"); fi
        cache=$(sha "cache $n") short=$(printf 'SHORT%021d' "$n")
        mkdir -p "$D/overlay2/$cache" "$L/sha256/${new#sha256:}"
        cp -a "$S/overlay/$l/diff" "$D/overlay2/$cache/diff"
        printf '%s' "$short" >"$D/overlay2/$cache/link"
        ln -s "../$cache/diff" "$D/overlay2/l/$short"
        [ -z "$lowers" ] || printf '%s' "$lowers" >"$D/overlay2/$cache/lower"
        lowers="l/$short${lowers:+:$lowers}"
        printf '%s' "$cache" >"$L/sha256/${new#sha256:}/cache-id"
        printf '%s' "$diffid" >"$L/sha256/${new#sha256:}/diff"
        [ -z "$chain" ] || printf '%s' "$chain" >"$L/sha256/${new#sha256:}/parent"
        chain=$new
done
image=$(jq -r '.[] | select(.names[]? == "localhost/dw-dkapp:1") | .id' "$S/overlay-images/images.json")
upper=$(jq -r '.[] | select(.names[0] == "dw-d1") | .layer' "$S/overlay-containers/containers.json")

# mk_container ID NAME MOUNT-ID: a container over the image, its upper
# directory a copy of dw-d1's, its -init layer as Docker makes it.
mk_container() {
        local id=$1 name=$2 mount=$3 short=INIT${1:0:22} ushort=UP${1:0:24}
        mkdir -p "$D/overlay2/$mount-init/diff"/{etc,dev/pts,dev/shm,proc,sys} "$D/overlay2/$mount" "$L/mounts/$id" "$D/containers/$id"
        : >"$D/overlay2/$mount-init/diff/.dockerenv"
        for f in etc/hosts etc/hostname etc/resolv.conf dev/console; do : >"$D/overlay2/$mount-init/diff/$f"; done
        ln -s /proc/mounts "$D/overlay2/$mount-init/diff/etc/mtab"
        ln -s "../$mount-init/diff" "$D/overlay2/l/$short"
        printf '%s' "$short" >"$D/overlay2/$mount-init/link"
        printf '%s' "$lowers" >"$D/overlay2/$mount-init/lower"
        cp -a "$S/overlay/$upper/diff" "$D/overlay2/$mount/diff"
        ln -s "../$mount/diff" "$D/overlay2/l/$ushort"
        printf '%s' "$ushort" >"$D/overlay2/$mount/link"
        printf '%s' "l/$short:$lowers" >"$D/overlay2/$mount/lower"
        printf '%s' "$mount" >"$L/mounts/$id/mount-id"
        printf '%s-init' "$mount" >"$L/mounts/$id/init-id"
        printf '%s' "$chain" >"$L/mounts/$id/parent"
        cat >"$D/containers/$id/config.v2.json" <<J
{"ID":"$id","Name":"/$name","Image":"sha256:$image","Config":{"Image":"localhost/dw-dkapp:1","Cmd":["sh"]},
 "Driver":"overlay2","MountPoints":{"/data":{"Destination":"/data","RW":true}},"State":{"Running":false}}
J
}
C1=$(sha c1) C2=$(sha c2)
mk_container "$C1" dw-d1 "$(sha m1)"
mk_container "$C2" dw-d2 "$(sha m2)"

run 1 "$DW" container diff --docker-root "$D" --format json dw-d1
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
jq -r "$shape" "$T/out" | LC_ALL=C sort >"$T/docker.txt"
diff -u "$T/podman.txt" "$T/docker.txt" || fail "the overlay2 layout and podman's storage disagree on the same layers"
X=$(jq -r '[.container.id, .container.name, .container.runtime, .container.image.name, .container.image.hash.all[0]]
        | join(" ")' "$T/out" | sort -u)
[ "$X" = "$C1 dw-d1 docker localhost/dw-dkapp sha256:$image" ] || fail "container fields: '$X'"
X=$(jq -r 'select(.file.path == "/hello") | .driftwatch.container.layer' "$T/out")
[ -d "$D/overlay2/$X/diff" ] || fail "/hello's layer '$X' is not an overlay2 layer"
grep -q '"/.dockerenv"' "$T/out" && fail "the -init layer's /.dockerenv shows without --all"
run 1 "$DW" container diff --docker-root "$D" --format json --all dw-d1
drop_summary "$T/out"
X=$(jq -r 'select(.event.action == "container-drift-added") | .file.path' "$T/out" | grep -cxE '/.dockerenv|/etc/hosts|/etc/mtab|/etc/resolv.conf|/dev/console')
[ "$X" = 5 ] || fail "--all shows $X of the 5 files of the -init layer"
# By id prefix; every container.
run 1 "$DW" container diff --docker-root "$D" --format json "${C2:0:12}"
drop_summary "$T/out"
run 1 "$DW" container diff --docker-root "$D" --format json
drop_summary "$T/out"
[ "$(jq -r .container.name "$T/out" | sort -u | tr '\n' ' ')" = "dw-d1 dw-d2 " ] || fail "not every container was compared"

# Bad input: one line naming the file, exit 2; the other containers are still compared.
bad() {         # bad WHAT: the error names WHAT; dw-d1 is still reported
        run 2 "$DW" container diff --docker-root "$D" --format json
        drop_summary "$T/out"
        expect_one_error_line "$1"
        grep -q '"dw-d1"' "$T/out" || fail "dw-d1 was not reported beside the broken dw-d2"
}
cp "$D/containers/$C2/config.v2.json" "$T/config.good"
printf '{"ID": not json' >"$D/containers/$C2/config.v2.json"
bad "cannot parse '$D/containers/$C2/config.v2.json'"
sed 's/"overlay2"/"btrfs"/' "$T/config.good" >"$D/containers/$C2/config.v2.json"
bad "storage driver 'btrfs' (only overlay2 is read)"
cp "$T/config.good" "$D/containers/$C2/config.v2.json"
printf '../../../etc' >"$L/mounts/$C2/mount-id"
bad "'$L/mounts/$C2/mount-id': '../../../etc' is not a mount id"
printf '%s' "$(sha m2)" >"$L/mounts/$C2/mount-id"
cp "$D/overlay2/$(sha m2)/lower" "$T/lower.good"
printf 'l/../../../etc:%s' "$lowers" >"$D/overlay2/$(sha m2)/lower"
bad "unexpected entry 'l/../../../etc'"
ln -s /etc "$D/overlay2/l/EVIL"
printf 'l/EVIL:%s' "$lowers" >"$D/overlay2/$(sha m2)/lower"
bad "link '$D/overlay2/l/EVIL' points to '/etc', not a layer"
cp "$T/lower.good" "$D/overlay2/$(sha m2)/lower"
run 1 "$DW" container diff --docker-root "$D" --format json
drop_summary "$T/out"
mv "$L/sha256/${chain#sha256:}/cache-id" "$T/cache-id"
run 2 "$DW" container diff --docker-root "$D" --format json
drop_summary "$T/out"
grep -q "cache-id' is missing" "$T/err" || fail "a missing cache-id is not named: $(cat "$T/err")"
mv "$T/cache-id" "$L/sha256/${chain#sha256:}/cache-id"
# scan finds the Docker root under the root it scans.
R=$T/host
mkdir -p "$R/usr" "$R/etc" "$R/var/lib"
signed_policy "$R"
mkdir "$R/var/lib/docker" && mount --bind "$D" "$R/var/lib/docker" || fail "cannot bind the Docker root"
run 1 "$DW" scan --root "$R" --state-dir "$T/state" --format json
drop_summary "$T/out"
[ "$(jq -r 'select(.container.runtime == "docker") | .container.name' "$T/out" | sort -u | tr '\n' ' ')" = "dw-d1 dw-d2 " ] ||
        fail "scan did not compare the Docker containers"
umount "$R/var/lib/docker"

# Not a Docker root; another driver's.
mkdir -p "$T/dbtrfs/btrfs"
for x in "$T/nothing|$T/nothing" "$T/dbtrfs|unsupported storage driver 'btrfs'"; do
        run 2 "$DW" container diff --docker-root "${x%%|*}"
        expect_one_error_line "${x#*|}"
done
exit 0
