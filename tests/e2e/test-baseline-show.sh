# baseline show prints what a baseline file says, and a baseline file is input:
# a host name, source, creation time or path list with a newline or ESC cannot
# forge a header line or reach the terminal raw; entries whose names differ
# only in invalid UTF-8 stay distinguishable in JSON (path_hex, as findings);
# --entries gives each entry's mtime (text: to the second, UTC) and JSON the
# mode as findings give it ("0755"). The baseline is FILE or --baseline FILE.
source "$(dirname "$0")/lib.sh"
export TZ=UTC
command -v sqlite3 >/dev/null || { [ "${CI:-}" != true ] || fail "sqlite3 is required under CI"; skip "sqlite3 is not installed"; }

R=$T/root
mkdir -p "$R/etc"
printf 'a\n' >"$R/etc/a"$'\xff'
printf 'b\n' >"$R/etc/a"$'\xfe'
printf 's\n' >"$R/etc/Setuid"
chmod 4750 "$R/etc/Setuid"
touch -d '2026-01-02 03:04:05.678' "$R/etc/Setuid"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/base.db"

run 0 "$DW" baseline show "$T/base.db" --entries
grep -qx 'entries:    5 (3 files, 2 directories, 0 symlinks, 0 other)' "$T/out" ||
        { cat "$T/out"; fail "the entry counts are not as expected"; }
mkdir -p "$T/one/etc" && printf 'x\n' >"$T/one/etc/x"
run 0 "$DW" baseline create --from "dir:$T/one" --out "$T/one.db"
run 0 "$DW" baseline show "$T/one.db"
grep -qx 'entries:    3 (1 file, 2 directories, 0 symlinks, 0 other)' "$T/out" || { cat "$T/out"; fail "1 file: not singular"; }
# --baseline FILE, as check and baseline accept name it, says the same; one of
# the two is needed, not both.
cp "$T/out" "$T/by-operand"
run 0 "$DW" baseline show --baseline "$T/one.db"
diff -u "$T/by-operand" "$T/out" || fail "baseline show --baseline differs from the operand"
run 2 "$DW" baseline show
grep -q "give FILE or --baseline FILE" "$T/err" || { cat "$T/err"; fail "no baseline named: the error does not say"; }
run 2 "$DW" baseline show --baseline "$T/one.db" "$T/base.db"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q -- "--baseline and FILE" "$T/err" || { cat "$T/err"; fail "both named: not one error line"; }
run 0 "$DW" baseline show "$T/base.db" --entries
grep -qE '^file    4750 +0 +0 +2 2026-01-02T03:04:05Z [0-9a-f]{12} /etc/Setuid$' "$T/out" ||
        { cat "$T/out"; fail "the text entry lacks its mtime to the second"; }
run 0 "$DW" baseline show "$T/base.db" --entries --format json
[ "$(jq -r 'select(.path == "/etc/Setuid") | [.mode, .mtime] | join(" ")' "$T/out")" = "4750 2026-01-02T03:04:05.678Z" ] ||
        { cat "$T/out"; fail "JSON entry: mode not as findings give it, or no mtime"; }

# Hostile meta values, as a hostile UTS host name and a source directory named
# by an attacker leave them (a file edited afterwards fails its digest).
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
S=$T/$'x\e]0;pwn\a'
mkdir -p "$S/etc"
printf 'a\n' >"$S/etc/a"
unshare --uts /usr/bin/python3 -c 'import os, socket, sys
socket.sethostname(b"vm\nsource:     dir:/FAKE\x1b[2J")
os.execv(sys.argv[1], sys.argv[1:])' "$DW" --quiet baseline create --from "dir:$S" --out "$T/hostile.db" --path '/etc' ||
        fail "baseline create under a hostile host name failed"
run 0 "$DW" baseline show "$T/hostile.db"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/out"; then
        od -c "$T/out"
        fail "a raw control character in baseline show"
fi
[ "$(wc -l <"$T/out")" -eq 8 ] || { cat "$T/out"; fail "baseline show has a forged line"; }
[ "$(grep -c '^source:' "$T/out")" -eq 1 ] || { cat "$T/out"; fail "a forged source: line"; }
grep -qxF 'host:       vm\nsource:     dir:/FAKE\x1b[2J' "$T/out" || { cat "$T/out"; fail "host not escaped"; }
grep -qF '/x\x1b]0;pwn\x07' "$T/out" || { cat "$T/out"; fail "source not escaped"; }
# od -c of the host line: the escapes are backslashes, no 033 or \n byte in the value.
grep '^host:' "$T/out" | od -c | grep -q '033' && fail "raw ESC in the host value"

run 0 "$DW" baseline show "$T/hostile.db" --format json
drop_summary "$T/out"
jq -e '.host == "vm\nsource:     dir:/FAKE\u001b[2J"' "$T/out" >/dev/null || { cat "$T/out"; fail "JSON host differs"; }

# A baseline whose metadata was edited afterwards is refused by its digest.
cp "$T/base.db" "$T/tampered.db"
sqlite3 "$T/tampered.db" "UPDATE meta SET value = 'vm' || char(10) || 'forged' WHERE key = 'host';"
run 2 "$DW" baseline show "$T/tampered.db"
expect_one_error_line "$T/tampered.db"

# Names that differ only in invalid UTF-8 bytes: path_hex tells them apart.
run 0 "$DW" baseline show "$T/base.db" --entries --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
[ "$(jq -r 'select(.path == "/etc/a\ufffd") | .path_hex' "$T/out" | LC_ALL=C sort | tr '\n' ' ')" = \
  "2f6574632f61fe 2f6574632f61ff " ] || { cat "$T/out"; fail "path_hex missing or wrong"; }
[ "$(jq -r 'select(.path_hex != null) | .path' "$T/out" | wc -l)" -eq 2 ] || fail "path_hex on a valid UTF-8 path"
jq -e 'select(.path == "/etc/a\ufffd") | .sha256 | test("^[0-9a-f]{64}$")' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "sha256 is not 64 hex digits"; }

# A --path with a control character would be stored newline-joined and read back
# as two prefixes: refused, one escaped line, exit 2, nothing written.
run 2 "$DW" baseline create --from "dir:$R" --out "$T/ctl.db" --path $'/etc\n\e[31mX'
expect_one_error_line '--path'
grep -qF "'/etc\\n\\x1b[31mX'" "$T/err" || { cat "$T/err"; fail "the refused --path is not quoted escaped"; }
LC_ALL=C grep -q $'\e' "$T/err" && fail "raw ESC in the --path error"
[ ! -e "$T/ctl.db" ] || fail "a baseline was written for a refused --path"
run 2 "$DW" baseline create --from "dir:$R" --out "$T/ctl.db" --path $'/etc\t'
expect_one_error_line '--path'
run 2 "$DW" check --baseline "$T/base.db" --root "$R" --path $'/etc\n/usr'
expect_one_error_line '--path'
grep -qF "'/etc\\n/usr'" "$T/err" || { cat "$T/err"; fail "check: the refused --path is not quoted escaped"; }
# A name with a space or non-ASCII letters is still a fine prefix.
mkdir -p "$R/my dir" "$R/caf"$'\xc3\xa9'
run 0 "$DW" baseline create --from "dir:$R" --out "$T/ok.db" --path '/my dir' --path /caf$'\xc3\xa9'
run 0 "$DW" baseline show "$T/ok.db"
grep -qxF "paths:      '/my dir' /caf"$'\xc3\xa9' "$T/out" || { cat "$T/out"; fail "valid prefixes not kept"; }
