# README's quick start works as written: its second fenced block (after the
# "quickstart:" marker) is run as it is against a small root under $T, with
# the state directory there too (never the host's); the second scan reports
# the change, the accept takes it, the third scan is clean.
source "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/../.." && pwd)
awk '/^<!-- quickstart:/ { m = 1 } m && /^```sh$/ { p = 1; next } p && /^```$/ { exit } p' \
        "$top/README.md" >"$T/quickstart.sh"
[ "$(grep -c . "$T/quickstart.sh")" -ge 5 ] || fail "no quick start block in README.md: $(cat "$T/quickstart.sh")"
grep -q 'baseline accept' "$T/quickstart.sh" || fail "the quick start does not accept: $(cat "$T/quickstart.sh")"

R=$T/root
mkdir -p "$R/usr/bin" "$R/etc"
printf '#!/bin/sh\n' >"$R/usr/bin/tool"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
# This small root has no containers policy, which posture reports on every
# run: a layer disables that rule, so "clean" means what the quick start means.
printf 'version: 1\nrules:\n  - id: DW-POS-POLICY-MISSING\n    disabled: true\n' >"$T/layer.yaml"
printf '#!/bin/sh\nexec %q --rules %q "$@"\n' "$DW" "$T/layer.yaml" >"$T/dw"
chmod +x "$T/dw"
DW="$T/dw" ROOT="$R" STATE="$T/state" bash -e "$T/quickstart.sh" >"$T/out" 2>"$T/err" ||
        fail "the quick start failed: $(cat "$T/out" "$T/err")"
grep -q 'exit 1: drift' "$T/out" || fail "the second scan did not report drift: $(cat "$T/out" "$T/err")"
grep -q 'etc/driftwatch-quickstart.conf' "$T/out" || fail "the change is not reported: $(cat "$T/out")"
[ -e "$T/state/baseline.db.1" ] || fail "the accept kept no history: $(ls "$T/state")"
[ ! -e "$R/etc/driftwatch-quickstart.conf" ] || fail "the quick start left its file"
# Tidied up and accepted: a fourth scan is clean.
run 0 "$T/dw" scan --root "$R" --state-dir "$T/state"
echo PASS
