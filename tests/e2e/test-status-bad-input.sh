# driftwatch status on bad input: corrupt, truncated, empty, binary, wrongly
# typed or foreign status files, directories, missing files, bad state
# databases, policy and ticket files. Each gives exactly one line on stderr
# naming the input, exit status 2, and leaves the state database as it was.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/status-lib.sh"

D=$DATA/bootc-staged-download-only.json
DB=$T/state.db
st 0 "$DB" --bootc-json "$D"
st 0 "$DB" --bootc-json "$D"
sum=$(sha256sum <"$DB")

# bad FLAG FILE [GREP]: one error line naming FILE (and matching GREP), exit 2,
# the state database unchanged.
bad() {
        local flag=$1 file=$2
        run 2 "$DW" status "$flag" "$file" --state "$DB" --format json
        expect_one_error_line "$file"
        [ -z "${3:-}" ] || grep -q -- "$3" "$T/err" || { cat "$T/err"; fail "error for '$file' does not say '$3'"; }
        no_findings "$T/out" || fail "bad input '$file' produced findings"
        [ "$(sha256sum <"$DB")" = "$sum" ] || fail "bad input '$file' changed the state database"
}

printf '{"apiVersion": "org.containers.bootc/v1", "kind": ' >"$T/corrupt.json"
bad --bootc-json "$T/corrupt.json" 'line 1'
size=$(stat -c %s "$D")
head -c $((size / 2)) "$D" >"$T/truncated.json"
bad --bootc-json "$T/truncated.json"
head -c $((size / 2)) "$RPM" >"$T/truncated-rpm.json"
bad --rpm-ostree-json "$T/truncated-rpm.json"
: >"$T/empty.json"
bad --bootc-json "$T/empty.json" 'empty'
bad --rpm-ostree-json "$T/empty.json" 'empty'
head -c 4096 /dev/urandom >"$T/junk.json"
bad --bootc-json "$T/junk.json"
printf '\x00\x01\x02{}' >"$T/nul.json"
bad --bootc-json "$T/nul.json"
bad --bootc-json "$T" 'directory'
bad --bootc-json "$T/no-such-file.json" 'No such file'
bad --rpm-ostree-json "$T/no-such-file.json" 'No such file'
truncate -s 17M "$T/huge.json"
bad --bootc-json "$T/huge.json" '16 MiB'

# Valid JSON, wrong content: bad_variant FLAG BASE JQ-FILTER GREP.
bad_variant() {
        local f="$T/variant.$RANDOM.json"
        variant "$2" "$f" "$3"
        bad "$1" "$f" "$4"
}
bad_variant --bootc-json "$D" '.kind = "Pod"' "unknown kind 'Pod'"
bad_variant --bootc-json "$D" '.apiVersion = "org.containers.bootc/v9"' 'unknown apiVersion'
bad_variant --bootc-json "$D" 'del(.apiVersion)' 'not bootc status output'
bad_variant --bootc-json "$D" '.status.booted.pinned = "yes"' 'status.booted.pinned: expected true or false'
bad_variant --bootc-json "$D" '.status.staged.image.imageDigest = 42' 'status.staged.image.imageDigest: expected a string'
bad_variant --bootc-json "$D" '.status.booted.image.timestamp = "yesterday"' 'RFC 3339'
bad_variant --bootc-json "$D" '.status.booted.ostree.deploySerial = -1' 'deploySerial'
bad_variant --bootc-json "$D" '.status.otherDeployments = {}' 'otherDeployments'
bad_variant --bootc-json "$D" '.status.booted.image.image.image = ("x" * 5000)' 'longer than'
bad_variant --rpm-ostree-json "$RPM" '.deployments[1].booted = true' 'a second booted deployment'
bad_variant --rpm-ostree-json "$RPM" '.deployments[0].timestamp = 1e300' 'out of range'
bad_variant --rpm-ostree-json "$RPM" '.deployments = [range(100) as $i | .deployments[1]]' 'more than 64 deployments'
printf '[1, 2]' >"$T/array.json"
bad --bootc-json "$T/array.json" 'object'
printf '{"apiVersion":"org.containers.bootc/v1","kind":"BootcHost","kind":"BootcHost"}' >"$T/dup.json"
bad --bootc-json "$T/dup.json" 'duplicate'
printf '{"apiVersion":"org.containers.bootc/v1","kind":"BootcHost"} {}' >"$T/trailing.json"
bad --bootc-json "$T/trailing.json"
printf '{"apiVersion":"org.containers.bootc/v1","kind":"BootcH\\u0000ost"}' >"$T/nul-escape.json"
bad --bootc-json "$T/nul-escape.json"
bad --rpm-ostree-json "$D" "no 'deployments' array"
bad --bootc-json "$RPM" 'not bootc status output'

