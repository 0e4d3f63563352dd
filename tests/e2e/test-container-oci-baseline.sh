# baseline create --from oci: / oci-archive: / docker-archive: on a REAL
# two-layer image built by podman (layer 2: a deletion, an opaque directory
# made by rm -rf and recreate, a chmod, a hardlink), exported by skopeo in
# each form and with gzip and zstd layers: the three baselines hold the same
# entries, a container made from the image (podman create + mount) checks
# clean against them, and a change in the container is exactly one finding.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"
source "$(dirname "$0")/lib-oci.sh"

podman_setup
# podman 4.3's build reads the base image's config through /var/tmp whatever
# TMPDIR says: a private tmpfs there, in the test's mount namespace like /run.
mount -t tmpfs -o mode=1777 driftwatch-test-vartmp /var/tmp || fail "cannot mount a private /var/tmp"
for t in jq python3 gzip; do command -v $t >/dev/null || skip "$t is not installed"; done

mkdir -p "$T/extra/data" "$T/extra/opt/dir/sub"
printf 'keep\n' >"$T/extra/data/keep"
printf 'gone\n' >"$T/extra/data/gone"
printf 'a\n' >"$T/extra/opt/dir/a"
printf 'b\n' >"$T/extra/opt/dir/sub/b"
ln -s /etc/motd "$T/extra/data/abs-link"        # an absolute symlink: recorded, never followed
pm_image_busybox localhost/dw-oci-base "$T/extra"

mkdir -p "$T/ctx"
cat >"$T/ctx/Containerfile" <<'EOF'
FROM localhost/dw-oci-base
RUN rm /data/gone && rm -rf /opt/dir && mkdir /opt/dir && echo c >/opt/dir/c && chmod 0600 /etc/motd && \
    ln /data/keep /data/keep-link
EOF
pm_images+=(localhost/dw-oci-img)
pm build --quiet --network=none --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
        -t localhost/dw-oci-img "$T/ctx" >/dev/null || fail "podman build failed"

sk copy --quiet containers-storage:localhost/dw-oci-img oci:"$T/oci:v1" || fail "skopeo copy to oci: failed"
sk copy --quiet containers-storage:localhost/dw-oci-img oci-archive:"$T/img.tar:v1" ||
        fail "skopeo copy to oci-archive: failed"
sk copy --quiet containers-storage:localhost/dw-oci-img docker-archive:"$T/docker.tar:localhost/dw-oci-img:latest" ||
        fail "skopeo copy to docker-archive: failed"
# skopeo 1.9 has --dest-compress-format zstd for the oci transport.
sk copy --quiet --dest-compress-format zstd containers-storage:localhost/dw-oci-img oci:"$T/ociz:v1" ||
        fail "skopeo copy with zstd layers failed"
jq -e '[.layers[].mediaType] | all(endswith("+zstd"))' \
        "$T/ociz/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$T/ociz/index.json")" \
        >/dev/null || fail "skopeo did not write zstd layers"
jq -e '[.layers[].mediaType] | all(endswith("+gzip"))' \
        "$T/oci/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$T/oci/index.json")" \
        >/dev/null || fail "skopeo did not write gzip layers"

run 0 "$DW" baseline create --from oci:"$T/oci:v1" --out "$T/b-oci.db"
grep -q "(image sha256:" "$T/out" || fail "no image digest in: $(cat "$T/out")"
run 0 "$DW" baseline create --from oci-archive:"$T/img.tar:v1" --out "$T/b-arch.db"
run 0 "$DW" baseline create --from docker-archive:"$T/docker.tar" --out "$T/b-docker.db"
run 0 "$DW" baseline create --from oci:"$T/ociz" --out "$T/b-zstd.db"
for b in oci arch docker zstd; do
        "$DW" baseline show --entries "$T/b-$b.db" | sed '1,/^entries:/d' >"$T/e-$b" || fail "baseline show $b"
done
for b in arch docker zstd; do
        diff -u "$T/e-oci" "$T/e-$b" || fail "the $b baseline differs from the oci: one"
done

# The flattened image: layer 2's changes applied.
e() { grep -E " $1( ->.*)?\$" "$T/e-oci" || true; }
[ -n "$(e /data/keep)" ] && [ -z "$(e /data/gone)" ] || fail "the deletion in layer 2 is not applied"
[ -z "$(e /opt/dir/a)" ] && [ -z "$(e /opt/dir/sub/b)" ] && [ -n "$(e /opt/dir/c)" ] ||
        fail "the opaque directory is not applied: $(grep /opt/ "$T/e-oci")"
e /etc/motd | grep -q '^file    0600 ' || fail "the chmod in layer 2 is not applied: $(e /etc/motd)"
e /data/abs-link | grep -q -- '-> /etc/motd$' || fail "the absolute symlink is not recorded: $(e /data/abs-link)"
"$DW" baseline show --entries --format json "$T/b-oci.db" >"$T/j-oci" || fail "baseline show --format json"
[ "$(jq -r 'select(.path == "/data/keep-link") | .link' "$T/j-oci")" = /data/keep ] ||
        fail "the hardlink is not recorded: $(grep keep "$T/j-oci")"

