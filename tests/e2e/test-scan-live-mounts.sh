# driftwatch scan of a LIVE root with mounts: the mount step, the inventory
# and union-aware file integrity as they run on "/" itself, with a real
# systemd-sysext merge. A full scan of this machine's / hashes gigabytes of
# /usr (about 90 s here), and a small --root is not live (the inventory reads
# the merged state only for "/"), so the test chroots into a small root of its
# own (lib-chroot.sh) in a private mount namespace inside lib.sh's read-only
# sandbox: there "/" is that root and a scan takes a fraction of a second.
# The first scan records the file baseline and the first mount snapshot; then
# systemd-sysext merges a directory extension from /run/extensions into /usr
# (an overlay) and a tmpfs is mounted over /usr/local (a watched path). The
# second scan reports both mounts (DW-MNT-OVERLAY-NEW, DW-MNT-WATCHED-NEW),
# the inventory says the extension is merged (as `systemd-sysext status`
# does), the files it adds to /usr are attributed to it, and the marker the
# merge writes (/usr/.systemd-sysext) is DW-INV-MERGE-MARKER, not drift.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-sysext.sh"
source "$(dirname "$0")/lib-chroot.sh"

R=$T/root
chroot_skel "$R"
mkdir -p "$R/usr/lib" "$R/usr/share/doc/base" "$R/usr/local" "$R/etc" "$R/boot" "$R/state"
signed_policy "$R"     # the posture part of scan finds a signature policy it has no fault with
cp /usr/lib/os-release "$R/usr/lib/os-release" 2>/dev/null || cp /etc/os-release "$R/usr/lib/os-release"
echo base >"$R/usr/share/doc/base/readme"
echo dwlive-root >"$R/etc/hostname"
mkdir -p "$T/ext/dwlive/usr/lib/extension-release.d" "$T/ext/dwlive/usr/share/dwlive"
printf '%s\n' "ID=$id" ${ver:+"VERSION_ID=$ver"} >"$T/ext/dwlive/usr/lib/extension-release.d/extension-release.dwlive"
echo dwlive >"$T/ext/dwlive/usr/share/dwlive/file"

cat >"$T/inside.sh" <<'IN'
set -eu
R=$T/root
mount --make-rshared /
chroot_mount "$R"
scan() {
        local rc=0
        SECONDS=0
        in_chroot "$R" driftwatch scan --state-dir /state --format json >"$T/$1.json" 2>"$T/$1.err" || rc=$?
        echo "$rc $SECONDS" >"$T/$1.rc"
}
scan first
mkdir -p "$R/run/extensions"
cp -a "$T/ext/dwlive" "$R/run/extensions/"
in_chroot "$R" systemd-sysext merge >"$T/merge.out" 2>&1 || { cat "$T/merge.out" >&2; exit 3; }
mount -t tmpfs dw-test-tmpfs "$R/usr/local"
in_chroot "$R" cat /proc/self/mountinfo >"$T/mounts"
scan second
in_chroot "$R" systemd-sysext status --json=short >"$T/status.json" 2>"$T/status.err" || true
scan third
IN
unshare --mount --propagation private -- bash "$T/inside.sh" ||
        fail "the merge in the chroot failed: $(cat "$T/merge.out" 2>/dev/null)"
[ ! -e "$R/usr/share/dwlive" ] || fail "the merge leaked out of its namespace"
grep -q " /usr .* - overlay .*extensions/dwlive/usr" "$T/mounts" ||
        fail "no overlay of dwlive on the chroot's /usr: $(cat "$T/merge.out")"

for s in first second third; do
        read -r rc secs <"$T/$s.rc"
        [ "$rc" -le 1 ] || fail "the $s scan exited $rc: $(cat "$T/$s.err")"
        [ "$secs" -le 10 ] || fail "the $s scan of the small root took ${secs}s"
        expect_valid_jsonl "$T/$s.json"
done

