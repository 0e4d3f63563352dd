# OCI image layouts edited or made by hand, for the image baseline tests
# (sourced after lib.sh). What an attacker who can write a layout does: change
# a blob, then point the manifest and index.json at the new digests so that
# only a deeper check can fail.
#
#   manifest_of LAYOUT            the manifest blob of index.json's first manifest
#   layer_file LAYOUT N           the blob of layer N (0-based)
#   config_file LAYOUT            the config blob
#   put_blob LAYOUT FILE          stores FILE as a blob (moved); prints "sha256:HEX SIZE"
#   set_manifest LAYOUT FILTER    rewrites the manifest with a jq filter, and index.json to match
#   oci_layout DIR TAR...         a layout of these layer tars (each may be gzipped),
#                                 the config's diff_ids computed from their content

manifest_of() {
        echo "$1/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$1/index.json")"
}

layer_file() {
        echo "$1/blobs/sha256/$(jq -r --argjson n "$2" '.layers[$n].digest | sub("sha256:"; "")' "$(manifest_of "$1")")"
}

config_file() {
        echo "$1/blobs/sha256/$(jq -r '.config.digest | sub("sha256:"; "")' "$(manifest_of "$1")")"
}

put_blob() {
        local h
        h=$(sha256sum "$2" | cut -d' ' -f1)
        mv "$2" "$1/blobs/sha256/$h" || fail "cannot store blob $2"
        echo "sha256:$h $(stat -c %s "$1/blobs/sha256/$h")"
}

set_manifest() {
        local d s
        jq -c "$2" "$(manifest_of "$1")" >"$T/oci-m.new" || fail "jq $2"
        read -r d s < <(put_blob "$1" "$T/oci-m.new")
        jq -c --arg d "$d" --argjson s "$s" '.manifests[0].digest = $d | .manifests[0].size = $s' \
                "$1/index.json" >"$T/oci-i.new" || fail "cannot rewrite index.json"
        mv "$T/oci-i.new" "$1/index.json"
}

oci_layout() {
        local dir=$1 l d s diff layers=() diffs=() cfg
        shift
        mkdir -p "$dir/blobs/sha256"
        printf '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
        for l in "$@"; do
                diff=$( (gzip -dc "$l" 2>/dev/null || cat "$l") | sha256sum | cut -d' ' -f1)
                cp "$l" "$T/oci-l.new"
                read -r d s < <(put_blob "$dir" "$T/oci-l.new")
                layers+=("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar$(
                        gzip -t "$l" 2>/dev/null && echo +gzip || true)\",\"digest\":\"$d\",\"size\":$s}")
                diffs+=("\"sha256:$diff\"")
        done
        cfg=$(IFS=,; echo "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[${diffs[*]}]}}")
        printf '%s' "$cfg" >"$T/oci-c.new"
        read -r d s < <(put_blob "$dir" "$T/oci-c.new")
        printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$d\",\"size\":$s},\"layers\":[$(IFS=,; echo "${layers[*]}")]}" >"$T/oci-m.new"
        read -r d s < <(put_blob "$dir" "$T/oci-m.new")
        printf '%s' "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$d\",\"size\":$s,\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}" >"$dir/index.json"
}
