# driftwatch status --policy and --tickets: deployments below a pinned minimum
# version or build time, digests the policy does not allow, and changes with
# and without a change ticket whose digest and time window match.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"

D=$DATA/bootc-staged-download-only.json # staged 2025-03-12 (b2e0...), booted 2025-02-26 (3c25...)
STAGED=sha256:b2e08bc9e07eb19e42741cb167ed517501c6032133a946aa517917d463846edd
BOOTED=sha256:3c25baf49c43e0dd351d228de4a376108fbc480d0e081976c961c4f7ddaf53c8
STAGED_COMMIT=101e3347f33dcfc7e30c5e2cb0ba8a51610e75d7e5231067c042f133e48aeef3

# ---- policy: checked on every run, the first included ----
printf '# the oldest build we accept\nminimum-timestamp = 2025-03-01T00:00:00Z\n' >"$T/min-time"
st 1 "$T/p1.db" --bootc-json "$D" --policy "$T/min-time"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
EOF
expect_fields "$T/out" '.driftwatch.after.deployment + " " + .driftwatch.after.digest,
                       (.message | test("built 2025-02-26T06:00:07Z, before the minimum 2025-03-01T00:00:00Z"))' <<EOF
booted $BOOTED
true
EOF
st 1 "$T/p1.db" --bootc-json "$D" --policy "$T/min-time"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
EOF

printf 'minimum-timestamp = 2025-02-01T00:00:00+02:00\n' >"$T/min-time-ok"
st 0 "$T/p2.db" --bootc-json "$D" --policy "$T/min-time-ok"
expect_ids </dev/null

# rpm-ostree versions compare as versions, not as strings:
# 41.20250110.0 >= 41.9, < 41.100000000.
expect_minimum_version "$RPM" 41.20250110.0 41.9 41.100000000

# The rollback deployment counts once it is queued to boot next.
variant "$RPM" "$T/rpm-queued.json" "$RPM_ROLLBACK_QUEUED"
printf 'minimum-version = 41.20250101\n' >"$T/min-version-20"
st 0 "$T/p5.db" --rpm-ostree-json "$RPM" --policy "$T/min-version-20"
st 1 "$T/p5.db" --rpm-ostree-json "$T/rpm-queued.json" --policy "$T/min-version-20"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
DW-IMG-ROLLBACK-QUEUED alert
EOF

# No build time to compare: below the minimum (it cannot show it is not).
st 1 "$T/p6.db" --bootc-json "$DATA/bootc-booted-pinned.json" --policy "$T/min-time"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
DW-IMG-PINNED event
DW-IMG-PINNED event
EOF

# Allowed digests: the staged image is allowed, the booted one is not.
printf 'allowed-digest = %s\n' "$STAGED" >"$T/allowed"
st 1 "$T/p7.db" --bootc-json "$D" --policy "$T/allowed"
expect_ids <<'EOF'
DW-IMG-DIGEST-NOT-ALLOWED alert
EOF
expect_fields "$T/out" .driftwatch.after.digest <<<"$BOOTED"
printf 'allowed-digest = %s\nallowed-digest = %s\n' "$STAGED" "$BOOTED" >"$T/allowed-both"
st 0 "$T/p8.db" --bootc-json "$D" --policy "$T/allowed-both"
expect_ids </dev/null
# rpm-ostree without container images: ostree commits are allowed by checksum.
printf 'allowed-digest = 4faf9bd0ef95e053b4c8c3f0a018be9b68a3bed1cca86c15525c80757685f986\n' >"$T/allowed-commit"
st 0 "$T/p9.db" --rpm-ostree-json "$RPM" --policy "$T/allowed-commit"
expect_ids </dev/null

# ---- tickets: a change no ticket covers is DW-IMG-NO-TICKET ----
variants "$D" \
        "$T/no-staged.json" '.status.staged = null' \
        "$T/upgraded.json" "$BOOTC_UPGRADE" \
        "$T/rolled-back.json" "$BOOTC_UPGRADE | $BOOTC_ROLLBACK"
now=$(date -u +%s)
ts() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
printf '# ticket digest from until\nCHG-1001 %s %s %s\n' "$STAGED" "$(ts $((now - 3600)))" "$(ts $((now + 3600)))" \
        >"$T/tickets-ok"
transition ticket-covered --bootc-json "$T/no-staged.json" "$D" 0 --tickets "$T/tickets-ok" <<'EOF'
DW-IMG-STAGED-NEW event
EOF
expect_fields "$T/ticket-covered.out" .driftwatch.after.ticket <<<CHG-1001

# Matched by the ostree commit as well.
printf 'CHG-1002 %s 2000-01-01T00:00:00Z 2999-01-01T00:00:00Z\n' "$STAGED_COMMIT" >"$T/tickets-commit"
transition ticket-commit --bootc-json "$T/no-staged.json" "$D" 0 --tickets "$T/tickets-commit" <<'EOF'
DW-IMG-STAGED-NEW event
EOF

printf 'CHG-1003 %s 2000-01-01T00:00:00Z 2999-01-01T00:00:00Z\n' "$BOOTED" >"$T/tickets-other"
transition ticket-wrong-digest --bootc-json "$T/no-staged.json" "$D" 1 --tickets "$T/tickets-other" <<'EOF'
DW-IMG-NO-TICKET alert
DW-IMG-STAGED-NEW alert
EOF
expect_fields "$T/ticket-wrong-digest.out" 'select(.rule.id == "DW-IMG-NO-TICKET") | .driftwatch.after.digest' <<<"$STAGED"

printf 'CHG-1004 %s 2001-01-01T00:00:00Z 2001-01-02T00:00:00Z\n' "$STAGED" >"$T/tickets-expired"
transition ticket-expired --bootc-json "$T/no-staged.json" "$D" 1 --tickets "$T/tickets-expired" <<'EOF'
DW-IMG-NO-TICKET alert
DW-IMG-STAGED-NEW alert
EOF

# A ticket for a planned rollback; policy alerts stay whatever the tickets say.
printf 'CHG-1005 %s 2000-01-01T00:00:00Z 2999-01-01T00:00:00Z\n' "$BOOTED" >"$T/tickets-rollback"
transition ticket-rollback --bootc-json "$T/upgraded.json" "$T/rolled-back.json" 0 --tickets "$T/tickets-rollback" <<'EOF'
DW-IMG-ROLLBACK-PERFORMED event
EOF
transition ticket-rollback-policy --bootc-json "$T/upgraded.json" "$T/rolled-back.json" 1 \
        --tickets "$T/tickets-rollback" --policy "$T/min-time" <<'EOF'
DW-IMG-BELOW-MINIMUM alert
DW-IMG-ROLLBACK-PERFORMED event
EOF
transition no-ticket-rollback --bootc-json "$T/upgraded.json" "$T/rolled-back.json" 1 --tickets "$T/tickets-ok" <<'EOF'
DW-IMG-NO-TICKET alert
DW-IMG-ROLLBACK-PERFORMED alert
EOF
echo PASS
