# driftwatch container digests: the pods of tests/data/container (a kubectl
# List of three pods with init and ephemeral containers) against the approved
# list (text, with comments) and a Deployment list (JSON approved manifest).
# Every digest rule fires once where planted, the clean twin gives nothing,
# and bad input is one error line naming the input, exit 2.
source "$(dirname "$0")/lib.sh"

data=$(cd "$(dirname "$0")/../data/container" && pwd)
command -v jq >/dev/null || skip "jq is not installed"

# The planted cases, one rule each: rule, container, digest shown.
run 1 "$DW" container digests --pods "$data/pods.json" --approved "$data/approved.txt" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
jq -r '[.rule.id, .driftwatch.pod.namespace + "/" + .driftwatch.pod.name, .driftwatch.pod.container_kind,
        .container.name, (.container.image.name // "-"), (.container.image.hash.all[0] // "-" | .[0:14]),
        .event.severity, .event.dataset] | join(" ")' "$T/out" | LC_ALL=C sort >"$T/got"
cat >"$T/want" <<'W'
DW-CTR-DIGEST-DIFFERS prod/api-7d9f8c6b5-x2x4q container sidecar docker.io/library/redis sha256:34fb46c 73 driftwatch.container
DW-CTR-DIGEST-MISMATCH prod/api-7d9f8c6b5-x2x4q container api registry.example.com:5000/team/api sha256:69ab79a 73 driftwatch.container
DW-CTR-DIGEST-UNAPPROVED prod/web-7d9f8c6b5-x2x4q ephemeralContainer debugger quay.io/debug/tools sha256:f9d35d4 73 driftwatch.container
DW-CTR-MUTABLE-TAG prod/web-7d9f8c6b5-x2x4q container nginx docker.io/library/nginx sha256:5be1ecc 47 driftwatch.container
DW-CTR-REF-INVALID dev/refs-7d9f8c6b5-x2x4q container app Example/App:2 - 47 driftwatch.container
W
diff -u "$T/want" "$T/got" || fail "digest findings differ (- expected, + got)"
# container.* from the kubelet's status: the runtime and the id without its scheme.
[ "$(jq -r 'select(.container.name == "nginx") | .container.runtime + " " + .container.id' "$T/out")" = \
  "containerd 9c0abe51c6e6655d81de2d044d4fb194931f058c0426c67c7285d8f5657ed64a" ] || fail "container id or runtime"
# DIFFERS names the approved entry's line (redis@..., line 11 after comments and blanks).
jq -r 'select(.rule.id == "DW-CTR-DIGEST-DIFFERS") | .message' "$T/out" | grep -q "(line 11)" ||
        fail "DIFFERS does not name the approved line"

# Without --approved: only what the pods say of themselves (tag, spec/status).
run 1 "$DW" container digests --pods "$data/pods.json" --format json
drop_summary "$T/out"
[ "$(jq -r .rule.id "$T/out" | LC_ALL=C sort | tr '\n' ' ')" = \
  "DW-CTR-DIGEST-MISMATCH DW-CTR-MUTABLE-TAG DW-CTR-REF-INVALID " ] || { cat "$T/out"; fail "pods alone"; }

# The clean twin, against the Deployment list as the approved manifest
# (a CronJob's init container, a tag-only image counted and not used, a
# Service skipped), from stdin.
run 0 "$DW" container digests --pods - --approved "$data/deployments.json" <"$data/pods-clean.json"
[ "$(head -n 1 "$T/out")" = "container digests: 0 alerts, 0 events" ] && [ "$(wc -l <"$T/out")" -eq 2 ] ||
        { cat "$T/out"; fail "the clean twin gave findings"; }
grep -q "6 approved references (1 without a digest" "$T/out" || { cat "$T/out"; fail "summary line"; }

# Bad input: one line naming the input, exit 2.
printf '{"kind":"List","items":[{"kind":"Pod",' >"$T/broken.json"
run 2 "$DW" container digests --pods "$T/broken.json"
drop_summary "$T/out"
expect_one_error_line "$T/broken.json"
grep -q "not JSON" "$T/err" || fail "malformed JSON reason"
python3 -c 'import sys; sys.stdout.write("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + "x" * (50 << 20) + "\"},\"spec\":{\"containers\":[]}}")' >"$T/big.json"
run 2 "$DW" container digests --pods "$T/big.json"
drop_summary "$T/out"
expect_one_error_line "$T/big.json"
python3 -c 'print("{\"kind\":\"List\",\"items\":" + "[" * 200000 + "]" * 200000 + "}")' >"$T/deep.json"
run 2 "$DW" container digests --pods "$T/deep.json"
drop_summary "$T/out"
expect_one_error_line "$T/deep.json"
echo '{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}],"metadata":{}}' >"$T/nopods.json"
run 2 "$DW" container digests --pods "$T/nopods.json"
drop_summary "$T/out"
expect_one_error_line "$T/nopods.json"
grep -q "holds no pods" "$T/err" || fail "no pods reason"
echo '{"kind":"PodList","items":[]}' >"$T/empty.json"
run 2 "$DW" container digests --pods "$T/empty.json"
drop_summary "$T/out"
expect_one_error_line "$T/empty.json"
printf '# approved\nnginx@sha256:0123\n' >"$T/approved.txt"
run 2 "$DW" container digests --pods "$data/pods.json" --approved "$T/approved.txt"
drop_summary "$T/out"
expect_one_error_line "$T/approved.txt"
grep -q "line 2: 'nginx@sha256:0123'" "$T/err" || fail "bad digest line not named"
printf 'nginx:1.25\n' >"$T/nodigest.txt"
run 2 "$DW" container digests --pods "$data/pods.json" --approved "$T/nodigest.txt"
drop_summary "$T/out"
expect_one_error_line "$T/nodigest.txt"
echo '{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":{"name":"x"}}}' >"$T/type.json"
run 2 "$DW" container digests --pods "$T/type.json"
drop_summary "$T/out"
expect_one_error_line "$T/type.json"
grep -q "/spec/containers: not an array" "$T/err" || fail "wrong type not named"
run 2 "$DW" container digests --pods "$T/missing.json"
drop_summary "$T/out"
expect_one_error_line "$T/missing.json"
# No --pods: the local engine's storage, which must be one.
run 2 "$DW" container digests --storage-root "$T/none"
expect_one_error_line "$T/none"
run 2 "$DW" container digests --pods "$data/pods.json" --storage-root "$T/none"
drop_summary "$T/out"
grep -q "not with --pods" "$T/err" || fail "--pods with --storage-root"
echo PASS
