# driftwatch baseline accept, as a user lives with it: a scan of a fixture
# root (its first line says what it covers), one path accepted then the rest
# (what the last scan reported), the history kept and bounded, who/when/why
# read back through baseline show, mistakes refused, and a concurrent or
# killed accept leaving the old baseline whole.
source "$(dirname "$0")/lib.sh"

R=$T/root S=$T/state B=$T/state/baseline.db
mkdir -p "$R/etc" "$R/usr/bin" "$R/boot" "$R/root/.ssh" "$R/home/bob/.ssh" "$R/srv/svc/.ssh" "$R/var/spool/cron" "$S"
# A service account's ~/.ssh is covered when it exists, and not listed as absent when not.
printf '%s\n' root:x:0:0:root:/root:/bin/sh bob:x:1000:1000::/home/bob:/bin/sh eve:x:1001:1001::/home/eve:/bin/sh \
        daemon:x:2:2::/var/lib/daemon:/sbin/nologin svc:x:990:990::/srv/svc:/sbin/nologin >"$R/etc/passwd"
printf 'a\n' >"$R/etc/a"
printf 'b\n' >"$R/etc/b"
printf 'x\n' >"$R/usr/bin/x"
printf 'ssh-ed25519 AAAA bob\n' >"$R/home/bob/.ssh/authorized_keys"
signed_policy "$R"

run 0 "$DW" scan --root "$R" --state-dir "$S"
head -n 1 "$T/err" >"$T/first"
diff -u - "$T/first" <<EOF2 || fail "scan's first line does not say what it covers"
scan: file drift of /usr /boot /etc /root/.ssh /home/bob/.ssh /srv/svc/.ssh /var/spool/cron (absent, skipped: /home/eve/.ssh /var/spool/at /run/extensions /var/lib/extensions /run/confexts /var/lib/confexts) under $R
EOF2
before=$("$DW" baseline show --format json "$B" | jq -r 'select(.baseline) | .digest')

# Drift: two /etc files, a new user's key, a user crontab.
printf 'a2\n' >>"$R/etc/a"
printf 'b2\n' >>"$R/etc/b"
mkdir -p "$R/home/eve/.ssh"
printf 'ssh-ed25519 BBBB eve\n' >"$R/home/eve/.ssh/authorized_keys"
printf '* * * * * /usr/bin/x\n' >"$R/var/spool/cron/bob"
run 1 "$DW" scan --root "$R" --state-dir "$S"
grep -qx "to accept these changes: driftwatch baseline accept --state-dir '$S' (add PATH... to accept only those, --reason TEXT to record why)" "$T/out" ||
        fail "scan does not say how to accept: $(cat "$T/out")"

# One path accepted: it is clean, the others are still reported.
run 0 "$DW" baseline accept --state-dir "$S" /etc/a --reason "CHG-1 tuning" --format json
drop_summary "$T/out"
jq -r '[.rule.id, .event.action, .file.path, (.driftwatch.changed | join(","))] | join(" ")' "$T/out" >"$T/acc"
diff -u - "$T/acc" <<EOF2 || fail "accept events differ"
DW-FIM-ACCEPTED drift-accepted /etc/a size,mtime,content
DW-FIM-ACCEPTED baseline-accepted $B 
EOF2
run 1 "$DW" scan --root "$R" --state-dir "$S" --format json
drop_summary "$T/out"
jq -r 'select(.event.kind == "alert" and .event.dataset == "driftwatch.fim") | [.event.action, .file.path] | join(" ")' \
        "$T/out" | LC_ALL=C sort >"$T/left"
diff -u - "$T/left" <<EOF2 || fail "after accepting /etc/a, scan reports otherwise"
file-added /home/eve/.ssh
file-added /home/eve/.ssh/authorized_keys
file-added /var/spool/cron/bob
file-modified /etc/b
EOF2

# No path: everything the last scan reported; then nothing is left.
run 0 "$DW" baseline accept --state-dir "$S"
grep -q '^accepted 4 changes below 3 paths into ' "$T/out" || fail "accept summary: $(cat "$T/out")"
run 0 "$DW" scan --root "$R" --state-dir "$S" --format json
drop_summary "$T/out"
[ "$(jq -s '[.[] | select(.event.kind == "alert")] | length' "$T/out")" = 0 ] || fail "drift left after accept: $(cat "$T/out")"
run 0 "$DW" baseline accept --state-dir "$S"
grep -q 'nothing to accept: the last check' "$T/out" || fail "an empty accept: $(cat "$T/out")"

