# driftwatch journal on bad input: a journal file truncated mid-entry, bytes
# of its hash table overwritten, an export stream with binary fields, one
# declaring a 1 GiB field, a clock going backwards, streams that are not the
# export format. Each gives one clear error (exit 2) or finding naming the
# input, never a crash, in bounded memory.
source "$(dirname "$0")/journal-lib.sh"

[ -x /usr/bin/time ] || skip "GNU time is not installed (/usr/bin/time)"

# run NAME ARGS...: driftwatch with ARGS; exit status in $rc, stderr in $T/NAME.err.
run() {
        local name=$1
        shift
        rc=0
        "$DW" --quiet journal "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
        [ "$rc" -lt 128 ] || fail "$name: killed by a signal (exit $rc): $(cat "$T/$name.err")"
}

python3 "$gen" analytics >"$T/a.export"
"$remote" --output="$T/a.journal" "$T/a.export" 2>/dev/null || fail "journal-remote failed"
header() { python3 -c "import struct,sys; print(struct.unpack('<Q', open(sys.argv[1],'rb').read(256)[$2:$2+8])[0])" "$1"; }

# Truncated in the middle of its last entry (the tail object).
cp "$T/a.journal" "$T/trunc.journal"
truncate -s $(($(header "$T/a.journal" 136) + 20)) "$T/trunc.journal"
run trunc --file "$T/trunc.journal"
[ "$rc" = 2 ] || fail "truncated: exit $rc, expected 2"
grep -qx "driftwatch: cannot read journal '$T/trunc.journal': truncated or corrupt journal file (.*)" "$T/trunc.err" ||
        fail "truncated: $(cat "$T/trunc.err")"
[ "$(wc -l <"$T/trunc.err")" = 1 ] || fail "truncated: more than one line: $(cat "$T/trunc.err")"

# Bytes of the data hash table overwritten: entries are read through the
# entry arrays, so every one is still analysed.
cp "$T/a.journal" "$T/hash.journal"
python3 - "$T/hash.journal" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    off, size = struct.unpack("<QQ", f.read(256)[104:120])
    f.seek(off)
    f.write(b"\xa5" * min(size, 65536))
PY
# The damage is one DW-JRN-FILE-CORRUPT finding naming the file (sd-journal
# itself reads on without a word), the entries all analysed; in a directory too.
run hash --file "$T/hash.journal" --format json
[ "$rc" = 1 ] || fail "corrupt hash table: exit $rc: $(cat "$T/hash.err")"
[ "$(jq -r 'select(.rule.id == "DW-JRN-FILE-CORRUPT") | .message' "$T/hash.out")" = \
  "journal file '$T/hash.journal' is corrupt: 4096 of the $(($(header "$T/a.journal" 112) / 16)) items of its data hash table point outside the file or at no data object; its entries are read in order through the entry arrays, but lookups by field (journalctl FIELD=value) go through the damaged table" ] ||
        fail "corrupt hash table: $(cat "$T/hash.out")"
[ "$(grep -v '"DW-JRN-FILE-CORRUPT"' "$T/hash.out" | grep -vc '"DW-RUN-SUMMARY"')" = 6 ] || fail "corrupt hash table: entries lost: $(cat "$T/hash.out")"
# (as /var/log/journal/MACHINE-ID/system.journal)
mid=0d3a8f7e6c5b4a39281706f5e4d3c2b1
mkdir -p "$T/hashdir/$mid"
cp "$T/hash.journal" "$T/hashdir/$mid/system.journal"
run hashdir --directory "$T/hashdir" --format json
[ "$rc" = 1 ] || fail "corrupt hash table in a directory: exit $rc"
jq -r 'select(.rule.id == "DW-JRN-FILE-CORRUPT") | .driftwatch.after.file' "$T/hashdir.out" |
        grep -qx "$T/hashdir/$mid/system.journal" || fail "corrupt hash table in a directory: $(cat "$T/hashdir.out")"
# The intact file: no such finding.
run intact --file "$T/a.journal" --format json
grep -q DW-JRN-FILE-CORRUPT "$T/intact.out" && fail "an intact journal file reported corrupt"

# A file that is no journal and no export stream.
printf 'hello world\n' >"$T/junk"
run junk --file "$T/junk"
[ "$rc" = 2 ] || fail "junk: exit $rc"
grep -qx "driftwatch: cannot read journal '$T/junk': not a journal export stream: invalid byte in a field name after '' (at byte 0)" \
        "$T/junk.err" || fail "junk: $(cat "$T/junk.err")"

# An export stream cut in the middle of a field.
head -c 300 "$T/a.export" >"$T/cut.export"
run cut --file "$T/cut.export"
[ "$rc" = 2 ] || fail "cut stream: exit $rc"
grep -q "^driftwatch: cannot read journal '$T/cut.export': not a journal export stream: ends in the middle of field '.*' (at byte 300)$" \
        "$T/cut.err" || fail "cut stream: $(cat "$T/cut.err")"

