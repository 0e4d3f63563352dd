# driftwatch journal on real journal files: export streams shaped as
# rpm-ostree, bootc, systemd-sysext/confext and journald's audit transport
# write them (tests/e2e/journal-gen.py cites the source lines), made into
# journal files by systemd-journal-remote and read through sd-journal; the
# same stream on standard input must give the same findings.
source "$(dirname "$0")/journal-lib.sh"

journal_file analytics a
printf 'maintenance-window = Sat 02:00-06:00 UTC\n' >"$T/policy"
printf 'CHG-7 monitoring-agent 2026-11-26T11:00:00Z 2026-11-26T13:00:00Z\n' >"$T/tickets"

rc=0
"$DW" --quiet journal --file "$T/a.journal" --policy "$T/policy" --tickets "$T/tickets" --format json \
        >"$T/file.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "exit $rc, expected 1 (alerts): $(cat "$T/err")"
rules() { jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | [.rule.id, .event.kind] | join(" ")' "$1"; }
rules "$T/file.json" >"$T/got"
cat >"$T/want" <<'WANT'
DW-JRN-DEPLOYMENT-OUTSIDE-WINDOW alert
DW-JRN-EXTENSION-UNMATCHED alert
DW-JRN-EXTENSION-MERGE event
DW-JRN-DEPLOYMENT event
DW-JRN-EXTENSION-MERGE event
DW-JRN-AUDIT-PATH-MISSING alert
WANT
diff -u "$T/want" "$T/got" || fail "findings of the journal file"

# The full image reference, whole, from the journal field.
q='select(.rule.id == "DW-JRN-DEPLOYMENT-OUTSIDE-WINDOW") | .message'
jq -r "$q" "$T/file.json" | grep -qF "'ostree-unverified-registry:quay.io/example/rhel-bootc:9.6-hardened'" ||
        fail "rpm-ostree's refspec is not reported whole: $(jq -r "$q" "$T/file.json")"
q='select(.rule.id == "DW-JRN-DEPLOYMENT") | .message'
jq -r "$q" "$T/file.json" | grep -qF "'quay.io/example/rhel-bootc@sha256:$(printf 'ab%.0s' {1..32})'" ||
        fail "bootc's image reference is not reported whole: $(jq -r "$q" "$T/file.json")"
jq -r "$q" "$T/file.json" | grep -qF "inside the maintenance window Sat 02:00-06:00 UTC" || fail "window not named"
grep -q "change ticket CHG-7" "$T/file.json" || fail "the ticketed merge does not name its ticket"
grep -q "extensions 'site-config' merged into '/etc'; a deployment within 900s" "$T/file.json" ||
        fail "the confext merge after the deployment is not accounted for by it"
grep -q "audit event 5f2c8e0d6b5a4c3e9d1f0a2b3c4d5e6f/4402" "$T/file.json" ||
        fail "the SYSCALL without its PATH record is not the one named"

# The export stream on standard input: the same findings.
rc=0
"$DW" --quiet journal --policy "$T/policy" --tickets "$T/tickets" --format json <"$T/a.export" \
        >"$T/stdin.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "stdin: exit $rc: $(cat "$T/err")"
rules "$T/stdin.json" | diff -u "$T/want" - || fail "findings of the export stream"

# A relative file name and '-' (standard input) are taken as given.
rc=0
(cd "$T" && "$DW" --quiet journal --file a.journal --policy policy --tickets tickets --format json) \
        >"$T/rel.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "relative --file: exit $rc: $(cat "$T/err")"
rules "$T/rel.json" | diff -u "$T/want" - || fail "findings of a relative --file"
rc=0
"$DW" --quiet journal --file - --policy "$T/policy" --tickets "$T/tickets" --format json <"$T/a.export" \
        >"$T/dash.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "--file -: exit $rc: $(cat "$T/err")"
rules "$T/dash.json" | diff -u "$T/want" - || fail "findings of --file -"

# journalctl's own `-o json` of the file: the same findings, from a file
# (detected by its first byte), on standard input, with --input-format json.
journalctl --file "$T/a.journal" -o json >"$T/a.jsonl" || fail "journalctl -o json failed"
for how in file stdin named; do
        rc=0
        case $how in
        file) "$DW" --quiet journal --file "$T/a.jsonl" --policy "$T/policy" --tickets "$T/tickets" --format json ;;
        stdin) "$DW" --quiet journal --policy "$T/policy" --tickets "$T/tickets" --format json <"$T/a.jsonl" ;;
        named) "$DW" --quiet journal --input-format json --file - --policy "$T/policy" --tickets "$T/tickets" \
                        --format json <"$T/a.jsonl" ;;
        esac >"$T/json.json" 2>"$T/err" || rc=$?
        [ "$rc" = 1 ] || fail "json ($how): exit $rc: $(cat "$T/err")"
        rules "$T/json.json" | diff -u "$T/want" - || fail "findings of journalctl -o json ($how)"
done
# The export format named on a JSON stream: one error naming the input.
run 2 "$DW" --quiet journal --input-format export --file "$T/a.jsonl"
drop_summary "$T/out"
expect_one_error_line "$T/a.jsonl"

# Without the policy's windows a deployment is an event; without tickets the
# ticketed merge is an alert.
rc=0
"$DW" --quiet journal --file "$T/a.journal" --format json >"$T/bare.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "bare: exit $rc"
[ "$(jq -r 'select(.rule.id == "DW-JRN-DEPLOYMENT") | .rule.id' "$T/bare.json" | wc -l)" = 2 ] ||
        fail "without windows both deployments should be events"
[ "$(jq -r 'select(.rule.id == "DW-JRN-EXTENSION-UNMATCHED") | .rule.id' "$T/bare.json" | wc -l)" = 2 ] ||
        fail "without tickets two merges are unaccounted for"

# A policy window with an offset: Wed 15:00-16:00 +01:00 covers 14:00 UTC.
printf 'maintenance-window = Mon-Fri 15:00-16:00 +01:00\n' >"$T/policy2"
"$DW" --quiet journal --file "$T/a.journal" --policy "$T/policy2" --format json >"$T/off.json" 2>/dev/null || true
jq -r 'select(.message | test("rpm-ostree")) | .rule.id' "$T/off.json" | grep -qx DW-JRN-DEPLOYMENT ||
        fail "the offset window does not cover the Wednesday deployment"

# A journal directory.
mkdir "$T/dir"
cp "$T/a.journal" "$T/dir/system.journal"
"$DW" --quiet journal --directory "$T/dir" --policy "$T/policy" --tickets "$T/tickets" --format json \
        >"$T/dir.json" 2>/dev/null || true
rules "$T/dir.json" | diff -u "$T/want" - || fail "findings of the journal directory"
echo PASS
