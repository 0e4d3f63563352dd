# bench/agent.sh still runs: its outputs part, at a size that proves the
# script and not the speed (3,000 findings, one run: a few seconds), against
# the real rsyslog it starts. Each output prints a rate, the summary names
# the goal's verdict, and the run stops its rsyslogd and removes its
# scratch directory. The README's RELP figure comes from this script at full
# size: a script that no longer runs would leave that figure unchecked.
source "$(dirname "$0")/lib.sh"
need_cmd() { command -v "$1" >/dev/null || skip "$1 is not installed (scripts/deps.sh check)"; }
need_cmd rsyslogd
need_cmd python3
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(dirname "${DW_SHIP_TEST:?the test runs under ctest, which names dw-ship-test}")
[ -x "$build/driftwatch" ] && [ -x "$build/dw-ship-test" ] || fail "no driftwatch and dw-ship-test in '$build'"
find /tmp -maxdepth 1 -name 'dw-bench-agent.*' | LC_ALL=C sort >"$T/scratch-before"

bash "$repo/bench/agent.sh" --only outputs --build "$build" --runs 1 --events 3000 >"$T/bench.out" 2>"$T/bench.err" ||
        { cat "$T/bench.out" "$T/bench.err"; fail "bench/agent.sh failed"; }
for label in "relp:// -> rsyslog imrelp -> omfile" "peer: rsyslog imfile -> omrelp -> imrelp" \
        "syslog+tls:// -> rsyslog imtcp (written)" "file: (fsync per batch of 2,000)"; do
        rate=$(grep -F -- "  $label" "$T/bench.out" | awk '{print $NF}')
        [[ "$rate" =~ ^[1-9][0-9]*$ ]] || { cat "$T/bench.out"; fail "no rate for '$label': '$rate'"; }
done
grep -Eq '^  goal relp:// >= 50,000/s: (met|NOT met)' "$T/bench.out" || { cat "$T/bench.out"; fail "no verdict on the goal"; }
find /tmp -maxdepth 1 -name 'dw-bench-agent.*' | LC_ALL=C sort | diff -u "$T/scratch-before" - ||
        fail "bench/agent.sh left its scratch directory"
! pgrep -f "rsyslogd -n -f /tmp/dw-bench-agent" >/dev/null || fail "bench/agent.sh left an rsyslogd running"
echo PASS
