# Helpers for the `driftwatch status` tests, sourced after lib.sh.
#
# The inputs are the project's own fixtures in tests/data/status (see the
# README.md there): `bootc status --format=json` and `rpm-ostree status --json`
# as the tools print them. Variants for each transition are made from them with
# jq, several per call: each jq costs more than a driftwatch run.

DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/status" && pwd) || fail "no tests/data/status beside tests/e2e"
RPM=$DATA/rpm-ostree-workstation.json
for f in bootc-staged-download-only bootc-staged-rollback bootc-booted-pinned bootc-booted-usroverlay \
        bootc-v1-null rpm-ostree-workstation; do
        [ -f "$DATA/$f.json" ] || fail "fixture '$DATA/$f.json' is missing"
done

# variants IN OUT FILTER [OUT FILTER...]: each OUT is IN changed by its jq
# filter, all from one jq run.
variants() {
        local in=$1 prog="" sep="" i
        local -a outs=() lines=()
        shift
        while [ $# -ge 2 ]; do
                outs+=("$1")
                prog+="$sep([$2] | if length == 1 then .[0] else error(\"a filter gave \\(length) values\") end)"
                sep=", "
                shift 2
        done
        [ $# -eq 0 ] || fail "variants: an OUT without a FILTER"
        mapfile -t lines < <(jq -c "$prog" "$in")
        [ "${#lines[@]}" -eq "${#outs[@]}" ] || fail "jq filters on '$in' gave ${#lines[@]} values for ${#outs[@]} files: $prog"
        for i in "${!outs[@]}"; do
                printf '%s\n' "${lines[i]}" >"${outs[i]}"
        done
}

# variant IN OUT FILTER: one variant.
variant() {
        variants "$1" "$2" "$3"
}

# jq filters for the usual changes of a status. bootc: the upgrade (the staged
# deployment boots, the booted one becomes the rollback) and the rollback
# (booted and rollback swap). rpm-ostree: the rollback after the reboot (the
# second deployment boots, listed first) and `rpm-ostree rollback` before it
# (the rollback listed first, the booted one second).
BOOTC_UPGRADE='.status.rollback = .status.booted | .status.booted = .status.staged | .status.staged = null'
BOOTC_ROLLBACK='.status.booted as $b | .status.booted = .status.rollback | .status.rollback = $b'
RPM_ROLLBACK='.deployments = [(.deployments[1] | .booted = true), (.deployments[0] | .booted = false)]'
RPM_ROLLBACK_QUEUED='.deployments = [.deployments[1], .deployments[0]]'

# st WANT_EXIT DB FLAG FILE [OPTIONS...]: driftwatch status with the input
# FLAG FILE and state DB, JSON Lines in $T/out, stderr in $T/err.
st() {
        local want=$1 db=$2 flag=$3 file=$4
        shift 4
        run "$want" "$DW" status "$flag" "$file" --state "$db" --format json "$@"
}

# The helpers below use shell builtins where they can: on a loaded machine
# every process started costs milliseconds, and a transition checks many.

# slurp VAR FILE: the contents of FILE in VAR, without starting a process.
slurp() {
        IFS= read -r -d '' "$1" <"$2" || true
}

# ids FILE: "RULE-ID kind" of each finding in FILE, sorted, in $IDS (one per
# line, each ending in a newline). The same jq run checks that FILE is JSON
# Lines: as many values as lines, and the end mark jq prints when all parsed.
ids() {
        local -a lines values
        mapfile -t lines < <(grep -v '"rule":{"id":"DW-RUN-SUMMARY"' "$1")
        mapfile -t values < <(jq -rn '([inputs | select(.rule.id != "DW-RUN-SUMMARY") | "\(.rule.id) \(.event.kind)"] | sort[]), "(end)"' "$1")
        if [ "${#values[@]}" -eq 0 ] || [ "${values[-1]}" != "(end)" ] ||
                [ "$((${#values[@]} - 1))" -ne "${#lines[@]}" ]; then
                cat "$1"
                fail "'$1' is not JSON Lines (one JSON object per line)"
        fi
        unset 'values[-1]'
        IDS=
        [ "${#values[@]}" -eq 0 ] || printf -v IDS '%s\n' "${values[@]}"
}

# expect_ids [FILE] <<EOF ... EOF: the findings in FILE ($T/out) are exactly these.
expect_ids() {
        local file=${1:-$T/out} want
        want=$(LC_ALL=C sort)
        ids "$file"
        if [ "$IDS" != "${want:+$want$'\n'}" ]; then
                diff -u <(printf '%s' "${want:+$want$'\n'}") <(printf '%s' "$IDS") || true
                fail "rule ids in '$file' differ from the expectation (- expected, + got)"
        fi
}

TRANSITION_RULES='DW-IMG-STAGED-NEW|DW-IMG-STAGED-CHANGED|DW-IMG-BOOTED-CHANGED|DW-IMG-ROLLBACK-PERFORMED|DW-IMG-ROLLBACK-TARGET-CHANGED|DW-IMG-NO-TICKET|DW-IMG-PINNED'

# transition NAME FLAG A B WANT_EXIT [OPTIONS...] <<EOF ... EOF: in a fresh
# state, A is recorded (no alert), then B must report exactly the rule ids on
# stdin and exit WANT_EXIT (its output kept in $T/NAME.out); B once more
# reports no transition, and alerts (exit 1) only for what is state rather
# than change.
transition() {
        local name=$1 flag=$2 a=$3 b=$4 want=$5 db="$T/$1.db" rc=0 err
        shift 5
        st 0 "$db" "$flag" "$a" "$@"
        slurp err "$T/err"
        [[ $err == *"recorded the first one"* ]] || fail "$name: the first run did not say it recorded a snapshot"
        st "$want" "$db" "$flag" "$b" "$@"
        expect_ids
        "$DW" status "$flag" "$b" --state "$db" --format json "$@" >"$T/$name.again" 2>"$T/err" || rc=$?
        mv "$T/out" "$T/$name.out"
        ids "$T/$name.again"
        if [[ $'\n'$IDS =~ $'\n'($TRANSITION_RULES)' ' ]]; then
                cat "$T/$name.again"
                fail "$name: an unchanged second run reported a transition"
        fi
        if [[ $IDS == *$' alert\n'* ]]; then
                [ "$rc" -eq 1 ] || fail "$name: unchanged run with alerts exited $rc"
        else
                [ "$rc" -eq 0 ] || { cat "$T/err"; fail "$name: unchanged run exited $rc, expected 0"; }
        fi
        [ "$(sqlite3 "$db" 'SELECT count(*) FROM status_snapshots')" -eq 2 ] ||
                fail "$name: expected two snapshots in the state database"
}

# expect_fields FILE JQ <<EOF ... EOF: the lines the jq expression prints for
# FILE (several fields in one run) are exactly stdin.
expect_fields() {
        local want got
        IFS= read -r -d '' want || true
        got=$(jq -r "select(.rule.id != \"DW-RUN-SUMMARY\") | $2" "$1")$'\n'
        if [ "$got" != "$want" ]; then
                cat "$1"
                diff -u <(printf '%s' "$want") <(printf '%s' "$got") || true
                fail "fields of '$1' differ from the expectation (- expected, + got)"
        fi
}

# expect_minimum_version FILE VERSION OK BELOW: the rpm-ostree status FILE,
# booted VERSION, meets a policy of minimum-version OK and is below one of
# BELOW, with a message naming both versions.
expect_minimum_version() {
        local file=$1 version=$2 ok=$3 below=$4
        printf 'minimum-version = %s\n' "$ok" >"$T/minimum-ok"
        st 0 "$T/minimum-ok.$RANDOM.db" --rpm-ostree-json "$file" --policy "$T/minimum-ok"
        expect_ids </dev/null
        printf 'minimum-version = %s\n' "$below" >"$T/minimum-below"
        st 1 "$T/minimum-below.$RANDOM.db" --rpm-ostree-json "$file" --policy "$T/minimum-below"
        expect_ids <<<"DW-IMG-BELOW-MINIMUM alert"
        expect_fields "$T/out" ".message | contains(\"version $version is below the minimum $below\")" <<<true
}
