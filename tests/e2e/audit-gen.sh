# Writes raw auditd records for the audit analytics tests: the shapes the
# kernel logs for an execve and for a file write (SYSCALL, EXECVE, CWD, PATH),
# with the fields the analytics read. Sourced; each call prints one event.
AUDIT_SERIAL=${AUDIT_SERIAL:-100}
AUDIT_TIME=${AUDIT_TIME:-1700000000}
UNSET=4294967295

# gen_exec PID PPID AUID SES TTY EXE COMM ARG...: a successful execve.
gen_exec() {
        local pid=$1 ppid=$2 auid=$3 ses=$4 tty=$5 exe=$6 comm=$7 line i=0 a
        shift 7
        AUDIT_SERIAL=$((AUDIT_SERIAL + 1))
        AUDIT_TIME=$((AUDIT_TIME + 1))
        local m="msg=audit($AUDIT_TIME.100:$AUDIT_SERIAL):"
        echo "type=SYSCALL $m arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=1 ppid=$ppid pid=$pid auid=$auid uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=$tty ses=$ses comm=\"$comm\" exe=\"$exe\" key=\"dw-exec\""
        line="type=EXECVE $m argc=$#"
        for a in "$@"; do
                line+=" a$i=\"$a\""
                i=$((i + 1))
        done
        echo "$line"
        echo "type=CWD $m cwd=\"/root\""
        echo "type=PATH $m item=0 name=\"$exe\" inode=1 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL"
}

# gen_write PID PPID AUID SES EXE COMM PATH [SUCCESS] [NAMETYPE]: an
# openat(O_WRONLY|O_CREAT|O_TRUNC) of PATH, 0.1 s after the previous exec.
gen_write() {
        local pid=$1 ppid=$2 auid=$3 ses=$4 exe=$5 comm=$6 path=$7 ok=${8:-yes} nt=${9:-CREATE}
        AUDIT_SERIAL=$((AUDIT_SERIAL + 1))
        local m="msg=audit($AUDIT_TIME.200:$AUDIT_SERIAL):"
        echo "type=SYSCALL $m arch=c000003e syscall=257 success=$ok exit=3 a0=ffffff9c a1=55e0 a2=241 a3=1b6 items=2 ppid=$ppid pid=$pid auid=$auid uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=$ses comm=\"$comm\" exe=\"$exe\" key=\"dw-test\""
        echo "type=CWD $m cwd=\"/\""
        echo "type=PATH $m item=0 name=\"${path%/*}/\" inode=2 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT"
        echo "type=PATH $m item=1 name=\"$path\" inode=3 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=$nt"
}

# gen_later SECONDS: moves the clock on.
gen_later() {
        AUDIT_TIME=$((AUDIT_TIME + $1))
}

# gen_session_writes: an ssh session's shell copying into /etc/sudoers.d, 40
# serials lost, then a write to /etc/cron.d a second later: two file alerts
# with their parent chain and a sequence gap (the text view's tests).
gen_session_writes() {
        gen_exec 1000 1 $UNSET $UNSET '(none)' /usr/sbin/sshd sshd /usr/sbin/sshd -D
        gen_exec 1001 1000 1000 3 pts0 /usr/bin/bash bash -bash
        gen_write 1002 1001 1000 3 /usr/bin/cp cp /etc/sudoers.d/zz
        AUDIT_SERIAL=$((AUDIT_SERIAL + 40))
        gen_later 1
        gen_write 1003 1001 1000 3 /usr/bin/tee tee /etc/cron.d/job
}
