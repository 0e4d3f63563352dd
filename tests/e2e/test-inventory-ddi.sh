# driftwatch inventory of signed verity images: a DDI built by systemd-repart
# (usr, usr-verity, usr-verity-sig, signed with a throwaway certificate) and a
# bare squashfs with .roothash, .roothash.p7s (openssl smime over the hex root
# hash, as systemd-repart signs it) and .verity (veritysetup format), in
# fixture roots: valid with the certificate in the root's /etc/verity.d,
# unknown signer without it, a tampered signature invalid, and with
# --verify-verity a data byte flipped after signing is a verity mismatch.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"

for t in systemd-repart mksquashfs openssl veritysetup jq python3; do
        command -v "$t" >/dev/null || skip "$t is not installed"
done

openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=driftwatch-test -days 2 \
        -keyout "$T/signer.key" -out "$T/signer.crt" 2>/dev/null || fail "openssl could not make a certificate"

# The extension: its /usr holds lib/extension-release.d and some data.
mkdir -p "$T/src/lib/extension-release.d" "$T/src/share/ext" "$T/defs"
printf 'ID=testos\nVERSION_ID=7\n' >"$T/src/lib/extension-release.d/extension-release.ext"
head -c 262144 /dev/urandom >"$T/src/share/ext/blob"
printf '[Partition]\nType=usr\nFormat=squashfs\nCopyFiles=%s:/\nVerity=data\nVerityMatchKey=usr\n' "$T/src" \
        >"$T/defs/10-usr.conf"
printf '[Partition]\nType=usr-verity\nVerity=hash\nVerityMatchKey=usr\n' >"$T/defs/20-usr-verity.conf"
printf '[Partition]\nType=usr-verity-sig\nVerity=signature\nVerityMatchKey=usr\n' >"$T/defs/30-usr-verity-sig.conf"
systemd-repart --empty=create --size=auto --dry-run=no --definitions="$T/defs" --private-key="$T/signer.key" \
        --certificate="$T/signer.crt" --json=pretty "$T/ext.raw" >"$T/repart.json" 2>"$T/repart.err" ||
        { cat "$T/repart.err" >&2; fail "systemd-repart could not build the image (it needs root and a loop device)"; }
roothash=$(jq -r '[.[] | select(.roothash != null) | .roothash][0]' "$T/repart.json")
[[ $roothash =~ ^[0-9a-f]{64}$ ]] || fail "systemd-repart printed no root hash"

# root NAME [trusted]: a fixture root with the DDI as /var/lib/extensions/ext.raw.
root() {
        local r=$T/$1
        mkdir -p "$r/usr/lib" "$r/var/lib/extensions"
        printf 'ID=testos\nVERSION_ID=7\n' >"$r/usr/lib/os-release"
        cp "$T/ext.raw" "$r/var/lib/extensions/ext.raw"
        if [ "${2:-}" = trusted ]; then
                mkdir -p "$r/etc/verity.d"
                cp "$T/signer.crt" "$r/etc/verity.d/test.crt"
        fi
}

# inv ROOT [OPTION...]: the inventory as JSON lines in $T/out.
inv() {
        local r=$1 rc=0
        shift
        timeout 120 "$DW" inventory --root "$T/$r" --format json "$@" >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -le 1 ] || { cat "$T/err" >&2; fail "inventory of $r exited $rc"; }
        expect_valid_jsonl "$T/out"
}
# image NAME JQ: a field of the DW-INV-IMAGE record of image NAME.
image() { jq -r --arg n "$1" "select(.rule.id == \"DW-INV-IMAGE\" and .driftwatch.image.name == \$n) | $2" "$T/out"; }
rules() { jq -r 'select(.rule.id != "DW-INV-IMAGE" and .rule.id != "DW-INV-UNAPPROVED" and .rule.id != "DW-RUN-SUMMARY") | .rule.id' "$T/out" | sort; }