# Binary fields (a MESSAGE with a newline and a NUL): read, on standard input
# and through a journal file.
python3 "$gen" binary >"$T/b.export"
"$remote" --output="$T/b.journal" "$T/b.export" 2>/dev/null || fail "journal-remote failed on binary fields"
run bin-stdin <"$T/b.export"
[ "$rc" = 0 ] || fail "binary: exit $rc: $(cat "$T/bin-stdin.err")"
grep -q "quay.io/example/bin:2' (cccc" "$T/bin-stdin.out" || fail "binary: the entry with binary fields: $(cat "$T/bin-stdin.out")"
run bin-file --file "$T/b.journal"
[ "$rc" = 0 ] || fail "binary file: exit $rc"
diff -u <(grep DW-JRN "$T/bin-stdin.out") <(grep DW-JRN "$T/bin-file.out") || fail "binary: stream and file differ"

# The same entries as journalctl's `-o json` writes them (the binary
# values as arrays of byte numbers): the same findings.
journalctl --file "$T/b.journal" -o json >"$T/b.jsonl" || fail "journalctl -o json failed"
grep -q '"MESSAGE":\[' "$T/b.jsonl" || fail "journalctl wrote no byte array: $(cat "$T/b.jsonl")"
run bin-json --file "$T/b.jsonl"
[ "$rc" = 0 ] || fail "binary json: exit $rc: $(cat "$T/bin-json.err")"
diff -u <(grep DW-JRN "$T/bin-file.out") <(grep DW-JRN "$T/bin-json.out") || fail "binary: json and file differ"

# JSON: a line over the 1 MiB limit is skipped with a finding (the next line
# still read), in bounded memory; a line that is no JSON is one error with
# its line number.
{
        printf '{"MESSAGE":"'
        head -c 3145728 /dev/zero | tr '\0' a
        printf '"}\n'
        sed -n 1p "$T/b.jsonl"
} | /usr/bin/time -f '%M' -o "$T/rss" "$DW" --quiet journal --format json >"$T/long.out" 2>"$T/long.err" && rc=0 || rc=$?
[ "$rc" = 1 ] || fail "long json line: exit $rc: $(cat "$T/long.err")"
grep -q '"line 1 is 3145742 bytes, over the 1024 KiB limit of a JSON entry: skipped, not read"' "$T/long.out" ||
        fail "long json line: $(cat "$T/long.out")"
grep -q 'quay.io/example/bin:1' "$T/long.out" || fail "long json line: the next line was not read"
[ "$(tail -n 1 "$T/rss")" -lt 65536 ] || fail "long json line: peak RSS $(tail -n 1 "$T/rss") KiB"
{ sed -n 1p "$T/b.jsonl"; printf '{"MESSAGE": "cut\n'; } >"$T/cut.jsonl"
run cut-json --file "$T/cut.jsonl"
[ "$rc" = 2 ] || fail "broken json: exit $rc"
grep -qx "driftwatch: cannot read journal '$T/cut.jsonl': not \`journalctl -o json\` output: .* (line 2)" "$T/cut-json.err" ||
        fail "broken json: $(cat "$T/cut-json.err")"

# A 1 GiB field: skipped with a finding, the entry's other fields read,
# memory flat (the binary's RSS stays far below the field).
{
        printf '__REALTIME_TIMESTAMP=1764100000000000\nMESSAGE\n'
        printf '\x00\x00\x00\x40\x00\x00\x00\x00'
        head -c 1073741824 /dev/zero
        printf '\nMESSAGE_ID=9bddbda177cd44d891b1b561a8a0ce9e\nDEPLOYMENT_REFSPEC=ostree-unverified-registry:quay.io/x/huge:1\n\n'
} | /usr/bin/time -f '%M' -o "$T/rss" "$DW" --quiet journal --format json >"$T/huge.out" 2>"$T/huge.err" && rc=0 || rc=$?
[ "$rc" = 1 ] || fail "1 GiB field: exit $rc: $(cat "$T/huge.err")"
grep -q '"DW-JRN-FIELD-TOO-LARGE"' "$T/huge.out" || fail "1 GiB field: no finding"
grep -q "field 'MESSAGE' declares 1073741824 bytes" "$T/huge.out" || fail "1 GiB field: size not named"
grep -q "quay.io/x/huge:1" "$T/huge.out" || fail "1 GiB field: the rest of the entry was not read"
[ "$(tail -n 1 "$T/rss")" -lt 65536 ] || fail "1 GiB field: peak RSS $(tail -n 1 "$T/rss") KiB"

# A clock going backwards, kept by journal-remote in the file.
python3 "$gen" clock-backwards >"$T/c.export"
"$remote" --output="$T/c.journal" "$T/c.export" 2>/dev/null || fail "journal-remote failed"
run clock --file "$T/c.journal"
[ "$rc" = 1 ] || fail "clock: exit $rc"
grep -q "DW-JRN-CLOCK-BACKWARDS  journal $T/c.journal: the clock went back 7200 s, from 2026-11-25T14:00:00Z to 2026-11-25T12:00:00Z" \
        "$T/clock.out" || fail "clock: $(cat "$T/clock.out")"
echo PASS
