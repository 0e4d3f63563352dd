# scan tells what is new since the last scan: the state directory keeps the
# finding ids (event.id) of each run (findings.seen, written atomically, 0600);
# JSON gets driftwatch.new_since_last_run, the text view marks a new finding
# "new" and says in its summary how many alerts are new since the last scan and when
# it ran. Drift that stays is not new the second time; a malformed state file
# is one error naming it (exit 2).
source "$(dirname "$0")/lib.sh"
export TZ=UTC

R=$T/root
S=$T/state
mkdir -p "$R/etc/cron.d" "$R/usr/bin" "$R/boot"
printf 'motd\n' >"$R/etc/motd"
signed_policy "$R"
run 0 "$DW" scan --root "$R" --state-dir "$S"
[ ! -e "$S/findings.seen" ] || [ "$(stat -c %a "$S/findings.seen")" = 600 ] || fail "findings.seen is not 0600"

# Run 2: one change; everything it reports is new.
printf 'more\n' >>"$R/etc/motd"
run 1 "$DW" scan --root "$R" --state-dir "$S" --format json
jq -r 'select(.event.dataset == "driftwatch.fim") | [.file.path, .driftwatch.new_since_last_run] | join(" ")' \
        "$T/out" >"$T/got"
printf '/etc/motd true\n' | diff -u - "$T/got" || fail "second scan: /etc/motd is not new"

# Run 3: the same drift and one more: only the cron file is new.
printf '* * * * * root /tmp/x\n' >"$R/etc/cron.d/evil"
run 1 "$DW" scan --root "$R" --state-dir "$S" --format json
jq -r 'select(.event.dataset == "driftwatch.fim") | [.file.path, .driftwatch.new_since_last_run] | join(" ")' \
        "$T/out" | LC_ALL=C sort >"$T/got"
printf '/etc/cron.d/evil true\n/etc/motd false\n' | diff -u - "$T/got" || fail "third scan: new marks differ"

# Run 4, text: nothing new; then run 5 with a new file: marked, counted.
run 1 "$DW" scan --root "$R" --state-dir "$S"
grep -q '^0 new alerts since the last scan at [0-9-]*T[0-9:]*Z$' "$T/out" || { cat "$T/out"; fail "text: no '0 new alerts' line"; }
! grep -q '  new$' "$T/out" || { cat "$T/out"; fail "text: a finding marked new that was not"; }
printf 'x\n' >"$R/usr/bin/dropper"
run 1 "$DW" scan --root "$R" --state-dir "$S"
grep -q '^1 new alert since the last scan at ' "$T/out" || { cat "$T/out"; fail "text: no '1 new alert' line"; }
grep -qE '^high +file-added +/usr/bin/dropper  DW-FIM-USR  new$' "$T/out" || { cat "$T/out"; fail "text: dropper not marked new"; }
[ "$(grep -c '  new$' "$T/out")" = 1 ] || { cat "$T/out"; fail "text: more than one finding marked new"; }

# A malformed state file: one error naming it.
printf 'garbage\n' >"$S/findings.seen"
run 2 "$DW" scan --root "$R" --state-dir "$S"
expect_one_error_line "$S/findings.seen"
echo PASS
