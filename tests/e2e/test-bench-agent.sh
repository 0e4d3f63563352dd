# bench/agent.sh still runs, every part of it, at a size that proves the
# script and not the speed (3,000 findings, one run, 1 s at each audit rate, a
# 3 s outage: under 20 s), against the real rsyslog it starts: each output
# prints a rate and the summary the goal's verdict; the agent end to end its
# rate; the load part the CPU and memory of the agent at 0, 1,000 and 10,000
# events/s; the outage part the spool's growth and the backlog's arrival. The
# run stops its daemons and removes its scratch directory. The README's and
# docs/agent.md's figures come from this script at full size: a script that no
# longer runs would leave them unchecked.
source "$(dirname "$0")/lib.sh"
need_cmd() { command -v "$1" >/dev/null || skip "$1 is not installed (scripts/deps.sh check)"; }
need_cmd rsyslogd
need_cmd python3
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(dirname "${DW_SHIP_TEST:?the test runs under ctest, which names dw-ship-test}")
[ -x "$build/driftwatch" ] && [ -x "$build/dw-ship-test" ] || fail "no driftwatch and dw-ship-test in '$build'"
find /tmp -maxdepth 1 -name 'dw-bench-agent.*' | LC_ALL=C sort >"$T/scratch-before"

bash "$repo/bench/agent.sh" --build "$build" --runs 1 --events 3000 --seconds 1 --outage 3 >"$T/bench.out" 2>"$T/bench.err" ||
        { cat "$T/bench.out" "$T/bench.err"; fail "bench/agent.sh failed"; }
for label in "relp:// -> rsyslog imrelp -> omfile" "peer: rsyslog imfile -> omrelp -> imrelp" \
        "syslog+tls:// -> rsyslog imtcp (written)" "file: (fsync per batch of 2,000)"; do
        rate=$(grep -F -- "  $label" "$T/bench.out" | awk '{print $NF}')
        [[ "$rate" =~ ^[1-9][0-9]*$ ]] || { cat "$T/bench.out"; fail "no rate for '$label': '$rate'"; }
done
grep -Eq '^  goal relp:// >= 50,000/s: (met|NOT met)' "$T/bench.out" || { cat "$T/bench.out"; fail "no verdict on the goal"; }
grep -Eq '^  agent: audit -> spool -> file: +[1-9][0-9]*$' "$T/bench.out" || { cat "$T/bench.out"; fail "no end-to-end rate"; }
for rate in 0 1000 10000; do
        grep -Eq "^  $rate +[0-9]+\.[0-9]{2} +[0-9.]+% +[1-9][0-9.]* MiB +[1-9][0-9.]* MiB" "$T/bench.out" ||
                { cat "$T/bench.out" "$T/bench.err"; fail "no CPU and memory at $rate audit events/s"; }
done
grep -Eq '^  goal peak RSS < 32 MiB at 1,000 events/s: (met|NOT met)' "$T/bench.out" || { cat "$T/bench.out"; fail "no RSS verdict"; }
grep -Eq '^  1 hour at 1,000 findings/s, computed: [1-9][0-9]* bytes a finding' "$T/bench.out" ||
        { cat "$T/bench.out"; fail "no spool growth over the outage"; }
grep -Eq "^  then the receiver started: the agent's next try after [0-9.]+ s \(its backoff\), then the [1-9][0-9]* findings arrived" \
        "$T/bench.out" || { cat "$T/bench.out" "$T/bench.err"; fail "the outage's backlog did not arrive"; }
find /tmp -maxdepth 1 -name 'dw-bench-agent.*' | LC_ALL=C sort | diff -u "$T/scratch-before" - ||
        fail "bench/agent.sh left its scratch directory"
! pgrep -f "rsyslogd -n -f /tmp/dw-bench-agent" >/dev/null || fail "bench/agent.sh left an rsyslogd running"
echo PASS
