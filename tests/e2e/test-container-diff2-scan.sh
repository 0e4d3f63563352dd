# scan runs container diff when the scanned root holds a container engine's
# storage: a real podman container (its storage bind-mounted at
# var/lib/containers/storage of an offline root) changed with podman exec is
# reported by scan as by container diff. A storage that cannot be read is one
# DW-CTR-UNREADABLE finding naming it while the rest of the scan still runs;
# a root without any storage says nothing about containers.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"
podman_setup

R=$T/host
mkdir -p "$R"/usr/bin "$R"/boot "$R"/etc "$R"/var/lib/containers/storage
printf 'ls\n' >"$R/usr/bin/ls"
signed_policy "$R"

pm_image_busybox localhost/dw-scan:1
pm_start dw-s1 localhost/dw-scan:1
pm exec dw-s1 sh -c 'echo drift > /etc/motd; echo new > /root/added; rm /etc/passwd' || fail "podman exec failed"
mount --bind "$PM_DIR/storage" "$R/var/lib/containers/storage" || fail "cannot bind the storage into the root"

run 1 "$DW" scan --root "$R" --state-dir "$T/state" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
X=$(jq -r 'select(.event.dataset == "driftwatch.container") | [.event.action, .file.path, .container.name,
        .container.runtime] | join(" ")' "$T/out" | LC_ALL=C sort)
[ "$X" = "$(printf '%s\n' 'container-drift-added /root/added dw-s1 podman' \
        'container-drift-deleted /etc/passwd dw-s1 podman' 'container-drift-modified /etc/motd dw-s1 podman')" ] ||
        fail "scan's container findings: '$X'"
grep -q '"baseline-recorded"' "$T/out" || fail "the rest of the scan did not run"
# The same container through container diff: the same paths.
run 1 "$DW" container diff --storage-root "$R/var/lib/containers/storage" --format json dw-s1
drop_summary "$T/out"
[ "$(jq -r .file.path "$T/out" | LC_ALL=C sort)" = "$(printf '%s\n' /etc/motd /etc/passwd /root/added)" ] ||
        fail "container diff and scan disagree: $(jq -r .file.path "$T/out")"
run 1 "$DW" scan --root "$R" --state-dir "$T/state"
grep -q '^containers: 1 compared with their images (1 added, 1 modified, 1 deleted)$' "$T/out" ||
        { cat "$T/out"; fail "scan's summary does not say the containers"; }

# A storage that cannot be read: one finding naming it, the scan goes on.
R2=$T/host2
mkdir -p "$R2"/usr "$R2"/etc "$R2"/var/lib/containers/storage/overlay-containers
signed_policy "$R2"
printf 'not json' >"$R2/var/lib/containers/storage/overlay-containers/containers.json"
run 1 "$DW" scan --root "$R2" --state-dir "$T/state2" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
X=$(jq -r 'select(.event.dataset == "driftwatch.container") | [.rule.id, .file.path, .driftwatch.error] | join(" ")' "$T/out")
case $X in "DW-CTR-UNREADABLE $R2/var/lib/containers/storage cannot parse '$R2/var/lib/containers/storage/overlay-containers/containers.json'"*) ;;
        *) fail "the unreadable storage: '$X'" ;; esac
[ "$(printf '%s\n' "$X" | wc -l)" -eq 1 ] || fail "more than one finding for the unreadable storage"
grep -q '"baseline-recorded"' "$T/out" || fail "the rest of the scan did not run beside the unreadable storage"

# No storage at all (and an empty storage directory): nothing about containers.
rm -f "${R2:?}/var/lib/containers/storage/overlay-containers/containers.json"
rmdir "$R2/var/lib/containers/storage/overlay-containers"
run 0 "$DW" scan --root "$R2" --state-dir "$T/state2"
grep -q '^containers' "$T/out" && fail "an empty storage directory was reported: $(cat "$T/out")"
rmdir "$R2/var/lib/containers/storage"
run 0 "$DW" scan --root "$R2" --state-dir "$T/state2" --format json
drop_summary "$T/out"
grep -q driftwatch.container "$T/out" && fail "a root without storage has container findings"
exit 0
