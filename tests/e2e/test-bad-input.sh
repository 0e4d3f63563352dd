# Bad input: missing, corrupt, truncated and hostile baselines, unreadable roots
# and files, symlink loops, interrupted and failed writes. Each gives one clear
# line naming the input, exit status 2, no crash, and nothing stored is lost.
source "$(dirname "$0")/lib.sh"

R=$T/root
mkdir -p "$R/etc" "$R/usr/lib"
for i in $(seq 1 50); do printf 'file %s\n' "$i" >"$R/usr/lib/f$i"; done
ln -s loop-b "$R/usr/lib/loop-a"
ln -s loop-a "$R/usr/lib/loop-b"
ln -s .. "$R/usr/lib/up"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/good.db"
good_sum=$(sha256sum <"$T/good.db")

# Baselines that are not baselines.
run 2 "$DW" check --baseline "$T/missing.db" --root "$R"
expect_one_error_line "$T/missing.db"
: >"$T/empty.db"
run 2 "$DW" check --baseline "$T/empty.db" --root "$R"
expect_one_error_line "$T/empty.db"
head -c 65536 /dev/urandom >"$T/random.db"
run 2 "$DW" check --baseline "$T/random.db" --root "$R"
expect_one_error_line "$T/random.db"
size=$(stat -c %s "$T/good.db")
head -c $((size / 2)) "$T/good.db" >"$T/truncated.db"
run 2 "$DW" check --baseline "$T/truncated.db" --root "$R"
expect_one_error_line "$T/truncated.db"
cp "$T/good.db" "$T/incomplete.db"
sqlite3 "$T/incomplete.db" "DELETE FROM meta WHERE key = 'complete'"
run 2 "$DW" check --baseline "$T/incomplete.db" --root "$R"
expect_one_error_line "$T/incomplete.db"
grep -q incomplete "$T/err" || fail "an incomplete baseline is not called incomplete"
cp "$T/good.db" "$T/short.db"
sqlite3 "$T/short.db" "DELETE FROM entries WHERE rowid IN (SELECT rowid FROM entries LIMIT 1)" 2>/dev/null ||
        sqlite3 "$T/short.db" "DELETE FROM entries WHERE path = (SELECT path FROM entries LIMIT 1)"
run 2 "$DW" check --baseline "$T/short.db" --root "$R"
expect_one_error_line "$T/short.db"
sqlite3 "$T/other.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1)"
run 2 "$DW" check --baseline "$T/other.db" --root "$R"
expect_one_error_line "$T/other.db"
run 2 "$DW" check --baseline "$T" --root "$R"
expect_one_error_line "$T"
mkfifo "$T/fifo.db"
run 2 timeout 10 "$DW" check --baseline "$T/fifo.db" --root "$R"
expect_one_error_line "$T/fifo.db"
run 2 "$DW" baseline show "$T/random.db"
expect_one_error_line "$T/random.db"

# Roots that cannot be walked.
run 2 "$DW" check --baseline "$T/good.db" --root "$T/no-such-root"
expect_one_error_line "$T/no-such-root"
run 2 "$DW" check --baseline "$T/good.db" --root "$T/good.db"
expect_one_error_line "$T/good.db"
run 2 "$DW" baseline create --from "dir:$T/no-such-root" --out "$T/new.db"
expect_one_error_line "$T/no-such-root"
[ ! -e "$T/new.db" ] || fail "a failed create left a file"

# Symlink loops are entries, not errors: the unchanged tree is clean.
run 0 "$DW" check --baseline "$T/good.db" --root "$R"

# A file the checker cannot read is reported as such and is not fatal.
if command -v setpriv >/dev/null; then
        chmod 755 "$T"
        chmod 644 "$T/good.db"
        chmod 000 "$R/usr/lib/f7"
        touch -r "$R/usr/lib/f8" "$T/f8.mtime"         # its own time, to put back
        printf 'changed\n' >"$R/usr/lib/f8"
        run 1 setpriv --reuid=65534 --regid=65534 --clear-groups "$DW" check --baseline "$T/good.db" --root "$R" --format json
        expect_findings "$T/out" <<'EOF'
file-modified "/usr/lib/f7" mode
file-modified "/usr/lib/f8" size,mtime,content
file-unreadable "/usr/lib/f7" -
EOF
        jq -se 'any(.[]; .rule.id == "DW-FIM-UNREADABLE" and .driftwatch.error == "Permission denied")' "$T/out" \
                >/dev/null || fail "unreadable file not reported with its reason"
        chmod 644 "$R/usr/lib/f7"
        printf 'file 8\n' >"$R/usr/lib/f8"
        touch -r "$T/f8.mtime" "$R/usr/lib/f8"
        # A root the checker may not open at all is an error, not an empty tree.
        mkdir -m 000 "$T/locked"
        run 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$DW" check --baseline "$T/good.db" --root "$T/locked"
        expect_one_error_line "$T/locked"
        grep -q 'Permission denied' "$T/err" || fail "unreadable root: reason not given"