# flip FILE OFFSET: inverts the byte at OFFSET of FILE.
flip() {
        local b
        b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
        printf "\\$(printf %03o $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# offset_of TYPE: where the partition of DPS type TYPE begins, from the inventory.
offset_of() { image ext ".driftwatch.image.partitions[] | select(.type | test(\"$1\")) | .offset"; }

# 1. Valid, with the certificate trusted.
root good trusted
inv good
[ "$(image ext .driftwatch.image.form)" = ddi ] || fail "the DDI is not read as one"
[ "$(image ext '.driftwatch.image.partitions | length')" = 3 ] || fail "not 3 partitions: $(image ext .driftwatch.image)"
image ext '.driftwatch.image.partitions[].type' | grep -q '^usr-.*-verity-sig$' || fail "no usr-verity-sig partition named"
[ "$(image ext .driftwatch.image.roothash)" = "$roothash" ] || fail "the root hash is not the one systemd-repart printed"
[ "$(image ext .driftwatch.image.signature.status)" = valid ] || fail "signature not valid: $(image ext .driftwatch.image.signature)"
[ "$(image ext .driftwatch.image.signature.signer)" = "/CN=driftwatch-test" ] || fail "the signer is not named"
want_fp=$(openssl x509 -in "$T/signer.crt" -outform DER | sha256sum | cut -d' ' -f1)
[ "$(image ext .driftwatch.image.signature.fingerprint)" = "$want_fp" ] || fail "the signer's fingerprint differs"
[ "$(image ext .driftwatch.image.signature.root_hash)" = "$roothash" ] || fail "the signature JSON's rootHash is not reported"
[ "$(image ext .driftwatch.image.release.ID)" = testos ] || fail "the extension-release of the usr partition is not read"
[ -z "$(rules)" ] || fail "findings on a valid signed DDI: $(rules)"
inv good --verify-verity
[ "$(image ext .driftwatch.image.verity.status)" = verified ] || fail "not verified: $(image ext .driftwatch.image.verity)"

# On a root whose kernel command line asks for a verity /usr, the valid
# signed DDI is no DW-INV-UNVERIFIED; a directory extension is.
mkdir -p "$T/good/etc/kernel" "$T/good/var/lib/extensions/plain/usr/lib/extension-release.d"
echo "usrhash=$roothash" >"$T/good/etc/kernel/cmdline"
printf "ID=testos\nVERSION_ID=7\n" >"$T/good/var/lib/extensions/plain/usr/lib/extension-release.d/extension-release.plain"
inv good
[ "$(rules)" = DW-INV-UNVERIFIED ] || fail "on a verity root: $(rules)"
jq -r 'select(.rule.id == "DW-INV-UNVERIFIED") | .file.path' "$T/out" | grep -qx /var/lib/extensions/plain ||
        fail "DW-INV-UNVERIFIED is not about the directory extension"

# 2. The same image without the certificate in verity.d: unknown signer.
root unknown
inv unknown
[ "$(image ext .driftwatch.image.signature.status)" = unknown-signer ] || fail "not unknown-signer"
[ "$(rules)" = DW-INV-SIGNER-UNKNOWN ] || fail "unknown signer: $(rules)"
jq -r 'select(.rule.id == "DW-INV-SIGNER-UNKNOWN") | .message' "$T/out" | grep -q "$want_fp" ||
        fail "the unknown signer's fingerprint is not in the message"

# systemd-sysext run with an image policy that wants signed root/usr: the
# image signed by an unknown certificate is unverified there; a policy that
# also takes unprotected images changes nothing.
mkdir -p "$T/unknown/etc/systemd/system/systemd-sysext.service.d"
printf '[Service]\nExecStart=\nExecStart=systemd-sysext refresh --image-policy=root=verity+signed+absent:usr=signed+absent\n' \
        >"$T/unknown/etc/systemd/system/systemd-sysext.service.d/50-policy.conf"
inv unknown
[ "$(rules)" = DW-INV-SIGNER-UNKNOWN ] || fail "a policy that takes unsigned verity for root: $(rules)"
printf '[Service]\nExecStart=\nExecStart=systemd-sysext refresh --image-policy=root=signed+absent:usr=signed+absent\n' \
        >"$T/unknown/etc/systemd/system/systemd-sysext.service.d/50-policy.conf"
inv unknown
[ "$(rules | tr '\n' ' ')" = "DW-INV-SIGNER-UNKNOWN DW-INV-UNVERIFIED " ] || fail "signed-only policy: $(rules)"
jq -r 'select(.rule.id == "DW-INV-UNVERIFIED") | .message' "$T/out" | grep -q "image-policy=root=signed+absent" ||
        fail "DW-INV-UNVERIFIED does not name the image policy"
printf '[Service]\nExecStart=\nExecStart=systemd-sysext refresh --image-policy=root=signed+unprotected:usr=signed\n' \
        >"$T/unknown/etc/systemd/system/systemd-sysext.service.d/50-policy.conf"
inv unknown
[ "$(rules)" = DW-INV-SIGNER-UNKNOWN ] || fail "a policy that takes unprotected images: $(rules)"

# 3. A byte of the signature changed: invalid.
root tampered trusted
sig=$(offset_of 'verity-sig$')
[ -n "$sig" ] || fail "no signature partition offset"
python3 - "$T/tampered/var/lib/extensions/ext.raw" "$sig" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(off)
    blob = f.read(4096)
    at = blob.index(b'"signature"')
    start = blob.index(b'"', at + len(b'"signature"') + 1)
    at = blob.index(b'"', start + 1) - 40   # in the RSA signature, the end of the DER
    f.seek(off + at)
    c = blob[at:at + 1]
    f.write(b"B" if c != b"B" else b"C")
PY
inv tampered
[ "$(image ext .driftwatch.image.signature.status)" = invalid ] || fail "tampered signature: $(image ext .driftwatch.image.signature)"
[ "$(rules)" = DW-INV-SIGNATURE-INVALID ] || fail "tampered signature: $(rules)"

# 4. A data byte flipped after signing: the signature still holds, the hash tree does not.
root flipped trusted
usr=$(offset_of '^usr-[^v]*$')
[ -n "$usr" ] || fail "no usr partition offset"
flip "$T/flipped/var/lib/extensions/ext.raw" $((usr + 65536))
inv flipped --verify-verity
[ "$(image ext .driftwatch.image.signature.status)" = valid ] || fail "the flipped image's signature should still verify"
[ "$(image ext .driftwatch.image.verity.status)" = mismatch ] || fail "flipped data: $(image ext .driftwatch.image.verity)"
# byte 65536 of the partition: data block 128 of 512 bytes (repart's), or 16 of 4096
case "$(image ext .driftwatch.image.verity.block)" in 128|16) ;; *) fail "the bad block is not the flipped one: $(image ext .driftwatch.image.verity)" ;; esac
[ "$(rules)" = DW-INV-VERITY-MISMATCH ] || fail "flipped data: $(rules)"
inv flipped
[ -z "$(rules)" ] || fail "without --verify-verity the flip is not seen, yet: $(rules)"

