# driftwatch inventory --root on a fixture root built here: directory and
# squashfs (mksquashfs) extensions on systemd's search paths, shadowing,
# sidecars, compatibility with the root's os-release, the approved list, a
# writable search path, an attached portable service, and bad input (an
# extension-release of 1 MB, a symlink loop, a FIFO, a truncated squashfs):
# one finding naming the image each, no hang.
source "$(dirname "$0")/lib.sh"

command -v mksquashfs >/dev/null || skip "mksquashfs (package squashfs-tools) is not installed"
command -v jq >/dev/null || skip "jq is not installed"

R=$T/root
mkdir -p "$R"/etc "$R"/usr/lib "$R"/var/lib/extensions "$R"/run/extensions "$R"/etc/extensions \
        "$R"/var/lib/confexts "$R"/etc/systemd/system.attached
printf 'ID=testos\nVERSION_ID=7\nSYSEXT_LEVEL=1.0\n' >"$R/usr/lib/os-release"
ln -s ../usr/lib/os-release "$R/etc/os-release"       # resolved inside the root, never on the host

# ext DIR NAME [etc] FIELD...: an extension tree with its extension-release.
ext() {
        local d=$1 n=$2 rel=usr/lib/extension-release.d
        shift 2
        if [ "${1:-}" = etc ]; then rel=etc/extension-release.d; shift; fi
        mkdir -p "$d/$rel" "$d/usr/share/$n"
        printf '%s\n' "$@" >"$d/$rel/extension-release.$n"
        echo "$n" >"$d/usr/share/$n/file"
}

ext "$R/var/lib/extensions/tools" tools ID=testos SYSEXT_LEVEL=1.0
ext "$R/run/extensions/tools" tools ID=_any                          # wins over /var/lib: first in precedence
ln -s /missing "$R/etc/extensions/tools"                              # dangling: systemd skips it, it wins nothing
ext "$T/src/sq" sq ID=testos VERSION_ID=6                            # VERSION_ID mismatch, no level
mksquashfs "$T/src/sq" "$R/var/lib/extensions/sq.raw" -quiet -noappend >/dev/null
echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >"$R/var/lib/extensions/sq.roothash"
: >"$R/var/lib/extensions/sq.roothash.p7s"
ext "$T/src/arch" arch ID=testos SYSEXT_LEVEL=1.0 ARCHITECTURE=s390-not-this-one
mksquashfs "$T/src/arch" "$R/etc/extensions/arch.raw" -quiet -noappend >/dev/null
ext "$R/var/lib/confexts/cfg" cfg etc ID=testos CONFEXT_LEVEL=1.0 VERSION_ID=7
ext "$R/var/lib/extensions/scoped" scoped ID=testos SYSEXT_LEVEL=1.0 SYSEXT_SCOPE=initrd
mkdir -p "$T/src/app/usr/lib" "$R/var/lib/portables"                   # a portable service image
printf 'ID=appos\nVERSION_ID=3\n' >"$T/src/app/usr/lib/os-release"
mksquashfs "$T/src/app" "$R/var/lib/portables/app.raw" -quiet -noappend >/dev/null
: >"$R/var/lib/extensions/notes.txt"                                  # not *.raw: systemd ignores it
ln -s /usr/lib/os-release "$R/var/lib/extensions/abs.raw"             # the root's file, not the host's
ln -s /etc/hostname "$R/var/lib/extensions/hostname"                  # absent in the root: not the host's

# Renamed images: the extension-release of another name counts only with
# user.extension-release.strict=0 on it (systemd's rule), here for directories.
command -v setfattr >/dev/null || skip "setfattr (package attr) is not installed"
ext "$R/var/lib/extensions/renamed" original ID=testos SYSEXT_LEVEL=1.0
setfattr -n user.extension-release.strict -v 0 \
        "$R/var/lib/extensions/renamed/usr/lib/extension-release.d/extension-release.original" ||
        skip "the file system of $T keeps no user.* extended attributes"
ext "$R/var/lib/extensions/strict" original ID=testos SYSEXT_LEVEL=1.0

# Bad input.
mkdir -p "$R/var/lib/extensions/big/usr/lib/extension-release.d"
head -c 1048576 /dev/zero | tr '\0' A >"$R/var/lib/extensions/big/usr/lib/extension-release.d/extension-release.big"
mkdir -p "$R/var/lib/extensions/loop/usr/lib/extension-release.d"
ln -s extension-release.loop "$R/var/lib/extensions/loop/usr/lib/extension-release.d/extension-release.loop"
ln -s loopy "$R/var/lib/extensions/loopy"
mkfifo "$R/var/lib/extensions/fifo.raw"
ext "$T/src/trunc" trunc ID=testos SYSEXT_LEVEL=1.0
head -c 300000 /dev/urandom >"$T/src/trunc/usr/share/trunc/blob"
mksquashfs "$T/src/trunc" "$T/full.raw" -quiet -noappend >/dev/null
head -c $(($(stat -c %s "$T/full.raw") / 2)) "$T/full.raw" >"$R/var/lib/extensions/trunc.raw"

