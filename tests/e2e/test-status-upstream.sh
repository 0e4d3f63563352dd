# driftwatch status against the upstream fixtures in ../shared/fixtures (see its
# README.md): bootc's own status fixtures and JSON Schema, and a real
# `rpm-ostree status --json` from Fedora Silverblue. An extra oracle beside
# the core status tests, which use the project's fixtures in tests/data/status:
# - the project's fixtures have only the fields, and all the required ones,
#   that bootc's schema and rpm-ostree's real output have;
# - each upstream fixture gives the same findings and deployment count on a
#   first run as the project's fixture of the same shape;
# - the usual transitions, reported with upstream's own values.
# It skips (with the reason) without ../shared or PyYAML, and fails under CI=true.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"

[ -n "$SHARED" ] || skip "no shared directory given (usage: test-status-upstream.sh DRIFTWATCH SHARED_DIR)"
FIX=$SHARED/fixtures
[ -f "$FIX/bootc-spec-staged-download-only.yaml" ] || skip "no upstream fixtures in '$FIX'"
/usr/bin/python3 -c 'import yaml' 2>/dev/null || skip "/usr/bin/python3 with PyYAML (python3-yaml) is missing"
UP_RPM=$FIX/rpm-ostree-workstation-status.json

# The bootc fixtures upstream are YAML (bootc status prints the same model as
# JSON with --format=json): converted in one run of Debian's python3 and PyYAML
# (by path: another python3 may come first in PATH), keeping timestamps as the
# strings bootc writes, to $U/NAME.json beside upstream's own JSON fixture.
U=$T/upstream
mkdir -p "$U"
/usr/bin/python3 - "$FIX" "$U" <<'PY' || fail "cannot convert the bootc fixtures in '$FIX'"
import glob, json, os, sys, yaml

class Loader(yaml.SafeLoader):
    pass

# bootc's JSON has RFC 3339 strings where YAML would see timestamps.
Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
for path in glob.glob(os.path.join(sys.argv[1], "bootc-spec-*.yaml")):
    name = os.path.basename(path)[len("bootc-spec-"):-len(".yaml")]
    with open(path) as f, open(os.path.join(sys.argv[2], name + ".json"), "w") as out:
        json.dump(yaml.load(f, Loader=Loader), out)
PY
cp "$FIX/bootc-spec-v1-null.json" "$U/v1-null.json"
NAMES="staged-download-only staged-rollback booted-pinned booted-usroverlay v1-null"
for n in $NAMES; do
        [ -s "$U/$n.json" ] || fail "no upstream fixture for '$n' in '$FIX'"
done

