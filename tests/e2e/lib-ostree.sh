# Helpers for tests that need a real ostree sysroot, made with the ostree CLI.
# Source after lib.sh.

# Building sysroots (and chattr'ing their deployments) happens only with the
# host's /etc, /usr and /var read-only; see DW_SANDBOX in lib.sh.
[ "${DW_SANDBOXED:-}" = 1 ] || fail "a test that builds sysroots must source lib.sh with DW_SANDBOX=host-readonly"

# A missing tool skips the test, and fails it under CI.
for tool in "ostree:ostree CLI" "setfattr:setfattr (package attr)"; do
        command -v "${tool%%:*}" >/dev/null && continue
        [ "${CI:-}" != true ] || fail "${tool#*:} is not installed (required under CI)"
        skip "${tool#*:} is not installed"
done

# make_os_tree DIR VERSION: an OS tree ostree admin can deploy: /usr with
# os-release, a kernel under usr/lib/modules, binaries, and the image's /etc
# defaults in /usr/etc.
make_os_tree() {
        local d=$1 v=$2
        mkdir -p "$d"/usr/bin "$d"/usr/lib/modules/6.1.0 "$d"/usr/etc/sudoers.d "$d"/usr/etc/ssh/sshd_config.d \
                "$d"/usr/etc/systemd/system "$d"/usr/etc/containers "$d"/usr/share/doc
        printf 'ID=testos\nVERSION_ID=%s\n' "$v" >"$d/usr/lib/os-release"
        printf 'kernel\n' >"$d/usr/lib/modules/6.1.0/vmlinuz"
        printf 'initramfs\n' >"$d/usr/lib/modules/6.1.0/initramfs.img"
        printf '#!/bin/sh\necho tool %s\n' "$v" >"$d/usr/bin/tool"
        chmod 755 "$d/usr/bin/tool"
        printf 'helper\n' >"$d/usr/bin/helper"
        ln -sf tool "$d/usr/bin/tool-alias"
        printf 'data\n' >"$d/usr/share/doc/data"
        setfattr -n user.origin -v image "$d/usr/share/doc/data"
        printf 'readme %s\n' "$v" >"$d/usr/share/doc/readme"
        printf 'Defaults env_reset\n' >"$d/usr/etc/sudoers"
        chmod 440 "$d/usr/etc/sudoers"
        printf 'PermitRootLogin no\n' >"$d/usr/etc/ssh/sshd_config"
        printf '{"default":[{"type":"reject"}]}\n' >"$d/usr/etc/containers/policy.json"
        printf 'server ntp.example.com\n' >"$d/usr/etc/chrony.conf"
        printf 'version %s\n' "$v" >"$d/usr/etc/image-version.conf"
        printf 'keep\n' >"$d/usr/etc/keep.conf"
}

# make_sysroot SYSROOT: an initialized sysroot with os "testos" and its repo.
make_sysroot() {
        mkdir -p "$1"
        ostree admin init-fs "$1" >/dev/null
        ostree admin os-init --sysroot="$1" testos >/dev/null
}

# commit_tree SYSROOT TREE VERSION: commits TREE on testos/stable, prints the checksum.
commit_tree() {
        ostree --repo="$1/ostree/repo" commit -b testos/stable --add-metadata-string=version="$3" \
                --tree=dir="$2" >/dev/null
        ostree --repo="$1/ostree/repo" rev-parse testos/stable
}

# deploy SYSROOT: deploys testos/stable (the previous default becomes rollback).
deploy() {
        ostree admin deploy --sysroot="$1" --os=testos testos/stable >/dev/null 2>&1 ||
                ostree admin deploy --sysroot="$1" --os=testos testos/stable
}

# deployment_dir SYSROOT INDEX: the directory of the INDEX-th deployment (0 = default).
deployment_dir() {
        local mark os name rest i=0
        # Read in the shell: the tests call this for every case, and a process costs.
        while read -r mark os name rest; do
                [ "$mark" = "*" ] || { rest=$name name=$os os=$mark; }
                [ "$os" = testos ] || continue
                if [ "$i" -eq "$2" ]; then
                        echo "$1/ostree/deploy/testos/deploy/$name"
                        return
                fi
                i=$((i + 1))
        done < <(ostree admin status --sysroot="$1")
        fail "no deployment $2 in $1"
}

# one_deployment SYSROOT DIR VERSION: an OS tree at DIR (make_os_tree), committed
# into a new SYSROOT and deployed; DEP is its deployment directory.
one_deployment() {
        make_os_tree "$2" "$3"
        make_sysroot "$1"
        commit_tree "$1" "$2" "$3" >/dev/null
        deploy "$1"
        DEP=$(deployment_dir "$1" 0)
}
