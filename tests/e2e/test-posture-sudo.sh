# driftwatch posture, sudoers: fixture roots built here, each with one bad
# setting planted beside a clean twin that gives no sudoers alert; visudo -c -f
# (sudo's own parser) as the syntax oracle on every fixture file; hostile
# input (100,000 files in sudoers.d, include loops and depth, binary garbage,
# a 50 MB file, a symlink out of the root); and this machine's real /.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posture-lib.sh"

command -v visudo >/dev/null || skip "visudo (package sudo) is not installed: no syntax oracle"
command -v jq >/dev/null || skip "jq is not installed"

# sudo_alerts: "RULE SEVERITY PATH" of each sudoers alert of the last run, sorted.
sudo_alerts() {
        jq -r 'select(.event.kind == "alert" and .driftwatch.posture.check == "sudoers") |
                "\(.rule.id) \(.driftwatch.severity) \(.file.path // "-")"' "$T/out" | LC_ALL=C sort
}

# expect ROOT <<EOF ... EOF: the sudoers alerts for ROOT are exactly stdin.
expect() {
        posture "$1"
        if ! diff -u <(LC_ALL=C sort) <(sudo_alerts); then
                cat "$T/out"
                fail "sudoers alerts for $1 differ (- expected, + got)"
        fi
}

# clean ROOT: Debian's sudoers (this machine's, when it has one) and a narrow drop-in.
clean() {
        mkdir -p "$1/etc/sudoers.d"
        if [ -f /etc/sudoers ]; then
                cp /etc/sudoers "$1/etc/sudoers"
        else
                printf 'Defaults env_reset\nDefaults use_pty\nroot ALL=(ALL:ALL) ALL\n%%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n' \
                        >"$1/etc/sudoers"
        fi
        grep -q '^[@#]includedir /etc/sudoers.d' "$1/etc/sudoers" || echo '@includedir /etc/sudoers.d' >>"$1/etc/sudoers"
        cat >"$1/etc/sudoers.d/10-ops" <<'EOF'
# The operators restart the web server and read its logs.
Cmnd_Alias WEB = /usr/bin/systemctl restart nginx, \
                 /usr/bin/journalctl -u nginx
User_Alias OPS = alice, bob
OPS ALL = (root) WEB
Defaults:OPS !lecture
EOF
        chmod 0440 "$1/etc/sudoers" "$1/etc/sudoers.d/10-ops"
}

# plant ROOT NAME TEXT: a drop-in (mode 0440, root's) in ROOT's sudoers.d.
plant() {
        printf '%s\n' "$3" >"$1/etc/sudoers.d/$2"
        chmod 0440 "$1/etc/sudoers.d/$2"
}

ok=$T/ok
clean "$ok"
expect "$ok" </dev/null
jq -s -e '[.[] | select(.rule.id == "DW-POS-SUDO-RULE" and .file.path == "/etc/sudoers.d/10-ops")] |
        length == 1 and .[0].driftwatch.posture.source.line == 5 and
        (.[0].driftwatch.posture.value | test("ALL=\\(root\\) WEB"))' "$T/out" >/dev/null ||
        fail "no state record of the ops rule with its line"
jq -s -e '[.[] | select(.rule.id == "DW-POS-SUDO-FILE" and .file.path == "/etc/sudoers.d/10-ops")] | length == 1' \
        "$T/out" >/dev/null || fail "no state record of the drop-in"
jq -s -e '[.[] | select(.rule.id == "DW-POS-SUDO-FILE" and .driftwatch.posture.setting == "image-mode")] | length == 1' \
        "$T/out" >/dev/null || fail "a non-image-mode root is not said once"

# NOPASSWD ALL to a user: critical, and a root grant.
r=$T/nopasswd-all; clean "$r"
plant "$r" zzz_local 'bob ALL=(ALL) NOPASSWD: ALL'
expect "$r" <<'EOF'
DW-POS-SUDO-GRANT high /etc/sudoers.d/zzz_local
DW-POS-SUDO-NOPASSWD critical /etc/sudoers.d/zzz_local
EOF
# NOPASSWD for one command, carried to the next command of the list as sudo does; PASSWD: ends it.
r=$T/nopasswd-cmd; clean "$r"
plant "$r" ops '%ops ALL = (root) NOPASSWD: /usr/bin/systemctl, /usr/bin/journalctl'
plant "$r" ops2 '%ops2 ALL = (root) PASSWD: /usr/bin/systemctl, /usr/bin/journalctl'
expect "$r" <<'EOF'
DW-POS-SUDO-NOPASSWD high /etc/sudoers.d/ops
EOF
jq -s -e '[.[] | select(.rule.id == "DW-POS-SUDO-NOPASSWD")][0].driftwatch.posture.value ==
        "/usr/bin/systemctl; /usr/bin/journalctl"' "$T/out" >/dev/null || fail "NOPASSWD not carried to the next command"
