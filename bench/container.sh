#!/usr/bin/env bash
# Two benchmarks of the container capabilities against their peers:
# 1. `driftwatch container diff` of a real podman container with 20,000 changed
#    files (10,000 added, 10,000 rewritten, 5,000 removed in 5 directories,
#    over an image of 20,000 files), next to `podman diff` of the same
#    container in the same run. podman diff lists names only; driftwatch also
#    reads every file whose size did not change to say whether its content
#    did. Goal: at least as fast.
# 2. bench/container-oci.sh: an OCI baseline of a generated image (--size-mb,
#    default 500) next to skopeo copy + tar -x + a SHA-256 walk.
#   bench/container.sh [--runs N] [--files N] [--size-mb N] [BUILD_DIR]
# Needs root, podman, runc and busybox-static (scripts/deps.sh check). Both
# run in a private mount namespace (bench_unshare in bench/lib.sh): podman's
# storage, run state and temporary files are in a scratch directory and
# private tmpfs mounts over /run and /var/tmp, the host's /etc, /usr and /var
# are read-only there, and the host's own containers are never seen.
set -euo pipefail
name=container
runs=5
files=20000
size_mb=500
build=build
while [ $# -gt 0 ]; do
        case $1 in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        --files) files=${2:?--files needs a number}; shift 2 ;;
        --size-mb) size_mb=${2:?--size-mb needs a number}; shift 2 ;;
        -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
        *) build=$1; shift ;;
        esac
done
cd "$(dirname "$0")/.."
source bench/lib.sh
require_gnu_time
[ -x "$build/driftwatch" ] || die "no $build/driftwatch: run 'make build' first"
[ "$(id -u)" = 0 ] || die "run it as root: podman's storage and the namespace need it"
for t in podman runc busybox unshare; do
        command -v "$t" >/dev/null || die "$t is missing (scripts/deps.sh check)"
done

# Into a private mount namespace with the host read-only (once).
if [ "${DW_BENCH_NS:-}" != 1 ]; then
        tmp=$(mktemp -d /tmp/dw-bench-container.XXXXXX)
        rc=0
        DW_BENCH_TMP=$tmp bench_unshare "$0" --runs "$runs" --files "$files" "$build" || rc=$?
        rm -rf "${tmp:?}"
        echo
        bench/container-oci.sh --size-mb "$size_mb" --runs 1 --driftwatch "$build/driftwatch" || rc=$((rc | $?))
        exit "$rc"
fi
tmp=${DW_BENCH_TMP:?}
case "$tmp" in /tmp/dw-bench-container.?*) ;; *) die "unexpected scratch directory '$tmp'" ;; esac

# tests/e2e/lib-podman.sh's harness, with what it takes from tests/e2e/lib.sh.
T=$tmp
DW_SANDBOXED=1
cleanup_hooks=()
fail() { die "$*"; }
skip() { die "$*"; }
cleanup() {
        local h
        for h in "${cleanup_hooks[@]}"; do eval "$h" || true; done
}
trap cleanup EXIT
source tests/e2e/lib-proc.sh            # reap_on_death, which pm_start calls
source tests/e2e/lib-podman.sh
podman_setup

# The image: $files small files in 20 directories.
img=$tmp/img
mkdir -p "$img/data"
(cd "$img/data" && seq -f 'd%02g' 0 19 | xargs mkdir &&
        for d in d*; do seq -f "$d/f%05g" 0 $((files / 20 - 1)); done | xargs -n 2000 sh -c 'for f; do echo "$f" >"$f"; done' sh)
pm_image_busybox localhost/dw-bench:1 "$img"
# The container: half as many files added, half rewritten (same size:
# podman lists them, only content tells), a quarter removed.
pm_run bench localhost/dw-bench:1 sh -c "
        cd /data && mkdir new && i=0 && while [ \$i -lt $((files / 2)) ]; do echo \$i >new/n\$i; i=\$((i + 1)); done
        for d in d0*; do for f in \$d/*; do echo \"\$f\" | tr a-z A-Z >\$f; done; done
        rm -r d1[0-4]"
note "$name: $runs runs; a container with $(pm diff bench | wc -l) changed paths in podman diff"

storage=$PM_DIR/storage
measure dw 0,1 "$tmp/dw.json" "$build/driftwatch" container diff --storage-root "$storage" --format json bench
measure podman 0 "$tmp/podman.txt" podman diff bench
echo
printf '  %-44s %10s %14s\n' "command (median of $runs)" "wall s" "peak RSS MiB"
row "driftwatch container diff (content read)" dw
row "podman diff (names only)" podman
note "driftwatch: $(grep -c . "$tmp/dw.json") findings; podman diff: $(grep -c . "$tmp/podman.txt") paths"
echo
ratio "podman diff / driftwatch container diff" podman dw ">=" 1
exit $((goals_missed > 0))
