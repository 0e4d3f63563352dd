#!/bin/bash
# Regenerates examples/findings/*.jsonl: sample findings of each capability,
# made by running driftwatch (the binary given, e.g. build/driftwatch) on the
# project's own fixtures and on a small tree it builds in a scratch directory.
# Times, host names and scratch paths differ from run to run; the shapes do not.
# tests/e2e/test-examples.sh checks that every line is valid JSON with a rule id.
set -euo pipefail
DW=$(realpath "${1:?usage: generate-findings.sh DRIFTWATCH}")
cd "$(dirname "$0")/.."
out=examples/findings
data=tests/data
W=$(mktemp -d)
trap 'rm -rf "${W:?}"' EXIT
run() { "$DW" --quiet --rules-dir "$W/no-layers" "$@" || [ $? = 1 ]; }
mkdir -p "$W/no-layers"

# FIM: a tree, its baseline, then a modified, an added and a removed file.
mkdir -p "$W/root/etc/cron.d" "$W/root/usr/bin"
echo 'PermitRootLogin no' >"$W/root/etc/sshd_config"
echo tool >"$W/root/usr/bin/tool"
echo gone >"$W/root/usr/bin/gone"
run baseline create --from "dir:$W/root" --out "$W/b.db"
echo 'PermitRootLogin yes' >"$W/root/etc/sshd_config"
echo '* * * * * root /tmp/x' >"$W/root/etc/cron.d/job"
rm "$W/root/usr/bin/gone"
run check --baseline "$W/b.db" --root "$W/root" --format json >"$out/check.jsonl"

# Status: a staged image, then the host booted into it with a rollback.
run status --bootc-json "$data/status/bootc-staged-download-only.json" --state "$W/s.db" --format json >/dev/null
run status --bootc-json "$data/status/bootc-staged-rollback.json" --state "$W/s.db" --format json \
        >"$out/status.jsonl"

# Audit: the writes and commands of a captured log.
run audit --format json tests/e2e/cases/audit-writes/input.log >"$out/audit.jsonl"

# Containers: pod posture and image digests from kubectl JSON.
run container posture --pods "$data/container/pods.json" --namespaces "$data/container/namespaces.json" \
        --format json >"$out/container-posture.jsonl"
run container digests --pods "$data/container/pods.json" --approved "$data/container/approved.txt" \
        --format json >"$out/container-digests.jsonl"
