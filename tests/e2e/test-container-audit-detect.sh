# Audit analytics inside containers on logs written record by record
# (tests/e2e/audit-gen.sh): a podman container (conmon -> sh -> apk, and a
# shell exec'd into it through runc exec on a terminal), a Kubernetes pod's
# containerd shim (bash -> pip3), a conmon whose exec was not logged
# (container id unknown), and the clean twin: the same shell and apk in an
# ssh session on the host, which is no container finding. Writes inside the
# containers in and outside the paths where containers write. A real podman
# log captured by test-container-audit-live.sh. A container write to a host
# surface path is the container finding alone, with the surface's technique.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"

command -v jq >/dev/null || skip "jq is not installed"

ID=4b1ea4b3b7a6c0b0a6f7a9b7f06b3c2b1d6e8f9a0b1c2d3e4f5a6b7c8d9e0f1a
ID2=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
log=$T/audit.log
{
        # podman: conmon (-c ID, -n NAME), the entrypoint sh (no finding: how
        # the image runs), apk under it writing /usr/bin and /tmp.
        gen_exec 200 1 $UNSET $UNSET "(none)" /usr/bin/conmon conmon /usr/bin/conmon --api-version 1 -c $ID \
                -u $ID -r /usr/sbin/runc -b /var/lib/containers/storage/overlay-containers/$ID/userdata \
                -p /run/containers/storage/overlay-containers/$ID/userdata/pidfile -n web --exit-dir /run/libpod/exits \
                --exit-command /usr/bin/podman --exit-command-arg container --exit-command-arg cleanup
        gen_exec 300 200 $UNSET $UNSET "(none)" /bin/busybox sh /bin/sh -c "apk add curl"
        gen_exec 301 300 $UNSET $UNSET "(none)" /sbin/apk apk apk add --no-cache curl jq
        gen_write 301 300 $UNSET $UNSET /sbin/apk apk /usr/bin/curl
        gen_write 301 300 $UNSET $UNSET /sbin/apk apk /usr/bin/jq
        gen_write 301 300 $UNSET $UNSET /sbin/apk apk /tmp/apk.lock
        gen_write 301 300 $UNSET $UNSET /sbin/apk apk /var/log/apk.log
        gen_write 301 300 $UNSET $UNSET /sbin/apk apk /run/apk.pid
        # The runtime and conmon's exit command are not container processes.
        gen_exec 250 200 $UNSET $UNSET "(none)" /usr/sbin/runc runc /usr/sbin/runc --root /run/runc create \
                --bundle /b --pid-file /p $ID
        gen_write 250 200 $UNSET $UNSET /usr/sbin/runc runc /var/lib/containers/x/state.json
        gen_exec 260 200 $UNSET $UNSET "(none)" /usr/bin/podman podman /usr/bin/podman container cleanup $ID
        gen_write 260 200 $UNSET $UNSET /usr/bin/podman podman /var/lib/containers/storage/x.lock
        # podman exec -it web sh: runc exec starts it, on a terminal.
        gen_exec 400 200 $UNSET $UNSET "(none)" /usr/sbin/runc runc /usr/sbin/runc --root /run/runc exec \
                --detach --pid-file /run/x.pid --process /run/p.json $ID
        gen_exec 401 400 1000 7 pts0 /bin/busybox sh sh
        gen_write 401 400 1000 7 /bin/busybox sh /etc/passwd yes NORMAL
        # A Kubernetes pod: containerd-shim-runc-v2 -id ID2, bash entrypoint,
        # a shell it starts, pip3 (python3 running /usr/local/bin/pip3).
        gen_exec 500 1 $UNSET $UNSET "(none)" /usr/bin/containerd-shim-runc-v2 containerd-shim \
                /usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id $ID2 -address /run/containerd/containerd.sock
        gen_exec 501 500 $UNSET $UNSET "(none)" /bin/bash bash /bin/bash /entrypoint.sh
        gen_exec 502 501 $UNSET $UNSET "(none)" /bin/bash bash bash -c "pip3 install requests"
        gen_exec 503 502 $UNSET $UNSET "(none)" /usr/bin/python3.11 pip3 /usr/bin/python3 /usr/local/bin/pip3 \
                install requests
        gen_write 503 502 $UNSET $UNSET /usr/bin/python3.11 pip3 /usr/lib/python3/site-packages/requests/api.py
        # apt runs dpkg, dpkg runs a maintainer script: one finding, apt's.
        gen_exec 510 501 $UNSET $UNSET "(none)" /usr/bin/apt-get apt-get apt-get -y install nginx
        gen_exec 511 510 $UNSET $UNSET "(none)" /usr/bin/dpkg dpkg /usr/bin/dpkg --status-fd 23 --configure nginx
        gen_exec 512 511 $UNSET $UNSET "(none)" /bin/dash sh /bin/sh /var/lib/dpkg/info/nginx.postinst configure
        # A conmon known from a SYSCALL record alone (its exec not logged).
        gen_write 700 1 $UNSET $UNSET /usr/bin/conmon conmon /run/x/ctl
        gen_exec 701 700 $UNSET $UNSET pts2 /bin/sh sh sh
        # The clean twin: the same shell and apk in an ssh session on the host.
        gen_exec 600 1 $UNSET $UNSET "(none)" /usr/sbin/sshd sshd /usr/sbin/sshd -D
        gen_exec 601 600 1000 9 pts1 /bin/bash bash -bash
        gen_exec 602 601 1000 9 pts1 /sbin/apk apk apk add curl
        gen_write 602 601 1000 9 /sbin/apk apk /usr/bin/curl
        gen_exec 603 601 1000 9 pts1 /bin/busybox sh sh
        gen_write 603 601 1000 9 /bin/busybox sh /var/lib/x/data
} >"$log"

