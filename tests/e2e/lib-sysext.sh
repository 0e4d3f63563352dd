# Sourced (after lib.sh) by the tests that merge real extensions (with
# systemd-sysext, or by hand as systemd-confext would): the tools they need,
# the host's identification as systemd-sysext reads it ($id, $ver) for the
# extension-release files, small_dir, union_ext and union_baseline.
command -v systemd-sysext >/dev/null || skip "systemd-sysext is not installed"
command -v mksquashfs >/dev/null || skip "mksquashfs (package squashfs-tools) is not installed"
command -v jq >/dev/null || skip "jq is not installed"
[ "$(id -u)" -eq 0 ] || skip "merging extensions needs root"

id=$(. /etc/os-release 2>/dev/null || . /usr/lib/os-release; echo "${ID:-}")
ver=$(. /etc/os-release 2>/dev/null || . /usr/lib/os-release; echo "${VERSION_ID:-}")
[ -n "$id" ] || skip "the host's os-release has no ID"

# small_dir TOP: sets dir to a small directory of the base TOP (/usr/share,
# /etc) holding a regular file, and victim to that file (one to shadow); skips
# without one.
small_dir() {
        local d n f
        dir='' victim=''
        for d in "$1"/*/; do
                d=${d%/}
                [ -L "$d" ] && continue
                n=$(find "$d" -mindepth 1 2>/dev/null | wc -l)
                [ "$n" -ge 1 ] && [ "$n" -le 40 ] || continue
                f=$(find "$d" -mindepth 1 -maxdepth 1 -type f -readable 2>/dev/null | LC_ALL=C sort | head -n 1)
                [ -n "$f" ] && { dir=$d; victim=$f; return 0; }
        done
        skip "no small directory with a regular file under $1"
}

# union_ext DIR NAME [shadow]: after small_dir, an extension tree at DIR whose
# extension-release names NAME and this host, adding $dir/dw-union-NAME (and
# replacing $victim); a sysext (below usr/) for a dir of /usr, a confext
# (below etc/) for one of /etc.
union_ext() {
        local d=$1 n=$2 shadow=${3:-} top=${dir#/} rd
        top=${top%%/*}
        rd=$d/$top/lib/extension-release.d
        [ "$top" = etc ] && rd=$d/etc/extension-release.d
        mkdir -p "$rd" "$d$dir"
        printf '%s\n' "ID=$id" ${ver:+"VERSION_ID=$ver"} >"$rd/extension-release.$n"
        echo "$n" >"$d$dir/dw-union-$n"
        [ -z "$shadow" ] || echo "replaced by $n" >"$d$victim"
}

# union_baseline NAME: after small_dir, $T/approved.yaml approving the
# extension NAME and $T/base.db, a baseline of $dir taken before any merge.
union_baseline() {
        printf '%s\n' "version: 1" "approved:" "  - name: $1" "    owner: test" \
                "    reason: the union test's extension" "    expires: 2099-12-31" >"$T/approved.yaml"
        "$DW" baseline create --from dir:/ --path "$dir" --out "$T/base.db" >/dev/null 2>"$T/base.err" ||
                fail "baseline create failed: $(cat "$T/base.err")"
}
