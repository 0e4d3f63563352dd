# The user.extension-release.strict rule of systemd (os-util.c,
# open_extension_release) for extensions whose extension-release file is not
# named after the image: among the extension-release.* files, the one that
# carries user.extension-release.strict=false is used; none, or two of them,
# and systemd refuses the image. Directory extensions (getxattr) and squashfs
# images (their xattrs read through libsquashfs; mksquashfs keeps the source
# tree's), under --root on a fixture root built here.
source "$(dirname "$0")/lib.sh"

command -v mksquashfs >/dev/null || skip "mksquashfs (package squashfs-tools) is not installed"
command -v setfattr >/dev/null || skip "setfattr (package attr) is not installed"
command -v jq >/dev/null || skip "jq is not installed"

R=$T/root
mkdir -p "$R/usr/lib" "$R/var/lib/extensions" "$T/src"
printf 'ID=testos\nSYSEXT_LEVEL=1.0\n' >"$R/usr/lib/os-release"

# rel TREE FILE [STRICT]: TREE's extension-release.FILE, with the xattr set to STRICT.
rel() {
        local d=$1/usr/lib/extension-release.d
        mkdir -p "$d"
        printf 'ID=testos\nSYSEXT_LEVEL=1.0\n' >"$d/extension-release.$2"
        [ -z "${3:-}" ] || setfattr -n user.extension-release.strict -v "$3" "$d/extension-release.$2" ||
                skip "the file system of $T keeps no user.* extended attributes"
}
# Each case twice: a directory extension and a squashfs image of the same tree.
case_tree() {
        local name=$1
        shift
        while [ $# -gt 0 ]; do rel "$T/src/$name" "$1" "$2"; shift 2; done
        cp -a "$T/src/$name" "$R/var/lib/extensions/$name"
        mksquashfs "$T/src/$name" "$R/var/lib/extensions/${name}sq.raw" -quiet -noappend >/dev/null
}
case_tree relaxed original 0 other ''    # one strict=0 file, one without: the first is used
case_tree nox original ''                # no xattr: refused
case_tree strict original 1              # strict=1: refused
case_tree falsy original off             # parse_boolean's "off" is false: used
case_tree ambiguous one 0 two no         # two strict=false files: refused as ambiguous

"$DW" inventory --root "$R" --format json >"$T/out" 2>"$T/err" || rc=$?
[ "${rc:-0}" -le 1 ] || { cat "$T/err"; fail "inventory exited ${rc:-0}"; }
expect_valid_jsonl "$T/out"

img() { jq -c --arg p "/var/lib/extensions/$1" 'select(.file.path == $p and .rule.id == "DW-INV-IMAGE") |
        .driftwatch.image' "$T/out"; }
invalid() { jq -r --arg p "/var/lib/extensions/$1" 'select(.file.path == $p and .rule.id == "DW-INV-RELEASE-INVALID") |
        .event.action' "$T/out"; }
for form in '' sq.raw; do
        for n in relaxed falsy; do
                got=$(jq -r '.compatible + " " + .release_file' <<<"$(img "$n$form")")
                [ "$got" = "compatible usr/lib/extension-release.d/extension-release.original" ] ||
                        fail "$n$form: the file with strict=false is not used: $(img "$n$form")"
                [ -z "$(invalid "$n$form")" ] || fail "$n$form: DW-INV-RELEASE-INVALID"
        done
        for n in nox strict; do
                [ "$(invalid "$n$form")" = release-missing ] ||
                        fail "$n$form: a file of another name without strict=false is used: $(img "$n$form")"
                [ "$(jq -r '.compatible // "none"' <<<"$(img "$n$form")")" = none ] || fail "$n$form judged"
        done
        [ "$(invalid "ambiguous$form")" = release-ambiguous ] ||
                fail "ambiguous$form: two files with strict=false are not refused: $(img "ambiguous$form")"
done
echo PASS
