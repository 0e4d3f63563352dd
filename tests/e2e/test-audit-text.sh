# The audit text view as an ausearch user reads it: the summary first, then
# each finding with the time of its event (UTC, to the second), the event id
# to pivot with `ausearch -a`, the node, the auid with its name when the
# writing host's passwd is known (--passwd; never this host's for a log from
# elsewhere) on one line, and with -v the parent chain on it; sequence gaps with their serials and time, an excerpt's gaps (most
# events after one: ausearch output) an event, not an alert; --until as
# ausearch -te (that whole second); no input on a terminal reads
# /var/log/audit instead of waiting on standard input.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"
export TZ=UTC

gen_session_writes >"$T/a.log"
# The same host's records as a remote auditd forwards them: node= first.
sed 's/^type=/node=web1 type=/' "$T/a.log" >"$T/node.log"
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nalice2:x:1000:1000::/:/bin/sh\n' >"$T/passwd"

run 1 "$DW" audit -v --passwd "$T/passwd" "$T/node.log"
cat >"$T/want" <<'EOT'
audit: 3 alerts (2 high, 1 medium), 0 events
  file-added   2 alerts
  sequence-gap 1 alert
read 4 audit events from 16 records in 1 input; 1 sequence gap (40 serials missing); 2 surface writes, 0 watched commands

SEVERITY ACTION         PATH  RULE  [CHANGED]  MESSAGE
high     file-added     /etc/sudoers.d/zz  DW-AUD-SUDOERS
         at 2023-11-14T22:13:22Z event 1700000002.200:103 (ausearch -a 103) node web1 by /usr/bin/cp[1002] auid=1000(alice) <- bash[1001] <- sshd[1000]
high     file-added     /etc/cron.d/job  DW-AUD-CRON
         at 2023-11-14T22:13:23Z event 1700000003.200:144 (ausearch -a 144) node web1 by /usr/bin/tee[1003] auid=1000(alice) <- bash[1001] <- sshd[1000]
         quality: sequence-gap
medium   sequence-gap   -  DW-AUD-SEQUENCE-GAP  40 serials missing in 1 gap: serials 104-143 before 2023-11-14T22:13:23Z
         at 2023-11-14T22:13:23Z event 1700000003.200:144 (ausearch -a 144) node web1
EOT
diff -u "$T/want" "$T/out" || fail "audit text view"
# Without -v: the same lines without the parent chain and the quality flags.
run 1 "$DW" audit --passwd "$T/passwd" "$T/node.log"
sed -e 's/ <- .*//' -e '/^ *quality: /d' "$T/want" | diff -u - "$T/out" || fail "audit text view without -v"

# A log from elsewhere without --passwd: the auid alone, never this host's name.
run 1 "$DW" audit -v "$T/a.log"
grep -q 'by /usr/bin/cp\[1002\] auid=1000 <- bash' "$T/out" || { cat "$T/out"; fail "auid named without --passwd"; }
run 2 "$DW" audit --passwd "$T/none" "$T/a.log"
grep -qx "driftwatch: cannot read passwd '$T/none': No such file or directory" "$T/err" || { cat "$T/err"; fail "--passwd error"; }

# --until as ausearch -te: the event at 22:13:22.200 is in "22:13:22".
run 0 "$DW" audit --until '2023-11-14 22:13:21' --since '2023-11-14' "$T/a.log"
run 1 "$DW" audit --format json --until '2023-11-14 22:13:22' --since '2023-11-14' "$T/a.log"
[ "$(jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | .file.path' "$T/out")" = /etc/sudoers.d/zz ] || { cat "$T/out"; fail "--until excludes its own second"; }

# An excerpt (ausearch -k dw-test --raw): most events follow a gap. The gaps
# are one event, no alert.
{
        for s in 300 310 320 330; do
                AUDIT_SERIAL=$s
                gen_write 1002 1001 1000 3 /usr/bin/vi vi /var/tmp/notes
                gen_later 1
        done
} >"$T/excerpt.log"
run 0 "$DW" audit --format json "$T/excerpt.log"
[ "$(jq -sc '[.[] | select(.rule.id == "DW-AUD-SEQUENCE-GAP") | .event.kind]' "$T/out")" = '["event"]' ] ||
        { cat "$T/out"; fail "an excerpt's gaps are alerts"; }
run 0 "$DW" audit "$T/excerpt.log"
! grep -q '^[a-z]\+ \+sequence-gap  ' "$T/out" || { cat "$T/out"; fail "an excerpt's gaps in the text view"; }
grep -q '3 sequence gaps' "$T/out" || { cat "$T/out"; fail "summary lost the gaps"; }

# No input on a terminal: /var/log/audit, as ausearch (not a silent wait).
rc=0
timeout 10 script -qec "$DW audit" /dev/null </dev/null >"$T/tty" 2>&1 || rc=$?
[ "$rc" -ne 124 ] || fail "'driftwatch audit' on a terminal waits on standard input"
grep -q '/var/log/audit\|^audit: .* in [0-9]* input' "$T/tty" || { cat "$T/tty"; fail "'driftwatch audit' on a terminal did not read /var/log/audit"; }
# Not a terminal: standard input, as before.
"$DW" audit --format json <"$T/a.log" >"$T/out" 2>"$T/err" || true
[ "$(jq -r .file.path "$T/out" | head -1)" = /etc/sudoers.d/zz ] || { cat "$T/err"; fail "stdin not read"; }
echo PASS
