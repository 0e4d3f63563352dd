# The text view on a terminal, through script(1): the summary comes first,
# before the findings; the severities are coloured on a terminal only, and not
# when NO_COLOR is set (not empty), TERM is dumb, or --color=never (also the
# configuration file's color key); --color=always colours a pipe; --color with
# another word is an error. An endless input (audit --follow) prints a header
# first, the findings as they come, and the summary when it stops.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"

if ! command -v script >/dev/null; then
        [ "${CI:-}" != true ] || fail "script(1) (package bsdutils) is not installed (required under CI)"
        skip "script(1) (package bsdutils) is not installed"
fi

R=$T/tree
mkdir -p "$R/etc/sudoers.d"
printf 'a\n' >"$R/etc/sudoers.d/a"
printf 'm\n' >"$R/etc/motd"
run 0 "$DW" -q baseline create --from "dir:$R" --out "$T/b.db"
printf 'b\n' >>"$R/etc/sudoers.d/a"
printf 'n\n' >>"$R/etc/motd"
CHECK="$DW check --baseline $T/b.db --root $R"

# on_tty ENV... -- ARGS...: the check on a terminal with ENV, its output
# without the terminal's carriage returns in $T/tty.
on_tty() {
        local envs=()
        while [ "$1" != -- ]; do envs+=("$1"); shift; done
        shift
        env -u NO_COLOR "${envs[@]}" script -qec "$CHECK $*" /dev/null </dev/null | tr -d '\r' >"$T/tty" || true
}
red=$'\e[1;31mhigh\e[0m     file-modified  /etc/sudoers.d/a  DW-FIM-SUDOERS'

on_tty TERM=xterm --
grep -qF "$red" "$T/tty" || { cat -v "$T/tty"; fail "no colour on a terminal"; }
# The summary first: its counts on the first line, the findings after it.
[ "$(head -n 1 "$T/tty")" = "check: 2 alerts (1 high, 1 medium), 0 events" ] || { cat -v "$T/tty"; fail "the summary is not first"; }
first_finding=$(grep -n 'DW-FIM-' "$T/tty" | head -n 1 | cut -d: -f1 || true)
checked=$(grep -n '^checked [0-9]* entries' "$T/tty" | cut -d: -f1 || true)
[ -n "$first_finding" ] && [ -n "$checked" ] && [ "$checked" -lt "$first_finding" ] ||
        { cat -v "$T/tty"; fail "the command's summary line is not above the findings"; }

for case in "NO_COLOR=1 --" "TERM=dumb --" "TERM=xterm -- --color=never" "TERM=xterm -- --color never"; do
        read -r -a words <<<"$case"
        on_tty "${words[@]}"
        grep -q 'DW-FIM-SUDOERS' "$T/tty" || { cat -v "$T/tty"; fail "$case: no finding"; }
        ! grep -q $'\e' "$T/tty" || { cat -v "$T/tty"; fail "$case: colour"; }
done
# An empty NO_COLOR is not set (no-color.org).
on_tty TERM=xterm NO_COLOR= --
grep -qF "$red" "$T/tty" || { cat -v "$T/tty"; fail "an empty NO_COLOR turned the colour off"; }
# The configuration file's color key; the command line wins.
printf '[driftwatch]\ncolor = never\n' >"$T/dw.conf"
on_tty TERM=xterm -- --config "$T/dw.conf"
! grep -q $'\e' "$T/tty" || { cat -v "$T/tty"; fail "color = never in the configuration file: colour"; }
on_tty TERM=xterm -- --config "$T/dw.conf" --color=always
grep -qF "$red" "$T/tty" || { cat -v "$T/tty"; fail "--color=always did not win over the configuration file"; }

# A pipe: no colour, unless --color=always; never in JSON.
TERM=xterm run 1 env -u NO_COLOR $CHECK
! grep -q $'\e' "$T/out" || fail "colour in a pipe"
TERM=xterm run 1 env -u NO_COLOR $CHECK --color=always
grep -qF "$red" "$T/out" || fail "--color=always did not colour a pipe"
TERM=xterm run 1 env -u NO_COLOR $CHECK --color=always --format json
! grep -q $'\e' "$T/out" || fail "colour in JSON"
run 2 $CHECK --color=sometimes
expect_one_error_line "--color takes auto, always or never, not 'sometimes'"

# audit --follow: a header first, findings as they come, the summary when it stops.
gen_session_writes >"$T/a.log"
# Stopped with SIGINT once its findings are out (up to 30 s on a busy machine),
# as a user stops it with ^C.
"$DW" audit --follow "$T/a.log" >"$T/out" 2>"$T/err" &
pid=$!
reap_on_death "$pid"
for _ in $(seq 300); do grep -q 'DW-AUD-CRON' "$T/out" && break; sleep 0.1; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/err"; fail "--follow stopped by SIGINT exited $rc"; }
[ "$(head -n 1 "$T/out")" = "audit: following the log: findings as they come, the summary when it stops" ] ||
        { cat "$T/out"; fail "--follow: no header first"; }
head_line=$(grep -n '^high .*DW-AUD-SUDOERS' "$T/out" | cut -d: -f1 || true)
summary_line=$(grep -n '^audit: 3 alerts (2 high, 1 medium)' "$T/out" | cut -d: -f1 || true)
[ -n "$head_line" ] && [ -n "$summary_line" ] && [ "$head_line" -lt "$summary_line" ] ||
        { cat "$T/out"; fail "--follow: the summary does not close the findings"; }
echo PASS
