# Container drift on an rpm-based image: the image's layer holds an rpm
# database (rpm 4.16+'s sqlite, made with rpm --root --dbpath
# /usr/lib/sysimage/rpm) with one real noarch package built here (dw-base); a
# container gets a database that also has dw-implant (podman cp of a second
# database, as `rpm -i` inside the container would leave it). librpm reads
# both copies: DW-CTR-PACKAGE-INSTALL names dw-implant, not dw-base, from
# `container diff` (root: librpm's copy on a private tmpfs) and from the
# agent's container schedule (no CAP_SYS_ADMIN, Landlock and seccomp: the copy
# beneath STATE_DIR/scratch, the one directory it may write, left empty). A
# container database librpm cannot read keeps its finding, which says why. A
# database of Fedora's size (100 MiB: the same packages and a table of
# padding) is copied and read both ways too.
# The image's and the container's files are untouched by the reads.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-podman.sh"
command -v rpmbuild >/dev/null || skip "rpmbuild is not installed (scripts/deps.sh pkg installs rpm)"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (scripts/deps.sh check installs it)"
podman_setup

rpm_spec dw-base <<'EOF'
%description
base
%package -n dw-implant
Summary: driftwatch test package installed in a container
%description -n dw-implant
implant
%install
mkdir -p %{buildroot}/usr/share/dw
printf 'base\n' >%{buildroot}/usr/share/dw/base
printf 'implant\n' >%{buildroot}/usr/share/dw/implant
%files
/usr/share/dw/base
%files -n dw-implant
/usr/share/dw/implant
EOF
HOME=$T rpmbuild --quiet -bb --define "_topdir $T/top" "$T/top/SPECS/dw-base.spec" >"$T/rpmbuild.log" 2>&1 ||
        { cat "$T/rpmbuild.log"; fail "rpmbuild failed"; }
# install_db ROOT RPM...: the packages recorded in ROOT's database only.
install_db() {
        local root=$1
        shift
        HOME=$T rpm --root "$root" --dbpath /usr/lib/sysimage/rpm -i --justdb --nodeps --noscripts --nosignature "$@" \
                >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "rpm -i --justdb $* failed"; }
}
install_db "$T/img" "$T/top/RPMS/noarch/dw-base-1.0-1.noarch.rpm"
install_db "$T/ctr" "$T/top/RPMS/noarch/dw-base-1.0-1.noarch.rpm" "$T/top/RPMS/noarch/dw-implant-1.0-1.noarch.rpm"
[ -s "$T/ctr/usr/lib/sysimage/rpm/rpmdb.sqlite" ] || fail "rpm made no sqlite database"
cp "$T/ctr/usr/lib/sysimage/rpm/rpmdb.sqlite" "$T/big.sqlite"
sqlite3 "$T/big.sqlite" "CREATE TABLE dw_pad (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
        FROM n WHERE i < 100) INSERT INTO dw_pad SELECT zeroblob(1048576) FROM n" || fail "cannot pad the database"
[ "$(stat -c %s "$T/big.sqlite")" -gt 100000000 ] || fail "the padded database is not 100 MB"

pm_image_busybox localhost/dw-rpm:1 "$T/img"
pm_run dw-r1 localhost/dw-rpm:1 sh -c :
pm cp "$T/ctr/usr/lib/sysimage/rpm/rpmdb.sqlite" dw-r1:/usr/lib/sysimage/rpm/rpmdb.sqlite ||
        fail "podman cp of the database failed"
pm_run dw-r2 localhost/dw-rpm:1 sh -c :
pm_run dw-r3 localhost/dw-rpm:1 sh -c :
pm cp "$T/big.sqlite" dw-r3:/usr/lib/sysimage/rpm/rpmdb.sqlite || fail "podman cp of the large database failed"
pm cp "$T/top/SPECS/dw-base.spec" dw-r2:/usr/lib/sysimage/rpm/rpmdb.sqlite || fail "podman cp of the bad database failed"

tree_state() {
        find "$PM_DIR/storage/overlay" -path '*/usr/lib/sysimage/rpm*' -printf '%P %s %T@ %m\n' | LC_ALL=C sort
}
tree_state >"$T/before"

# installed ID: the package.added of the container's DW-CTR-PACKAGE-INSTALL in $T/out
installed() {
        jq -r --arg c "$1" 'select(.rule.id == "DW-CTR-PACKAGE-INSTALL" and .container.name == $c) |
                [.driftwatch.after["package.added"] // "", .message, .file.path] | @tsv' "$T/out"
}
run 1 "$DW" container diff --storage-root "$PM_DIR/storage" --format json dw-r1
expect_valid_jsonl "$T/out"
X=$(installed dw-r1)
[ "$(cut -f1,3 <<<"$X")" = "dw-implant	/usr/lib/sysimage/rpm" ] ||
        { cat "$T/out"; fail "container diff: the rpm install is not named dw-implant in /usr/lib/sysimage/rpm: '$X'"; }
run 1 "$DW" container diff --storage-root "$PM_DIR/storage" --format json dw-r3
[ "$(installed dw-r3 | cut -f1)" = dw-implant ] || { cat "$T/out"; fail "container diff: the large database's install is not named"; }
run 1 "$DW" container diff --storage-root "$PM_DIR/storage" --format json dw-r2
X=$(installed dw-r2)
case $X in
        *"its packages cannot be named: cannot read package database"*) ;;
        *) cat "$T/out"; fail "the unreadable database's finding does not say why: '$X'" ;;
esac

# The agent's schedule reads the storage below its --scan-root.
R=$T/root
mkdir -p "$R/var/lib/containers/storage"
mount --bind "$PM_DIR/storage" "$R/var/lib/containers/storage" || fail "cannot bind the storage into $R"
S=$T/agent-state
"$DW" agent --state-dir "$S" --output "file:$T/agent.jsonl" --schedule all=off --schedule container=1h/0 \
        --heartbeat 0 --scan-root "$R" --once 2>"$T/agent.err" || { cat "$T/agent.err"; fail "agent --once failed"; }
umount "$R/var/lib/containers/storage"
cp "$T/agent.jsonl" "$T/out"
expect_valid_jsonl "$T/out"
X=$(installed dw-r1)
[ "$(cut -f1 <<<"$X")" = dw-implant ] ||
        { cat "$T/agent.err" "$T/out"; fail "the agent's container schedule does not name dw-implant: '$X'"; }
[ "$(installed dw-r3 | cut -f1)" = dw-implant ] ||
        { cat "$T/agent.err" "$T/out"; fail "the agent's container schedule: the large database's install is not named"; }
sample_keep "$T/agent.jsonl"
[ -d "$S/scratch" ] || fail "the schedule made no scratch directory"
[ -z "$(ls -A "$S/scratch")" ] || fail "librpm's copies were left in $S/scratch: $(ls -A "$S/scratch")"

tree_state | diff -u "$T/before" - || fail "reading the databases changed the storage"
echo PASS
