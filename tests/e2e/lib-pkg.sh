# Shared by the packaging tests (test-deb, test-rpm), sourced after lib.sh:
# the checkout's version and its files as a release tarball has them.

SRC=$(realpath "$(dirname "$0")/../..")
command -v git >/dev/null || skip "git is not installed: no file list to copy"
git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || skip "'$SRC' is not a git checkout: no file list to copy"
VERSION=$(sed -n 's/^project(driftwatch VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
[ -n "$VERSION" ] || fail "no project version in CMakeLists.txt"

# pkg_source_tree DIR: the files git tracks and those not yet added that it
# does not ignore, copied into DIR.
pkg_source_tree() {
        mkdir -p "$1"
        (cd "$SRC" && git ls-files --cached --others --exclude-standard -z |
                while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
                tar --null -T - -cf -) | tar -C "$1" -xf - || fail "cannot copy the source tree into '$1'"
}

# pkg_run_unpacked ROOT: the binary unpacked under ROOT runs, finds its
# ostree module beside it, and hashes a tree (libcrypto, loaded on first use).
pkg_run_unpacked() {
        run 0 "$1/usr/bin/driftwatch" version
        grep -q "^driftwatch $VERSION" "$T/out" || fail "the packaged binary says '$(cat "$T/out")'"
        mkdir -p "$T/empty"
        run 2 "$1/usr/bin/driftwatch" image deployments --sysroot "$T/empty"
        ! grep -q 'driftwatch-ostree.so' "$T/err" || { cat "$T/err"; fail "the packaged binary did not find its ostree module"; }
        mkdir -p "$T/tree/etc" && echo x >"$T/tree/etc/f"
        run 0 "$1/usr/bin/driftwatch" --quiet baseline create --from "dir:$T/tree" --out "$T/b.db"
}
