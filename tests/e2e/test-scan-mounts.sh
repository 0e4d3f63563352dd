# driftwatch scan runs the mount table step (driftwatch mounts) against the
# state directory's state.db: an offline --root skips it and says so first; with
# the mount table given (a copy of this namespace's /proc/self/mountinfo, taken
# in lib.sh's private host-readonly namespace) two scans report the snapshot and
# no change, and a tmpfs mounted between two scans over a watched path is an
# alert counted in the summary.
DW_SANDBOX=host-readonly
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
R=$T/host
S=$T/state
mkdir -p "$R"/usr/bin "$R"/boot "$R"/etc
printf 'ls\n' >"$R/usr/bin/ls"
signed_policy "$R"      # scan runs posture too: a host whose policy raises nothing

# mountinfo FILE: this namespace's mount table with the places posture judges
# (DW-POS-MOUNT-OPTION) mounted nosuid, nodev and, but for /home and /var
# (whose /var/lib/containers must run what it stores), noexec: the mount step
# is what these scans are about.
mountinfo() {
        awk '$5 ~ /^\/(tmp|var\/tmp|dev\/shm|var\/log)$/ { $6 = $6 ",noexec" }
             $5 ~ /^\/(tmp|var\/tmp|dev\/shm|var\/log|home|var)$/ { $6 = $6 ",nosuid,nodev" } 1' \
                /proc/self/mountinfo >"$1"
}

# An offline root has no mount table: skipped, the summary says so.
run 0 "$DW" scan --root "$R" --state-dir "$S"
grep -q '^mounts: skipped: an offline --root has no mount table' "$T/out" ||
        { cat "$T/out"; fail "an offline scan does not say that the mount step was skipped"; }
[ "$(sqlite3 "$S/state.db" 'SELECT count(*) FROM mount_snapshots' 2>/dev/null || echo 0)" = 0 ] ||
        fail "an offline scan recorded a mount snapshot"
run 0 "$DW" scan --root "$R" --state-dir "$S" --format json
drop_posture "$T/out"
! grep -q '"DW-MNT-' "$T/out" || fail "an offline scan reported mounts"

surf=
for d in /etc/sudoers.d /etc/pam.d /etc/systemd /etc/ssh; do
        if [ -d "$d" ]; then surf=$d; break; fi
done
[ -n "$surf" ] || fail "none of /etc/sudoers.d, /etc/pam.d, /etc/systemd, /etc/ssh exists"

# The first scan with a mount table: its baseline and the snapshot event.
mountinfo "$T/mi1"
run 0 "$DW" scan --root "$R" --state-dir "$S" --mountinfo "$T/mi1" --format json
drop_posture "$T/out"
[ "$(jq -r 'select(.rule.id | startswith("DW-MNT-")) | .rule.id' "$T/out" | tr '\n' ' ')" = \
  "DW-MNT-BASELINE DW-MNT-SNAPSHOT " ] || { cat "$T/out"; fail "the first scan lacks the mount baseline and snapshot"; }
[ -s "$S/state.db" ] || fail "the mount snapshot is not in the state directory's state.db"

# The second, nothing changed: the snapshot event and no alert.
run 0 "$DW" scan --root "$R" --state-dir "$S" --mountinfo "$T/mi1" --format json
drop_posture "$T/out"
[ "$(jq -r 'select(.rule.id | startswith("DW-MNT-")) | [.rule.id, .event.kind, .event.action] | join(" ")' \
     "$T/out")" = "DW-MNT-SNAPSHOT event mount-snapshot" ] || { cat "$T/out"; fail "an unchanged table reported more"; }
[ -z "$(jq -r 'select(.event.kind == "alert") | .rule.id' "$T/out")" ] || { cat "$T/out"; fail "an unchanged host alerted"; }
run 0 "$DW" scan --root "$R" --state-dir "$S" --mountinfo "$T/mi1"
grep -q 'mounts compared with the snapshot taken .*: 0 alerts' "$T/out" ||
        { cat "$T/out"; fail "the summary does not count the mount findings"; }

# A mount made between two scans (in this private namespace only).
mount -t tmpfs dw-test-tmpfs "$surf" || fail "cannot mount a tmpfs on $surf in the namespace"
mountinfo "$T/mi2"
umount "$surf"
run 1 "$DW" scan --root "$R" --state-dir "$S" --mountinfo "$T/mi2" --format json
drop_posture "$T/out"
[ "$(jq -r 'select(.event.kind == "alert") | [.rule.id, .file.path] | join(" ")' "$T/out")" = \
  "DW-MNT-WATCHED-NEW $surf" ] || { cat "$T/out"; fail "the tmpfs over $surf was not reported"; }
run 0 "$DW" scan --root "$R" --state-dir "$S" --mountinfo "$T/mi2"
grep -q 'mounts compared with the snapshot taken .*: 0 alerts' "$T/out" || { cat "$T/out"; fail "the same table reported again"; }
run 1 "$DW" scan --root "$R" --state-dir "$S" --mountinfo "$T/mi1"
grep -q 'mounts compared with the snapshot taken .*: 1 alert,' "$T/out" ||
        { cat "$T/out"; fail "the summary does not count the removed mount"; }

# A mount table that is no mountinfo: one error naming it, nothing recorded.
printf 'garbage\n' >"$T/bad"
run 2 "$DW" scan --root "$R" --state-dir "$S" --mountinfo "$T/bad"
# The mount step comes after the file drift, whose coverage line came first.
grep -q '^scan: file drift of /usr /boot /etc' "$T/err" || fail "no coverage line: $(cat "$T/err")"
sed -i '/^scan: file drift of /d' "$T/err"
expect_one_error_line "$T/bad"
run 2 "$DW" scan --root "$R" --state-dir "$S" --mountinfo ""
