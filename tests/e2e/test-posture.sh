# driftwatch posture on fixture roots built here: for each check a root with
# the bad setting planted and a clean twin that must give no alert; the
# verdicts on the signature policy are containers/image's (cited per case);
# hostile input (50 MB policy, 10,000 levels, duplicate keys, binary garbage
# in every file, unterminated TOML); a symlink out of the root not followed;
# an allowlist entry; and this machine's real / without an error.
source "$(dirname "$0")/lib.sh"

# alerts FILE: "RULE SEVERITY PATH" of each alert, sorted.
alerts() {
        jq -r 'select(.event.kind == "alert") | "\(.rule.id) \(.driftwatch.severity) \(.file.path // "-")"' "$1" |
                LC_ALL=C sort
}

# has FILE FILTER: FILTER (booleans per finding) is true for some finding of
# FILE (jq 1.6's -e reports a filter's last output, not whether any matched).
has() {
        jq -s -e "[.[] | $2] | any" "$1" >/dev/null
}

# expect_alerts ROOT IMAGE_REF [ARGS...] <<EOF ... EOF: the alerts of a run
# (exit 1 when any is expected, else 0) compared with stdin.
expect_alerts() {
        local root=$1 ref=$2 want="$T/want.$RANDOM" rc
        shift 2
        LC_ALL=C sort >"$want"
        rc=1
        [ -s "$want" ] || rc=0
        run "$rc" "$DW" posture --root "$root" ${ref:+--image-ref "$ref"} --format json "$@"
        expect_valid_jsonl "$T/out"
        if ! diff -u "$want" <(alerts "$T/out"); then
                cat "$T/out"
                fail "alerts for $root ($ref) differ (- expected, + got)"
        fi
}

# clean ROOT: a root with nothing to alert on for quay.io/example/os images:
# a policy that requires a sigstore signature with a key that is there, one
# search registry, a signed ostree remote over https.
clean() {
        local r=$1
        mkdir -p "$r/etc/containers/registries.conf.d" "$r/etc/pki/containers" "$r/etc/ostree/remotes.d" \
                 "$r/sysroot/ostree/repo"
        echo "-----BEGIN PUBLIC KEY-----" >"$r/etc/pki/containers/example.pub"
        cat >"$r/etc/containers/policy.json" <<'EOF'
{
    "default": [{"type": "reject"}],
    "transports": {
        "docker": {
            "quay.io/example": [{"type": "sigstoreSigned", "keyPath": "/etc/pki/containers/example.pub",
                                 "signedIdentity": {"type": "matchRepository"}}]
        },
        "docker-daemon": {"": [{"type": "insecureAcceptAnything"}]}
    }
}
EOF
        cat >"$r/etc/containers/registries.conf" <<'EOF'
unqualified-search-registries = ["registry.fedoraproject.org"]
short-name-mode = "enforcing"

[[registry]]
prefix = "evil.example.com"
location = "evil.example.com"
blocked = true
EOF
        cat >"$r/etc/ostree/remotes.d/example.conf" <<'EOF'
[remote "example"]
url=https://ostree.example.com/repo
sign-verify=ed25519
EOF
        printf '[core]\nrepo_version=1\nmode=bare\n\n[remote "fedora"]\nurl=https://ostree.fedoraproject.org\n' \
                >"$r/sysroot/ostree/repo/config"
}

img=quay.io/example/os:42
ok=$T/ok
clean "$ok"
expect_alerts "$ok" "$img" </dev/null
# State records with where each value came from.
has "$T/out" 'select(.rule.id == "DW-POS-POLICY-HOST-IMAGE") | .event.kind == "state" and
        .driftwatch.posture.source.pointer == "/transports/docker/quay.io~1example"' ||
        fail "no state record of the host image's policy scope with its JSON pointer"
has "$T/out" 'select(.rule.id == "DW-POS-OSTREE-REMOTE" and .file.path == "/sysroot/ostree/repo/config") |
        .driftwatch.posture.source.line == 6' || fail "the repo config's remote has no line"
[ "$(jq -r 'select(.event.kind == "state") | .rule.id' "$T/out" | sort -u | wc -l)" -ge 5 ] ||
        fail "expected state records of every check"

