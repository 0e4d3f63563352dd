# driftwatch audit --plugin under a real auditd, with a real podman container
# (lib-podman.sh, runc, the cgroupfs manager): the container of a process from
# its /proc/PID/cgroup at event time, and the container article's rules on
# what `podman exec` runs in it:
#   a. sh started by the runtime's exec: DW-AUD-CTR-SHELL;
#   b. a copy of busybox written into /usr/bin (the upper layer) and run:
#      DW-AUD-CTR-DRIFT, resolved through the upperdir of the container's
#      root overlay in /proc/PID/mountinfo; /bin/sh, the image's, is none;
#   c. "apk add curl" (a busybox copy named apk, gone at once: its container
#      from the living shell above it): DW-AUD-CTR-PACKAGE-MANAGER naming curl;
# each with the container's name and image from the test's containers-storage;
# and the clean twin, the same sh run on the host by the test: no finding.
# Only execve is logged. Skipped unless root with auditd, podman and runc and
# no audit daemon registered. Cleanup on every exit: auditd torn down
# (lib-auditd.sh), the container and image removed (lib-podman.sh).
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-auditd.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, runs podman)"
auditd_exclusive
source "$(dirname "$0")/lib-podman.sh"
podman_setup

pm_image_busybox localhost/dw-ctr-audit:1
pm_start dw-ctr-audit localhost/dw-ctr-audit:1
id=$(pm inspect --format '{{.Id}}' dw-ctr-audit) || fail "podman inspect dw-ctr-audit failed"

# ---- auditd with driftwatch as its plugin ----

auditd_plugin "$T/auditd" --storage-root "$PM_DIR/storage"
auditd_start "$T/auditd" "$T/log/audit.log"
cat >"$T/dw.rules" <<EOT
-a always,exit -F arch=b64 -S execve,execveat -F key=dw-ctr-test
EOT
auditd_load "$T/dw.rules" >"$T/auditctl.out" 2>&1 || { cat "$T/auditctl.out"; fail "auditctl -R rejected the rules"; }

# ---- in the container, and the twin on the host ----

# The host's twin first: the plugin reads the records in order, so once the
# container's findings are there, the twin's exec was read too.
sh -c true
# Detached, and alive until the container is removed: the processes are
# there when driftwatch reads their /proc entries, however far behind a busy
# machine makes it. (apk is busybox: "applet not found", and gone at once.)
pm exec -d dw-ctr-audit sh -c 'cp /bin/busybox /usr/bin/busybox && cp /bin/busybox /usr/bin/apk &&
        { /usr/bin/busybox sleep 600 & /usr/bin/apk add curl; wait; }' >"$T/exec.out" 2>&1 ||
        fail "podman exec -d failed: $(cat "$T/exec.out")"

# finding RULE: the findings of RULE in container $id, one line each.
finding() {
        jq -r --arg r "$1" --arg id "$id" 'select(.rule.id == $r and .container.id == $id) |
                [.process.executable, (.driftwatch.audit.target // "-")] | join(" ")' "$T/seen.jsonl" 2>/dev/null
}
# Waits for the findings themselves as the plugin writes them (woken by each
# write), up to 90 s on a busy machine: the shell, the package manager and
# two drifts in the container.
seen_shell=0 seen_pm=0 seen_drift=0
container_findings_seen() {
        [[ $1 == *"\"id\":\"$id\""* ]] || return 1
        case $1 in
        *'"id":"DW-AUD-CTR-SHELL"'*) seen_shell=1 ;;
        *'"id":"DW-AUD-CTR-PACKAGE-MANAGER"'*) seen_pm=1 ;;
        *'"id":"DW-AUD-CTR-DRIFT"'*) seen_drift=$((seen_drift + 1)) ;;
        esac
        [ "$seen_shell" = 1 ] && [ "$seen_pm" = 1 ] && [ "$seen_drift" -ge 2 ]
}
follow_until "$T/plugin.jsonl" 90 container_findings_seen ||
        echo "the container findings did not all come within 90 s (shell $seen_shell, package manager $seen_pm, drift $seen_drift)" >&2
# The plugin goes on writing (the host's own events): the complete lines so far.
head -n "$(wc -l <"$T/plugin.jsonl")" "$T/plugin.jsonl" >"$T/seen.jsonl"
[ -s "$T/seen.jsonl" ] || { cat "$T/plugin.err" "$T/auditd/auditd.out"; fail "the plugin wrote no findings"; }
expect_valid_jsonl "$T/seen.jsonl"
show() { jq -c 'select(.rule.id | startswith("DW-AUD-CTR")) | [.rule.id, .process.pid, .process.executable,
        .container, .driftwatch.quality]' "$T/seen.jsonl"; }
[ "$(finding DW-AUD-CTR-SHELL)" = "/bin/busybox -" ] || { show; fail "a: no shell finding for sh in $id"; }
[ "$(jq -r 'select(.rule.id == "DW-AUD-CTR-SHELL") | [.container.name, .container.image.name] | join(" ")' \
        "$T/seen.jsonl")" = "dw-ctr-audit localhost/dw-ctr-audit:1" ] ||
        { show; fail "a: the container's name and image are not the storage's"; }
[ "$(finding DW-AUD-CTR-DRIFT | sort | tr '\n' ' ')" = "/usr/bin/apk - /usr/bin/busybox - " ] ||
        { show; fail "b: drift not reported for the binaries written into /usr/bin (and only them)"; }
[ "$(finding DW-AUD-CTR-PACKAGE-MANAGER)" = "/usr/bin/apk curl" ] ||
        { show; fail "c: no package manager finding naming curl"; }
n=$(jq -r 'select(.rule.id | startswith("DW-AUD-CTR")) | select(.container.id != $id)' --arg id "$id" \
        "$T/seen.jsonl" | wc -l)
[ "$n" -eq 0 ] || { show; fail "container findings outside the container (the host's sh)"; }
echo "PASS"
