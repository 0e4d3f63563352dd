# driftwatch status: one check per transition, on the project's bootc and
# rpm-ostree fixtures (tests/data/status) with variants made by jq. Each runs
# in a fresh state database: the first snapshot from A, then B reports exactly
# the expected rule ids, then B again reports no transition.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"

D=$DATA/bootc-staged-download-only.json # staged 2025.3.1, booted 2025.2.4, no rollback
STAGED=sha256:b2e08bc9e07eb19e42741cb167ed517501c6032133a946aa517917d463846edd
OTHER=sha256:00000000000000000000000000000000000000000000000000000000000000aa
OTHER_COMMIT=00000000000000000000000000000000000000000000000000000000000000bb

# ---- bootc ----
variants "$D" \
        "$T/no-staged.json" '.status.staged = null' \
        "$T/staged-changed.json" ".status.staged.image.imageDigest = \"$OTHER\" | .status.staged.ostree.checksum = \"$OTHER_COMMIT\"" \
        "$T/upgraded.json" "$BOOTC_UPGRADE" \
        "$T/older.json" "$BOOTC_UPGRADE | .status.booted.image.imageDigest = \"$OTHER\" |
                .status.booted.ostree.checksum = \"$OTHER_COMMIT\" | .status.booted.image.timestamp = \"2024-01-01T00:00:00Z\"" \
        "$T/rolled-back.json" "$BOOTC_UPGRADE | $BOOTC_ROLLBACK" \
        "$T/new-rollback.json" "$BOOTC_UPGRADE | .status.rollback.image.imageDigest = \"$OTHER\" |
                .status.rollback.ostree.checksum = \"$OTHER_COMMIT\"" \
        "$T/queued.json" "$BOOTC_UPGRADE | .status.rollbackQueued = true" \
        "$T/boot-order.json" "$BOOTC_UPGRADE | .spec.bootOrder = \"rollback\""

transition bootc-staged-new --bootc-json "$T/no-staged.json" "$D" 1 <<'EOF'
DW-IMG-STAGED-NEW alert
EOF
expect_fields "$T/bootc-staged-new.out" '.driftwatch.after.digest, .event.action + " " + .driftwatch.severity + " " +
                                         .event.category[0], (.driftwatch.controls | join(","))' <<EOF
$STAGED
image-staged medium configuration
CM-3,CM-5,SR-4
EOF

transition bootc-staged-changed --bootc-json "$D" "$T/staged-changed.json" 1 <<'EOF'
DW-IMG-STAGED-CHANGED alert
EOF
expect_fields "$T/bootc-staged-changed.out" '.driftwatch.before.digest + " -> " + .driftwatch.after.digest,
                                             (.driftwatch.changed | join(","))' <<EOF
$STAGED -> $OTHER
digest,checksum
EOF

# The upgrade: the staged deployment boots, the old booted one becomes the
# rollback. The staged build time has a fraction of a second: dropped.
transition bootc-booted-changed --bootc-json "$D" "$T/upgraded.json" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
EOF
expect_fields "$T/bootc-booted-changed.out" '.driftwatch.before.version + " " + .driftwatch.before.timestamp + " -> " +
                                             .driftwatch.after.version + " " + .driftwatch.after.timestamp' <<'EOF'
2025.2.4 2025-02-26T06:00:07Z -> 2025.3.1 2025-03-12T08:15:42Z
EOF

# Booting an image built before the one it replaces is a downgrade: high.
transition bootc-downgrade --bootc-json "$T/upgraded.json" "$T/older.json" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
EOF
expect_fields "$T/bootc-downgrade.out" '.driftwatch.severity, (.message | test("downgrade"))' <<'EOF'
high
true
EOF

# The rollback: booted and rollback swap.
transition bootc-rollback --bootc-json "$T/upgraded.json" "$T/rolled-back.json" 1 <<'EOF'
DW-IMG-ROLLBACK-PERFORMED alert
EOF
expect_fields "$T/bootc-rollback.out" '.driftwatch.severity + " " + .event.action + " " + (.threat.technique.id | join(","))' <<'EOF'
high image-rollback T1562.010,T1601.002
EOF

transition bootc-rollback-target --bootc-json "$T/upgraded.json" "$T/new-rollback.json" 1 <<'EOF'
DW-IMG-ROLLBACK-TARGET-CHANGED alert
EOF

