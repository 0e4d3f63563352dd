# Golden text: the text view of every command that reports findings, as a
# person reads it (the summary first, one line per finding, -v details),
# compared whole with tests/golden/text/NAME.txt (diff -u). Each fixture is
# built here with fixed contents, modes and times; what depends on the run is
# normalised as test-golden.sh does for JSON: the scratch directory reads
# "T", the run time "S.SS s", a time of today "TIME" (when a baseline was
# made or accepted, when a report was generated and the runs it read), the
# machine's boot id "BOOT", ostree commit checksums "COMMIT1" and "COMMIT2", a
# baseline digest "DIGEST" (it covers the time the baseline was made), the
# name of the host that made a baseline "HOST", the version "VERSION". A
# changed text view fails here: read the diff, then rerun with
# UPDATE_GOLDEN=1 to write the files, and read their diff before committing.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"
source "$(dirname "$0")/lib-ostree.sh"
need_journal_remote
export TZ=UTC

GOLDEN=$(cd "$(dirname "$0")/../golden/text" && pwd)
DATA=$(cd "$(dirname "$0")/../data" && pwd)
today=$(date -u +%Y-%m-%d)
boot=$(cat /proc/sys/kernel/random/boot_id)
subst=()        # more sed expressions: the fixtures' checksums
n=0

# golden NAME EXPECTED_RC CMD...: runs CMD (text output), compares with NAME.txt.
golden() {
        local name=$1 want_rc=$2 rc=0
        shift 2
        "$@" >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" = "$want_rc" ] || { cat "$T/out" "$T/err"; fail "$name: exit status $rc, expected $want_rc"; }
        ! grep -q $'\e' "$T/out" || fail "$name: colour in the output of a pipe"
        sed -E -e "s|$T|T|g" -e 's/[0-9]+\.[0-9]{2} s\b/S.SS s/g' \
               -e "s/${today}T[0-9:]{8}Z/TIME/g" -e "s/$boot/BOOT/g" \
               -e 's/digest [0-9a-f]{12} -> [0-9a-f]{12}/digest DIGEST -> DIGEST/' \
               -e 's/^(digest: +)[0-9a-f]{64}$/\1DIGEST/' -e 's/^(host: +).*/\1HOST/' "${subst[@]}" "$T/out" >"$T/got"
        if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
                cp "$T/got" "$GOLDEN/$name.txt"
                echo "updated $name" >&2
        elif ! diff -u "$GOLDEN/$name.txt" "$T/got"; then
                fail "$name: the text view differs from tests/golden/text/$name.txt (- expected, + got)"
        fi
        n=$((n + 1))
}

# check, check -v and baseline accept: the fim-check case's tree.
W=$T/fim
mkdir -p "$W"
(cd "$(dirname "$0")/cases/fim-check" && DW="$DW" bash ./setup "$W") >/dev/null
golden check 1 "$DW" check --baseline "$W/base.db" --root "$W/root"
golden check-verbose 1 "$DW" check -v --baseline "$W/base.db" --root "$W/root"
# report (Markdown; the HTML is test-report.sh's) of that check's run.
"$DW" check --baseline "$W/base.db" --root "$W/root" --format json >"$T/check.jsonl" && fail "check: no alert"
golden report-markdown 0 "$DW" report --format markdown "$T/check.jsonl"
golden baseline-accept 0 "$DW" baseline accept --baseline "$W/base.db" --root "$W/root" /etc/motd /usr/bin \
        --reason "CHG-7 image rebuild"
# baseline show: the description with who accepted what, then every entry.
golden baseline-show 0 "$DW" baseline show "$W/base.db"
golden baseline-show-entries 0 "$DW" baseline show --entries "$W/base.db"
# baseline create: the line of what it recorded (the tree as check left it).
golden baseline-create 0 "$DW" baseline create --from "dir:$W/root" --out "$T/created.db"

# scan of a host that is not image-mode: the first run, then drift.
R=$T/host S=$T/state
mkdir -p "$R"/usr/bin "$R"/boot "$R"/etc/sudoers.d "$R"/etc/cron.d
printf 'ls\n' >"$R/usr/bin/ls"
printf 'vmlinuz\n' >"$R/boot/vmlinuz-6.1"
printf 'root:x:0:0::/root:/bin/sh\n' >"$R/etc/passwd"
signed_policy "$R"
find "$R" -exec touch -h -d @1700000000 {} +
golden scan-first 0 "$DW" scan --root "$R" --state-dir "$S"
printf '* * * * * root /var/tmp/x\n' >"$R/etc/cron.d/job"
printf 'evil\n' >>"$R/usr/bin/ls"
touch -d @1700000100 "$R/etc/cron.d/job" "$R/usr/bin/ls"
golden scan 1 "$DW" scan --root "$R" --state-dir "$S"

# status: a first snapshot, then the rollback performed.
golden status-first 0 "$DW" status --bootc-json "$DATA/status/bootc-staged-download-only.json" --state "$T/s.db"
golden status 1 "$DW" status --bootc-json "$DATA/status/bootc-staged-rollback.json" --state "$T/s.db"

# audit: writes by a process under an ssh session, and a sequence gap.
gen_session_writes >"$T/a.log"
golden audit 1 "$DW" audit "$T/a.log"
golden audit-verbose 1 "$DW" audit -v "$T/a.log"
golden audit-events 0 "$DW" audit --events --format text "$T/a.log"

# mounts: a saved table, then a tmpfs over /etc/sudoers.d.
printf '%s\n' '1 0 8:1 / / rw,relatime - ext4 /dev/sda1 rw' '2 1 8:1 /usr /usr ro,relatime - ext4 /dev/sda1 ro' \
        >"$T/mi1"
{ cat "$T/mi1"; echo '3 1 0:40 / /etc/sudoers.d rw,relatime - tmpfs tmpfs rw'; } >"$T/mi2"
"$DW" mounts --state "$T/m.db" --mountinfo "$T/mi1" >/dev/null
golden mounts 1 "$DW" mounts --state "$T/m.db" --mountinfo "$T/mi2"

