# container diff compares the names of a big directory on several threads
# (--threads): the findings, their order and the first error are the same
# whatever the number of threads. A hand-built containers-storage root (no
# podman): a directory of 1,500 names (more than one batch of 1,024, each
# batch more than the 64 below which no thread starts) holding unchanged,
# added, deleted (whiteout) and same-size, same-mtime rewritten files, a
# chmod of a metacopy file and subdirectories with changes of their own
# amid the files (the in-order finishing stops there and goes below).
source "$(dirname "$0")/lib.sh"
command -v setfattr >/dev/null || skip "setfattr (attr) is not installed"

S=$T/storage
id() { printf '%064x' "$1"; }
L1=$(id 1) U=$(id 2) C=$(id 3) IMG=$(id 4)
mkdir -p "$S"/{overlay-layers,overlay-images,overlay-containers,overlay/l} "$S/overlay/$L1/diff" "$S/overlay/$U/diff"
ln -s "../$L1/diff" "$S/overlay/l/AAAA"
printf 'l/AAAA' >"$S/overlay/$U/lower"
printf '[{"id":"%s"},{"id":"%s","parent":"%s"}]' "$L1" "$U" "$L1" >"$S/overlay-layers/layers.json"
printf '[{"id":"%s","names":["localhost/big:1"],"layer":"%s"}]' "$IMG" "$L1" >"$S/overlay-images/images.json"
printf '[{"id":"%s","names":["big"],"image":"%s","layer":"%s"}]' "$C" "$IMG" "$U" \
        >"$S/overlay-containers/containers.json"

B=$S/overlay/$L1/diff/big UP=$S/overlay/$U/diff/big
mkdir -p "$B" "$UP"
(cd "$B" && seq -f 'f%04g' 0 1199 | xargs -n 400 sh -c 'for f; do echo "$f" >"$f"; done' sh)
for d in 0300 0700 1100; do mkdir -p "$B/s$d" "$UP/s$d"; echo "$d" >"$B/s$d/keep"; echo "$d" >"$UP/s$d/new"; done
# the upper layer: every 10th file rewritten with the same size and mtime, every
# 10th (offset 5) deleted, 300 added; one metacopy chmod
for i in $(seq 0 10 1199); do
        f=$(printf 'f%04g' "$i")
        cp -p "$B/$f" "$UP/$f"
        printf 'F%04d\n' "$i" >"$UP/$f"
        touch -r "$B/$f" "$UP/$f"
        mknod "$UP/$(printf 'f%04g' $((i + 5)))" c 0 0
done
(cd "$UP" && seq -f 'n%04g' 0 299 | xargs sh -c 'for f; do echo "$f" >"$f"; done' sh)
: >"$UP/f0001"; chmod 600 "$UP/f0001"; setfattr -n trusted.overlay.metacopy "$UP/f0001"

run 1 "$DW" container diff --threads 1 --storage-root "$S" --format json
drop_summary "$T/out"
cp "$T/out" "$T/one"
X=$(jq -r '.event.action' "$T/one" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')
[ "$X" = "container-drift-added=303 container-drift-deleted=120 container-drift-modified=121 " ] ||
        fail "counts with one thread: $X"
X=$(jq -r 'select(.file.path == "/big/f0010" or .file.path == "/big/f0001") |
        [.file.path, (.driftwatch.changed | join(","))] | join(" ")' "$T/one")
[ "$X" = "$(printf '%s\n' '/big/f0001 mode,metacopy' '/big/f0010 content')" ] ||
        fail "same-size same-mtime rewrite and metacopy chmod: '$X'"
# the findings come in path order: directories' own children right after them
jq -r .file.path "$T/one" | LC_ALL=C sort -c || fail "findings with one thread are not in path order"
for t in 2 5; do
        run 1 "$DW" container diff --threads "$t" --storage-root "$S" --format json
        drop_summary "$T/out"
        diff <(jq -c 'del(."@timestamp")' "$T/one") <(jq -c 'del(."@timestamp")' "$T/out") >&2 ||
                fail "--threads $t reports differently from --threads 1"
done

# A failure amid a batch (a redirect that would leave the layers, in the
# middle directory): the same one error line, naming the path, on any number of threads.
setfattr -n trusted.overlay.redirect -v ../../etc "$UP/s0700"
for t in 1 4; do
        run 2 "$DW" container diff --threads "$t" --storage-root "$S" --format json
        expect_one_error_line "cannot read '/big/s0700'"
        drop_summary "$T/out"
        # what came before it in path order was reported, nothing after it
        [ "$(jq -r .file.path "$T/out" | tail -n 1)" \< /big/s0700 ] || fail "--threads $t reported past the failure"
done
exit 0
