# etc-diff on a real sysroot made with `ostree admin`: agrees path by path with
# `ostree admin config-diff`, reports what it ignores (xattrs), names surfaces,
# honours an allowlist with owners, hashes and expiry dates, and predicts the
# three-way merge exactly as `ostree admin deploy` then performs it.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"

S=$T/sysroot
make_os_tree "$T/v1" 1.0
make_sysroot "$S"
commit_tree "$S" "$T/v1" 1.0 >/dev/null
deploy "$S"
DEP=$(deployment_dir "$S" 0)
E=$DEP/etc

run 0 "$DW" etc-diff --sysroot "$S" --format json
drop_summary "$T/out"
[ "$(jq -r 'select(.event.action != "etc-diff-summary") | .file.path' "$T/out")" = "" ] ||
        { cat "$T/out"; fail "a fresh deployment's /etc differs from /usr/etc"; }

# Local changes, the kind an operator or an attacker makes.
printf 'server ntp.corp.example\n' >"$E/chrony.conf"                       # modified, allowlisted
printf 'ALL ALL=(ALL) NOPASSWD: ALL\n' >"$E/sudoers.d/zzz_local"           # added, sudoers.d
printf 'PermitRootLogin yes\n' >"$E/ssh/sshd_config.d/00-allow.conf"      # added, sshd_config.d
chmod 600 "$E/ssh/sshd_config"                                             # mode only
printf '[Service]\nExecStart=/var/tmp/x\n' >"$E/systemd/system/evil.service"
rm "$E/keep.conf"                                                          # removed
printf 'version local\n' >"$E/image-version.conf"                          # modified; v2 changes it too
setfattr -n user.label -v relabelled "$E/containers/policy.json"           # xattr only

run 1 "$DW" etc-diff --sysroot "$S" --format json
drop_summary "$T/out"
grep -v etc-diff-summary "$T/out" >"$T/diff.jsonl"
expect_findings "$T/diff.jsonl" <<'EOF'
file-added "/etc/ssh/sshd_config.d/00-allow.conf" -
file-added "/etc/sudoers.d/zzz_local" -
file-added "/etc/systemd/system/evil.service" -
file-modified "/etc/chrony.conf" size,content
file-modified "/etc/containers/policy.json" xattr:user.label
file-modified "/etc/image-version.conf" size,content
file-modified "/etc/ssh/sshd_config" mode
file-removed "/etc/keep.conf" -
EOF
# Agreement with ostree admin config-diff, path by path, for what it compares.
ostree admin config-diff --sysroot="$S" --os=testos | awk '{ print $1, "/etc/" $2 }' | LC_ALL=C sort >"$T/oracle"
jq -r 'select((.driftwatch.quality | index("not-in-ostree-config-diff")) | not) |
        ({"file-added": "A", "file-removed": "D", "file-modified": "M"}[.event.action]) + " " + .file.path' \
        "$T/diff.jsonl" | LC_ALL=C sort >"$T/ours"
diff -u "$T/oracle" "$T/ours" || fail "etc-diff disagrees with ostree admin config-diff"
jq -se '[.[] | select(.driftwatch.quality | index("not-in-ostree-config-diff")) | .file.path] ==
        ["/etc/containers/policy.json"]' "$T/diff.jsonl" >/dev/null || fail "xattr-only change not flagged as beyond config-diff"
# Surfaces and tags from the seeds.
rules=$(jq -r '[.file.path, .rule.id, .driftwatch.severity] | join(" ")' "$T/diff.jsonl" | LC_ALL=C sort)
for want in "/etc/sudoers.d/zzz_local DW-ETC-SUDOERS high" "/etc/ssh/sshd_config.d/00-allow.conf DW-ETC-SSHD high" \
            "/etc/systemd/system/evil.service DW-ETC-SYSTEMD high" \
            "/etc/containers/policy.json DW-ETC-CONTAINERS-POLICY critical" "/etc/keep.conf DW-ETC-CONFIG medium"; do
        grep -qxF "$want" <<<"$rules" || fail "expected '$want' in: $rules"
done
jq -se 'any(.[]; .rule.id == "DW-ETC-SUDOERS" and (.threat.technique.id | index("T1548.003")))' "$T/diff.jsonl" \
        >/dev/null || fail "sudoers.d finding lacks T1548.003"

