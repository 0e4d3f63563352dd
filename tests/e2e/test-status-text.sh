# `driftwatch status` in text: the summary first, then the state as `bootc
# status` prints it (staged, booted, rollback, other; image, short digest,
# version and build time, pinned), then what changed since the last run, one
# line each, and with -v only the attributes that changed (hashes short). A
# switch to another image reference and deployments that went away are
# findings. Golden text, TZ=UTC. The fixtures of bootc's own status tests
# (../shared/fixtures, YAML) are an extra oracle: the same rows bootc prints.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"
export TZ=UTC

PIN=$DATA/bootc-booted-pinned.json
variants "$PIN" "$T/switch.json" \
        '.status.staged = (.status.booted | .image.image.image = "quay.io/evil/image:latest" | .pinned = false |
          .image.imageDigest = "sha256:9999999999999999999999999999999999999999999999999999999999999999" |
          .image.version = "6.6.6" | .image.timestamp = "2026-11-01T10:00:00Z" |
          .ostree.checksum = "abababababababababababababababababababababababababababababababab")'

# The fixture's deployments as bootc prints them.
cat >"$T/pinned" <<'EOT'
* Booted image: registry.example.com/fleet/edge-node:lts
        Digest: sha256:3da52cab5f39
       Version: 2025.1.0
        Pinned: yes

   Other image: registry.example.com/fleet/edge-node:lts
        Digest: sha256:f0ea58288adf
       Version: 2024.12.2
        Pinned: yes
EOT
run 0 "$DW" status --bootc-json "$PIN" --state "$T/s.db"
{ cat <<EOT
status: 0 alerts, 2 events
  deployment-pinned 2 events
no status snapshot yet: recorded the first one (bootc, 2 deployments) in '$T/s.db'; later runs report what changed

EOT
cat "$T/pinned"; cat <<'EOT'

First run, nothing to compare with yet:
SEVERITY ACTION         PATH  RULE  [CHANGED]  MESSAGE
event    deployment-pinned -  DW-IMG-PINNED  booted deployment pinned (kept from garbage collection): registry.example.com/fleet/edge-node:lts (sha256:3da52cab5f39)
event    deployment-pinned -  DW-IMG-PINNED  other deployment pinned (kept from garbage collection): registry.example.com/fleet/edge-node:lts (sha256:f0ea58288adf)
EOT
} >"$T/want"
diff -u "$T/want" "$T/out" || fail "status text, first run"

# Nothing changed: the state, then says so.
run 0 "$DW" status --bootc-json "$PIN" --state "$T/s.db"
drop_summary "$T/out"
tail -1 "$T/out" | grep -qx '  nothing changed' || { cat "$T/out"; fail "no 'nothing changed'"; }

# bootc switch: the staged deployment follows another reference.
run 1 "$DW" status -v --bootc-json "$T/switch.json" --state "$T/s.db"
sed -E -e 's/\(20[0-9-]+T[0-9:]+Z\):$/(SEEN):/' -e 's/last seen 20[0-9-]+T[0-9:]+Z:/last seen SEEN:/' "$T/out" >"$T/got"
{ cat <<'EOT'
status: 2 alerts (1 high, 1 medium), 0 events
  image-staged          1 alert
  image-source-switched 1 alert
bootc status compared with the snapshot last seen SEEN: 2 alerts, 0 events

  Staged image: quay.io/evil/image:latest
        Digest: sha256:999999999999
       Version: 6.6.6 (2026-11-01T10:00:00Z)

EOT
cat "$T/pinned"; cat <<'EOT'

Changes since the last run (SEEN):
SEVERITY ACTION         PATH  RULE  [CHANGED]  MESSAGE
medium   image-staged   -  DW-IMG-STAGED-NEW  staged for the next boot: quay.io/evil/image:latest (sha256:999999999999)
high     image-source-switched -  DW-IMG-SOURCE-SWITCH  [image digest version timestamp checksum]  staged deployment follows another image: quay.io/evil/image:latest (sha256:999999999999), was registry.example.com/fleet/edge-node:lts
         image: registry.example.com/fleet/edge-node:lts -> quay.io/evil/image:latest
         digest: sha256:3da52cab5f39 -> sha256:999999999999
         version: 2025.1.0 -> 6.6.6
         timestamp: (none) -> 2026-11-01T10:00:00Z
         checksum: 0701112591a8 -> abababababab
EOT
} >"$T/want"
diff -u "$T/want" "$T/got" || fail "status text, source switch"

# From the rpm-ostree workstation (two deployments) to a host with none: each
# deployment gone is an alert, in JSON with what it was.
run 0 "$DW" status --rpm-ostree-json "$RPM" --state "$T/r.db"
drop_summary "$T/out"
run 1 "$DW" status --bootc-json "$DATA/bootc-v1-null.json" --state "$T/r.db" --format json
drop_summary "$T/out"
[ "$(jq -sc '[.[] | [.rule.id, .event.kind, .driftwatch.before.deployment, (.driftwatch.changed | length)]]' "$T/out")" = \
  '[["DW-IMG-DEPLOYMENT-VANISHED","alert","booted",0],["DW-IMG-DEPLOYMENT-VANISHED","alert","rollback",0]]' ] ||
        { cat "$T/out"; fail "vanished deployments"; }

# bootc's own fixtures: the rows bootc status prints for them.
FIX=$SHARED/fixtures
[ -f "$FIX/bootc-spec-booted-pinned.yaml" ] || skip "no bootc fixtures in '$FIX'"
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is needed to read '$FIX'"
python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"), default=str)' \
        "$FIX/bootc-spec-booted-pinned.yaml" "$T/fix.json"
run 0 "$DW" status --bootc-json "$T/fix.json" --state "$T/f.db"
# (the state: from the first line after the summary's blank line to "First run")
awk '/^First run/ { exit } s { print } /^$/ { s = 1 }' "$T/out" | sed '$d' >"$T/state"
cat >"$T/want" <<'EOT'
* Booted image: quay.io/centos-bootc/centos-bootc:stream9
        Digest: sha256:47e5ed613a97
       Version: stream9.20240807.0
        Pinned: yes

   Other image: quay.io/centos-bootc/centos-bootc:stream9
        Digest: sha256:47e5ed613a97
       Version: stream9.20240807.0
        Pinned: yes
EOT
diff -u "$T/want" "$T/state" || fail "bootc's fixture"
echo PASS