# posture of a root whose image policy accepts anything.
P=$T/proot
mkdir -p "$P/etc/containers"
printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$P/etc/containers/policy.json"
golden posture 1 "$DW" posture --root "$P"

# inventory: a directory extension that is not approved, in an offline root.
I=$T/iroot
mkdir -p "$I/usr/lib" "$I/var/lib/extensions/tools/usr/lib/extension-release.d" "$I/var/lib/extensions/tools/usr/bin"
printf 'ID=testos\nVERSION_ID=7\n' >"$I/usr/lib/os-release"
printf 'ID=testos\n' >"$I/var/lib/extensions/tools/usr/lib/extension-release.d/extension-release.tools"
printf 'tool\n' >"$I/var/lib/extensions/tools/usr/bin/tool"
printf 'version: 1\napproved:\n  - name: other\n    roothash: %064d\n    owner: platform\n    reason: unused\n    expires: 2999-12-31\n' 0 \
        >"$T/approved.yaml"
find "$I" -exec touch -h -d @1700000000 {} +
golden inventory 1 "$DW" inventory --root "$I" --approved "$T/approved.yaml"

# container diff: a containers-storage whose container adds, changes and removes files.
C=$T/storage
containers_storage "$C" web localhost/web:1
printf 'root:x:0:0::/root:/bin/sh\n' >"$CS_LOWER/etc/passwd"
printf 'hello\n' >"$CS_LOWER/etc/motd"
printf 'hacked\n' >"$CS_UPPER/etc/motd"
printf 'x\n' >"$CS_UPPER/etc/added"
mknod "$CS_UPPER/etc/passwd" c 0 0
find "$C" -exec touch -h -d @1700000000 {} +
golden container-diff 1 "$DW" container diff --storage-root "$C" web
golden container-diff-verbose 1 "$DW" container diff -v --storage-root "$C" web

# container digests and posture: the kubectl pods of tests/data/container.
K=$DATA/container
golden container-digests 1 "$DW" container digests --pods "$K/pods.json" --approved "$K/approved.txt"
golden container-digests-verbose 1 "$DW" container digests -v --pods "$K/pods.json" --approved "$K/approved.txt"
golden container-posture 1 "$DW" container posture --pods "$K/pods.json" --namespaces "$K/namespaces.json"
golden container-posture-verbose 1 "$DW" container posture -v --pods "$K/pods.json" \
        --namespaces "$K/namespaces.json"

# journal: a real journal file (journal-gen.py's analytics stream through
# systemd-journal-remote) with a maintenance window and a change ticket.
python3 "$(dirname "$0")/journal-gen.py" analytics >"$T/j.export"
"$REMOTE" --output="$T/j.journal" "$T/j.export" 2>"$T/remote.err" || fail "journal-remote: $(cat "$T/remote.err")"
printf 'maintenance-window = Sat 02:00-06:00 UTC\n' >"$T/window"
printf 'CHG-7 monitoring-agent 2026-11-26T11:00:00Z 2026-11-26T13:00:00Z\n' >"$T/tickets"
golden journal 1 "$DW" journal --file "$T/j.journal" --policy "$T/window" --tickets "$T/tickets"
golden journal-verbose 1 "$DW" journal -v --file "$T/j.journal" --policy "$T/window" --tickets "$T/tickets"

# image deployments, image verify and etc-diff: a sysroot made with ostree,
# commits with fixed times, two deployments.
O=$T/sysroot
make_sysroot "$O"
make_os_tree "$T/v1" 1.0
make_os_tree "$T/v2" 2.0
ostree --repo="$O/ostree/repo" commit -b testos/stable --timestamp=2023-11-14T22:13:20Z \
        --add-metadata-string=version=1.0 --tree=dir="$T/v1" >/dev/null
deploy "$O"
ostree --repo="$O/ostree/repo" commit -b testos/stable --timestamp=2023-11-15T22:13:20Z \
        --add-metadata-string=version=2.0 --tree=dir="$T/v2" >/dev/null
deploy "$O"
c2=$(ostree --repo="$O/ostree/repo" rev-parse testos/stable)
c1=$(ostree --repo="$O/ostree/repo" rev-parse testos/stable^)
subst=(-e "s/$c1/COMMIT1/g" -e "s/$c2/COMMIT2/g" -e "s/${c1:0:12}/COMMIT1/g" -e "s/${c2:0:12}/COMMIT2/g")
DEP=$(deployment_dir "$O" 0)
printf 'echo evil\n' >>"$DEP/usr/bin/tool"
printf 'implant\n' >"$DEP/usr/bin/implant"
printf 'ALL ALL=(ALL) NOPASSWD: ALL\n' >"$DEP/etc/sudoers.d/zzz_local"
printf 'PermitRootLogin yes\n' >"$DEP/etc/ssh/sshd_config"
rm "$DEP/etc/keep.conf"
golden image-deployments 0 "$DW" image deployments --sysroot "$O"
golden image-verify 1 "$DW" image verify --sysroot "$O"
golden etc-diff 1 "$DW" etc-diff --sysroot "$O"

# What a person reads first: the command list, one command's help, and the
# version (its number normalised: the line's shape is what is compared).
golden help 0 "$DW" help
golden help-check 0 "$DW" help check
subst+=(-e 's/^driftwatch [0-9]+\.[0-9]+\.[0-9]+.*$/driftwatch VERSION/')
golden version 0 "$DW" version

echo "PASS ($n text views)"