# A directory the reader cannot list (root without CAP_DAC_READ_SEARCH and
# CAP_DAC_OVERRIDE: mode 000 then stops it) is reported unreadable, never as
# everything below it removed; ostree's merge fails on it, and so says the
# prediction, with ostree's error.
if command -v setpriv >/dev/null; then
        NOCAP=(setpriv --inh-caps=-dac_override,-dac_read_search --bounding-set=-dac_override,-dac_read_search)
        chmod 000 "$E/containers"
        rc=0
        "${NOCAP[@]}" "$DW" etc-diff --sysroot "$S" --no-merge --format json >"$T/nocap.json" 2>"$T/err" || rc=$?
        [ "$rc" = 1 ] || { cat "$T/err"; fail "etc-diff without read capabilities exited $rc"; }
        jq -se 'any(.[]; .file.path == "/etc/containers" and .event.action == "file-unreadable")' \
                "$T/nocap.json" >/dev/null || fail "an unlistable /etc directory is not reported unreadable"
        ! jq -se 'any(.[]; .event.action == "file-removed" and (.file.path | startswith("/etc/containers/")))' \
                "$T/nocap.json" >/dev/null || fail "the children of an unlistable directory are reported removed"
        rc=0
        "${NOCAP[@]}" "$DW" etc-diff --sysroot "$S" --merge-into testos/stable --format json >"$T/nocap.json" \
                2>"$T/err" || rc=$?
        [ "$rc" = 1 ] || { cat "$T/err"; fail "etc-diff --merge-into without read capabilities exited $rc"; }
        jq -se 'any(.[]; .file.path == "/etc/containers" and .driftwatch.merge.fate == "blocks-deploy" and
                (.driftwatch.merge.reason | test("While computing configuration diff: Error opening directory")))' \
                "$T/nocap.json" >/dev/null || fail "an unlistable /etc directory is not predicted to block the deploy"
        chmod 755 "$E/containers"
else
        [ "${CI:-}" != true ] || fail "setpriv (util-linux) is not installed (required under CI)"
        echo "SKIP part: setpriv is not installed: the unreadable directory case is not run" >&2
fi

# Allowlist: a hash-pinned entry allows, a wrong hash does not, an expired entry
# no longer allows and is reported, an entry that matches nothing is reported.
chrony=$(sha256sum <"$E/chrony.conf" | cut -d' ' -f1)
cat >"$T/allow.yaml" <<EOF
version: 1
allow:
  - path: /etc/chrony.conf
    sha256: $chrony
    owner: platform-team
    reason: data-centre NTP servers
    expires: 2999-12-31
  - path: /etc/ssh/sshd_config
    sha256: 0000000000000000000000000000000000000000000000000000000000000000
    owner: sec-team
    reason: wrong hash on purpose
    expires: 2999-12-31
  - path: /etc/keep.conf
    owner: old-team
    reason: removed for the migration
    expires: 2020-01-31
  - path: "/etc/nothing/**"
    owner: nobody
    reason: stale entry
    expires: 2999-12-31T00:00:00Z
EOF
run 1 "$DW" etc-diff --sysroot "$S" --allowlist "$T/allow.yaml" --format json
drop_summary "$T/out"
kind_of() { jq -r --arg p "$1" 'select(.file.path == $p and (.event.action | startswith("file-"))) | .event.kind' "$T/out"; }
[ "$(kind_of /etc/chrony.conf)" = event ] || fail "allowlisted change is still an alert"
jq -se 'any(.[]; .file.path == "/etc/chrony.conf" and (.driftwatch.allowlist | contains("platform-team")))' "$T/out" \
        >/dev/null || fail "allowlisted finding does not name the entry's owner"
[ "$(kind_of /etc/ssh/sshd_config)" = alert ] || fail "an entry with another hash allowed a change"
[ "$(kind_of /etc/keep.conf)" = alert ] || fail "an expired entry still allows"
jq -se 'any(.[]; .rule.id == "DW-ETC-ALLOW-EXPIRED" and .file.path == "/etc/keep.conf" and .driftwatch.after.owner == "old-team")' \
        "$T/out" >/dev/null || fail "expired entry not reported"
jq -se 'any(.[]; .rule.id == "DW-ETC-ALLOW-UNUSED" and .file.path == "/etc/nothing/**")' "$T/out" >/dev/null ||
        fail "unused entry not reported"
jq -se 'any(.[]; .event.action == "etc-diff-summary" and .driftwatch.after.allowlisted == "1" and
        .driftwatch.after.differences == "8")' "$T/out" >/dev/null || fail "summary does not count the allowlisted finding"
# A broken allowlist is one clear error.
printf 'allow:\n  - path: /etc/x\n    owner: a\n' >"$T/bad-allow.yaml"
run 2 "$DW" etc-diff --sysroot "$S" --allowlist "$T/bad-allow.yaml"
expect_one_error_line "$T/bad-allow.yaml"
grep -q 'line 2' "$T/err" || fail "allowlist error without its line"

# Merge prediction into a new commit, then the real merge by ostree admin deploy.
make_os_tree "$T/v2" 2.0
commit_tree "$S" "$T/v2" 2.0 >/dev/null
run 1 "$DW" etc-diff --sysroot "$S" --merge-into testos/stable --format json
drop_summary "$T/out"
jq -r 'select(.driftwatch.merge) | .file.path + " " + .driftwatch.merge.fate' "$T/out" | LC_ALL=C sort >"$T/predicted"
diff -u - "$T/predicted" <<'EOF' || fail "merge prediction"
/etc/chrony.conf carried
/etc/containers/policy.json dropped
/etc/image-version.conf carried-shadows-image-update
/etc/keep.conf removal-applied
/etc/ssh/sshd_config carried
/etc/ssh/sshd_config.d/00-allow.conf carried
/etc/sudoers.d/zzz_local carried
/etc/systemd/system/evil.service carried
EOF
deploy "$S"
# In the new deployment, /etc differs from its /usr/etc by exactly what was carried.
run 1 "$DW" etc-diff --sysroot "$S" --format json
drop_summary "$T/out"
jq -r 'select(.event.action | startswith("file-")) | .file.path' "$T/out" | LC_ALL=C sort >"$T/actual"
grep -v ' dropped$' "$T/predicted" | cut -d' ' -f1 | diff -u - "$T/actual" || fail "prediction differs from the real merge"
[ "$(cat "$(deployment_dir "$S" 0)/etc/image-version.conf")" = "version local" ] || fail "oracle: local copy not kept"