# ---- the project's fixtures against upstream ----
# bootc's schema: every key one the schema names (but under metadata, free-form
# labels and annotations), every required key there; one jq run for all files.
jq -rn --slurpfile schema "$FIX/bootc-host-v1.schema.json" '
        def need($s; $name): ($s["$defs"][$name].required - keys)[] | "missing \($name) field \(.)";
        def entry($s): select(. != null)
                | need($s; "BootEntry"),
                  (.image | select(. != null) | need($s; "ImageStatus"), (.image | need($s; "ImageReference"))),
                  (.ostree | select(. != null) | need($s; "BootEntryOstree"));
        $schema[0] as $s
        | ([$s | .. | objects | .properties | objects | keys[]] | unique) as $known
        | inputs | input_filename as $f
        | ((paths(objects) | select(.[0] != "metadata" or length < 2)) as $p | getpath($p) | keys[]
                | select(. as $k | $known | index([$k]) | not) | "\($f): unknown field \(.)"),
          (.status | (.staged, .booted, .rollback, (.otherDeployments // [])[]) | entry($s) | "\($f): \(.)")' \
        "$DATA"/bootc-*.json >"$T/schema-errors" || fail "cannot check the fixtures against '$FIX/bootc-host-v1.schema.json'"
[ ! -s "$T/schema-errors" ] || { cat "$T/schema-errors"; fail "the project's bootc fixtures do not follow bootc's schema"; }

# rpm-ostree: no field the real output does not have (commit metadata are
# free-form maps).
jq -rn '[input | paths | map(select(type == "string"))] as $real
        | input | paths | map(select(type == "string")) | select(any(.[]; endswith("-commit-meta")) | not)
        | select(. as $p | $real | index([$p]) | not) | join(".")' "$UP_RPM" "$RPM" >"$T/rpm-errors" ||
        fail "cannot compare '$RPM' with '$UP_RPM'"
[ ! -s "$T/rpm-errors" ] || { cat "$T/rpm-errors"; fail "fields of '$RPM' that rpm-ostree does not print"; }

# Same shape, same findings. first FLAG FILE OUT: the recorded source and
# deployment count, and the rule ids, of a first run on FILE, in OUT.
runs=0
first() {
        local err
        runs=$((runs + 1))
        "$DW" status "$1" "$2" --state "$T/first.$runs.db" --format json >"$3.jsonl" 2>"$T/err" || true
        slurp err "$T/err"
        [[ $err =~ recorded\ the\ first\ one\ \(([a-z-]+,\ [0-9]+\ deployments?)\) ]] ||
                { printf '%s' "$err"; fail "a first run on '$2' recorded no snapshot"; }
        ids "$3.jsonl"
        printf '%s\n%s' "${BASH_REMATCH[1]}" "$IDS" >"$3"
}
# same FLAG UPSTREAM OURS
same() {
        first "$1" "$2" "$T/first-upstream"
        first "$1" "$3" "$T/first-ours"
        diff -u "$T/first-upstream" "$T/first-ours" || fail "'$3' differs from upstream's '$2' (- upstream, + ours)"
}
for n in $NAMES; do
        same --bootc-json "$U/$n.json" "$DATA/bootc-$n.json"
done
same --rpm-ostree-json "$UP_RPM" "$RPM"

# ---- transitions, with upstream's values ----
D=$U/staged-download-only.json
variants "$D" \
        "$T/no-staged.json" '.status.staged = null' \
        "$T/upgraded.json" "$BOOTC_UPGRADE" \
        "$T/rolled-back.json" "$BOOTC_UPGRADE | $BOOTC_ROLLBACK"
transition up-staged-new --bootc-json "$T/no-staged.json" "$D" 1 <<'EOF'
DW-IMG-STAGED-NEW alert
EOF
expect_fields "$T/up-staged-new.out" .driftwatch.after.digest <<'EOF'
sha256:16dc2b6256b4ff0d2ec18d2dbfb06d117904010c8cf9732cdb022818cf7a7566
EOF
transition up-booted-changed --bootc-json "$D" "$T/upgraded.json" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
EOF
expect_fields "$T/up-booted-changed.out" '.driftwatch.before.version + " " + .driftwatch.before.timestamp + " -> " +
                                          .driftwatch.after.timestamp' <<'EOF'
nightly 2023-09-30T19:22:16Z -> 2023-10-14T19:22:15Z
EOF
transition up-rollback --bootc-json "$T/upgraded.json" "$T/rolled-back.json" 1 <<'EOF'
DW-IMG-ROLLBACK-PERFORMED alert
EOF
transition up-from-null --bootc-json "$U/v1-null.json" "$D" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
DW-IMG-STAGED-NEW alert
EOF

variants "$UP_RPM" \
        "$T/rpm-rolled-back.json" "$RPM_ROLLBACK" \
        "$T/rpm-queued.json" "$RPM_ROLLBACK_QUEUED"
transition up-rpm-rollback --rpm-ostree-json "$UP_RPM" "$T/rpm-rolled-back.json" 1 <<'EOF'
DW-IMG-ROLLBACK-PERFORMED alert
EOF
expect_fields "$T/up-rpm-rollback.out" '.driftwatch.before.version + " -> " + .driftwatch.after.version,
                                        .driftwatch.before.digest' <<'EOF'
33.21 -> 33.17
229387d3c0bb8ad698228ca5702eca72aed8b298a7c800be1dc72bab160a9f7f
EOF
transition up-rpm-rollback-queued --rpm-ostree-json "$UP_RPM" "$T/rpm-queued.json" 1 <<'EOF'
DW-IMG-ROLLBACK-QUEUED alert
EOF

# Real version strings compare as versions: 33.21 >= 33.9, < 33.100.
expect_minimum_version "$UP_RPM" 33.21 33.9 33.100
echo PASS