# --- Signature policy (containers/image signature/policy_eval.go
# requirementsForImageRef: full identity, then namespaces from the most
# specific, then the transport's "", then "default").
bad=$T/pol-insecure
clean "$bad"
jq '.transports.docker["quay.io/example/os"] = [{"type": "insecureAcceptAnything"}]' \
        "$ok/etc/containers/policy.json" >"$bad/etc/containers/policy.json"
expect_alerts "$bad" "$img" <<'EOF'
DW-POS-POLICY-INSECURE critical /etc/containers/policy.json
EOF
has "$T/out" 'select(.rule.id == "DW-POS-POLICY-INSECURE") | .driftwatch.posture.source.pointer ==
        "/transports/docker/quay.io~1example~1os/0"' || fail "the insecure requirement's pointer"
# Another repository of the namespace still gets quay.io/example's sigstoreSigned.
expect_alerts "$bad" quay.io/example/other:1 </dev/null
# The tag-level identity wins over every namespace (policy_eval_test.go "Full match").
jq '.transports.docker["quay.io/example/os:42"] = [{"type": "reject"}]' "$bad/etc/containers/policy.json" \
        >"$T/p.json" && mv "$T/p.json" "$bad/etc/containers/policy.json"
expect_alerts "$bad" "$img" <<'EOF'
DW-POS-POLICY-REJECT medium /etc/containers/policy.json
EOF
# A digest reference is looked up as name@digest, so the tag scope does not apply.
expect_alerts "$bad" quay.io/example/os@sha256:0123 <<'EOF'
DW-POS-POLICY-INSECURE critical /etc/containers/policy.json
EOF

# Every requirement must pass (PolicyContext.IsRunningImageAllowed): beside a
# signature requirement, insecureAcceptAnything lifts nothing (medium).
mixed=$T/pol-mixed
clean "$mixed"
jq '.transports.docker["quay.io/example"] += [{"type": "insecureAcceptAnything"}]' \
        "$ok/etc/containers/policy.json" >"$mixed/etc/containers/policy.json"
expect_alerts "$mixed" "$img" <<'EOF'
DW-POS-POLICY-INSECURE medium /etc/containers/policy.json
EOF

# Wildcard scopes (docker/policyconfiguration/naming.go: "*.example.com" after the host).
wild=$T/pol-wild
clean "$wild"
jq '.transports.docker = {"*.example.com": [{"type": "insecureAcceptAnything"}],
                          "quay.io": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/etc/pki/k.gpg"}]}' \
        "$ok/etc/containers/policy.json" >"$wild/etc/containers/policy.json"
expect_alerts "$wild" registry.example.com/os:1 <<'EOF'
DW-POS-POLICY-INSECURE critical /etc/containers/policy.json
EOF
# ... and a key that is not under the root.
expect_alerts "$wild" quay.io/other/os:1 <<'EOF'
DW-POS-POLICY-KEY-MISSING medium /etc/containers/policy.json
EOF
# No scope for the image's transport: the default (reject here).
expect_alerts "$ok" ghcr.io/x/y:1 <<'EOF'
DW-POS-POLICY-REJECT medium /etc/containers/policy.json
EOF
# The image unknown (offline root, no --image-ref): the docker "" scope or the default, and the finding says so.
expect_alerts "$ok" "" <<'EOF'
DW-POS-POLICY-REJECT medium /etc/containers/policy.json
EOF
grep -q 'host image unknown' "$T/out" || fail "the unknown host image is not said"

# No policy at all; root's own policy replacing the system one (policy_config.go defaultPolicyPathWithHomeDir).
none=$T/pol-none
clean "$none"
rm "$none/etc/containers/policy.json"
expect_alerts "$none" "$img" <<'EOF'
DW-POS-POLICY-MISSING high /etc/containers/policy.json
EOF
user=$T/pol-user
clean "$user"
mkdir -p "$user/root/.config/containers"
echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$user/root/.config/containers/policy.json"
expect_alerts "$user" "$img" <<'EOF'
DW-POS-POLICY-INSECURE critical /root/.config/containers/policy.json
DW-POS-POLICY-USER medium /root/.config/containers/policy.json
EOF

