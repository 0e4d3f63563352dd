#!/usr/bin/env bash
# bench/inventory.sh: userspace verity verification of 20 extension images
# (1 GiB in all) against `veritysetup verify` of the same images, in one run,
# with a warm page cache; then the inventory of a host with 200 images.
#
#   bench/inventory.sh [--runs N] [--images N] [--total-mib MIB] [--threads N]
#                      [--driftwatch PATH] [--verity-verify PATH]
#
# The images are squashfs of random data (mksquashfs; plain files of random
# data without it), each with a .verity sidecar (`veritysetup format`, with a
# superblock) and a .roothash, under DIR/var/lib/extensions of a scratch root
# removed at the end. Our side is build/tests/verity-verify (src/host/verity.c,
# all images in one process, as the inventory runs it) and, once the command
# exists, `driftwatch inventory --root DIR --verify-verity`; the peer runs
# veritysetup verify once per image. Goal: at least as fast (ratio >= 1).
# The inventory of 200 images without verification (goal: under 100 ms) is
# measured when `driftwatch inventory` exists, and said to be not measured
# otherwise. See bench/README.md.
set -euo pipefail

name=inventory.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/bench/lib.sh"
runs=3
images=20
total_mib=1024
threads=0
driftwatch=$repo/build/driftwatch
verity_verify=$repo/build/tests/verity-verify
goal_vs_veritysetup=1   # veritysetup verify / ours
goal_inventory_ms=100   # driftwatch inventory of 200 images, no verification
small_images=200

usage() {
        sed -n '2,8s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
        exit "${1:-0}"
}

while [ $# -gt 0 ]; do
        case $1 in
        --runs)          runs=${2:?--runs needs a number}; shift 2 ;;
        --images)        images=${2:?--images needs a number}; shift 2 ;;
        --total-mib)     total_mib=${2:?--total-mib needs MiB}; shift 2 ;;
        --threads)       threads=${2:?--threads needs a number}; shift 2 ;;
        --driftwatch)    driftwatch=${2:?--driftwatch needs a path}; shift 2 ;;
        --verity-verify) verity_verify=${2:?--verity-verify needs a path}; shift 2 ;;
        -h|--help)       usage 0 ;;
        *)               echo "inventory.sh: unknown argument '$1'" >&2; usage 2 ;;
        esac
done

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"
[[ $images =~ ^[1-9][0-9]*$ ]] || die "--images takes a positive number"
[[ $total_mib =~ ^[1-9][0-9]*$ ]] || die "--total-mib takes a positive number of MiB"
[[ $threads =~ ^[0-9]+$ ]] || die "--threads takes a number (0: the default)"
require_gnu_time
command -v veritysetup >/dev/null || die "veritysetup is missing: install cryptsetup-bin (scripts/deps.sh bench)"
[ -x "$verity_verify" ] || die "'$verity_verify' is not built: run 'make build' (or pass --verity-verify)"

tmp=$(mktemp -d /tmp/dw-inventory.XXXXXX)
trap 'rm -rf "${tmp:?}"' EXIT
trap 'exit 130' INT TERM

has_inventory=false
if [ -x "$driftwatch" ] && "$driftwatch" inventory --help >/dev/null 2>&1; then
        has_inventory=true
fi

# --- The images ---------------------------------------------------------------