# The old deployment is now the rollback; its /etc is still inspectable.
run 1 "$DW" etc-diff --sysroot "$S" --deployment rollback --format json
drop_summary "$T/out"
# Without a merge to predict, the deployments come from the boot loader
# entries, not libostree: the same ones, in the same roles, and libostree is
# not loaded at all.
run 0 "$DW" image deployments --sysroot "$S" --format json
drop_summary "$T/out"
for role in default rollback; do
        want=$(jq -r --arg r "$role" 'select(.driftwatch.after.role == $r) |
                .driftwatch.after.commit + "." + .driftwatch.after.serial' "$T/out")
        [ -n "$want" ] || fail "no $role deployment in image deployments"
        LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$DW" etc-diff --sysroot "$S" --deployment "$role" --no-merge \
                --format json >"$T/role.json" 2>/dev/null || true
        got=$(jq -r 'select(.event.action == "etc-diff-summary") | .driftwatch.after.deployment' "$T/role.json")
        [ "$got" = "$want" ] || fail "etc-diff's $role deployment is '$got', libostree's '$want'"
        ! grep -q 'file=libostree' "$T"/ld.* || fail "etc-diff --no-merge loaded libostree"
        rm -f "${T:?}"/ld.*
done
run 2 "$DW" etc-diff --sysroot "$S" --merge-into no/such/ref
expect_one_error_line "no/such/ref"

# A local file whose /etc path passes 4,095 bytes (21 levels of 200-byte
# names) is reported by its full path, not refused as too long.
deep_at "$(deployment_dir "$S" 0)/etc" 21 write f deep
deep=/etc$(deep_chain 21)/f
[ ${#deep} -gt 4095 ] || fail "the deep /etc path is only ${#deep} bytes"
run 1 "$DW" etc-diff --sysroot "$S" --format json
drop_summary "$T/out"
jq -se --arg p "$deep" 'any(.[]; .file.path == $p and .event.action == "file-added")' "$T/out" >/dev/null ||
        fail "the ${#deep}-byte /etc path is not reported added"

# A large /etc is compared range by range (without a merge to predict): a
# removed directory of 6,000 entries is still one finding with its count, and
# 5,000 added files are each listed, across the ranges; the same listing as
# the whole-tree comparison the merge prediction uses.
S2=$T/sysroot-large
make_os_tree "$T/large" 1.0
mkdir -p "$T/large/usr/etc/big"
for ((d = 0; d < 60; d++)); do
        mkdir "$T/large/usr/etc/big/d$d"
        (cd "$T/large/usr/etc/big/d$d" && seq 1 99 | split -l 1 -a 2 - f)
done
make_sysroot "$S2"
commit_tree "$S2" "$T/large" 1.0 >/dev/null
deploy "$S2"
E2=$(deployment_dir "$S2" 0)/etc
under_t() { case "$1" in "$T"/?*) ;; *) fail "refusing path outside $T: '$1'" ;; esac; }
under_t "$E2"
rm -rf "${E2:?}/big"
mkdir -p "$E2/new"
(cd "$E2/new" && seq 1 5000 | split -l 1 -a 4 - n)
run 1 "$DW" etc-diff --sysroot "$S2" --no-merge --format json
drop_summary "$T/out"
jq -se '[.[] | select(.event.action == "file-removed")] | length == 1 and .[0].file.path == "/etc/big" and
        .[0].driftwatch.before.entries_below == "6000"' "$T/out" >/dev/null ||
        { jq -c 'select(.event.action == "file-removed")' "$T/out" | head -3; fail "the removed directory is not one finding of 6,000"; }
[ "$(jq -r 'select(.event.action == "file-added") | .file.path' "$T/out" | sort -u | wc -l)" -eq 5001 ] ||
        fail "the 5,000 added files (and their directory) are not each listed once"
jq -r 'select(.event.action | startswith("file-")) | [.event.action, .file.path] | join(" ")' "$T/out" | sort >"$T/streamed"
run 1 "$DW" etc-diff --sysroot "$S2" --merge-into booted --format json
drop_summary "$T/out"
jq -r 'select(.event.action | startswith("file-")) | [.event.action, .file.path] | join(" ")' "$T/out" | sort >"$T/whole"
diff -q "$T/streamed" "$T/whole" >/dev/null || fail "the ranged comparison lists other changes than the whole one"
echo PASS