# A symlink out of the root is not followed (the file outside is never read).
link=$T/pol-link
clean "$link"
echo '{"default": [{"type": "insecureAcceptAnything"}]}' >"$T/outside.json"
ln -sf "$T/outside.json" "$link/etc/containers/policy.json"
expect_alerts "$link" "$img" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/containers/policy.json
EOF
grep -q 'symlink' "$T/out" || fail "the symlink is not named"

# --- Bad input: one finding naming the file, no crash, bounded time.
hostile=$T/hostile
clean "$hostile"
truncate -s 50M "$hostile/etc/containers/policy.json"
start=$(date +%s%N)
expect_alerts "$hostile" "$img" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/containers/policy.json
EOF
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 2000 ] || fail "a 50 MB policy took more than 2 s"
grep -q 'too large' "$T/out" || fail "the 50 MB policy is not refused by size"
python3 -c 'print("[" * 10000 + "]" * 10000)' >"$hostile/etc/containers/policy.json"
expect_alerts "$hostile" "$img" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/containers/policy.json
EOF
grep -q 'nested deeper' "$T/out" || fail "10,000 levels not refused by depth"
printf '{"default": [{"type": "reject"}], "default": [{"type": "insecureAcceptAnything"}]}' \
        >"$hostile/etc/containers/policy.json"
expect_alerts "$hostile" "$img" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/containers/policy.json
EOF
grep -q 'duplicate' "$T/out" || fail "duplicate keys are not named"
# Binary garbage in every file read.
garbage=$T/garbage
clean "$garbage"
for f in etc/containers/policy.json etc/containers/registries.conf etc/ostree/remotes.d/example.conf \
         sysroot/ostree/repo/config; do
        head -c 4096 /usr/bin/ls >"$garbage/$f"
done
head -c 4096 /dev/urandom >"$garbage/etc/containers/registries.conf.d/10-x.conf"
expect_alerts "$garbage" "$img" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/containers/policy.json
DW-POS-CONFIG-INVALID medium /etc/containers/registries.conf
DW-POS-CONFIG-INVALID medium /etc/containers/registries.conf.d/10-x.conf
DW-POS-CONFIG-INVALID medium /etc/ostree/remotes.d/example.conf
DW-POS-CONFIG-INVALID medium /sysroot/ostree/repo/config
EOF
# TOML: an unterminated string, 10,000 nested arrays.
toml=$T/toml
clean "$toml"
printf 'unqualified-search-registries = ["docker.io\n' >"$toml/etc/containers/registries.conf.d/10-a.conf"
python3 -c 'print("a = " + "[" * 10000)' >"$toml/etc/containers/registries.conf.d/20-b.conf"
expect_alerts "$toml" "$img" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/containers/registries.conf.d/10-a.conf
DW-POS-CONFIG-INVALID medium /etc/containers/registries.conf.d/20-b.conf
EOF

# --- ostree remotes (ostree.repo-config(5): gpg-verify defaults to true, sign-verify to false).
ost=$T/ostree
clean "$ost"
printf '[remote "example"]\nurl=http://ostree.example.com/repo\ngpg-verify=false\n' \
        >"$ost/etc/ostree/remotes.d/example.conf"
expect_alerts "$ost" "$img" <<'EOF'
DW-POS-OSTREE-HTTP medium /etc/ostree/remotes.d/example.conf
DW-POS-OSTREE-UNVERIFIED medium /etc/ostree/remotes.d/example.conf
EOF
# The remote the host deploys from (ostree-remote-image:REMOTE:...): high.
expect_alerts "$ost" "ostree-remote-image:example:docker://$img" <<'EOF'
DW-POS-OSTREE-HTTP medium /etc/ostree/remotes.d/example.conf
DW-POS-OSTREE-UNVERIFIED high /etc/ostree/remotes.d/example.conf
EOF
has "$T/out" 'select(.rule.id == "DW-POS-OSTREE-UNVERIFIED") | .driftwatch.posture.source.line == 3' ||
        fail "gpg-verify=false is not located at its line"
# An ostree-native host (ostree:REMOTE:REF): its commits are judged by the
# remote's verification, not by the container signature policy (which would
# reject here: default reject).
expect_alerts "$ost" "ostree:example:fedora/x86_64/coreos/stable" <<'EOF'
DW-POS-OSTREE-HTTP medium /etc/ostree/remotes.d/example.conf
DW-POS-OSTREE-UNVERIFIED high /etc/ostree/remotes.d/example.conf
EOF

