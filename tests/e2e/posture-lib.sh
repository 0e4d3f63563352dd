# Helpers of the posture tests (test-posture-units.sh, -persist.sh,
# -sudo.sh, -pam.sh), sourced after lib.sh: a posture run, and the alerts of
# one area of it compared with an expectation.

# posture ROOT [ARGS...]: posture of ROOT ("": this machine's /), its JSON in
# $T/out; exit 0 or 1, never 2, and valid JSON Lines.
posture() {
        local root=$1 rc=0 where
        shift
        # This machine's / records its /var executables: in the test's scratch.
        where=(--state "$T/host.db")
        [ -z "$root" ] || where=(--root "$root")
        "$DW" posture "${where[@]}" --format json "$@" >"$T/out" 2>"$T/err" || rc=$?
        if [ "$rc" -gt 1 ]; then
                cat "$T/err"
                fail "posture ${root:+--root $root }exited $rc"
        fi
        expect_valid_jsonl "$T/out"
}

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
        local root=$1 prefix=$2 want="$T/want.$RANDOM"
        shift 2
        LC_ALL=C sort >"$want"
        posture "$root" "$@"
        if ! diff -u "$want" <(area_alerts "$T/out" "$prefix"); then
                jq -c --arg p "$prefix" 'select(.rule.id | test($p)) | [.rule.id, .event.kind, .file.path, .message]' \
                        "$T/out"
                fail "$prefix alerts for $root differ (- expected, + got)"
        fi
}

# posture_of_slash: this machine's real / exits 0 or 1, never 2.
posture_of_slash() {
        posture ""
}