chmod 0777 "$R/var/lib/confexts"
echo '[Service]' >"$R/etc/systemd/system.attached/app.service"

timeout 60 "$DW" inventory --root "$R" --format json >"$T/out" 2>"$T/err" || rc=$?
[ "${rc:-0}" -eq 1 ] || { cat "$T/err"; fail "inventory exited ${rc:-0}, expected 1 (alerts)"; }
expect_valid_jsonl "$T/out"

# rule, path per finding, sorted.
got() { jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | [.rule.id, .file.path] | join(" ")' "$T/out" | LC_ALL=C sort; }
want=$(LC_ALL=C sort <<'W'
DW-INV-IMAGE /etc/extensions/arch.raw
DW-INV-IMAGE /etc/extensions/tools
DW-INV-IMAGE-UNREADABLE /etc/extensions/tools
DW-INV-IMAGE /var/lib/extensions/renamed
DW-INV-UNAPPROVED /var/lib/extensions/renamed
DW-INV-IMAGE /var/lib/extensions/strict
DW-INV-UNAPPROVED /var/lib/extensions/strict
DW-INV-RELEASE-INVALID /var/lib/extensions/strict
DW-INV-IMAGE /var/lib/portables/app.raw
DW-INV-UNAPPROVED /var/lib/portables/app.raw
DW-INV-IMAGE /var/lib/extensions/abs.raw
DW-INV-IMAGE-UNREADABLE /var/lib/extensions/abs.raw
DW-INV-IMAGE /var/lib/extensions/hostname
DW-INV-IMAGE-UNREADABLE /var/lib/extensions/hostname
DW-INV-UNAPPROVED /etc/extensions/arch.raw
DW-INV-INCOMPATIBLE /etc/extensions/arch.raw
DW-INV-IMAGE /run/extensions/tools
DW-INV-RUNTIME-IMAGE /run/extensions/tools
DW-INV-IMAGE /var/lib/extensions/big
DW-INV-UNAPPROVED /var/lib/extensions/big
DW-INV-RELEASE-INVALID /var/lib/extensions/big
DW-INV-IMAGE /var/lib/extensions/fifo.raw
DW-INV-IMAGE-UNREADABLE /var/lib/extensions/fifo.raw
DW-INV-IMAGE /var/lib/extensions/loop
DW-INV-UNAPPROVED /var/lib/extensions/loop
DW-INV-RELEASE-INVALID /var/lib/extensions/loop
DW-INV-IMAGE /var/lib/extensions/loopy
DW-INV-IMAGE-UNREADABLE /var/lib/extensions/loopy
DW-INV-IMAGE /var/lib/extensions/scoped
DW-INV-UNAPPROVED /var/lib/extensions/scoped
DW-INV-INCOMPATIBLE /var/lib/extensions/scoped
DW-INV-IMAGE /var/lib/extensions/sq.raw
DW-INV-UNAPPROVED /var/lib/extensions/sq.raw
DW-INV-INCOMPATIBLE /var/lib/extensions/sq.raw
DW-INV-IMAGE /var/lib/extensions/tools
DW-INV-UNAPPROVED /var/lib/extensions/tools
DW-INV-IMAGE /var/lib/extensions/trunc.raw
DW-INV-IMAGE-UNREADABLE /var/lib/extensions/trunc.raw
DW-INV-IMAGE /var/lib/confexts/cfg
DW-INV-CONFEXT-UNAPPROVED /var/lib/confexts/cfg
DW-INV-SEARCH-PATH-WRITABLE /var/lib/confexts
DW-INV-PORTABLE-ATTACHED /etc/systemd/system.attached/app.service
W
)
diff -u <(echo "$want") <(got) || fail "findings differ (- expected, + got)"

# The records: forms, hashes, sidecars, fields, verdicts, shadowing.
img() { jq -c --arg p "$1" 'select(.file.path == $p and .rule.id == "DW-INV-IMAGE") | .driftwatch.image' "$T/out"; }
sq=$(img /var/lib/extensions/sq.raw)
[ "$(jq -r .form <<<"$sq")" = squashfs ] || fail "sq.raw: form $(jq -r .form <<<"$sq")"
[ "$(jq -r .sha256 <<<"$sq")" = "$(sha256sum "$R/var/lib/extensions/sq.raw" | cut -d' ' -f1)" ] ||
        fail "sq.raw: SHA-256 differs from sha256sum"
[ "$(jq -r .size <<<"$sq")" = "$(stat -c %s "$R/var/lib/extensions/sq.raw")" ] || fail "sq.raw: size"
[ "$(jq -c .sidecars <<<"$sq")" = '[".roothash",".roothash.p7s"]' ] || fail "sq.raw: sidecars $(jq -c .sidecars <<<"$sq")"
[ "$(jq -r .roothash <<<"$sq")" = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef ] || fail "sq.raw: roothash"
[ "$(jq -r .release.VERSION_ID <<<"$sq")" = 6 ] || fail "sq.raw: extension-release not read from inside the image"
[ "$(jq -r .compatible <<<"$sq")" = version-mismatch ] || fail "sq.raw: $(jq -r .compatible <<<"$sq")"
[ "$(jq -r .compatible <<<"$(img /etc/extensions/arch.raw)")" = architecture-mismatch ] ||
        fail "arch.raw: $(img /etc/extensions/arch.raw)"
[ "$(jq -r .compatible <<<"$(img /var/lib/extensions/scoped)")" = scope-mismatch ] || fail "scoped: scope"
[ "$(jq -r .compatible <<<"$(img /var/lib/extensions/tools)")" = compatible ] || fail "tools: SYSEXT_LEVEL match"
[ "$(jq -r .compatible <<<"$(img /var/lib/confexts/cfg)")" = compatible ] || fail "cfg: CONFEXT_LEVEL match"
[ "$(jq -r .shadowed_by <<<"$(img /var/lib/extensions/tools)")" = /run/extensions/tools ] ||
        fail "/var/lib/extensions/tools is not reported shadowed by /run/extensions/tools"
[ "$(jq -r .lifetime <<<"$(img /run/extensions/tools)")" = soft-reboot ] || fail "/run lifetime"
[ "$(jq -r '.shadowed_by // "none"' <<<"$(img /run/extensions/tools)")" = none ] ||
        fail "a dangling symlink earlier in the search path shadows /run/extensions/tools"
[ "$(jq -r .form <<<"$(img /var/lib/extensions/fifo.raw)")" = fifo ] || fail "fifo form"
[ "$(jq -r '.compatible + " " + .release_file' <<<"$(img /var/lib/extensions/renamed)")" = \
  "compatible usr/lib/extension-release.d/extension-release.original" ] ||
        fail "renamed image with strict=0: $(img /var/lib/extensions/renamed)"
[ "$(jq -r '.class + " " + .release.ID + " " + .release_file' <<<"$(img /var/lib/portables/app.raw)")" = \
  "portable appos usr/lib/os-release" ] || fail "portable image: $(img /var/lib/portables/app.raw)"
[ "$(jq -r .sha256 <<<"$(img /var/lib/extensions/abs.raw)")" = "$(sha256sum "$R/usr/lib/os-release" | cut -d' ' -f1)" ] ||
        fail "an absolute symlink in the root was not resolved inside it"
[ "$(jq -r '.merged // "absent"' <<<"$sq")" = absent ] || fail "an offline root must not claim a merged state"
jq -s -e --arg r "$R" 'map(select(.rule.id == "DW-INV-IMAGE") | .driftwatch.root == $r) | all' "$T/out" >/dev/null ||
        fail "driftwatch.root is not the offline root"
grep -q '"DW-INV-RELEASE-INVALID".*larger than 64 KiB' <(jq -c '[.rule.id, .message]' "$T/out") ||
        fail "the 1 MB extension-release is not refused as too large"
jq -r 'select(.rule.id == "DW-INV-IMAGE-UNREADABLE") | .message' "$T/out" | grep -q "trunc.raw': not a valid squashfs image" ||
        fail "the truncated squashfs is not named"

# The approved list: an approved image is an event with its entry, not an
# alert; an expired entry and an unused one are reported.
sum=$(sha256sum "$R/var/lib/extensions/sq.raw" | cut -d' ' -f1)
cat >"$T/approved.yaml" <<A
version: 1
approved:
  - name: sq
    sha256: $sum
    owner: platform
    reason: debugging tools
    expires: 2999-12-31
  - name: arch
    roothash: 0000000000000000000000000000000000000000000000000000000000000000
    owner: platform
    reason: wrong root hash
    expires: 2999-12-31
  - name: "t*"
    owner: platform
    reason: old approval
    expires: 2001-01-01
  - name: ghost
    owner: nobody
    reason: gone
    expires: 2999-12-31
A
rc=0
timeout 60 "$DW" inventory --root "$R" --approved "$T/approved.yaml" --format json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/err"; fail "inventory --approved exited $rc"; }
if got | grep -q "^DW-INV-UNAPPROVED /var/lib/extensions/sq.raw"; then fail "an approved image is still an alert"; fi
# (jq -s: jq 1.6's -e looks at the last input, not the last output)
jq -s -e 'any(.[]; .rule.id == "DW-INV-IMAGE" and .file.path == "/var/lib/extensions/sq.raw" and
              (.driftwatch.allowlist // "" | startswith("sq (owner platform")))' "$T/out" >/dev/null ||
        fail "approval not recorded"
got | grep -q "^DW-INV-UNAPPROVED /etc/extensions/arch.raw" || fail "a roothash that differs approved the image"
got | grep -q "^DW-INV-APPROVAL-EXPIRED t\*" || fail "the expired entry is not reported"
got | grep -q "^DW-INV-APPROVAL-UNUSED ghost" || fail "the unused entry is not reported"
got | grep -q "^DW-INV-APPROVAL-UNUSED arch" || fail "the entry whose root hash matched nothing is not unused"
jq -r 'select(.rule.id == "DW-INV-UNAPPROVED" and .file.path == "/var/lib/extensions/tools") | .message' "$T/out" |
        grep -q "its approval expired" || fail "the expired approval is not named on the image"

# A root whose kernel command line asks for a verity-protected /usr: images
# without a root hash or without a valid signature are alerts there, not
# elsewhere. An empty .p7s is no signature (test-inventory-ddi.sh has real ones).
V=$T/verity
mkdir -p "$V/usr/lib" "$V/etc/kernel" "$V/var/lib/extensions"
printf 'ID=testos\nVERSION_ID=7\n' >"$V/usr/lib/os-release"
echo "root=/dev/vda2 usrhash=$(printf 'ab%.0s' $(seq 32)) quiet" >"$V/etc/kernel/cmdline"
ext "$T/src/signed" signed ID=testos VERSION_ID=7
mksquashfs "$T/src/signed" "$V/var/lib/extensions/signed.raw" -quiet -noappend >/dev/null
cp "$V/var/lib/extensions/signed.raw" "$V/var/lib/extensions/hashonly.raw"
for n in signed hashonly; do
        echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >"$V/var/lib/extensions/$n.roothash"
done
: >"$V/var/lib/extensions/signed.roothash.p7s"
ext "$V/var/lib/extensions/plain" plain ID=testos VERSION_ID=7
rc=0
"$DW" inventory --root "$V" --format json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/err"; fail "inventory of the verity root exited $rc"; }
diff -u <(printf '%s\n' "DW-INV-UNVERIFIED /var/lib/extensions/hashonly.raw" "DW-INV-UNVERIFIED /var/lib/extensions/plain" \
        "DW-INV-UNVERIFIED /var/lib/extensions/signed.raw") \
        <(got | grep UNVERIFIED) || fail "verity findings differ"
jq -r 'select(.rule.id == "DW-INV-UNVERIFIED") | .message' "$T/out" | grep -q "etc/kernel/cmdline has usrhash=" ||
        fail "the verity finding does not say why the host counts as verity-protected"
"$DW" inventory --root "$R" --format json >"$T/out" 2>/dev/null || true
if got | grep -q UNVERIFIED; then fail "DW-INV-UNVERIFIED on a root without verity"; fi

# scan runs the inventory of its root too, with the approved list given.
rc=0
timeout 120 "$DW" scan --root "$R" --state-dir "$T/state" --approved "$T/approved.yaml" --format json \
        >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 1 ] || { cat "$T/err"; fail "scan exited $rc"; }
jq -s -e 'any(.[]; .rule.id == "DW-INV-IMAGE" and .file.path == "/var/lib/extensions/sq.raw" and
              .driftwatch.allowlist != null)' "$T/out" >/dev/null || fail "scan did not run the inventory"
got | grep -q "^DW-INV-RUNTIME-IMAGE /run/extensions/tools" || fail "scan: no inventory alert"
run 2 "$DW" scan --root "$R" --state-dir "$T/state" --approved "$T/missing.yaml"
expect_one_error_line "$T/missing.yaml"

# Errors: one line naming the input, exit 2.
printf 'version: 1\napproved:\n  - name: x\n' >"$T/bad.yaml"
run 2 "$DW" inventory --root "$R" --approved "$T/bad.yaml"
expect_one_error_line "$T/bad.yaml"
run 2 "$DW" inventory --root "$T/missing"
expect_one_error_line "$T/missing"
echo PASS
