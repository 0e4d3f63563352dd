# Atomic replaces and relative names, offline (no auditd needed):
# 1. the records tests/e2e/test-audit-live-rename.sh captured under the rules
#    `driftwatch audit-rules` prints (tests/data/audit/rename-dw.log) and under
#    Neo23x0's public rules, which exclude CWD records
#    (tests/data/audit/rename-neo23x0.log): sed -i, mv by a relative name,
#    install, a create, rename and write through a directory fd, a rename away;
#    each alert names the path that ends up (or ended) on the surface, one
#    alert per logical change: sed's and python's temporary file is named by
#    the rename's from and from_written, install's chmod after its create is
#    in driftwatch.changed;
# 2. records written here for what those runs do not show: a name placed by
#    the process's working directory from an earlier event, by the watch key
#    (audit-rules' own, and a key learned from earlier events), by the name
#    alone (crontabs/NAME), a name left unplaced, a link onto a surface, a
#    rename from a higher surface onto a lower one;
# 3. records written here for what is not one write: a temporary file
#    unlinked (no rename), a file renamed by another process than its
#    creator's, or after its creator's exec, or too late; a chown joined;
#    and the bulk event of 10 replaces, which counts the 10 files.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"

DATA=$(cd "$(dirname "$0")/../data/audit" && pwd)

# kind rule action path via from to dir_from quality, one line per file finding.
shape() {
        jq -r 'select(.file.path != null) | [.event.kind, .rule.id, .event.action, .file.path,
                (.driftwatch.audit.via // "-"), (.driftwatch.audit.from // "-"), (.driftwatch.audit.to // "-"),
                (.driftwatch.audit.dir_from // "-"), (.driftwatch.quality - ["sequence-gap"] | join(",") | if . == "" then "-" else . end)]
                | join(" ")' "$1"
}

expect_shape() { # expect_shape FILE <<EOF
        diff -u - <(shape "$1") || fail "findings of $1 differ (- expected, + got)"
}

# ---- 1. real records ----

S=/etc/sudoers.d
W=/tmp/dw-e2e.p4mExu/work
for tag in dw neo23x0; do
        run 1 "$DW" audit --format json "$DATA/rename-$tag.log"
        cp "$T/out" "$T/$tag.json"
        expect_valid_jsonl "$T/$tag.json"
        p=$S/driftwatch-$tag-run9697
        case $tag in dw) sedtmp=$S/sedYE18in ;; neo23x0) sedtmp=$S/sedNhfJNW ;; esac
        # One alert per logical change (install's create waited for what
        # install did next, so it comes last).
        expect_shape "$T/$tag.json" <<EOF
