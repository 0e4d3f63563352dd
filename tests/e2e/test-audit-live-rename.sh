# driftwatch audit against a real auditd, on writes as real programs make
# them, under two rule sets: the rules `driftwatch audit-rules` prints, and
# Neo23x0's public audit.rules (tests/data/audit/neo23x0-audit.rules), which
# excludes CWD records and logs execve only for logged-in users. Under each,
# in /etc/sudoers.d (names with a dot, which sudo ignores):
#   sed -i on a file (a temporary file renamed over it);
#   mv of a file in the test directory, by a relative name, onto a new name;
#   install -m 0440 SRC DEST;
#   python: a file created through a directory fd (os.open with dir_fd), then
#     renamed through it (os.rename(t, z, src_dir_fd=fd, dst_dir_fd=fd)), and
#     another file written through it, from a working directory elsewhere;
#   mv of a file out of sudoers.d (a rename away: a removal).
# Each must give one DW-AUD-SUDOERS alert naming the path that ends up (or
# ended) on the surface, and only that one: sed's and python's temporary file
# is named by the rename (from, from_written), install's chmod after its
# create is in the create's driftwatch.changed. Method and cleanup as tests/e2e/test-audit-live.sh: auditd
# with its own configuration and log in the test directory, one run at a time
# (host_lock audit-live), skipped unless root with auditd and no audit daemon
# registered. On every exit: the loaded rules removed line by line, auditd
# stopped by its pid, the enabled flag and backlog limit restored, the files
# made in /etc removed.
#
# DW_AUDIT_CAPTURE=DIR keeps a copy of each rule set's log, DIR/rename-dw.log
# and DIR/rename-neo23x0.log (tests/data/audit/rename-*.log were cut from them).
source "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, loads audit rules)"
host_lock audit-live
source "$(dirname "$0")/lib-auditd.sh"
SUF=run$$
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
for tool in auditd auditctl jq python3 sed install mv seq; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
done
PUBLIC=$(cd "$(dirname "$0")/../data/audit" && pwd)/neo23x0-audit.rules
[ -r "$PUBLIC" ] || fail "missing fixture '$PUBLIC'"
auditd_preflight
# Keys of both rule sets: none may be loaded already, so whatever is left of
# them after the teardown is ours.
KEYS=$(grep -o -e '-k [^ ]*' -e 'key=[^ ]*' "$PUBLIC" | sed -e 's/^-k //' -e 's/^key=//' | sort -u)
loaded=$(auditctl -l)
if grep -q -- 'dw-' <<<"$loaded" || grep -q -- 'msgtype=CWD' <<<"$loaded"; then
        skip "rules of this test are already loaded; not touching them"
fi
for k in $KEYS; do
        ! grep -q -- "key=$k\$\|-k $k\$" <<<"$loaded" || skip "rules with key '$k' are already loaded; not touching them"
done
rules_before=$T/rules.before
printf '%s\n' "$loaded" >"$rules_before"

S=/etc/sudoers.d
mkdir -p "$T/work"
[ "$(stat -c %d "$T/work")" = "$(stat -c %d /etc)" ] && SAME_FS=1 || SAME_FS=

# ---- cleanup: on every exit (the auditd teardown: lib-auditd.sh) ----

# This run's files, and sed's temporary files holding this run's text.
remove_test_files() {
        local f
        rm -f "$S"/driftwatch-*-"${SUF:?}"-*.test
        for f in "$S"/sed??????; do
                [ -f "$f" ] && grep -q "driftwatch ${SUF:?}" "$f" 2>/dev/null && rm -f "$f"
        done
        sudoers_d_restore
        return 0
}

cleanup_hooks+=(remove_test_files)
# Under the lock, files of this test already there are a killed run's leftovers.
rm -f "$S"/driftwatch-*-run*-*.test
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

sudoers_d_ensure

# ---- one rule set: auditd, rules, the scenarios, teardown ----

# The scenarios, by a root shell whose working directory is $T/work. TAG
# names this rule set's files.
scenarios() {
        local p=$S/driftwatch-$1-$SUF
        cd "$T/work"
        # sed -i: a temporary file in sudoers.d renamed over the file.
        sed -i "s/test/test edited/" "$p-sed.test"
        # mv by a relative name from the working directory.
        printf '# driftwatch %s mv\n' "$SUF" >"$1-mv.test"
        mv "$1-mv.test" "$p-mv.test"
        # install: unlinks the destination and creates it.
        printf '# driftwatch %s install\n' "$SUF" >"$1-install.test"
        install -m 0440 "$1-install.test" "$p-install.test"
        # Through a directory fd: create, rename, write; cwd is elsewhere.
        python3 -c '
import os, sys
d, tmp, final, other, text = sys.argv[1:6]
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
f = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o440, dir_fd=fd)
os.write(f, text.encode())
os.close(f)
os.rename(tmp, final, src_dir_fd=fd, dst_dir_fd=fd)
f = os.open(other, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o440, dir_fd=fd)
os.write(f, text.encode())
os.close(f)
' "$S" "${p##*/}-dirfd-tmp.test" "${p##*/}-dirfd.test" "${p##*/}-dirfd-write.test" "# driftwatch $SUF dirfd"
        # A rename away from the surface.
        mv "$p-away.test" "$T/work/$1-away.test"
        cd /
}

