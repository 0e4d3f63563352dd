# driftwatch posture: executables under /var (DW-POS-VAR-*), mount options
# (DW-POS-MOUNT-*), SELinux (DW-POS-SELINUX-*).
# - /var: a fixture root with executables planted; the first run records the
#   set in the state database (one event), the second is quiet, the third
#   alerts on a new and a changed one and notes a removed one, the fourth is
#   quiet again. Executables are judged by magic, not by name or mode: an ELF
#   named .txt and a "#!" script without +x are executables, a "binary.sh"
#   without "#!" is not. file(1) is the oracle: what we state as ELF it calls
#   ELF, what we state as a script it calls a script or text executable, and
#   binary.sh it calls neither. Setuid files alert on every run; container
#   storage is left out and said so; a walk deeper than its bound alerts.
# - mounts: saved mountinfo fixtures, a bad table and its clean twin.
# - SELinux: /etc/selinux/config fixtures read as libselinux reads them
#   (libselinux/src/selinux_config.c: SELINUX= from the first line that
#   starts with it and names a mode, SELINUXTYPE= the last, leading blanks and
#   comments skipped), an image-mode root whose image ships SELinux, and a root
#   with none.
# And this machine's real / exits 0 or 1.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posture-lib.sh"

if ! command -v file >/dev/null; then
        [ "${CI:-}" = true ] && fail "file(1) is not installed (Debian package file) and CI=true"
        skip "file(1) is not installed (Debian package file): it is the oracle for the magic"
fi

# --- Executables under /var.
v=$T/var
mkdir -p "$v/var/lib/app" "$v/var/tmp" "$v/var/www" "$v/var/spool/app" "$v/var/opt" \
         "$v/var/lib/containers/storage/overlay/l1/diff/bin"
cp /bin/true "$v/var/lib/app/notes.txt"
chmod 0644 "$v/var/lib/app/notes.txt"
printf '#!/usr/bin/python3\nprint("hi")\n' >"$v/var/tmp/run.py"           # no +x: still a script
printf 'echo not a script\n' >"$v/var/www/binary.sh"                       # no "#!": not one
chmod 0755 "$v/var/www/binary.sh"
printf '#!/bin/sh -e\nexit 0\n' >"$v/var/spool/app/job"
chmod 0755 "$v/var/spool/app/job"
cp /bin/true "$v/var/lib/containers/storage/overlay/l1/diff/bin/true"       # left out
ln -s /bin "$v/var/opt/bin"                                                 # never followed
signed_policy "$v"      # nothing but /var raises an alert

state=$T/state.db
var_alerts() { area_alerts "$1" '^DW-POS-VAR-'; }

run 0 "$DW" posture --root "$v" --state "$state" --format json
expect_valid_jsonl "$T/out"
[ -z "$(var_alerts "$T/out")" ] || { var_alerts "$T/out"; fail "the first run alerted instead of recording"; }
[ "$(jq -r 'select(.event.action == "var-exec-recorded") | .event.kind' "$T/out")" = state ] ||
        fail "the first run does not say once that it recorded the set"
got=$(jq -r 'select(.event.action == "var-executable") | "\(.file.path) \(.driftwatch.posture.value | split(",")[0])"' \
        "$T/out" | LC_ALL=C sort)
want='/var/lib/app/notes.txt elf
/var/spool/app/job script (#!/bin/sh -e)
/var/tmp/run.py script (#!/usr/bin/python3)'
[ "$got" = "$want" ] || { echo "$got"; fail "the executables stated are not the ELF and the two scripts"; }
any "$T/out" '.event.action == "var-executable" and .file.path == "/var/lib/app/notes.txt" and
        (.driftwatch.posture.value | test("mode 0644, uid 0 gid 0, sha256 [0-9a-f]{64}$"))' ||
        fail "the ELF is not stated with its mode, owner and SHA-256"
sum=$(sha256sum "$v/var/lib/app/notes.txt" | cut -d' ' -f1)
any "$T/out" ".file.path == \"/var/lib/app/notes.txt\" and (.driftwatch.posture.value | endswith(\"$sum\"))" ||
        fail "the SHA-256 stated is not sha256sum's"
any "$T/out" '.event.action == "var-skipped" and .file.path == "/var/lib/containers/storage"' ||
        fail "container storage is not stated as left out"
# The oracle: file(1) on each file planted.
for f in var/lib/app/notes.txt var/tmp/run.py var/spool/app/job var/www/binary.sh; do
        kind=$(jq -r --arg p "/$f" 'select(.event.action == "var-executable" and .file.path == $p) |
                .driftwatch.posture.value | split(" ")[0] | rtrimstr(",")' "$T/out")
        says=$(file -b "$v/$f")
        case "$kind:$says" in
        elf:ELF*) ;;
        script:*script*) ;;
        :ASCII\ text*) ;;
        *) fail "/$f: we say '${kind:-not executable}', file(1) says '$says'" ;;
        esac
done

