# rule.reference is a URL of the rule's triage: by default file:// of the
# installed docs/rules.md, with the anchor a Markdown renderer makes of the
# rule's "#### DW-..." heading (the id in lower case), and every anchor it
# names is a heading there; rule-reference-base in driftwatch.conf points it
# at a fleet's own copy; a value that is no URL is one error line, exit 2.
source "$(dirname "$0")/lib.sh"

doc=$(dirname "$0")/../../docs/rules.md
R=$T/root
mkdir -p "$R/usr/bin" "$R/etc/sudoers.d"
echo tool >"$R/usr/bin/tool"
chmod 0755 "$R/usr/bin/tool"
run 0 "$DW" --quiet baseline create --from "dir:$R" --out "$T/b.db"
chmod 4755 "$R/usr/bin/tool"
echo 'x ALL=(ALL) ALL' >"$R/etc/sudoers.d/x"

# The default: file:///PREFIX/share/doc/driftwatch/rules.md#<id in lower case>.
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --format json
jq -r '[.rule.id, .rule.reference] | @tsv' "$T/out" >"$T/refs"
while IFS=$'\t' read -r id ref; do
        lower=$(echo "$id" | tr 'A-Z' 'a-z')
        [[ $ref =~ ^file:///([^#]+/)?share/doc/driftwatch/rules\.md#$lower$ ]] ||
                fail "$id: rule.reference '$ref' is not file:// of the installed rules.md with #$lower"
        grep -qx "#### $id" "$doc" || fail "$id: no '#### $id' heading in docs/rules.md for #$lower"
done <"$T/refs"
grep -q '^DW-FIM-SETUID	' "$T/refs" && grep -q '^DW-FIM-SUDOERS	' "$T/refs" && grep -q '^DW-RUN-SUMMARY	' "$T/refs" ||
        fail "not the findings expected: $(cat "$T/refs")"

# A fleet's copy, from driftwatch.conf.
printf '[driftwatch]\nrule-reference-base = https://wiki.example/driftwatch/rules.md\n' >"$T/c.conf"
run 1 "$DW" --config "$T/c.conf" check --baseline "$T/b.db" --root "$R" --format json
got=$(jq -r 'select(.rule.id == "DW-FIM-SETUID") | .rule.reference' "$T/out")
[ "$got" = https://wiki.example/driftwatch/rules.md#dw-fim-setuid ] || fail "overridden rule.reference: '$got'"

# No URL, or one with a fragment of its own: one line naming the file and line.
for bad in /usr/share/doc/driftwatch/rules.md 'https://wiki.example/rules.md#top' 'https://wiki example/x'; do
        printf '[driftwatch]\nrule-reference-base = %s\n' "$bad" >"$T/bad.conf"
        run 2 "$DW" --config "$T/bad.conf" check --baseline "$T/b.db" --root "$R"
        expect_one_error_line "$T/bad.conf"
        grep -q "line 2: rule-reference-base" "$T/err" || fail "the error does not name the key: $(cat "$T/err")"
done
echo PASS
