# driftwatch posture, the sshd check, on fixture roots built here: Debian 12's
# sshd_config with its Include of sshd_config.d, a clean twin with no alert
# and one root per alert; Match blocks for root, --ssh-user and
# --ssh-connection; an image-mode root whose /etc weakens its /usr/etc; and
# hostile input. The oracle is sshd itself: on every fixture `sshd -T -C`
# (run in a private mount namespace with the fixture's etc/ssh, passwd and
# group bind-mounted over the namespace's own /etc, never the host's) must
# give the values we report, or refuse the configuration when we do.
source "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || skip "sshd (openssh-server) is not installed: it is this test's oracle"
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed: the oracle runs in a mount namespace"
[ "$(id -u)" = 0 ] || skip "the oracle's mount namespace needs root"
ssh-keygen -q -t ed25519 -N '' -f "$T/hk" </dev/null >/dev/null || fail "cannot make a throwaway host key"

alerts() {
        jq -r 'select(.event.kind == "alert") | "\(.rule.id) \(.file.path // "-"):\(.driftwatch.posture.source.line // 0)"' \
                "$1" | LC_ALL=C sort
}

# expect_alerts ROOT [ARGS...] <<EOF: "RULE FILE:LINE" of each alert (exit 1 when any).
expect_alerts() {
        local root=$1 want="$T/want.$RANDOM" rc
        shift
        LC_ALL=C sort >"$want"
        rc=1
        [ -s "$want" ] || rc=0
        run "$rc" "$DW" posture --root "$root" --image-ref quay.io/example/os:1 --format json "$@"
        expect_valid_jsonl "$T/out"
        # (grep, not jq: this runs for every case; check is the posture object's first key)
        grep -F '"posture":{"check":"sshd"' "$T/out" >"$T/sshd.jsonl" || true
        if ! diff -u "$want" <(alerts "$T/sshd.jsonl"); then
                jq -c 'select(.event.kind == "alert") | .message' "$T/sshd.jsonl"
                fail "sshd alerts for $root ($*) differ (- expected, + got)"
        fi
}

# oracle ROOT USER [SPEC] [ETC]: sshd -T's lowercase "keyword value" lines for the
# connection, with ROOT/ETC/ssh (default etc; usr/etc for the image's own)
# as /etc/ssh. Exit status: sshd's.
oracle() {
        local root=$1 user=$2 spec=${3:-} etc=${4:-etc}
        unshare --mount --propagation private -- /bin/sh -ec '
                root=$1 etc=$2
                mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/sshd
                mount --bind "$root/$etc/ssh" /etc/ssh
                [ ! -f "$root/etc/passwd" ] || mount --bind "$root/etc/passwd" /etc/passwd
                [ ! -f "$root/etc/group" ] || mount --bind "$root/etc/group" /etc/group
                exec "$3" -T -f /etc/ssh/sshd_config -h "$4" -C "$5"' \
                sh "$root" "$etc" "$SSHD" "$T/hk" "user=$user${spec:+,$spec}"
}

judged="PermitRootLogin PasswordAuthentication PermitEmptyPasswords KbdInteractiveAuthentication
PubkeyAuthentication AuthorizedKeysFile AuthorizedKeysCommand AuthorizedKeysCommandUser AuthorizedPrincipalsFile
TrustedUserCAKeys UsePAM PermitUserEnvironment AllowUsers AllowGroups DenyUsers DenyGroups ForceCommand GatewayPorts
AllowTcpForwarding X11Forwarding PermitTunnel LogLevel MaxAuthTries"