run 0 "$DW" posture --root "$v" --state "$state" --format json
[ -z "$(var_alerts "$T/out")" ] || { var_alerts "$T/out"; fail "an unchanged /var alerted"; }
! any "$T/out" '.event.action | test("var-exec-(recorded|removed)")' || fail "the second run recorded or removed"

cp /bin/false "$v/var/www/index.cgi"                                       # new
printf '#!/usr/bin/python3\nimport os; os.system("id")\n' >"$v/var/tmp/run.py" # changed
rm -f "${v:?}/var/spool/app/job"                                           # gone
run 1 "$DW" posture --root "$v" --state "$state" --format json
diff -u <(printf '%s\n' 'DW-POS-VAR-EXEC-CHANGED high /var/tmp/run.py' 'DW-POS-VAR-EXEC-NEW high /var/www/index.cgi') \
        <(var_alerts "$T/out") || fail "the new and changed executables are not the alerts (- expected, + got)"
[ "$(jq -r 'select(.event.action == "var-exec-removed") | "\(.event.kind) \(.file.path)"' "$T/out")" = \
  "state /var/spool/app/job" ] || fail "the removed executable is not noted once as an event"
any "$T/out" '.rule.id == "DW-POS-VAR-EXEC-NEW" and (.threat.technique.id | index("T1505.003")) and
        (.driftwatch.controls | index("SI-7"))' || fail "DW-POS-VAR-EXEC-NEW lacks T1505.003 or SI-7"
run 0 "$DW" posture --root "$v" --state "$state" --format json
[ -z "$(var_alerts "$T/out")" ] || { var_alerts "$T/out"; fail "the changes were reported twice"; }

# Setuid and setgid: on every run. A root without --state: stated, not compared.
s=$T/setid
mkdir -p "$s/var/lib/x" "$s/var/tmp"
cp /bin/true "$s/var/lib/x/helper"
chmod 4755 "$s/var/lib/x/helper"
printf 'data\n' >"$s/var/tmp/lock"
chmod 2644 "$s/var/tmp/lock"                 # setgid without group x: mandatory locking, not setgid
for i in 1 2; do
        expect_area "$s" '^DW-POS-VAR-' <<'EOF'
DW-POS-VAR-SETID high /var/lib/x/helper
EOF
done
any "$T/out" '.event.action == "var-exec-unrecorded"' || fail "a root without --state does not say it compares nothing"

# A walk past its depth bound says what it left out.
d=$T/deep
mkdir -p "$d/var/tmp"
mkdir -p "$d/var/tmp/$(printf 'a/%.0s' {1..30})"
cp /bin/true "$d/var/tmp/$(printf 'a/%.0s' {1..30})x"
expect_area "$d" '^DW-POS-VAR-' <<'EOF'
DW-POS-VAR-LIMIT medium /var/tmp
EOF

# A state database that is not one: one error naming it.
printf 'not a database\n' >"$T/bad.db"
run 2 "$DW" posture --root "$v" --state "$T/bad.db"
expect_one_error_line "$T/bad.db"
run 2 "$DW" posture --root "$v" --state ""

# --- Mount options from saved mount tables.
cat >"$T/mi-bad" <<'EOF'
21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
22 21 0:30 / /tmp rw,nosuid,nodev,relatime shared:2 - tmpfs tmpfs rw
23 21 0:31 / /var/tmp rw,relatime shared:3 - tmpfs tmpfs rw
24 21 0:32 / /dev/shm rw,nosuid,nodev,noexec shared:4 - tmpfs tmpfs rw
25 21 8:2 / /var rw,nosuid,nodev,noexec,relatime shared:5 - xfs /dev/vda2 rw
EOF
cat >"$T/mi-ok" <<'EOF'
21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
22 21 0:30 / /tmp rw,nosuid,nodev,noexec,relatime shared:2 - tmpfs tmpfs rw
23 21 0:31 / /var/tmp rw,nosuid,nodev,noexec,relatime shared:3 - tmpfs tmpfs rw
24 21 0:32 / /dev/shm rw,nosuid,nodev,noexec shared:4 - tmpfs tmpfs rw
25 21 8:2 / /var rw,nosuid,nodev,relatime shared:5 - xfs /dev/vda2 rw
26 25 8:3 / /var/log rw,nosuid,nodev,noexec,relatime shared:6 - xfs /dev/vda3 rw
EOF
m=$T/mroot
mkdir -p "$m"
expect_area "$m" '^DW-POS-MOUNT-' --mountinfo "$T/mi-bad" <<'EOF'
DW-POS-MOUNT-CONTAINERS-NOEXEC low /var/lib/containers
DW-POS-MOUNT-OPTION low /tmp
DW-POS-MOUNT-OPTION low /var/tmp
DW-POS-MOUNT-OPTION low /var/tmp
DW-POS-MOUNT-OPTION medium /var/tmp
EOF
any "$T/out" '.rule.id == "DW-POS-MOUNT-OPTION" and .file.path == "/var/tmp" and .driftwatch.severity == "medium"
        and .driftwatch.posture.value == "noexec"' || fail "noexec missing on /var/tmp is not the medium alert"
