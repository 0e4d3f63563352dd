# driftwatch status: one check per transition, on the real bootc fixtures
# (YAML converted to JSON, and the upstream JSON one) and the real rpm-ostree
# fixture, with variants made by jq. Each runs in a fresh state database: the
# first snapshot from A, then B reports exactly the expected rule ids, then B
# again reports no transition.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"

D=$B/staged-download-only.json          # staged S, booted P, no rollback
OTHER=sha256:00000000000000000000000000000000000000000000000000000000000000aa
OTHER_COMMIT=00000000000000000000000000000000000000000000000000000000000000bb

# ---- bootc ----
variant "$D" "$T/no-staged.json" '.status.staged = null'
transition bootc-staged-new --bootc-json "$T/no-staged.json" "$D" 1 <<'EOF'
DW-IMG-STAGED-NEW alert
EOF
[ "$(field bootc-staged-new '.driftwatch.after.digest')" = \
  sha256:16dc2b6256b4ff0d2ec18d2dbfb06d117904010c8cf9732cdb022818cf7a7566 ] || fail "staged digest not reported"
[ "$(field bootc-staged-new '.event.action + " " + .driftwatch.severity + " " + .event.category[0]')" = \
  "image-staged medium configuration" ] || fail "staged finding: $(cat "$T/bootc-staged-new.out")"
[ "$(field bootc-staged-new '.driftwatch.controls | join(",")')" = CM-3,CM-5,SR-4 ] || fail "staged controls"

variant "$D" "$T/staged-changed.json" \
        ".status.staged.image.imageDigest = \"$OTHER\" | .status.staged.ostree.checksum = \"$OTHER_COMMIT\""
transition bootc-staged-changed --bootc-json "$D" "$T/staged-changed.json" 1 <<'EOF'
DW-IMG-STAGED-CHANGED alert
EOF
[ "$(field bootc-staged-changed '.driftwatch.before.digest + " -> " + .driftwatch.after.digest')" = \
  "sha256:16dc2b6256b4ff0d2ec18d2dbfb06d117904010c8cf9732cdb022818cf7a7566 -> $OTHER" ] ||
        fail "staged change before/after: $(cat "$T/bootc-staged-changed.out")"
[ "$(field bootc-staged-changed '.driftwatch.changed | join(",")')" = digest,checksum ] || fail "staged changed list"

# The upgrade: the staged deployment boots, the old booted one becomes the rollback.
variant "$D" "$T/upgraded.json" '.status.rollback = .status.booted | .status.booted = .status.staged | .status.staged = null'
transition bootc-booted-changed --bootc-json "$D" "$T/upgraded.json" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
EOF
[ "$(field bootc-booted-changed '.driftwatch.before.version + " " + .driftwatch.before.timestamp + " -> " + .driftwatch.after.timestamp')" = \
  "nightly 2023-09-30T19:22:16Z -> 2023-10-14T19:22:15Z" ] || fail "booted change values: $(cat "$T/bootc-booted-changed.out")"

# Booting an image built before the one it replaces is a downgrade: high.
variant "$T/upgraded.json" "$T/older.json" \
        ".status.booted.image.imageDigest = \"$OTHER\" | .status.booted.ostree.checksum = \"$OTHER_COMMIT\" |
         .status.booted.image.timestamp = \"2023-01-01T00:00:00Z\""
transition bootc-downgrade --bootc-json "$T/upgraded.json" "$T/older.json" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
EOF
[ "$(field bootc-downgrade '.driftwatch.severity')" = high ] || fail "a downgrade is not high"
field bootc-downgrade .message | grep -q downgrade || fail "a downgrade does not say so"

# The rollback: booted and rollback swap.
variant "$T/upgraded.json" "$T/rolled-back.json" '.status.booted as $b | .status.booted = .status.rollback | .status.rollback = $b'
transition bootc-rollback --bootc-json "$T/upgraded.json" "$T/rolled-back.json" 1 <<'EOF'
DW-IMG-ROLLBACK-PERFORMED alert
EOF
[ "$(field bootc-rollback '.driftwatch.severity + " " + .event.action + " " + (.threat.technique.id | join(","))')" = \
  "high image-rollback T1562.010,T1601.002" ] || fail "rollback finding: $(cat "$T/bootc-rollback.out")"

variant "$T/upgraded.json" "$T/new-rollback.json" \
        ".status.rollback.image.imageDigest = \"$OTHER\" | .status.rollback.ostree.checksum = \"$OTHER_COMMIT\""
transition bootc-rollback-target --bootc-json "$T/upgraded.json" "$T/new-rollback.json" 1 <<'EOF'
DW-IMG-ROLLBACK-TARGET-CHANGED alert
EOF

