# Sourced (after lib.sh, in its host-readonly sandbox) by the tests that run
# driftwatch as the live host of a small root of their own: chrooted into a
# tree under $T, "/" is that tree, so what driftwatch does only for "/" (the
# inventory's merged state, the booted ostree deployment) runs on a root a
# test can merge extensions into and scan in well under a second, where the
# real / holds gigabytes. Nothing is copied but the ELF interpreter: the
# host's /usr is bind-mounted read-only at /host-usr, the build directory
# at /dwbin, and LD_LIBRARY_PATH points into /host-usr.
#   chroot_skel DIR     the mount points and interpreter in DIR (before an
#                       ostree commit of DIR: a deployment is immutable)
#   chroot_mount DIR    the mounts, in a mount namespace of the caller's own
#                       (unshare -m): they must be gone before lib.sh's
#                       cleanup removes $T. Before any other mount below DIR:
#                       DIR is bind-mounted on itself first
#   in_chroot DIR CMD.. CMD run chrooted into DIR (CMD from /dwbin or /host-usr)
# The last two are exported, for the script the test runs in that namespace.
[ "${DW_SANDBOXED:-}" = 1 ] || fail "a test that chroots must source lib.sh with DW_SANDBOX=host-readonly"
[ "$(id -u)" -eq 0 ] || skip "chroot needs root"
chroot_cmd=$(command -v chroot) || skip "chroot (coreutils) is not installed"
command -v ldd >/dev/null || skip "ldd (libc-bin) is not installed"

# The interpreter of the binary, and the directories of the libraries it,
# its ostree module and systemd-sysext load (dlopen'd ones lie beside them),
# each inside /usr (merged /usr: /lib is /usr/lib).
chroot_interp=$(ldd "$DW" | awk '$1 ~ /^\// && $2 ~ /^\(/ { print $1; exit }')
[ -n "$chroot_interp" ] || fail "no ELF interpreter in 'ldd $DW'"
chroot_libpath=
for chroot_bin in "$DW" "$(dirname "$DW")"/*.so $(command -v systemd-sysext || true); do
        [ -e "$chroot_bin" ] || continue
        for chroot_lib in $(ldd "$chroot_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
                chroot_dir=$(dirname "$(realpath "$chroot_lib")")
                case "$chroot_dir" in
                /usr/*) ;;
                *) skip "library '$chroot_lib' lies outside /usr: cannot reach it from the chroot" ;;
                esac
                case ":$chroot_libpath:" in
                *":/host-usr${chroot_dir#/usr}:"*) ;;
                *) chroot_libpath=${chroot_libpath:+$chroot_libpath:}/host-usr${chroot_dir#/usr} ;;
                esac
        done
done

chroot_skel() {
        local d=${1:?}
        mkdir -p "$d/host-usr" "$d/dwbin" "$d/proc" "$d/run" "$d/tmp" "$d$(dirname "$chroot_interp")"
        cp -L "$chroot_interp" "$d$chroot_interp"
}

chroot_mount() {
        local d=${1:?}
        case "$d" in "$T"/?*) ;; *) fail "chroot_mount outside the test's directory: '$d'" ;; esac
        # DIR a mount of its own first (the deployment is one on an ostree
        # host): the mount table seen inside then has the mount "/" sits on,
        # through which driftwatch reaches the base under an overlay on /usr.
        mount --bind "$d" "$d" &&
                mount --bind /usr "$d/host-usr" && mount -o remount,bind,ro "$d/host-usr" &&
                mount --bind "$(dirname "$DW")" "$d/dwbin" && mount -o remount,bind,ro "$d/dwbin" &&
                mount -t proc proc "$d/proc" && mount -t tmpfs tmpfs "$d/run" ||
                fail "cannot mount the chroot '$d' and its /host-usr, /dwbin, /proc and /run"
}

in_chroot() {
        local d=${1:?}
        shift
        # env and chroot run before the chroot, where these paths do not exist.
        env -i PATH=/dwbin:/host-usr/bin LD_LIBRARY_PATH="$chroot_libpath" "$chroot_cmd" "$d" "$@"
}

# What a script run by "unshare -m" needs of this file and of lib.sh.
export T DW chroot_libpath chroot_cmd
export -f fail chroot_mount in_chroot