root=$tmp/root
ext=$root/var/lib/extensions
mkdir -p "$ext"
mib_each=$((total_mib / images))
[ "$mib_each" -ge 1 ] || die "--total-mib must be at least --images"
note "$name: making $images images of $mib_each MiB (squashfs: $(command -v mksquashfs >/dev/null && echo yes || echo 'no, plain files'))"
verify_args=()
: >"$tmp/peer.list"
for ((i = 0; i < images; i++)); do
        img=$(printf 'bench%02d' "$i")
        src=$tmp/src/$img
        mkdir -p "$src/usr/lib/extension-release.d" "$src/usr/share/$img"
        printf 'ID=_any\n' >"$src/usr/lib/extension-release.d/extension-release.$img"
        head -c "$((mib_each << 20))" /dev/urandom >"$src/usr/share/$img/blob"
        if command -v mksquashfs >/dev/null; then
                mksquashfs "$src" "$ext/$img.raw" -quiet -no-progress -noappend -comp zstd >/dev/null 2>&1 ||
                        mksquashfs "$src" "$ext/$img.raw" -quiet -no-progress -noappend >/dev/null
        else
                cp "$src/usr/share/$img/blob" "$ext/$img.raw"
        fi
        rm -rf "${src:?}"
        veritysetup format "$ext/$img.raw" "$ext/$img.verity" >"$tmp/format.out"
        awk '/^Root hash:/ { print $3 }' "$tmp/format.out" >"$ext/$img.roothash"
        roothash=$(cat "$ext/$img.roothash")
        [ ${#roothash} -eq 64 ] || die "veritysetup format printed no root hash for $img"
        verify_args+=("$ext/$img.raw" "$ext/$img.verity" "$roothash")
        printf '%s %s %s\n' "$ext/$img.raw" "$ext/$img.verity" "$roothash" >>"$tmp/peer.list"
done
total_bytes=$(cat "$ext"/*.raw | wc -c)
note "$name: $images images, $((total_bytes >> 20)) MiB of data"

# The peer: one veritysetup verify per image, as a shell loop.
cat >"$tmp/peer.sh" <<'EOF'
while read -r data hash root; do
        veritysetup verify "$data" "$hash" "$root" || exit 1
done <"$1"
EOF

# Warm the page cache and check that both accept every image, untimed.
cat "$ext"/* >/dev/null
bash "$tmp/peer.sh" "$tmp/peer.list" || die "veritysetup verify rejects a fresh image"
"$verity_verify" --threads "$threads" "${verify_args[@]}" || die "verity-verify rejects a fresh image"

# --- Timed runs ----------------------------------------------------------------

measure ours 0 /dev/null "$verity_verify" --threads "$threads" "${verify_args[@]}"
measure peer 0 /dev/null bash "$tmp/peer.sh" "$tmp/peer.list"
if $has_inventory; then
        measure inventory_verify 0,1 /dev/null "$driftwatch" inventory --root "$root" --verify-verity
fi

# 200 small directory extensions for the inventory without verification.
if $has_inventory; then
        small=$tmp/small
        for ((i = 0; i < small_images; i++)); do
                d=$small/var/lib/extensions/small$i/usr/lib/extension-release.d
                mkdir -p "$d"
                printf 'ID=_any\n' >"$d/extension-release.small$i"
        done
        measure inventory_200 0,1 /dev/null "$driftwatch" inventory --root "$small"
fi

# --- Report --------------------------------------------------------------------

echo "verity verification of $images images, $((total_bytes >> 20)) MiB (median of $runs runs, warm cache):"
printf '  %-44s %10s %14s\n' "" "seconds" "peak RSS MiB"
row "verity-verify (src/host/verity.c, one process)" ours
row "veritysetup verify (one per image)" peer
if $has_inventory; then
        row "driftwatch inventory --verify-verity" inventory_verify
fi
echo "ratios:"
ratio "veritysetup verify / verity-verify" peer ours ">=" "$goal_vs_veritysetup"
if $has_inventory; then
        ratio "veritysetup verify / inventory --verify-verity" peer inventory_verify ">=" "$goal_vs_veritysetup"
        ms=$(awk -v s="${median_s[inventory_200]}" 'BEGIN { printf "%.1f", s * 1000 }')
        judge "inventory of $small_images images (no verification)" "$ms" ms "<=" "$goal_inventory_ms"
else
        echo "  inventory of $small_images images (no verification): not measured yet ('driftwatch inventory' is not in $driftwatch)"
fi
[ "$goals_missed" -eq 0 ] || note "$name: $goals_missed goal(s) not met"
