#!/usr/bin/python3
"""Feeds the agent's --audit-stdin at a steady rate (bench/agent.sh).

  audit-feed.py RATE SECONDS EVERY [FIRST]
      Writes RATE audit events a second for SECONDS seconds on standard output,
      in ticks of 10 ms, paced by the clock (a tick late is caught up, never
      skipped): each event a file write in the kernel's record shapes (SYSCALL,
      CWD, two PATH), timed now; every EVERY-th event writes to /usr/local/bin
      (a finding), the others to /var/tmp (none). An sshd and a login shell
      start first, for the ancestry. RATE 0: the stream stays open and quiet.
      Serials start at FIRST (default 1000). Prints on stderr how many events
      it wrote and how many were findings.
"""
import sys
import time

rate, seconds, every = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
serial = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
out = sys.stdout.buffer


def stamp():
    global serial
    serial += 1
    t = time.time()
    return b"msg=audit(%d.%03d:%d):" % (int(t), int(t * 1000) % 1000, serial)


def execve(pid, ppid, auid, ses, tty, exe, comm, args):
    m = stamp()
    argv = b" ".join(b'a%d="%s"' % (i, a) for i, a in enumerate(args))
    return (b'type=SYSCALL %s arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 a2=55d2 a3=0 items=1 '
            b'ppid=%d pid=%d auid=%s uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=%s ses=%s '
            b'comm="%s" exe="%s" key="dw-exec"\n' % (m, ppid, pid, auid, tty, ses, comm, exe)
            + b"type=EXECVE %s argc=%d %s\n" % (m, len(args), argv)
            + b'type=CWD %s cwd="/root"\n' % m
            + b'type=PATH %s item=0 name="%s" inode=1 dev=fd:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 '
              b'nametype=NORMAL\n' % (m, exe))


def write(path):
    m = stamp()
    parent = path.rsplit(b"/", 1)[0] + b"/"
    return (b'type=SYSCALL %s arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55e0 a2=241 a3=1b6 '
            b'items=2 ppid=1001 pid=1002 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 '
            b'tty=(none) ses=3 comm="cp" exe="/usr/bin/cp" key="dw-test"\n' % m
            + b'type=CWD %s cwd="/"\n' % m
            + b'type=PATH %s item=0 name="%s" inode=2 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 '
              b'nametype=PARENT\n' % (m, parent)
            + b'type=PATH %s item=1 name="%s" inode=3 dev=fd:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 '
              b'nametype=CREATE\n' % (m, path))


try:
    out.write(execve(1000, 1, b"4294967295", b"4294967295", b"(none)", b"/usr/sbin/sshd", b"sshd",
                     [b"/usr/sbin/sshd", b"-D"]))
    out.write(execve(1001, 1000, b"1000", b"3", b"pts0", b"/usr/bin/bash", b"bash", [b"-bash"]))
    out.flush()
    start = time.monotonic()
    n = findings = 0
    while True:
        now = time.monotonic() - start
        if now >= seconds:
            break
        due = int(now * rate)
        if due > n:
            chunk = []
            for k in range(n + 1, due + 1):
                if k % every == 0:
                    findings += 1
                    chunk.append(write(b"/usr/local/bin/tool%d" % k))
                else:
                    chunk.append(write(b"/var/tmp/scratch%d" % k))
            n = due
            out.write(b"".join(chunk))
            out.flush()
        time.sleep(0.01)
except BrokenPipeError:
    pass
sys.stderr.write("audit-feed: %d events, %d findings in %.0f s\n" % (n, findings, seconds))