# The first scan: the baselines of files and mounts, nothing alerted.
[ "$(cut -d' ' -f1 "$T/first.rc")" = 0 ] || { cat "$T/first.json"; fail "the first scan alerted"; }
jq -e -s 'any(.[]; .rule.id == "DW-MNT-BASELINE") and any(.[]; .rule.id == "DW-MNT-SNAPSHOT") and
        any(.[]; .event.action == "baseline-recorded")' "$T/first.json" >/dev/null ||
        { cat "$T/first.json"; fail "the first scan did not record the file baseline and the mount snapshot"; }
[ -s "$R/state/state.db" ] && [ -s "$R/state/baseline.db" ] || fail "the state directory under \$T holds no state"

# The second: both new mounts, seen in the live namespace's own mount table.
[ "$(cut -d' ' -f1 "$T/second.rc")" = 1 ] || fail "the second scan did not alert"
jq -e -s 'any(.[]; .rule.id == "DW-MNT-OVERLAY-NEW" and .event.kind == "alert" and .file.path == "/usr" and
        (.driftwatch.mount.after.super_options | contains("extensions/dwlive/usr")))' "$T/second.json" >/dev/null ||
        { cat "$T/second.json"; fail "no DW-MNT-OVERLAY-NEW for the merge on /usr"; }
jq -e -s 'any(.[]; .rule.id == "DW-MNT-WATCHED-NEW" and .event.kind == "alert" and .file.path == "/usr/local" and
        .driftwatch.mount.after.fstype == "tmpfs")' "$T/second.json" >/dev/null ||
        { cat "$T/second.json"; fail "no DW-MNT-WATCHED-NEW for the tmpfs over /usr/local"; }
jq -e -s 'any(.[]; .rule.id == "DW-MNT-SNAPSHOT" and .driftwatch.mounts.baseline == false)' "$T/second.json" \
        >/dev/null || fail "the second scan emitted no snapshot event"

# The inventory part: the extension is present and merged now, as systemd says.
jq -e -s 'any(.[]; .rule.id == "DW-INV-IMAGE" and .file.path == "/run/extensions/dwlive" and
        .driftwatch.image.merged == true and .driftwatch.image.class == "sysext")' "$T/second.json" >/dev/null ||
        { cat "$T/second.json"; fail "the inventory does not report dwlive as merged"; }
jq -e -s 'any(.[]; .rule.id == "DW-INV-RUNTIME-IMAGE" and .file.path == "/run/extensions/dwlive")' \
        "$T/second.json" >/dev/null || fail "the unapproved image in /run/extensions is not an alert"
jq -e 'any(.[]; .hierarchy == "/usr" and (.extensions | tostring | contains("dwlive")))' "$T/status.json" \
        >/dev/null || fail "the oracle systemd-sysext status does not list dwlive on /usr: $(cat "$T/status.json" "$T/status.err")"

# Union-aware file integrity in the same scan: the added file is the extension's.
jq -e -s 'any(.[]; .file.path == "/usr/share/dwlive/file" and .event.action == "file-added" and
        .driftwatch.extension.name == "dwlive" and .driftwatch.extension.image == "/run/extensions/dwlive")' \
        "$T/second.json" >/dev/null || { cat "$T/second.json"; fail "the extension's file is not attributed to it"; }

# The marker the merge writes into its meta layer is the merge's, not drift of
# the base: events, no alert.
jq -e -s 'any(.[]; .file.path == "/usr/.systemd-sysext/extensions" and .rule.id == "DW-INV-MERGE-MARKER" and
        .event.kind == "event" and .driftwatch.extension.layer == "meta" and .driftwatch.extension.hierarchy == "/usr")
        and ([.[] | select((.file.path // "") | startswith("/usr/.systemd-sysext")) | select(.event.kind == "alert")]
        | length == 0)' "$T/second.json" >/dev/null ||
        { cat "$T/second.json"; fail "the merge's marker files are not DW-INV-MERGE-MARKER events"; }
sample_keep "$T/second.json"

# The third, nothing changed since: no mount finding but the snapshot.
[ "$(jq -r 'select(.rule.id | startswith("DW-MNT-")) | .rule.id' "$T/third.json")" = DW-MNT-SNAPSHOT ] ||
        { cat "$T/third.json"; fail "an unchanged mount table reported more than its snapshot"; }
echo PASS