# scan passes --verify-verity to the inventory of its root.
rc=0
timeout 120 "$DW" scan --root "$T/flipped" --state-dir "$T/state" --verify-verity --format json >"$T/out" 2>"$T/err" ||
        rc=$?
[ "$rc" -le 1 ] || { cat "$T/err" >&2; fail "scan exited $rc"; }
jq -r .rule.id "$T/out" | grep -qx DW-INV-VERITY-MISMATCH || fail "scan --verify-verity: no DW-INV-VERITY-MISMATCH"

# 5. A bare squashfs with .roothash, .roothash.p7s and .verity.
B=$T/bare
mkdir -p "$B/usr/lib" "$B/var/lib/extensions" "$B/etc/verity.d" "$T/bsrc/usr/lib/extension-release.d"
printf 'ID=testos\nVERSION_ID=7\n' >"$B/usr/lib/os-release"
cp "$T/signer.crt" "$B/etc/verity.d/test.crt"
printf "ID=testos\nVERSION_ID=7\n" >"$T/bsrc/usr/lib/extension-release.d/extension-release.bare"
head -c 131072 /dev/urandom >"$T/bsrc/usr/lib/blob"
E=$B/var/lib/extensions
mksquashfs "$T/bsrc" "$E/bare.raw" -quiet -noappend >/dev/null
veritysetup format "$E/bare.raw" "$E/bare.verity" >"$T/vs.out" || fail "veritysetup format failed"
bh=$(sed -n 's/^Root hash:[[:space:]]*//p' "$T/vs.out")
[[ $bh =~ ^[0-9a-f]{64}$ ]] || fail "veritysetup printed no root hash"
echo "$bh" >"$E/bare.roothash"
# systemd signs the root hash as hex digits, no newline: a detached PKCS#7, DER.
printf '%s' "$bh" >"$T/bh"
openssl smime -sign -binary -noattr -outform DER -in "$T/bh" -signer "$T/signer.crt" -inkey "$T/signer.key" \
        -out "$E/bare.roothash.p7s" || fail "openssl smime could not sign"
inv bare --verify-verity
[ "$(image bare .driftwatch.image.form)" = squashfs ] || fail "the bare image is not squashfs"
[ "$(image bare .driftwatch.image.roothash)" = "$bh" ] || fail "the .roothash is not read"
[ "$(image bare .driftwatch.image.signature.source)" = sidecar ] || fail "the .p7s is not the signature's source"
[ "$(image bare .driftwatch.image.signature.status)" = valid ] || fail "bare signature: $(image bare .driftwatch.image.signature)"
[ "$(image bare .driftwatch.image.verity.status)" = verified ] || fail "bare verity: $(image bare .driftwatch.image.verity)"
[ -z "$(rules)" ] || fail "findings on a valid bare image: $(rules)"
# ... and flipped: a mismatch.
flip "$E/bare.raw" 8192
inv bare --verify-verity
[ "$(image bare .driftwatch.image.verity.status)" = mismatch ] || fail "flipped bare: $(image bare .driftwatch.image.verity)"
[ "$(rules)" = DW-INV-VERITY-MISMATCH ] || fail "flipped bare: $(rules)"
echo PASS
