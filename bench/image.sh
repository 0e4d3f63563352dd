#!/usr/bin/env bash
# bench/image.sh: `driftwatch image verify` against `ostree diff COMMIT DIR` on the
# same deployment, with a warm page cache.
#
#   bench/image.sh [--tree DIR] [--runs N] [--etc-files N] [--driftwatch PATH]
#
# Builds an ostree commit whose /usr holds a copy of DIR (default /usr/share),
# deploys it into a scratch sysroot with `ostree admin deploy`, then times both
# tools verifying that deployment. Then `driftwatch etc-diff` against `ostree
# admin config-diff` on a deployment whose /etc holds N files (default 50,000)
# with a few local changes: time and peak RSS. See bench/README.md.
set -euo pipefail

name=image.sh
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tree=/usr/share
runs=5
etc_files=50000
driftwatch=$repo/build/driftwatch

while [ $# -gt 0 ]; do
        case $1 in
        --tree)       tree=${2:?--tree needs a directory}; shift 2 ;;
        --runs)       runs=${2:?--runs needs a number}; shift 2 ;;
        --etc-files)  etc_files=${2:?--etc-files needs a number}; shift 2 ;;
        --driftwatch) driftwatch=${2:?--driftwatch needs a path}; shift 2 ;;
        -h|--help)    sed -n '2,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
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
# the run's summary (DW-RUN-SUMMARY, the last line of a JSON run) is no difference
! grep -v '"DW-RUN-SUMMARY"' "$tmp/dw_verify.out" | grep -q . ||
        die "driftwatch image verify reports differences in a fresh deployment"

note "timing driftwatch image verify --threads 1 ..."
measure dw_verify_1 0 "$tmp/dw_verify_1.out" \
        "$driftwatch" --quiet image verify --sysroot "$sysroot" --threads 1 --format json

# --- etc-diff against config-diff on a large /etc -------------------------------------

note "building a deployment whose /etc holds $etc_files files ..."
eos=$tmp/etc-os
mkdir -p "$eos/usr/lib/modules/6.1.0" "$eos/usr/etc"
printf 'ID=benchetc\n' >"$eos/usr/lib/os-release"
printf 'kernel\n' >"$eos/usr/lib/modules/6.1.0/vmlinuz"
printf 'initramfs\n' >"$eos/usr/lib/modules/6.1.0/initramfs.img"
for ((d = 0; d * 100 < etc_files; d++)); do
        mkdir -p "$eos/usr/etc/conf.d/d$d"
        for ((f = 0; f < 100 && d * 100 + f < etc_files; f++)); do
                printf 'key%d = value %d\n' "$f" "$d"
        done | split -l 1 -a 3 - "$eos/usr/etc/conf.d/d$d/f"
done
esys=$tmp/etc-sysroot
mkdir -p "$esys"
ostree admin init-fs "$esys" >/dev/null
ostree admin os-init --sysroot="$esys" benchetc >/dev/null
ostree --repo="$esys/ostree/repo" commit -b benchetc/stable --tree=dir="$eos" >/dev/null
ostree admin deploy --sysroot="$esys" --os=benchetc benchetc/stable >/dev/null 2>&1
edep=$(ls -d "$esys"/ostree/deploy/benchetc/deploy/*.0)
rm -rf "${eos:?}"
# A few local changes, as a real host has.
for d in 1 2 3; do printf 'local\n' >"$edep/etc/conf.d/d$d/faaa"; done
printf 'added\n' >"$edep/etc/conf.d/local.conf"
rm "$edep/etc/conf.d/d4/faab"
find "$edep/etc" "$edep/usr/etc" -type f -exec cat {} + >/dev/null
etc_entries=$(find "$edep/etc" | wc -l)

note "timing ostree admin config-diff ..."
measure config_diff 0 "$tmp/config_diff.out" ostree admin config-diff --sysroot="$esys" --os=benchetc
[ "$(wc -l <"$tmp/config_diff.out")" -eq 5 ] || die "config-diff does not list the 5 local changes"
note "timing driftwatch etc-diff ..."
measure dw_etc 1 "$tmp/dw_etc.out" "$driftwatch" --quiet etc-diff --sysroot "$esys" --no-merge --format json
[ "$(grep -c '"file-' "$tmp/dw_etc.out")" -eq 5 ] || die "driftwatch etc-diff does not list the 5 local changes"
# What loading libostree and the sysroot costs either tool before any diff.
measure ostree_version 0 /dev/null ostree --version
measure dw_deployments 0 /dev/null "$driftwatch" --quiet image deployments --sysroot "$esys"

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
echo "driftwatch etc-diff vs ostree admin config-diff on a deployment whose /etc has $etc_entries entries, 5 changed"
echo
printf '  %-44s %10s %14s\n' "command" "median s" "peak RSS MiB"
row "ostree admin config-diff"                   config_diff
row "driftwatch etc-diff --no-merge"             dw_etc
row "ostree --version (libostree loaded)"        ostree_version
row "driftwatch image deployments (sysroot read)" dw_deployments
echo
ratio "config-diff / driftwatch etc-diff (time)"          config_diff dw_etc   ">=" 1
awk -v d="${peak_mib[dw_etc]}" -v o="${peak_mib[config_diff]}" 'BEGIN {
        printf "  %-46s %6.2fx   (peak RSS, goal <= 1: %s)\n", "driftwatch etc-diff / config-diff", d / o,
               d <= o ? "met" : "NOT met" }'
awk -v d="${peak_mib[dw_etc]}" -v o="${peak_mib[config_diff]}" 'BEGIN { exit !(d > o) }' &&
        goals_missed=$((goals_missed + 1))
echo
echo "  goals missed: $goals_missed"