# A queued rollback is state: reported on every run while it lasts.
transition bootc-rollback-queued --bootc-json "$T/upgraded.json" "$T/queued.json" 1 <<'EOF'
DW-IMG-ROLLBACK-QUEUED alert
EOF
expect_fields "$T/bootc-rollback-queued.out" .driftwatch.severity <<<high   # to an older image
transition bootc-boot-order --bootc-json "$T/upgraded.json" "$T/boot-order.json" 1 <<'EOF'
DW-IMG-ROLLBACK-QUEUED alert
EOF

# /usr overlay: on the first run already, and on every run.
O=$DATA/bootc-booted-usroverlay.json
run 1 "$DW" status --bootc-json "$O" --state "$T/overlay-first.db" --format json
drop_summary "$T/out"
expect_ids <<'EOF'
DW-IMG-USR-OVERLAY alert
EOF
expect_fields "$T/out" '.driftwatch.after."usr-overlay" + " " + .driftwatch.severity' <<<"readWrite/transient critical"
variant "$O" "$T/no-overlay.json" 'del(.status.usrOverlay)'
transition bootc-usr-overlay --bootc-json "$T/no-overlay.json" "$O" 1 <<'EOF'
DW-IMG-USR-OVERLAY alert
EOF

# Pins: events, on the first run and when a deployment becomes pinned.
P=$DATA/bootc-booted-pinned.json
run 0 "$DW" status --bootc-json "$P" --state "$T/pinned-first.db" --format json
drop_summary "$T/out"
expect_ids <<'EOF'
DW-IMG-PINNED event
DW-IMG-PINNED event
EOF
variant "$P" "$T/unpinned.json" '.status.otherDeployments[0].pinned = false'
transition bootc-pinned --bootc-json "$T/unpinned.json" "$P" 0 <<'EOF'
DW-IMG-PINNED event
EOF
expect_fields "$T/bootc-pinned.out" '.driftwatch.after.deployment + " " + .driftwatch.after.version' <<<"other 2024.12.2"

# A host that is not bootc-compatible (everything null); then it boots an image.
N=$DATA/bootc-v1-null.json
run 0 "$DW" status --bootc-json "$N" --state "$T/null.db" --format json
drop_summary "$T/out"
no_findings "$T/out" || fail "an empty status reported something"
run 0 "$DW" status --bootc-json "$N" --state "$T/null.db" --format json
drop_summary "$T/out"
no_findings "$T/out" || fail "an empty status reported something on its second run"
transition bootc-from-null --bootc-json "$N" "$D" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
DW-IMG-STAGED-NEW alert
EOF

# Nothing booted, a staged and a rollback deployment (v1alpha1).
R=$DATA/bootc-staged-rollback.json
variant "$R" "$T/staged-rollback-changed.json" \
        ".status.staged.image.imageDigest = \"$OTHER\" | .status.staged.ostree.checksum = \"$OTHER_COMMIT\""
transition bootc-staged-rollback --bootc-json "$R" "$T/staged-rollback-changed.json" 1 <<'EOF'
DW-IMG-STAGED-CHANGED alert
EOF

# ---- rpm-ostree: booted 41.20250110.0 first, rollback 41.20241219.0 after it ----
run 0 "$DW" status --rpm-ostree-json "$RPM" --state "$T/rpm.db" --format json
drop_summary "$T/out"
no_findings "$T/out" || fail "the rpm-ostree fixture reported something on its first run"
run 0 "$DW" status --rpm-ostree-json "$RPM" --state "$T/rpm.db" --format json
drop_summary "$T/out"
no_findings "$T/out" || fail "the unchanged rpm-ostree fixture reported something"