# Defaults !authenticate for everyone.
r=$T/noauth; clean "$r"
plant "$r" zz 'Defaults !authenticate'
expect "$r" <<'EOF'
DW-POS-SUDO-NOPASSWD critical /etc/sudoers.d/zz
EOF
# ALL through aliases, runas left out (root): a grant; to %wheel it is not.
r=$T/alias; clean "$r"
plant "$r" 50-ops 'User_Alias TEAM = carol, %wheel
Cmnd_Alias EVERYTHING = ALL
Host_Alias HOSTS = web1, web2
TEAM HOSTS = EVERYTHING'
expect "$r" <<'EOF'
DW-POS-SUDO-GRANT high /etc/sudoers.d/50-ops
EOF
jq -s -e '[.[] | select(.rule.id == "DW-POS-SUDO-GRANT")][0].driftwatch.posture.setting == "carol"' "$T/out" \
        >/dev/null || fail "the grant does not name carol alone"
r=$T/alias-ok; clean "$r"
plant "$r" 50-ops '%wheel ALL=(ALL:ALL) ALL
%admin ALL=(ALL) ALL
dave ALL=(ALL) !ALL'
expect "$r" </dev/null
# Defaults that turn logging and protections off.
r=$T/defaults; clean "$r"
plant "$r" 90-defaults 'Defaults !syslog, !use_pty
Defaults:bob env_keep += "LD_PRELOAD HOME"
Defaults secure_path="/tmp/bin:/usr/bin"
Defaults !env_reset'
expect "$r" <<'EOF'
DW-POS-SUDO-DEFAULTS medium /etc/sudoers.d/90-defaults
DW-POS-SUDO-DEFAULTS medium /etc/sudoers.d/90-defaults
DW-POS-SUDO-DEFAULTS medium /etc/sudoers.d/90-defaults
DW-POS-SUDO-DEFAULTS medium /etc/sudoers.d/90-defaults
DW-POS-SUDO-DEFAULTS medium /etc/sudoers.d/90-defaults
EOF
# secure_path with a world-writable directory inside the root.
r=$T/secure-path; clean "$r"
mkdir -p "$r/opt/bin" && chmod 0777 "$r/opt/bin"
plant "$r" 90-path 'Defaults secure_path=/opt/bin:/usr/bin'
expect "$r" <<'EOF'
DW-POS-SUDO-DEFAULTS medium /etc/sudoers.d/90-path
EOF
# Commands in writable places, directly and through a Cmnd_Alias.
r=$T/writable; clean "$r"
plant "$r" 60-tmp 'Cmnd_Alias TOOLS = /home/bob/bin/tool, /usr/bin/id
bob ALL = (root) /tmp/x.sh, TOOLS, sudoedit /tmp/notes'
expect "$r" <<'EOF'
DW-POS-SUDO-WRITABLE high /etc/sudoers.d/60-tmp
DW-POS-SUDO-WRITABLE high /etc/sudoers.d/60-tmp
EOF
# Files sudo refuses for owner or mode are reported, not read; names with a
# '.' or ending in '~' are skipped by @includedir (not read at all).
r=$T/ignored; clean "$r"
plant "$r" ww 'eve ALL=(ALL) NOPASSWD: ALL'; chmod 0666 "$r/etc/sudoers.d/ww"
plant "$r" owner 'eve ALL=(ALL) NOPASSWD: ALL'; chown 1000 "$r/etc/sudoers.d/owner"
plant "$r" grp 'eve ALL=(ALL) NOPASSWD: ALL'; chown 0:1000 "$r/etc/sudoers.d/grp"; chmod 0460 "$r/etc/sudoers.d/grp"
plant "$r" grp0 '# group 0 may write: sudo accepts it'; chmod 0460 "$r/etc/sudoers.d/grp0"
plant "$r" skip.conf 'eve ALL=(ALL) NOPASSWD: ALL'
plant "$r" skip~ 'eve ALL=(ALL) NOPASSWD: ALL'
expect "$r" <<'EOF'
DW-POS-SUDO-IGNORED medium /etc/sudoers.d/grp
DW-POS-SUDO-IGNORED medium /etc/sudoers.d/owner
DW-POS-SUDO-IGNORED medium /etc/sudoers.d/ww
EOF
# sudo itself agrees that it skips such a file: in a private mount namespace
# of its own (the host's /etc untouched), the fixture's sudoers and sudoers.d
# bind-mounted on /etc's, `sudo -l -U` lists the grant of the file with a
# good mode and not that of the world-writable one.
r=$T/ignored-sudo; clean "$r"
plant "$r" good 'bin ALL = (root) NOPASSWD: /usr/bin/id'
plant "$r" bad 'daemon ALL = (root) NOPASSWD: /usr/bin/id'; chmod 0666 "$r/etc/sudoers.d/bad"
expect "$r" <<'EOF'
DW-POS-SUDO-IGNORED medium /etc/sudoers.d/bad
DW-POS-SUDO-NOPASSWD high /etc/sudoers.d/good
EOF
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed: cannot run sudo on the fixture"
# sudo_lists ROOT USER: what sudo -l lists for USER with ROOT's sudoers.
sudo_lists() {
        SUDO_ROOT=$1 unshare --mount --propagation private -- /bin/sh -c \
                'mount --bind "$SUDO_ROOT/etc/sudoers" /etc/sudoers &&
                 mount --bind "$SUDO_ROOT/etc/sudoers.d" /etc/sudoers.d && exec sudo -n -l -U "$0"' "$2" 2>/dev/null
}
sudo_lists "$r" bin | grep -q 'NOPASSWD: /usr/bin/id' || fail "sudo does not list the good file's grant"
! sudo_lists "$r" daemon | grep -q '/usr/bin/id' || fail "sudo lists the world-writable file's grant"
echo "sudo agrees: the world-writable drop-in is skipped"

