# Helpers of the posture persistence tests (test-posture-units.sh,
# test-posture-persist.sh), sourced after lib.sh: the alerts of one area of a
# posture run compared with an expectation.

# area_alerts FILE REGEX: "RULE SEVERITY PATH" of each alert whose rule id
# matches REGEX (jq's test), or is DW-POS-CONFIG-INVALID, sorted.
area_alerts() {
        jq -r --arg p "$2" 'select(.event.kind == "alert" and (.rule.id | test($p) or
                . == "DW-POS-CONFIG-INVALID")) | "\(.rule.id) \(.driftwatch.severity) \(.file.path // "-")"' "$1" |
                LC_ALL=C sort
}

# any FILE FILTER: FILTER (a boolean per finding) holds for some finding.
any() {
        jq -s -e "[.[] | $2] | any" "$1" >/dev/null
}

# expect_area ROOT REGEX [ARGS...] <<EOF ... EOF: posture of ROOT (exit 0 or
# 1, valid JSON Lines) and the alerts of the rules REGEX matches compared
# with stdin.
expect_area() {
        local root=$1 prefix=$2 want="$T/want.$RANDOM" rc=0
        shift 2
        LC_ALL=C sort >"$want"
        "$DW" posture --root "$root" --format json "$@" >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -le 1 ] || { cat "$T/err"; fail "posture of $root exited $rc"; }
        expect_valid_jsonl "$T/out"
        if ! diff -u "$want" <(area_alerts "$T/out" "$prefix"); then
                jq -c --arg p "$prefix" 'select(.rule.id | test($p)) | [.rule.id, .event.kind, .file.path, .message]' \
                        "$T/out"
                fail "$prefix alerts for $root differ (- expected, + got)"
        fi
}

# posture_of_slash: this machine's real / exits 0 or 1, never 2.
posture_of_slash() {
        local rc=0
        "$DW" posture --format json >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -le 1 ] || { cat "$T/err"; fail "posture of / exited $rc"; }
        expect_valid_jsonl "$T/out"
}
