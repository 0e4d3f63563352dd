# driftwatch posture, PAM: fixture roots built from this machine's own
# /etc/pam.d (Debian's files: the clean twin gives no PAM alert) with one
# change planted in each; Linux-PAM itself as the oracle where a verdict can
# be run (libpam's pam_start_confdir on the fixture's pam.d and
# pam_authenticate of a user that does not exist, without a password:
# it succeeds exactly where DW-POS-PAM-PERMIT says it can); hostile input
# (include loops and depth, binary garbage, a 50 MB file, a symlink out of
# the root, lines libpam refuses); and this machine's real /.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/posture-lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
[ -d /etc/pam.d ] && [ -f /etc/pam.d/common-auth ] || skip "no Debian /etc/pam.d on this machine to build fixtures from"

# pam_alerts: "RULE SEVERITY PATH:LINE" of each PAM alert of the last run, sorted.
pam_alerts() {
        jq -r 'select(.event.kind == "alert" and .driftwatch.posture.check == "pam") |
                "\(.rule.id) \(.driftwatch.severity) \(.file.path // "-"):\(.driftwatch.posture.source.line // 0)"' \
                "$T/out" | LC_ALL=C sort
}

# expect ROOT <<EOF ... EOF: the PAM alerts for ROOT are exactly stdin.
expect() {
        posture "$1"
        if ! diff -u <(LC_ALL=C sort) <(pam_alerts); then
                jq -c 'select(.driftwatch.posture.check == "pam" and .event.kind == "alert")' "$T/out"
                fail "PAM alerts for $1 differ (- expected, + got)"
        fi
}

# The system module directories that exist here, with the modules in them.
moddirs=()
for d in /lib/x86_64-linux-gnu/security /usr/lib/x86_64-linux-gnu/security /lib/security /usr/lib64/security \
         /usr/lib/security; do
        [ -d "$d" ] && [ ! -L "$d" ] && [ "$(readlink -f "$d")" = "$d" ] && moddirs+=("$d")
done
[ "${#moddirs[@]}" -gt 0 ] || skip "no PAM module directory on this machine"

# clean ROOT: this machine's pam.d (and vendor pam.d), and its module
# directories with an empty file for each module.
clean() {
        local d
        mkdir -p "$1/etc"
        cp -a /etc/pam.d "$1/etc/pam.d"
        if [ -d /usr/lib/pam.d ]; then
                mkdir -p "$1/usr/lib"
                cp -a /usr/lib/pam.d "$1/usr/lib/pam.d"
        fi
        for d in "${moddirs[@]}"; do
                mkdir -p "$1$d"
                (cd "$d" && find . -maxdepth 1 -name '*.so' -printf '%f\0') | (cd "$1$d" && xargs -0 -r touch)
        done
}
# module NAME: its file in the first module directory of a fixture root.
mod=${moddirs[0]}

# line FILE N: the number of the first line of FILE matching the regex N.
line() {
        grep -n -m1 -E "$2" "$1" | cut -d: -f1
}

ok=$T/ok
clean "$ok"
expect "$ok" </dev/null
jq -s -e '[.[] | select(.rule.id == "DW-POS-PAM-STACK" and .driftwatch.posture.setting == "sshd")] | length == 1 and
        (.[0].driftwatch.posture.value | test("pam_unix.so \\(/etc/pam.d/common-auth:[0-9]+\\)"))' "$T/out" >/dev/null ||
        fail "no auth stack for sshd naming common-auth's pam_unix line"
jq -s -e '[.[] | select(.driftwatch.posture.setting == "image-mode" and .driftwatch.posture.check == "pam")] |
        length == 1' "$T/out" >/dev/null || fail "a non-image-mode root is not said once"

# Modules by absolute path: outside the module directories (high), inside (medium).
r=$T/module; clean "$r"
printf 'auth required /tmp/pam_evil.so\naccount required %s/pam_unix.so\nsession optional ../../../tmp/x.so\n' "$mod" \
        >>"$r/etc/pam.d/sshd"
n=$(wc -l <"$r/etc/pam.d/sshd")
expect "$r" <<EOF
DW-POS-PAM-MODULE high /etc/pam.d/sshd:$((n - 2))
DW-POS-PAM-MODULE medium /etc/pam.d/sshd:$((n - 1))
DW-POS-PAM-MODULE high /etc/pam.d/sshd:$n
EOF

