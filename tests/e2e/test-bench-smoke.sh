# Every benchmark of bench/ still runs (bench/agent.sh has test-bench-agent):
# each at a size that proves the script and not the speed (a few seconds
# each), against the peers it compares with (AIDE, ausearch, journalctl,
# ostree, veritysetup's stand-in, the posture oracles, podman). Each exits 0
# (or 1, a goal missed, which it says) and prints its comparison: a ratio,
# and a goal's verdict where the script has goals (at these sizes, and with
# the sanitizer build under make check-asan, a goal may be missed: the
# verdict is printed, not judged). Each removes its scratch directory. The speed claims of README.md
# and docs/ come from these scripts at full size.
source "$(dirname "$0")/lib.sh"
for t in aide ausearch journalctl ostree podman; do
        command -v "$t" >/dev/null || skip "$t is not installed (scripts/deps.sh check)"
done
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$(dirname "$DW")" && pwd)
# the test programs are the test build's (beside dw-ship-test), the binary may be the release build's
verity=$(dirname "${DW_SHIP_TEST:?the test runs under ctest, which names dw-ship-test}")/tests/verity-verify
[ -x "$verity" ] || fail "no $verity"
# (bench/agent.sh's are test-bench-agent's, which may run meanwhile)
scratch() { find /tmp -maxdepth 1 \( -name 'dw-bench*' -o -name 'dw-image.*' \) ! -name 'dw-bench-agent.*' | LC_ALL=C sort; }
scratch >"$T/scratch-before"

# bench NAME SCRIPT ARGS...: runs it from the repository; its output in $T/NAME.out.
bench() {
        local name=$1 script=$2 rc=0
        shift 2
        (cd "$repo" && bash "bench/$script" "$@") >"$T/$name.out" 2>"$T/$name.err" || rc=$?
        # 1: a goal missed (said in the output), 2: the script failed
        case $rc in
        0) ;;
        1) grep -Eq 'goals missed: [1-9]|NOT met' "$T/$name.out" ||
                { tail -n 20 "$T/$name.out" "$T/$name.err"; fail "bench/$script $* exited 1 with no goal missed"; } ;;
        *) tail -n 20 "$T/$name.out" "$T/$name.err"; fail "bench/$script $* exited $rc" ;;
        esac
        grep -Eq '[0-9]\.[0-9]+x\b' "$T/$name.out" || { cat "$T/$name.out"; fail "bench/$script printed no ratio"; }
}
# verdict NAME: the script judged its goals.
verdict() {
        grep -Eq 'goals missed: [0-9]+$|goal [<>]=? ?[0-9.]+[^:]*: (met|NOT met)' "$T/$1.out" ||
                { cat "$T/$1.out"; fail "$1: no verdict on its goals"; }
}

bench startup startup.sh --runs 3 "$build"
grep -Eq '[0-9.]+x (less|more)( CPU)? than aide --version' "$T/startup.out" ||
        { cat "$T/startup.out"; fail "startup: no comparison with aide"; }
bench fim fim.sh --synthetic 2000 --runs 1 --driftwatch "$DW"
verdict fim
bench audit audit.sh --sizes 1 --runs 1 --interpret-runs 1 --driftwatch "$DW"
verdict audit
bench journal journal.sh --sizes 1 --runs 1 --driftwatch "$DW"
bench posture posture.sh --runs 1 "$build"
verdict posture
bench image image.sh --runs 1 --etc-files 500 --tree /usr/share/bash-completion --driftwatch "$DW"
verdict image
bench inventory inventory.sh --runs 1 --images 2 --total-mib 8 --driftwatch "$DW" \
        --verity-verify "$verity"
verdict inventory
bench container container.sh --runs 1 --files 200 --size-mb 4 "$build"
verdict container

scratch | diff -u "$T/scratch-before" - || fail "a benchmark left its scratch directory"
echo PASS
