#!/bin/bash
# Writes the input.log of the audit golden cases (tests/e2e/cases/audit-*/),
# record by record with tests/e2e/audit-gen.sh, so each input is small and
# explained here. Run from anywhere: bash tests/e2e/cases/gen-audit.sh. The
# expected output is then made by the binary under review
# (UPDATE_GOLDEN=1 tests/e2e/test-golden.sh BINARY) and read before committing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../audit-gen.sh"

# hex STRING: the bytes as the kernel logs an untrusted value (upper-case hex).
hex() {
        printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F
}

# fresh: each case's clock and serials start alike, whatever came before.
fresh() {
        AUDIT_SERIAL=100
        AUDIT_TIME=1700000000
}

# rec TYPE SERIAL REST: one record at the current time.
rec() {
        echo "type=$1 msg=audit($AUDIT_TIME.300:$2): $3"
}

# --- writes: surfaces, ancestry, the allowlist, a failed write, hostile names,
# an aggregated log (node=), a rename and a PATH record missing.
fresh
{
        gen_exec 1000 1 $UNSET $UNSET "(none)" /usr/sbin/sshd sshd /usr/sbin/sshd -D
        gen_exec 1001 1000 1000 3 pts0 /usr/bin/bash bash -bash
        gen_write 1002 1001 1000 3 /usr/bin/cp cp /etc/sudoers.d/zzz_local
        gen_exec 1100 1 $UNSET $UNSET "(none)" /usr/bin/systemd-tmpfiles systemd-tmpfiles systemd-tmpfiles --create
        gen_write 1100 1 $UNSET $UNSET /usr/bin/systemd-tmpfiles systemd-tmpfile /etc/sudoers.d/wheel
        gen_write 1150 1001 1000 3 /usr/bin/authselect authselect /etc/pam.d/system-auth
        gen_write 1151 1 $UNSET $UNSET /usr/bin/authselect authselect /etc/pam.d/password-auth
        gen_write 1801 1001 1000 3 /usr/bin/bash bash /etc/sudoers.d/denied no
        gen_write 1802 1001 1000 3 /usr/bin/bash bash /tmp/scratch
        # A name that is not UTF-8 and one with an escape sequence, logged in hex.
        AUDIT_SERIAL=$((AUDIT_SERIAL + 1))
        rec SYSCALL $AUDIT_SERIAL "arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55e0 a2=241 a3=1b6 items=2 ppid=1001 pid=1803 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"tee\" exe=\"/usr/bin/tee\" key=\"persistence\""
        rec CWD $AUDIT_SERIAL 'cwd="/root"'
        rec PATH $AUDIT_SERIAL 'item=0 name="/etc/sudoers.d/" inode=2 dev=fd:00 mode=040750 ouid=0 ogid=0 rdev=00:00 nametype=PARENT'
        rec PATH $AUDIT_SERIAL "item=1 name=$(hex $'/etc/sudoers.d/\xff\xfebad')$(hex $'\x1b[31mred') inode=3 dev=fd:00 mode=0100440 ouid=0 ogid=0 rdev=00:00 nametype=CREATE"
        rec PROCTITLE $AUDIT_SERIAL "proctitle=$(hex 'tee')00$(hex '/etc/sudoers.d/x')"
        # rename("/root/k", "/etc/ssh/sshd_config.d/10-x.conf") on another node.
        AUDIT_SERIAL=$((AUDIT_SERIAL + 1))
        m="msg=audit($AUDIT_TIME.400:$AUDIT_SERIAL):"
        echo "node=web-1 type=SYSCALL $m arch=c000003e syscall=82 success=yes exit=0 a0=55f0 a1=55f1 a2=0 a3=0 items=4 ppid=1 pid=2100 auid=1001 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=9 comm=\"mv\" exe=\"/usr/bin/mv\" key=\"sshd\""
        echo "node=web-1 type=CWD $m cwd=\"/root\""
        echo "node=web-1 type=PATH $m item=0 name=\"/root/\" inode=10 dev=fd:00 mode=040700 ouid=0 ogid=0 rdev=00:00 nametype=PARENT"
        echo "node=web-1 type=PATH $m item=1 name=\"/etc/ssh/sshd_config.d/\" inode=11 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT"
        echo "node=web-1 type=PATH $m item=2 name=\"/root/k\" inode=12 dev=fd:00 mode=0100600 ouid=0 ogid=0 rdev=00:00 nametype=DELETE"
        echo "node=web-1 type=PATH $m item=3 name=\"/etc/ssh/sshd_config.d/10-x.conf\" inode=12 dev=fd:00 mode=0100600 ouid=0 ogid=0 rdev=00:00 nametype=CREATE"
        # chmod of a sudoers file: only the SYSCALL and one PATH record.
        AUDIT_SERIAL=$((AUDIT_SERIAL + 1))
        rec SYSCALL $AUDIT_SERIAL "arch=c000003e syscall=90 success=yes exit=0 a0=55e0 a1=1ff a2=0 a3=0 items=1 ppid=1001 pid=1804 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"chmod\" exe=\"/usr/bin/chmod\" key=\"perm\""
        rec PATH $AUDIT_SERIAL 'item=0 name="/etc/sudoers" inode=4 dev=fd:00 mode=0100440 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL'
} >"$here/audit-writes/input.log"