NEW='.booted = false | .staged = true | .checksum = "'$OTHER_COMMIT'" | ."base-checksum" = "'${OTHER#sha256:}'"
     | .version = "41.20250111.0" | .timestamp += 86400'
STAGE=".deployments = [(.deployments[0] | $NEW)] + .deployments"
CONTAINER='.deployments[0]["container-image-reference"] = "ostree-unverified-registry:registry.example.com/desktop/silverblue:41"
           | .deployments[0]["container-image-reference-digest"] = "'$OTHER'"'
variants "$RPM" \
        "$T/rpm-staged.json" "$STAGE" \
        "$T/rpm-staged-changed.json" "$STAGE | .deployments[0].checksum = \"${OTHER#sha256:}\"" \
        "$T/rpm-upgraded.json" "$STAGE | .deployments = [(.deployments[0] | .staged = false | .booted = true),
                                                          (.deployments[1] | .booted = false)]" \
        "$T/rpm-rolled-back.json" "$RPM_ROLLBACK" \
        "$T/rpm-queued.json" "$RPM_ROLLBACK_QUEUED" \
        "$T/rpm-new-rollback.json" ".deployments[1].checksum = \"$OTHER_COMMIT\" |
                                    .deployments[1].\"base-checksum\" = \"${OTHER#sha256:}\"" \
        "$T/rpm-unlocked.json" '.deployments[0].unlocked = "development"' \
        "$T/rpm-pinned.json" '.deployments[1].pinned = true' \
        "$T/rpm-container.json" "$CONTAINER" \
        "$T/rpm-container-staged.json" "$CONTAINER | $STAGE"

transition rpm-staged-new --rpm-ostree-json "$RPM" "$T/rpm-staged.json" 1 <<'EOF'
DW-IMG-STAGED-NEW alert
EOF
# The digest of an ostree deployment is its base commit (base-checksum).
expect_fields "$T/rpm-staged-new.out" '.driftwatch.after.digest + " " + .driftwatch.after.version' <<<"${OTHER#sha256:} 41.20250111.0"

transition rpm-staged-changed --rpm-ostree-json "$T/rpm-staged.json" "$T/rpm-staged-changed.json" 1 <<'EOF'
DW-IMG-STAGED-CHANGED alert
EOF

transition rpm-booted-changed --rpm-ostree-json "$T/rpm-staged.json" "$T/rpm-upgraded.json" 1 <<'EOF'
DW-IMG-BOOTED-CHANGED alert
EOF

transition rpm-rollback --rpm-ostree-json "$RPM" "$T/rpm-rolled-back.json" 1 <<'EOF'
DW-IMG-ROLLBACK-PERFORMED alert
EOF
expect_fields "$T/rpm-rollback.out" '.driftwatch.before.version + " -> " + .driftwatch.after.version' <<<"41.20250110.0 -> 41.20241219.0"

# `rpm-ostree rollback` before the reboot: the rollback is listed first.
transition rpm-rollback-queued --rpm-ostree-json "$RPM" "$T/rpm-queued.json" 1 <<'EOF'
DW-IMG-ROLLBACK-QUEUED alert
EOF

transition rpm-rollback-target --rpm-ostree-json "$RPM" "$T/rpm-new-rollback.json" 1 <<'EOF'
DW-IMG-ROLLBACK-TARGET-CHANGED alert
EOF

transition rpm-usr-overlay --rpm-ostree-json "$RPM" "$T/rpm-unlocked.json" 1 <<'EOF'
DW-IMG-USR-OVERLAY alert
EOF
expect_fields "$T/rpm-usr-overlay.out" '.driftwatch.after."usr-overlay"' <<<development

transition rpm-pinned --rpm-ostree-json "$RPM" "$T/rpm-pinned.json" 0 <<'EOF'
DW-IMG-PINNED event
EOF

# A container deployment: image and transport from container-image-reference.
transition rpm-container --rpm-ostree-json "$RPM" "$T/rpm-container.json" 0 </dev/null
transition rpm-container-staged --rpm-ostree-json "$T/rpm-container.json" "$T/rpm-container-staged.json" 1 <<'EOF'
DW-IMG-STAGED-NEW alert
EOF
expect_fields "$T/rpm-container-staged.out" '.driftwatch.after.image + " " + .driftwatch.after.transport + " " +
                                             .driftwatch.after.digest' <<<"registry.example.com/desktop/silverblue:41 registry $OTHER"

# Text output: the transition on one line with its rule, with -v the values below it.
run 0 "$DW" status --rpm-ostree-json "$T/rpm-rolled-back.json" --state "$T/text.db"
run 1 "$DW" status -v --rpm-ostree-json "$RPM" --state "$T/text.db"
grep -q '^high .*image-rollback .*DW-IMG-ROLLBACK-PERFORMED' "$T/out" || { cat "$T/out"; fail "text rollback line"; }
grep -q 'version: 41.20241219.0 -> 41.20250110.0' "$T/out" || { cat "$T/out"; fail "text values"; }
grep -q 'status compared with the snapshot last seen' "$T/out" || { cat "$T/out"; fail "no text summary"; }
echo PASS
