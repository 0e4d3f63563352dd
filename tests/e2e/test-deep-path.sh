# Paths longer than the kernel resolves at once (4,095 bytes): 25 levels of
# 200-byte directory names. The walk opens every level through its parent, so
# baseline create records the entries beyond 4,095 bytes, check reports
# changes there by their full path, and baseline show lists them. Past the
# walk's own bound (16 KiB of relative path) the deepest recorded directory
# is unreadable, "File name too long", and nothing crashes.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"

R=$T/root
mkdir "$R"
deep_at "$R" 25 mkdir
near=n$(printf 'n%.0s' {1..169})
deep_at "$R" 19 write "$near" 'near the limit'
deep_at "$R" 22 write gone 'doomed'
deep_at "$R" 23 big big
deep_at "$R" 25 write payload 'original'
p19=$(deep_chain 19) p22=$(deep_chain 22) p23=$(deep_chain 23) p24=$(deep_chain 24) p25=$(deep_chain 25)
[ ${#p19} -lt 4095 ] && [ $((${#p19} + ${#near} + 1)) -gt 3900 ] || fail "the near payload is not near 4,095 bytes"
[ $((${#p25} + 8)) -gt 5000 ] || fail "the deep payload is not beyond 5,000 bytes"

run 0 "$DW" baseline create --from "dir:$R" --out "$T/base.db" --threads 2
run 0 "$DW" baseline show "$T/base.db" --entries --format json
jq -r .path "$T/out" >"$T/paths"
for p in "$p19/$near" "$p22/gone" "$p25" "$p25/payload"; do
        grep -qxF -- "$p" "$T/paths" || fail "baseline show does not list the ${#p}-byte path $(printf '%.60s' "$p")..."
done
[ "$(jq -s 'map(select(has("error"))) | length' "$T/out")" = 0 ] || fail "entries recorded as unreadable"
# The 2 MiB file beyond 4,095 bytes is hashed (by the pass for large files).
want=$(head -c $((2 << 20)) /dev/zero | tr '\0' B | sha256sum | cut -d' ' -f1)
got=$(jq -r --arg p "$p23/big" 'select(.path == $p) | .sha256' "$T/out")
[ "$got" = "$want" ] || fail "the deep 2 MiB file hashed as '$got', expected $want"

# Unchanged: nothing to report.
run 0 "$DW" check --baseline "$T/base.db" --root "$R" --format json
no_findings "$T/out" || { head -c 2000 "$T/out"; fail "unchanged deep tree reported findings"; }

# Changes beyond 4,095 bytes: content, a new setuid file, a removal.
deep_at "$R" 25 write payload 'tampered'
deep_at "$R" 24 suid suid
deep_at "$R" 22 rm gone
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json
expect_valid_jsonl "$T/out"
expect_findings "$T/out" <<OUT
file-added "$p24/suid" -
file-modified "$p25/payload" mtime,content
file-removed "$p22/gone" -
OUT
jq -se --arg p "$p24/suid" 'any(.[]; .file.path == $p and .driftwatch.after.mode == "4755")' "$T/out" >/dev/null ||
        fail "the deep setuid file is not reported with its mode"

# Past the walk's bound (16 KiB of relative path, 82 levels here): the
# deepest directory within it is unreadable for "File name too long".
F=$T/far
mkdir "$F"
deep_at "$F" 90 mkdir
deep_at "$F" 90 write hidden x
run 0 "$DW" baseline create --from "dir:$F" --out "$T/far.db"
run 1 "$DW" check --baseline "$T/far.db" --root "$F" --format json
expect_findings "$T/out" <<OUT
file-unreadable "$(deep_chain 81)" -
OUT
grep -q 'File name too long' "$T/out" || fail "the path bound is not named as the reason"
echo "ok"
