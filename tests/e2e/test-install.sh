# Installing as a packager does: `make install PREFIX=... DESTDIR=...` (the
# Makefile's goal over CMake's install rules), then the installed binary (and
# its ostree module, found from the binary's place), the installed man pages
# read with man -l, the bash completion as a shell loads it, the rules,
# examples, docs and the auditd plugin configuration. The install is of this
# test's build directory (the one $DW is in) with the prefix it was configured
# with (a build for /usr/local installed with PREFIX=/usr would be reconfigured
# and rebuilt: its binary names its documentation's directory), so make finds
# everything up to date and only installs.
source "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$(realpath "$DW")")
top=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$BUILD/cmake_install.cmake" ] || fail "'$BUILD' is no CMake build directory"
command -v make >/dev/null || skip "make is not installed (scripts/deps.sh run installs build-essential)"
command -v man >/dev/null && command -v groff >/dev/null ||
        skip "man-db and groff-base are not installed (scripts/deps.sh check installs them): no man -l"
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
[ -n "$PREFIX" ] || fail "no CMAKE_INSTALL_PREFIX in '$BUILD/CMakeCache.txt'"
before=$(stat -c %Y.%y "$BUILD/driftwatch")

D=$T/pkg
P=$D$PREFIX
make -C "$top" install PREFIX="$PREFIX" DESTDIR="$D" BUILD="$BUILD" >"$T/install.log" 2>&1 ||
        { cat "$T/install.log"; fail "make install failed"; }
grep -q "Installing: $D" "$T/install.log" || fail "the install did not honour DESTDIR"
! grep 'Installing: /' "$T/install.log" | grep -v "Installing: $D" | grep -q . || fail "something was installed outside DESTDIR"
[ "$(stat -c %Y.%y "$BUILD/driftwatch")" = "$before" ] || fail "make install rebuilt the binary"

# The binary, and the ostree module beside its libraries: image deployments
# of an empty directory is an error about the sysroot, not about a missing module.
bin=$P/bin/driftwatch
[ -x "$bin" ] || fail "no $bin"
run 0 "$bin" version
grep -q '^driftwatch [0-9]' "$T/out" || fail "installed version says '$(cat "$T/out")'"
module=$(find "$P"/lib* -name driftwatch-ostree.so)
[ -n "$module" ] || fail "the ostree module was not installed"
mkdir "$T/empty"
run 2 "$bin" image deployments --sysroot "$T/empty"
! grep -q 'driftwatch-ostree.so' "$T/err" || { cat "$T/err"; fail "the installed binary did not find its ostree module"; }
# rule.reference names the installed rules.md, which has the rule's heading.
mkdir -p "$T/tree/etc"
run 0 "$bin" --quiet baseline create --from "dir:$T/tree" --out "$T/b.db"
echo x >"$T/tree/etc/new"
run 1 "$bin" check --baseline "$T/b.db" --root "$T/tree" --format json
ref=$(jq -r 'select(.rule.id == "DW-FIM-CONFIG") | .rule.reference' "$T/out")
[ "$ref" = "file://$PREFIX/share/doc/driftwatch/rules.md#dw-fim-config" ] || fail "installed rule.reference: '$ref'"
grep -qx '#### DW-FIM-CONFIG' "$P/share/doc/driftwatch/rules.md" || fail "the installed rules.md has no DW-FIM-CONFIG heading"

# The man pages: driftwatch(1) and one per command, each read by man -l.
man1=$P/share/man/man1
for page in driftwatch driftwatch-scan driftwatch-baseline driftwatch-audit driftwatch-container; do
        [ -f "$man1/$page.1" ] || fail "no man page $page(1)"
done
for page in "$man1"/*.1; do
        MANWIDTH=100 man -l "$page" >"$T/man.txt" 2>"$T/man.err" || fail "man -l $page failed: $(cat "$T/man.err")"
        [ ! -s "$T/man.err" ] || fail "man -l $page warned: $(cat "$T/man.err")"
        grep -q '^NAME' "$T/man.txt" && grep -q '^EXIT STATUS' "$T/man.txt" || fail "$page has no NAME or EXIT STATUS"
done
MANWIDTH=100 man -l "$man1/driftwatch-scan.1" >"$T/man.txt"
grep -q -- '--state-dir DIR' "$T/man.txt" || fail "driftwatch-scan(1) does not describe --state-dir DIR"
grep -q 'driftwatch-scan - run every check' "$T/man.txt" || fail "driftwatch-scan(1) has no NAME line"

# bash completion, loaded as bash-completion loads it (inside a function).
comp=$P/share/bash-completion/completions/driftwatch
[ -f "$comp" ] || fail "no bash completion"
[ -f "$P/share/zsh/site-functions/_driftwatch" ] || fail "no zsh completion"
out=$(bash -c 'load() { source "$1"; }; load "$1"; complete -p driftwatch
        c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _driftwatch; echo "${COMPREPLY[*]}"; }
        c driftwatch sc
        c driftwatch baseline ""
        c driftwatch --quiet scan --state-
        c driftwatch check --format ""
        c driftwatch image verify --sysroot "$2/emp"' _ "$comp" "$T") || fail "the completion does not load"
expected="complete -F _driftwatch driftwatch
scan
create show accept
--state-dir
text json
$T/empty"
[ "$out" = "$expected" ] || fail "completion: got
$out
expected
$expected"

# Content under share, docs, the auditd plugin configuration with this install's path.
for f in share/driftwatch/rules/default.yaml share/doc/driftwatch/README.md share/doc/driftwatch/LICENSE \
         share/doc/driftwatch/configuration.md share/doc/driftwatch/examples/driftwatch.conf \
         share/doc/driftwatch/examples/etc-allowlist.yaml share/doc/driftwatch/examples/findings/fim.jsonl; do
        [ -f "$P/$f" ] || fail "not installed: $PREFIX/$f"
done
plugin=$P/share/driftwatch/audit/plugins.d/driftwatch.conf
grep -qx "path = $PREFIX/bin/driftwatch" "$plugin" || fail "the plugin configuration does not name $PREFIX/bin/driftwatch"
[ ! -e "$D/etc/audit" ] || fail "the install activated the auditd plugin in /etc/audit"
