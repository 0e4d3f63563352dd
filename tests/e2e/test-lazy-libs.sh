# Libraries loaded on first use: `driftwatch --version`, help and audit start
# without libcrypto and libostree (their loading is most of a start's CPU, see
# bench/startup.sh); the first hash loads libcrypto, the first ostree read the
# ostree module. The dynamic loader's own trace (LD_DEBUG=files) is the witness.
source "$(dirname "$0")/lib.sh"

# loaded CMD...: the names of the shared objects CMD's process loaded.
loaded() {
        LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$@" >/dev/null 2>&1 || true
        cat "$T"/ld.* | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u
        rm -f "${T:?}"/ld.*
}

libs=$(loaded "$DW" --version)
[ -n "$libs" ] || fail "LD_DEBUG traced nothing: the witness does not work here"
grep -q 'libc\.so' <<<"$libs" || fail "the trace lacks libc itself: $libs"
! grep -Eq 'libcrypto|libostree|driftwatch-ostree' <<<"$libs" || fail "--version loads: $libs"
libs=$(loaded "$DW" help check)
! grep -Eq 'libcrypto|libostree' <<<"$libs" || fail "help loads: $libs"

mkdir -p "$T/tree"
printf 'x\n' >"$T/tree/x"
libs=$(loaded "$DW" baseline create --from "dir:$T/tree" --out "$T/b.db")
[ -s "$T/b.db" ] || fail "baseline create did not run"
grep -q 'libcrypto' <<<"$libs" || fail "hashing did not load libcrypto: $libs"
! grep -Eq 'libostree|driftwatch-ostree' <<<"$libs" || fail "baseline create of a plain tree loads libostree"
echo PASS
