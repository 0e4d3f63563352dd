#!/usr/bin/env bash
# bench/container-oci.sh (run by bench/container.sh): an OCI baseline of an image against what a peer does
# to hash the same image: `skopeo copy` (which checks every blob's digest) +
# `tar -x` of each layer + a SHA-256 walk of the result.
#
#   bench/container-oci.sh [--size-mb N] [--runs N] [--driftwatch PATH]
#
# Generates a rootfs of N MiB (default 500) of random files in two layers
# (layer 2 removes some files of layer 1 and adds others), packs it as an OCI
# image layout with gzip layers, then times both. The image is made by hand
# (tar + gzip + the layout's JSON) rather than podman import + skopeo copy,
# so no container storage is touched. It runs in a private mount namespace
# (bench_unshare in bench/lib.sh): the host's /etc, /usr and /var read-only,
# /run and /var/tmp private, so what skopeo writes there on its own
# (/var/lib/containers/cache) never reaches the host. See bench/README.md.
set -euo pipefail

name=container-oci
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size_mb=500
runs=1
driftwatch=$repo/build/driftwatch

while [ $# -gt 0 ]; do
        case $1 in
        --size-mb)    size_mb=${2:?--size-mb needs a number}; shift 2 ;;
        --runs)       runs=${2:?--runs needs a number}; shift 2 ;;
        --driftwatch) driftwatch=${2:?--driftwatch needs a path}; shift 2 ;;
        -h|--help)    sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *)            echo "container-oci.sh: unknown argument '$1'" >&2; exit 2 ;;
        esac
done

source "$repo/bench/lib.sh"
# Into the private mount namespace (once): skopeo writes its blob info cache
# to /var/lib/containers/cache and big temporary files to /var/tmp on its own.
if [ "${DW_BENCH_NS:-}" != 1 ]; then
        [ "$(id -u)" = 0 ] || die "run it as root: the private mount namespace needs it"
        command -v unshare >/dev/null || die "unshare is missing (util-linux)"
        exec_rc=0
        bench_unshare "${BASH_SOURCE[0]}" --size-mb "$size_mb" --runs "$runs" --driftwatch "$driftwatch" || exec_rc=$?
        exit "$exec_rc"
fi
tmp=$(mktemp -d /tmp/dw-container.XXXXXX)
trap 'rm -rf "${tmp:?}"' EXIT
trap 'exit 130' INT TERM

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"
[[ $size_mb =~ ^[1-9][0-9]*$ ]] || die "--size-mb takes a positive number"
require_gnu_time
for t in skopeo tar gzip sha256sum jq; do
        command -v $t >/dev/null || die "$t is missing (scripts/deps.sh)"
done
[ -x "$driftwatch" ] || die "no driftwatch binary at $driftwatch (make build)"

# --- The image -----------------------------------------------------------------------

# Layer 1: 90% of the size in files of 4 KiB .. 4 MiB across 64 directories;
# layer 2: the rest, and whiteouts of every tenth file of layer 1.
note "$name: generating a $size_mb MiB image"
mkdir -p "$tmp/l1" "$tmp/l2" "$tmp/oci/blobs/sha256"
budget=$((size_mb * 1024 * 1024 * 9 / 10))
i=0
while [ "$budget" -gt 0 ]; do
        sz=$(( (RANDOM % 1024 + 1) * 4096 ))
        d=$tmp/l1/usr/d$((i % 64))
        mkdir -p "$d"
        head -c "$sz" /dev/urandom >"$d/f$i"
        budget=$((budget - sz))
        i=$((i + 1))
done
files1=$i
budget=$((size_mb * 1024 * 1024 / 10))
while [ "$budget" -gt 0 ]; do
        sz=$(( (RANDOM % 1024 + 1) * 4096 ))
        mkdir -p "$tmp/l2/opt/d$((i % 16))"
        head -c "$sz" /dev/urandom >"$tmp/l2/opt/d$((i % 16))/f$i"
        budget=$((budget - sz))
        i=$((i + 1))
done
for ((k = 0; k < files1; k += 10)); do
        mkdir -p "$tmp/l2/usr/d$((k % 64))"
        : >"$tmp/l2/usr/d$((k % 64))/.wh.f$k"
done

blob() {        # blob FILE: moves FILE into the layout; prints "DIGEST SIZE"
        local h
        h=$(sha256sum "$1" | cut -d' ' -f1)
        mv "$1" "$tmp/oci/blobs/sha256/$h"
        echo "sha256:$h $(stat -c %s "$tmp/oci/blobs/sha256/$h")"
}
layers='' diffs=''
for l in l1 l2; do
        tar -C "$tmp/$l" --sort=name --numeric-owner -cf "$tmp/$l.tar" .
        diff=$(sha256sum "$tmp/$l.tar" | cut -d' ' -f1)
        gzip -1 "$tmp/$l.tar"
        read -r d s < <(blob "$tmp/$l.tar.gz")
        layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$d\",\"size\":$s}"
        diffs+="${diffs:+,}\"sha256:$diff\""
done
printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffs" >"$tmp/config"
read -r d s < <(blob "$tmp/config")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[%s]}' \
        "$d" "$s" "$layers" >"$tmp/manifest"
read -r d s < <(blob "$tmp/manifest")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s}]}' \
        "$d" "$s" >"$tmp/oci/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$tmp/oci/oci-layout"
rm -rf "${tmp:?}/l1" "${tmp:?}/l2"
image_mib=$(du -sm "$tmp/oci" | cut -f1)

# Warm the page cache: both sides read the same blobs.
cat "$tmp"/oci/blobs/sha256/* >/dev/null

# --- Timed -----------------------------------------------------------------------------

prepare_dw_baseline() { rm -f "${tmp:?}/b.db"; }
measure dw_baseline 0 /dev/null "$driftwatch" --quiet baseline create --from "oci:$tmp/oci" --out "$tmp/b.db"

# The peer: copy (digests checked), unpack each layer in order (whiteouts are
# not applied by tar: the peer hashes more files than the image has), hash.
peer() {
        rm -rf "${tmp:?}/copy" "${tmp:?}/root"
        mkdir -p "$tmp/root"
        # its big temporary files in the scratch directory, as they were in
        # the host's /var/tmp before (a private tmpfs here)
        mkdir -p "$tmp/sktmp"
        TMPDIR=$tmp/sktmp skopeo copy --quiet "oci:$tmp/oci" "oci:$tmp/copy" || return 1
        local m
        m=$tmp/copy/blobs/sha256/$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$tmp/copy/index.json")
        for d in $(jq -r '.layers[].digest | sub("sha256:"; "")' "$m"); do
                tar -C "$tmp/root" -xzf "$tmp/copy/blobs/sha256/$d" || return 1
        done
        find "$tmp/root" -type f -exec sha256sum {} + >/dev/null
}
export -f peer
export tmp
measure peer 0 /dev/null bash -c peer

entries=$("$driftwatch" baseline show --format json "$tmp/b.db" | jq -r .entries)

# --- Report ----------------------------------------------------------------------------

echo
echo "OCI baseline of a ${image_mib} MiB image (2 gzip layers, $entries entries flattened)"
echo "  $runs run(s) each, median wall time, highest peak RSS; $(nproc) CPUs; page cache warm"
echo
printf '  %-44s %10s %14s\n' "command" "median s" "peak RSS MiB"
row "driftwatch baseline create --from oci:"       dw_baseline
row "skopeo copy + tar -x each layer + sha256sum" peer
echo
ratio "peer / driftwatch baseline (time)"          peer dw_baseline ">=" 1
echo
echo "  goals missed: $goals_missed"
