# Temporary files of baseline writes (".NAME.XXXXXX" beside the target): one a
# killed writer left behind is removed by the next write, one a live writer
# holds locked is kept, and so are other names.
source "$(dirname "$0")/lib.sh"

if ! command -v flock >/dev/null; then
        [ "${CI:-}" = true ] && fail "flock (util-linux) is needed"
        skip "flock is missing"
fi

mkdir -p "$T/tree/etc" "$T/dest" "$T/state"
printf 'x\n' >"$T/tree/etc/x"
printf 'stale' >"$T/dest/.b.db.Ab12Cd"
printf 'live' >"$T/dest/.b.db.Zz99Yy"
printf 'other' >"$T/dest/.c.db.Ab12Cd"
# The holder is the locking process itself, so killing it releases the lock.
(exec 9<>"$T/dest/.b.db.Zz99Yy" && flock 9 && exec sleep 300) </dev/null >/dev/null 2>&1 &
holder=$!
reap_on_death "$holder"
cleanup_hooks+=("kill $holder")
for _ in $(seq 1 100); do
        flock -n "$T/dest/.b.db.Zz99Yy" true || break
        sleep 0.05
done
flock -n "$T/dest/.b.db.Zz99Yy" true && fail "the lock holder did not take its lock"

run 0 "$DW" baseline create --from "dir:$T/tree" --out "$T/dest/b.db"
[ ! -e "$T/dest/.b.db.Ab12Cd" ] || fail "a stale temporary file was left in place"
[ -e "$T/dest/.b.db.Zz99Yy" ] || fail "a locked temporary file was removed"
[ -e "$T/dest/.c.db.Ab12Cd" ] || fail "a temporary file of another target was removed"
[ "$(ls -A "$T/dest" | sort | tr '\n' ' ')" = ".b.db.Zz99Yy .c.db.Ab12Cd b.db " ] ||
        fail "unexpected files: $(ls -A "$T/dest")"

# The same for the first scan, which records its baseline in the state directory.
printf 'stale' >"$T/state/.baseline.db.Qq11Ww"
signed_policy "$T/tree"        # scan runs posture too: a policy that raises nothing
run 0 "$DW" scan --root "$T/tree" --state-dir "$T/state"
[ ! -e "$T/state/.baseline.db.Qq11Ww" ] || fail "scan left a stale temporary file in place"
if ls -A "$T/state" | grep -q '^\.'; then fail "temporary files in the state directory: $(ls -A "$T/state")"; fi
echo PASS
