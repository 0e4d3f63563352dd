# driftwatch journal: soft-reboots, reboots and kexec reconciled against
# change tickets, maintenance windows (a named time zone among them) and
# deployments, on a real journal file made by systemd-journal-remote from the
# messages logind and PID 1 write (tests/e2e/journal-gen.py cites the source
# lines: src/login/logind-dbus.c bus_manager_log_shutdown(),
# src/login/logind-action.c, src/core/job.c job_emit_start_message()).
source "$(dirname "$0")/journal-lib.sh"
[ -f /usr/share/zoneinfo/Europe/Berlin ] || skip "tzdata is not installed (Debian package tzdata)"

journal_file reboots r
printf 'maintenance-window = Sat 02:00-06:00 UTC\n' >"$T/policy"
printf 'CHG-20 soft-reboot 2026-11-26T09:00:00Z 2026-11-26T11:00:00Z\n' >"$T/tickets"

rc=0
"$DW" journal --file "$T/r.journal" --policy "$T/policy" --tickets "$T/tickets" --format json \
        >"$T/file.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "exit $rc, expected 1 (alerts): $(cat "$T/err")"
jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | [.rule.id, .event.kind, .event.action, .driftwatch.after.ticket // .driftwatch.after.window // "-"] |
        join(" ")' "$T/file.json" >"$T/got"
cat >"$T/want" <<'WANT'
DW-JRN-SOFT-REBOOT event soft-reboot CHG-20
DW-JRN-SOFT-REBOOT alert soft-reboot -
DW-JRN-DEPLOYMENT-OUTSIDE-WINDOW alert deployment-created -
DW-JRN-REBOOT event reboot -
DW-JRN-REBOOT alert kexec -
DW-JRN-REBOOT alert reboot -
DW-JRN-REBOOT event reboot Sat 02:00-06:00 UTC
WANT
diff -u "$T/want" "$T/got" || fail "findings of the journal file"

# The fields of each, by rule and time.
q() { jq -r "select(.[\"@timestamp\"] | startswith(\"$1\")) | $2" "$T/file.json"; }
[ "$(q 2026-11-26T10:00 .driftwatch.after.kind)" = soft-reboot ] || fail "the ticketed soft-reboot has no kind"
q 2026-11-26T10:00 .message | grep -qx "soft-reboot logged by systemd-logind; change ticket CHG-20" ||
        fail "ticketed soft-reboot: $(q 2026-11-26T10:00 .message)"
[ "$(q 2026-11-26T15:00 .driftwatch.after.unit)" = systemd-soft-reboot.service ] ||
        fail "the direct soft-reboot does not name its unit"
q 2026-11-26T15:00 .message | grep -q "no change ticket, maintenance window or deployment before it accounts" ||
        fail "unscheduled soft-reboot: $(q 2026-11-26T15:00 .message)"
q 2026-11-26T15:00 '.rule.techniques // .threat.technique.id | tostring' | grep -q T1529 ||
        fail "no T1529: $(q 2026-11-26T15:00 .)"
q 2026-11-27T09:02 .message | grep -qx "reboot logged by systemd-logind; a deployment within 900s before it" ||
        fail "reboot after the deployment: $(q 2026-11-27T09:02 .message)"
[ "$(q 2026-11-27T12:00 .driftwatch.after.kind)" = kexec ] || fail "the kexec is not one"
[ "$(q 2026-11-27T16:30 .driftwatch.after.boot)" = "$(printf '%032x' $((0xb008)))" ] ||
        fail "the unannounced reboot does not name the boot that ended: $(q 2026-11-27T16:30 .)"
q 2026-11-27T16:30 .message | grep -q "a new boot; the boot before it logged no shutdown" ||
        fail "unannounced reboot: $(q 2026-11-27T16:30 .message)"
# The logind message and PID 1's start job of one shutdown are one finding;
# the boots after an announced reboot or kexec are not reboots of their own.
[ "$(jq -s 'map(select(.rule.id != "DW-RUN-SUMMARY")) | length' "$T/file.json")" = 7 ] || fail "expected 7 findings"
"$DW" journal --file "$T/r.journal" --policy "$T/policy" --tickets "$T/tickets" >"$T/text" 2>/dev/null || true
grep -qx "read 15 entries: 1 deployment, 0 extension merges (0 unaccounted for), 2 soft-reboots and 4 reboots (3 unscheduled)" \
        "$T/text" || fail "summary: $(cat "$T/text")"

# The export stream on standard input: the same findings.
"$DW" --quiet journal --policy "$T/policy" --tickets "$T/tickets" --format json <"$T/r.export" >"$T/stdin.json" \
        2>/dev/null || true
jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | [.rule.id, .event.kind, .event.action, .driftwatch.after.ticket // .driftwatch.after.window // "-"] |
        join(" ")' "$T/stdin.json" | diff -u "$T/want" - || fail "findings of the export stream"

# Tickets naming reboot and kexec, and "*": every reboot is accounted for.
cat >"$T/tickets2" <<'TICKETS'
CHG-21 reboot 2026-11-27T16:00:00Z 2026-11-27T17:00:00Z
CHG-22 kexec 2026-11-27T11:00:00Z 2026-11-27T13:00:00Z
CHG-23 * 2026-11-26T14:00:00Z 2026-11-26T16:00:00Z
CHG-24 reboot 2026-11-28T02:00:00Z 2026-11-28T04:00:00Z
TICKETS
rc=0
"$DW" --quiet journal --file "$T/r.journal" --tickets "$T/tickets2" --format json >"$T/t2.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "tickets2: exit $rc: $(cat "$T/err")"  # the soft-reboot of 10:00 has no ticket now
[ "$(jq -r 'select(.event.kind == "alert") | .["@timestamp"]' "$T/t2.json")" = "2026-11-26T10:00:00.000Z" ] ||
        fail "only the 10:00 soft-reboot should be an alert: $(jq -c '[.["@timestamp"], .event.kind]' "$T/t2.json")"
[ "$(jq -r 'select(.["@timestamp"] | startswith("2026-11-27T12:00")) | .driftwatch.after.ticket' "$T/t2.json")" = CHG-22 ] ||
        fail "the kexec ticket does not account for the kexec"

# A maintenance window in a named zone: Sat 04:00-07:00 Europe/Berlin is
# 03:00-06:00 UTC in November (CET), so the Saturday reboot is inside it.
printf '# windows\nmaintenance-window = Sat 04:00-07:00 Europe/Berlin\n' >"$T/policy-tz"
"$DW" --quiet journal --file "$T/r.journal" --policy "$T/policy-tz" --format json >"$T/tz.json" 2>/dev/null || true
[ "$(jq -r 'select(.["@timestamp"] | startswith("2026-11-28T03:00")) | .driftwatch.after.window' "$T/tz.json")" = \
        "Sat 04:00-07:00 Europe/Berlin" ] || fail "the Berlin window does not cover the Saturday reboot"
# 02:00-03:30 read as UTC would cover 03:00 UTC; on Berlin's clock it is 01:00-02:30 UTC.
printf 'maintenance-window = Sat 02:00-03:30 Europe/Berlin\n' >"$T/policy-tz2"
"$DW" --quiet journal --file "$T/r.journal" --policy "$T/policy-tz2" --format json >"$T/tz2.json" 2>/dev/null || true
[ "$(jq -r 'select(.["@timestamp"] | startswith("2026-11-28T03:00")) | .event.kind' "$T/tz2.json")" = alert ] ||
        fail "02:00-03:30 Berlin (01:00-02:30 UTC) must not cover 03:00 UTC"

# An unknown zone: one line naming the policy file and its line, exit 2.
printf 'maintenance-window = Sat 02:00-06:00 UTC\nmaintenance-window = Sat 02:00-06:00 Europe/Berln\n' >"$T/bad"
rc=0
"$DW" journal --file "$T/r.journal" --policy "$T/bad" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || fail "unknown zone: exit $rc"
[ "$(wc -l <"$T/err")" = 1 ] || fail "unknown zone: more than one line: $(cat "$T/err")"
grep -qF "cannot load policy '$T/bad': line 2: unknown time zone 'Europe/Berln' (not a zone file under /usr/share/zoneinfo)" \
        "$T/err" || fail "unknown zone: $(cat "$T/err")"
echo PASS
