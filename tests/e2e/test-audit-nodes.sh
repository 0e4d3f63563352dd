# driftwatch audit on an aggregated log (node= prefixes) in which 65, 100 and
# 1,000 nodes each write to /etc/sudoers.d at once, every event's records far
# apart (tests/e2e/audit-nodes.awk): the reorder window counts the events of one
# node, so every write is found, no event is split and memory stays bounded.
# Then more nodes in flight than the memory limit holds: the events completed
# early are counted and reported as DW-AUD-EVENT-SPLIT, never silently.
source "$(dirname "$0")/lib.sh"

gen=$(dirname "$0")/audit-nodes.awk

for nodes in 65 100 1000; do
        rounds=3
        awk -v nodes=$nodes -v rounds=$rounds -f "$gen" >"$T/n$nodes.log"
        run 1 "$DW" audit --format json "$T/n$nodes.log"
        got=$(jq -r 'select(.rule.id == "DW-AUD-SUDOERS") | .file.path' "$T/out" | sort -u | wc -l)
        [ "$got" -eq $((nodes * rounds)) ] || fail "$nodes nodes: $got of $((nodes * rounds)) sudoers.d writes found"
        others=$(jq -r 'select(.rule.id != "DW-AUD-SUDOERS" and .rule.id != "DW-RUN-SUMMARY") | .rule.id' "$T/out" | sort -u | tr '\n' ' ')
        [ -z "$others" ] || fail "$nodes nodes: unexpected findings: $others"
        grep -q "^audit: $((nodes * rounds)) events from $((nodes * rounds * 5)) records" "$T/err" ||
                fail "$nodes nodes: summary: $(cat "$T/err")"
        ! grep -q 'split\|early' "$T/err" || fail "$nodes nodes: events split: $(cat "$T/err")"
done

# Peak memory on the 1,000-node log (2.4 MB; on a 100 MB one it is the same,
# bounded by the 32 MiB of incomplete events).
if [ -x /usr/bin/time ]; then
        # The release binary's (AddressSanitizer's shadow memory and quarantine
        # are no measure of ours).
        /usr/bin/time -f %M -o "$T/rss" "$DW_RELEASE" -q audit --format json "$T/n1000.log" >/dev/null || true
        rss=$(tail -n 1 "$T/rss")     # after "Command exited with non-zero status 1"
        max_kib=$((64 * 1024))
        if [ "$DW_RELEASE" = "$DW" ] && sanitized; then max_kib=$((512 * 1024)); fi
        [ "$rss" -lt "$max_kib" ] || fail "peak RSS $rss KiB on the 1,000-node log"
elif [ "${CI:-}" = true ]; then
        fail "/usr/bin/time is missing (GNU time): cannot measure peak memory"
else
        echo "note: /usr/bin/time is missing (GNU time): peak memory not measured" >&2
fi

# 20,000 nodes at once, 2 rounds (32 MB): more than the 32 MiB of incomplete
# events hold. What is completed early is said: the summary counts it and
# DW-AUD-EVENT-SPLIT names the cause.
awk -v nodes=20000 -v rounds=2 -f "$gen" >"$T/n20k.log"
run 1 "$DW" audit --format json "$T/n20k.log"
rm -f "${T:?}/n20k.log"
grep -q 'events completed early (reorder memory limit)' "$T/err" || fail "no early events counted: $(cat "$T/err")"
grep -q 'split events' "$T/err" || fail "no split events counted: $(cat "$T/err")"
msg=$(jq -r 'select(.rule.id == "DW-AUD-EVENT-SPLIT") | .message' "$T/out" | tail -n 1)
[[ $msg == *"completed early at the reorder memory limit"* ]] || fail "DW-AUD-EVENT-SPLIT missing or unclear: '$msg'"

echo PASS
