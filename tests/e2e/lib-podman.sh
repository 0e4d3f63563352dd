# Real podman containers for the container tests, sourced after lib.sh with
# DW_SANDBOX=host-readonly. Everything podman, runc and skopeo write lies in
# the test's namespace: the storage (graphroot), the run state and the
# temporary files under $T/podman, and private tmpfs mounts over /run and
# /var/tmp for what runc, podman and podman build put there regardless
# (/run/runc, /run/libpod, /run/containers, build contexts). The host's /etc, /usr and /var stay read-only, so the
# host's own containers and images are never seen or touched.
#
#   podman_setup               checks the tools, writes the configuration
#   pm ARGS...                 podman with that configuration (runtime runc)
#   pm_run NAME IMAGE CMD...   a container run to completion, removed at exit
#   pm_image_busybox REF       imports a busybox-static rootfs as REF
#   sk ARGS...                 skopeo with the same storage and temporary dir
#
# podman runs with runc and explicit rlimits: crun and podman's default
# rlimits fail on these machines. Containers and images a test makes are
# removed by name at exit, even when the test fails (the tmpfs goes anyway);
# a container pm_start left running, also when the test is killed hard.

[ "${DW_SANDBOXED:-0}" = 1 ] || fail "lib-podman.sh needs DW_SANDBOX=host-readonly before lib.sh"

PM_DIR=$T/podman
pm_containers=()
pm_images=()

podman_setup() {
        local t
        for t in podman runc skopeo busybox; do
                command -v "$t" >/dev/null || skip "$t is not installed (scripts/deps.sh check)"
        done
        mkdir -p "$PM_DIR"/{storage,run,tmp,net}
        mount -t tmpfs -o mode=0755 driftwatch-test-run /run || fail "cannot mount a private /run"
        # podman build keeps big temporary files in /var/tmp whatever it is told.
        mount -t tmpfs -o mode=1777 driftwatch-test-var-tmp /var/tmp || fail "cannot mount a private /var/tmp"
        cat >"$PM_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM_DIR/storage"
runroot = "$PM_DIR/run"
EOF
        cat >"$PM_DIR/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
runtime = "runc"
tmp_dir = "$PM_DIR/tmp"
image_copy_tmp_dir = "$PM_DIR/tmp"

[network]
network_config_dir = "$PM_DIR/net"

[containers]
netns = "none"
EOF
        printf 'unqualified-search-registries = []\n' >"$PM_DIR/registries.conf"
        export CONTAINERS_STORAGE_CONF=$PM_DIR/storage.conf CONTAINERS_CONF=$PM_DIR/containers.conf \
                CONTAINERS_REGISTRIES_CONF=$PM_DIR/registries.conf TMPDIR=$PM_DIR/tmp
        cleanup_hooks=(pm_cleanup "${cleanup_hooks[@]}")
}

pm() {
        podman "$@"
}

sk() {
        skopeo --tmpdir "$PM_DIR/tmp" "$@"
}

pm_cleanup() {
        local c i
        for c in "${pm_containers[@]}"; do
                podman rm --force --time 0 "$c" >/dev/null 2>&1 || true
        done
        for i in "${pm_images[@]}"; do
                podman rmi --force "$i" >/dev/null 2>&1 || true
        done
        # conmon starts `podman container cleanup` when its container exits:
        # none of them may outlive the test, or it writes a new storage into
        # the host's /tmp once the scratch tmpfs is gone.
        for i in 1 2 3 4 5 6 7 8 9 10; do
                pgrep -f -- "$PM_DIR/" >/dev/null || return 0
                sleep 0.2
        done
        pkill -KILL -f -- "$PM_DIR/" || true
}

# pm_run NAME IMAGE CMD...: runs CMD in a new container NAME to completion
# (it stays, stopped, for the diff); stdout to $T/pm-out.
pm_run() {
        local name=$1 image=$2
        shift 2
        pm_containers+=("$name")
        pm run --name "$name" --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 "$image" "$@" >"$T/pm-out" ||
                fail "podman run $name $image $* failed"
}

# pm_start NAME IMAGE: a container left running (sleep), for pm exec and
# the live tests; removed at exit.
pm_start() {
        local name=$1 image=$2
        pm_containers+=("$name")
        pm run -d --name "$name" --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 "$image" \
                sleep 100000 >/dev/null || fail "podman run -d $name $image failed"
        # stopped even when the test is killed hard (lib.sh): conmon and the
        # container's first process (its pid namespace goes with it) by pid,
        # as podman's storage and configuration in $T may be gone by then
        reap_on_death "$(pm inspect --format '{{.State.Pid}}' "$name")"
        reap_on_death "$(pm inspect --format '{{.State.ConmonPid}}' "$name")"
}

# pm_image_busybox REF [DIR]: a busybox-static rootfs (sh, ls, cat, ... as
# symlinks, /etc/passwd, /etc/motd) imported as image REF; DIR, when given,
# is a tree whose content is copied in on top first.
pm_image_busybox() {
        local ref=$1 extra=${2:-} r=$T/pm-rootfs.$RANDOM c
        mkdir -p "$r"/{bin,etc,tmp,usr/bin,var/log,root}
        cp /usr/bin/busybox "$r/bin/busybox"
        for c in sh ls cat echo rm mkdir chmod chown cp mv ln touch sleep head sync; do
                ln -s busybox "$r/bin/$c"
        done
        printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
        printf 'welcome\n' >"$r/etc/motd"
        [ -z "$extra" ] || cp -a "$extra/." "$r/"
        tar -C "$r" -cf "$r.tar" . || fail "cannot pack the rootfs of $ref"
        pm_images+=("$ref")
        pm import --quiet "$r.tar" "$ref" >/dev/null || fail "podman import $ref failed"
        rm -rf "${r:?}" "${r:?}.tar"
}