run 1 "$DW" audit --format json --show-suppressed "$log"
expect_valid_jsonl "$T/out"
# One line per container finding: rule pid container-id name runtime target
# file.path suppressed-by quality.
got=$(jq -r 'select(.rule.id | startswith("DW-AUD-CTR-")) |
        [.rule.id, .process.pid, (.container.id // "-")[0:12], (.container.name // "-"), (.container.runtime // "-"),
         (.driftwatch.audit.target // "-"), (.file.path // "-"), (.driftwatch.container.path // "-"),
         (.driftwatch.suppressed.by // "-"), (.driftwatch.quality | map(select(. != "ancestry-inferred")) | join(",") |
         if . == "" then "-" else . end)] | join(" ")' "$T/out" | LC_ALL=C sort)
want=$(LC_ALL=C sort <<EOF
DW-AUD-CTR-PACKAGE-MANAGER 301 4b1ea4b3b7a6 web - curl jq - - - -
DW-AUD-CTR-WRITE 301 4b1ea4b3b7a6 web - - /usr/bin/curl /usr/bin/curl - -
DW-AUD-CTR-WRITE 301 4b1ea4b3b7a6 web - - /usr/bin/jq /usr/bin/jq joined -
DW-AUD-CTR-SHELL 401 4b1ea4b3b7a6 web - - - - - -
DW-AUD-CTR-WRITE 401 4b1ea4b3b7a6 web - - /etc/passwd /etc/passwd - -
DW-AUD-CTR-SHELL 502 0123456789ab - containerd - - - - -
DW-AUD-CTR-PACKAGE-MANAGER 503 0123456789ab - containerd requests - - - -
DW-AUD-CTR-WRITE 503 0123456789ab - containerd - /usr/lib/python3/site-packages/requests/api.py /usr/lib/python3/site-packages/requests/api.py - -
DW-AUD-CTR-PACKAGE-MANAGER 510 0123456789ab - containerd nginx - - - -
DW-AUD-CTR-PACKAGE-MANAGER 511 0123456789ab - containerd - - - ancestry -
DW-AUD-CTR-SHELL 701 - - - - - - - container-unresolved
EOF
)
diff -u <(echo "$want") <(echo "$got") || fail "container findings differ (- expected, + got)"

# Severities (high 73, medium 47), the interactive shell's terminal, messages
# naming the container, no finding for the host's twin, no drift offline.
jq -s -e '
        ([.[] | select(.rule.id == "DW-AUD-CTR-SHELL" or .rule.id == "DW-AUD-CTR-PACKAGE-MANAGER") |
                select(.event.kind == "alert") | .event.severity] | unique) == [73] and
        ([.[] | select(.rule.id == "DW-AUD-CTR-WRITE" and .event.kind == "alert") | .event.severity] | unique) == [47] and
        ([.[] | select(.rule.id == "DW-AUD-CTR-SHELL" and .process.pid == 401)][0].message ==
                "interactive shell sh (pts0) started in web (4b1ea4b3b7a6)") and
        ([.[] | select(.rule.id == "DW-AUD-CTR-SHELL" and .process.pid == 701)][0].message ==
                "interactive shell sh (pts2) started in a container whose id was not logged") and
        ([.[] | select(.rule.id == "DW-AUD-CTR-PACKAGE-MANAGER" and .process.pid == 301)][0].message ==
                "package manager apk run (curl jq) in web (4b1ea4b3b7a6)") and
        ([.[] | select(.rule.id == "DW-AUD-CTR-WRITE")] | map(.event.kind) | unique) == ["alert", "event"] and
        ([.[] | select(.rule.id | startswith("DW-AUD-CTR-")) | select(.process.pid >= 600 and .process.pid < 700)]
                | length == 0) and
        ([.[] | select(.rule.id == "DW-AUD-CTR-DRIFT")] | length == 0)' "$T/out" >/dev/null ||
        fail "container findings: messages, the clean twin or offline drift not as expected"

# A write in a container to a path that is a host surface (/etc/passwd, the
# accounts surface) is that container's file: one finding, DW-AUD-CTR-WRITE,
# naming the surface and carrying its technique beside its own; never the
# host rule as well. The same write on the host is the host rule alone.
X=$(jq -r 'select(.file.path == "/etc/passwd") | [.process.pid, .rule.id, (.driftwatch.surface // "-"),
        (.threat.technique.id | join(","))] | join(" ")' "$T/out")
[ "$X" = "401 DW-AUD-CTR-WRITE accounts T1565.001,T1105,T1136.001,T1098" ] ||
        fail "the container write to /etc/passwd: one DW-AUD-CTR-WRITE with the surface's techniques, got: $X"
gen_write 801 1 1000 9 /usr/sbin/useradd useradd /etc/passwd >"$T/host.log"
run 1 "$DW" audit --format json --show-suppressed "$T/host.log"
drop_summary "$T/out"
[ "$(jq -r '[.rule.id, .driftwatch.surface] | join(" ")' "$T/out")" = "DW-AUD-ACCOUNTS accounts" ] ||
        fail "the host's write to /etc/passwd: $(cat "$T/out")"

# The text view names the container on the finding's line (its message), and
# with -v on a line of its own.
run 1 "$DW" audit "$log"
grep -q '^high     process-started -  DW-AUD-CTR-SHELL  interactive shell sh (pts0) started in web (4b1ea4b3b7a6)$' "$T/out" ||
        { cat "$T/out"; fail "text: no container on the line"; }
run 1 "$DW" audit -v "$log"
grep -q '^         container web (4b1ea4b3b7a6)$' "$T/out" || fail "text: no container line"

# With containers-storage (--storage-root): the name and image of the podman
# container, and drift: an exec of a file of its upper layer (curl, written by
# apk) is DW-AUD-CTR-DRIFT; the image's busybox and a metacopy upper file (a
# chmod of an image file: its data is the image's) are not. The containerd
# pod's container is not in it: id only.
S=$T/storage
L1=$(printf '%064x' 1) U=$(printf '%064x' 2) IMG=$(printf '%064x' 3)
mkdir -p "$S"/{overlay-layers,overlay-images,overlay-containers,overlay/l} "$S/overlay/$L1/diff/bin" \
        "$S/overlay/$U/diff/usr/bin"
ln -s "../$L1/diff" "$S/overlay/l/AAAA"
printf 'l/AAAA' >"$S/overlay/$U/lower"
printf '[{"id":"%s"},{"id":"%s","parent":"%s"}]' "$L1" "$U" "$L1" >"$S/overlay-layers/layers.json"
printf '[{"id":"%s","names":["localhost/web:1"],"layer":"%s"}]' "$IMG" "$L1" >"$S/overlay-images/images.json"
printf '[{"id":"%s","names":["web-from-storage"],"image":"%s","layer":"%s"}]' "$ID" "$IMG" "$U" \
        >"$S/overlay-containers/containers.json"
printf 'busybox\n' >"$S/overlay/$L1/diff/bin/busybox"
printf 'curl\n' >"$S/overlay/$U/diff/usr/bin/curl"
printf 'meta\n' >"$S/overlay/$U/diff/usr/bin/meta"
setfattr -n trusted.overlay.metacopy -v 0x00 "$S/overlay/$U/diff/usr/bin/meta" 2>/dev/null ||
        setfattr -n user.overlay.metacopy -v 0x00 "$S/overlay/$U/diff/usr/bin/meta" ||
        fail "cannot set the metacopy xattr"
{
        cat "$log"
        gen_exec 402 401 1000 7 pts0 /usr/bin/curl curl curl -o /tmp/x http://example.com/
        gen_exec 403 401 1000 7 pts0 /bin/busybox ls ls /
        gen_exec 404 401 1000 7 pts0 /usr/bin/meta meta meta
        gen_exec 504 502 $UNSET $UNSET "(none)" /usr/bin/curl curl curl http://example.com/
} >"$T/storage.log"
run 1 "$DW" audit --format json --storage-root "$S" "$T/storage.log"
got=$(jq -r 'select(.rule.id | startswith("DW-AUD-CTR-")) | select(.process.pid >= 401 and .process.pid < 600) |
        [.rule.id, .process.pid, (.container.name // "-"), (.container.image.name // "-"), (.file.path // "-")] |
        join(" ")' "$T/out" | LC_ALL=C sort)
want=$(LC_ALL=C sort <<EOF
DW-AUD-CTR-SHELL 401 web-from-storage localhost/web:1 -
DW-AUD-CTR-WRITE 401 web-from-storage localhost/web:1 /etc/passwd
DW-AUD-CTR-DRIFT 402 web-from-storage localhost/web:1 /usr/bin/curl
DW-AUD-CTR-SHELL 502 - - -
DW-AUD-CTR-PACKAGE-MANAGER 503 - - -
DW-AUD-CTR-WRITE 503 - - /usr/lib/python3/site-packages/requests/api.py
DW-AUD-CTR-PACKAGE-MANAGER 510 - - -
EOF
)
diff -u <(echo "$want") <(echo "$got") || fail "with --storage-root: findings differ (- expected, + got)"
# A storage that cannot be read: one line naming it, exit 2.
run 2 "$DW" audit --storage-root "$T/nothing" "$T/storage.log"
expect_one_error_line "$T/nothing"

# A real log (tests/data/audit/container-podman-exec.log, captured by
# test-container-audit-live.sh): offline, the shell podman exec started and
# the apk it ran are placed in the container through runc exec's id; nothing
# of the test's host commands is; drift needs the storage, not given here.
cid=$(grep -o 'a0="/usr/bin/conmon".* a4="[0-9a-f]\{64\}"' "$(dirname "$0")/../data/audit/container-podman-exec.log" |
        head -n1 | sed 's/.*a4="\([0-9a-f]*\)"/\1/')
[ ${#cid} -eq 64 ] || fail "no conmon -c ID in the captured log"
run 1 "$DW" audit --format json "$(dirname "$0")/../data/audit/container-podman-exec.log"
got=$(jq -r 'select(.rule.id | startswith("DW-AUD-CTR-")) | [.rule.id, .process.executable, .container.id,
        (.driftwatch.audit.target // "-")] | join(" ")' "$T/out")
want="DW-AUD-CTR-SHELL /bin/busybox $cid -
DW-AUD-CTR-PACKAGE-MANAGER /usr/bin/apk $cid curl"
[ "$got" = "$want" ] || fail "the captured podman log: got '$got', expected '$want'"

# The allowlist applies; a layer can turn a rule off.
cat >"$T/layer.yaml" <<EOF
rules:
  - id: DW-AUD-CTR-WRITE
    disabled: true
audit:
  allow:
    - id: pip-in-pods
      comm: [pip3]
      rules: [DW-AUD-CTR-PACKAGE-MANAGER]
      reason: the test's pod installs its requirements
EOF
run 1 "$DW" audit --format json --show-suppressed --rules "$T/layer.yaml" "$log"
jq -s -e '([.[] | select(.rule.id == "DW-AUD-CTR-WRITE")] | length == 0) and
        ([.[] | select(.rule.id == "DW-AUD-CTR-PACKAGE-MANAGER" and .process.pid == 503)][0] |
                .driftwatch.suppressed.by == "allowlist")' "$T/out" >/dev/null ||
        fail "a layer: DW-AUD-CTR-WRITE not disabled or pip3 not allowed"
exit 0