# A queued rollback is state: reported on every run while it lasts.
variant "$T/upgraded.json" "$T/queued.json" '.status.rollbackQueued = true'
transition bootc-rollback-queued --bootc-json "$T/upgraded.json" "$T/queued.json" 1 <<'EOF'
DW-IMG-ROLLBACK-QUEUED alert
EOF
[ "$(field bootc-rollback-queued '.driftwatch.severity')" = high ] || fail "a queued rollback to an older image is not high"
variant "$T/upgraded.json" "$T/boot-order.json" '.spec.bootOrder = "rollback"'
transition bootc-boot-order --bootc-json "$T/upgraded.json" "$T/boot-order.json" 1 <<'EOF'
DW-IMG-ROLLBACK-QUEUED alert
EOF

# /usr overlay: on the first run already, and on every run.
run 1 "$DW" status --bootc-json "$B/booted-usroverlay.json" --state "$T/overlay-first.db" --format json
expect_ids <<'EOF'
DW-IMG-USR-OVERLAY alert
EOF
[ "$(jq -r '.driftwatch.after."usr-overlay" + " " + .driftwatch.severity' "$T/out")" = "readWrite/transient critical" ] ||
        fail "overlay mode or severity: $(cat "$T/out")"
variant "$B/booted-usroverlay.json" "$T/no-overlay.json" 'del(.status.usrOverlay)'
transition bootc-usr-overlay --bootc-json "$T/no-overlay.json" "$B/booted-usroverlay.json" 1 <<'EOF'
DW-IMG-USR-OVERLAY alert
EOF

# Pins: events, on the first run and when a deployment becomes pinned.
run 0 "$DW" status --bootc-json "$B/booted-pinned.json" --state "$T/pinned-first.db" --format json
expect_ids <<'EOF'
DW-IMG-PINNED event
DW-IMG-PINNED event
EOF
variant "$B/booted-pinned.json" "$T/unpinned.json" '.status.otherDeployments[0].pinned = false'
transition bootc-pinned --bootc-json "$T/unpinned.json" "$B/booted-pinned.json" 0 <<'EOF'
DW-IMG-PINNED event
EOF
[ "$(field bootc-pinned '.driftwatch.after.deployment')" = other ] || fail "pinned deployment role"

# Upstream's JSON fixture: nothing booted; a host that starts to boot an image.
run 0 "$DW" status --bootc-json "$B/v1-null.json" --state "$T/null.db" --format json
[ ! -s "$T/out" ] || fail "an empty status reported something"
run 0 "$DW" status --bootc-json "$B/v1-null.json" --state "$T/null.db" --format json
[ ! -s "$T/out" ] || fail "an empty status reported something on its second run"
transition bootc-from-null --bootc-json "$B/v1-null.json" "$D" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
DW-IMG-STAGED-NEW alert
EOF

# Nothing booted, a staged and a rollback deployment (staged-rollback fixture).
variant "$B/staged-rollback.json" "$T/staged-rollback-changed.json" \
        ".status.staged.image.imageDigest = \"$OTHER\" | .status.staged.ostree.checksum = \"$OTHER_COMMIT\""
transition bootc-staged-rollback --bootc-json "$B/staged-rollback.json" "$T/staged-rollback-changed.json" 1 <<'EOF'
DW-IMG-STAGED-CHANGED alert
EOF

# ---- rpm-ostree: booted 33.21 first, rollback 33.17 after it ----
run 0 "$DW" status --rpm-ostree-json "$RPM" --state "$T/rpm.db" --format json
[ ! -s "$T/out" ] || fail "the rpm-ostree fixture reported something on its first run"
run 0 "$DW" status --rpm-ostree-json "$RPM" --state "$T/rpm.db" --format json
[ ! -s "$T/out" ] || fail "the unchanged rpm-ostree fixture reported something"

