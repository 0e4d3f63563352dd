# check and baseline create work in chunks of path order (16,384 baseline rows,
# or about as many names, each), so their memory does not grow with the tree:
# on 100,000 entries both stay under 30 MiB peak RSS (measured: 18 to 21 MiB,
# as on 200,000; the whole-tree check, --cache, takes 52 MiB on this tree and
# 96 MiB on twice as many). With hardlink groups
# spanning chunks, names sorting between a directory and its children and
# changes throughout, a streamed check must report exactly what the
# whole-tree check (the --cache path, which reads everything at once)
# reports, in the same order; and a baseline created in chunks holds every
# entry once.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
/usr/bin/time --version 2>&1 | grep -q GNU || skip "GNU time (package time) is not installed"

# peak_kib EXPECTED_EXIT CMD...: runs CMD as run does; its peak RSS in KiB into $kib.
peak_kib() {
        local want=$1 rc=0
        shift
        /usr/bin/time -f '%M' -o "$T/time" "$@" >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $(tail -n 3 "$T/err")"
        kib=$(tail -n 1 "$T/time")
}
shape() { jq -c '[.event.action, .file.path, .driftwatch.changed]' "$1"; }

# stream_case BINARY PER_DIR MAX_KIB: the cases on a tree of 40 directories of
# PER_DIR files, each command's peak RSS under MAX_KIB.
stream_case() {
        local DW=$1 per_dir=$2 max_kib=$3
        R=$T/root
        mkdir -p "$R/a"
        (cd "$R" && seq -f 'd%02g' 0 39 | xargs mkdir && for d in d*; do seq -f "$d/f%04g" 0 $((per_dir - 1)); done | xargs touch)
        touch "$R/a/x" "$R/a-b" "$R/a0"
        printf 'shared\n' >"$R/d00/f0000"
        ln "$R/d00/f0000" "$R/d20/link"
        ln "$R/d00/f0000" "$R/d39/link"

        peak_kib 0 "$DW" baseline create --from "dir:$R" --out "$T/base.db"
        [ "$kib" -lt "$max_kib" ] || fail "baseline create of $((40 * per_dir)) files peaked at $kib KiB"
        n=$(find "$R" | wc -l)
        "$DW" baseline show "$T/base.db" >"$T/show"
        grep -q "^entries: *$n " "$T/show" || fail "baseline of $n entries expected: $(grep entries "$T/show")"
        run 0 "$DW" check --baseline "$T/base.db" --root "$R" --format json
        no_findings "$T/out" || fail "an unchanged tree has findings: $(head -3 "$T/out")"

        # Changes in every chunk; a new first link of the group changes every other
        # member's link; a whole directory goes.
        rm "$R/d05/f0500" "$R/d19/f0999" "$R/d33/f0001"
        rm -r "${R:?}/d38"
        printf 'new\n' >"$R/d12/f0500x"
        printf 'changed\n' >"$R/d27/f0123"
        chmod 600 "$R/d10/f0010"
        ln "$R/d00/f0000" "$R/c-link"
        mkdir "$R/d40" "$R/a/y"
        touch "$R/d40/new" "$R/a-c"

        peak_kib 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json
        [ "$kib" -lt "$max_kib" ] || fail "check of $((40 * per_dir)) files peaked at $kib KiB"
        mv "$T/out" "$T/streamed"
        peak_kib 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json --full
        [ "$kib" -lt "$max_kib" ] || fail "check --full of $((40 * per_dir)) files peaked at $kib KiB"
        diff -u <(shape "$T/streamed") <(shape "$T/out") || fail "check --full found other changes than check"
        run 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json --cache "$T/cache.db"
        mv "$T/out" "$T/whole"
        diff -u <(shape "$T/whole") <(shape "$T/streamed") || fail "the streamed check differs from the whole one"

        # And they are the changes planted.
        [ "$(findings "$T/streamed" | grep -c '"/d38/')" -eq "$per_dir" ] || fail "the files of /d38 are not all removed"
        findings "$T/streamed" | grep -v '"/d38/' >"$T/rest"
        diff -u - "$T/rest" <<'OUT' || fail "unexpected findings"
file-added "/a-c" -
file-added "/a/y" -
file-added "/c-link" -
file-added "/d12/f0500x" -
file-added "/d40" -
file-added "/d40/new" -
file-modified "/d00/f0000" link
file-modified "/d10/f0010" mode
file-modified "/d20/link" link
file-modified "/d27/f0123" size,mtime,content
file-modified "/d39/link" link
file-removed "/d05/f0500" -
file-removed "/d19/f0999" -
file-removed "/d33/f0001" -
file-removed "/d38" -
OUT
        rm -rf "${R:?}" "${T:?}/base.db" "${T:?}/cache.db"
}

# The memory bound is the release binary's (AddressSanitizer's shadow memory and
# quarantine are no measure of ours); under the sanitizers a tree of 40,000
# entries (three chunks) is enough to compare the streamed check with the whole one.
if sanitized; then
        [ "$DW_RELEASE" = "$DW" ] || stream_case "$DW_RELEASE" 2500 $((30 * 1024))
        stream_case "$DW" 1000 $((4 * 1024 * 1024))
else
        stream_case "$DW" 2500 $((30 * 1024))
fi
echo "ok"
