# driftwatch mounts with real mounts, in a private mount namespace (lib.sh's
# host-readonly sandbox: the host's /etc, /usr and /var are read-only binds
# there, and nothing mounted here is seen outside): a baseline, then /usr
# remounted read-write, an overlay on /usr, a tmpfs over /etc/sudoers.d, a
# run without change, the tmpfs gone; saved mountinfo copies for verity, the
# bootc composefs join and bad input; the state database untouched by a
# failing run.
DW_SANDBOX=host-readonly
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"
db=$T/state.db
boot=$(cat /proc/sys/kernel/random/boot_id)

# jqe FILTER FILE: whether FILTER is true for some line of the JSON Lines FILE.
jqe() { jq -s -e "[.[] | $1] | any" "$2"; }
mounts() { "$DW" mounts --state "$db" --format json "$@"; }
# "RULE target" of every alert in $T/out, sorted.
alerts() { jq -r 'select(.event.kind == "alert") | "\(.rule.id) \(.file.path)"' "$T/out" | LC_ALL=C sort; }
# expect_alerts < LINES: the alerts, and exactly one snapshot event with its list.
expect_alerts() {
        diff -u <(LC_ALL=C sort) <(alerts) || fail "alerts differ (- expected, + got)"
        [ "$(jq -c 'select(.rule.id == "DW-MNT-SNAPSHOT")' "$T/out" | wc -l)" -eq 1 ] || fail "no single snapshot event"
        jqe 'select(.rule.id == "DW-MNT-SNAPSHOT") | .driftwatch.mounts.list | length >= 1' "$T/out" >/dev/null ||
                fail "the snapshot event has no mount list"
}

# 1. The first snapshot of this boot: the baseline, no alert.
run 0 mounts
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
jqe 'select(.rule.id == "DW-MNT-BASELINE")' "$T/out" >/dev/null || fail "no baseline event"
expect_alerts </dev/null
jqe "select(.rule.id == \"DW-MNT-SNAPSHOT\") | .driftwatch.mounts.boot_id == \"$boot\"" "$T/out" >/dev/null ||
        fail "the snapshot event does not carry the boot id"

# 2. /usr (a read-only bind in this namespace) remounted read-write.
mount -o remount,bind,rw /usr || fail "cannot remount /usr read-write in the namespace"
run 1 mounts
drop_summary "$T/out"
expect_alerts <<<"DW-MNT-USR-RW /usr"
jqe 'select(.rule.id == "DW-MNT-USR-RW") | .driftwatch.before.options | startswith("ro")' "$T/out" >/dev/null ||
        fail "DW-MNT-USR-RW does not show the options before"
mount -o remount,bind,ro /usr
run 1 mounts    # back to read-only: an option change of a mount above /usr/local
drop_summary "$T/out"
expect_alerts <<<"DW-MNT-WATCHED-OPTIONS /usr"

# 3. An overlay on /usr (lower: the namespace's read-only /usr; upper and work
# under $T) and a tmpfs over /etc/sudoers.d (or, where sudo is not
# installed, the first watched directory that exists: /etc is read-only here).
surf=
for d in /etc/sudoers.d /etc/pam.d /etc/systemd /etc/ssh; do
        if [ -d "$d" ]; then surf=$d; break; fi
done
[ -n "$surf" ] || fail "none of /etc/sudoers.d, /etc/pam.d, /etc/systemd, /etc/ssh exists"
mkdir -p "$T/upper" "$T/work"
mount -t overlay overlay -o "lowerdir=/usr,upperdir=$T/upper,workdir=$T/work" /usr ||
        fail "cannot mount an overlay on /usr in the namespace"
mount -t tmpfs dw-test-tmpfs "$surf" || fail "cannot mount a tmpfs on $surf in the namespace"
run 1 mounts
drop_summary "$T/out"
printf '%s\n' "DW-MNT-OVERLAY-NEW /usr" "DW-MNT-WATCHED-NEW $surf" | expect_alerts
jqe 'select(.rule.id == "DW-MNT-OVERLAY-NEW") | .driftwatch.mount.after.super_options | contains("lowerdir=/usr")' \
        "$T/out" >/dev/null || fail "the overlay finding lacks its lowerdir"