fi

# --out over an existing baseline: a failed or interrupted create leaves it as it was.
cp "$T/good.db" "$T/keep.db"
keep_sum=$(sha256sum <"$T/keep.db")
run 2 "$DW" baseline create --from "dir:$T/no-such-root" --out "$T/keep.db"
[ "$(sha256sum <"$T/keep.db")" = "$keep_sum" ] || fail "a failed create changed the existing baseline"
BIG=$T/big
mkdir -p "$BIG"
for d in $(seq 1 40); do
        mkdir "$BIG/d$d"
        for f in $(seq 1 250); do printf '%s' "$d$f" >"$BIG/d$d/f$f"; done
done
"$DW" baseline create --from "dir:$BIG" --out "$T/keep.db" --threads 1 >/dev/null 2>"$T/err" &
pid=$!
sleep 0.05
kill -INT "$pid" 2>/dev/null || true
rc=0
wait "$pid" || rc=$?
if [ "$rc" -eq 2 ]; then
        grep -q interrupted "$T/err" || fail "an interrupted create did not say so"
        [ "$(sha256sum <"$T/keep.db")" = "$keep_sum" ] || fail "an interrupted create changed the existing baseline"
elif [ "$rc" -ne 0 ]; then
        fail "interrupted create exited $rc"
fi
if ls -A "$T" | grep -q '^\.keep\.db\.'; then fail "a temporary baseline was left behind"; fi
"$DW" baseline show "$T/keep.db" >/dev/null || fail "the baseline is unusable after an interrupted create"

# Usage errors.
run 2 "$DW" no-such-command
run 2 "$DW" check --root "$R"
expect_one_error_line "--baseline"
run 2 "$DW" check --baseline "$T/good.db" --path /../etc
expect_one_error_line "/../etc"
run 2 "$DW" baseline create --from "tar:$R" --out "$T/x.db"
expect_one_error_line "tar:$R"
printf 'surfaces:\n  - id: X\n    severity: extreme\n' >"$T/bad-rules.yaml"
run 2 "$DW" --rules "$T/bad-rules.yaml" check --baseline "$T/good.db" --root "$R"
expect_one_error_line "$T/bad-rules.yaml"
grep -q 'line 3' "$T/err" || fail "a rules error does not give its line"
printf 'surfaces: [\n' >"$T/broken.yaml"
run 2 "$DW" --rules "$T/broken.yaml" check --baseline "$T/good.db" --root "$R"
expect_one_error_line "$T/broken.yaml"

# A typo never looks clean: a --path that matches nothing is an error, and no
# baseline of nothing is written.
run 2 "$DW" baseline create --from "dir:$R" --path /ect --out "$T/typo.db"
expect_one_error_line "/ect"
[ ! -e "$T/typo.db" ] || fail "a baseline was written for a path that matches nothing"
mkdir -p "$T/empty"
run 2 "$DW" baseline create --from "dir:$T/empty" --path /etc --out "$T/typo.db"
expect_one_error_line "/etc"
run 2 "$DW" check --baseline "$T/good.db" --root "$R" --path /ect
expect_one_error_line "/ect"

# The ostree module is loaded only by what needs it, and only when it is
# safe: a binary without it still checks trees, and says why image commands
# cannot run; a module others can write is refused.
mkdir -p "$T/alone"
cp "$DW" "$T/alone/driftwatch"
run 0 "$T/alone/driftwatch" --version
run 0 "$T/alone/driftwatch" --quiet check --baseline "$T/good.db" --root "$R"
if [ ! -e /usr/lib/driftwatch/driftwatch-ostree.so ] && [ ! -e /usr/local/lib/driftwatch/driftwatch-ostree.so ]; then
        run 2 "$T/alone/driftwatch" image deployments --sysroot "$T"
        expect_one_error_line "driftwatch-ostree.so"
fi
cp "$(dirname "$DW")/driftwatch-ostree.so" "$T/alone/"
chmod 0666 "$T/alone/driftwatch-ostree.so"
run 2 "$T/alone/driftwatch" image deployments --sysroot "$T"
expect_one_error_line "refusing '$T/alone/driftwatch-ostree.so'"

# scan on a root that holds none of the places it covers (a wrong --root):
# an error naming the root, no baseline recorded, nothing in the state dir.
mkdir -p "$T/not-a-root/data" "$T/scan-state"
run 2 "$DW" scan --root "$T/not-a-root" --state-dir "$T/scan-state"
expect_one_error_line "nothing to scan under '$T/not-a-root'"
[ -z "$(ls -A "$T/scan-state")" ] || fail "scan of a wrong --root left state: $(ls -A "$T/scan-state")"

[ "$(sha256sum <"$T/good.db")" = "$good_sum" ] || fail "the good baseline was modified by checks"
echo PASS
