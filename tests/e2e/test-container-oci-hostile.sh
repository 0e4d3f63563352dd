# baseline create --from oci: with hand-made layers (tests/e2e/oci-edit.py):
# whiteouts and opaque directories flattened as the image spec says, and every
# hostile layer (../ names, absolute names, a name or a whiteout through a
# symlink of an earlier entry, a whiteout of "..", a hardlink to nothing, a
# member declaring 10 GB, truncated gzip, a nested index, an unknown layer
# type) is one error line naming the blob, exit 2, no baseline written, and
# nothing written anywhere else (no extraction happens).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-oci.sh"

for t in jq python3 gzip; do command -v $t >/dev/null || skip "$t is not installed"; done
EDIT=$(dirname "$0")/oci-edit.py

mkdir -p "$T/l"
for c in base opaque dotdot absolute via-symlink in-layer-symlink whiteout-dotdot whiteout-via-symlink \
        link-nothing huge; do
        python3 "$EDIT" layer "$c" "$T/l/$c.tar" || fail "cannot make layer $c"
done
gzip -n -k "$T/l/base.tar"

# Two layers, the first gzipped: whiteout and opaque directory applied.
oci_layout "$T/good" "$T/l/base.tar.gz" "$T/l/opaque.tar"
run 0 "$DW" baseline create --from oci:"$T/good:v1" --out "$T/good.db"
"$DW" baseline show --entries "$T/good.db" | sed '1,/^entries:/d' | awk '{print $1, $2, $NF}' >"$T/got" ||
        fail "baseline show"
diff -u - "$T/got" <<'EOF' || fail "flattened tree differs"
dir 0555 /
dir 0755 /dir
file 0644 /dir/new
symlink 0644 /etc
EOF

# Every hostile layer, on top of the base layer: one line naming its blob, exit 2.
for c in dotdot absolute via-symlink in-layer-symlink whiteout-dotdot whiteout-via-symlink link-nothing huge; do
        oci_layout "$T/$c" "$T/l/base.tar.gz" "$T/l/$c.tar"
        run 2 "$DW" baseline create --from oci:"$T/$c" --out "$T/$c.db"
        expect_one_error_line "blobs/sha256/$(basename "$(layer_file "$T/$c" 1)")"
        [ ! -e "$T/$c.db" ] || fail "$c: a baseline was written"
done
[ ! -e "$T/evil" ] && [ ! -e /etc/evil ] || fail "a hostile layer wrote a file"

# Truncated gzip (the digests made to match the truncated blob).
head -c 60 "$T/l/base.tar.gz" >"$T/l/trunc.tar.gz"
oci_layout "$T/trunc" "$T/l/trunc.tar.gz"
run 2 "$DW" baseline create --from oci:"$T/trunc" --out "$T/trunc.db"
expect_one_error_line "blobs/sha256/$(basename "$(layer_file "$T/trunc" 0)")"

# A nested index (a multi-platform image) is refused by name; so is a layer type that is not a tar.
cp -a "$T/good" "$T/nested"
jq -c '.manifests[0].mediaType = "application/vnd.oci.image.index.v1+json"' "$T/good/index.json" >"$T/nested/index.json"
run 2 "$DW" baseline create --from oci:"$T/nested" --out "$T/nested.db"
expect_one_error_line "nested index"
cp -a "$T/good" "$T/foreign"
set_manifest "$T/foreign" '.layers[0].mediaType = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"'
run 2 "$DW" baseline create --from oci:"$T/foreign" --out "$T/foreign.db"
expect_one_error_line "is not a tar layer"

# A missing tag, a missing layout, a blob replaced by a symlink: one line each.
run 2 "$DW" baseline create --from oci:"$T/good:nope" --out "$T/x.db"
expect_one_error_line "nope"
run 2 "$DW" baseline create --from oci:"$T/missing" --out "$T/x.db"
expect_one_error_line "$T/missing"
cp -a "$T/good" "$T/symlinked"
L=$(layer_file "$T/symlinked" 0)
mv "$L" "$T/moved-blob" && ln -s "$T/moved-blob" "$L"
run 2 "$DW" baseline create --from oci:"$T/symlinked" --out "$T/x.db"
expect_one_error_line "$(basename "$L")"
