# The /etc merge predicted as ostree performs it, checked against ostree
# itself: for every class of local change (type conflicts that fail the
# deploy, directories, special files, removals, shadowed image updates,
# symlinks of the new image that redirect the merge) and for randomized
# batches from a seed, each case builds a real sysroot, plants the local
# changes, commits a new image, runs `driftwatch etc-diff --merge-into`, then
# `ostree admin config-diff` and a real `ostree admin deploy`, and compares
# path by path (tests/e2e/etc-merge-check.py): the listing, whether and how the
# deploy fails, and each change's fate in the new deployment's /etc.
#   DW_MERGE_SEED=N  the seed of the randomized batches (default: the date)
#   DW_MERGE_BATCHES=N  how many (default 6)
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"
for tool in python3 jq; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done
CHECK=$(cd "$(dirname "$0")" && pwd)/etc-merge-check.py
failures=0

under_t() { case "$1" in "$T"/?*) return 0 ;; *) fail "refusing path outside $T: '$1'" ;; esac; }
noop() { :; }

# deployment_except SYSROOT [DIR]: the deployment directory of SYSROOT that is
# not DIR: a case's sysroot has one before its deploy, and the new one beside
# it after (a commit of its own: another directory name). A glob, where
# deployment_dir runs `ostree admin status`: this runs twice per case.
deployment_except() {
        local d found=
        for d in "$1"/ostree/deploy/testos/deploy/*.[0-9]; do
                [ -d "$d" ] && [ "$d" != "${2:-}" ] || continue
                [ -z "$found" ] || fail "more than one deployment in $1 besides '${2:-}'"
                found=$d
        done
        [ -n "$found" ] || fail "no deployment in $1 besides '${2:-}'"
        echo "$found"
}

# run_case NAME DESCRIPTION: v1 deployed, NAME_local run in its /etc, v2
# committed with NAME_img1 (both versions) and NAME_img2 (v2 only), then the
# prediction against the real merge.
run_case() {
        local name=$1 desc=$2 C S DEP E rc img1=${BASE_IMG1:-noop} img2=noop loc=noop
        C=$(mktemp -d "$T/$name.XXXXXX")
        under_t "$C"
        CASE_DIR=$C
        S=$C/sysroot
        declare -F "${name}_img1" >/dev/null && img1=${name}_img1
        declare -F "${name}_img2" >/dev/null && img2=${name}_img2
        declare -F "${name}_local" >/dev/null && loc=${name}_local
        # The first version, deployed, is built once per kind of image and
        # copied for each case (cp -a keeps the repository's hardlinks).
        if [ ! -d "$T/base-$img1" ]; then
                make_os_tree "$T/base-$img1/v1" 1.0
                $img1 "$T/base-$img1/v1"
                make_sysroot "$T/base-$img1/sysroot"
                commit_tree "$T/base-$img1/sysroot" "$T/base-$img1/v1" 1.0 >/dev/null
                deploy "$T/base-$img1/sysroot"
        fi
        cp -a "$T/base-$img1/sysroot" "$S"
        DEP=$(deployment_except "$S")
        E=$DEP/etc
        (cd "$E" && $loc "$E")
        [ -d "$T/v2" ] || make_os_tree "$T/v2" 2.0
        cp -a "$T/v2" "$C/v2"
        $img1 "$C/v2"
        $img2 "$C/v2"
        ostree --repo="$S/ostree/repo" commit -b testos/stable --add-metadata-string=version=2.0 \
                --tree=dir="$C/v2" >/dev/null
        rc=0
        "$DW" etc-diff --sysroot "$S" --merge-into testos/stable --format json >"$C/dw.json" 2>"$C/dw.err" || rc=$?
        if [ "$rc" -gt 1 ]; then
                echo "case $name ($desc): etc-diff exited $rc: $(<"$C/dw.err")" >&2
                failures=$((failures + 1))
                return
        fi
        ostree admin config-diff --sysroot="$S" --os=testos >"$C/cfg" 2>&1 || true
        rc=0
        ostree admin deploy --sysroot="$S" --os=testos testos/stable >"$C/deploy.out" 2>"$C/deploy.err" || rc=$?
        NEW=-
        [ "$rc" != 0 ] || NEW=$(deployment_except "$S" "$DEP")/etc
        # Compared with ostree's result after the last case, all in one run of the checker.
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$desc" "$C/dw.json" "$C/cfg" "$rc" \
                "$C/deploy.err" "$E" "$NEW" >>"$T/cases.tsv"
}

# ---- cases -----------------------------------------------------------------------------
# a: local directory where the image has a file
a_local_dir() { rm chrony.conf && mkdir chrony.conf && echo inner >chrony.conf/inner; }
a1_local() { a_local_dir; }
run_case a1 "chrony.conf file -> dir with inner file; image: unchanged"
a2_local() { a_local_dir; }
a2_img2() { echo 'server v2' >"$1/usr/etc/chrony.conf"; }
run_case a2 "chrony.conf file -> dir with inner file; image: chrony.conf content changed"
a3_local() { a_local_dir; }
a3_img2() { rm "$1/usr/etc/chrony.conf" && mkdir "$1/usr/etc/chrony.conf" && echo img >"$1/usr/etc/chrony.conf/image-inner"; }
run_case a3 "chrony.conf file -> dir with inner file; image: chrony.conf file -> dir with image-inner"
a4_local() { mkdir newdir && echo f >newdir/f; }
a4_img2() { echo 'image file' >"$1/usr/etc/newdir"; }
run_case a4 "add dir newdir/ with newdir/f; image: adds newdir as a regular file"

# b: local file where the image now has a directory
b1_local() { echo local >chrony.conf; }
b1_img2() { rm "$1/usr/etc/chrony.conf" && mkdir "$1/usr/etc/chrony.conf" && echo img >"$1/usr/etc/chrony.conf/image-inner"; }
run_case b1 "chrony.conf content modified; image: chrony.conf file -> dir with child"
b2_local() { echo x >somenewdir; }
b2_img2() { mkdir "$1/usr/etc/somenewdir" && echo img >"$1/usr/etc/somenewdir/child"; }
run_case b2 "add file somenewdir; image: adds dir somenewdir/ with child"
b3_local() { echo 'x ALL=(ALL) ALL' >sudoers.d/zzz; }
b3_img2() { rmdir "$1/usr/etc/sudoers.d" && echo file >"$1/usr/etc/sudoers.d"; }
run_case b3 "add file sudoers.d/zzz inside image dir; image: sudoers.d dir -> regular file"
b4_local() { chmod 700 sudoers.d; }
b4_img2() { rmdir "$1/usr/etc/sudoers.d" && echo file >"$1/usr/etc/sudoers.d"; }
run_case b4 "chmod 700 sudoers.d (dir metadata only); image: sudoers.d dir -> regular file"
b5_local() { echo 'x' >ssh/sshd_config.d/x.conf; }
b5_img2() { rm -rf "${1:?}/usr/etc/ssh" && echo file >"$1/usr/etc/ssh"; }
run_case b5 "add ssh/sshd_config.d/x.conf (grandparent exists in image v1); image: ssh dir -> regular file"
b6_local() { echo 'x' >ssh/sshd_config; }
b6_img2() { rm -rf "${1:?}/usr/etc/ssh" && echo file >"$1/usr/etc/ssh"; }
run_case b6 "modify ssh/sshd_config; image: ssh dir -> regular file"

# c: local symlink where the image now has a directory
c1_local() { rm chrony.conf && ln -s /dev/null chrony.conf; }
c1_img2() { b1_img2 "$1"; }
run_case c1 "chrony.conf file -> symlink /dev/null; image: chrony.conf file -> dir with child"
c2_local() { ln -s target newlink; }
c2_img2() { mkdir "$1/usr/etc/newlink"; }
run_case c2 "add symlink newlink -> target; image: adds empty dir newlink/"

# d: type changes, image unchanged
d1_local() { rm keep.conf && ln -s chrony.conf keep.conf; }
run_case d1 "keep.conf file -> symlink chrony.conf; image: unchanged"
d_img1() { ln -s ../usr/share/zoneinfo/UTC "$1/usr/etc/localtime"; }
d2_img1() { d_img1 "$1"; }
d2_local() { rm localtime && echo file >localtime; }
run_case d2 "localtime symlink -> regular file; image: unchanged"
d3_local() { rm sudoers && mkdir -p sudoers/sub && echo x >sudoers/sub/f && chmod 750 sudoers; }
run_case d3 "sudoers file -> dir 750 with sub/f; image: unchanged"
d4_img1() { d_img1 "$1"; }
d4_local() { rm localtime && mkdir localtime && echo z >localtime/zone; }
run_case d4 "localtime symlink -> dir with zone; image: unchanged"

# e: special files
sock() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$1"; }
e1_local() { mkfifo fifo; }
run_case e1 "add FIFO fifo (top level); image: unchanged"
e2_local() { sock sock; }
run_case e2 "add socket sock (top level); image: unchanged"
e3_local() { mknod chr c 1 3; }
run_case e3 "add char device chr 1,3 (top level); image: unchanged"
e4_local() { mkdir newd && mkfifo newd/fifo && echo f >newd/f; }
run_case e4 "add dir newd/ with FIFO newd/fifo and newd/f; image: unchanged"
e5_local() { mkdir newd && (cd newd && sock sock) && echo f >newd/f; }
run_case e5 "add dir newd/ with socket newd/sock and newd/f; image: unchanged"
e6_local() { mkdir newd && mknod newd/chr c 1 3 && echo f >newd/f; }
run_case e6 "add dir newd/ with chardev newd/chr and newd/f; image: unchanged"
e7_local() { mkfifo sudoers.d/fifo; }
run_case e7 "add FIFO inside existing image dir sudoers.d/fifo; image: unchanged"
e8_local() { rm keep.conf && mkfifo keep.conf; }
run_case e8 "keep.conf regular file -> FIFO; image: unchanged"
e9_local() { a_local_dir && mkfifo chrony.conf/p; }
run_case e9 "chrony.conf file -> dir with inner + FIFO p; image: unchanged"

# f: directory metadata changed locally
f1_local() { chmod 700 sudoers.d; }
run_case f1 "chmod 700 sudoers.d (no file inside changed); image: unchanged"
f2_local() { chown 1000:1000 ssh/sshd_config.d && chmod 750 ssh/sshd_config.d && echo 'PermitRootLogin yes' >ssh/sshd_config.d/00-local.conf; }
run_case f2 "chown 1000:1000 + chmod 750 ssh/sshd_config.d, add a file inside; image: unchanged"
f3_local() { chmod 750 systemd && chmod 700 systemd/system && echo '[Service]' >systemd/system/x.service; }
run_case f3 "chmod 750 systemd, chmod 700 systemd/system, add systemd/system/x.service; image: unchanged"
f4_local() { setfattr -n user.local -v dir containers && echo '{}' >containers/policy.json; }
run_case f4 "setfattr user.local on containers/ (xattr only) + modify containers/policy.json; image: unchanged"
f5_local() { chown 1000:1000 sudoers.d; }
run_case f5 "chown 1000:1000 sudoers.d (no file inside changed); image: unchanged"
f6_local() { setfattr -n user.local -v dir containers; }
run_case f6 "setfattr user.local on containers/ only; image: unchanged"

# g: image changes a directory's metadata; local edits inside
g1_local() { echo 'X11Forwarding no' >ssh/sshd_config.d/10.conf; }
g1_img2() { chmod 700 "$1/usr/etc/ssh/sshd_config.d" && chown 0:4 "$1/usr/etc/ssh/sshd_config.d"; }
run_case g1 "add ssh/sshd_config.d/10.conf; image: ssh/sshd_config.d mode 755->700, group 0->4"
g2_local() { setfattr -n user.local -v l sudoers.d && echo 'x ALL=(ALL) ALL' >sudoers.d/x; }
g2_img2() { setfattr -n user.img -v v2 "$1/usr/etc/sudoers.d" && chmod 750 "$1/usr/etc/sudoers.d"; }
run_case g2 "setfattr user.local on sudoers.d, add sudoers.d/x; image: sudoers.d gets xattr user.img and mode 750"
g3_local() { echo local >chrony.conf; }
g3_img2() { chmod 700 "$1/usr/etc/containers"; }
run_case g3 "modify chrony.conf (nothing inside containers/); image: containers mode 755->700"
g4_local() { echo 'Subsystem x' >ssh/sshd_config; }
g4_img2() { chmod 700 "$1/usr/etc/ssh"; }
run_case g4 "modify ssh/sshd_config (a file directly in ssh/); image: ssh mode 755->700"

# h: local removes a directory (or file) the image changes
h1_img1() { echo base >"$1/usr/etc/sudoers.d/base"; }
h1_local() { rm -rf "${E:?}/sudoers.d"; }
h1_img2() { echo new >"$1/usr/etc/sudoers.d/new"; }
run_case h1 "rm -rf sudoers.d (had base); image: adds sudoers.d/new"
h2_local() { rm keep.conf; }
h2_img2() { rm "$1/usr/etc/keep.conf" && mkdir "$1/usr/etc/keep.conf" && echo img >"$1/usr/etc/keep.conf/child"; }
run_case h2 "rm keep.conf; image: keep.conf file -> dir with child"
h3_local() { echo '{}' >containers/local.json; }
h3_img2() { rm -rf "${1:?}/usr/etc/containers"; }
run_case h3 "add containers/local.json; image: removes containers/ (with policy.json)"

# i: shadows
i1_local() { rm keep.conf; }
i1_img2() { rm "$1/usr/etc/keep.conf"; }
run_case i1 "rm keep.conf; image: deletes keep.conf"
i2_local() { echo local >chrony.conf; }
i2_img2() { setfattr -n user.v2 -v new "$1/usr/etc/chrony.conf"; }
run_case i2 "modify chrony.conf content; image: chrony.conf: only xattr user.v2 added"
i3_local() { echo local >chrony.conf; }
i3_img2() { rm "$1/usr/etc/chrony.conf"; }
run_case i3 "modify chrony.conf content; image: deletes chrony.conf"

# j: metadata-only local changes of a file
j1_local() { setfattr -n user.local -v 1 chrony.conf; }
run_case j1 "setfattr user.local on chrony.conf (xattr only); image: unchanged"
j2_local() { chmod 600 chrony.conf; }
run_case j2 "chmod 600 chrony.conf (mode only); image: unchanged"
j3_local() { chown 1000:1000 keep.conf; }
run_case j3 "chown 1000:1000 keep.conf (owner only); image: unchanged"
j4_local() { touch -d 2001-01-01 keep.conf; }
run_case j4 "touch -d 2001-01-01 keep.conf (mtime only); image: unchanged"
j5_img1() { d_img1 "$1"; }
j5_local() { chown -h 1000:1000 localtime; }
run_case j5 "chown -h 1000:1000 localtime (symlink owner only); image: unchanged"
j6_local() { chmod 600 chrony.conf && setfattr -n user.local -v 1 chrony.conf; }
j6_img2() { setfattr -n user.img -v 2 "$1/usr/etc/chrony.conf"; }
run_case j6 "chmod 600 + setfattr user.local chrony.conf; image: chrony.conf gets xattr user.img"

# k: locally added trees
k1_local() {
        mkdir -p newtree/a/b newtree/empty && echo c >newtree/a/b/c.conf && ln -s a/b/c.conf newtree/link &&
                chmod 700 newtree/a && chown 1000:1000 newtree/empty && setfattr -n user.t -v 1 newtree/a/b/c.conf
}
run_case k1 "add newtree/{a/b/c.conf (xattr), link -> a/b/c.conf, empty/ (1000:1000)}, a mode 700; image: unchanged"
k2_local() { mkdir -p localdir/sub && echo f >localdir/f && echo g >localdir/sub/g && chmod 700 localdir; }
k2_img2() { mkdir "$1/usr/etc/localdir" && echo img >"$1/usr/etc/localdir/image-f"; }
run_case k2 "add localdir/ (700) with f and sub/g; image: adds localdir/ (755) with image-f"
k3_local() { mkdir emptyd && chmod 700 emptyd; }
k3_img2() { mkdir "$1/usr/etc/emptyd" && chmod 755 "$1/usr/etc/emptyd"; }
run_case k3 "add empty dir emptyd/ 700; image: adds empty dir emptyd/ 755"
k4_local() { mkdir -p newd/sub && echo f >newd/sub/f; }
k4_img2() { ln -s ../usr/share/doc "$1/usr/etc/newd"; }
run_case k4 "add newd/sub/f; image: adds newd as symlink -> ../usr/share/doc"

# l: local removal of a file the image changes
l1_local() { rm chrony.conf; }
l1_img2() { echo 'server v2' >"$1/usr/etc/chrony.conf"; }
run_case l1 "rm chrony.conf; image: chrony.conf content changed"

# o: image symlinks redirect the merge's writes and removals
o1_img2() { mkdir -p "$CASE_DIR/escape" && rm -rf "${1:?}/usr/etc/containers" && ln -s "$CASE_DIR/escape" "$1/usr/etc/containers"; }
o1_local() { echo '{}' >containers/local.json && chmod 700 containers; }
run_case o1 "add containers/local.json, chmod 700 containers; image: containers/ -> absolute symlink to dir outside the sysroot"
o2_img1() { mkdir "$1/usr/etc/docs" && echo readme >"$1/usr/etc/docs/readme"; }
o2_local() { rm docs/readme; }
o2_img2() { rm -rf "${1:?}/usr/etc/docs" && ln -s ../usr/share/doc "$1/usr/etc/docs"; }
run_case o2 "rm docs/readme; image: docs/ -> symlink ../usr/share/doc (which has readme)"
o3_img1() { mkdir "$1/usr/etc/docs" && echo readme >"$1/usr/etc/docs/readme"; }
o3_local() { echo 'local' >docs/readme; }
o3_img2() { rm -rf "${1:?}/usr/etc/docs" && ln -s ../usr/share/doc "$1/usr/etc/docs"; }
run_case o3 "modify docs/readme; image: docs/ -> symlink ../usr/share/doc (which has readme)"
o4_img2() { mkdir -p "$CASE_DIR/escape" && chmod 711 "$CASE_DIR/escape" && rm -rf "${1:?}/usr/etc/containers" && ln -s "$CASE_DIR/escape" "$1/usr/etc/containers"; }
o4_local() { echo '{}' >containers/local.json; }
run_case o4 "add containers/local.json (dir metadata unchanged); image: containers/ -> absolute symlink to dir outside the sysroot (mode 711)"
o5_img1() { mkdir "$1/usr/etc/docs" && echo readme >"$1/usr/etc/docs/readme"; }
o5_local() { rm docs/readme; }
o5_img2() { mkdir -p "$CASE_DIR/escape2" && echo victim >"$CASE_DIR/escape2/readme" && rm -rf "${1:?}/usr/etc/docs" && ln -s "$CASE_DIR/escape2" "$1/usr/etc/docs"; }
run_case o5 "rm docs/readme; image: docs/ -> absolute symlink to dir outside the sysroot holding readme"

# p: several changes at once: listing order of config-diff, added trees, removed trees
p1_img1() { mkdir -p "$1/usr/etc/zz/deep" && echo 1 >"$1/usr/etc/zz/deep/f"; }
p1_local() {
        rm -rf "${E:?}/zz" && mkdir -p aa/bb && echo x >aa/bb/x && echo m >chrony.conf && rm keep.conf &&
                chmod 700 ssh && rm sudoers && mkdir sudoers && echo y >sudoers/y
}
run_case p1 "rm -rf zz/ (zz/deep/f), add aa/bb/x, modify chrony.conf, rm keep.conf, chmod ssh, sudoers file->dir; image: unchanged"


# Randomized batches: several local changes and image changes at once on a
# richer tree, drawn from a seed that is printed, so a failure reproduces.
seed=${DW_MERGE_SEED:-$(date +%Y%m%d)}
batches=${DW_MERGE_BATCHES:-6}
echo "randomized batches: DW_MERGE_SEED=$seed DW_MERGE_BATCHES=$batches" >&2
RANDOM=$seed
pick() { local a=("$@"); echo "${a[RANDOM % ${#a[@]}]}"; }
rnd_tree() {
        mkdir -p "$1/usr/etc/pam.d" "$1/usr/etc/cron.d" "$1/usr/etc/profile.d/sub"
        printf 'auth required pam_unix.so\n' >"$1/usr/etc/pam.d/sshd"
        printf '0 * * * * root true\n' >"$1/usr/etc/cron.d/job"
        printf 'export A=1\n' >"$1/usr/etc/profile.d/a.sh"
        printf 'x\n' >"$1/usr/etc/profile.d/sub/x"
        ln -sf ../chrony.conf "$1/usr/etc/cron.d/link"
}
NAMES=(chrony.conf keep.conf sudoers sudoers.d sudoers.d/new pam.d pam.d/sshd pam.d/new cron.d cron.d/job
       cron.d/link profile.d profile.d/sub profile.d/sub/x ssh/sshd_config ssh containers newthing)
rnd_local_op() {
        local p
        p=$(pick "${NAMES[@]}")
        case $((RANDOM % 8)) in
        0) [ -f "$p" ] && printf 'local %s\n' "$RANDOM" >"$p" ;;
        1) rm -rf "${E:?}/$p" ;;
        2) [ -e "$p" ] || [ -L "$p" ] || { mkdir -p "$(dirname "$p")" && printf 'added\n' >"$p"; } ;;
        3) [ -e "$p" ] && chmod "$(pick 700 750 600 644 755)" "$p" ;;
        4) [ -e "$p" ] && chown -h "$(pick 0:0 1000:1000 0:4)" "$p" ;;
        5) rm -rf "${E:?}/$p" && mkdir -p "$p" && printf 'in dir\n' >"$p/inner" ;;
        6) rm -rf "${E:?}/$p" && ln -s "$(pick chrony.conf /dev/null missing)" "$p" ;;
        7) [ -d "$p" ] && mkfifo "$p/fifo$RANDOM" ;;
        esac 2>/dev/null || true
}
rnd_image_op() {
        local d=$1/usr/etc p
        p=$(pick "${NAMES[@]}")
        case $((RANDOM % 6)) in
        0) [ -f "$d/$p" ] && printf 'image v2 %s\n' "$RANDOM" >"$d/$p" ;;
        1) rm -rf "${d:?}/$p" ;;
        2) rm -rf "${d:?}/$p" && mkdir -p "$d/$p" && printf 'image dir\n' >"$d/$p/child" ;;
        3) [ -e "$d/$p" ] && chmod "$(pick 700 750 755)" "$d/$p" ;;
        4) [ -e "$d/$p" ] || [ -L "$d/$p" ] || { mkdir -p "$(dirname "$d/$p")" && printf 'new in image\n' >"$d/$p"; } ;;
        5) [ -f "$d/$p" ] && setfattr -n user.v2 -v "$RANDOM" "$d/$p" ;;
        esac 2>/dev/null || true
}
BASE_IMG1=rnd_tree      # one first version for every batch
for ((b = 0; b < batches; b++)); do
        # The ops are drawn here, in this shell, so RANDOM's sequence is the seed's.
        n_local=$((2 + RANDOM % 4)) n_image=$((1 + RANDOM % 3))
        ops=() iops=()
        for ((k = 0; k < n_local; k++)); do ops+=("$RANDOM"); done
        for ((k = 0; k < n_image; k++)); do iops+=("$RANDOM"); done
        eval "rnd${b}_local() { local s; for s in ${ops[*]}; do RANDOM=\$s; rnd_local_op; done; }"
        eval "rnd${b}_img2() { local s; for s in ${iops[*]}; do RANDOM=\$s; rnd_image_op \"\$1\"; done; }"
        run_case "rnd$b" "randomized batch $b of seed $seed"
done

# A symlinked /etc or /usr/etc in a deployment: ostree follows it, and so
# could reach anything on the host reading an offline sysroot; etc-diff
# refuses it with one line naming it.
C=$(mktemp -d "$T/symlinked.XXXXXX")
under_t "$C"
make_os_tree "$C/v1" 1.0
make_sysroot "$C/sysroot"
commit_tree "$C/sysroot" "$C/v1" 1.0 >/dev/null
deploy "$C/sysroot"
DEP=$(deployment_dir "$C/sysroot" 0)
under_t "$DEP"
mv "$DEP/usr/etc" "$C/outside" && ln -s "$C/outside" "$DEP/usr/etc"
run 2 "$DW" etc-diff --sysroot "$C/sysroot" --format json
expect_one_error_line "$DEP/usr/etc"
grep -qF "not followed" "$T/err" || fail "a symlinked /usr/etc was not refused: $(cat "$T/err")"

python3 "$CHECK" --batch "$T/cases.tsv" >"$T/check" 2>&1 || failures=$((failures + 1))
cat "$T/check" >&2
[ "$(grep -c '^case ' "$T/check")" -eq "$(wc -l <"$T/cases.tsv")" ] ||
        fail "the checker did not report every case: $(tail -3 "$T/check")"
[ "$failures" -eq 0 ] || fail "$(tail -1 "$T/check") with ostree; etc-diff errors and the checker: $failures failed (seed $seed)"
echo PASS