# pam_exec, naming the program; critical from a writable place. Once, though
# every service includes common-session.
r=$T/exec; clean "$r"
printf 'session optional pam_exec.so quiet seteuid /tmp/.x.sh\n' >>"$r/etc/pam.d/common-session"
printf 'auth optional pam_exec.so expose_authtok log=/var/log/x /usr/local/sbin/keep-pass\n' >>"$r/etc/pam.d/login"
expect "$r" <<EOF
DW-POS-PAM-EXEC critical /etc/pam.d/common-session:$(wc -l <"$r/etc/pam.d/common-session")
DW-POS-PAM-EXEC high /etc/pam.d/login:$(wc -l <"$r/etc/pam.d/login")
EOF
jq -s -e '[.[] | select(.rule.id == "DW-POS-PAM-EXEC") | .driftwatch.posture.value] | sort ==
        ["/tmp/.x.sh", "/usr/local/sbin/keep-pass"]' "$T/out" >/dev/null || fail "pam_exec's programs not named"

# pam_permit: sufficient at the top of common-auth; alone in a service of its own.
p=$T/permit; clean "$p"
sed -i '0,/^auth/s//auth\tsufficient\tpam_permit.so\nauth/' "$p/etc/pam.d/common-auth"
printf 'auth required pam_permit.so\naccount required pam_permit.so\n' >"$p/etc/pam.d/backdoor"
expect "$p" <<EOF
DW-POS-PAM-PERMIT critical /etc/pam.d/backdoor:1
DW-POS-PAM-PERMIT critical /etc/pam.d/common-auth:$(line "$p/etc/pam.d/common-auth" 'pam_permit')
EOF

# Linux-PAM as the oracle: authentication of a user that does not exist,
# without a password, succeeds where pam_permit lets it and fails on the
# clean twin. libpam 1.5.2's pam_start_confdir() still looks for included
# files in /etc/pam.d, so the fixture's pam.d is bind-mounted on /etc/pam.d
# in a private mount namespace of the oracle alone (the host's is untouched).
# pam_oracle DIR SERVICE...: "SERVICE success|failure" lines on stdout.
pam_oracle() {
        local dir=$1
        shift
        PAM_DIR=$dir unshare --mount --propagation private -- /bin/sh -c \
                'mount --bind "$PAM_DIR" /etc/pam.d && exec python3 "$@"' sh "$T/pam-oracle.py" "$user" "$@"
}
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed: no private mount for the PAM oracle"
if python3 -c 'import ctypes.util, sys; sys.exit(0 if ctypes.util.find_library("pam") else 1)' 2>/dev/null; then
        cat >"$T/pam-oracle.py" <<'EOF'
# pam-oracle.py USER SERVICE...: "SERVICE success|failure" from libpam.
import ctypes, ctypes.util, sys
pam = ctypes.CDLL(ctypes.util.find_library("pam"))
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.calloc.restype = ctypes.c_void_p
libc.strdup.restype = ctypes.c_void_p
libc.strdup.argtypes = [ctypes.c_char_p]
class Resp(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]
CONV = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p)
class Conv(ctypes.Structure):
    _fields_ = [("conv", CONV), ("appdata_ptr", ctypes.c_void_p)]
def answer(n, msgs, resp, data):
    arr = libc.calloc(n, ctypes.sizeof(Resp))
    rs = ctypes.cast(arr, ctypes.POINTER(Resp))
    for i in range(n):
        rs[i].resp = libc.strdup(b"")       # an empty password to every prompt
    resp[0] = arr
    return 0
conv = Conv(CONV(answer), None)
for service in sys.argv[2:]:
    h = ctypes.c_void_p()
    r = pam.pam_start(service.encode(), sys.argv[1].encode(), ctypes.byref(conv), ctypes.byref(h))
    if r != 0:
        print(service, "cannot-start"); continue
    r = pam.pam_authenticate(h, 0x8000)     # PAM_SILENT
    pam.pam_end(h, r)
    print(service, "success" if r == 0 else "failure")
EOF
        user=dw-no-such-user-$$
        ! getent passwd "$user" >/dev/null || fail "user $user exists"
        pam_oracle "$p/etc/pam.d" sshd backdoor >"$T/oracle"
        printf 'sshd success\nbackdoor success\n' | diff -u - "$T/oracle" || fail "libpam disagrees on the permit fixture"
        pam_oracle "$ok/etc/pam.d" sshd login >"$T/oracle"
        printf 'sshd failure\nlogin failure\n' | diff -u - "$T/oracle" || fail "libpam disagrees on the clean twin"
        echo "libpam agrees: pam_permit lets a missing user in on the permit fixture, not on the clean twin"
else
        skip "libpam (libpam0g) not found by python3's ctypes: no Linux-PAM oracle"
fi

# sufficient / success=done / a success jump over pam_unix (success=2 skips
# the next two, the second of which is common-auth's pam_unix), with modules
# that do not authenticate anyone (they exist, so nothing is missing); a
# success=ok one goes on to pam_unix.
r=$T/sufficient; clean "$r"
touch "$r$mod/pam_helper.so" "$r$mod/pam_done.so" "$r$mod/pam_jump.so"
sed -i '0,/^@include common-auth/s//auth sufficient pam_helper.so\nauth [success=done default=ignore] pam_done.so\nauth [success=2 default=ignore] pam_jump.so\nauth [success=ok default=ignore] pam_jump.so\n@include common-auth/' \
        "$r/etc/pam.d/sshd"
