# Building driftwatch needs only what `scripts/deps.sh run` installs: a
# configure that cannot find cmocka (the tests' library, `deps.sh check`)
# succeeds with the default DW_TESTS=AUTO, says the tests are not built, and
# still has the targets `make run` builds; DW_TESTS=ON without cmocka fails.
# pkg-config is given every .pc file of this machine but cmocka's.
source "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
command -v cmake >/dev/null && command -v pkg-config >/dev/null || fail "cmake and pkg-config are needed"
pc=$T/pkgconfig
mkdir "$pc"
for d in $(pkg-config --variable pc_path pkg-config | tr ':' ' '); do
        [ -d "$d" ] || continue
        for f in "$d"/*.pc; do
                [ -e "$f" ] && [ ! -e "$pc/${f##*/}" ] && ln -s "$f" "$pc/${f##*/}"
        done
done
[ -e "$pc/sqlite3.pc" ] || fail "no sqlite3.pc found to build with"
case "$pc" in "$T"/?*) rm -f "${pc:?}/cmocka.pc" ;; *) fail "refusing to delete outside $T: $pc" ;; esac
! PKG_CONFIG_LIBDIR=$pc pkg-config --exists cmocka || fail "cmocka is still visible to pkg-config"

gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
PKG_CONFIG_LIBDIR=$pc cmake -S "$top" -B "$T/build" "${gen[@]}" >"$T/auto.log" 2>&1 ||
        { cat "$T/auto.log"; fail "configuring without cmocka failed"; }
grep -q "cmocka not found: the tests are not built" "$T/auto.log" || { cat "$T/auto.log"; fail "no word that the tests are left out"; }
[ ! -e "$T/build/tests" ] || fail "the tests were configured without cmocka"
(cd "$T/build" && cmake --build . --target help) >"$T/targets" 2>&1 || fail "no target list"
for t in driftwatch driftwatch-ostree driftwatch-generated; do
        grep -q "$t" "$T/targets" || fail "target $t missing without cmocka"
done
! PKG_CONFIG_LIBDIR=$pc cmake -S "$top" -B "$T/build-on" "${gen[@]}" -DDW_TESTS=ON >"$T/on.log" 2>&1 ||
        fail "DW_TESTS=ON configured without cmocka"
grep -q cmocka "$T/on.log" || { cat "$T/on.log"; fail "the DW_TESTS=ON failure does not name cmocka"; }
echo PASS
