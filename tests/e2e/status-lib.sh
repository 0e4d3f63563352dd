# Helpers for the `driftwatch status` tests, sourced after lib.sh.
#
# The bootc fixtures upstream are YAML (bootc status prints the same model as
# JSON with --format=json): they are converted here with Debian's python3 and
# PyYAML (/usr/bin/python3 by name: another python3 may come first in PATH),
# keeping timestamps as the strings bootc writes. Variants for each transition
# are made from them with jq.

FIX=$SHARED/fixtures
[ -f "$FIX/bootc-spec-staged-download-only.yaml" ] || skip "no fixtures in '$FIX'"
/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip "/usr/bin/python3 with PyYAML (python3-yaml) is missing"
RPM=$FIX/rpm-ostree-workstation-status.json

# yaml_to_json IN OUT
yaml_to_json() {
        /usr/bin/python3 - "$1" >"$2" <<'EOF'
import json, sys, yaml

class Loader(yaml.SafeLoader):
    pass

# bootc's JSON has RFC 3339 strings where YAML would see timestamps.
Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
with open(sys.argv[1]) as f:
    json.dump(yaml.load(f, Loader=Loader), sys.stdout)
EOF
}

# The bootc fixtures as JSON in $B: $B/staged-download-only.json and so on,
# and $B/v1-null.json (upstream's own JSON fixture).
B=$T/bootc
mkdir -p "$B"
for y in "$FIX"/bootc-spec-*.yaml; do
        n=$(basename "$y" .yaml)
        yaml_to_json "$y" "$B/${n#bootc-spec-}.json"
done
cp "$FIX/bootc-spec-v1-null.json" "$B/v1-null.json"

# variant IN OUT JQ-FILTER: OUT is IN changed by the filter.
variant() {
        jq -c "$3" "$1" >"$2" || fail "jq filter failed: $3"
}

# st WANT_EXIT DB FLAG FILE [OPTIONS...]: driftwatch status with the input
# FLAG FILE and state DB, JSON Lines in $T/out, stderr in $T/err.
st() {
        local want=$1 db=$2 flag=$3 file=$4
        shift 4
        run "$want" "$DW" status "$flag" "$file" --state "$db" --format json "$@"
}

# ids FILE: "RULE-ID kind" of each finding, sorted.
ids() {
        jq -r '"\(.rule.id) \(.event.kind)"' "$1" | LC_ALL=C sort
}

# expect_ids <<EOF ... EOF: the findings in $T/out are exactly these.
expect_ids() {
        local want="$T/want.$RANDOM"
        LC_ALL=C sort >"$want"
        expect_valid_jsonl "$T/out"
        if ! diff -u "$want" <(ids "$T/out"); then
                fail "rule ids differ from the expectation (- expected, + got)"
        fi
}

TRANSITION_RULES='DW-IMG-STAGED-NEW|DW-IMG-STAGED-CHANGED|DW-IMG-BOOTED-CHANGED|DW-IMG-ROLLBACK-PERFORMED|DW-IMG-ROLLBACK-TARGET-CHANGED|DW-IMG-NO-TICKET|DW-IMG-PINNED'

# transition NAME FLAG A B WANT_EXIT [OPTIONS...] <<EOF ... EOF: in a fresh
# state, A is recorded (no alert), then B must report exactly the rule ids on
# stdin and exit WANT_EXIT; B once more reports no transition, and alerts
# (exit 1) only for what is state rather than change.
transition() {
        local name=$1 flag=$2 a=$3 b=$4 want=$5 db="$T/$1.db" rc=0
        shift 5
        st 0 "$db" "$flag" "$a" "$@"
        grep -q 'recorded the first one' "$T/err" || fail "$name: the first run did not say it recorded a snapshot"
        st "$want" "$db" "$flag" "$b" "$@"
        expect_ids
        cp "$T/out" "$T/$name.out"
        "$DW" status "$flag" "$b" --state "$db" --format json "$@" >"$T/out" 2>"$T/err" || rc=$?
        if grep -Eq "\"id\":\"($TRANSITION_RULES)\"" "$T/out"; then
                cat "$T/out"
                fail "$name: an unchanged second run reported a transition"
        fi
        if [ "$(jq -r 'select(.event.kind == "alert") | .rule.id' "$T/out" | wc -l)" -gt 0 ]; then
                [ "$rc" -eq 1 ] || fail "$name: unchanged run with alerts exited $rc"
        else
                [ "$rc" -eq 0 ] || { cat "$T/err"; fail "$name: unchanged run exited $rc, expected 0"; }
        fi
        [ "$(sqlite3 "$db" 'SELECT count(*) FROM status_snapshots')" -eq 2 ] ||
                fail "$name: expected two snapshots in the state database"
}

# field NAME JQ: the jq expression on the saved output of transition NAME.
field() {
        jq -r "$2" "$T/$1.out"
}
