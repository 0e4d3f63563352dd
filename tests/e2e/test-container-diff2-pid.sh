# container diff --pid: the container a live process runs in, from the
# overlay mount at its root in /proc/PID/mountinfo, whatever the runtime. A
# real podman container changed with podman exec: the --pid findings agree
# with the storage path's for the same container (paths, actions, changes,
# layers), and name the container by the id its cgroup (libpod-<id>) gives;
# a hand-made overlay root with escaped directory names, named "pid PID";
# relative lowerdirs (l/SHORT, mounted from the layer store root) resolved there.
# Bad input: a process whose root is no overlay, a process that is gone, one
# that exited and was not reaped (a zombie has no mounts), a pid that is not
# one, a process chrooted into a subdirectory of an overlay.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"
podman_setup

pm_image_busybox localhost/dw-pid:1
pm_start dw-p1 localhost/dw-pid:1
pm exec dw-p1 sh -c 'echo drift >> /etc/motd; rm /etc/passwd; mkdir -p /opt/n; echo x > /opt/n/f
cp /bin/busybox /usr/bin/tool; chmod 4755 /root' || fail "podman exec failed"
pid=$(pm inspect -f '{{.State.Pid}}' dw-p1) && [ "$pid" -gt 0 ] || fail "no pid for dw-p1: '$pid'"
cid=$(pm inspect -f '{{.Id}}' dw-p1)

shape='[.event.action, .file.path, (.driftwatch.changed // [] | join(",")), .driftwatch.container.layer] | join(" ")'
run 1 "$DW" container diff --storage-root "$PM_DIR/storage" --format json dw-p1
drop_summary "$T/out"
jq -r "$shape" "$T/out" | LC_ALL=C sort >"$T/storage.txt"
run 1 "$DW" container diff --pid "$pid" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
jq -r "$shape" "$T/out" | LC_ALL=C sort >"$T/pid.txt"
[ -s "$T/pid.txt" ] || fail "--pid reported nothing"
diff -u "$T/storage.txt" "$T/pid.txt" || fail "--pid and the storage path disagree"
grep -q '^container-new-executable /usr/bin/tool ' "$T/pid.txt" || fail "--pid misses the new executable"
X=$(jq -r '[.container.id, .container.runtime] | join(" ")' "$T/out" | sort -u)
[ "$X" = "$cid podman" ] || fail "--pid names the container '$X', not '$cid podman'"
# The mount points the runtime injects stay hidden, as with the storage path.
grep -q '"/etc/hosts"' "$T/out" && fail "--pid shows the injected /etc/hosts"

# Any overlay root, no runtime at all: directories whose names the kernel
# escapes (a space, a colon overlayfs needs escaped), the container named
# "pid PID" and no runtime, since no container scope holds the process.
O=$T/ov
mkdir -p "$O/lo w/bin" "$O/l:2" "$O/u p" "$O/w" "$O/m"
cp /usr/bin/busybox "$O/lo w/bin/busybox"
printf 'a\n' >"$O/lo w/f"; printf 'b\n' >"$O/l:2/g"
mount -t overlay dw-test -o "lowerdir=$O/lo w:$O/l\\:2,upperdir=$O/u p,workdir=$O/w" "$O/m" || fail "cannot mount an overlay"
printf 'x\n' >>"$O/m/f"; rm "$O/m/g"
# in_root DIR: a process whose root is DIR (killed at exit), its pid in $rootpid.
in_root() {
        unshare -m --root="$1" /bin/busybox sleep 30 & rootpid=$!
        reap_on_death "$rootpid"
        cleanup_hooks=("kill $rootpid" "${cleanup_hooks[@]}")
        for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat /proc/$rootpid/comm 2>/dev/null)" = busybox ] && break; sleep 0.1; done
}
in_root "$O/m"; ovpid=$rootpid
run 1 "$DW" container diff --pid "$ovpid" --format json
drop_summary "$T/out"
X=$(jq -r '[.event.action, .file.path, .container.name, .container.runtime // "-", .driftwatch.container.layer] | join(" ")' "$T/out" | LC_ALL=C sort)
[ "$X" = "$(printf '%s\n' "container-drift-deleted /g pid $ovpid - $O/l:2" "container-drift-modified /f pid $ovpid - $O/lo w")" ] ||
        fail "an overlay root without a runtime: '$X'"

