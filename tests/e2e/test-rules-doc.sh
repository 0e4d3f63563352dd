# docs/rules.md documents every rule id the default content can produce, with
# the same severity as rules/default.yaml.
source "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
yaml=$top/rules/default.yaml
doc=$top/docs/rules.md
# Surfaces and rules (two spaces) and audit commands (four spaces), each with
# its severity; a surface's id gives the rule DW-FIM-<id>. One awk over both
# files: the table's rows first, then each id of the YAML against them.
out=$(awk -F'|' '
        FNR == NR { if ($0 ~ /^\| DW-/) { id = $2; sev = $4; gsub(/ /, "", id); gsub(/ /, "", sev); doc[id] = sev }
                    next }
        /^  (  )?- id: [A-Z0-9-]+$/ { id = $0; sub(/^ *- id: /, "", id); if (id !~ /^DW-/) id = "DW-FIM-" id
                                     n++; if (!(id in doc)) print id " is not documented in docs/rules.md" }
        /^  - id: /                  { cur = $0; sub(/^ *- id: /, "", cur); if (cur !~ /^DW-/) cur = "DW-FIM-" cur }
        /^    - id: DW-/             { cur = $0; sub(/^ *- id: /, "", cur) }
        /^    severity: |^      severity: / { s = $0; sub(/^ *severity: /, "", s)
                                     if ((cur in doc) && doc[cur] != s) print cur ": docs/rules.md severity differs from " s }
        END { if (!n) print "no rule ids found in the YAML" }' "$doc" "$yaml")
[ -z "$out" ] || fail "$out"
echo PASS
