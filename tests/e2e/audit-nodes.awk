# An aggregated audit log (node= prefixes) in which every node writes to
# /etc/sudoers.d at once: for each round, the SYSCALL records of all nodes, then
# their CWD records, then each PATH item and the PROCTITLE of all nodes, so
# that NODES events are in flight together and each event's records lie NODES
# lines apart. Each node numbers its own serials.
#   awk -v nodes=N -v rounds=R -f audit-nodes.awk >LOG
# Prints NODES x ROUNDS write events: /etc/sudoers.d/nNODE-rROUND.
BEGIN {
        for (r = 1; r <= rounds; r++) {
                t = 1700000000 + r
                for (n = 1; n <= nodes; n++) {
                        m[n] = sprintf("node=host-%04d type=%%s msg=audit(%d.%03d:%d): ", n, t, n % 1000, 1000 + r)
                        printf m[n] "arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55e0 a2=241 a3=1b6 items=2 ppid=900 pid=%d auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=7 comm=\"tee\" exe=\"/usr/bin/tee\" key=\"persistence\"\n", "SYSCALL", 1000 + r
                }
                for (n = 1; n <= nodes; n++)
                        printf m[n] "cwd=\"/root\"\n", "CWD"
                for (n = 1; n <= nodes; n++)
                        printf m[n] "item=0 name=\"/etc/sudoers.d/\" inode=2 dev=fd:00 mode=040750 ouid=0 ogid=0 rdev=00:00 nametype=PARENT\n", "PATH"
                for (n = 1; n <= nodes; n++)
                        printf m[n] "item=1 name=\"/etc/sudoers.d/n%d-r%d\" inode=3 dev=fd:00 mode=0100440 ouid=0 ogid=0 rdev=00:00 nametype=CREATE\n", "PATH", n, r
                for (n = 1; n <= nodes; n++)
                        printf m[n] "proctitle=746565002F6574632F7375646F6572732E642F78\n", "PROCTITLE"
        }
}