jqe 'select(.rule.id == "DW-MNT-WATCHED-NEW") | .driftwatch.mount.watched == "'"$surf"'"' "$T/out" >/dev/null ||
        fail "the $surf finding does not name the watch entry"

# 4. No change: nothing but the snapshot.
run 0 mounts
drop_summary "$T/out"
expect_alerts </dev/null
[ "$(wc -l <"$T/out")" -eq 1 ] || fail "an unchanged table reports more than the snapshot"

# 5. The tmpfs gone.
umount "$surf"
run 1 mounts
drop_summary "$T/out"
expect_alerts <<<"DW-MNT-WATCHED-REMOVED $surf"
umount -l /usr       # lazily: this shell may hold files of the overlay open

# 6. A saved copy of a composefs root with verity, then without (another
# boot id: its own baseline first).
printf '%s\n' \
        '1 0 0:30 / / ro,relatime - overlay composefs ro,lowerdir=/run/ostree/.private/cfsroot-lower,datadir=/sysroot/ostree/repo/objects,verity=require' \
        '2 1 254:1 / /sysroot ro - ext4 /dev/vda3 rw' \
        '3 1 0:5 / /run rw - tmpfs tmpfs rw' >"$T/v1"
sed 's/,verity=require//' "$T/v1" >"$T/v2"
run 0 mounts --mountinfo "$T/v1" --boot-id 00000000-0000-0000-0000-000000000001
drop_summary "$T/out"
jqe 'select(.rule.id == "DW-MNT-SNAPSHOT") | .driftwatch.mounts.image_mode' "$T/out" >/dev/null ||
        fail "a composefs root with /sysroot is not image mode"
run 1 mounts --mountinfo "$T/v2" --boot-id 00000000-0000-0000-0000-000000000001
drop_summary "$T/out"
expect_alerts <<<"DW-MNT-VERITY-REMOVED /"

# 7. bootc's composefs state joined (BootEntry.composefs of bootc's spec.rs).
printf '%s' '{"apiVersion":"org.containers.bootc/v1","kind":"BootcHost","spec":{},
 "status":{"booted":{"image":null,"pinned":false,"incompatible":false,
   "composefs":{"verity":"4f2a","bootType":"Bls","bootloader":"Systemd","missingVerityAllowed":true}}}}' >"$T/bootc.json"
run 1 mounts --mountinfo "$T/v1" --boot-id 00000000-0000-0000-0000-000000000002 --bootc-status "$T/bootc.json"
drop_summary "$T/out"
expect_alerts <<<"DW-MNT-COMPOSEFS-VERITY-OPTIONAL /"
jqe 'select(.rule.id == "DW-MNT-SNAPSHOT") | .driftwatch.mounts.bootc.composefs.verity == "4f2a"' "$T/out" \
        >/dev/null || fail "the snapshot event lacks bootc's composefs state"
sed 's/"missingVerityAllowed":true/"missingVerityAllowed":false/' "$T/bootc.json" >"$T/bootc2.json"
run 1 mounts --mountinfo "$T/v2" --boot-id 00000000-0000-0000-0000-000000000003 --bootc-status "$T/bootc2.json"
drop_summary "$T/out"
expect_alerts <<<"DW-MNT-COMPOSEFS-VERITY-LOST /"

