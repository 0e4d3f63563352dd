# examples/: every file is what the command that reads it accepts, and the
# sample findings are one real finding of every rule id the built-in rules
# define, each with the fields every finding has.
source "$(dirname "$0")/lib.sh"

E=$(cd "$(dirname "$0")/../../examples" && pwd)
RULES=$(dirname "$E")/rules/default.yaml
mkdir -p "$T/layers" "$T/root/etc"

# The sample findings (examples/generate-findings.sh): valid JSON Lines, each
# one finding with the ECS fields every finding has, one per rule id; every
# rule id the built-in rules define (tests/e2e/rule-ids.awk) has its sample,
# and no sample is of a rule they do not define.
for f in "$E"/findings/*.jsonl; do
        [ -s "$f" ] || fail "$f is empty"
done
cat "$E"/findings/*.jsonl >"$T/samples.jsonl"
expect_valid_jsonl "$T/samples.jsonl"
jq -r -s '.[] | select((.rule.id | type) != "string" or ([.["@timestamp"], .message, .ecs.version, .event.id,
                .event.kind, .event.action, .event.module, .event.dataset, .rule.name, .rule.ruleset,
                .rule.reference, .observer.product, .driftwatch.severity] | any(type != "string")) or
                (.event.severity | type) != "number") | "\(.rule.id): \(tojson | .[:200])"' \
        "$T/samples.jsonl" >"$T/bad"
[ ! -s "$T/bad" ] || fail "sample findings without the ECS fields of every finding: $(cat "$T/bad")"
jq -r '.rule.id' "$T/samples.jsonl" | LC_ALL=C sort >"$T/sampled"
awk -f "$(dirname "$0")/rule-ids.awk" "$RULES" | LC_ALL=C sort -u >"$T/defined"
[ "$(wc -l <"$T/defined")" -ge 200 ] || fail "rule-ids.awk found only $(wc -l <"$T/defined") rule ids in $RULES"
dup=$(uniq -d "$T/sampled")
[ -z "$dup" ] || fail "more than one sample finding of: $dup"
unknown=$(comm -13 "$T/defined" "$T/sampled")
[ -z "$unknown" ] || fail "sample findings of rule ids rules/default.yaml does not define: $unknown"
missing=$(comm -23 "$T/defined" "$T/sampled")
[ -z "$missing" ] || fail "rule ids without a sample finding (examples/generate-findings.sh): $missing"

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