# @include relative to the including file's directory; #include too.
r=$T/include; clean "$r"
mkdir -p "$r/etc/sudo-extra"
plant "$r" 20-inc '@include ../sudo-extra/more
#include ../sudo-extra/again'
printf 'frank ALL = NOPASSWD: /usr/bin/id\n' >"$r/etc/sudo-extra/more"
printf 'Defaults !logfile\n' >"$r/etc/sudo-extra/again"
chmod 0440 "$r/etc/sudo-extra/more" "$r/etc/sudo-extra/again"
expect "$r" <<'EOF'
DW-POS-SUDO-DEFAULTS medium /etc/sudo-extra/again
DW-POS-SUDO-NOPASSWD high /etc/sudo-extra/more
EOF

# Image-mode root: a drop-in the image's /usr/etc does not ship; !requiretty
# undoes the image's requiretty. The clean twin ships the same files.
img=$T/image; clean "$img"
mkdir -p "$img/usr/etc/sudoers.d" "$img/usr/lib/bootc"
cp -p "$img/etc/sudoers" "$img/usr/etc/sudoers"
cp -p "$img/etc/sudoers.d/10-ops" "$img/usr/etc/sudoers.d/10-ops"
echo 'Defaults requiretty' >>"$img/usr/etc/sudoers"
echo 'Defaults requiretty' >>"$img/etc/sudoers"
expect "$img" </dev/null
plant "$img" zzz_local 'Defaults !requiretty'
expect "$img" <<'EOF'
DW-POS-SUDO-ADDED high /etc/sudoers.d/zzz_local
DW-POS-SUDO-DEFAULTS medium /etc/sudoers.d/zzz_local
EOF
# !requiretty on a root whose image never had requiretty: nothing to undo.
plant "$ok" zz-tty 'Defaults !requiretty'
expect "$ok" </dev/null
rm -f "${ok:?}/etc/sudoers.d/zz-tty"

# --- The oracle: every fixture file alone, as visudo -c -f and as
# /etc/sudoers of a root of its own, must get the same verdict. The files
# visudo refuses are CONFIG-INVALID here.
bad=$T/syntax; mkdir -p "$bad"
i=0
for text in 'bob ALL=(ALL) NOPASWD: ALL' 'User_Alias admins = bob' 'bob ALL' 'bob ALL = tmp/x' \
            'bob ALL=(ALL ALL' '@include nothere' 'Defaults' 'bob ALL=NOPASSWD ALL' 'bob ALL = "/bin/x"' \
            'bob ALL=ALL \' 'Defaults !syslog=1' 'bob ALL = ALL :' ', ALL = ALL'; do
        i=$((i + 1))
        printf '%s\n' "$text" >"$bad/bad$i"
