# image deployments and image verify on a real sysroot made with `ostree admin`:
# a clean deployment verifies clean; tampered /usr entries are exactly what the
# peer oracle `ostree diff` reports, with the attributes that changed, and an
# in-place edit of a hardlinked file is caught.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"

S=$T/sysroot
make_os_tree "$T/v1" 1.0
make_sysroot "$S"
c1=$(commit_tree "$S" "$T/v1" 1.0)
deploy "$S"
DEP=$(deployment_dir "$S" 0)
[ -d "$DEP/usr" ] || fail "deployment directory not found: $DEP"

run 0 "$DW" image deployments --sysroot "$S" --format json
drop_summary "$T/out"
[ "$(jq -r '.driftwatch.after.commit' "$T/out")" = "$c1" ] || fail "deployment commit: $(cat "$T/out")"
[ "$(jq -r '.driftwatch.after.role' "$T/out")" = default ] || fail "offline default deployment is not 'default'"
[ "$(jq -r '.driftwatch.after.version' "$T/out")" = 1.0 ] || fail "commit version not read"
[ "$(jq -r '.event.kind' "$T/out")" = event ] || fail "an inventory record is not an event"

run 0 "$DW" image verify --sysroot "$S" --format json
drop_summary "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "a clean deployment did not verify"; }
[ -z "$(ostree diff --repo="$S/ostree/repo" "$c1" "$DEP" | grep -E ' /?usr(/|$)' || true)" ] ||
        fail "the oracle sees drift in a clean deployment"

# Tamper /usr: through the hardlinks (the repository objects change too) and by
# replacing files (new inodes).
printf 'echo evil\n' >>"$DEP/usr/bin/tool"                            # in place, hardlinked
setfattr -n user.origin -v tampered "$DEP/usr/share/doc/data"          # in place, hardlinked
cp "$DEP/usr/bin/helper" "$T/helper" && rm "$DEP/usr/bin/helper"
printf 'HELPER\n' >"$DEP/usr/bin/helper"                                # replaced: content
cp "$DEP/usr/etc/sudoers" "$T/sudoers" && rm "$DEP/usr/etc/sudoers"
cp "$T/sudoers" "$DEP/usr/etc/sudoers" && chmod 4755 "$DEP/usr/etc/sudoers"   # replaced: mode
ln -sfn /tmp/evil "$DEP/usr/bin/tool-alias"                             # symlink target
printf 'implant\n' >"$DEP/usr/bin/implant"                              # added
rm "$DEP/usr/share/doc/readme"                                          # removed
rm -r "${DEP:?}/usr/etc/ssh"                                            # removed directory: listed once
rm -r "${DEP:?}/usr/etc/containers" && printf 'x\n' >"$DEP/usr/etc/containers"   # directory -> file: once

run 1 "$DW" image verify --sysroot "$S" --format json
drop_summary "$T/out"
cp "$T/out" "$T/verify.jsonl"
expect_findings "$T/verify.jsonl" <<'EOF'
file-added "/usr/bin/implant" -
file-modified "/usr/bin/helper" content
file-modified "/usr/bin/tool" ostree-checksum
file-modified "/usr/bin/tool-alias" size,target
file-modified "/usr/etc/containers" type
file-modified "/usr/etc/sudoers" mode
file-modified "/usr/share/doc/data" ostree-checksum
file-removed "/usr/etc/ssh" -
file-removed "/usr/share/doc/readme" -
EOF
# What was below the removed and the retyped directory is counted, not listed.
jq -se 'any(.[]; .file.path == "/usr/etc/ssh" and .driftwatch.before.entries_below == "2") and
        any(.[]; .file.path == "/usr/etc/containers" and .driftwatch.before.entries_below == "1" and
                 .driftwatch.after.entries_below == "0")' "$T/verify.jsonl" >/dev/null ||
        fail "a removed or retyped directory does not count what was below it"
jq -se 'all(.[]; .rule.id == "DW-IMG-VERIFY" and .driftwatch.severity == "critical")' "$T/verify.jsonl" >/dev/null ||
        fail "verify findings are not DW-IMG-VERIFY critical"
jq -se 'any(.[]; .file.path == "/usr/bin/tool" and (.driftwatch.quality | index("repository-object-modified")))' \
        "$T/verify.jsonl" >/dev/null || fail "in-place edit of a hardlinked object not flagged"
jq -se 'any(.[]; .file.path == "/usr/bin/tool" and .driftwatch.before["ostree-checksum"] != null)' \
        "$T/verify.jsonl" >/dev/null || fail "expected object checksum not reported"

# The same paths as ostree's own diff of the commit against the deployment.
ostree diff --repo="$S/ostree/repo" "$c1" "$DEP" | awk '{ sub("^/*", "/", $2); print $2 }' |
        grep -E '^/usr/' | LC_ALL=C sort >"$T/oracle"
jq -r .file.path "$T/verify.jsonl" | LC_ALL=C sort >"$T/ours"
diff -u "$T/oracle" "$T/ours" || fail "paths differ from 'ostree diff'"

# A second deployment: the first becomes the rollback; each verifies on its own.
make_os_tree "$T/v2" 2.0
c2=$(commit_tree "$S" "$T/v2" 2.0)
deploy "$S"
run 0 "$DW" image deployments --sysroot "$S" --format json
drop_summary "$T/out"
[ "$(jq -r 'select(.driftwatch.after.role == "default") | .driftwatch.after.commit' "$T/out")" = "$c2" ] ||
        fail "new default deployment not the default"
[ "$(jq -r 'select(.driftwatch.after.role == "rollback") | .driftwatch.after.commit' "$T/out")" = "$c1" ] ||
        fail "previous deployment not rollback"
# The new deployment shares the object that was edited in place through the
# first one (same content and xattrs in both commits): caught there too.
run 1 "$DW" image verify --sysroot "$S" --format json
drop_summary "$T/out"
expect_findings "$T/out" <<'EOF'
file-modified "/usr/share/doc/data" ostree-checksum
EOF
run 1 "$DW" image verify --sysroot "$S" --deployment booted --format json
drop_summary "$T/out"
run 1 "$DW" image verify --sysroot "$S" --deployment rollback --format json
drop_summary "$T/out"
[ "$(findings "$T/out" | wc -l)" -eq 9 ] || fail "rollback deployment does not show its 9 changes"
run 1 "$DW" image verify --sysroot "$S" --deployment "${c1:0:10}" --format json
drop_summary "$T/out"
run 2 "$DW" image verify --sysroot "$S" --deployment staged
expect_one_error_line "staged"
run 2 "$DW" image verify --sysroot "$S" --deployment 0123456789ab
expect_one_error_line "0123456789ab"

# Bad input: no sysroot, not a sysroot, a deployment whose commit is gone.
run 2 "$DW" image verify --sysroot "$T/nowhere"
expect_one_error_line "$T/nowhere"
mkdir -p "$T/empty"
run 2 "$DW" image verify --sysroot "$T/empty"
expect_one_error_line "$T/empty"
rm "$S/ostree/repo/objects/${c2:0:2}/${c2:2}.commit"
run 2 "$DW" image verify --sysroot "$S"
expect_one_error_line "$c2"
grep -q 'not in the repository' "$T/err" || fail "missing commit not explained"
echo PASS
