# image verify-pending on a REAL image in podman's storage (imported, as a
# pulled host image would sit there before bootc deploys it), with bootc
# status JSON naming it as staged: untouched, it verifies clean; bootc's
# staged digest differing from the stored manifest's is an alert; a file
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
grep -q "1 layers verified, 0 problems" "$T/err" || [ ! -s "$T/err" ] || fail "summary: $(cat "$T/err")"

# bootc stages a digest that is not the stored manifest's.
run 1 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/other.json" --format json
drop_summary "$T/out"
[ "$(jq -r '[.rule.id, .driftwatch.severity] | join(" ")' "$T/out")" = "DW-CTR-PENDING-IMAGE-TAMPERED critical" ] ||
        fail "not one critical DW-CTR-PENDING-IMAGE-TAMPERED alert: $(cat "$T/out")"
grep -q "not the one bootc status reports" "$T/out" || fail "the alert does not say what differs: $(cat "$T/out")"

# A file of the layer changed in place (same size), then appended to.
f=$S/overlay/$layer/diff/etc/motd
[ -f "$f" ] || fail "no etc/motd in layer $layer"
printf 'WELCOME\n' >"$f"
run 1 "$DW" image verify-pending --storage-root "$S" --bootc-json "$T/staged.json" --format json
drop_summary "$T/out"
[ "$(jq -r '.driftwatch.container.layer' "$T/out")" = "$layer" ] || fail "the alert does not name the layer: $(cat "$T/out")"
grep -q "is not its DiffID" "$T/out" || fail "not a DiffID alert: $(cat "$T/out")"
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
