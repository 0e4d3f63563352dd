# Installing: CMake's install rules (what `make install` runs) into a DESTDIR,
# then the installed binary (and its ostree module, found from the binary's
# place), the installed man pages read with man -l, the bash completion as a
# shell loads it, the rules, examples, docs and the auditd plugin configuration.
# The install is of this test's build directory (the one $DW is in), with
# --prefix /usr as a distribution package would; nothing is built again.
source "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$(realpath "$DW")")
[ -f "$BUILD/cmake_install.cmake" ] || fail "'$BUILD' is no CMake build directory"
command -v man >/dev/null && command -v groff >/dev/null ||
        skip "man-db and groff-base are not installed (scripts/deps.sh check installs them): no man -l"

D=$T/root
DESTDIR=$D cmake --install "$BUILD" --prefix /usr >"$T/install.log" 2>&1 ||
        { cat "$T/install.log"; fail "cmake --install failed"; }
grep -q "$D" "$T/install.log" || fail "the install did not honour DESTDIR"
! grep -v "$D" "$T/install.log" | grep -q 'Installing: /' || fail "something was installed outside DESTDIR"

# The binary, and the ostree module beside its libraries: image deployments
# of an empty directory is an error about the sysroot, not about a missing module.
bin=$D/usr/bin/driftwatch
[ -x "$bin" ] || fail "no $bin"
run 0 "$bin" version
grep -q '^driftwatch [0-9]' "$T/out" || fail "installed version says '$(cat "$T/out")'"
module=$(find "$D/usr/lib" -name driftwatch-ostree.so)
[ -n "$module" ] || fail "the ostree module was not installed"
mkdir "$T/empty"
run 2 "$bin" image deployments --sysroot "$T/empty"
! grep -q 'driftwatch-ostree.so' "$T/err" || { cat "$T/err"; fail "the installed binary did not find its ostree module"; }

# The man pages: driftwatch(1) and one per command, each read by man -l.
man1=$D/usr/share/man/man1
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
comp=$D/usr/share/bash-completion/completions/driftwatch
[ -f "$comp" ] || fail "no bash completion"
[ -f "$D/usr/share/zsh/site-functions/_driftwatch" ] || fail "no zsh completion"
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
        [ -f "$D/usr/$f" ] || fail "not installed: /usr/$f"
done
plugin=$D/usr/share/driftwatch/audit/plugins.d/driftwatch.conf
grep -qx 'path = /usr/bin/driftwatch' "$plugin" || fail "the plugin configuration does not name /usr/bin/driftwatch"
[ ! -e "$D/etc/audit" ] || fail "the install activated the auditd plugin in /etc/audit"