# agree ROOT USER [SPEC]: our values (from the last run's $T/sshd.jsonl) for
# USER are sshd -T's, keyword by keyword.
agree() {
        local root=$1 user=$2 spec=${3:-} k lk ours theirs ospec
        # sshd -T refuses a Match LocalPort when lport is not given; we take
        # an unknown port as matching no LocalPort, as lport=22 does here.
        ospec=$spec
        case ",$spec" in *,lport=*) ;; *) ospec=${spec:+$spec,}lport=22 ;; esac
        oracle "$root" "$user" "$ospec" >"$T/oracle" 2>"$T/oracle.err" ||
                { cat "$T/oracle.err"; fail "sshd -T refused $root (user $user), which we took"; }
        # Ours: "keyword<TAB>value" per setting of the user; theirs: sshd -T's
        # lines. sshd -T prints list keywords once per entry, prohibit-password
        # by its old name, LogLevel QUIET as SILENT and DEBUG1 as DEBUG.
        jq -r --arg suf " (user $user)" 'select((.driftwatch.posture.setting // "") | endswith($suf)) |
                "\(.driftwatch.posture.setting | rtrimstr($suf) | ascii_downcase)\t\(.driftwatch.posture.value)"' \
                "$T/sshd.jsonl" >"$T/ours.tsv"
        awk -F '\t' -v judged="$judged" '
                FNR == NR { ours[$1] = $2; seen[$1] = 1; next }
                { k = $0; sub(/ .*/, "", k); v = $0; sub(/^[^ ]+ /, "", v)
                  if (k in theirs) theirs[k] = theirs[k] " " v; else theirs[k] = v }
                END {
                        n = split(judged, J, /[ \n]+/)
                        for (i = 1; i <= n; i++) {
                                k = tolower(J[i]); t = (k in theirs) ? theirs[k] : ""; o = seen[k] ? ours[k] : ""
                                if (t == "without-password") t = "prohibit-password"
                                if (t == "SILENT") t = "QUIET"
                                if (t == "DEBUG") t = "DEBUG1"
                                if (o != t) { printf "%s is \047%s\047, sshd -T says \047%s\047\n", J[i], o, t; exit 1 }
                        }
                }' "$T/ours.tsv" "$T/oracle" >"$T/disagree" ||
                fail "$root, user $user${spec:+ ($spec)}: $(cat "$T/disagree")"
}

# refused ROOT: sshd -T refuses the configuration too.
refused() {
        if oracle "$1" root >/dev/null 2>&1; then fail "sshd -T takes $1, which we refused"; fi
}

# Debian 12's sshd_config (its non-comment lines, at their lines), the host's
# accounts, and a signature policy the other posture checks find no fault with.
debian() {
        local r=$1
        mkdir -p "$r/etc/ssh/sshd_config.d" "$r/etc/containers" "$r/etc/pki"
        cp /etc/passwd /etc/group "$r/etc/"
        echo "-----BEGIN PUBLIC KEY-----" >"$r/etc/pki/example.pub"
        echo '{"default": [{"type": "sigstoreSigned", "keyPath": "/etc/pki/example.pub"}]}' \
                >"$r/etc/containers/policy.json"
        {
                for i in $(seq 1 11); do echo "# comment $i"; done
                echo "Include /etc/ssh/sshd_config.d/*.conf"                    # line 12
                for i in $(seq 13 61); do echo "#"; done
                echo "KbdInteractiveAuthentication no"                          # 62
                for i in $(seq 63 84); do echo "#"; done
                echo "UsePAM yes"                                               # 85
                echo "#"; echo "#"; echo "#"; echo "#"
                echo "X11Forwarding yes"                                        # 90
                echo "PrintMotd no"
                echo "AcceptEnv LANG LC_*"
                echo "Subsystem	sftp	/usr/lib/openssh/sftp-server"
        } >"$r/etc/ssh/sshd_config"
}

# --- A clean root: the hardening drop-in, Match blocks that harden.
ok=$T/ok
debian "$ok"
cat >"$ok/etc/ssh/sshd_config.d/50-hardening.conf" <<'EOF'
PermitRootLogin no
PasswordAuthentication no
# keywords are case-insensitive, '=' separates too
maxauthtries=3
AuthorizedKeysFile .ssh/authorized_keys
Match User nobody
        AllowTcpForwarding no
        X11Forwarding no
EOF
expect_alerts "$ok" --ssh-user nobody </dev/null
agree "$ok" root
agree "$ok" nobody
jq -e -s 'map(select(.driftwatch.posture.setting == "PermitRootLogin (user root)"))[0] |
        .event.kind == "state" and .file.path == "/etc/ssh/sshd_config.d/50-hardening.conf" and
        .driftwatch.posture.source.line == 1' "$T/sshd.jsonl" >/dev/null ||
        fail "the effective PermitRootLogin is not located at 50-hardening.conf line 1"
jq -e -s 'map(select(.driftwatch.posture.setting == "X11Forwarding (user nobody)"))[0] |
        .driftwatch.posture.source.line == 8 and .driftwatch.posture.value == "no"' "$T/sshd.jsonl" >/dev/null ||
        fail "the Match block's X11Forwarding for nobody is not the effective one"
jq -e -s 'map(select(.driftwatch.posture.setting == "LogLevel (user root)"))[0] |
        .driftwatch.posture.value == "INFO" and (.file.path == null) and (.message | test("default"))' \
        "$T/sshd.jsonl" >/dev/null || fail "an unset LogLevel is not reported as its default"