# 8. Hostile target names (\012, \040, terminal escapes): exact in JSON,
# escaped in text.
printf '1 0 0:1 / / rw - ext4 /dev/vda rw\n' >"$T/h1"
{ cat "$T/h1"; printf '2 1 0:2 / /etc/sudoers.d/a\\012b\\033[31mred\\040x rw - tmpfs t\\033]0;x rw\n'; } >"$T/h2"
run 0 mounts --mountinfo "$T/h1" --boot-id 00000000-0000-0000-0000-000000000004
drop_summary "$T/out"
run 1 mounts --mountinfo "$T/h2" --boot-id 00000000-0000-0000-0000-000000000004
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
jqe 'select(.rule.id == "DW-MNT-WATCHED-NEW") | .file.path == "/etc/sudoers.d/a\nb\u001b[31mred x"' "$T/out" \
        >/dev/null || fail "the hostile target is not kept exactly in JSON"
run 0 "$DW" mounts --state "$T/text.db" --mountinfo "$T/h1" --boot-id 00000000-0000-0000-0000-000000000006
run 1 "$DW" mounts --state "$T/text.db" --mountinfo "$T/h2" --boot-id 00000000-0000-0000-0000-000000000006
if LC_ALL=C grep -q $'\033' "$T/out" "$T/err"; then fail "a terminal escape reached the text output"; fi
grep -q 'sudoers.d' "$T/out" || fail "the text output lacks the hostile mount"

# 9. Bad input: one error line naming the file, exit 2, the database unchanged.
before=$(sqlite3 "$db" 'SELECT count(*) FROM mount_snapshots; SELECT count(*) FROM mount_entries;')
: >"$T/empty"
run 2 mounts --mountinfo "$T/empty"
drop_summary "$T/out"
expect_one_error_line "$T/empty"
grep -q 'no mounts' "$T/err" || fail "an empty mount table is not called one"
head -c 60 /proc/self/mountinfo >"$T/cut"
run 2 mounts --mountinfo "$T/cut"
drop_summary "$T/out"
expect_one_error_line "$T/cut"
printf '1 0 0:1 / / rw - ext4 /dev/vda rw\n2 1 0:2 / /x rw\n' >"$T/short"
run 2 mounts --mountinfo "$T/short"
drop_summary "$T/out"
expect_one_error_line "$T/short"
awk 'BEGIN { for (i = 1; i <= 100001; i++) printf "%d 1 0:1 / /m/%d rw - tmpfs t rw\n", i, i }' >"$T/huge"
run 2 mounts --mountinfo "$T/huge"
drop_summary "$T/out"
expect_one_error_line "$T/huge"
run 2 mounts --boot-id 'x;y'
drop_summary "$T/out"
expect_one_error_line 'x;y'
[ "$(sqlite3 "$db" 'SELECT count(*) FROM mount_snapshots; SELECT count(*) FROM mount_entries;')" = "$before" ] ||
        fail "a failed run changed the state database"

# 100,000 mounts (the kernel's default fs.mount-max): bounded time and memory.
head -n 100000 "$T/huge" >"$T/big"
command -v /usr/bin/time >/dev/null || skip "GNU time is not installed"
/usr/bin/time -f '%e %M' -o "$T/time" "$DW" mounts --state "$T/big.db" --mountinfo "$T/big" \
        --boot-id 00000000-0000-0000-0000-000000000007 --format json >"$T/out" 2>"$T/err" ||
        fail "100,000 mounts failed: $(cat "$T/err")"
read -r secs kib <"$T/time"
echo "100,000 mounts: ${secs}s, ${kib} KiB"
[ "${secs%.*}" -lt 30 ] || fail "100,000 mounts took ${secs}s"
[ "$kib" -lt 400000 ] || fail "100,000 mounts took ${kib} KiB"
jqe 'select(.rule.id == "DW-MNT-SNAPSHOT") | .driftwatch.mounts.count == 100000' "$T/out" >/dev/null ||
        fail "the snapshot of 100,000 mounts is not one event"

# A database that is not ours stays untouched.
sqlite3 "$T/foreign.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
run 2 "$DW" mounts --state "$T/foreign.db"
expect_one_error_line "$T/foreign.db"
[ "$(sqlite3 "$T/foreign.db" 'SELECT count(*) FROM sqlite_schema')" -eq 1 ] || fail "a foreign database got tables"
echo PASS
