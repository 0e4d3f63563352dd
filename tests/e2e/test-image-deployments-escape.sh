# image deployments (text) with hostile commit metadata and origin: a version
# or image reference with a newline cannot forge a second deployment line, and
# no ESC byte reaches the terminal. A real sysroot made with the ostree CLI.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"

S=$T/sysroot
make_os_tree "$T/v1" 1.0
make_sysroot "$S"
c1=$(commit_tree "$S" "$T/v1" $'1.0\n* booted   fake 0000.0\e[2J')
deploy "$S"
DEP=$(deployment_dir "$S" 0)
# The origin's image reference: GKeyFile turns the \n escape into a newline.
printf '[origin]\ncontainer-image-reference=ostree-unverified-registry:q.io/x\\n* booted   evil\e]0;pwn\a\n' \
        >"$DEP.origin"

run 0 "$DW" image deployments --sysroot "$S"
[ "$(grep -c '^\*' "$T/out")" -eq 0 ] || { cat "$T/out"; fail "a forged '*' line in image deployments"; }
[ "$(grep -c '^  default' "$T/out")" -eq 1 ] || { cat "$T/out"; fail "more than one default line"; }
grep -q "^  default  testos $c1\.0\$" "$T/out" || { cat "$T/out"; fail "the default deployment line is missing"; }
grep -qF '    version: 1.0\n* booted   fake 0000.0\x1b[2J' "$T/out" || { cat "$T/out"; fail "version not escaped"; }
grep -qF '    image:   ostree-unverified-registry:q.io/x\n* booted   evil\x1b]0;pwn\x07' "$T/out" ||
        { cat "$T/out"; fail "image reference not escaped"; }
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/out"; then
        od -c "$T/out" | head -20
        fail "a raw control character in image deployments"
fi

# JSON carries the same values, escaped, one valid record per deployment.
run 0 "$DW" image deployments --sysroot "$S" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
[ "$(jq -r .driftwatch.after.version "$T/out")" = $'1.0\n* booted   fake 0000.0\e[2J' ] || fail "JSON version differs"
