# driftwatch journal --cursor-file and --follow on real journal files (made by
# systemd-journal-remote; a file ending in an entry from the future is archived
# by its next run on the same name, which starts a new file with the same
# sequence-number id, as journald does on rotation): a one-shot run saves the
# last cursor; a follow
# run reports entries appended to the directory within seconds and nothing
# old, and saves the cursor on SIGTERM; records deleted since a cursor
# (a middle file, the cursor's own file) are DW-JRN-GAP; a garbage cursor
# file is one error, the file left as it was.
source "$(dirname "$0")/journal-lib.sh"

D=$T/d
mkdir "$D"
# append KIND [rotate]: journal-gen's KIND stream written into $D/system.journal;
# with rotate, the next append starts a new file.
append() {
        { python3 "$gen" "$1"; [ -z "${2:-}" ] || python3 "$gen" future; } >"$T/$1.export"
        "$remote" --output="$D/system.journal" "$T/$1.export" 2>"$T/remote.err" ||
                fail "journal-remote: $(cat "$T/remote.err")"
}
last_cursor() { journalctl --directory "$1" -o export | sed -n 's/^__CURSOR=//p' | tail -n 1; }
rules() { jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | .rule.id' "$1" | sort | uniq -c | awk '{print $2, $1}'; }

# A one-shot run without a cursor file reads everything and saves the last cursor.
append analytics rotate
rc=0
"$DW" --quiet journal --directory "$D" --cursor-file "$T/cursor" --format json >"$T/one.json" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "one-shot: exit $rc: $(cat "$T/err")"
[ "$(grep -vc '"DW-RUN-SUMMARY"' "$T/one.json")" = 6 ] || fail "one-shot: $(cat "$T/one.json")"
[ "$(cat "$T/cursor")" = "$(last_cursor "$D")" ] || fail "one-shot: cursor '$(cat "$T/cursor")', expected '$(last_cursor "$D")'"
[ "$(stat -c %a "$T/cursor")" = 600 ] || fail "cursor file mode $(stat -c %a "$T/cursor")"
cp "$T/cursor" "$T/cursor.a"

# Following from that cursor: nothing old; new entries within a few seconds.
"$DW" --quiet journal --follow --directory "$D" --cursor-file "$T/cursor" --format json >"$T/follow.json" 2>"$T/follow.err" &
pid=$!
reap_on_death "$pid"
cleanup_hooks+=("kill $pid 2>/dev/null")
sleep 0.5
append binary rotate
ls "$D"/system@*.journal~ >/dev/null 2>&1 || fail "journal-remote did not archive the first file: $(ls "$D")"
for ((i = 0; i < 100; i++)); do
        grep -q 'quay.io/example/bin:2' "$T/follow.json" && break
        kill -0 "$pid" 2>/dev/null || fail "follow ended early: $(cat "$T/follow.err")"
        sleep 0.1
done
grep -q 'quay.io/example/bin:2' "$T/follow.json" || fail "follow: the appended entries were not reported within 10 s"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "follow: exit $rc after SIGTERM (two deployment events, no alert): $(cat "$T/follow.err")"
[ ! -s "$T/follow.err" ] || fail "follow: $(cat "$T/follow.err")"
[ "$(rules "$T/follow.json")" = "DW-JRN-DEPLOYMENT 2" ] || fail "follow: $(cat "$T/follow.json")"
[ "$(cat "$T/cursor")" = "$(last_cursor "$D")" ] || fail "follow: cursor not saved: $(cat "$T/cursor")"
[ "$(stat -c %a "$T/cursor")" = 600 ] || fail "follow: cursor file mode $(stat -c %a "$T/cursor")"

# Again from the saved cursor: nothing to report.
rc=0
"$DW" --quiet journal --directory "$D" --cursor-file "$T/cursor" --format json >"$T/again.json" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] && no_findings "$T/again.json" || fail "again: exit $rc: $(cat "$T/again.json" "$T/err")"

