# A tree whose owner is hostile: attributes past every buffer, times past 2262,
# sparse and ever-growing files, a directory that cannot be listed. The walk
# records each of them without a crash (the suite runs again under ASan and
# UBSan), compares what it could read, and never hangs.
source "$(dirname "$0")/lib.sh"

command -v setfattr >/dev/null || skip "setfattr (package attr) is not installed"
command -v setpriv >/dev/null || skip "setpriv (package util-linux) is not installed"
# Large and many user.* attributes need tmpfs (Linux >= 6.6), XFS or btrfs;
# ext4 keeps them in one block.
[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] || skip "/dev/shm is not a tmpfs"
S=$(mktemp -d /dev/shm/dw-e2e.XXXXXX)
case "$S" in /dev/shm/dw-e2e.*) ;; *) fail "unexpected scratch directory '$S'" ;; esac
cleanup_hooks+=("rm -rf \"\${S:?}\"")
R=$S/root
mkdir -p "$R/x" "$R/sealed/inner"
big=$(head -c 65536 /dev/zero | tr '\0' A)

# Five and six 64 KiB values: past the old 256 KiB scratch buffer.
printf 'five\n' >"$R/x/five"
printf 'six\n' >"$R/x/six"
for i in 0 1 2 3 4; do setfattr -n "user.big$i" -v "$big" "$R/x/five"; done
for i in 0 1 2 3 4 5; do setfattr -n "user.big$i" -v "$big" "$R/x/six"; done
setfattr -n user.big0 -v "$big" "$R/x/six" 2>/dev/null || skip "this kernel's tmpfs refuses 64 KiB user xattrs"

# More attributes than an entry may carry: unreadable for its xattrs, yet its
# content is still compared.
printf 'AAAA' >"$R/x/many"
python3 -c 'import os, sys; [os.setxattr(sys.argv[1], "user.n%d" % i, b"x") for i in range(1100)]' "$R/x/many"

# Times past 2262 and before 1677 overflow 64-bit nanoseconds.
printf 'future\n' >"$R/x/future"
touch -d @32503680000 "$R/x/future"
printf 'past\n' >"$R/x/past"
touch -d @-10000000000 "$R/x/past"

# A sparse file: holes are hashed as zeros without reading them.
truncate -s 256M "$R/x/sparse"
printf 'middle' | dd of="$R/x/sparse" bs=1 seek=100000000 conv=notrunc status=none
printf 'end' | dd of="$R/x/sparse" bs=1 seek=268435450 conv=notrunc status=none
truncate -s 4G "$R/x/huge-hole"

printf 'kept\n' >"$R/sealed/inner/a"
printf 'kept\n' >"$R/sealed/b"

chmod 755 "$S" "$R"
run 0 "$DW" --quiet baseline create --from "dir:$R" --out "$T/base.db" --threads 2
run 0 "$DW" baseline show "$T/base.db" --entries --format json
cp "$T/out" "$T/entries.json"

# The sparse file's hash is the one of its bytes as sha256sum reads them.
want=$(sha256sum "$R/x/sparse" | cut -d' ' -f1)
got=$(jq -r 'select(.path == "/x/sparse") | .sha256' "$T/entries.json")
[ "$got" = "$want" ] || fail "sparse file hashed as $got, sha256sum says $want"
got=$(jq -r 'select(.path == "/x/huge-hole") | .size' "$T/entries.json")
[ "$got" = 4294967296 ] || fail "4 GiB hole recorded with size $got"

# Unchanged: nothing to report (the mtimes past 2262 and before 1677 compare
# equal) but the standing limit on /x/many's attributes.
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --full --format json
expect_findings "$T/out" <<'OUT'
file-unreadable "/x/many" -
OUT

# Changes the walk must still see.
setfattr -n user.big5 -v "${big%A}B" "$R/x/six"
printf 'BBBB' >"$R/x/many"
touch -d @1700000000 "$R/x/future"   # times past 2262 saturate: compared against normal ones
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json
expect_findings "$T/out" <<'OUT'
file-modified "/x/future" mtime
file-modified "/x/many" mtime,content
file-modified "/x/six" xattr:user.big5
file-unreadable "/x/many" -
OUT
grep -q 'Argument list too long' "$T/out" || fail "the attribute limit is not named as the reason"

# A directory the checker cannot list: its children are unknown, not removed.
chmod 000 "$R/sealed"
chmod 644 "$T/base.db"
chmod 755 "$T"
run 1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$DW" check --baseline "$T/base.db" --root "$R" --path /sealed --format json
expect_findings "$T/out" <<'OUT'
file-unreadable "/sealed" -
OUT
chmod 755 "$R/sealed"

# A file that keeps growing (holes, no disk used) is hashed up to the size
# stat'ed, so the walk ends.
truncate -s 1G "$R/x/growing"
( while :; do truncate -s +1G "$R/x/growing" 2>/dev/null || exit 0; sleep 0.1; done ) &
grower=$!
reap_on_death "$grower"
cleanup_hooks+=("kill $grower 2>/dev/null")
rc=0
timeout 120 "$DW" --quiet baseline create --from "dir:$R" --path /x --out "$T/grow.db" --threads 2 || rc=$?
kill "$grower" 2>/dev/null || true
[ "$rc" -eq 0 ] || fail "baseline create of a growing file exited $rc (124: it never ended)"
rm -f "${R:?}/x/growing"
echo "ok"