# Relative lowerdirs, as containers-storage and Docker's overlay2 mount when
# the options would not fit a page: from the layer store root, "l/SHORT"
# links to ../ID/diff, upperdir ROOT/ID/diff and workdir ROOT/ID/work
# absolute. The kernel shows the lowerdirs as given; they are resolved in
# that root (not in the process's cwd), the layers named by the links' ids.
R=$T/store IDB=$(printf '%064x' 11) IDM=$(printf '%064x' 12)
mkdir -p "$R"/{l,$IDB/diff/bin,$IDM/diff,c1/diff,c1/work,c1/merged}
cp /usr/bin/busybox "$R/$IDB/diff/bin/busybox"
printf 'a\n' >"$R/$IDB/diff/f"; printf 'm\n' >"$R/$IDM/diff/g"
ln -s "../$IDB/diff" "$R/l/BASE"; ln -s "../$IDM/diff" "$R/l/MID"
(cd "$R" && mount -t overlay dw-rel -o "lowerdir=l/MID:l/BASE,upperdir=$R/c1/diff,workdir=$R/c1/work" "$R/c1/merged") ||
        fail "cannot mount an overlay with relative lowerdirs"
grep -q "lowerdir=l/MID:l/BASE" /proc/self/mountinfo || fail "the kernel does not show the relative lowerdirs as given"
printf 'x\n' >>"$R/c1/merged/f"; rm "$R/c1/merged/g"
in_root "$R/c1/merged"; relpid=$rootpid
run 1 "$DW" container diff --pid "$relpid" --format json
drop_summary "$T/out"
X=$(jq -r '[.event.action, .file.path, .driftwatch.container.layer] | join(" ")' "$T/out" | LC_ALL=C sort)
[ "$X" = "$(printf '%s\n' "container-drift-deleted /g $IDM" "container-drift-modified /f $IDB")" ] ||
        fail "relative lowerdirs: '$X'"
# Relative lowerdirs of a mount of another shape: its mounter's cwd is known nowhere.
mkdir -p "$R/other/up" "$R/other/wk" "$R/other/m"
(cd "$R" && mount -t overlay dw-rel2 -o "lowerdir=l/BASE,upperdir=$R/other/up,workdir=$R/other/wk" "$R/other/m") ||
        fail "cannot mount the second overlay"
in_root "$R/other/m"; relpid2=$rootpid
run 2 "$DW" container diff --pid "$relpid2"
expect_one_error_line "lowerdir 'l/BASE' is relative to a directory this process cannot know"

# Bad input: one line naming the process, exit 2.
run 2 "$DW" container diff --pid $$
expect_one_error_line "the root of process $$ is not an overlay mount"
sh -c 'exit 0' & gone=$!; wait "$gone"
run 2 "$DW" container diff --pid "$gone"
expect_one_error_line "no process $gone"
python3 -c 'import os, sys, time
p = os.fork()
if p == 0:
    os._exit(0)
open(sys.argv[1], "w").write("%d\n" % p)
time.sleep(30)' "$T/zombie" & parent=$!
reap_on_death "$parent"
cleanup_hooks+=("kill $parent")
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/zombie" ] && break; sleep 0.1; done
zombie=$(cat "$T/zombie" 2>/dev/null)
[ -n "$zombie" ] || fail "no zombie"
run 2 "$DW" container diff --pid "$zombie"
expect_one_error_line "process $zombie has exited"
mkdir -p "$O/m/sub/bin" && cp /usr/bin/busybox "$O/m/sub/bin/busybox"
unshare -m --root="$O/m/sub" /bin/busybox sleep 30 & subpid=$!
reap_on_death "$subpid"
cleanup_hooks=("kill $subpid" "${cleanup_hooks[@]}")
for _ in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat /proc/$subpid/comm 2>/dev/null)" = busybox ] && break; sleep 0.1; done
run 2 "$DW" container diff --pid "$subpid"
# The kernel lists the overlay with root /sub, or (when the chroot cannot
# reach the mount's top) nothing: refused either way, not taken for gone.
expect_one_error_line "root of process $subpid"
grep -q "exited" "$T/err" && fail "a live chrooted process was taken for gone: $(cat "$T/err")"
run 2 "$DW" container diff --pid 0
expect_one_error_line "pid"
run 2 "$DW" container diff --pid 12x
expect_one_error_line "--pid takes a number"
run 2 "$DW" container diff --pid "$pid" dw-p1
expect_one_error_line "--pid"
exit 0
