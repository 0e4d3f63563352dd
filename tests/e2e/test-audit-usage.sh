# driftwatch audit and audit-rules as option tables: a usage mistake is one
# line naming the option (an unknown option used to print two), --opt=value
# works, and runtime failures of the output are one line and exit 2: a
# directory that does not exist, a full device. --output appends and is
# complete when the command returns.
source "$(dirname "$0")/lib.sh"

LOG=$(dirname "$0")/../data/audit/live-capture.log
[ -f "$LOG" ] || fail "no fixture '$LOG'"

run 2 "$DW" audit --no-such-option "$LOG"
expect_one_error_line "--no-such-option"
run 2 "$DW" audit-rules --no-such-option
expect_one_error_line "--no-such-option"
run 2 "$DW" audit --window=0 "$LOG"
expect_one_error_line "--window"
run 2 "$DW" audit --since=tomorrowish "$LOG"
expect_one_error_line "tomorrowish"
run 2 "$DW" audit-rules --format=json
expect_one_error_line json

# --opt=value as well as --opt value, with the same result.
run 0 "$DW" audit --events --window 8 "$LOG"
drop_summary "$T/out"
cp "$T/out" "$T/spaced"
run 0 "$DW" audit --events --window=8 "$LOG"
drop_summary "$T/out"
cmp -s "$T/out" "$T/spaced" || fail "--window=8 differs from --window 8"

# The output: missing directory, full device.
run 2 "$DW" audit --output "$T/missing/out.jsonl" "$LOG"
expect_one_error_line "$T/missing/out.jsonl"
if [ -w /dev/full ]; then
        run 2 sh -c "\"$DW\" audit --events \"$LOG\" >/dev/full"
        expect_one_error_line "cannot write output"
fi

# --output appends; every finding is there when the command has returned.
run 1 "$DW" audit --format json "$LOG"
want=$(wc -l <"$T/out")
[ "$want" -gt 0 ] || fail "no findings in the fixture"
run 1 "$DW" audit --format json --output "$T/findings.jsonl" "$LOG"
[ ! -s "$T/out" ] || fail "findings on standard output with --output"
run 1 "$DW" audit --format json --output "$T/findings.jsonl" "$LOG"
expect_valid_jsonl "$T/findings.jsonl"
[ "$(wc -l <"$T/findings.jsonl")" -eq $((2 * want)) ] || fail "--output did not append every finding"
echo PASS