s=$(line "$r/etc/pam.d/sshd" 'pam_helper')
expect "$r" <<EOF
DW-POS-PAM-SUFFICIENT high /etc/pam.d/sshd:$s
DW-POS-PAM-SUFFICIENT high /etc/pam.d/sshd:$((s + 1))
DW-POS-PAM-SUFFICIENT high /etc/pam.d/sshd:$((s + 2))
EOF

# A module that is not there; a silent (-type) one is no finding.
r=$T/missing; clean "$r"
printf 'session required pam_nothere.so\n-session optional pam_nothere_either.so\n' >>"$r/etc/pam.d/common-session"
expect "$r" <<EOF
DW-POS-PAM-MISSING medium /etc/pam.d/common-session:$(($(wc -l <"$r/etc/pam.d/common-session") - 1))
EOF

# /etc/pam.d/SERVICE wins over the vendor directory; a service only there is read.
r=$T/vendor; clean "$r"
mkdir -p "$r/usr/lib/pam.d"
printf 'auth sufficient pam_permit.so\n' >"$r/usr/lib/pam.d/login"
printf 'auth sufficient pam_permit.so\n' >"$r/usr/lib/pam.d/vendoronly"
expect "$r" <<'EOF'
DW-POS-PAM-PERMIT critical /usr/lib/pam.d/vendoronly:1
EOF

# Legacy /etc/pam.conf: read only without /etc/pam.d.
r=$T/pamconf; mkdir -p "$r/etc"
printf 'login auth sufficient pam_permit.so\nlogin auth required pam_unix.so\nother auth required pam_deny.so\n' \
        >"$r/etc/pam.conf"
expect "$r" <<'EOF'
DW-POS-PAM-PERMIT critical /etc/pam.conf:1
EOF
cp "$r/etc/pam.conf" "$ok/etc/pam.conf"
expect "$ok" </dev/null
rm -f "${ok:?}/etc/pam.conf"

# Image-mode: a pam.d file the image's /usr/etc/pam.d does not have.
img=$T/image; clean "$img"
mkdir -p "$img/usr/etc" "$img/usr/lib/bootc"
cp -a "$img/etc/pam.d" "$img/usr/etc/pam.d"
expect "$img" </dev/null
printf 'auth required pam_unix.so\n' >"$img/etc/pam.d/zz-added"
expect "$img" <<'EOF'
DW-POS-PAM-ADDED high /etc/pam.d/zz-added:0
EOF

# --- Hostile input.
h=$T/hostile; clean "$h"
head -c 4096 /dev/urandom >"$h/etc/pam.d/garbage"
truncate -s 50M "$h/etc/pam.d/huge"
ln -s /etc/shadow "$h/etc/pam.d/escape"
printf 'auth include loop-b\n' >"$h/etc/pam.d/loop-a"
printf 'auth include loop-a\n' >"$h/etc/pam.d/loop-b"
printf 'auth include /etc/pam.d/loop-self\n' >"$h/etc/pam.d/loop-self"
printf 'auth bogus pam_unix.so\n' >"$h/etc/pam.d/bad-control"
printf 'authx required pam_unix.so\n' >"$h/etc/pam.d/bad-type"
printf 'auth [success=ok bogus=1] pam_unix.so\n' >"$h/etc/pam.d/bad-bracket"
printf 'auth include nothere\n' >"$h/etc/pam.d/missing-include"
# Service deep (depth 1) includes /etc/pam-deep/0, which includes 1 ...: the 16th file down is /etc/pam-deep/14.
mkdir -p "$h/etc/pam-deep"
printf 'auth include /etc/pam-deep/0\n' >"$h/etc/pam.d/deep"
for i in $(seq 0 20); do
        printf 'auth include /etc/pam-deep/%d\n' $((i + 1)) >"$h/etc/pam-deep/$i"
done
expect "$h" <<'EOF'
DW-POS-CONFIG-INVALID medium /etc/pam.d/bad-bracket:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/bad-control:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/bad-type:0
DW-POS-CONFIG-INVALID medium /etc/pam-deep/14:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/escape:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/garbage:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/huge:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/loop-a:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/loop-b:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/loop-self:0
DW-POS-CONFIG-INVALID medium /etc/pam.d/missing-include:0
EOF

# --- This machine's real /: no error, its stacks read.
posture_of_slash
jq -s -e '[.[] | select(.rule.id == "DW-POS-PAM-STACK" and .driftwatch.posture.setting == "sshd")] | length == 1' \
        "$T/out" >/dev/null || fail "the real sshd stack was not read"
exit 0
