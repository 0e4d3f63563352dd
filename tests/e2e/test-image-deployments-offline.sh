# image deployments --sysroot: offline nothing is booted, so no deployment is
# called booted or marked '*'; the boot loader's default is "default" and the
# rest keep its order (rollback, other). Only the live host (/run/ostree-booted,
# the device and inode of /) has a booted deployment. `--deployment default`
# names it. A real sysroot made with the ostree CLI, two deployments.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"

S=$T/sysroot
make_os_tree "$T/v1" 1.0
make_os_tree "$T/v2" 2.0
make_sysroot "$S"
c1=$(commit_tree "$S" "$T/v1" 1.0)
deploy "$S"
c2=$(commit_tree "$S" "$T/v2" 2.0)
deploy "$S"

run 0 "$DW" image deployments --sysroot "$S"
sed -nE 's|^sysroot .* \(offline|sysroot S (offline|p; /^[ *] [a-z]+ +testos /p' "$T/out" >"$T/got"
cat >"$T/want" <<EOT
sysroot S (offline: nothing is booted; in the boot loader's order, the default first)
  default  testos $c2.0
  rollback testos $c1.0
EOT
diff -u "$T/want" "$T/got" || fail "offline deployments"
run 0 "$DW" image deployments --sysroot "$S" --format json
drop_summary "$T/out"
[ "$(jq -r '.driftwatch.after.role' "$T/out" | tr '\n' ' ')" = "default rollback " ] ||
        { cat "$T/out"; fail "JSON roles offline"; }
run 0 "$DW" image verify --sysroot "$S" --deployment default
echo PASS
