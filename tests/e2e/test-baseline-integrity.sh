# Baseline integrity: a baseline damaged by random bit flips, with rows out of
# path order, a path stored as TEXT, an edited row or no digest is refused with
# one line, or (when the damage misses everything that is read) accepted with
# no findings; it never turns into false alerts.
source "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null || ! command -v python3 >/dev/null; then
        [ "${CI:-}" = true ] && fail "sqlite3 and python3 are needed (apt-get install sqlite3 python3)"
        skip "sqlite3 or python3 is missing"
fi

R=$T/root
mkdir -p "$R/etc/conf.d" "$R/usr/lib" "$R/usr/bin"
for i in $(seq 1 120); do printf 'lib %s\n' "$i" >"$R/usr/lib/lib$i.so"; done
for i in $(seq 1 40); do printf 'bin %s\n' "$i" >"$R/usr/bin/b$i"; done
for i in $(seq 1 20); do printf 'k=%s\n' "$i" >"$R/etc/conf.d/c$i.conf"; done
ln -s ../lib/lib1.so "$R/usr/bin/link"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/good.db"
run 0 "$DW" check --baseline "$T/good.db" --root "$R" --format json
no_findings "$T/out" || fail "the unchanged tree is not clean"

# check_refused_or_clean DB: refused (2, one line naming DB) or clean (0, no output).
check_refused_or_clean() {
        local rc=0
        timeout 60 "$DW" check --baseline "$1" --root "$R" --format json >"$T/out" 2>"$T/err" || rc=$?
        case $rc in
        0) no_findings "$T/out" || { head -3 "$T/out"; fail "'$1' accepted with findings"; } ;;
        2) expect_one_error_line "$1" ;;
        1) echo "--- $(wc -l <"$T/out") findings, e.g."; head -2 "$T/out"; fail "'$1' accepted with false alerts" ;;
        *) cat "$T/err"; fail "'$1': exit status $rc" ;;
        esac
}

# 50 copies with 1 to 8 random bit flips each (seed in DW_SEED, printed).
seed=${DW_SEED:-$RANDOM}
echo "bit flips with DW_SEED=$seed"
mkdir "$T/flipped"
python3 - "$T/good.db" "$T/flipped" "$seed" <<'EOF'
import random, sys
src, out, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
rng = random.Random(seed)
for n in range(50):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    open("%s/%02d.db" % (out, n), "wb").write(b)
EOF
for f in "$T"/flipped/*.db; do
        check_refused_or_clean "$f"
done

# expect_refused NAME SQL GREP: a copy of the good baseline changed by SQL is refused, saying GREP.
expect_refused() {
        cp "$T/good.db" "$T/$1.db"
        sqlite3 "$T/$1.db" "$2"
        run 2 "$DW" check --baseline "$T/$1.db" --root "$R" --format json
        expect_one_error_line "$T/$1.db"
        grep -q -- "$3" "$T/err" || { cat "$T/err"; fail "$1: the reason does not say '$3'"; }
}
# One path stored as TEXT sorts before every BLOB.
expect_refused text-path "UPDATE entries SET path = '/usr/lib/lib9.so' WHERE path = CAST('/usr/lib/lib9.so' AS BLOB)" \
        'corrupt'
# A renamed row, still in order, and an edited owner: the digest no longer matches.
expect_refused renamed "UPDATE entries SET path = CAST('/usr/lib/lib9.sp' AS BLOB) WHERE path = CAST('/usr/lib/lib9.so' AS BLOB)" \
        'entries do not match their digest'
expect_refused edited "UPDATE entries SET uid = 1000 WHERE path = CAST('/etc/conf.d/c1.conf' AS BLOB)" \
        'entries do not match their digest'
expect_refused paths "UPDATE meta SET value = '/usr' WHERE key = 'paths'" 'entries do not match their digest'
# A view in place of the table that serves one row twice.
expect_refused view "ALTER TABLE entries RENAME TO e2;
        CREATE VIEW entries AS SELECT * FROM e2 UNION ALL SELECT * FROM e2 WHERE path = CAST('/etc' AS BLOB)" 'corrupt'
# A baseline recorded without a digest (by an older version).
expect_refused no-digest "DELETE FROM meta WHERE key = 'digest'; UPDATE meta SET value = '1' WHERE key = 'version'" \
        'older version'
echo PASS
