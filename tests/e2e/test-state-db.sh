# The state database of `status --state`: created 0600 whatever the umask, in
# a directory that must exist, never through a planted symlink, and never
# another kind of database: a baseline or another application's SQLite file is
# refused with one line and left as it was (PRAGMA application_id).
source "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null; then
        [ "${CI:-}" = true ] && fail "sqlite3 is needed (apt-get install sqlite3)"
        skip "sqlite3 is missing"
fi
IN=$(dirname "$0")/../fuzz/corpus/host-status/bootc-staged.json

status() {
        "$DW" status --bootc-json "$IN" --format json "$@"
}

# A new database: 0600 under umask 000, marked as a driftwatch state database.
(umask 000 && run 1 status --state "$T/state.db")
[ "$(stat -c %a "$T/state.db")" = 600 ] || fail "new state database is $(stat -c %a "$T/state.db"), not 600"
[ "$(sqlite3 "$T/state.db" 'PRAGMA application_id')" = $((0x44575331)) ] || fail "state database not marked"
run 1 status --state "$T/state.db"

# Its directory must exist: no new history in a mistyped place.
run 2 status --state "$T/no-such-dir/state.db"
expect_one_error_line "$T/no-such-dir/state.db"
[ ! -e "$T/no-such-dir" ] || fail "a missing state directory was created"

# Another kind of database is refused and left as it was.
mkdir -p "$T/tree/etc"
printf 'x\n' >"$T/tree/etc/x"
run 0 "$DW" baseline create --from "dir:$T/tree" --out "$T/baseline.db"
sum=$(sha256sum <"$T/baseline.db")
run 2 status --state "$T/baseline.db"
expect_one_error_line "$T/baseline.db"
grep -q 'a driftwatch baseline, not a state database' "$T/err" || { cat "$T/err"; fail "no reason given"; }
[ "$(sha256sum <"$T/baseline.db")" = "$sum" ] || fail "status changed a baseline"
sqlite3 "$T/app.db" 'PRAGMA application_id = 42; CREATE TABLE t (x); INSERT INTO t VALUES (1)'
sqlite3 "$T/plain.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1)'
for db in "$T/app.db" "$T/plain.db"; do
        sum=$(sha256sum <"$db")
        run 2 status --state "$db"
        expect_one_error_line "$db"
        [ "$(sha256sum <"$db")" = "$sum" ] || fail "status added its tables to '$db'"
done
# ... and a state database is not a baseline.
run 2 "$DW" check --baseline "$T/state.db" --root "$T/tree"
expect_one_error_line "$T/state.db"
grep -q 'state database, not a baseline' "$T/err" || { cat "$T/err"; fail "no reason given"; }

# A state database of an older version (our tables, no application id) is adopted.
cp "$T/state.db" "$T/old.db"
sqlite3 "$T/old.db" 'PRAGMA application_id = 0'
run 1 status --state "$T/old.db"
[ "$(sqlite3 "$T/old.db" 'PRAGMA application_id')" = $((0x44575331)) ] || fail "an older state database not adopted"

# A symlink planted where the database goes is not followed, dangling or not.
mkdir -m 1777 "$T/shared"
ln -s "$T/planted-target" "$T/shared/state.db"
run 2 status --state "$T/shared/state.db"
expect_one_error_line "$T/shared/state.db"
grep -q 'symbolic link' "$T/err" || { cat "$T/err"; fail "a symlink is not named as such"; }
[ ! -e "$T/planted-target" ] || fail "the state database was created through a planted symlink"
ln -sf "$T/state.db" "$T/shared/state.db"
sum=$(sha256sum <"$T/state.db")
run 2 status --state "$T/shared/state.db"
[ "$(sha256sum <"$T/state.db")" = "$sum" ] || fail "a state database was written through a symlink"
echo PASS
