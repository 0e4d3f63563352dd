# --fail-on SEVERITY: exit 1 only for an alert at or above it; --min-severity:
# only findings at or above it are printed, the summary still counts every one.
# Both are global options, taken before or after the command's name, and from
# the configuration file; a severity that is not one is an error (exit 2).
source "$(dirname "$0")/lib.sh"

R=$T/tree
mkdir -p "$R/etc/sudoers.d" "$R/srv"
printf 'a\n' >"$R/etc/sudoers.d/a"
printf 'm\n' >"$R/etc/motd"
printf 's\n' >"$R/srv/x"
run 0 "$DW" -q baseline create --from "dir:$R" --out "$T/b.db"
printf 'b\n' >>"$R/etc/sudoers.d/a"      # high
printf 'n\n' >>"$R/etc/motd"             # medium
printf 't\n' >>"$R/srv/x"                # medium
check() { "$DW" "$@" check --baseline "$T/b.db" --root "$R" --format json; }

run 1 check
[ "$(grep -vc '"rule":{"id":"DW-RUN-SUMMARY"' "$T/out")" -eq 3 ] || fail "three alerts expected: $(cat "$T/out")"
run 1 check --fail-on high
run 1 check --fail-on medium
run 0 check --fail-on critical
[ "$(grep -vc '"rule":{"id":"DW-RUN-SUMMARY"' "$T/out")" -eq 3 ] || fail "--fail-on changed what is printed"
run 1 check --min-severity high
[ "$(jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | .file.path' "$T/out")" = /etc/sudoers.d/a ] || fail "--min-severity high printed: $(cat "$T/out")"
# After the command's name too, and in text, with the summary counting all three.
run 0 "$DW" check --baseline "$T/b.db" --root "$R" --min-severity critical --fail-on critical
! grep -q '^[a-z]\+ \+file-' "$T/out" || fail "--min-severity critical printed: $(cat "$T/out")"
grep -qx 'check: 3 alerts (1 high, 2 medium), 0 events; 3 below --min-severity critical not shown' "$T/out" ||
        fail "the summary does not count every alert: $(cat "$T/out")"
# From the configuration file; the command line wins.
printf '[driftwatch]\nfail-on = critical\n' >"$T/dw.conf"
run 0 check --config "$T/dw.conf"
run 1 check --config "$T/dw.conf" --fail-on high
# Not a severity: one line, exit 2.
for bad in severe HIGH; do
        run 2 check --fail-on "$bad"
        expect_one_error_line "--fail-on takes low, medium, high or critical, not '$bad'"
done
run 2 check --min-severity warn
expect_one_error_line "--min-severity takes low, medium, high or critical, not 'warn'"
echo ok
