# What the journal tests share, sourced after lib.sh: $remote, the
# systemd-journal-remote that makes real journal files from export streams,
# and $gen, the generator of those streams (journal-gen.py); skips (a failure
# under CI=true) without them, journalctl, python3 or jq.
remote=/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || remote=/usr/lib/systemd/systemd-journal-remote
[ -x "$remote" ] || skip "systemd-journal-remote is not installed (Debian package systemd-journal-remote)"
command -v journalctl >/dev/null || skip "journalctl is not installed"
command -v jq >/dev/null || skip "jq is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
gen=$(dirname "$0")/journal-gen.py