# A container of the image, mounted: clean against every baseline; then one change.
pm_containers+=(dw-oci-c)
pm create --name dw-oci-c localhost/dw-oci-img true >/dev/null || fail "podman create failed"
M=$(pm mount dw-oci-c) && [ -d "$M/data" ] || fail "podman mount failed: $M"
for b in oci docker; do
        run 0 "$DW" check --baseline "$T/b-$b.db" --root "$M" --format json
        no_findings "$T/out" || { cat "$T/out"; fail "the container's root differs from the $b baseline"; }
done
printf 'tampered\n' >>"$M/opt/dir/c"
run 1 "$DW" check --baseline "$T/b-oci.db" --root "$M" --format json
expect_findings "$T/out" <<'EOF'
file-modified "/opt/dir/c" size,mtime,content
EOF
pm umount dw-oci-c >/dev/null || true

# A byte of layer 2 flipped: its digest no longer matches.
cp -a "$T/oci" "$T/flip"
L2=$(layer_file "$T/flip" 1)
printf '\x00' | dd of="$L2" bs=1 seek=100 conv=notrunc status=none
run 2 "$DW" baseline create --from oci:"$T/flip" --out "$T/b-flip.db"
expect_one_error_line "blobs/sha256/$(basename "$L2")"
grep -q "does not match its digest" "$T/err" || fail "not a digest error: $(cat "$T/err")"
[ ! -e "$T/b-flip.db" ] || fail "a baseline was written from a tampered image"

# Layer 2's content changed and gzipped again, the manifest pointed at it: the
# blob digest matches, the DiffID in the config does not.
cp -a "$T/oci" "$T/regz"
python3 "$(dirname "$0")/oci-edit.py" retar "$(layer_file "$T/regz" 1)" "$T/l2.tgz" opt/dir/c || fail "cannot edit layer 2"
read -r d s < <(put_blob "$T/regz" "$T/l2.tgz")
set_manifest "$T/regz" ".layers[1].digest = \"$d\" | .layers[1].size = $s"
run 2 "$DW" baseline create --from oci:"$T/regz" --out "$T/b-regz.db"
expect_one_error_line "blobs/sha256/${d#sha256:}"
grep -q "does not match the config's diff_id" "$T/err" || fail "not a DiffID error: $(cat "$T/err")"

# The config's diff_ids changed (and the manifest pointed at the new config).
cp -a "$T/oci" "$T/cfg"
jq -c '.rootfs.diff_ids[0] = "sha256:" + ("0" * 64)' "$(config_file "$T/cfg")" >"$T/c.new"
read -r d s < <(put_blob "$T/cfg" "$T/c.new")
set_manifest "$T/cfg" ".config.digest = \"$d\" | .config.size = $s"
run 2 "$DW" baseline create --from oci:"$T/cfg" --out "$T/b-cfg.db"
expect_one_error_line "blobs/sha256/$(basename "$(layer_file "$T/cfg" 0)")"
grep -q "does not match the config's diff_id" "$T/err" || fail "not a DiffID error: $(cat "$T/err")"

# The config altered in place: its own digest fails.
cp -a "$T/oci" "$T/cfg2"
c=$(config_file "$T/cfg2")
sed -i 's/"layers"/"layerz"/' "$c"
run 2 "$DW" baseline create --from oci:"$T/cfg2" --out "$T/b-cfg2.db"
expect_one_error_line "blobs/sha256/$(basename "$c")"

# containers-storage: the same image read from podman's storage, each layer's
# tar rebuilt from its tar-split file and diff directory: the same entries.
run 0 "$DW" baseline create --from containers-storage:localhost/dw-oci-img --storage-root "$PM_DIR/storage" \
        --out "$T/b-cs.db"
"$DW" baseline show --entries "$T/b-cs.db" | sed '1,/^entries:/d' >"$T/e-cs" || fail "baseline show cs"
diff -u "$T/e-oci" "$T/e-cs" || fail "the containers-storage baseline differs from the oci: one"
grep -q "$(jq -r '.config.digest' "$(manifest_of "$T/oci")")" "$T/out" || fail "image id differs: $(cat "$T/out")"

# A file of the top layer's diff directory changed in place (same size): the
# rebuilt tar's DiffID no longer matches; appended to: its size no longer does.
top=$(jq -r '.[] | select(.names[]? == "localhost/dw-oci-img:latest") | .layer' \
        "$PM_DIR/storage/overlay-images/images.json")
[ -f "$PM_DIR/storage/overlay/$top/diff/opt/dir/c" ] || fail "layer $top has no opt/dir/c"
printf 'x\n' >"$PM_DIR/storage/overlay/$top/diff/opt/dir/c"
run 2 "$DW" baseline create --from containers-storage:localhost/dw-oci-img --storage-root "$PM_DIR/storage" \
        --out "$T/b-cs2.db"
expect_one_error_line "$top"
grep -q "does not match the config's diff_id" "$T/err" || fail "not a DiffID error: $(cat "$T/err")"
printf 'xx\n' >"$PM_DIR/storage/overlay/$top/diff/opt/dir/c"
run 2 "$DW" baseline create --from containers-storage:localhost/dw-oci-img --storage-root "$PM_DIR/storage" \
        --out "$T/b-cs2.db"
expect_one_error_line "opt/dir/c"
