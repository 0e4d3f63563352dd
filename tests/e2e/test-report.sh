# driftwatch report (docs/report.md) from real one-shot runs (check with a
# FIM allowlist, posture, on a small root under $T), from a run file ending in
# a DW-RUN-SUMMARY event (two runs in one file) and from the agent's state
# (one --once run of the mounts schedule): per-control content in JSON and
# Markdown; the HTML in a real browser (Debian's chromium, one start for the
# DOM and the screenshot): every control's section is in the DOM and the
# screenshot is a real picture; strings from the input are escaped. Bad
# input: a database that is not the agent's, a truncated run file: one line
# naming it, exit 2. A few CPU seconds (chromium's start is most of them).
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

CONTROLS="CM-2 CM-3 CM-5 CM-6 CM-7 CM-8 SI-4 SI-7 AU-2 AU-6 AU-12 SR-3 SR-4 SR-11 SC-28 AC-3 AC-6 CA-7 SA-10 SA-11"
R=$T/root
mkdir -p "$R/etc" "$R/usr" "$R/boot"
printf 'a\n' >"$R/etc/a"
printf 'b\n' >"$R/etc/b"
cat >"$T/allow.yaml" <<'EOF'
version: 1
allow:
  - path: /etc/a
    owner: <img src=x onerror=alert(1)>
    reason: local tuning
    expires: 2099-01-01
  - path: /etc/b
    owner: ops
    reason: old hack
    expires: 2024-01-01
EOF
run 0 "$DW" baseline create --from "dir:$R" --out "$T/b.db"
printf 'a2\n' >>"$R/etc/a"
printf 'b2\n' >>"$R/etc/b"
printf 'x\n' >"$R/etc/<script>x"
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --allowlist "$T/allow.yaml" --format json
cp "$T/out" "$T/check-real.jsonl"
run 1 "$DW" posture --root "$R" --format json
cp "$T/out" "$T/posture-real.jsonl"
# Runs as an older driftwatch wrote them, without their DW-RUN-SUMMARY line.
grep -v '"rule":{"id":"DW-RUN-SUMMARY"' "$T/check-real.jsonl" >"$T/check.jsonl"
grep -v '"rule":{"id":"DW-RUN-SUMMARY"' "$T/posture-real.jsonl" >"$T/posture.jsonl"

# Two runs in one file, each ended by its summary (the shape of DW-RUN-SUMMARY),
# a day after the runs above: later than check.jsonl's, whenever this runs.
later=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%S.000Z)
summary() {
        jq -cn --arg c "$1" --arg t "$later" '{"@timestamp": $t, message: "run ended",
                event: {kind: "event", dataset: "driftwatch.run", action: "run-summary"},
                rule: {id: "DW-RUN-SUMMARY"}, driftwatch: {severity: "low", run: {command: $c}}}'
}
{ cat "$T/check.jsonl"; summary check; cat "$T/posture.jsonl"; summary posture; } >"$T/summarized.jsonl"

run 0 "$DW" report --from "$T/check.jsonl" "$T/posture.jsonl" --fim-allowlist "$T/allow.yaml" --format json
J=$T/out
cp "$J" "$T/report.json"
jq -e . "$J" >/dev/null || fail "the JSON report is not JSON"
[ "$(jq -r '[.controls[].id] | join(" ")' "$J")" = "$CONTROLS" ] || fail "controls: $(jq -c '[.controls[].id]' "$J")"
control() { jq -c --arg c "$1" ".controls[] | select(.id == \$c) | $2" "$J"; }
[ "$(control CM-3 '.alerts.medium')" -ge 2 ] || fail "CM-3: $(control CM-3 .)"
control CM-3 '[.checks[].check]' | grep -q '"driftwatch.fim"' || fail "CM-3 names no FIM check: $(control CM-3 .)"
control CM-6 '[.checks[].check]' | grep -q '"driftwatch.posture"' || fail "CM-6 names no posture: $(control CM-6 .)"
control SI-7 '[.latest[].rule]' | grep -q DW-POS-POLICY-MISSING || fail "SI-7's latest: $(control SI-7 .)"
control SI-7 '[.latest[] | select(.rule == "DW-POS-POLICY-MISSING") | .severity][0]' | grep -qx '"high"' ||
        fail "SI-7: the policy alert's severity"
control CM-3 '.allowlists' | grep -qF allow.yaml || fail "CM-3 lists no allowlist"
control CM-2 '.checks | length' | grep -qx 0 || fail "CM-2 has checks: $(control CM-2 .)"
jq -e '.allowlists[0].entries | map({path, expired}) == [{path: "/etc/a", expired: false}, {path: "/etc/b", expired: true}]' \
        "$J" >/dev/null || fail "allowlist entries: $(jq -c .allowlists "$J")"
jq -e '.allowlists[0].entries[0].owner == "<img src=x onerror=alert(1)>"' "$J" >/dev/null || fail "owner in JSON"
jq -e '[.runs[] | {command, summary}] == [{command: "fim", summary: false}, {command: "posture", summary: false}]' \
        "$J" >/dev/null || fail "runs without a summary: $(jq -c .runs "$J")"
jq -e '.trend | length == 2 and .[0].allowlist_in_use == 1 and .[0].alerts >= 2' "$J" >/dev/null ||
        fail "trend: $(jq -c .trend "$J")"

