# Baseline of a real ostree commit read through libostree (bare and archive
# repositories), checked against a checkout: unchanged is clean, tampered paths
# are exactly what `ostree diff` (the peer oracle) reports.
source "$(dirname "$0")/lib.sh"

command -v ostree >/dev/null || skip "ostree CLI is not installed"

SRC=$T/src
mkdir -p "$SRC"/usr/bin "$SRC"/usr/lib "$SRC"/usr/share/doc "$SRC"/usr/etc/sudoers.d
printf '#!/bin/sh\necho tool\n' >"$SRC/usr/bin/tool"
chmod 755 "$SRC/usr/bin/tool"
ln -s tool "$SRC/usr/bin/tool-alias"
printf 'same\n' >"$SRC/usr/lib/a"
printf 'same\n' >"$SRC/usr/lib/b"         # one content object, two paths
printf 'data\n' >"$SRC/usr/lib/data"
setfattr -n user.origin -v image "$SRC/usr/lib/data"
printf 'readme\n' >"$SRC/usr/share/doc/readme"
printf 'Defaults env_reset\n' >"$SRC/usr/etc/sudoers"
chown 0:10 "$SRC/usr/etc/sudoers"
chmod 440 "$SRC/usr/etc/sudoers"

for mode in bare archive; do
        REPO=$T/repo-$mode
        CO=$T/co-$mode
        ostree init --repo="$REPO" --mode="$mode"
        ostree commit --repo="$REPO" -b test/os --subject "e2e $mode" --tree=dir="$SRC" >/dev/null
        commit=$(ostree rev-parse --repo="$REPO" test/os)

        run 0 "$DW" baseline create --from "ostree:$REPO:test/os" --out "$T/$mode.db"
        run 0 "$DW" baseline show "$T/$mode.db" --format json
        drop_summary "$T/out"
        [ "$(jq -r .commit "$T/out")" = "$commit" ] || fail "$mode: baseline does not name commit $commit"
        [ "$(jq -r .files "$T/out")" = 6 ] || fail "$mode: expected 6 files in the baseline: $(cat "$T/out")"

        # A commit checksum works as well as a ref, and gives the same entries.
        run 0 "$DW" baseline create --from "ostree:$REPO:$commit" --out "$T/$mode-by-commit.db"
        diff <("$DW" baseline show "$T/$mode.db" --entries --format json | grep -v DW-RUN-SUMMARY) \
             <("$DW" baseline show "$T/$mode-by-commit.db" --entries --format json | grep -v DW-RUN-SUMMARY) >/dev/null ||
                fail "$mode: baseline by commit differs from baseline by ref"

        # Hashes agree with the files as a checkout has them.
        ostree checkout --repo="$REPO" --force-copy test/os "$CO"
        run 0 "$DW" baseline show "$T/$mode.db" --entries --format json
        drop_summary "$T/out"
        [ "$(jq -r 'select(.path == "/usr/bin/tool") | .sha256' "$T/out")" = \
          "$(sha256sum <"$CO/usr/bin/tool" | cut -d' ' -f1)" ] || fail "$mode: content hash differs from the checkout"

        run 0 "$DW" check --baseline "$T/$mode.db" --root "$CO" --format json
        drop_summary "$T/out"
        no_findings "$T/out" || { cat "$T/out"; fail "$mode: clean checkout reported drift"; }

        # Tamper the checkout.
        printf 'echo evil\n' >>"$CO/usr/bin/tool"
        chmod 4755 "$CO/usr/lib/a"
        setfattr -n user.origin -v tampered "$CO/usr/lib/data"
        ln -sfn /tmp/evil "$CO/usr/bin/tool-alias"
        rm "$CO/usr/share/doc/readme"
        printf 'ALL ALL=(ALL) NOPASSWD: ALL\n' >"$CO/usr/etc/sudoers.d/zz"

        run 1 "$DW" check --baseline "$T/$mode.db" --root "$CO" --format json
        drop_summary "$T/out"
        expect_findings "$T/out" <<'EOF'
file-added "/usr/etc/sudoers.d/zz" -
file-modified "/usr/bin/tool" size,content
file-modified "/usr/bin/tool-alias" size,target
file-modified "/usr/lib/a" mode
file-modified "/usr/lib/data" xattr:user.origin
file-removed "/usr/share/doc/readme" -
EOF
        # The same paths as ostree's own diff of the commit against the tree.
        # (ostree diff prints added paths without their leading slash.)
        ostree diff --repo="$REPO" test/os "$CO" | awk '{ sub("^/*", "/", $2); print $2 }' | LC_ALL=C sort >"$T/oracle"
        jq -r .file.path "$T/out" | LC_ALL=C sort >"$T/ours"
        diff -u "$T/oracle" "$T/ours" || fail "$mode: paths differ from 'ostree diff'"
done

# A missing ref or repository is one clear error.
run 2 "$DW" baseline create --from "ostree:$T/repo-bare:no/such/ref" --out "$T/x.db"
expect_one_error_line "no/such/ref"
run 2 "$DW" baseline create --from "ostree:$T/nowhere:test/os" --out "$T/x.db"
expect_one_error_line "$T/nowhere"
[ ! -e "$T/x.db" ] || fail "a failed create left a baseline behind"

# A commit with a path past 4,095 bytes (21 levels of 200-byte names): read
# and recorded by its full path, not refused as malformed.
mkdir "$T/deep-src"
deep_at "$T/deep-src" 21 write f deep
deep=$(deep_chain 21)/f
[ ${#deep} -gt 4095 ] || fail "the deep path is only ${#deep} bytes"
ostree commit --repo="$T/repo-bare" -b test/deep --tree=dir="$T/deep-src" >/dev/null
run 0 "$DW" baseline create --from "ostree:$T/repo-bare:test/deep" --out "$T/deep.db"
run 0 "$DW" baseline show "$T/deep.db" --entries --format json
drop_summary "$T/out"
jq -se --arg p "$deep" 'any(.[]; .path == $p and .sha256 != null)' "$T/out" >/dev/null ||
        fail "the ${#deep}-byte path of the commit is not recorded"
echo PASS