done
i=0
for text in 'bob ALL = ALL : host2 = NOPASSWD: /bin/x' 'bob ALL = (root) NOPASSWD:SETENV: /bin/x, /bin/y a\, z' \
            '#1000 ALL=ALL' 'bob ALL = (:wheel) ALL' 'bob ALL = ()ALL' 'bob ALL = CWD=/tmp ALL' \
            'bob,alice ALL = /bin/a#comment' '%:grp ALL=ALL' 'Defaults>root !env_reset' 'Defaults!/bin/x noexec' \
            'Defaults@host syslog=auth' 'bob ALL=/bin/a, \
  /bin/b' '@includedir /nothere' 'bob ALL = !ALL, sudoedit /etc/x, list' 'ALL ALL=ALL' 'bob ALL = /bin/ls ""' \
            'Cmnd_Alias SH = /bin/sh, /bin/bash : X = /bin/x' 'bob ALL = ROLE=x TYPE=y ALL' \
            'Defaults env_keep += "A B", !lecture, passwd_tries=3' '# only a comment \'; do
        i=$((i + 1))
        printf '%s\n' "$text" >"$bad/good$i"
done
# The agreement is the release binary's (the same parser runs under the
# sanitizers in the cases above and the fuzz seeds).
visudo_agrees() {
        local DW=$DW_RELEASE f one theirs ours n=0 here=$PWD
        # (as few processes as can be: this runs for every file)
        for f in "$T"/*/etc/sudoers "$T"/*/etc/sudoers.d/* "$T"/*/etc/sudo-extra/* "$bad"/*; do
                case "$f" in *.conf | *~) continue ;; esac
                one=$T/one.$n
                install -D -m 0440 "$f" "$one/etc/sudoers"
                # Both resolve a relative include against the file's own directory: the same neighbours.
                if [ "$f" = "$T/include/etc/sudoers.d/20-inc" ]; then
                        mkdir -p "$one/sudo-extra" && cp -p "$T/include/etc/sudo-extra/"* "$one/sudo-extra/"
                fi
                theirs=accepts
                cd "${f%/*}"
                visudo -c -q -f "$one/etc/sudoers" >/dev/null 2>&1 || theirs=refuses
                cd "$here"
                posture "$one"
                ours=accepts
                grep -Eq '"id":"DW-POS-CONFIG-INVALID".*"file":\{"path":"/etc/sudoers"[,}]' "$T/out" && ours=refuses
                [ "$ours" = "$theirs" ] || { cat "$f"; visudo -c -f "$one/etc/sudoers" || true; cat "$T/out";
                                             fail "visudo $theirs $f, driftwatch $ours"; }
                n=$((n + 1))
        done
        [ "$n" -ge 40 ] || fail "the oracle saw only $n files"
        echo "visudo and driftwatch agree on $n files"
}
visudo_agrees

# --- Hostile input.
h=$T/hostile; clean "$h"
head -c 4096 /dev/urandom >"$h/etc/sudoers.d/garbage"; chmod 0440 "$h/etc/sudoers.d/garbage"
truncate -s 50M "$h/etc/sudoers.d/huge"; chmod 0440 "$h/etc/sudoers.d/huge"
ln -s /etc/shadow "$h/etc/sudoers.d/escape"
plant "$h" loop '@include /etc/sudoers.d/loop'
plant "$h" loop2 '@include /etc/sudoers.d/loop3'
plant "$h" loop3 '@include loop2'
# /etc/sudoers (depth 1), sudoers.d/deep, then /etc/deep/0 ...: /etc/deep/126 is the 129th file down.
mkdir -p "$h/etc/deep"
for i in $(seq 0 140); do
        printf '@include /etc/deep/%d\n' $((i + 1)) >"$h/etc/deep/$i"
done
printf 'deep ALL = NOPASSWD: ALL\n' >"$h/etc/deep/141"
chmod 0440 "$h"/etc/deep/*
plant "$h" deep '@include /etc/deep/0'
expect "$h" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/deep/126
DW-POS-CONFIG-INVALID medium /etc/sudoers.d/escape
DW-POS-CONFIG-INVALID medium /etc/sudoers.d/garbage
DW-POS-CONFIG-INVALID medium /etc/sudoers.d/huge
DW-POS-CONFIG-INVALID medium /etc/sudoers.d/loop
DW-POS-CONFIG-INVALID medium /etc/sudoers.d/loop2
DW-POS-CONFIG-INVALID medium /etc/sudoers.d/loop3
EOF
grep -q 'include loop: the file includes itself' "$T/out" || fail "no include loop named"

many=$T/many; clean "$many"
(cd "$many/etc/sudoers.d" && seq -f 'f%06g' 100000 | xargs touch)
start=$(date +%s)
expect "$many" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/sudoers.d
EOF
[ $(($(date +%s) - start)) -lt 30 ] || fail "100,000 files took more than 30 s"

# --- This machine's real /: no error.
posture_of_slash
if [ -f /etc/sudoers ]; then
        jq -s -e '[.[] | select(.rule.id == "DW-POS-SUDO-FILE" and .file.path == "/etc/sudoers")] | length == 1' \
                "$T/out" >/dev/null || fail "the real /etc/sudoers was not read"
fi
exit 0