run 0 "$DW" report "$T/summarized.jsonl" --format json
jq -e '[.runs[] | {command, summary}] == [{command: "check", summary: true}, {command: "posture", summary: true}]' \
        "$T/out" >/dev/null || fail "runs with a summary: $(jq -c .runs "$T/out")"
# The summaries driftwatch writes itself name their command.
run 0 "$DW" report "$T/check-real.jsonl" "$T/posture-real.jsonl" --format json
jq -e '[.runs[] | {command, summary}] == [{command: "check", summary: true}, {command: "posture", summary: true}]' \
        "$T/out" >/dev/null || fail "runs with driftwatch's own summaries: $(jq -c .runs "$T/out")"
run 0 "$DW" report "$T/summarized.jsonl" "$T/check.jsonl" --format json
jq -e '(.trend | map(.time)) == (.trend | map(.time) | sort) and (.trend[0].label | endswith("/check.jsonl"))' \
        "$T/out" >/dev/null || fail "the trend is not in time order: $(jq -c .trend "$T/out")"

# Markdown: a section per control, its alerts, rules and allowlist owners.
run 0 "$DW" report --from "$T/check.jsonl" --from "$T/posture.jsonl" --fim-allowlist "$T/allow.yaml" --format markdown
M=$T/out
for c in $CONTROLS; do
        grep -qx "## <a id=\"control-$c\"></a>$c" "$M" || fail "markdown has no section for $c"
done
section() { awk -v h="## <a id=\"control-$1\"></a>$1" '$0 == h {on = 1; next} /^## / {on = 0} on' "$M"; }
section SI-7 | grep -q 'DW-POS-POLICY-MISSING' || fail "markdown SI-7 has not the policy alert"
section CM-3 | grep -q '^Alerts: 0 critical, 0 high, [2-9] medium' || fail "markdown CM-3 counts: $(section CM-3)"
section CM-3 | grep -qF '&lt;img src=x onerror=alert(1)&gt;' || fail "markdown CM-3: the owner, escaped"
grep -q '<img\|<script' "$M" && fail "markdown carries raw HTML from the input"

# The agent's state: its schedule, output and history.
run 0 "$DW" agent --state-dir "$T/state" --output "file:$T/agent.jsonl" --schedule all=off --schedule mounts=1h/0 --once
run 0 "$DW" report --state-dir "$T/state" --format json
jq -e '.agent.schedules == [.agent.schedules[0]] and .agent.schedules[0].check == "mounts" and
       .agent.schedules[0].last_status == "ok" and .agent.outputs[0].delivered >= 1' "$T/out" >/dev/null ||
        fail "agent part: $(jq -c .agent "$T/out")"
jq -e '(.trend | length) == 1 and ([.controls[] | select(.checks | any(.check == "driftwatch.mounts"))] | length) > 0' \
        "$T/out" >/dev/null || fail "the agent's history: $(jq -c '.trend, [.controls[] | {id, checks}]' "$T/out")"

# HTML: self-contained, escaped, and rendered by a real browser.
run 0 "$DW" report --from "$T/check.jsonl" "$T/posture.jsonl" --fim-allowlist "$T/allow.yaml" --state-dir "$T/state"
H=$T/report.html
cp "$T/out" "$H"
grep -q '<img\|<script\|<link\|@import\|url(' "$H" && fail "the HTML has raw input, a script or an external asset"
grep -qF '&lt;script&gt;x' "$H" || fail "the path with markup is not escaped in the HTML"
grep -qF '&lt;img src=x onerror=alert(1)&gt;' "$H" || fail "the owner is not escaped in the HTML"
grep -q '<svg id="trend-chart"' "$H" || fail "the HTML has no chart"
command -v chromium >/dev/null || skip "chromium is not installed (scripts/deps.sh check)"
HOME=$T timeout 120 chromium --headless --no-sandbox --disable-gpu --screenshot="$T/r.png" --window-size=1200,2000 \
        --dump-dom "file://$H" >"$T/dom.html" 2>"$T/chromium.err" || { tail -5 "$T/chromium.err"; fail "chromium failed"; }
for c in $CONTROLS; do
        grep -q "<section id=\"control-$c\">" "$T/dom.html" || fail "the DOM has no section for $c"
done
grep -q '<polyline' "$T/dom.html" || fail "the DOM has no chart line"
[ "$(head -c 8 "$T/r.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "the screenshot is not a PNG"
[ "$(od -An -tu1 -j16 -N8 "$T/r.png" | awk '{print ($1*16777216+$2*65536+$3*256+$4) "x" ($5*16777216+$6*65536+$7*256+$8)}')" = 1200x2000 ] ||
        fail "the screenshot is not 1200x2000"
[ "$(stat -c %s "$T/r.png")" -gt 20000 ] || fail "the screenshot is nearly empty ($(stat -c %s "$T/r.png") bytes)"

# Bad input.
mkdir "$T/other"
sqlite3 "$T/other/agent.db" "CREATE TABLE t (x)"
run 2 "$DW" report --state-dir "$T/other"
expect_one_error_line "$T/other/agent.db"
head -c 300 "$T/check.jsonl" >"$T/cut.jsonl"
run 2 "$DW" report --from "$T/cut.jsonl"
expect_one_error_line "$T/cut.jsonl"
printf '{"a":1}\nnot json\n' >"$T/bad.jsonl"
run 2 "$DW" report "$T/bad.jsonl"
expect_one_error_line "$T/bad.jsonl"
run 2 "$DW" report --from "$T/check.jsonl" --format pdf
expect_one_error_line "pdf"
echo PASS
