# The configuration file (docs/configuration.md): its values are the options'
# defaults ([driftwatch] for every command, [COMMAND] for one), the command
# line wins, a list option given on the command line replaces the file's, and
# a bad file is one line naming the file and the line, exit 2.
source "$(dirname "$0")/lib.sh"

R=$T/root
mkdir -p "$R/etc" "$R/usr/bin" "$T/st"
echo a >"$R/etc/motd"
echo b >"$R/usr/bin/tool"
run 0 "$DW" --quiet baseline create --from "dir:$R" --out "$T/b.db"
echo changed >>"$R/etc/motd"
echo changed >>"$R/usr/bin/tool"

cat >"$T/c.conf" <<CONF
# driftwatch.conf for the test
[driftwatch]
format = json
quiet = yes
state-dir = $T/st
outputs = file:/var/log/driftwatch/findings.jsonl; syslog

[check]
baseline = $T/b.db
root = $R
path = /etc
CONF

# Values from the file: --baseline (required) and --root from [check], JSON
# and no summary from [driftwatch], only /etc from the file's path list.
run 1 "$DW" --config "$T/c.conf" check
[ ! -s "$T/err" ] || { cat "$T/err"; fail "quiet = yes still printed on stderr"; }
paths=$(jq -sr '[.[] | select(.event.kind == "alert") | .file.path] | sort | join(" ")' "$T/out") ||
        fail "format = json did not give JSON Lines"
[ "$paths" = "/etc/motd" ] || fail "path = /etc from the file: alerts for '$paths'"

# The command line wins: --format, and --path replaces the file's list.
run 1 "$DW" check --config="$T/c.conf" --format text --path /usr
grep -q '/usr/bin/tool' "$T/out" || { cat "$T/out"; fail "--path /usr did not replace the file's /etc"; }
! grep -q '/etc/motd' "$T/out" || fail "--path on the command line was appended to the file's list"
! grep -q '^{' "$T/out" || fail "--format text on the command line did not win over format = json"

# [driftwatch] state-dir is where status and mounts keep their database.
cp /proc/self/mountinfo "$T/mountinfo"
run 0 "$DW" --config "$T/c.conf" mounts --mountinfo "$T/mountinfo"
[ -s "$T/st/state.db" ] || fail "state-dir from the file was not used by mounts"

# No file at the default place is fine (every other test runs so); a file
# named with --config must exist.
run 2 "$DW" --config "$T/missing.conf" check --baseline "$T/b.db" --root "$R"
expect_one_error_line "$T/missing.conf"

# A bad file: one line naming the file and the line, exit 2.
bad() {
        printf '%b' "$2" >"$T/bad.conf"
        run 2 "$DW" --config "$T/bad.conf" check --baseline "$T/b.db" --root "$R"
        expect_one_error_line "'$T/bad.conf': line $1:"
}
bad 2 '[driftwatch]\nno equals sign here\n'
bad 1 'format = json\n'
bad 3 '[driftwatch]\nformat = json\nbogus-key = 1\n'
bad 2 '[check]\nfull = perhaps\n'
bad 3 '# comment\n[check]\nno-such-option = 1\n'
bad 2 '[driftwatch]\nformat = xml\n'
bad 2 '[driftwatch]\noutputs = ftp://example.com\n'
bad 2 '[check]\noutputs = syslog\n'
bad 2 '[driftwatch]\nthreads = 1000\n'
bad 2 '[check]\npath = /etc/../root\n'
bad 2 '[Check Me]\nfull = true\n'
bad 2 '[scna]\nfull = true\n'
bad 3 '\n[baseline]\npath = /usr\n'
