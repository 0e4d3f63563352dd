# driftwatch container posture: the pods of tests/data/container with one
# posture problem planted per rule (privileged, privilege escalation, a
# writable root, runAsNonRoot false over the pod's true, SYS_ADMIN and
# NET_ADMIN added, hostPID, hostIPC, hostNetwork, a hostPath of
# /var/lib/extensions) and a namespace list with one namespace not restricted;
# the clean twins give nothing; workloads' pod templates are judged too;
# bad input is one error line, exit 2.
source "$(dirname "$0")/lib.sh"

data=$(cd "$(dirname "$0")/../data/container" && pwd)
command -v jq >/dev/null || skip "jq is not installed"

run 1 "$DW" container posture --pods "$data/pods.json" --namespaces "$data/namespaces.json" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
jq -r '[.rule.id, .driftwatch.pod.kind, .driftwatch.pod.name, (.container.name // "-"), .driftwatch.severity]
       | join(" ")' "$T/out" | LC_ALL=C sort >"$T/got"
cat >"$T/want" <<'W'
DW-CTR-POD-CAPS Pod web-7d9f8c6b5-x2x4q debugger critical
DW-CTR-POD-HOST-IPC Pod api-7d9f8c6b5-x2x4q - medium
DW-CTR-POD-HOST-NETWORK Pod web-7d9f8c6b5-x2x4q - medium
DW-CTR-POD-HOST-PID Pod api-7d9f8c6b5-x2x4q - high
DW-CTR-POD-HOSTPATH Pod web-7d9f8c6b5-x2x4q - critical
DW-CTR-POD-NS-UNRESTRICTED Namespace dev - medium
DW-CTR-POD-PRIV-ESCALATION Pod web-7d9f8c6b5-x2x4q nginx medium
DW-CTR-POD-PRIVILEGED Pod web-7d9f8c6b5-x2x4q nginx critical
DW-CTR-POD-RUN-AS-ROOT Pod api-7d9f8c6b5-x2x4q sidecar medium
DW-CTR-POD-RW-ROOTFS Pod api-7d9f8c6b5-x2x4q api low
W
diff -u "$T/want" "$T/got" || fail "posture findings differ (- expected, + got)"
# SYS_ADMIN is named first, whatever the order written; the hostPath says what it reaches.
jq -r 'select(.rule.id == "DW-CTR-POD-CAPS") | .message' "$T/out" | grep -q "SYS_ADMIN, NET_ADMIN$" ||
        fail "capabilities not in SYS_ADMIN-first order"
jq -r 'select(.rule.id == "DW-CTR-POD-HOSTPATH") | .message' "$T/out" | grep -q "sysext search path" ||
        fail "hostPath reach not named"

# Clean twins: nothing.
run 0 "$DW" container posture --pods "$data/pods-clean.json" --namespaces "$data/namespaces-clean.json" --format json
drop_summary "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "the clean twin gave findings"; }

# Workload templates, hostPath variants and the container-over-pod rule.
cat >"$T/workloads.json" <<'J'
{"apiVersion":"v1","kind":"List","metadata":{},"items":[
 {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"kube-system"},
  "spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{
   "securityContext":{"runAsNonRoot":false},
   "containers":[{"name":"a","image":"quay.io/a/agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
     "securityContext":{"runAsNonRoot":true,"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true}}],
   "volumes":[{"name":"root","hostPath":{"path":"/"}},{"name":"sock","hostPath":{"path":"/run/containerd/containerd.sock","type":"Socket"}},
              {"name":"run","hostPath":{"path":"/var/run"}},{"name":"etc","hostPath":{"path":"/etc/"}},
              {"name":"data","hostPath":{"path":"/srv/data"}}]}}}}]}
J
run 1 "$DW" container posture --pods "$T/workloads.json" --format json
drop_summary "$T/out"
[ "$(jq -r '.driftwatch.severity' "$T/out" | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " 4 critical; 1 medium;" ] ||
        { cat "$T/out"; fail "hostPath severities"; }
jq -r .rule.id "$T/out" | grep -qv DW-CTR-POD-HOSTPATH && fail "the container's runAsNonRoot true must override the pod's false"
[ "$(jq -r '.driftwatch.pod.kind' "$T/out" | sort -u)" = DaemonSet ] || fail "pod template kind"

# Bad input.
run 2 "$DW" container posture
expect_one_error_line "--pods"
echo '{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","securityContext":{"privileged":"yes"}}]}}' >"$T/type.json"
run 2 "$DW" container posture --pods "$T/type.json"
drop_summary "$T/out"
expect_one_error_line "$T/type.json"
grep -q "/spec/containers/0/securityContext/privileged: not a boolean" "$T/err" || fail "wrong type not named"
echo '{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}}]}' >"$T/nons.json"
run 2 "$DW" container posture --pods "$T/nons.json" --namespaces "$T/nons.json"
drop_summary "$T/out"
expect_one_error_line "$T/nons.json"
printf '\x00\x01garbage' >"$T/garbage.json"
run 2 "$DW" container posture --pods "$T/garbage.json"
drop_summary "$T/out"
expect_one_error_line "$T/garbage.json"
echo PASS
