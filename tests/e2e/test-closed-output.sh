# A closed stdout (`driftwatch ... | head` once head has gone) ends the command
# (audit, status, check, scan, container diff, text and JSON among them)
# quietly, as SIGPIPE ends cat or git: killed by SIGPIPE before a command
# runs (--version), exit 128 + 13 = 141 once it runs, and nothing on stderr, whether the write that found it was a finding, a summary or the last
# flush. The read end is closed before the command starts, so every write
# fails with EPIPE: no race with a reader.
source "$(dirname "$0")/lib.sh"

# closed_run CMD...: runs CMD with stdout a pipe whose read end is closed.
closed_run() {
        python3 - "$@" 2>"$T/err" <<'PY' || true
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=sys.stderr)
print(p.returncode, file=open(os.environ["RC_FILE"], "w"))
PY
}
export RC_FILE=$T/rc

expect_quiet_end() {
        closed_run "$@"
        # Python reports death by a signal as its negative number.
        [ "$(cat "$T/rc")" = 141 ] || [ "$(cat "$T/rc")" = -13 ] || { cat "$T/err"; fail "'$*' with a closed stdout exited $(cat "$T/rc"), expected 141"; }
        [ ! -s "$T/err" ] || { cat "$T/err"; fail "'$*' with a closed stdout printed on stderr"; }
}

mkdir -p "$T/tree/d"
for i in $(seq 1 300); do printf '%s\n' "$i" >"$T/tree/d/f$i"; done
run 0 "$DW" baseline create --from "dir:$T/tree" --out "$T/b.db"
for i in $(seq 1 300); do printf 'changed %s\n' "$i" >"$T/tree/d/f$i"; done

expect_quiet_end "$DW" --version
expect_quiet_end "$DW" help
expect_quiet_end "$DW" baseline show "$T/b.db"
expect_quiet_end "$DW" baseline show --entries "$T/b.db"
expect_quiet_end "$DW" check --baseline "$T/b.db" --root "$T/tree" --format json
expect_quiet_end "$DW" check --baseline "$T/b.db" --root "$T/tree"
expect_quiet_end "$DW" audit --events --format json "$(dirname "$0")/../data/audit/live-capture.log"
expect_quiet_end "$DW" audit --format json "$(dirname "$0")/../data/audit/live-capture.log"
expect_quiet_end "$DW" audit-rules
# The day-to-day commands, text and JSON: audit, status, check, scan, container diff.
LOG=$(dirname "$0")/../data/audit/live-capture.log
expect_quiet_end "$DW" audit "$LOG"
STATUS=$(dirname "$0")/../data/status/bootc-booted-pinned.json
expect_quiet_end "$DW" status --bootc-json "$STATUS" --state "$T/status.db"
expect_quiet_end "$DW" status --bootc-json "$STATUS" --state "$T/status.db" --format json
mkdir -p "$T/root/etc" "$T/root/usr/bin" "$T/root/boot"
"$DW" scan --root "$T/root" --state-dir "$T/scan" >/dev/null 2>&1 || true     # the first run: a baseline
for i in $(seq 1 300); do printf '%s\n' "$i" >"$T/root/etc/f$i"; done
# (scan says what it covers on stderr first, as a progress line would: --quiet)
expect_quiet_end "$DW" --quiet scan --root "$T/root" --state-dir "$T/scan"
expect_quiet_end "$DW" --quiet scan --root "$T/root" --state-dir "$T/scan" --format json
# A containers-storage with one container whose upper layer adds files.
S=$T/storage
containers_storage "$S" web localhost/x:1
for i in $(seq 1 300); do printf '%s\n' "$i" >"$CS_UPPER/etc/f$i"; done
expect_quiet_end "$DW" container diff --storage-root "$S" web
expect_quiet_end "$DW" container diff --storage-root "$S" --format json web
echo PASS
