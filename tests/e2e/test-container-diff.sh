# container diff against real podman containers, with `podman diff` as the
# oracle: an image of two layers built with podman build, a container changed
# in every way (append, rm, rm -rf of a directory and mkdir again: opaque,
# chmod, a binary copied in and run, a "package" written into
# /var/lib/dpkg/status). driftwatch's added / modified / deleted names agree
# with podman's, except, on purpose:
#   - podman's C for a directory that changed only because a child did
#     (driftwatch reports the child, not the directory);
#   - the opaque directory /opt/x: podman says "D /opt/x" and lists nothing
#     below; driftwatch compares what is there now with the image: /opt/x/b
#     deleted, /opt/x/c added, /opt/x/a (recreated, same content) modified;
#   - what podman cannot tell: /same, rewritten with the same size and its
#     old mtime (touch -r): podman lists it as C for being in the upper layer,
#     as it would any copied-up file; driftwatch says its content changed.
# A container whose upper directory vanished is one error line naming it; the
# other containers are still reported.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"
podman_setup

pm_image_busybox localhost/dw-bb:1
mkdir -p "$T/ctx"
cat >"$T/ctx/Containerfile" <<'EOF2'
FROM localhost/dw-bb:1
RUN echo hi > /hello && echo same > /same
RUN mkdir -p /opt/x && echo a > /opt/x/a && echo b > /opt/x/b
EOF2
pm_images+=(localhost/dw-app:1)
pm build --network=none -t localhost/dw-app:1 "$T/ctx" >"$T/build.log" 2>&1 || { cat "$T/build.log"; fail "podman build failed"; }
pm_run dw-c1 localhost/dw-app:1 sh -c '
echo x >> /hello; rm /etc/motd; rm -rf /opt/x; mkdir /opt/x; echo new > /opt/x/c; echo a > /opt/x/a
chmod 700 /root
touch -r /same /tmp/ref; echo SAME > /same; touch -r /tmp/ref /same; rm /tmp/ref
cp /bin/busybox /usr/bin/mytool; /usr/bin/mytool true
mkdir -p /var/lib/dpkg; printf "Package: evil\nStatus: install ok installed\n\n" > /var/lib/dpkg/status'
pm_run dw-c2 localhost/dw-app:1 sh -c 'echo y > /y'
pm diff --format json dw-c1 >"$T/podman.json" || fail "podman diff failed"

run 1 "$DW" container diff --storage-root "$PM_DIR/storage" --format json dw-c1
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
mine=$(jq -r 'select(.event.action != "container-package-install") |
        (if .event.type[0] == "creation" then "A" elif .event.type[0] == "deletion" then "D" else "C" end)
        + " " + .file.path' "$T/out" | LC_ALL=C sort)
theirs=$(jq -r '(.added // [] | map("A " + .)), (.changed // [] | map("C " + .)), (.deleted // [] | map("D " + .))
        | .[]' "$T/podman.json" | LC_ALL=C sort)
# podman's list, less its directories changed only below (and the opaque /opt/x),
# plus what it cannot tell.
want=$({ printf '%s\n' "$theirs" | grep -vxE 'C /(etc|opt|tmp|usr|usr/bin|var|root)|D /opt/x|C /opt/x/a'
        printf '%s\n' 'C /root' 'C /opt/x/a' 'D /opt/x/b' 'A /opt/x/c' 'C /same'; } | LC_ALL=C sort)
want=$(printf '%s\n' "$want" | LC_ALL=C sort -u)
[ "$mine" = "$want" ] || { diff -u <(echo "$want") <(echo "$mine"); fail "driftwatch and podman diff disagree"; }
# podman lists /same because it is in the upper layer, as it would a file
# only opened for writing: it cannot tell that the content changed.
X=$(jq -r 'select(.file.path == "/same") | .driftwatch.changed | join(",")' "$T/out")
[ "$X" = content ] || fail "the same-size same-mtime change of /same: '$X'"

X=$(jq -r 'select(.file.path == "/usr/bin/mytool") | .rule.id' "$T/out")
[ "$X" = DW-CTR-NEW-EXECUTABLE ] || fail "the binary copied in is not a new executable: '$X'"
X=$(jq -r 'select(.event.action == "container-package-install") | .message' "$T/out")
case $X in *dpkg*evil*) ;; *) fail "the dpkg install is not named: '$X'";; esac
X=$(jq -r 'select(.file.path == "/hello") | [.container.name, .container.runtime, .container.image.name,
        .container.image.tag[0], (.driftwatch.changed | join(","))] | join(" ")' "$T/out")
[ "$X" = "dw-c1 podman localhost/dw-app 1 size,mtime,content" ] || fail "/hello: '$X'"
X=$(jq -r 'select(.file.path == "/hello") | .driftwatch.container.layer' "$T/out")
[ -d "$PM_DIR/storage/overlay/$X/diff" ] || fail "/hello's layer '$X' is not a layer of the storage"

# The files podman injects appear with --all only.
run 1 "$DW" container diff --storage-root "$PM_DIR/storage" --format json --all dw-c1
drop_summary "$T/out"
grep -q '"/etc/hosts"\|"/run/.containerenv"\|"/etc/hostname"' "$T/out" || fail "--all does not show the injected files"

# A container whose upper directory vanished: one error line naming it, the other still reported.
up=$(jq -r '.[] | select(.names[0] == "dw-c2") | .layer' "$PM_DIR/storage/overlay-containers/containers.json")
[ -n "$up" ] && rm -rf "${PM_DIR:?}/storage/overlay/${up:?}/diff"
run 2 "$DW" container diff --storage-root "$PM_DIR/storage" --format json
drop_summary "$T/out"
expect_one_error_line "dw-c2"
grep -q '"/hello"' "$T/out" || fail "dw-c1 was not reported beside the broken dw-c2"
exit 0
