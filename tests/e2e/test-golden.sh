# Golden output files: for each case directory tests/e2e/cases/NAME/, runs the
# binary in that directory with the words of its `args` file (the input named
# there, e.g. input.log) and compares the whole standard output, byte for byte,
# with its expected.jsonl (diff -u). A case with a `setup` script has it run
# first with a fresh work directory as its argument (to build a tree, record a
# baseline or a first status snapshot); `$W` in args names that directory, and
# in the output it reads "W". host.name, the machine's name, is normalised to
# "HOST" when it is this machine's, its machine-id to "MACHINE-ID" (host.id),
# observer.* (this machine) to HOST and no serial number, file.inode to
# "INODE" and rule.reference's directory (the install prefix) to DOCDIR;
# audit findings carry the times of their events, so no timestamp depends on
# the run; a case whose findings carry the time of the run (a check, a status)
# has a file `run-time`, and its @timestamp, baseline creation time, host
# values and event ids (over this machine's id) are normalised too. The run
# summary (DW-RUN-SUMMARY, the last line) has its times, duration and id
# (which includes the time of the run) normalised in every case. The exit status must be 0 or 1 (no alerts
# or alerts). UPDATE_GOLDEN=1 writes expected.jsonl instead: read the diff
# before committing it. The inputs of the audit cases come from cases/gen-audit.sh.
source "$(dirname "$0")/lib.sh"

cases=$(cd "$(dirname "$0")/cases" && pwd)
bin=$(realpath "$DW")

# normalise FILE CASE_DIR WORK_DIR
normalise() {
        local run_time=
        [ -e "$2/run-time" ] && run_time=1
        sed -E -e "s/\"host\":\\{\"name\":\"$host\"/\"host\":{\"name\":\"HOST\"/" \
               ${machine_id:+-e "s/\"$machine_id\"/\"MACHINE-ID\"/g"} \
               -e 's/"observer":\{"hostname":"([^"\\]|\\.)*"(,"serial_number":"[^"]*")?/"observer":{"hostname":"HOST"/' \
               -e 's/"inode":"[0-9]+"/"inode":"INODE"/' \
               -e 's|"reference":"[^"]*/rules\.md#|"reference":"DOCDIR/rules.md#|' \
               -e '/"DW-RUN-SUMMARY"/{s/"@timestamp":"[^"]*"/"@timestamp":"TIME"/;s/"(start|end)":"[^"]*"/"\1":"TIME"/g;s/"duration":[0-9]+/"duration":0/;s/"id":"[0-9a-f]{32}"/"id":"ID"/}' \
               ${run_time:+-e 's/"id":"[0-9a-f]{32}"/"id":"ID"/'} \
               -e "s|$3|W|g" \
               ${run_time:+-e 's/"@timestamp":"[^"]*"/"@timestamp":"TIME"/'} \
               ${run_time:+-e 's/"created":"[^"]*"/"created":"TIME"/'} \
               ${run_time:+-e 's/"host":"([^"\\]|\\.)*"/"host":"HOST"/'} "$1"
}

host=$(hostname)
machine_id=$(cat /etc/machine-id 2>/dev/null || true)
n=0
for c in "$cases"/*/; do
        c=${c%/}
        name=$(basename "$c")
        [ -f "$c/args" ] || fail "case $name has no args file"
        W=$T/work-$name
        mkdir -p "$W"
        if [ -f "$c/setup" ]; then
                (cd "$c" && DW="$bin" bash ./setup "$W") >"$T/setup.out" 2>&1 ||
                        { cat "$T/setup.out"; fail "case $name: setup failed"; }
        fi
        read -r -a args <"$c/args"
        args=("${args[@]//\$W/$W}")
        rc=0
        (cd "$c" && "$bin" "${args[@]}") >"$T/out" 2>"$T/err" || rc=$?
        [ "$rc" -le 1 ] || { cat "$T/err"; fail "case $name: exit status $rc"; }
        normalise "$T/out" "$c" "$W" >"$T/got"
        if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
                cp "$T/got" "$c/expected.jsonl"
                echo "updated $name" >&2
        elif ! diff -u "$c/expected.jsonl" "$T/got"; then
                fail "case $name: the output differs from expected.jsonl (- expected, + got)"
        fi
        n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no cases in $cases"
echo "PASS ($n cases)"
