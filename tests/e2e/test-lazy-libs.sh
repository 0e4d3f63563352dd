# Libraries loaded on first use: `driftwatch --version`, help and audit start
# without libcrypto and libostree (their loading is most of a start's CPU, see
# bench/startup.sh); the first hash loads libcrypto, the first ostree read the
# ostree module. The dynamic loader's own trace (LD_DEBUG=files) is the witness.
source "$(dirname "$0")/lib.sh"

# loaded CMD...: the names of the shared objects CMD's process loaded.
loaded() {
        LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$@" >/dev/null 2>&1 || true
        cat "$T"/ld.* | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u
        rm -f "${T:?}"/ld.*
}

libs=$(loaded "$DW" --version)
[ -n "$libs" ] || fail "LD_DEBUG traced nothing: the witness does not work here"
grep -q 'libc\.so' <<<"$libs" || fail "the trace lacks libc itself: $libs"
! grep -Eq 'libcrypto|libostree|driftwatch-ostree|libsystemd|libsquashfs|libmount|libblkid|libarchive|librelp|libcurl' <<<"$libs" ||
        fail "--version loads: $libs"
libs=$(loaded "$DW" help check)
! grep -Eq 'libcrypto|libostree' <<<"$libs" || fail "help loads: $libs"

mkdir -p "$T/tree"
printf 'x\n' >"$T/tree/x"
libs=$(loaded "$DW" baseline create --from "dir:$T/tree" --out "$T/b.db")
[ -s "$T/b.db" ] || fail "baseline create did not run"
grep -q 'libcrypto' <<<"$libs" || fail "hashing did not load libcrypto: $libs"
! grep -Eq 'libostree|driftwatch-ostree' <<<"$libs" || fail "baseline create of a plain tree loads libostree"
! grep -Eq 'libsystemd|libarchive' <<<"$libs" || fail "baseline create of a plain tree loads: $libs"
# An image archive loads libarchive (this one is no tar: refused once read).
libs=$(loaded "$DW" baseline create --from "oci-archive:$T/b.db" --out "$T/o.db")
grep -q 'libarchive' <<<"$libs" || fail "reading an image archive did not load libarchive: $libs"

# An export stream on standard input needs no libsystemd; a journal file does.
printf 'MESSAGE=x\n\n' >"$T/x.export"
libs=$(loaded "$DW" journal --file "$T/x.export")
! grep -q 'libsystemd' <<<"$libs" || fail "journal on an export stream loads libsystemd: $libs"
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || remote=/usr/lib/systemd/systemd-journal-remote
if [ -x "$remote" ]; then
        "$remote" --output="$T/x.journal" "$T/x.export" 2>/dev/null || fail "systemd-journal-remote failed"
        libs=$(loaded "$DW" journal --file "$T/x.journal")
        grep -q 'libsystemd' <<<"$libs" || fail "reading a journal file did not load libsystemd: $libs"
elif [ "${CI:-}" = true ]; then
        fail "systemd-journal-remote is not installed (a failure under CI=true)"
else
        echo "note: systemd-journal-remote is not installed: the journal-file half is not checked" >&2
fi
# The inventory of an offline root loads libsquashfs for a squashfs image
# only, and never libmount (the mount table is the live host's).
mkdir -p "$T/root/var/lib/extensions/d/usr/lib/extension-release.d"
echo ID=_any >"$T/root/var/lib/extensions/d/usr/lib/extension-release.d/extension-release.d"
libs=$(loaded "$DW" inventory --root "$T/root")
! grep -Eq 'libsquashfs|libmount|libblkid' <<<"$libs" || fail "the inventory of a directory image loads: $libs"
if command -v mksquashfs >/dev/null; then
        mksquashfs "$T/root/var/lib/extensions/d" "$T/root/var/lib/extensions/s.raw" -quiet -noappend >/dev/null
        libs=$(loaded "$DW" inventory --root "$T/root")
        grep -q 'libsquashfs' <<<"$libs" || fail "reading a squashfs image did not load libsquashfs: $libs"
        ! grep -q 'libmount' <<<"$libs" || fail "an offline root's inventory loads libmount: $libs"
        ! grep -q 'libblkid' <<<"$libs" || fail "a bare squashfs image (no GPT) loads libblkid: $libs"
elif [ "${CI:-}" = true ]; then
        fail "mksquashfs is not installed (a failure under CI=true)"
else
        echo "note: mksquashfs (package squashfs-tools) is not installed: a squashfs image is not checked" >&2
fi
# A disk image with a GPT loads libblkid to read its partition table.
if command -v sfdisk >/dev/null; then
        truncate -s 4M "$T/root/var/lib/extensions/g.raw"
        echo 'label: gpt' | sfdisk -q "$T/root/var/lib/extensions/g.raw" >/dev/null || fail "sfdisk failed"
        libs=$(loaded "$DW" inventory --root "$T/root")
        grep -q 'libblkid' <<<"$libs" || fail "reading a GPT image did not load libblkid: $libs"
elif [ "${CI:-}" = true ]; then
        fail "sfdisk is not installed (a failure under CI=true)"
else
        echo "note: sfdisk (package fdisk) is not installed: a GPT image's loading of libblkid is not checked" >&2
fi
# The agent's outputs load their protocol library when one is opened: librelp
# for relp://, libcurl for https:// (dw-ship-test opens the output, then has
# nothing to send).
SHIP=${DW_SHIP_TEST:-$(dirname "$DW")/dw-ship-test}
[ -x "$SHIP" ] || fail "dw-ship-test is not built beside $DW"
libs=$(loaded "$SHIP" "relp://127.0.0.1:1" </dev/null)
grep -q 'librelp' <<<"$libs" || fail "opening a relp:// output did not load librelp: $libs"
! grep -q 'libcurl' <<<"$libs" || fail "a relp:// output loads libcurl: $libs"
libs=$(loaded "$SHIP" "https://127.0.0.1:1/_bulk" </dev/null)
grep -q 'libcurl' <<<"$libs" || fail "opening an https:// output did not load libcurl: $libs"
! grep -q 'librelp' <<<"$libs" || fail "an https:// output loads librelp: $libs"
echo PASS
