# image verify-pending on a REAL image in podman's storage (imported, as a
# pulled host image would sit there before bootc deploys it), with bootc
# status JSON naming it as staged: untouched, it verifies clean; bootc's
# staged digest differing from the stored manifest's is an alert; bootc's
# cached update (status.booted.cachedUpdate) verified as well, or named when
# the storage does not have it; a file
# changed in the layer's diff directory is an alert naming the layer; a
# file appended to is one naming the file. Every alert is
# DW-CTR-PENDING-IMAGE-TAMPERED, critical.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"

podman_setup
command -v jq >/dev/null || skip "jq is not installed"

pm_image_busybox localhost/dw-host-os:next
S=$PM_DIR/storage
read -r id digest layer < <(jq -r '.[] | select(.names[]? == "localhost/dw-host-os:next") | "\(.id) \(.digest) \(.layer)"' \
        "$S/overlay-images/images.json")
[ -n "$layer" ] && [ "${digest#sha256:}" != "$digest" ] || fail "imported image not found in images.json"

# bootc status JSON with the image staged under DIGEST.
bootc_json() {
        cat <<EOF
{"apiVersion":"org.containers.bootc/v1","kind":"BootcHost",
 "spec":{"image":{"image":"localhost/dw-host-os:next","transport":"containers-storage"}},
 "status":{"staged":{"image":{"image":{"image":"localhost/dw-host-os:next","transport":"containers-storage"},
   "version":"2","timestamp":"2026-11-01T10:00:00Z","imageDigest":"$1"},"pinned":false,"incompatible":false,
   "ostree":{"checksum":"c2","deploySerial":0,"stateroot":"default"}},
  "booted":{"image":{"image":{"image":"localhost/dw-host-os:now","transport":"containers-storage"},
   "version":"1","timestamp":"2026-10-01T10:00:00Z","imageDigest":"sha256:$(printf '1%.0s' {1..64})"},
   "pinned":false,"incompatible":false,"ostree":{"checksum":"c1","deploySerial":0,"stateroot":"default"}},
  "rollback":null,"rollbackQueued":false}}
EOF
}
bootc_json "$digest" >"$T/staged.json"
bootc_json "sha256:$(printf '2%.0s' {1..64})" >"$T/other.json"

run 0 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/staged.json" --format json
drop_summary "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "an untouched image did not verify"; }
grep -q "1 layer verified, 0 problems" "$T/err" || fail "summary: $(cat "$T/err")"

# bootc stages a digest that is not the stored manifest's.
run 1 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/other.json" --format json
drop_summary "$T/out"
[ "$(jq -r '[.rule.id, .driftwatch.severity] | join(" ")' "$T/out")" = "DW-CTR-PENDING-IMAGE-TAMPERED critical" ] ||
        fail "not one critical DW-CTR-PENDING-IMAGE-TAMPERED alert: $(cat "$T/out")"
grep -q "not the one bootc status reports" "$T/out" || fail "the alert does not say what differs: $(cat "$T/out")"

