# driftwatch posture reads podman quadlet definitions for the container
# posture: a fixture root with a .container planting every setting the check
# judges (each rule once), its clean twin (a state record, no alert), a .kube
# file whose YAML is stated as not read, the rootless directories, and
# hostile files (binary garbage, a symlink out of the root, an oversized file).
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
R=$T/root
mkdir -p "$R/etc/containers/systemd/users/1000" "$R/usr/share/containers/systemd" \
         "$R/home/alice/.config/containers/systemd" "$R/root/.config/containers/systemd"
cat >"$R/etc/containers/systemd/bad.container" <<'Q'
[Unit]
Description=every posture problem once

[Container]
Image=quay.io/x/agent:latest
Privileged=true
AddCapability=CAP_NET_ADMIN SYS_ADMIN
Network=host
SecurityLabelDisable=true
Volume=/var/lib/extensions:/ext:z
Volume=named:/x
PodmanArgs=--pid=host --ipc host \
  --security-opt seccomp=unconfined

[Install]
WantedBy=multi-user.target
Q
good='[Container]
Image=quay.io/x/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ReadOnly=true
NoNewPrivileges=true
User=1000
Volume=appdata:/data'
echo "$good" >"$R/usr/share/containers/systemd/good.container"
echo "$good" >"$R/etc/containers/systemd/users/1000/rootless.container"
printf '%s\nVolume=/run/podman/podman.sock:/sock\n' "$good" >"$R/home/alice/.config/containers/systemd/sock.container"
printf '%s\nPodmanArgs=--mount type=bind,source=/srv/data,destination=/d --user root\n' "$good" \
        >"$R/root/.config/containers/systemd/plain.container"
printf '[Kube]\nYaml=web.yaml\n' >"$R/etc/containers/systemd/web.kube"
# The .kube file's pod YAML (relative to it; two documents, the Pod second).
cat >"$R/etc/containers/systemd/web.yaml" <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1"}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: app
    image: quay.io/x/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
                      capabilities: {add: [SYS_PTRACE]}}
  volumes:
  - name: ext
    hostPath: {path: /etc/extensions}
Y

run 1 "$DW" posture --root "$R" --format json
expect_valid_jsonl "$T/out"
jq -r 'select(.rule.id | startswith("DW-CTR")) | [.rule.id, .event.kind, .driftwatch.severity, .file.path] | join(" ")' \
        "$T/out" | LC_ALL=C sort >"$T/got"
cat >"$T/want" <<'W'
DW-CTR-MUTABLE-TAG alert medium /etc/containers/systemd/bad.container
DW-CTR-POD-CAPS alert critical /etc/containers/systemd/bad.container
DW-CTR-POD-CAPS alert high /etc/containers/systemd/web.kube
DW-CTR-POD-HOST-IPC alert medium /etc/containers/systemd/bad.container
DW-CTR-POD-HOST-NETWORK alert medium /etc/containers/systemd/bad.container
DW-CTR-POD-HOST-PID alert high /etc/containers/systemd/bad.container
DW-CTR-POD-HOSTPATH alert critical /etc/containers/systemd/bad.container
DW-CTR-POD-HOSTPATH alert critical /etc/containers/systemd/web.kube
DW-CTR-POD-HOSTPATH alert critical /home/alice/.config/containers/systemd/sock.container
DW-CTR-POD-HOSTPATH alert medium /root/.config/containers/systemd/plain.container
DW-CTR-POD-PRIV-ESCALATION alert medium /etc/containers/systemd/bad.container
DW-CTR-POD-PRIVILEGED alert critical /etc/containers/systemd/bad.container
DW-CTR-POD-RUN-AS-ROOT alert high /root/.config/containers/systemd/plain.container
DW-CTR-POD-RUN-AS-ROOT alert medium /etc/containers/systemd/bad.container
DW-CTR-POD-RW-ROOTFS alert low /etc/containers/systemd/bad.container
DW-CTR-QUADLET state low /etc/containers/systemd/bad.container
DW-CTR-QUADLET state low /etc/containers/systemd/users/1000/rootless.container
DW-CTR-QUADLET state low /etc/containers/systemd/web.kube
DW-CTR-QUADLET state low /home/alice/.config/containers/systemd/sock.container
DW-CTR-QUADLET state low /root/.config/containers/systemd/plain.container
DW-CTR-QUADLET state low /usr/share/containers/systemd/good.container
DW-CTR-UNCONFINED alert high /etc/containers/systemd/bad.container
W
diff -u "$T/want" "$T/got" || fail "quadlet posture findings differ (- expected, + got)"
jq -r 'select(.rule.id == "DW-CTR-UNCONFINED") | .message' "$T/out" |
        grep -q "SecurityLabelDisable=true, PodmanArgs=--security-opt seccomp=unconfined" || fail "unconfined sources"
jq -r 'select(.rule.id == "DW-CTR-POD-CAPS") | .message' "$T/out" | grep -q "SYS_ADMIN, CAP_NET_ADMIN" ||
        fail "capabilities not SYS_ADMIN first"
jq -r 'select(.file.path == "/etc/containers/systemd/web.kube" and .rule.id == "DW-CTR-POD-HOSTPATH") | .message' \
        "$T/out" | grep -q "Pod web (/etc/containers/systemd/web.yaml): hostPath volume ext mounts /etc/extensions: the sysext" ||
        fail ".kube YAML pod not judged"

# The clean twin: the good definitions alone give no container alert.
rm -f "${R:?}/etc/containers/systemd/bad.container" "${R:?}/home/alice/.config/containers/systemd/sock.container" \
      "${R:?}/root/.config/containers/systemd/plain.container"
sed -i -e '/capabilities: {add/d' -e 's/allowPrivilegeEscalation: false,$/allowPrivilegeEscalation: false}/' \
       -e '/^  volumes:/,$d' "$R/etc/containers/systemd/web.yaml"
run 1 "$DW" posture --root "$R" --format json
[ -z "$(jq -r 'select(.rule.id | startswith("DW-CTR")) | select(.event.kind == "alert") | .rule.id' "$T/out")" ] ||
        fail "the clean twin gave container alerts"

# Hostile files: garbage, a symlink out of the root, too big, a YAML alias:
# one DW-POS-CONFIG-INVALID each, never read through, no crash.
printf 'a: &x [1]\nb: *x\n' >"$R/etc/containers/systemd/web.yaml"
head -c 4096 /dev/urandom >"$R/etc/containers/systemd/garbage.container"
ln -s /etc/passwd "$R/etc/containers/systemd/link.container"
head -c $((2 << 20)) /dev/zero | tr '\0' 'x' >"$R/etc/containers/systemd/big.container"
run 1 "$DW" posture --root "$R" --format json
[ "$(jq -r 'select(.rule.id == "DW-POS-CONFIG-INVALID") | .file.path' "$T/out" | grep -c '/etc/containers/systemd/')" = 4 ] ||
        { jq -c 'select(.rule.id == "DW-POS-CONFIG-INVALID")' "$T/out"; fail "hostile quadlet files not reported"; }
echo PASS