# phase TAG RULES: the scenarios under the rules in the file RULES.
phase() {
        local tag=$1 rules=$2 dir=$T/$1 p=$S/driftwatch-$1-$SUF
        # Files the scenarios change, made before auditing starts.
        printf '# driftwatch %s test\n' "$SUF" >"$p-sed.test"
        printf '# driftwatch %s away\n' "$SUF" >"$p-away.test"
        chmod 0440 "$p-sed.test" "$p-away.test"
        auditd_start "$dir" "$dir/audit.log"
        # -c: a line another host refuses is skipped; the lines the cases
        # depend on are checked below.
        { echo -c; cat "$rules"; } >"$dir/loaded.rules"
        auditd_remember "$dir/loaded.rules"
        auditctl -R "$dir/loaded.rules" >"$dir/auditctl.out" 2>&1 || true
        auditctl -l >"$dir/loaded.list"
        grep -q -- "^-w $S/\? -p wa -k \(dw-sudoers\|actions\)\$" "$dir/loaded.list" ||
                { cat "$dir/auditctl.out"; fail "$tag: the watch on $S did not load"; }
        if [ "$tag" = neo23x0 ]; then
                grep -qx -- '-a always,exclude -F msgtype=CWD' "$dir/loaded.list" ||
                        { cat "$dir/auditctl.out"; fail "$tag: the CWD exclusion did not load"; }
        fi
        (scenarios "$tag")
        sleep 1
        auditd_teardown
        [ -s "$dir/audit.log" ] || fail "$tag: auditd wrote no log"
        if [ -n "${DW_AUDIT_CAPTURE:-}" ]; then
                cp "$dir/audit.log" "$DW_AUDIT_CAPTURE/rename-$tag.log"
        fi
}

run 0 "$DW" audit-rules
cp "$T/out" "$T/dw.rules"
phase dw "$T/dw.rules"
phase neo23x0 "$PUBLIC"
diff -u "$rules_before" <(auditctl -l) || fail "the audit rules differ from those before the test"
[ "$(audit_status enabled)" = "$auditd_enabled_before" ] || fail "enabled flag not restored"

# ---- the findings ----

# check TAG: the findings of one rule set's log.
check() {
        local tag=$1 p=$S/driftwatch-$1-$SUF out=$T/$1/findings.json
        "$DW" audit --format json "$T/$tag/audit.log" >"$out" 2>"$T/$tag/err" && rc=0 || rc=$?
        [ "$rc" = 1 ] || { cat "$T/$tag/err"; fail "$tag: audit exited $rc, want 1"; }
        expect_valid_jsonl "$out"
        show() { echo "--- $tag findings:" >&2; jq -c '[.event.kind, .rule.id, .event.action, .file.path,
                .driftwatch.audit.via, .driftwatch.audit.from, .driftwatch.audit.to, .driftwatch.quality]' "$out" >&2; }
        # want PATH ACTION VIA FROM TO: one alert for PATH with ACTION, its
        # rule and how it came (null: not by a rename).
        want() {
                local got
                got=$(jq -c --arg p "$1" --arg a "$2" 'select(.event.kind == "alert" and .file.path == $p and .event.action == $a)
                        | [.rule.id, .driftwatch.audit.via, .driftwatch.audit.from, .driftwatch.audit.to]' "$out")
                [ "$got" = "$3" ] || { show; fail "$tag: $2 alert for $1: $got, want $3"; }
        }
        local sed_from
        sed_from=$(jq -r --arg p "$p-sed.test" 'select(.file.path == $p) | .driftwatch.audit.from // ""' "$out")
        case "$sed_from" in "$S"/sed??????) ;; *) show; fail "$tag: sed -i: renamed from '$sed_from'" ;; esac
        want "$p-sed.test" file-modified '["DW-AUD-SUDOERS","rename","'"$sed_from"'",null]'
        if [ -n "$SAME_FS" ]; then
                want "$p-mv.test" file-added '["DW-AUD-SUDOERS","rename","'"$T/work/$tag-mv.test"'",null]'
                want "$p-away.test" file-removed '["DW-AUD-SUDOERS","rename",null,"'"$T/work/$tag-away.test"'"]'
        else
                # mv copies across file systems: a create, and an unlink.
                want "$p-mv.test" file-added '["DW-AUD-SUDOERS",null,null,null]'
                want "$p-away.test" file-removed '["DW-AUD-SUDOERS",null,null,null]'
        fi
        want "$p-install.test" file-added '["DW-AUD-SUDOERS",null,null,null]'
        want "$p-dirfd.test" file-added '["DW-AUD-SUDOERS","rename","'"$p-dirfd-tmp.test"'",null]'
        want "$p-dirfd-write.test" file-added '["DW-AUD-SUDOERS",null,null,null]'
        # One alert per logical change: no other alert names this run's files
        # or sed's temporary file.
        n=$(jq -c --arg r "$p-" --arg t "$sed_from" 'select(.event.kind == "alert" and
                ((.file.path // "" | startswith($r)) or .file.path == $t))' "$out" | wc -l)
        [ "$n" = 6 ] || { show; fail "$tag: $n alerts for the 6 changes"; }
        got=$(jq -r --arg p "$p-sed.test" 'select(.file.path == $p) | .driftwatch.audit.from_written // ""' "$out")
        [ -n "$got" ] || { show; fail "$tag: sed -i: the rename does not say its temporary file was written first"; }
        got=$(jq -c --arg p "$p-install.test" 'select(.file.path == $p) | .driftwatch.changed' "$out")
        case "$got" in *'"mode"'*) ;; *) show; fail "$tag: install: changed $got, want its chmod's mode" ;; esac
        # No finding names the test directory's files as if they were on a surface.
        n=$(jq -c --arg w "$T/work/" 'select(.file.path // "" | startswith($w))' "$out" | wc -l)
        [ "$n" = 0 ] || { show; fail "$tag: $n findings name files of the working directory"; }
}
check dw
check neo23x0
exit 0
