# driftwatch scan on an image-mode host (an ostree admin sysroot): deployments,
# /usr verified against the commit and /etc against /usr/etc, in one stream.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"

S=$T/sysroot
make_os_tree "$T/v1" 1.0
make_sysroot "$S"
commit_tree "$S" "$T/v1" 1.0 >/dev/null
deploy "$S"
DEP=$(deployment_dir "$S" 0)

run 0 "$DW" scan --sysroot "$S" --state-dir "$T/state" --format json
[ "$(jq -r 'select(.event.kind == "alert") | .rule.id' "$T/out")" = "" ] || { cat "$T/out"; fail "clean host has alerts"; }
jq -se 'any(.[]; .rule.id == "DW-IMG-DEPLOYMENT" and .driftwatch.after.role == "default")' "$T/out" >/dev/null ||
        fail "scan does not list the deployments"

printf 'evil\n' >>"$DEP/usr/bin/helper"
printf 'ALL ALL=(ALL) NOPASSWD: ALL\n' >"$DEP/etc/sudoers.d/zzz_local"
run 1 "$DW" scan --sysroot "$S" --state-dir "$T/state" --format json
jq -r 'select(.event.kind == "alert") | [.rule.id, .file.path] | join(" ")' "$T/out" | LC_ALL=C sort >"$T/alerts"
diff -u - "$T/alerts" <<'EOF' || fail "scan alerts"
DW-ETC-SUDOERS /etc/sudoers.d/zzz_local
DW-IMG-VERIFY /usr/bin/helper
EOF
# An allowlist given to scan reaches etc-diff.
cat >"$T/allow.yaml" <<'EOF'
version: 1
allow:
  - path: /etc/sudoers.d/zzz_local
    owner: ops
    reason: break-glass account for the incident
    expires: 2999-01-01
EOF
run 1 "$DW" scan --sysroot "$S" --state-dir "$T/state" --allowlist "$T/allow.yaml" --format json
[ "$(jq -r 'select(.event.kind == "alert") | .rule.id' "$T/out")" = DW-IMG-VERIFY ] || fail "allowlist not applied by scan"
# Status saved from the host (rpm-ostree status --json) joins an offline scan:
# the first snapshot is recorded in the state directory, a change is reported.
RPM=$(dirname "$0")/../data/status/rpm-ostree-workstation.json
run 1 "$DW" scan --sysroot "$S" --state-dir "$T/state" --rpm-ostree-json "$RPM" --format json
grep -q 'no status snapshot yet' "$T/err" || { cat "$T/err"; fail "scan did not record the first status snapshot"; }
[ -f "$T/state/state.db" ] || fail "no state database in the state directory"
jq 'del(.deployments[0]) | .deployments[0].booted = true' "$RPM" >"$T/changed.json"
run 1 "$DW" scan --sysroot "$S" --state-dir "$T/state" --rpm-ostree-json "$T/changed.json" --format json
jq -se 'any(.[]; .rule.id | startswith("DW-IMG-") and . != "DW-IMG-VERIFY" and . != "DW-IMG-DEPLOYMENT")' "$T/out" \
        >/dev/null || fail "scan reports no status transition"
echo PASS