# --- The seed's example: a drop-in sorted first overrides the hardening (first value wins).
first=$T/first
debian "$first"
cp "$ok/etc/ssh/sshd_config.d/50-hardening.conf" "$first/etc/ssh/sshd_config.d/"
printf 'PermitRootLogin yes\nPasswordAuthentication yes\n' >"$first/etc/ssh/sshd_config.d/00-x.conf"
expect_alerts "$first" <<'EOF'
DW-POS-SSH-PASSWORD-ROOT /etc/ssh/sshd_config.d/00-x.conf:2
DW-POS-SSH-ROOT-LOGIN /etc/ssh/sshd_config.d/00-x.conf:1
EOF
agree "$first" root
# A later drop-in changes nothing: the hardening came first.
mv "$first/etc/ssh/sshd_config.d/00-x.conf" "$first/etc/ssh/sshd_config.d/99-x.conf"
expect_alerts "$first" </dev/null
agree "$first" root

# --- Match: evaluated for root, --ssh-user and --ssh-connection, values applied only when it matches.
m=$T/match
debian "$m"
nobody_group=$(id -gn nobody)
cat >"$m/etc/ssh/sshd_config.d/50-match.conf" <<EOF
PermitRootLogin prohibit-password
Match User nobody
        PermitEmptyPasswords yes
Match Group $nobody_group,!root
        LogLevel QUIET
Match Address 10.0.0.0/8,!10.9.0.0/16 User root
        PermitRootLogin yes
Match User r?o*,!nobody LocalPort 2222
        PermitUserEnvironment=yes
        GatewayPorts yes
Match Host *.EXAMPLE.org
        MaxAuthTries 10
Match all
        AllowUsers root nobody
EOF
# PermitUserEnvironment is not allowed inside Match: sshd refuses the file.
expect_alerts "$m" <<'EOF'
DW-POS-CONFIG-INVALID /etc/ssh/sshd_config.d/50-match.conf:0
EOF
grep -q 'not allowed within a Match block' "$T/sshd.jsonl" || fail "the Match-only rule is not named"
refused "$m"
sed -i '/PermitUserEnvironment/d' "$m/etc/ssh/sshd_config.d/50-match.conf"
expect_alerts "$m" </dev/null
agree "$m" root
expect_alerts "$m" --ssh-user nobody <<'EOF'
DW-POS-SSH-EMPTY-PASSWORDS /etc/ssh/sshd_config.d/50-match.conf:3
DW-POS-SSH-LOGLEVEL /etc/ssh/sshd_config.d/50-match.conf:5
EOF
agree "$m" root
agree "$m" nobody
spec=host=a.example.ORG,addr=10.1.2.3,lport=2222
# (PasswordAuthentication is unset: its default, yes, names sshd_config without a line.)
expect_alerts "$m" --ssh-connection "$spec" <<'EOF'
DW-POS-SSH-PASSWORD-ROOT /etc/ssh/sshd_config:0
DW-POS-SSH-ROOT-LOGIN /etc/ssh/sshd_config.d/50-match.conf:7
EOF
agree "$m" root "$spec"
expect_alerts "$m" --ssh-connection addr=10.9.1.1,lport=22 </dev/null
agree "$m" root addr=10.9.1.1,lport=22

# --- Keys from writable places, and from a drop-in.
keys=$T/keys
debian "$keys"
printf 'AuthorizedKeysFile /tmp/keys/%%u .ssh/authorized_keys\n' >"$keys/etc/ssh/sshd_config.d/10-keys.conf"
expect_alerts "$keys" <<'EOF'
DW-POS-SSH-KEYS-DROPIN /etc/ssh/sshd_config.d/10-keys.conf:1
DW-POS-SSH-KEYS-WRITABLE /etc/ssh/sshd_config.d/10-keys.conf:1
EOF
agree "$keys" root
# A keys command and a CA file that someone else owns, set in sshd_config itself.
rm "$keys/etc/ssh/sshd_config.d/10-keys.conf"
mkdir -p "$keys/opt/keys" "$keys/etc/ssh/ca"
printf '#!/bin/sh\n' >"$keys/opt/keys/lookup" && chmod 755 "$keys/opt/keys/lookup"
chown nobody "$keys/opt/keys/lookup"
echo "ssh-ed25519 AAAA" >"$keys/etc/ssh/ca/users.pub" && chmod 666 "$keys/etc/ssh/ca/users.pub"
printf 'AuthorizedKeysCommand /opt/keys/lookup %%u\nAuthorizedKeysCommandUser nobody\nTrustedUserCAKeys /etc/ssh/ca/users.pub\n' \
        >>"$keys/etc/ssh/sshd_config"