alert DW-AUD-SUDOERS file-modified $p-sed.test rename $sedtmp - - -
alert DW-AUD-SUDOERS file-added $p-mv.test rename $W/$tag-mv.test - - -
alert DW-AUD-SUDOERS file-added $p-dirfd.test rename $p-dirfd-tmp.test - directory-inode -
alert DW-AUD-SUDOERS file-added $p-dirfd-write.test - - - directory-inode -
alert DW-AUD-SUDOERS file-removed $p-away.test rename - $W/$tag-away.test - -
alert DW-AUD-SUDOERS file-added $p-install.test - - - - -
EOF
        # install's chmod after its create is part of it.
        got=$(jq -c 'select(.file.path == "'"$p-install.test"'") | .driftwatch.changed' "$T/$tag.json")
        [ "$got" = '["mode"]' ] || fail "$tag: install's create: changed $got"
        # The temporary files' creations are reported with --show-suppressed
        # only, joined to the rename, whose from_written is their event.
        run 1 "$DW" audit --format json --show-suppressed "$DATA/rename-$tag.log"
        grep -q '; 3 joined to the write they were part of' "$T/err" || fail "$tag: joined count: $(cat "$T/err")"
        for tmp in "$sedtmp" "$p-dirfd-tmp.test"; do
                id=$(jq -r 'select(.file.path == "'"$tmp"'" and .driftwatch.suppressed.by == "joined")
                        | .driftwatch.audit.id' "$T/out")
                [ -n "$id" ] || fail "$tag: $tmp: no joined finding"
                got=$(jq -r 'select(.event.kind == "alert" and .driftwatch.audit.from == "'"$tmp"'")
                        | .driftwatch.audit.from_written' "$T/out")
                [ "$got" = "$id" ] || fail "$tag: the rename of $tmp: from_written '$got', not '$id'"
        done
        got=$(jq -r 'select(.file.path == "'"$p-install.test"'" and .event.action == "file-attributes-changed")
                | .driftwatch.suppressed.by' "$T/out")
        [ "$got" = joined ] || fail "$tag: install's chmod: suppressed by '$got'"
done
# The CWD exclusion is real: the public set's log has no CWD record.
! grep -q '^type=CWD' "$DATA/rename-neo23x0.log" || fail "rename-neo23x0.log has CWD records"
grep -q '^type=CWD' "$DATA/rename-dw.log" || fail "rename-dw.log has no CWD record"

# ---- 2. records written here ----

# gen_syscall PID NR A0 A2 KEY ITEMS, then gen_path ITEM NAME INODE MODE NAMETYPE
# lines for the same event; no CWD record (excluded).
gen_syscall() {
        AUDIT_SERIAL=$((AUDIT_SERIAL + 1))
        AUDIT_TIME=$((AUDIT_TIME + 1))
        M="msg=audit($AUDIT_TIME.100:$AUDIT_SERIAL):"
        echo "type=SYSCALL $M arch=c000003e syscall=$2 success=yes exit=0 a0=$3 a1=1 a2=$4 a3=0 items=$6 ppid=1 pid=$1 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=7 comm=\"t\" exe=\"/usr/bin/t\" key=\"$5\""
}
gen_path() {
        echo "type=PATH $M item=$1 name=\"$2\" inode=$3 dev=fe:00 mode=$4 ouid=0 ogid=0 rdev=00:00 nametype=$5"
}
gen_cwd() {
        echo "type=CWD $M cwd=\"$1\""
}
log=$T/gen.log
{
        # pid 500 reads in /var/spool/cron (CWD logged once), then writes
        # "crontabs/tmp" by a name with a directory part: placed by that cwd.
        gen_syscall 500 257 ffffff9c 0 "" 1
        gen_cwd /var/spool/cron
        gen_path 0 crontabs 700 040755 NORMAL
        gen_syscall 500 257 ffffff9c 241 cron 2
        gen_path 0 crontabs/ 700 040755 PARENT
        gen_path 1 crontabs/root 701 0100600 CREATE
        # pid 501 does the same with nothing known: placed by the name alone.
        gen_syscall 501 257 ffffff9c 241 cron 2
        gen_path 0 crontabs/ 710 040755 PARENT
        gen_path 1 crontabs/alice 711 0100600 CREATE
        # Through a directory fd whose inode no event named: the key of
        # audit-rules names /etc/sudoers.d.
        gen_syscall 502 257 3 241 dw-sudoers 2
        gen_path 0 /root 800 040750 PARENT
        gen_path 1 by-key 801 0100600 CREATE
        # A key of another rule set learned from an earlier write, then used.
        gen_syscall 503 257 ffffff9c 241 pamkey 2
        gen_path 0 /etc/pam.d/ 900 040755 PARENT
        gen_path 1 /etc/pam.d/known 901 0100644 CREATE
        gen_syscall 503 257 4 241 pamkey 2
        gen_path 0 /root 902 040750 PARENT
        gen_path 1 learned 903 0100644 CREATE
        # Nothing to place it by: flagged, no alert.
        gen_syscall 504 257 5 241 "" 2
        gen_path 0 /root 950 040750 PARENT
        gen_path 1 nowhere 951 0100644 CREATE
        # link(2) of a file onto a surface.
        gen_syscall 505 86 0 0 "" 3
        gen_path 0 /root/payload 960 0100644 NORMAL
        gen_path 1 /etc/cron.d/ 961 040755 PARENT
        gen_path 2 /etc/cron.d/job 960 0100644 CREATE
        # A sudoers drop-in renamed into /etc: a removal from the higher surface.
        gen_syscall 506 82 0 0 "" 4
        gen_path 0 /etc/ 970 040755 PARENT
        gen_path 1 /etc/sudoers.d/ 971 040750 PARENT
        gen_path 2 /etc/sudoers.d/zz 972 0100440 DELETE
        gen_path 3 /etc/zz.bak 972 0100440 CREATE
} >"$log"
run 1 "$DW" audit --format json "$log"
cp "$T/out" "$T/gen.json"
expect_valid_jsonl "$T/gen.json"
expect_shape "$T/gen.json" <<EOF
alert DW-AUD-CRON file-added /var/spool/cron/crontabs/root - - - process-cwd -
alert DW-AUD-CRON file-added /var/spool/cron/crontabs/alice - - - surface-pattern name-unresolved
alert DW-AUD-SUDOERS file-added /etc/sudoers.d/by-key - - - watch-key -
alert DW-AUD-PAM file-added /etc/pam.d/known - - - - -
alert DW-AUD-PAM file-added /etc/pam.d/learned - - - watch-key -
alert DW-AUD-CRON file-added /etc/cron.d/job link /root/payload - - -
alert DW-AUD-SUDOERS file-removed /etc/sudoers.d/zz rename - /etc/zz.bak - -
EOF
# The unplaced name is an event of its own in the raw view, flagged.
run 0 "$DW" audit --events "$log"
drop_summary "$T/out"
got=$(jq -c 'select(.driftwatch.audit.id | endswith(":'"$((100 + 7))"'")) | .driftwatch.quality' "$T/out" | sort -u)
[ "$got" = '["path-unresolved"]' ] || fail "the unplaced name's event: quality $got"

# ---- 3. what is not one write ----

S=/etc/sudoers.d
# gen_tmp PID NAME INODE: PID creates $S/NAME.
gen_tmp() {
        gen_syscall "$1" 257 ffffff9c 241 "" 2
        gen_path 0 $S/ 971 040750 PARENT
        gen_path 1 "$S/$2" "$3" 0100600 CREATE
}
# gen_rename PID FROM TO INODE: PID renames $S/FROM to $S/TO.
gen_rename() {
        gen_syscall "$1" 82 0 0 "" 4
        gen_path 0 $S/ 971 040750 PARENT
        gen_path 1 $S/ 971 040750 PARENT
        gen_path 2 "$S/$2" "$4" 0100600 DELETE
        gen_path 3 "$S/$3" "$4" 0100600 CREATE
}
log=$T/parts.log
{
        # A temporary file written and unlinked: no replace, both stay.
        gen_tmp 600 .tmp-unlinked 980
        gen_syscall 600 87 0 0 "" 2
        gen_path 0 $S/ 971 040750 PARENT
        gen_path 1 $S/.tmp-unlinked 980 0100600 DELETE
        # Written by one process, renamed onto the surface by another.
        gen_tmp 601 .tmp-other 981
        gen_rename 602 .tmp-other other 981
        # Written, then the process ran another program, which renamed it.
        gen_tmp 603 .tmp-exec 982
        gen_syscall 603 59 0 0 "" 1
        echo "type=EXECVE $M argc=1 a0=\"t2\""
        gen_path 0 /usr/bin/t2 990 0100755 NORMAL
        gen_rename 603 .tmp-exec exec 982
        # Renamed by its writer, but 5 s later: past the window.
        gen_tmp 604 .tmp-late 983
        AUDIT_TIME=$((AUDIT_TIME + 4))
        gen_rename 604 .tmp-late late 983
        # Created, then chown(path, 1, -1): the owner joins the create.
        gen_tmp 605 owned 984
        gen_syscall 605 92 0 ffffffff "" 1
        gen_path 0 $S/owned 984 0100600 NORMAL
        # Created, chmod'ed, renamed within the window (each event here is a
        # second after the last: two steps back): one write, the rename's.
        gen_tmp 606 .tmp-joined 985
        AUDIT_TIME=$((AUDIT_TIME - 1))
        gen_syscall 606 90 0 0 "" 1
        gen_path 0 $S/.tmp-joined 985 0100600 NORMAL
        AUDIT_TIME=$((AUDIT_TIME - 1))
        gen_rename 606 .tmp-joined joined 985
} >"$log"
run 1 "$DW" audit --format json "$log"
cp "$T/out" "$T/parts.json"
expect_valid_jsonl "$T/parts.json"
expect_shape "$T/parts.json" <<EOF
alert DW-AUD-SUDOERS file-added $S/.tmp-unlinked - - - - -
alert DW-AUD-SUDOERS file-removed $S/.tmp-unlinked - - - - -
alert DW-AUD-SUDOERS file-added $S/.tmp-other - - - - -
alert DW-AUD-SUDOERS file-added $S/other rename $S/.tmp-other - - -
alert DW-AUD-SUDOERS file-added $S/.tmp-exec - - - - -
alert DW-AUD-SUDOERS file-added $S/exec rename $S/.tmp-exec - - -
alert DW-AUD-SUDOERS file-added $S/.tmp-late - - - - -
alert DW-AUD-SUDOERS file-added $S/late rename $S/.tmp-late - - -
alert DW-AUD-SUDOERS file-added $S/owned - - - - -
alert DW-AUD-SUDOERS file-added $S/joined rename $S/.tmp-joined - - -
EOF
got=$(jq -r 'select(.driftwatch.audit.from_written != null) | .file.path' "$T/parts.json")
[ "$got" = "$S/joined" ] || fail "only the rename of its writer's temporary file says from_written: $got"
got=$(jq -c 'select(.file.path == "'"$S/owned"'") | .driftwatch.changed' "$T/parts.json")
[ "$got" = '["uid"]' ] || fail "chown(path, 1, -1) after the create: changed $got"
got=$(jq -c 'select(.file.path == "'"$S/joined"'") | .driftwatch.changed' "$T/parts.json")
[ "$got" = '["mode"]' ] || fail "chmod of the temporary file, then its rename: changed $got"

# A configuration run in one session rewrites 10 files of /etc as sed -i
# does: the bulk event counts 10 writes to the 10 files, not their
# temporary files.
log=$T/bulk.log
{
        for i in 0 1 2 3 4 5 6 7 8 9; do
                gen_syscall $((700 + i)) 257 ffffff9c 241 "" 2
                gen_path 0 /etc/app/ 1000 040755 PARENT
                gen_path 1 /etc/app/.sed$i 100$i 0100600 CREATE
                gen_syscall $((700 + i)) 82 0 0 "" 4
                gen_path 0 /etc/app/ 1000 040755 PARENT
                gen_path 1 /etc/app/ 1000 040755 PARENT
                gen_path 2 /etc/app/.sed$i 100$i 0100600 DELETE
                gen_path 3 /etc/app/f$i.conf 100$i 0100600 CREATE
        done
} >"$log"
run 0 "$DW" audit --format json --show-suppressed "$log"
got=$(jq -c 'select(.event.action == "bulk-write") | .driftwatch.audit.bulk | [.writes, .paths_count, (.paths | map(select(contains(".sed"))) | length)]' "$T/out")
[ "$got" = '[10,10,0]' ] || fail "bulk of 10 replaces: [writes, paths, temporary files named] $got"
got=$(jq -r '.driftwatch.suppressed.by // empty' "$T/out" | sort | uniq -c | awk '{print $2 "=" $1}' | paste -sd' ')
[ "$got" = "bucket=10 joined=10" ] || fail "bulk of 10 replaces: suppressed $got"
echo PASS
