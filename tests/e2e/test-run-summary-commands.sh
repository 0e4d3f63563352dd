# The run summary (DW-RUN-SUMMARY, docs/output.md) from the commands that do
# not report findings: `baseline create --format json` and `baseline show
# --format json` end with it (the source and paths covered, the baseline, the
# exit status; also when the run fails), `audit --events` ends its raw view
# with it, the events it wrote counted; `audit-rules` prints a rules file
# auditctl loads, so it has none; the text view of `image deployments` starts
# with its summary (the list follows; tests/golden/text/image-deployments.txt).
source "$(dirname "$0")/lib.sh"
DATA=$(cd "$(dirname "$0")/../data" && pwd)

R=$T/root
mkdir -p "$R/etc" "$R/usr/bin"
printf 'a\n' >"$R/etc/a"
printf 'tool\n' >"$R/usr/bin/tool"

# baseline create: the summary on standard output, what it recorded on stderr.
run 0 "$DW" baseline create --from "dir:$R" --out "$T/b.db" --path /etc --format json
expect_valid_jsonl "$T/out"
jq -se --arg s "dir:$R" --arg b "$T/b.db" 'length == 1 and (.[0] | .rule.id == "DW-RUN-SUMMARY"
        and .driftwatch.run.command == "baseline create" and .driftwatch.run.coverage == [$s, "/etc"]
        and .driftwatch.run.baseline == $b and .driftwatch.run.exit_status == 0 and .event.outcome == "success")' \
        "$T/out" >/dev/null || { cat "$T/out"; fail "baseline create --format json: not its run summary alone"; }
grep -qxF "baseline '$T/b.db': 2 entries from dir:$R, 1 file hashed (2 B)" "$T/err" ||
        { cat "$T/err"; fail "baseline create --format json: what it recorded is not on stderr"; }
# The text view is unchanged: its one line says it all.
run 0 "$DW" baseline create --from "dir:$R" --out "$T/t.db"
[ "$(cat "$T/out")" = "baseline '$T/t.db': 6 entries from dir:$R, 2 files hashed (7 B)" ] ||
        { cat "$T/out"; fail "baseline create text"; }
# A failed run: the summary says exit status 2, then one error line.
run 2 "$DW" baseline create --from "dir:$T/missing" --out "$T/m.db" --format json
expect_one_error_line "$T/missing"
jq -e '.rule.id == "DW-RUN-SUMMARY" and .driftwatch.run.exit_status == 2 and .event.outcome == "failure"' \
        "$T/out" >/dev/null || { cat "$T/out"; fail "a failed baseline create has no run summary"; }

# baseline show: the description, then the summary.
run 0 "$DW" baseline show --format json "$T/b.db"
jq -se --arg b "$T/b.db" '.[0].baseline == $b and (.[-1] | .rule.id == "DW-RUN-SUMMARY"
        and .driftwatch.run.command == "baseline show" and .driftwatch.run.baseline == $b
        and .driftwatch.run.coverage == [$b])' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "baseline show --format json does not end with its run summary"; }
run 0 "$DW" baseline show "$T/b.db"
! grep -q 'DW-RUN-SUMMARY\|^{' "$T/out" || fail "baseline show's text has a JSON summary"

# audit --events: the raw view's events, then the summary that counts them.
run 0 "$DW" audit --events "$DATA/audit/live-capture.log"
n=$(grep -vc '"DW-RUN-SUMMARY"' "$T/out")
[ "$n" -gt 0 ] || fail "audit --events wrote no event"
tail -n 1 "$T/out" | jq -e --argjson n "$n" '.rule.id == "DW-RUN-SUMMARY" and .driftwatch.run.command == "audit"
        and .driftwatch.run.events == $n and .driftwatch.run.alerts == 0 and .driftwatch.run.exit_status == 0' \
        >/dev/null || { tail -n 1 "$T/out"; fail "audit --events does not end with its run summary"; }

# audit-rules: a rules file, every line a rule or a comment, no JSON.
run 0 "$DW" audit-rules
! grep -vqE '^(-[a-zA-Z]|#|$)' "$T/out" || { grep -vE '^(-[a-zA-Z]|#|$)' "$T/out"; fail "audit-rules printed a line auditctl cannot load"; }

echo PASS
