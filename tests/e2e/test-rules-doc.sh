# docs/rules.md documents every rule id the default content can produce, with
# the same severity as rules/default.yaml, and has a triage section for each:
# a "#### ID" heading (anchor: the id in lower case, which rule.reference
# points at) with what a true positive is, how to confirm it and how to revert
# or accept it; a surface's DW-ETC-<id> and DW-AUD-<id> have an anchor too.
# And every rule id the code names is in rules/default.yaml.
source "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
yaml=$top/rules/default.yaml
doc=$top/docs/rules.md
# Surfaces and rules (two spaces) and audit commands (four spaces), each with
# its severity; a surface's id gives the rule DW-FIM-<id>. One awk over both
# files: the table's rows first, then each id of the YAML against them.
out=$(awk -F'|' '
        FNR == NR { if ($0 ~ /^\| DW-/) { id = $2; sev = $4; gsub(/ /, "", id); gsub(/ /, "", sev); doc[id] = sev }
                    if ($0 ~ /^#### DW-[A-Z0-9-]+$/) { t = substr($0, 6); tri[t] = "" }
                    else if ($0 ~ /^#### /) t = ""
                    if (t != "" && $0 ~ /^- \*\*True positive:\*\* /) tri[t] = tri[t] "t"
                    if (t != "" && $0 ~ /^- \*\*Confirm:\*\* /) tri[t] = tri[t] "c"
                    if (t != "" && $0 ~ /^- \*\*Revert or accept:\*\* /) tri[t] = tri[t] "r"
                    for (l = $0; match(l, /<a id="[a-z0-9-]+">/); l = substr(l, RSTART + RLENGTH))
                            anchor[substr(l, RSTART + 7, RLENGTH - 9)] = 1
                    next }
        /^  (  )?- id: [A-Z0-9-]+$/ { id = $0; sub(/^ *- id: /, "", id); if (id !~ /^DW-/) id = "DW-FIM-" id
                                     n++; if (!(id in doc)) print id " is not documented in docs/rules.md"
                                     if (!(id in tri)) print id " has no triage section in docs/rules.md"
                                     else if (tri[id] != "tcr") print id ": triage lacks true positive, confirm or revert/accept"
                                     if ($0 ~ /^  - id: [A-Z0-9-]+$/ && $0 !~ /DW-/)
                                             for (a = 1; a <= 2; a++) { s = tolower((a == 1 ? "dw-etc-" : "dw-aud-") substr(id, 8))
                                                     if (!(s in anchor)) print s " has no anchor in docs/rules.md" } }
        /^  - id: /                  { cur = $0; sub(/^ *- id: /, "", cur); if (cur !~ /^DW-/) cur = "DW-FIM-" cur }
        /^    - id: DW-/             { cur = $0; sub(/^ *- id: /, "", cur) }
        /^    severity: |^      severity: / { s = $0; sub(/^ *severity: /, "", s)
                                     if ((cur in doc) && doc[cur] != s) print cur ": docs/rules.md severity differs from " s }
        END { if (!n) print "no rule ids found in the YAML" }' "$doc" "$yaml")
[ -z "$out" ] || fail "$out"

# Every rule id the code names (a string literal in src/) is a rule of the
# default content: no finding goes out with "rule": null.
missing=$(comm -23 <(grep -rhoE '"DW-[A-Z0-9-]*[A-Z0-9]"' "$top/src" | tr -d '"' | LC_ALL=C sort -u) \
                   <(sed -n 's/^ *- id: //p' "$yaml" | awk '{ print (/^DW-/ ? $0 : "DW-FIM-" $0) }' | LC_ALL=C sort -u))
[ -z "$missing" ] || fail "rule ids the code emits but rules/default.yaml lacks: $missing"
echo PASS
