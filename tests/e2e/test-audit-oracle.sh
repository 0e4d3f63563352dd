# Event grouping against libauparse, the peer oracle: for every audit log in the
# shared corpora (go-libaudit's auparse/testdata/*.log, the raw records inside
# go-libaudit's aucoalesce/testdata/*.yaml, laurel's testdata *.txt) the events
# of `driftwatch audit --events` and of tests/oracle/auparse-events must be the
# same (serial, time, record count), compared event by event. Every corpus must
# also parse without a malformed line (but the one known below) and give valid
# JSON Lines.
#
# Intentional differences, normalized on auparse's side before comparing:
# - auparse ends an event early at record types it takes for the last one
#   (PROCTITLE, or a LOGIN / SERVICE_START that precedes its SYSCALL) and starts
#   a second event with the same serial and time for the rest. The kernel gives
#   one serial to one event, so driftwatch groups strictly by (node, time,
#   serial); auparse's pieces with one key are added up.
# - auparse makes an event with serial 0 out of lines that are not audit records
#   (laurel's '#' comment blocks); driftwatch ignores comments and counts other
#   such lines as malformed. Serial-0 events are dropped.
# - EOE records are not counted on either side (see auparse-events.c).
# Order: driftwatch completes interleaved events in its own order, so both sides
# are sorted by serial and time.
source "$(dirname "$0")/lib.sh"

ORACLE=${AUPARSE_EVENTS:-}
[ -n "$ORACLE" ] && [ -x "$ORACLE" ] || skip "auparse-events oracle not built (libauparse-dev missing)"
C=$SHARED/corpus
[ -d "$C/go-libaudit" ] && [ -d "$C/laurel" ] || skip "no audit corpora in '$C'"

# The YAML test cases hold raw records in block scalars: pull them out.
mkdir -p "$T/yaml"
for y in "$C"/go-libaudit/aucoalesce/testdata/*.yaml; do
        sed -n 's/^ *\(\(node=[^ ]* \)\{0,1\}type=.*\)$/\1/p' "$y" >"$T/yaml/$(basename "$y" .yaml).log"
done

# Lines that are not audit records, by design of the corpus.
known_malformed() {
        case "$1" in
        */audit-rhel7.log) echo 1 ;;   # "type=UNKNOWN[1329] msg=?": no timestamp or serial
        *) echo 0 ;;
        esac
}

files=0 events=0 merged=0
for f in "$C"/go-libaudit/auparse/testdata/*.log "$T"/yaml/*.log \
        "$C"/laurel/src/testdata/*.txt "$C"/laurel/src/testdata/tree/[0-9]*.txt; do
        # libauparse 3.0.9 leaks on some inputs: not ours to report under ASan.
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$ORACLE" "$f" >"$T/auparse.raw" ||
                fail "auparse-events failed on '$f'"
        awk '$1 != 0 { k = $1 " " $2; if (!(k in n)) order[++m] = k; else split_events++; n[k] += $3 }
             END { for (i = 1; i <= m; i++) print order[i], n[order[i]]; print split_events + 0 >"/dev/stderr" }' \
                "$T/auparse.raw" 2>"$T/splits" | LC_ALL=C sort -n >"$T/auparse"
        merged=$((merged + $(cat "$T/splits")))

        run 0 "$DW" audit --events "$f"
        drop_summary "$T/out"
        # One jq per file (each costs more than driftwatch itself): the key
        # and count of each event, as many lines as JSON objects.
        jq -r '(.driftwatch.audit.id | capture("^(?<t>[0-9]+[.][0-9]+):(?<s>[0-9]+)$")) as $id |
               "\($id.s) \($id.t) \(.driftwatch.records)"' "$T/out" >"$T/ids" ||
                fail "'$f': output is not valid JSON Lines"
        [ "$(wc -l <"$T/ids")" -eq "$(wc -l <"$T/out")" ] || fail "'$f': output is not one JSON object per line"
        LC_ALL=C sort -n "$T/ids" >"$T/driftwatch"
        if ! diff -u "$T/auparse" "$T/driftwatch"; then
                fail "event grouping of '$f' differs from libauparse (- auparse, + driftwatch)"
        fi

        want=$(known_malformed "$f")
        got=$(sed -n 's/.* \([0-9]*\) malformed lines\? skipped.*/\1/p' "$T/err")
        [ "${got:-0}" -eq "$want" ] || { cat "$T/err"; fail "'$f': ${got:-0} malformed lines, expected $want"; }
        files=$((files + 1))
        events=$((events + $(wc -l <"$T/driftwatch")))
done
[ "$files" -ge 40 ] || fail "only $files corpus files found"
echo "compared $events events in $files files with libauparse ($merged auparse events merged by key)"