# bootc's cached update (status.booted.cachedUpdate, what `bootc upgrade --check`
# fetched): verified too, found by its digest alone, when container storage
# has it; when it does not, one finding (not an alert) names the image and
# where it comes from. cached_json STAGED_DIGEST|- IMAGE TRANSPORT DIGEST
cached_json() {
        jq -c --arg s "$1" --arg i "$2" --arg t "$3" --arg c "$4" '
                (if $s == "-" then .status.staged = null else .status.staged.image.imageDigest = $s end) |
                .status.booted.cachedUpdate = {image: {image: $i, transport: $t}, version: "3",
                        timestamp: "2026-11-20T10:00:00Z", imageDigest: $c, architecture: "amd64"}' "$T/staged.json"
}
cached_json - localhost/dw-host-os:next containers-storage "$digest" >"$T/cached.json"
cached_json "$digest" quay.io/example/os:next registry "sha256:$(printf '3%.0s' {1..64})" >"$T/elsewhere.json"
cached_json "$digest" localhost/dw-host-os:next containers-storage "$digest" >"$T/same.json"
# bootc's own schema (../shared/fixtures) as an extra oracle: the cachedUpdate
# written here is an ImageStatus as bootc defines it.
schema=${SHARED:+$SHARED/fixtures/bootc-host-v1.schema.json}
if [ -n "$schema" ] && [ -f "$schema" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
        /usr/bin/python3 - "$schema" "$T/cached.json" "$T/elsewhere.json" <<'PY' || fail "a cachedUpdate here is not bootc's ImageStatus"
import json, sys, jsonschema
defs = json.load(open(sys.argv[1]))["$defs"]
for path in sys.argv[2:]:
    jsonschema.validate(json.load(open(path))["status"]["booted"]["cachedUpdate"], {"$ref": "#/$defs/ImageStatus", "$defs": defs})
PY
elif [ "${CI:-}" = true ]; then
        fail "bootc's schema in ../shared/fixtures or python3-jsonschema is missing"
else
        echo "note: bootc's schema (../shared/fixtures) or python3-jsonschema missing: the cachedUpdate fixtures are not checked against it" >&2
fi
run 0 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/cached.json" --format json
drop_summary "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "the untouched cached update did not verify"; }
run 0 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/cached.json"
grep -q "^cached update image $id (manifest $digest): 1 layer verified, 0 problems" "$T/out" ||
        fail "the cached update was not verified: $(cat "$T/out")"
run 0 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/elsewhere.json"
grep -q "^staged image $id" "$T/out" && ! grep -q "^cached update" "$T/out" || fail "summary: $(cat "$T/out")"
run 0 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/elsewhere.json" --format json
drop_summary "$T/out"
X=$(jq -r '[.rule.id, .event.kind, .container.image.name, .container.image.hash.all[0], .message] | join(" | ")' "$T/out")
[ "$X" = "DW-CTR-PENDING-IMAGE-CACHED | event | quay.io/example/os:next | sha256:$(printf '3%.0s' {1..64}) | bootc's cached update quay.io/example/os:next @ sha256:$(printf '3%.0s' {1..64}), version 3 (from registry) is not in container storage $S: not verified" ] ||
        fail "the cached update not in storage: $X"
# the cached update that is the staged image is verified once
run 0 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/same.json"
[ "$(grep -c "layer verified" "$T/out")" = 1 ] || fail "the staged image verified twice: $(cat "$T/out")"
# the upstream fixture with every entry null: nothing to verify
if [ -n "$SHARED" ] && [ -f "$SHARED/fixtures/bootc-spec-v1-null.json" ]; then
        run 2 "$DW" image verify-pending --storage-root "$S" --bootc-json "$SHARED/fixtures/bootc-spec-v1-null.json"
        expect_one_error_line "no staged image nor cached update"
fi

# A file of the layer changed in place (same size), then appended to.
f=$S/overlay/$layer/diff/etc/motd
[ -f "$f" ] || fail "no etc/motd in layer $layer"
printf 'WELCOME\n' >"$f"
run 1 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/staged.json" --format json
drop_summary "$T/out"
[ "$(jq -r '.driftwatch.container.layer' "$T/out")" = "$layer" ] || fail "the alert does not name the layer: $(cat "$T/out")"
grep -q "is not its DiffID" "$T/out" || fail "not a DiffID alert: $(cat "$T/out")"
run 1 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/cached.json" --format json
grep -q "is not its DiffID" "$T/out" || fail "the altered cached update: not a DiffID alert: $(cat "$T/out")"
printf 'welcome, root\n' >"$f"
run 1 "$DW" image verify-pending --storage-root "$S" --image localhost/dw-host-os:next --no-bootc --format json
drop_summary "$T/out"
grep -q "etc/motd" "$T/out" || fail "the alert does not name the file: $(cat "$T/out")"
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "expected one alert: $(cat "$T/out")"

# Bad input: one line, exit 2.
run 2 "$DW" image verify-pending --storage-root "$T/nowhere" --bootc-json "$T/staged.json"
drop_summary "$T/out"
expect_one_error_line "$T/nowhere"
run 2 "$DW" image verify-pending --storage-root "$S" --image localhost/absent --no-bootc
expect_one_error_line "localhost/absent"
