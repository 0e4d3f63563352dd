# driftwatch status --policy and --tickets: deployments below a pinned minimum
# version or build time, digests the policy does not allow, and changes with
# and without a change ticket whose digest and time window match.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"

D=$B/staged-download-only.json          # staged 2023-10-14 (16dc...), booted 2023-09-30 (736b...)
STAGED=sha256:16dc2b6256b4ff0d2ec18d2dbfb06d117904010c8cf9732cdb022818cf7a7566
BOOTED=sha256:736b359467c9437c1ac915acaae952aad854e07eb4a16a94999a48af08c83c34
STAGED_COMMIT=3c6dad657109522e0b2e49bf44b5420f16f0b438b5b9357e5132211cfbad135d

# ---- policy: checked on every run, the first included ----
printf '# the oldest build we accept\nminimum-timestamp = 2023-10-01T00:00:00Z\n' >"$T/min-time"
st 1 "$T/p1.db" --bootc-json "$D" --policy "$T/min-time"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
EOF
[ "$(jq -r '.driftwatch.after.deployment + " " + .driftwatch.after.digest' "$T/out")" = "booted $BOOTED" ] ||
        fail "below-minimum names the wrong deployment: $(cat "$T/out")"
jq -r .message "$T/out" | grep -q 'built 2023-09-30T19:22:16Z, before the minimum 2023-10-01T00:00:00Z' ||
        fail "below-minimum message: $(jq -r .message "$T/out")"
st 1 "$T/p1.db" --bootc-json "$D" --policy "$T/min-time"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
EOF

printf 'minimum-timestamp = 2023-09-01T00:00:00+02:00\n' >"$T/min-time-ok"
st 0 "$T/p2.db" --bootc-json "$D" --policy "$T/min-time-ok"
expect_ids </dev/null

# rpm-ostree versions compare as versions: 33.21 >= 33.9, < 33.100.
printf 'minimum-version = 33.9\n' >"$T/min-version-ok"
st 0 "$T/p3.db" --rpm-ostree-json "$RPM" --policy "$T/min-version-ok"
expect_ids </dev/null
printf 'minimum-version = 33.100\n' >"$T/min-version"
st 1 "$T/p4.db" --rpm-ostree-json "$RPM" --policy "$T/min-version"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
EOF
jq -r .message "$T/out" | grep -q 'version 33.21 is below the minimum 33.100' || fail "version message: $(cat "$T/out")"

# The rollback deployment counts once it is queued to boot next.
variant "$RPM" "$T/rpm-queued.json" '.deployments = [.deployments[1], .deployments[0]]'
printf 'minimum-version = 33.20\n' >"$T/min-version-20"
st 0 "$T/p5.db" --rpm-ostree-json "$RPM" --policy "$T/min-version-20"
st 1 "$T/p5.db" --rpm-ostree-json "$T/rpm-queued.json" --policy "$T/min-version-20"
expect_ids <<'EOF'
DW-IMG-BELOW-MINIMUM alert
DW-IMG-ROLLBACK-QUEUED alert
EOF

# No build time to compare: below the minimum (it cannot show it is not).
st 1 "$T/p6.db" --bootc-json "$B/booted-pinned.json" --policy "$T/min-time"
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
[ "$(jq -r '.driftwatch.after.digest' "$T/out")" = "$BOOTED" ] || fail "digest-not-allowed names the wrong image"
printf 'allowed-digest = %s\nallowed-digest = %s\n' "$STAGED" "$BOOTED" >"$T/allowed-both"
st 0 "$T/p8.db" --bootc-json "$D" --policy "$T/allowed-both"
expect_ids </dev/null
# rpm-ostree without container images: ostree commits are allowed by checksum.
printf 'allowed-digest = 229387d3c0bb8ad698228ca5702eca72aed8b298a7c800be1dc72bab160a9f7f\n' >"$T/allowed-commit"
st 0 "$T/p9.db" --rpm-ostree-json "$RPM" --policy "$T/allowed-commit"
expect_ids </dev/null

# ---- tickets: a change no ticket covers is DW-IMG-NO-TICKET ----
variant "$D" "$T/no-staged.json" '.status.staged = null'
now=$(date -u +%s)
ts() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
printf '# ticket digest from until\nCHG-1001 %s %s %s\n' "$STAGED" "$(ts $((now - 3600)))" "$(ts $((now + 3600)))" \
        >"$T/tickets-ok"
transition ticket-covered --bootc-json "$T/no-staged.json" "$D" 0 --tickets "$T/tickets-ok" <<'EOF'
DW-IMG-STAGED-NEW event
EOF
[ "$(field ticket-covered '.driftwatch.after.ticket')" = CHG-1001 ] || fail "the covering ticket is not named"

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
[ "$(field ticket-wrong-digest 'select(.rule.id == "DW-IMG-NO-TICKET") | .driftwatch.after.digest')" = "$STAGED" ] ||
        fail "no-ticket does not name the digest"

printf 'CHG-1004 %s 2001-01-01T00:00:00Z 2001-01-02T00:00:00Z\n' "$STAGED" >"$T/tickets-expired"
transition ticket-expired --bootc-json "$T/no-staged.json" "$D" 1 --tickets "$T/tickets-expired" <<'EOF'
DW-IMG-NO-TICKET alert
DW-IMG-STAGED-NEW alert
EOF

# A ticket for a planned rollback; policy alerts stay whatever the tickets say.
variant "$D" "$T/upgraded.json" '.status.rollback = .status.booted | .status.booted = .status.staged | .status.staged = null'
variant "$T/upgraded.json" "$T/rolled-back.json" '.status.booted as $b | .status.booted = .status.rollback | .status.rollback = $b'
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
