# Hostile names in the outputs: JSON escapes the same characters the text
# output does (C1 controls, bidi overrides and isolates, line separators), so
# neither a terminal nor a log viewer shows them raw.
source "$(dirname "$0")/lib.sh"

R=$T/root
mkdir -p "$R/etc"
printf 'a\n' >"$R/etc/plain"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/base.db"

# Added files: U+202E (RLO) and U+009B (C1 CSI) in one name, U+2028 and U+2066 in another.
printf 'x\n' >"$R/etc/evil"$'\u202e'"txt.exe"$'\xc2\x9b'"31m"
printf 'x\n' >"$R/etc/line"$'\u2028'"sep"$'\u2066'
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
grep -qF '"/etc/evil\u202etxt.exe\u009b31m"' "$T/out" || { cat "$T/out"; fail "U+202E / U+009B not escaped in JSON"; }
grep -qF '"/etc/line\u2028sep\u2066"' "$T/out" || { cat "$T/out"; fail "U+2028 / U+2066 not escaped in JSON"; }
if LC_ALL=C grep -q $'\u202e\\|\xc2\x9b\\|\u2028\\|\u2066' "$T/out"; then
        fail "a never-raw character reached the JSON output"
fi
# The escapes decode to the original names.
jq -r .file.path "$T/out" | grep -qxF "/etc/evil"$'\u202e'"txt.exe"$'\xc2\x9b'"31m" ||
        fail "the JSON path does not decode to the file name"

# Text output: the same characters as escapes.
run 1 "$DW" check --baseline "$T/base.db" --root "$R"
grep -qF '/etc/evil\u202etxt.exe\u009b31m' "$T/out" || { cat "$T/out"; fail "text output not escaped"; }

# A symlink target that is not UTF-8 keeps its exact bytes, in target_hex, as
# a path that is not UTF-8 does in path_hex.
mkdir -p "$T/u8"
ln -s "ab"$'\xff\xfe'"cd" "$T/u8/link"
run 0 "$DW" baseline create --from "dir:$T/u8" --out "$T/u8.db"
rm "$T/u8/link" && ln -s "x"$'\xff'"y" "$T/u8/link"
run 1 "$DW" check --baseline "$T/u8.db" --root "$T/u8" --format json
drop_summary "$T/out"
jq -e 'select(.file.path == "/link") | .driftwatch.before.target_hex == "6162fffe6364" and
        .driftwatch.after.target_hex == "78ff79"' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "a target that is not UTF-8 lost its bytes"; }
