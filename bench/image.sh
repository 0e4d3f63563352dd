#!/usr/bin/env bash
# bench/image.sh: `driftwatch image verify` against `ostree diff COMMIT DIR` on the
# same deployment, with a warm page cache.
#
#   bench/image.sh [--tree DIR] [--runs N] [--driftwatch PATH]
#
# Builds an ostree commit whose /usr holds a copy of DIR (default /usr/share),
# deploys it into a scratch sysroot with `ostree admin deploy`, then times both
# tools verifying that deployment. See bench/README.md.
set -euo pipefail

name=image.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tree=/usr/share
runs=5
driftwatch=$repo/build/driftwatch

while [ $# -gt 0 ]; do
        case $1 in
        --tree)       tree=${2:?--tree needs a directory}; shift 2 ;;
        --runs)       runs=${2:?--runs needs a number}; shift 2 ;;
        --driftwatch) driftwatch=${2:?--driftwatch needs a path}; shift 2 ;;
        -h|--help)    sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *)            echo "image.sh: unknown argument '$1'" >&2; exit 2 ;;
        esac
done

tmp=$(mktemp -d /tmp/dw-image.XXXXXX)
# Deployments are immutable (chattr +i); lift that before removing them.
trap 'chattr -R -i "${tmp:?}" 2>/dev/null || true; rm -rf "${tmp:?}"' EXIT
trap 'exit 130' INT TERM
source "$repo/bench/lib.sh"

[[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs takes a positive number"
require_gnu_time
command -v ostree >/dev/null || die "ostree is missing: install the 'ostree' package (scripts/deps.sh)"
[ -x "$driftwatch" ] || die "driftwatch binary '$driftwatch' not found: build it first or pass --driftwatch PATH"
[ -d "$tree" ] || die "no directory '$tree'"

# --- A deployment whose /usr holds the tree ----------------------------------------

note "building an ostree commit of $tree and deploying it ..."
os=$tmp/os
mkdir -p "$os/usr/lib/modules/6.1.0" "$os/usr/etc"
printf 'ID=benchos\n' >"$os/usr/lib/os-release"
printf 'kernel\n' >"$os/usr/lib/modules/6.1.0/vmlinuz"
printf 'initramfs\n' >"$os/usr/lib/modules/6.1.0/initramfs.img"
cp -a "$tree" "$os/usr/payload"
sysroot=$tmp/sysroot
mkdir -p "$sysroot"
ostree admin init-fs "$sysroot" >/dev/null
ostree admin os-init --sysroot="$sysroot" benchos >/dev/null
ostree --repo="$sysroot/ostree/repo" commit -b benchos/stable --tree=dir="$os" >/dev/null
commit=$(ostree --repo="$sysroot/ostree/repo" rev-parse benchos/stable)
ostree admin deploy --sysroot="$sysroot" --os=benchos benchos/stable >/dev/null 2>&1
deployment=$(ls -d "$sysroot"/ostree/deploy/benchos/deploy/*.0)
entries=$(find "$deployment/usr" | wc -l)
size=$(du -sh "$deployment/usr" | cut -f1)
rm -rf "${os:?}"

# Warm the page cache: both tools read every file.
find "$deployment/usr" -type f -exec cat {} + >/dev/null

# --- Timing --------------------------------------------------------------------------

# ostree's own comparison of a commit with a directory: walks the directory and
# computes each file's object checksum (single-threaded, GLib's SHA-256). It prints
# the deployment's /etc as added (the commit has only /usr/etc); it must report
# nothing under /usr.
note "timing ostree diff ..."
measure ostree_diff 0 "$tmp/ostree_diff.out" ostree diff --repo="$sysroot/ostree/repo" "$commit" "$deployment"
if grep -E ' /?usr(/|$)' "$tmp/ostree_diff.out" >/dev/null; then
        die "ostree diff reports differences under /usr in a fresh deployment"
fi

note "timing driftwatch image verify ..."
measure dw_verify 0 "$tmp/dw_verify.out" "$driftwatch" --quiet image verify --sysroot "$sysroot" --format json
[ ! -s "$tmp/dw_verify.out" ] || die "driftwatch image verify reports differences in a fresh deployment"

note "timing driftwatch image verify --threads 1 ..."
measure dw_verify_1 0 "$tmp/dw_verify_1.out" \
        "$driftwatch" --quiet image verify --sysroot "$sysroot" --threads 1 --format json

# --- Report --------------------------------------------------------------------------

echo
echo "driftwatch image verify vs ostree diff on a deployment of $tree ($entries entries, $size under /usr)"
echo "  $runs runs each, median wall time, highest peak RSS; $(nproc) CPUs; page cache warm"
echo
printf '  %-44s %10s %14s\n' "command" "median s" "peak RSS MiB"
row "ostree diff COMMIT DEPLOYMENT"              ostree_diff
row "driftwatch image verify"                    dw_verify
row "driftwatch image verify --threads 1"        dw_verify_1
echo
ratio "ostree diff / driftwatch image verify"             ostree_diff dw_verify   ">=" 1.5
ratio "ostree diff / driftwatch (one thread)"             ostree_diff dw_verify_1 ">=" 1
echo
echo "  goals missed: $goals_missed"