# A third file; the middle one (the binary entries and the one dated 2099)
# deleted: from the first cursor, three sequence numbers are missing after it.
append clock-backwards
mid=$(for f in "$D"/system@*.journal~; do
        journalctl --file "$f" -o export | grep -q 'quay.io/example/bin' && echo "$f"
done)
[ -n "$mid" ] || fail "the binary entries' file not found"
rm -f -- "${mid:?}"
# from NAME DIR: a one-shot run over DIR from a copy of the first cursor
# ($T/NAME.cursor), its findings in $T/NAME.json; the DW-JRN-GAP message in $gap.
from() {
        cp "$T/cursor.a" "$T/$1.cursor"
        rc=0
        "$DW" --quiet journal --directory "$2" --cursor-file "$T/$1.cursor" --format json >"$T/$1.json" 2>"$T/err" ||
                rc=$?
        [ "$rc" = 1 ] || fail "$1: exit $rc: $(cat "$T/err")"
        gap=$(jq -r 'select(.rule.id == "DW-JRN-GAP") | .message' "$T/$1.json")
}
deployments() { jq -r 'select(.rule.id == "DW-JRN-DEPLOYMENT") | .rule.id' "$T/$1.json" | wc -l; }

from gap "$D"
[ "$gap" = "3 records missing after the saved cursor '$(cat "$T/cursor.a")': removed from the journal since it was saved" ] ||
        fail "gap: $(cat "$T/gap.json")"
[ "$(deployments gap)" = 2 ] || fail "gap: the entries after it were not read"
grep -q 'quay.io/example/rhel-bootc' "$T/gap.json" && fail "gap: entries before the cursor reported again"

# The cursor's own file vacuumed: its entry is gone, the count still known.
rm -f -- "$D"/system@*.journal~
from vacuum "$D"
[ "$gap" = "the saved cursor's entry '$(cat "$T/cursor.a")' is no longer in the journal (vacuumed, rotated away or removed): 3 records missing after it; reading continues at the next entry" ] ||
        fail "vacuum: $(cat "$T/vacuum.json")"
[ "$(deployments vacuum)" = 2 ] || fail "vacuum: the remaining entries were not read: $(cat "$T/vacuum.json")"
[ "$(cat "$T/vacuum.cursor")" = "$(last_cursor "$D")" ] || fail "vacuum: cursor not advanced"

# Another journal altogether (a new sequence-number id): from its oldest entry.
mkdir "$T/other"
"$remote" --output="$T/other/system.journal" "$T/binary.export" 2>/dev/null || fail "journal-remote failed"
from other "$T/other"
[ "$gap" = "the saved cursor's entry '$(cat "$T/cursor.a")' is no longer in the journal (vacuumed, rotated away or removed): an unknown number of records lost; reading continues from the oldest entry available" ] ||
        fail "other journal: $(cat "$T/other.json")"
[ "$(deployments other)" = 2 ] || fail "other journal: entries not read"

# Following, a merge is decided once the clock has passed its window, not
# when a later entry comes (none does here).
mkdir "$T/live"
python3 "$gen" recent-merge >"$T/merge.export"
"$remote" --output="$T/live/system.journal" "$T/merge.export" 2>/dev/null || fail "journal-remote failed"
"$DW" --quiet journal --follow --directory "$T/live" --format json >"$T/live.json" 2>"$T/live.err" &
pid=$!
reap_on_death "$pid"
cleanup_hooks+=("kill $pid 2>/dev/null")
for ((i = 0; i < 50; i++)); do
        grep -q DW-JRN-EXTENSION-UNMATCHED "$T/live.json" && break
        sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 1 ] || fail "live merge: exit $rc: $(cat "$T/live.err")"
[ "$(rules "$T/live.json")" = "DW-JRN-EXTENSION-UNMATCHED 1" ] || fail "live merge: $(cat "$T/live.json")"
[ "$i" -lt 50 ] || fail "live merge: not reported while following"

# A cursor file with garbage: one error naming it, exit 2, the file untouched.
printf 'not a cursor\n' >"$T/bad"
cp "$T/bad" "$T/bad.orig"
run 2 "$DW" --quiet journal --directory "$D" --cursor-file "$T/bad"
expect_one_error_line "$T/bad"
grep -qx "driftwatch: cannot use cursor file '$T/bad': not a journal cursor" "$T/err" || fail "garbage: $(cat "$T/err")"
cmp -s "$T/bad" "$T/bad.orig" || fail "garbage: the cursor file was changed"
no_findings "$T/out" || fail "garbage: output $(cat "$T/out")"

# A symlink is not followed.
ln -s "$T/cursor.a" "$T/link"
run 2 "$DW" --quiet journal --directory "$D" --cursor-file "$T/link"
expect_one_error_line "$T/link"

# A stream cannot be followed.
run 2 "$DW" --quiet journal --follow --file - </dev/null
expect_one_error_line "--follow"
echo PASS
