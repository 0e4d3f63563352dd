# Sourced by the tests/e2e/test-journal*.sh cases that make real journal
# files: systemd-journal-remote turns export streams written by
# journal-gen.py into journal files (journald does not run here), and jq
# reads the findings.
source "$(dirname "$0")/lib.sh"

remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || remote=/usr/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || skip "systemd-journal-remote is not installed (Debian package systemd-journal-remote)"
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