# --- commands: rules with a target, the command line cut for the text view,
# PROCTITLE, a command run under an upgrader.
fresh
{
        gen_exec 1001 1 1000 3 pts0 /usr/bin/bash bash -bash
        gen_exec 1500 1001 1000 3 pts0 /usr/bin/rpm-ostree rpm-ostree rpm-ostree usroverlay
        gen_exec 1600 1001 1000 3 pts0 /usr/bin/bootc bootc bootc switch --transport registry quay.io/example/os:latest
        echo "type=PROCTITLE msg=audit($AUDIT_TIME.100:$AUDIT_SERIAL): proctitle=$(hex bootc)00$(hex switch)00$(hex --transport)"
        gen_exec 1650 1001 1000 3 pts0 /usr/bin/bootc bootc bootc status --json
        gen_exec 1651 1700 $UNSET $UNSET "(none)" /usr/bin/bootc bootc bootc status --json
        long=$(printf 'registry.example.com/a-very-long-organisation-name/%.0s' 1 2 3 4 5)
        gen_exec 1660 1001 1000 3 pts0 /usr/bin/bootc bootc bootc switch "${long}os:42"
        gen_exec 1700 1001 1000 3 pts0 /usr/bin/rpm-ostree rpm-ostree rpm-ostree upgrade
        gen_exec 1701 1700 1000 3 pts0 /usr/bin/rpm-ostree rpm-ostree rpm-ostree usroverlay
} >"$here/audit-commands/input.log"

# --- upgrade: an upgrader's tree folded into one event, pid reuse after it.
fresh
{
        gen_exec 1200 1 $UNSET $UNSET "(none)" /usr/bin/bootc bootc bootc upgrade
        for i in $(seq 1 6); do
                gen_write 1201 1200 $UNSET $UNSET /usr/bin/ostree ostree /etc/merged/f$i.conf
        done
        gen_write 1201 1200 $UNSET $UNSET /usr/bin/ostree ostree /etc/sudoers.d/merged
        gen_write 1201 1200 $UNSET $UNSET /usr/bin/ostree ostree /etc/merged/f1.conf
        gen_later 400
        gen_exec 1700 1 $UNSET $UNSET "(none)" /usr/libexec/agent agent agent
        gen_write 1200 1700 $UNSET $UNSET /usr/bin/python3 python3 /etc/sudoers.d/evil
} >"$here/audit-upgrade/input.log"

# --- bulk: a configuration run in one session folds; another session's few
# writes are held and reported as they were when its window ends, by more than
# one process of the tree, one after a malformed line.
fresh
{
        gen_exec 1001 1 1000 5 pts0 /usr/bin/bash bash -bash
        for i in $(seq 1 10); do
                gen_write 1301 1001 1000 5 /usr/bin/python3.11 python3 /etc/app/f$i.conf
        done
        gen_exec 1400 1 1000 6 pts1 /usr/bin/bash bash -bash
        gen_write 1401 1400 1000 6 /usr/bin/vi vi /etc/chrony.conf
        echo "this line is not an audit record"
        gen_write 1402 1400 1000 6 /usr/bin/vi vi /etc/hosts
        gen_write 1403 1400 1000 6 /usr/bin/sed sed /etc/hosts
        echo "type=PROCTITLE msg=audit($AUDIT_TIME.200:$AUDIT_SERIAL): proctitle=$(hex sed)00$(hex -i)00$(hex s/a/b/)"
        gen_later 120
        gen_write 1404 1400 1000 6 /usr/bin/vi vi /etc/motd
} >"$here/audit-bulk/input.log"

# --- health: a keyed syscall without PATH records, lost events, a sequence
# gap, and 120 s of silence.
fresh
{
        gen_write 2001 1 1000 7 /usr/bin/python3 python3 /etc/cm/a.conf
        echo 'type=SYSCALL msg=audit(1700000100.000:500): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=3000 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="sh" exe="/usr/bin/dash" key="priv_esc_persist"'
        echo 'type=DAEMON_ROTATE msg=audit(1700000101.000:501): op=rotate-logs auid=0 pid=1 subj=unconfined res=1 lost=7'
        echo 'type=SYSCALL msg=audit(1700000102.000:900): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=3001 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="cat" exe="/usr/bin/cat" key=(null)'
        echo 'type=SYSCALL msg=audit(1700000222.000:901): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=3002 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="cat" exe="/usr/bin/cat" key=(null)'
} >"$here/audit-health/input.log"
