# examples/: every file is what the command that reads it accepts, and the
# sample findings are JSON Lines whose rule ids the built-in rules define,
# with one file per capability at least (rule ids as test-rules-doc finds them).
source "$(dirname "$0")/lib.sh"

E=$(cd "$(dirname "$0")/../../examples" && pwd)
RULES=$(dirname "$E")/rules/default.yaml
mkdir -p "$T/layers" "$T/root/etc"

# The sample findings: valid JSON Lines, each a finding of a defined rule.
n=0
for f in "$E"/findings/*.jsonl; do
        [ -s "$f" ] || fail "$f is empty"
        n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n files of sample findings"
jq -e -s 'all(.[]; (.rule.id | type) == "string" and (.event.kind | type) == "string" and
                   (.["@timestamp"] | type) == "string")' "$E"/findings/*.jsonl >/dev/null ||
        fail "a sample finding is not JSON with rule.id, event.kind and @timestamp"
for id in $(jq -r '.rule.id' "$E"/findings/*.jsonl | sort -u); do
        # A rule of its own, or DW-FIM-X / DW-AUD-X of the surface X.
        grep -qw -- "$id" "$RULES" || grep -qx "  - id: ${id#DW-*-}" "$RULES" ||
                fail "sample finding of '$id', which rules/default.yaml does not define"
done

# The rules layer loads over the built-in rules.
run 0 "$DW" --rules "$E/rules.d/50-site.yaml" --rules-dir "$T/layers" audit-rules
# The allowlist (the /etc allowlist format posture takes too); an empty root
# has no signature policy: an alert, but no error.
run 1 "$DW" --rules-dir "$T/layers" posture --root "$T/root" --allowlist "$E/etc-allowlist.yaml" --format json
# The policy and the tickets.
run 1 "$DW" --rules-dir "$T/layers" status --bootc-json "$(dirname "$E")/tests/data/status/bootc-staged-rollback.json" \
        --state "$T/s.db" --policy "$E/status-policy.conf" --tickets "$E/tickets.txt" --format json
jq -e -s 'any(.[]; .rule.id == "DW-IMG-BELOW-MINIMUM")' "$T/out" >/dev/null || fail "the example policy was not applied"
# The configuration file.
cp /proc/self/mountinfo "$T/mountinfo"
run 0 "$DW" --config "$E/driftwatch.conf" --rules-dir "$T/layers" mounts --mountinfo "$T/mountinfo" --state "$T/m.db"
