# The usage defects a newcomer met (shared/reviews/newcomer.md S11, S15, S21,
# S24): a mistyped option is one line, a --sysroot that is not there says so
# (not "no ostree deployments"), a scan with a bad --root leaves no state
# directory behind.
source "$(dirname "$0")/lib.sh"

run 2 "$DW" audit --bogus
[ "$(grep -c . "$T/err")" -eq 1 ] || fail "audit --bogus printed more than one line: $(cat "$T/err")"
grep -q "unknown option '--bogus'" "$T/err" || fail "audit --bogus: $(cat "$T/err")"

run 2 "$DW" image deployments --sysroot "$T/nonexistent"
[ "$(cat "$T/err")" = "driftwatch: cannot read sysroot '$T/nonexistent': No such file or directory" ] ||
        fail "a missing --sysroot: $(cat "$T/err")"
printf 'x\n' >"$T/file"
run 2 "$DW" image deployments --sysroot "$T/file"
[ "$(cat "$T/err")" = "driftwatch: cannot read sysroot '$T/file': Not a directory" ] ||
        fail "a --sysroot that is a file: $(cat "$T/err")"
mkdir "$T/empty"
run 2 "$DW" image deployments --sysroot "$T/empty"
grep -q "cannot read sysroot '$T/empty': no ostree deployments there" "$T/err" ||
        fail "an empty --sysroot: $(cat "$T/err")"

run 2 "$DW" scan --root "$T/nonexistent" --state-dir "$T/state"
[ "$(cat "$T/err")" = "driftwatch: cannot open root '$T/nonexistent': No such file or directory" ] ||
        fail "scan with a missing --root: $(cat "$T/err")"
[ ! -e "$T/state" ] || fail "a failed scan created its state directory"
echo PASS
