# Sourced by the tests/e2e/test-journal*.sh cases that make real journal
# files: systemd-journal-remote ($remote, from need_journal_remote in lib.sh)
# turns export streams written by journal-gen.py ($gen) into journal files
# (journald does not run here), and jq reads the findings. Skips (a failure
# under CI=true) without them, journalctl, python3 or jq.
source "$(dirname "$0")/lib.sh"

need_journal_remote
remote=$REMOTE
command -v journalctl >/dev/null || skip "journalctl is not installed"
command -v jq >/dev/null || skip "jq is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
gen=$(dirname "$0")/journal-gen.py

# journal_file KIND NAME: $T/NAME.export from `journal-gen.py KIND`, and the
# journal file $T/NAME.journal made from it.
journal_file() {
        python3 "$gen" "$1" >"$T/$2.export"
        "$remote" --output="$T/$2.journal" "$T/$2.export" 2>"$T/$2.remote.err" ||
                fail "journal-remote: $(cat "$T/$2.remote.err")"
}
