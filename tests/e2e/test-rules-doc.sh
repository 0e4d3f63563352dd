# docs/rules.md documents every rule id the default content can produce, with
# the same severity as rules/default.yaml.
source "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
yaml=$top/rules/default.yaml
doc=$top/docs/rules.md
# Surfaces and rules (two spaces) and audit commands (four spaces).
ids=$(sed -n 's/^  \(  \)\{0,1\}- id: \(DW-[A-Z0-9-]*\|[A-Z0-9-]*\)$/\2/p' "$yaml" | sed '/^DW-/!s/^/DW-FIM-/' | sort -u)
[ -n "$ids" ] || fail "no rule ids found in $yaml"
for id in $ids; do
        grep -q "^| $id |" "$doc" || fail "$id is not documented in docs/rules.md"
done
# Severities in the table agree with the YAML (surfaces and plain rules alike).
awk '/^  - id: /{id=$3} /^    - id: DW-/{id=$3} /^    severity: |^      severity: /{print id, $2}' "$yaml" | while read -r id sev; do
        case $id in DW-*) ;; *) id=DW-FIM-$id ;; esac
        row=$(grep "^| $id |" "$doc")
        [ "$(echo "$row" | awk -F'|' '{gsub(/ /, "", $4); print $4}')" = "$sev" ] ||
                fail "$id: docs/rules.md severity differs from $sev"
done
echo PASS