expect_alerts "$keys" <<'EOF'
DW-POS-SSH-KEYS-WRITABLE /etc/ssh/sshd_config:94
DW-POS-SSH-KEYS-WRITABLE /etc/ssh/sshd_config:96
EOF
agree "$keys" root
# The clean twin: root's files, not writable by others.
chown root "$keys/opt/keys/lookup" && chmod 644 "$keys/etc/ssh/ca/users.pub"
expect_alerts "$keys" </dev/null
agree "$keys" root

# --- PermitUserEnvironment, LogLevel.
env=$T/env
debian "$env"
printf 'PermitUserEnvironment LD_*,PATH\nLogLevel quiet\n' >"$env/etc/ssh/sshd_config.d/20-env.conf"
expect_alerts "$env" <<'EOF'
DW-POS-SSH-LOGLEVEL /etc/ssh/sshd_config.d/20-env.conf:2
DW-POS-SSH-USER-ENV /etc/ssh/sshd_config.d/20-env.conf:1
EOF
agree "$env" root
printf 'PermitUserEnvironment no\nLogLevel VERBOSE\n' >"$env/etc/ssh/sshd_config.d/20-env.conf"
expect_alerts "$env" </dev/null
agree "$env" root

# --- An image-mode root: the image's /usr/etc/ssh against /etc/ssh.
img=$T/image
debian "$img"
printf 'PermitRootLogin no\nPasswordAuthentication no\nMaxAuthTries 3\nAllowGroups wheel\n' \
        >"$img/etc/ssh/sshd_config.d/40-image.conf"
mkdir -p "$img/usr/etc" "$img/usr/lib/bootc"
cp -a "$img/etc/ssh" "$img/usr/etc/ssh"
expect_alerts "$img" </dev/null
agree "$img" root
# A drop-in sorted first loosens two settings.
printf 'PermitRootLogin prohibit-password\nMaxAuthTries 8\n' >"$img/etc/ssh/sshd_config.d/00-x.conf"
expect_alerts "$img" <<'EOF'
DW-POS-SSH-WEAKENED /etc/ssh/sshd_config.d/00-x.conf:1
DW-POS-SSH-WEAKENED /etc/ssh/sshd_config.d/00-x.conf:2
EOF
agree "$img" root
# The image's drop-in removed from /etc: the four settings fall back to their defaults.
rm "$img/etc/ssh/sshd_config.d/00-x.conf" "$img/etc/ssh/sshd_config.d/40-image.conf"
expect_alerts "$img" <<'EOF'
DW-POS-SSH-WEAKENED /etc/ssh/sshd_config:0
DW-POS-SSH-WEAKENED /etc/ssh/sshd_config:0
DW-POS-SSH-WEAKENED /etc/ssh/sshd_config:0
DW-POS-SSH-WEAKENED /etc/ssh/sshd_config:0
EOF
agree "$img" root
oracle "$img" root "" usr/etc >/dev/null || fail "sshd -T refuses the image's own configuration"

