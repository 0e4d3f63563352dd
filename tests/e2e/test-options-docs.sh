# Every option of every command's table is in its --help, its man page and the
# bash and zsh completions, and none of those lists an option the table has
# not: all four are generated from the tables (src/cli/generate.c) and must
# stay so. The zsh completion is run as zle would call it (compadd recording
# the candidates), for every command path at once in one zsh.
# The man pages and completion read are the ones this build generated (what
# make install installs).
source "$(dirname "$0")/lib.sh"

BUILD=$(dirname "$(realpath "$DW")")
GEN=$BUILD/generated
[ -f "$GEN/completion/driftwatch" ] || fail "no generated completion in '$GEN'"

# The options of a --help text: "--name" at a line's start.
opts() { grep -oE '^ *--[a-z0-9-]+' | tr -d ' ' | sort -u; }
# The options a man page describes, read from its roff (test-install renders the
# pages with man -l): the ".TP" items, "\fB\-\-name\fR" at a line's start, as
# "--name" lines; the sections in between as their ".SH" lines.
roff_opts() { sed -n -e 's/^\\fB\\-\\-\([a-z0-9\\-]*\)\\fR.*/--\1/p' -e 's/^\.SH /SH /p' | sed 's/\\-/-/g'; }

# The completion's option lists, "path<TAB>options" a line, read once.
bash -c 'source "$1"; for k in "${!_driftwatch_options[@]}"; do printf "%s\t%s\n" "$k" "${_driftwatch_options[$k]}"; done' \
        _ "$GEN/completion/driftwatch" >"$T/completion" || fail "the generated completion does not load"

# The zsh completion's candidates after "driftwatch PATH --": "path<TAB>option"
# a line, without the global options and --help (checked below).
zsh_comp=$GEN/completion/_driftwatch
[ -f "$zsh_comp" ] || fail "no generated zsh completion in '$GEN'"
if command -v zsh >/dev/null; then
        cut -f1 "$T/completion" >"$T/paths"
        cat >"$T/zsh-run.zsh" <<'ZSH'
compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -l -- "$@" }
_describe() { : } ; _files() { : } ; _message() { : }
source "$1" >/dev/null 2>&1
print -r -- "#global ${=_driftwatch_global}"
while IFS= read -r p; do
        print -r -- "# $p"
        words=(driftwatch ${=p} --); CURRENT=$#words; _driftwatch
done <"$2"
ZSH
        timeout 20 zsh -f "$T/zsh-run.zsh" "$zsh_comp" "$T/paths" >"$T/zsh.out" 2>"$T/zsh.err" ||
                fail "zsh could not run the completion: $(cat "$T/zsh.err")"
        read -r -a zsh_global <<<"$(sed -n 's/^#global //p' "$T/zsh.out")"
        awk -v g=" $(sed -n 's/^#global //p' "$T/zsh.out") --help " '
                /^#global / { next } /^# / { p = substr($0, 3); next }
                index(g, " " $0 " ") == 0 { print p "\t" $0 }' "$T/zsh.out" >"$T/zsh-completion"
else
        [ "${CI:-}" != true ] || fail "zsh is not installed (scripts/deps.sh check installs it)"
        echo "note: zsh is not installed (scripts/deps.sh check installs it): its completion is not checked" >&2
fi

# The --help texts come from the release binary when this is a sanitizer build
# (DW_RELEASE, lib.sh): the same tables, and thirty starts of a sanitizer
# build would cost most of this test's time.
H=$DW_RELEASE
run 0 "$H" help
commands=$(sed -n '/^commands:/,/^$/p' "$T/out" | awk 'NF > 1 { print $1 }' | grep -vx 'help\|version')
[ "$(echo "$commands" | wc -l)" -ge 10 ] || fail "'driftwatch help' lists too few commands: $commands"
checked=0
for cmd in $commands; do
        [ -f "$GEN/man/driftwatch-$cmd.1" ] || fail "no man page for '$cmd'"
        roff_opts <"$GEN/man/driftwatch-$cmd.1" >"$T/man.txt"
        # A command of subcommands: its --help lists them, each has a table.
        "$H" "$cmd" --help >"$T/help.txt"
        paths=$cmd
        if grep -q '^subcommands:' "$T/help.txt"; then
                paths=$(sed -n '/^subcommands:/,/^$/p' "$T/help.txt" | awk 'NF > 1 { print "'"$cmd"' " $1 }')
        fi
        : >"$T/man-all"
        while read -r p; do
                # shellcheck disable=SC2086
                "$H" $p --help | sed -n '/^options:/,/^$/p' | opts >"$T/help-opts"
                [ -s "$T/help-opts" ] || [ "$p" = audit-rules ] || fail "'$p --help' lists no options"
                comp=$(awk -F '\t' -v p="$p" '$1 == p { print $2 }' "$T/completion" | tr ' ' '\n' | grep . |
                       sort -u || true)
                [ "$comp" = "$(cat "$T/help-opts")" ] ||
                        fail "'$p': completion offers '$(echo $comp)', --help lists '$(echo $(cat "$T/help-opts"))'"
                if [ -f "$T/zsh-completion" ]; then
                        comp=$(awk -F '\t' -v p="$p" '$1 == p { print $2 }' "$T/zsh-completion" | sort -u)
                        [ "$comp" = "$(cat "$T/help-opts")" ] ||
                                fail "'$p': zsh completes '$(echo $comp)', --help lists '$(echo $(cat "$T/help-opts"))'"
                fi
                # The man page: each option of the table, with its argument as --help gives it.
                while read -r o; do
                        grep -qE "^ *$o( |$)" "$T/man.txt" || fail "driftwatch-$cmd(1) does not describe $o of '$p'"
                        checked=$((checked + 1))
                done <"$T/help-opts"
                cat "$T/help-opts" >>"$T/man-all"
        done <<<"$paths"
        # And the page describes no option the tables lack (global options aside).
        sed -n '/^SH OPTIONS\|^SH SUBCOMMANDS/,/^SH "*GLOBAL OPTIONS/p' "$T/man.txt" | opts >"$T/man-opts"
        extra=$(comm -23 "$T/man-opts" <(sort -u "$T/man-all"))
        [ -z "$extra" ] || fail "driftwatch-$cmd(1) describes options no table has: $extra"
done
[ "$checked" -ge 90 ] || fail "only $checked options checked"

# The global options: in every --help footer, driftwatch(1) and the completion.
roff_opts <"$GEN/man/driftwatch.1" >"$T/man.txt"
global=$(bash -c 'source "$1"; echo "$_driftwatch_global"' _ "$GEN/completion/driftwatch")
"$H" scan --help | sed -n '/^global options/,$p' >"$T/footer"
for o in --quiet --rules --rules-dir --config; do
        grep -qE "^ *$o( |$)" "$T/man.txt" || fail "driftwatch(1) does not describe $o"
        [[ " $global " == *" $o "* ]] || fail "the completion does not offer the global $o"
        [ ! -f "$T/zsh-completion" ] || [[ " ${zsh_global[*]} " == *" $o "* ]] ||
                fail "the zsh completion does not offer the global $o"
        grep -q -- "$o" "$T/footer" || fail "--help's footer does not name the global $o"
done
echo "ok: $checked options of $(echo $commands | wc -w) commands in --help, man pages and completion"