# Who, when, why, read back; the previous baseline kept.
run 0 "$DW" baseline show --format json "$B"
drop_summary "$T/out"
jq -se --arg b "$before" '.[1].reason == "CHG-1 tuning" and .[1].digest_before == $b and .[1].paths == ["/etc/a"]
        and (.[1].user | length > 0) and (.[2].paths | length) == 3' "$T/out" >/dev/null ||
        fail "accept records: $(cat "$T/out")"
run 0 "$DW" baseline show "$B"
grep -q '^accepted:   .* by .*: CHG-1 tuning$' "$T/out" || fail "text record: $(cat "$T/out")"
[ "$("$DW" baseline show --format json "$B.2" | jq -r 'select(.baseline) | .digest')" = "$before" ] || fail "the first baseline is not kept as .2"

# History is bounded (ACCEPT_HISTORY = 5).
for i in 1 2 3 4 5; do
        printf '%s\n' "$i" >>"$R/etc/b"
        run 0 "$DW" baseline accept --state-dir "$S" /etc/b --reason "round $i"
done
[ -e "$B.5" ] && [ ! -e "$B.6" ] || fail "history not bounded: $(ls "$S")"
run 0 "$DW" baseline show "$B.5"

# Mistakes: one line, exit 2, the baseline untouched.
now=$("$DW" baseline show --format json "$B" | jq -r 'select(.baseline) | .digest')
run 2 "$DW" baseline accept --state-dir "$S" etc/b
[ "$(cat "$T/err")" = "driftwatch: path 'etc/b' is not an absolute path below the root" ] || fail "relative path: $(cat "$T/err")"
run 2 "$DW" baseline accept --baseline "$T/absent.db" /etc/b
[ "$(cat "$T/err")" = "driftwatch: cannot read baseline '$T/absent.db': No such file or directory" ] ||
        fail "absent baseline: $(cat "$T/err")"
[ ! -e "$T/absent.db.lock" ] || fail "a lock was left beside an absent baseline"
run 2 "$DW" baseline accept --state-dir "$S" /etc/nonexistent
[ "$(cat "$T/err")" = "driftwatch: path '/etc/nonexistent' matches nothing in baseline '$B' or under '$R'" ] ||
        fail "unmatched path: $(cat "$T/err")"
cp "$B" "$T/other.db"
run 2 "$DW" baseline accept --baseline "$T/other.db"
grep -q "no check of baseline '$T/other.db' recorded what it reported" "$T/err" || fail "no report: $(cat "$T/err")"
# Another accept holding the lock.
(exec 9<>"$B.lock" && flock 9 && exec sleep 30) </dev/null >/dev/null 2>&1 &
holder=$!
reap_on_death "$holder"
cleanup_hooks+=("kill $holder")
for _ in $(seq 1 100); do flock -n "$B.lock" true || break; sleep 0.05; done
run 2 "$DW" baseline accept --state-dir "$S" /etc/b
grep -q 'is being accepted into by another process' "$T/err" || fail "concurrent accept: $(cat "$T/err")"
kill "$holder"; wait "$holder" 2>/dev/null || true
cleanup_hooks=()
[ "$("$DW" baseline show --format json "$B" | jq -r 'select(.baseline) | .digest')" = "$now" ] || fail "a refused accept changed the baseline"

# Killed mid-write (kill -9 at growing delays): the baseline is the old one or
# the new one, whole, never half of one.
mkdir -p "$R/usr/share/many"
(cd "$R/usr/share/many" && seq 1 8000 | xargs touch)
run 1 "$DW" scan --root "$R" --state-dir "$S"
old=$("$DW" baseline show --format json "$B" | jq -r 'select(.baseline) | .digest')
seen_old=0
for delay in 0.02 0.08 0.2 0.4; do
        (timeout -s KILL "$delay" "$DW" baseline accept --state-dir "$S" /usr/share >/dev/null 2>&1 || true) 2>/dev/null
        d=$("$DW" baseline show --format json "$B" | jq -r 'select(.baseline) | .digest') || fail "after kill -9 at $delay s the baseline is unreadable"
        [ "$d" = "$old" ] && seen_old=1
        [ "$d" = "$old" ] || "$DW" check --baseline "$B" --root "$R" --path /usr/share >/dev/null ||
                fail "after kill -9 at $delay s the baseline is neither old nor new"
done
[ "$seen_old" = 1 ] || echo "note: every accept finished before its kill" >&2
run 0 "$DW" baseline accept --state-dir "$S" /usr/share
[ "$("$DW" baseline show --format json "$B" | jq -r 'select(.baseline) | .digest')" != "$old" ] || fail "the accept after the kills changed nothing"
run 0 "$DW" check --baseline "$B" --root "$R"
echo PASS
