# Usage mistakes that are errors, not silently ignored: --root with --sysroot,
# and an --allowlist that does not exist (only the default allowlist may be
# absent). Each is one line naming the input, exit 2, before any work is done.
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"

R=$T/root
mkdir -p "$R/etc" "$T/state"
printf 'a\n' >"$R/etc/a"
S=$T/sysroot
make_os_tree "$T/v1" 1.0
make_sysroot "$S"
commit_tree "$S" "$T/v1" 1.0 >/dev/null
deploy "$S"

# --root and --sysroot name two different hosts.
run 2 "$DW" scan --state-dir "$T/state" --root "$R" --sysroot "$S"
expect_one_error_line '--sysroot'
grep -qF -- '--root' "$T/err" || { cat "$T/err"; fail "the error does not name --root"; }
run 2 "$DW" scan --state-dir "$T/state" --sysroot "$S" --root /
expect_one_error_line '--root'
[ ! -e "$T/state/baseline.db" ] || fail "scan did work before refusing its options"

# An allowlist given explicitly must exist: for etc-diff, and for scan in either mode.
run 2 "$DW" etc-diff --sysroot "$S" --allowlist "$T/missing.yaml"
expect_one_error_line "$T/missing.yaml"
run 2 "$DW" etc-diff --allowlist "$T/missing.yaml"
expect_one_error_line "$T/missing.yaml"
run 2 "$DW" scan --state-dir "$T/state" --sysroot "$S" --allowlist "$T/missing.yaml"
expect_one_error_line "$T/missing.yaml"
run 2 "$DW" scan --state-dir "$T/state" --root "$R" --allowlist "$T/missing.yaml"
expect_one_error_line "$T/missing.yaml"
[ ! -e "$T/state/baseline.db" ] || fail "scan recorded a baseline despite a missing --allowlist"
run 2 "$DW" scan --state-dir "$T/state" --root "$R" --allowlist "$T"
expect_one_error_line "$T"

# An allowlist that exists is used; nesting past the limit is refused quickly.
printf 'version: 1\nallow: []\n' >"$T/allow.yaml"
run 0 "$DW" etc-diff --sysroot "$S" --allowlist "$T/allow.yaml"
{ printf 'allow:\n  - path: '; head -c 50000 /dev/zero | tr '\0' '['; head -c 50000 /dev/zero | tr '\0' ']'
  echo; } >"$T/deep.yaml"
start=$(date +%s%N)
run 2 "$DW" etc-diff --sysroot "$S" --allowlist "$T/deep.yaml"
ms=$((($(date +%s%N) - start) / 1000000))
expect_one_error_line "$T/deep.yaml"
grep -qF 'nested deeper than 64 levels' "$T/err" || { cat "$T/err"; fail "deep allowlist not refused by depth"; }
[ "$ms" -lt 1000 ] || fail "a 50 k deep allowlist took $ms ms to refuse"