# --- Hostile input: one finding naming the file, no crash, bounded time.
hostile() {
        local name=$1 file=$2 why=$3 start
        start=$(date +%s%N)
        expect_alerts "$h" <<EOF
DW-POS-CONFIG-INVALID $file:0
EOF
        [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || fail "$name took more than 5 s"
        grep -q "$why" "$T/sshd.jsonl" || { cat "$T/sshd.jsonl"; fail "$name: the reason '$why' is not given"; }
}
h=$T/hostile
debian "$h"
echo "Include /etc/ssh/sshd_config.d/loop.conf" >"$h/etc/ssh/sshd_config.d/loop.conf"
hostile "an Include loop" /etc/ssh/sshd_config.d/loop.conf "Include loop"
refused "$h"
rm "$h/etc/ssh/sshd_config.d/loop.conf"
# 10,000-deep nesting: d0 includes d1 includes d2 ...
mkdir -p "$h/etc/ssh/deep"
python3 - "$h/etc/ssh/deep" <<'PY'
import sys
for i in range(10000):
    with open(f"{sys.argv[1]}/d{i}.conf", "w") as f:
        f.write(f"Include /etc/ssh/deep/d{i + 1}.conf\n")
PY
echo "Include /etc/ssh/deep/d0.conf" >"$h/etc/ssh/sshd_config.d/deep.conf"
# sshd_config is depth 0, deep.conf 1, d0.conf 2: d15.conf is the 17th level.
hostile "10,000-deep nesting" /etc/ssh/deep/d15.conf "nested deeper than 16"
refused "$h"
rm "$h/etc/ssh/sshd_config.d/deep.conf"
# 10,000 drop-ins in the included directory.
mkdir -p "$h/etc/ssh/many"
python3 -c 'import sys; [open(f"{sys.argv[1]}/f{i:05}.conf", "w").close() for i in range(10000)]' "$h/etc/ssh/many"
echo "Include many/*.conf" >"$h/etc/ssh/sshd_config.d/many.conf"
hostile "10,000 includes" /etc/ssh/many "more than 1024"
rm "$h/etc/ssh/sshd_config.d/many.conf"
# 10,000 Include lines of one file, each read again (sshd reads a pattern's files again each time).
echo "Port 22" >"$h/etc/ssh/one.conf"
for i in $(seq 1 10000); do echo "Include /etc/ssh/one.conf"; done >"$h/etc/ssh/sshd_config.d/lines.conf"
hostile "10,000 Include lines" /etc/ssh/one.conf "more than 4096 files"
rm "$h/etc/ssh/sshd_config.d/lines.conf"
# 50 MB, binary garbage, a line of 1 MB.
truncate -s 50M "$h/etc/ssh/sshd_config.d/big.conf"
# (sshd reads 50 MB of NULs as nothing; we refuse the file by its size.)
hostile "a 50 MB file" /etc/ssh/sshd_config.d/big.conf "too large"
head -c 65536 "$DW" >"$h/etc/ssh/sshd_config.d/big.conf"
hostile "binary garbage" /etc/ssh/sshd_config.d/big.conf "line"
refused "$h"
head -c 4096 /dev/urandom | tr -d '\000' >"$h/etc/ssh/sshd_config.d/big.conf"
hostile "random bytes without NUL" /etc/ssh/sshd_config.d/big.conf "line"
refused "$h"
# (sshd takes a line of 1 MB (10^6 bytes: the file stays under 1 MiB); we refuse it, so no oracle here.)
{ printf 'Banner /'; head -c 1000000 /dev/zero | tr '\000' x; echo; } >"$h/etc/ssh/sshd_config.d/big.conf"
hostile "a line of 1 MB" /etc/ssh/sshd_config.d/big.conf "longer than 65536"
# A NUL ends its line and takes the newline with it: the next line continues
# a comment here, as sshd reads it (the PermitRootLogin line is not applied).
printf '# note\0\nPermitRootLogin yes\n' >"$h/etc/ssh/sshd_config.d/big.conf"
expect_alerts "$h" </dev/null
agree "$h" root
# A drop-in symlinked out of the root is not followed.
echo "PermitRootLogin yes" >"$T/outside.conf"
ln -sf "$T/outside.conf" "$h/etc/ssh/sshd_config.d/big.conf"
hostile "a symlink out of the root" /etc/ssh/sshd_config.d/big.conf "symlink"
rm "$h/etc/ssh/sshd_config.d/big.conf"
expect_alerts "$h" </dev/null
agree "$h" root

# --- An allowlist entry takes an sshd alert like any other.
cat >"$T/allow.yaml" <<'EOF'
version: 1
allow:
  - path: /etc/ssh/sshd_config.d/00-x.conf
    owner: platform-team
    reason: break-glass root login on the lab host
    expires: 2999-12-31
EOF
mv "$first/etc/ssh/sshd_config.d/99-x.conf" "$first/etc/ssh/sshd_config.d/00-x.conf"
expect_alerts "$first" --allowlist "$T/allow.yaml" </dev/null
[ "$(jq -r 'select(.driftwatch.allowlist) | .rule.id' "$T/sshd.jsonl" | wc -l)" -eq 2 ] ||
        fail "the allowlisted sshd alerts are not events naming the entry"

# --- Usage.
run 2 "$DW" posture --root "$ok" --ssh-connection bogus=1
expect_one_error_line bogus=1
run 2 "$DW" posture --root "$ok" --ssh-user ""

# --- This machine's real configuration: no error (0 or 1, never 2), for root and nobody.
rc=0
"$DW" posture --state "$T/host.db" --ssh-user nobody --format json >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -le 1 ] || { cat "$T/err"; fail "posture of / exited $rc"; }
expect_valid_jsonl "$T/out"
if [ -f /etc/ssh/sshd_config ]; then
        # (grep, not jq: this runs for every case; check is the posture object's first key)
        grep -F '"posture":{"check":"sshd"' "$T/out" >"$T/sshd.jsonl" || true
        if ! grep -q DW-POS-CONFIG-INVALID "$T/sshd.jsonl"; then
                # The host's own sshd agrees on its own configuration (in a namespace of our own).
                [ -f /etc/ssh/sshd_config ] && agree / root && agree / nobody
        fi
fi
echo PASS
