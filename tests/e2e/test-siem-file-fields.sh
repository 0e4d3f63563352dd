# ECS file.* beyond file.path on the findings that are not file integrity's
# (docs/output.md): an audit write takes inode, mode, uid, gid and type from
# the PATH record that names its path (a created or existing name, never the
# parent's record, not a removed name), owner and group only when the passwd
# and group of the log's host are known (--passwd, --group); a chmod's record
# has the mode before it, so that one has inode and type only. A container
# drift finding takes them from the upper layer's entry: type, mode, uid, gid,
# size, mtime, a symlink's target; a deleted path has its path only.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"
export TZ=UTC

# expect_files WHAT: the file.* of each finding of $T/out (the summary dropped)
# by path, against $want.
expect_files() {
        local got
        drop_summary "$T/out"
        got=$(jq -sc 'map(select(.file.path) | {key: .file.path, value: .file}) | from_entries' "$T/out")
        [ "$got" = "$want" ] || fail "$1 file.*:
 got $got
want $want"
}

# ---- audit ----
# rec SERIAL SYSCALL PATH NAMETYPE [INODE MODE OUID OGID]: one write by pid 2000+SERIAL.
rec() {
        local m="msg=audit($((1700000000 + $1)).200:$1):"
        echo "type=SYSCALL $m arch=c000003e syscall=$2 success=yes exit=0 a0=ffffff9c a1=55e0 a2=241 a3=1b6 items=2 ppid=1 pid=$((2000 + $1)) auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm=\"x\" exe=\"/usr/bin/x\" key=\"dw-test\""
        echo "type=PATH $m item=0 name=\"${3%/*}/\" inode=2 dev=fd:00 mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT"
        echo "type=PATH $m item=1 name=\"$3\" inode=${5:-77} dev=fd:00 mode=${6:-0100440} ouid=${7:-1000} ogid=${8:-10} rdev=00:00 nametype=$4"
}
{
        rec 10 257 /etc/sudoers.d/created CREATE
        rec 20 2 /etc/cron.d/existing NORMAL 78 0104755 0 0       # open(O_WRONLY) of a file that is there
        rec 30 90 /etc/sudoers.d/chmodded NORMAL 79 0100777       # chmod: the mode before it
        rec 40 87 /etc/sudoers.d/removed DELETE 80                # unlink
        rec 50 257 /etc/cron.d/odd CREATE 81 0100644 4294967295 4294967295
} >"$T/a.log"
printf 'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' >"$T/passwd"
printf 'root:x:0:\nwheel:x:10:alice\n' >"$T/group"

run 1 "$DW" audit --format json --passwd "$T/passwd" --group "$T/group" "$T/a.log"
want='{"/etc/sudoers.d/created":{"path":"/etc/sudoers.d/created","type":"file","mode":"0440","uid":"1000","gid":"10","owner":"alice","group":"wheel","inode":"77"},'
want+='"/etc/cron.d/existing":{"path":"/etc/cron.d/existing","type":"file","mode":"4755","uid":"0","gid":"0","owner":"root","group":"root","inode":"78"},'
want+='"/etc/sudoers.d/chmodded":{"path":"/etc/sudoers.d/chmodded","type":"file","inode":"79"},'
want+='"/etc/sudoers.d/removed":{"path":"/etc/sudoers.d/removed"},'
want+='"/etc/cron.d/odd":{"path":"/etc/cron.d/odd","type":"file","inode":"81"}}'
expect_files audit

# A log from elsewhere without --passwd and --group: the ids, no names.
run 1 "$DW" audit --format json "$T/a.log"
drop_summary "$T/out"
jq -se 'map(select(.file.path == "/etc/sudoers.d/created"))[0].file | .uid == "1000" and .gid == "10"
        and (has("owner") | not) and (has("group") | not)' "$T/out" >/dev/null ||
        { cat "$T/out"; fail "owner or group named without the host's passwd and group"; }
# A --group that cannot be read: one line naming it, exit 2.
run 2 "$DW" audit --group "$T/missing" "$T/a.log"
expect_one_error_line "cannot read group '$T/missing'"

# ---- container diff ----
C=$T/storage
containers_storage "$C" web localhost/web:1
printf 'hello\n' >"$CS_LOWER/etc/motd"
printf 'root:x:0:0::/root:/bin/sh\n' >"$CS_LOWER/etc/passwd"
printf 'hacked!\n' >"$CS_UPPER/etc/motd"
chmod 0600 "$CS_UPPER/etc/motd"
printf 'x\n' >"$CS_UPPER/etc/added"
chmod 0750 "$CS_UPPER/etc/added"
chown 12:34 "$CS_UPPER/etc/added"
ln -s /tmp/evil "$CS_UPPER/etc/link"
mknod "$CS_UPPER/etc/passwd" c 0 0
find "$C" -exec touch -h -d @1700000000.5 {} +
run 1 "$DW" container diff --storage-root "$C" --format json web
want='{"/etc/added":{"path":"/etc/added","type":"file","mode":"0750","uid":"12","gid":"34","size":2,"mtime":"2023-11-14T22:13:20.500Z"},'
want+='"/etc/link":{"path":"/etc/link","type":"symlink","mode":"0777","uid":"0","gid":"0","mtime":"2023-11-14T22:13:20.500Z","target_path":"/tmp/evil"},'
want+='"/etc/motd":{"path":"/etc/motd","type":"file","mode":"0600","uid":"0","gid":"0","size":8,"mtime":"2023-11-14T22:13:20.500Z"},'
want+='"/etc/passwd":{"path":"/etc/passwd"}}'
expect_files "container diff"

echo PASS
