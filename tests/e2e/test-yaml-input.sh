# Hostile YAML for --rules and the etc-diff allowlist: load errors quote the
# offending key or value escaped (no ESC, BEL or newline reaches the terminal),
# one line naming the file, exit 2.
source "$(dirname "$0")/lib.sh"

R=$T/root
mkdir -p "$R/etc"
printf 'a\n' >"$R/etc/a"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/base.db"

# expect_clean_error FILE: one stderr line naming FILE, no control character in it.
expect_clean_error() {
        expect_one_error_line "$1"
        if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/err"; then
                od -c "$T/err"
                fail "a raw control character in the error"
        fi
}

printf 'version: 1\n"\\e[2J\\e]0;pwn\\a": x\n' >"$T/key.yaml"
run 2 "$DW" --rules "$T/key.yaml" check --baseline "$T/base.db" --root "$R"
expect_clean_error "$T/key.yaml"
grep -qF "unknown key '\\x1b[2J\\x1b]0;pwn\\x07'" "$T/err" || { cat "$T/err"; fail "key not shown escaped"; }

printf 'rules:\n  - id: "DW-A-B"\n    name: n\n    "x\\ndriftwatch: all good": 1\n' >"$T/newline.yaml"
run 2 "$DW" --rules "$T/newline.yaml" check --baseline "$T/base.db" --root "$R"
expect_clean_error "$T/newline.yaml"

printf 'audit:\n  allow:\n    - id: a\n      reason: r\n      comm: [x]\n      auid: ["\\e[2J \\a"]\n' >"$T/auid.yaml"
run 2 "$DW" --rules "$T/auid.yaml" check --baseline "$T/base.db" --root "$R"
expect_clean_error "$T/auid.yaml"

# Nesting: libyaml loads nested flow collections in quadratic time (100 k levels
# took 20 s); past 64 levels the file is refused at once, naming it.
{ printf 'version: 1\nsurfaces: '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'
  echo; } >"$T/deep.yaml"
start=$(date +%s%N)
run 2 "$DW" --rules "$T/deep.yaml" check --baseline "$T/base.db" --root "$R"
ms=$((($(date +%s%N) - start) / 1000000))
expect_clean_error "$T/deep.yaml"
grep -qF 'nested deeper than 64 levels' "$T/err" || { cat "$T/err"; fail "deep nesting not named"; }
[ "$ms" -lt 1000 ] || fail "a 100 k deep file took $ms ms to refuse"