any "$T/out" '.event.action == "mount-not-separate" and .file.path == "/var/log"' ||
        fail "/var/log, not a mount of its own, is not stated so"
expect_area "$m" '^DW-POS-MOUNT-' --mountinfo "$T/mi-ok" </dev/null
any "$T/out" '.event.action == "mount-options" and .file.path == "/var/log" and
        .driftwatch.posture.value == "rw,nosuid,nodev,noexec,relatime"' || fail "the /var/log mount is not stated"
printf 'garbage\n' >"$T/mi-garbage"
run 2 "$DW" posture --root "$m" --mountinfo "$T/mi-garbage"
expect_one_error_line "$T/mi-garbage"

# --- SELinux.
selinux_root() {        # selinux_root DIR CONFIG-TEXT
        mkdir -p "$1/etc/selinux"
        printf '%b' "$2" >"$1/etc/selinux/config"
}
se=$T/se
selinux_root "$se/perm" '# SELINUX=enforcing\nSELINUX=permissive\nSELINUXTYPE=targeted\n'
expect_area "$se/perm" '^DW-POS-SELINUX-' <<'EOF'
DW-POS-SELINUX-PERMISSIVE high /etc/selinux/config
EOF
any "$T/out" '.rule.id == "DW-POS-SELINUX-PERMISSIVE" and .driftwatch.posture.source.line == 2' ||
        fail "the permissive mode is not named with its line"
selinux_root "$se/dis" 'SELINUX=disabled\n'
expect_area "$se/dis" '^DW-POS-SELINUX-' <<'EOF'
DW-POS-SELINUX-DISABLED high /etc/selinux/config
EOF
# libselinux: " SELINUX=" (not at the line's start) and an unknown mode are
# passed over; the first mode named wins; SELINUXTYPE's tag in any case, the
# last ("SELINUXTYPE = x" is not the tag: passed over).
selinux_root "$se/ok" ' SELINUX=permissive\nSELINUX=bogus\nSELINUX=Enforcing\nSELINUX=disabled\nselinuxtype=mls\n  SELINUXTYPE=\t targeted  \nSELINUXTYPE = strict\n'
expect_area "$se/ok" '^DW-POS-SELINUX-' </dev/null
any "$T/out" '.event.action == "selinux-config" and .driftwatch.posture.setting == "SELINUX" and
        .driftwatch.posture.value == "enforcing" and .driftwatch.posture.source.line == 3' ||
        fail "SELINUX= is not libselinux's first mode (line 3)"
any "$T/out" '.driftwatch.posture.setting == "SELINUXTYPE" and .driftwatch.posture.value == "targeted" and
        .driftwatch.posture.source.line == 6' || fail "SELINUXTYPE is not libselinux's last (line 6)"
# An image-mode root whose image ships SELinux: a missing /etc/selinux/config is an alert.
img=$T/se/img
mkdir -p "$img/usr/lib/bootc" "$img/usr/etc/selinux" "$img/etc"
printf 'SELINUX=enforcing\nSELINUXTYPE=targeted\n' >"$img/usr/etc/selinux/config"
expect_area "$img" '^DW-POS-SELINUX-' <<'EOF'
DW-POS-SELINUX-DISABLED high /etc/selinux/config
EOF
cp "$img/usr/etc/selinux/config" "$img/etc/selinux/config" 2>/dev/null ||
        { mkdir -p "$img/etc/selinux"; cp "$img/usr/etc/selinux/config" "$img/etc/selinux/config"; }
expect_area "$img" '^DW-POS-SELINUX-' </dev/null
# No SELinux anywhere: one state finding, no alert.
mkdir -p "$se/none/etc"
expect_area "$se/none" '^DW-POS-SELINUX-' </dev/null
[ "$(jq -r 'select(.driftwatch.posture.check == "selinux") | "\(.event.kind) \(.event.action)"' "$T/out")" = \
  "state selinux-absent" ] || fail "a root without SELinux is not one state finding"
# Hostile: binary garbage, and a file past the size cap.
selinux_root "$se/bin" 'SELINUX=enforcing\n\0\0\xff'
expect_area "$se/bin" '^DW-POS-SELINUX-' <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/selinux/config
EOF
selinux_root "$se/big" 'SELINUX=enforcing\n'
head -c 100000 /dev/zero | tr '\0' '#' >>"$se/big/etc/selinux/config"
expect_area "$se/big" '^DW-POS-SELINUX-' <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/selinux/config
EOF

# --- This machine: exits 0 or 1, the /var executables recorded in a test database.
rc=0
"$DW" posture --state "$T/host.db" --format json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/err"; fail "posture of / exited $rc"; }
expect_valid_jsonl "$T/out"
any "$T/out" '.event.action == "var-exec-recorded"' || fail "posture of / did not record its /var executables"
any "$T/out" '.driftwatch.posture.check == "mounts" and .event.action != "mount-table-unknown"' ||
        fail "posture of / did not judge its mount table"
any "$T/out" '.driftwatch.posture.check == "selinux"' || fail "posture of / said nothing about SELinux"
echo PASS