# --- Registries (containers-registries.conf(5), drop-ins in order, an entry replaced whole by prefix).
reg=$T/reg
clean "$reg"
cat >"$reg/etc/containers/registries.conf.d/50-local.conf" <<'EOF'
unqualified-search-registries = ["registry.fedoraproject.org", "docker.io"]

# lifts the block of registries.conf: the entry of the same prefix replaces it
[[registry]]
prefix = "evil.example.com"
location = "evil.example.com"

[[registry]]
location = "quay.io/example"
[[registry.mirror]]
location = "mirror.attacker.example/example"
EOF
printf '[[registry]]\nlocation = "plain.example.com"\ninsecure = true\n' \
        >"$reg/etc/containers/registries.conf.d/60-insecure.conf"
expect_alerts "$reg" "$img" <<'EOF'
DW-POS-REG-INSECURE medium /etc/containers/registries.conf.d/60-insecure.conf
DW-POS-REG-MIRROR high /etc/containers/registries.conf.d/50-local.conf
DW-POS-REG-SHORTNAME low /etc/containers/registries.conf.d/50-local.conf
DW-POS-REG-UNBLOCKED high /etc/containers/registries.conf.d/50-local.conf
EOF
# A later drop-in with short-name-mode permissive (medium), and the v1 format.
printf 'short-name-mode = "permissive"\n' >"$reg/etc/containers/registries.conf.d/70-mode.conf"
printf '[registries.insecure]\nregistries = ["quay.io"]\n' >"$reg/etc/containers/registries.conf.d/80-v1.conf"
expect_alerts "$reg" ghcr.io/x/y:1 <<'EOF'
DW-POS-POLICY-REJECT medium /etc/containers/policy.json
DW-POS-REG-INSECURE medium /etc/containers/registries.conf.d/60-insecure.conf
DW-POS-REG-INSECURE medium /etc/containers/registries.conf.d/80-v1.conf
DW-POS-REG-SHORTNAME medium /etc/containers/registries.conf.d/70-mode.conf
DW-POS-REG-UNBLOCKED high /etc/containers/registries.conf.d/50-local.conf
EOF
# Mixing v1 and v2 in one file is refused (loadConfigFile).
printf 'unqualified-search-registries = []\n[registries.search]\nregistries = []\n' \
        >"$reg/etc/containers/registries.conf.d/90-mixed.conf"
run 1 "$DW" posture --root "$reg" --image-ref "$img" --format json
has "$T/out" 'select(.rule.id == "DW-POS-CONFIG-INVALID") | .file.path ==
        "/etc/containers/registries.conf.d/90-mixed.conf"' || fail "mixed v1/v2 not refused"

# --- The allowlist (the /etc allowlist's format) turns an alert on its file into an event.
cat >"$T/allow.yaml" <<'EOF'
version: 1
allow:
  - path: /etc/containers/registries.conf.d/50-local.conf
    owner: platform-team
    reason: lab mirror
    expires: 2999-12-31
  - path: /etc/containers/registries.conf.d/6*
    owner: platform-team
    reason: lab registry
    expires: 2999-12-31
EOF
rm "$reg/etc/containers/registries.conf.d/"[789]0-*.conf
expect_alerts "$reg" "$img" --allowlist "$T/allow.yaml" </dev/null
[ "$(jq -r 'select(.driftwatch.allowlist) | .rule.id' "$T/out" | wc -l)" -eq 4 ] || fail "allowlisted events missing"
run 2 "$DW" posture --root "$reg" --allowlist "$T/missing.yaml"
expect_one_error_line missing.yaml

# --- Usage and a root that is no directory.
run 2 "$DW" posture --root "$T/nonexistent"
expect_one_error_line nonexistent
run 2 "$DW" posture --image-ref ""
run 0 "$DW" posture --help

# --- This machine's real configuration: no error (0 or 1, never 2).
rc=0
"$DW" posture --state "$T/host.db" --format json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/err"; fail "posture of / exited $rc"; }
expect_valid_jsonl "$T/out"
has "$T/out" '.rule.id == "DW-POS-IMAGE"' || fail "no host image record on /"
echo PASS