# Standard input.
printf '{' | run 2 "$DW" status --bootc-json - --state "$DB"
expect_one_error_line "standard input"
[ "$(sha256sum <"$DB")" = "$sum" ] || fail "bad standard input changed the state database"
run 0 "$DW" status --bootc-json - --state "$DB" --format json <"$D"
[ "$(sqlite3 "$DB" 'SELECT count(*) || "/" || sum(checks) FROM status_snapshots')" = 1/3 ] ||
        fail "an unchanged status is not counted on its snapshot"
sum=$(sha256sum <"$DB")

# A first run with bad input creates no database.
run 2 "$DW" status --bootc-json "$T/corrupt.json" --state "$T/new/state.db"
expect_one_error_line "$T/corrupt.json"
[ ! -e "$T/new" ] || fail "a failed first run created the state directory"

# State databases that cannot be used.
mkdir "$T/state-dir.db"
run 2 "$DW" status --bootc-json "$D" --state "$T/state-dir.db"
expect_one_error_line "$T/state-dir.db"
head -c 8192 /dev/urandom >"$T/junk.db"
junk_sum=$(sha256sum <"$T/junk.db")
run 2 "$DW" status --bootc-json "$D" --state "$T/junk.db"
expect_one_error_line "$T/junk.db"
[ "$(sha256sum <"$T/junk.db")" = "$junk_sum" ] || fail "a junk state file was modified"
sqlite3 "$T/other.db" 'CREATE TABLE status_snapshots (x); INSERT INTO status_snapshots VALUES (1)'
run 2 "$DW" status --bootc-json "$D" --state "$T/other.db"
expect_one_error_line "$T/other.db"
grep -q 'not a driftwatch state database' "$T/err" || fail "a foreign state database is not called one"
printf 'x' >"$T/a-file"
run 2 "$DW" status --bootc-json "$D" --state "$T/a-file/state.db"
expect_one_error_line "$T/a-file/state.db"
cp "$DB" "$T/bad-role.db"
sqlite3 "$T/bad-role.db" "UPDATE status_deployments SET role = 'sideways'"
run 2 "$DW" status --bootc-json "$D" --state "$T/bad-role.db"
expect_one_error_line "$T/bad-role.db"

# Policy and ticket files: bad_file OPTION TEXT GREP.
bad_file() {
        local f="$T/file.$RANDOM"
        printf "$2" >"$f"
        run 2 "$DW" status --bootc-json "$D" --state "$DB" "$1" "$f"
        expect_one_error_line "$f"
        grep -q -- "$3" "$T/err" || { cat "$T/err"; fail "error for $1 does not say '$3'"; }
}
bad_file --policy 'minimum-version = 1\nminimum-versoin = 2\n' "line 2: unknown key 'minimum-versoin'"
bad_file --policy '# nothing\n' 'no minimum-version'
bad_file --policy 'minimum-timestamp = 2025-13-01T00:00:00Z\n' 'line 1: .* is not an RFC 3339 time'
bad_file --tickets 'CHG-1 sha256:aa 2026-01-01T00:00:00Z\n' "line 1: expected 'TICKET DIGEST FROM UNTIL'"
bad_file --tickets '# ok\nCHG-1 sha256:aa 2026-01-02T00:00:00Z 2026-01-01T00:00:00Z\n' 'line 2: the window ends'
bad_file --tickets 'CHG-1 sha256:\033[31m 2026-01-01T00:00:00Z 2026-01-02T00:00:00Z\n' 'control character 0x1b'
if grep -q $'\033' "$T/err"; then fail "an escape character reached the terminal"; fi
run 2 "$DW" status --bootc-json "$D" --state "$DB" --policy "$T/no-policy"
expect_one_error_line "$T/no-policy"

# Usage errors.
run 2 "$DW" status --bootc-json "$D" --rpm-ostree-json "$RPM" --state "$DB"
expect_one_error_line "--rpm-ostree-json"
run 2 "$DW" status --bootc-json "$D" --state "$DB" --format yaml
expect_one_error_line "yaml"
run 2 "$DW" status --bootc-json "$D" --state "$DB" --timeout 0
expect_one_error_line "--timeout"
run 2 "$DW" status --bootc-json "$D" --state "$DB" extra
expect_one_error_line "extra"
run 0 "$DW" status --help
grep -q -- '--rpm-ostree-json' "$T/out" || fail "--help does not describe the options"

[ "$(sha256sum <"$DB")" = "$sum" ] || fail "bad policy, tickets or usage changed the state database"
echo PASS
