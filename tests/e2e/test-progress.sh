# The progress line of long walks (newcomer.md S10) of baseline create, check
# and scan: on a terminal only (or with --progress), under the name of the command the user ran, the phase
# named, bytes against the known total with rate and time left, erased at the
# end; nothing of it when stderr is not a terminal. Large files are sparse
# (hashed like data, holes fed as zeros, without filling the test's tmpfs).
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || skip "script (util-linux) is not installed"

R=$T/tree
mkdir -p "$R/usr/big" "$R/etc/many"
for i in 1 2 3; do truncate -s 512M "$R/usr/big/f$i"; done
(cd "$R/etc/many" && seq 1 5000 | xargs touch)

script -qec "'$DW' baseline create --from 'dir:$R' --out '$T/b.db'" /dev/null >"$T/create.tty"
script -qec "'$DW' check --full --baseline '$T/b.db' --root '$R'" /dev/null >"$T/check.tty"
tr '\r' '\n' <"$T/create.tty" >"$T/create.txt"
tr '\r' '\n' <"$T/check.tty" >"$T/check.txt"
grep -Eq '^.\[Kdriftwatch baseline create: (scanning /etc: metadata, [0-9]+ entries|hashing [0-9.]+ [KMG]i?B of 1\.5 GiB)' "$T/create.txt" ||
        fail "baseline create drew no progress line: $(cat -v "$T/create.txt")"
grep -Eq '^.\[Kdriftwatch baseline create: hashing [0-9.]+ [KMG]?i?B of 1\.5 GiB, [0-9.]+ [KMG]?i?B/s, [0-9]+ s left$' "$T/create.txt" ||
        fail "baseline create: no 'hashing X of 1.5 GiB, rate, time left': $(cat -v "$T/create.txt")"
grep -Eq '^.\[Kdriftwatch check: hashing [0-9.]+ [KMG]?i?B of 1\.5 GiB' "$T/check.txt" ||
        fail "check: no 'hashing X of 1.5 GiB' (the baseline's size total): $(cat -v "$T/check.txt")"
# Erased at the end: the summary (first on stdout once the walk is done) follows an erased line.
grep -q "^.\[Kcheck: [0-9]* alerts*, " "$T/check.txt" || fail "the progress line was not erased: $(tail -n 4 "$T/check.txt" | cat -v)"

# Not a terminal: the summary only, no progress line; --progress asks for it.
run 0 "$DW" check --full --baseline "$T/b.db" --root "$R"
! grep -q -e $'\r' -e 'driftwatch check:' "$T/err" "$T/out" || fail "progress on a pipe: $(cat -v "$T/err")"
grep -q '^check: 0 alerts, ' "$T/out" || fail "no summary on a pipe: $(cat -v "$T/out")"
run 0 "$DW" --progress check --full --baseline "$T/b.db" --root "$R"
grep -q 'driftwatch check: hashing .* of 1.5 GiB' "$T/err" || fail "--progress drew nothing: $(cat -v "$T/err")"
# scan (its first run records the baseline): under "driftwatch scan", the
# places it is walking named in the metadata phase (/usr, /etc or both, by
# their parallel walks), then the bytes hashed against
# the total that walk found, and the line erased before the summary.
# (Exit 1: the tree has no signature policy, an alert of posture.) The
# metadata phase is drawn when it lasts past a redraw tick (250 ms): 80,000
# more entries for the walk make it last (20,000 did not always, on a fast
# machine).
mkdir "$R/usr/many"
(cd "$R/usr/many" && seq 1 80000 | xargs touch)
rc=0
script -qec "'$DW' scan --root '$R' --state-dir '$T/st'" /dev/null >"$T/scan.tty" || rc=$?
[ "$rc" -le 1 ] || fail "scan exited $rc: $(cat -v "$T/scan.tty")"
tr '\r' '\n' <"$T/scan.tty" >"$T/scan.txt"
grep -Eq '^.\[Kdriftwatch scan: scanning /(usr|etc)( /(usr|etc))?: metadata, ([0-9]+ entries|[0-9.]+ [KMG]?i?B of [0-9.]+ [KMG]?i?B)' "$T/scan.txt" ||
        fail "scan: no 'scanning /usr: metadata' phase: $(cat -v "$T/scan.txt")"
grep -Eq '^.\[Kdriftwatch scan: hashing [0-9.]+ [KMG]?i?B of 1\.5 GiB, [0-9.]+ [KMG]?i?B/s, [0-9]+ s left$' "$T/scan.txt" ||
        fail "scan: no 'hashing X of 1.5 GiB, rate, time left': $(cat -v "$T/scan.txt")"
! grep -E 'driftwatch (check|baseline create):' "$T/scan.txt" || fail "scan's progress under another command's name"
grep -q '^.\[Kscan: ' "$T/scan.txt" || fail "scan: the progress line was not erased: $(tail -n 4 "$T/scan.txt" | cat -v)"

echo PASS
