# The zsh completion driftwatch generates (src/cli/generate.c) loads with
# compinit from an fpath directory, binds to driftwatch, and completes a
# command and an option. Driving zle through a pseudo-terminal (zpty) is slow
# and timing-bound, so the completion function is called as zle would call
# it, with words/CURRENT set and compadd/_describe recording the candidates.
source "$(dirname "$0")/lib.sh"
command -v zsh >/dev/null || skip "zsh is not installed (scripts/deps.sh check installs it)"

mkdir "$T/fpath"
"$DW" __completion zsh "$T/fpath/_driftwatch" || fail "cannot generate the zsh completion"
zsh -n "$T/fpath/_driftwatch" || fail "the zsh completion does not parse"
cat >"$T/drive.zsh" <<'ZSH'
fpath=("$1" $fpath)
autoload -U compinit && compinit -u -d "$2/zcompdump"
[[ $_comps[driftwatch] == _driftwatch ]] || { print "not bound: ${_comps[driftwatch]-none}"; exit 1 }
autoload -U +X _driftwatch      # loads the file: its tables, and _driftwatch "$@" runs once
compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -l -- "$@" }
_describe() { local -a a; a=("${(@P)2}"); print -l -- "${a[@]%%:*}" }
_files() { print -- '<files>' }
_message() { print -- '<message>' }
complete() { words=("$@"); CURRENT=$#words; _driftwatch }
print -- '# sc'; complete driftwatch sc
print -- '# check --'; complete driftwatch check --
print -- '# image '; complete driftwatch image ''
print -- '# check --format '; complete driftwatch check --format ''
ZSH
timeout 10 zsh -f "$T/drive.zsh" "$T/fpath" "$T" >"$T/out" 2>"$T/err" || fail "zsh: $(cat "$T/out" "$T/err")"
awk '/^# /{ s = $0; next } { print s "|" $0 }' "$T/out" >"$T/cands"
for want in '# sc|scan' '# check --|--baseline' '# check --|--full' '# check --|--progress' \
            '# image |verify' '# image |deployments' '# check --format |json'; do
        grep -qxF -- "$want" "$T/cands" || fail "no '${want#*|}' for '${want%%|*}': $(cat "$T/out")"
done
! grep -qxF -- '# check --|--sysroot' "$T/cands" || fail "check completes scan's --sysroot"
echo PASS