NEW='.booted = false | .staged = true | .checksum = "'$OTHER_COMMIT'" | ."base-checksum" = "'${OTHER#sha256:}'"
     | .version = "33.22" | .timestamp += 86400'
variant "$RPM" "$T/rpm-staged.json" ".deployments = [(.deployments[0] | $NEW)] + .deployments"
transition rpm-staged-new --rpm-ostree-json "$RPM" "$T/rpm-staged.json" 1 <<'EOF'
DW-IMG-STAGED-NEW alert
EOF
[ "$(field rpm-staged-new '.driftwatch.after.digest + " " + .driftwatch.after.version')" = "${OTHER#sha256:} 33.22" ] ||
        fail "rpm-ostree staged digest (base-checksum) or version: $(cat "$T/rpm-staged-new.out")"

variant "$T/rpm-staged.json" "$T/rpm-staged-changed.json" '.deployments[0].checksum = "'${OTHER#sha256:}'"'
transition rpm-staged-changed --rpm-ostree-json "$T/rpm-staged.json" "$T/rpm-staged-changed.json" 1 <<'EOF'
DW-IMG-STAGED-CHANGED alert
EOF

variant "$T/rpm-staged.json" "$T/rpm-upgraded.json" \
        '.deployments = [(.deployments[0] | .staged = false | .booted = true), (.deployments[1] | .booted = false)]'
transition rpm-booted-changed --rpm-ostree-json "$T/rpm-staged.json" "$T/rpm-upgraded.json" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
EOF

variant "$RPM" "$T/rpm-rolled-back.json" \
        '.deployments = [(.deployments[1] | .booted = true), (.deployments[0] | .booted = false)]'
transition rpm-rollback --rpm-ostree-json "$RPM" "$T/rpm-rolled-back.json" 1 <<'EOF'
DW-IMG-ROLLBACK-PERFORMED alert
EOF
[ "$(field rpm-rollback '.driftwatch.before.version + " -> " + .driftwatch.after.version')" = "33.21 -> 33.17" ] ||
        fail "rpm-ostree rollback versions: $(cat "$T/rpm-rollback.out")"

# `rpm-ostree rollback` before the reboot: the rollback is listed first.
variant "$RPM" "$T/rpm-queued.json" '.deployments = [.deployments[1], .deployments[0]]'
transition rpm-rollback-queued --rpm-ostree-json "$RPM" "$T/rpm-queued.json" 1 <<'EOF'
DW-IMG-ROLLBACK-QUEUED alert
EOF

variant "$RPM" "$T/rpm-new-rollback.json" \
        '.deployments[1].checksum = "'$OTHER_COMMIT'" | .deployments[1]."base-checksum" = "'${OTHER#sha256:}'"'
transition rpm-rollback-target --rpm-ostree-json "$RPM" "$T/rpm-new-rollback.json" 1 <<'EOF'
DW-IMG-ROLLBACK-TARGET-CHANGED alert
EOF

variant "$RPM" "$T/rpm-unlocked.json" '.deployments[0].unlocked = "development"'
transition rpm-usr-overlay --rpm-ostree-json "$RPM" "$T/rpm-unlocked.json" 1 <<'EOF'
DW-IMG-USR-OVERLAY alert
EOF
[ "$(field rpm-usr-overlay '.driftwatch.after."usr-overlay"')" = development ] || fail "rpm-ostree unlocked mode"

variant "$RPM" "$T/rpm-pinned.json" '.deployments[1].pinned = true'
transition rpm-pinned --rpm-ostree-json "$RPM" "$T/rpm-pinned.json" 0 <<'EOF'
DW-IMG-PINNED event
EOF

# A container deployment: image and transport from container-image-reference.
variant "$RPM" "$T/rpm-container.json" \
        '.deployments[0]["container-image-reference"] = "ostree-unverified-registry:quay.io/fedora/fedora-silverblue:41"
         | .deployments[0]["container-image-reference-digest"] = "'$OTHER'"'
transition rpm-container --rpm-ostree-json "$RPM" "$T/rpm-container.json" 0 <<'EOF'
EOF
variant "$T/rpm-container.json" "$T/rpm-container-staged.json" ".deployments = [(.deployments[0] | $NEW)] + .deployments"
transition rpm-container-staged --rpm-ostree-json "$T/rpm-container.json" "$T/rpm-container-staged.json" 1 <<'EOF'
DW-IMG-STAGED-NEW alert
EOF
[ "$(field rpm-container-staged '.driftwatch.after.image + " " + .driftwatch.after.transport + " " + .driftwatch.after.digest')" = \
  "quay.io/fedora/fedora-silverblue:41 registry $OTHER" ] || fail "container reference: $(cat "$T/rpm-container-staged.out")"

# Text output: the transition on one line with its rule, the values below it.
run 0 "$DW" status --rpm-ostree-json "$T/rpm-rolled-back.json" --state "$T/text.db"
run 1 "$DW" status --rpm-ostree-json "$RPM" --state "$T/text.db"
grep -q '^high .*image-rollback .*DW-IMG-ROLLBACK-PERFORMED' "$T/out" || { cat "$T/out"; fail "text rollback line"; }
grep -q 'version: 33.17 -> 33.21' "$T/out" || { cat "$T/out"; fail "text values"; }
grep -q 'status compared with the snapshot last seen' "$T/err" || { cat "$T/err"; fail "no text summary"; }
echo PASS
