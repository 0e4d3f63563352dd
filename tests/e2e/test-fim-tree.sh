# Baseline and check of a real tree with every kind of entry: each kind of
# change is planted, and the report names exactly those changes, nothing else.
source "$(dirname "$0")/lib.sh"

command -v setfattr >/dev/null || skip "setfattr (package attr) is not installed"
command -v setcap >/dev/null || skip "setcap (package libcap2-bin) is not installed"

R=$T/root
mkdir -p "$R"/usr/bin "$R"/usr/lib "$R"/etc/sudoers.d "$R"/etc/ssh/sshd_config.d "$R"/var/lib/extensions "$R"/boot
printf 'binary\n' >"$R/usr/bin/tool"
printf 'capable\n' >"$R/usr/bin/capbin"
setcap cap_net_raw+ep "$R/usr/bin/capbin"
printf 'suid\n' >"$R/usr/bin/setuid-me"
ln -s tool "$R/usr/bin/tool-link"
printf 'shared\n' >"$R/usr/lib/h1"
ln "$R/usr/lib/h1" "$R/usr/lib/h2"
printf 'data\n' >"$R/usr/lib/data"
setfattr -n user.origin -v image "$R/usr/lib/data"
printf 'owned\n' >"$R/usr/lib/owned"
mkfifo "$R/usr/lib/fifo"
mknod "$R/usr/lib/null" c 1 3
printf 'AAAA' >"$R/usr/lib/sneaky"
printf 'ref' >"$T/ref"
touch -d @1500000000 "$T/ref" "$R/usr/lib/sneaky"
ln -s loop-b "$R/usr/lib/loop-a"
ln -s loop-a "$R/usr/lib/loop-b"
ln -s . "$R/usr/lib/self"
ln -s / "$R/usr/lib/escape"
ln -s ../../../../../etc/shadow "$R/usr/lib/dotdot"
printf 'PermitRootLogin no\n' >"$R/etc/ssh/sshd_config.d/50-base.conf"
printf 'root ALL=(ALL) ALL\n' >"$R/etc/sudoers"
printf 'hello\n' >"$R/etc/motd"
printf 'x' >"$R/etc/"$'new\nline'
printf 'x' >"$R/etc/"$'\e[31mred'
printf 'x' >"$R/etc/"$'\xff\xfe'
printf 'x' >"$R/etc/-rf"
printf 'x' >"$R/etc/with space"
printf 'kernel' >"$R/boot/vmlinuz"

run 0 "$DW" baseline create --from "dir:$R" --out "$T/base.db"
grep -q "entries from dir:$R" "$T/out" || fail "baseline create did not report what it recorded"

# Unchanged: nothing to report, exit 0, and nothing hashed again.
run 0 "$DW" check --baseline "$T/base.db" --root "$R" --format json
drop_summary "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "unchanged tree reported findings"; }
run 0 "$DW" check --baseline "$T/base.db" --root "$R"
grep -q ' 0 files hashed' "$T/out" || { cat "$T/out"; fail "unchanged re-check hashed files"; }

# Plant one change of each kind.
printf 'BINARY\n' >"$R/usr/bin/tool"                            # content (same size), mtime
setcap cap_sys_admin+ep "$R/usr/bin/capbin"                    # xattr:security.capability
chmod 4755 "$R/usr/bin/setuid-me"                              # mode: setuid gained
printf 'x' >"$R/usr/bin/new-setgid" && chmod 2755 "$R/usr/bin/new-setgid"   # added, setgid
chmod g+s "$R/boot"                                            # mode: a setgid directory
ln -sfn tolx "$R/usr/bin/tool-link"                            # target (same length), mtime
rm "$R/usr/lib/h2" && cp -p "$R/usr/lib/h1" "$R/usr/lib/h2"    # hardlink broken
setfattr -n user.origin -v tampered "$R/usr/lib/data"          # xattr:user.origin
chown 1000:1000 "$R/usr/lib/owned"                             # uid, gid
rm "$R/usr/lib/fifo" && mkdir "$R/usr/lib/fifo"               # type
rm "$R/usr/lib/null" && mknod "$R/usr/lib/null" c 1 5          # rdev
touch -d @1400000000 "$R/usr/lib/null"
printf 'BBBB' >"$R/usr/lib/sneaky" && touch -r "$T/ref" "$R/usr/lib/sneaky"   # content, mtime put back
touch -d @1000000000 "$R/etc/motd"                             # mtime only
printf 'ALL ALL=(ALL) NOPASSWD: ALL\n' >"$R/etc/sudoers.d/zzz_local"         # added
rm "$R/etc/ssh/sshd_config.d/50-base.conf"                     # removed
printf 'x' >"$R/var/lib/extensions/"$'evil\n.raw'             # added, hostile name
printf 'x' >"$R/etc/"$'\e[2Jclear'                            # added, escape sequence
printf 'x' >"$R/etc/bad"$'\xff'                               # added, invalid UTF-8

run 1 "$DW" check --baseline "$T/base.db" --root "$R" --format json
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
cp "$T/out" "$T/drift.jsonl"
expect_findings "$T/drift.jsonl" <<'EOF'
file-added "/etc/\u001b[2Jclear" -
file-added "/etc/bad�" -
file-added "/etc/sudoers.d/zzz_local" -
file-added "/usr/bin/new-setgid" -
file-added "/var/lib/extensions/evil\n.raw" -
file-modified "/boot" mode
file-modified "/etc/motd" mtime
file-modified "/usr/bin/capbin" xattr:security.capability
file-modified "/usr/bin/setuid-me" mode
file-modified "/usr/bin/tool" mtime,content
file-modified "/usr/bin/tool-link" mtime,target
file-modified "/usr/lib/data" xattr:user.origin
file-modified "/usr/lib/fifo" type
file-modified "/usr/lib/h2" link
file-modified "/usr/lib/null" mtime,rdev
file-modified "/usr/lib/owned" uid,gid
file-modified "/usr/lib/sneaky" content
file-removed "/etc/ssh/sshd_config.d/50-base.conf" -
EOF

# Rules by place: rule id, severity word and number, ATT&CK techniques.
rule_of() {
        jq -r --arg p "$1" 'select(.file.path == $p) | [.rule.id, .driftwatch.severity,
                (.event.severity | tostring), (.threat.technique.id // [] | join(","))] | join(" ")' "$T/drift.jsonl"
}
[ "$(rule_of /etc/sudoers.d/zzz_local)" = "DW-FIM-SUDOERS high 73 T1548.003" ] || fail "sudoers.d: $(rule_of /etc/sudoers.d/zzz_local)"
[ "$(rule_of /usr/bin/tool)" = "DW-FIM-USR high 73 T1554,T1543.002" ] || fail "usr: $(rule_of /usr/bin/tool)"
[ "$(rule_of /etc/motd)" = "DW-FIM-MTIME low 21 " ] || fail "mtime only: $(rule_of /etc/motd)"
# A setuid or setgid bit gained, or a new file with one, is its own rule; a
# setgid directory only passes its group on and stays its place's.
[ "$(rule_of /usr/bin/setuid-me)" = "DW-FIM-SETUID high 73 T1548.001" ] || fail "setuid: $(rule_of /usr/bin/setuid-me)"
[ "$(rule_of /usr/bin/new-setgid)" = "DW-FIM-SETUID high 73 T1548.001" ] || fail "new setgid: $(rule_of /usr/bin/new-setgid)"
[ "$(rule_of /boot | cut -d' ' -f1)" = DW-FIM-BOOT ] || fail "setgid directory: $(rule_of /boot)"
[ "$(rule_of /etc/ssh/sshd_config.d/50-base.conf | cut -d' ' -f1)" = DW-FIM-SSHD ] || fail "sshd_config.d rule"
[ "$(rule_of $'/var/lib/extensions/evil\n.raw' | cut -d' ' -f1)" = DW-FIM-EXTENSIONS ] || fail "extensions rule"
jq -se 'any(.[]; .file.path == "/usr/lib/sneaky" and .driftwatch.changed == ["content"])' "$T/drift.jsonl" >/dev/null ||
        fail "touch -r rewrite not reported as a content change"
# Invalid UTF-8: file.path carries U+FFFD, path_hex the exact bytes.
[ "$(jq -r 'select(.driftwatch.path_hex) | .driftwatch.path_hex' "$T/drift.jsonl")" = 2f6574632f626164ff ] ||
        fail "path_hex missing or wrong for an invalid UTF-8 name"
# ECS fields every finding carries.
jq -se 'all(.[] | select(.rule.id != "DW-RUN-SUMMARY"); .["@timestamp"] and .event.kind == "alert" and
                 .event.module == "driftwatch" and .rule.id and .observer.hostname and
                 (.driftwatch.controls | length > 0))' "$T/drift.jsonl" >/dev/null ||
        fail "a finding lacks a required field"

# Text output: the summary, a blank line, a column header, then one line per
# finding (indented detail lines only with -v), names escaped.
run 1 "$DW" check --baseline "$T/base.db" --root "$R"
sed '1,/^$/d' "$T/out" >"$T/lines"
[ "$(head -n 1 "$T/lines")" = "SEVERITY ACTION         PATH  RULE  [CHANGED]  MESSAGE" ] || { cat "$T/out"; fail "no column header before the findings"; }
[ "$(wc -l <"$T/lines")" -eq 19 ] && ! grep -q '^ ' "$T/lines" || { cat "$T/out"; fail "text output is not one line per finding"; }
run 1 "$DW" check -v --baseline "$T/base.db" --root "$R"
[ "$(sed '1,/^$/d' "$T/out" | grep -vc '^         ')" -eq 19 ] || { cat "$T/out"; fail "-v: not one line per finding and its details"; }
grep -qF 'evil\n.raw' "$T/out" || fail "newline in a name not escaped in text"
grep -qF '/etc/\x1b[2Jclear' "$T/out" || fail "escape sequence in a name not escaped in text"
grep -qF '/etc/bad\xff' "$T/out" || fail "invalid UTF-8 not escaped in text"
if grep -q $'\e' "$T/out"; then fail "a raw escape byte reached the terminal output"; fi

# --path limits the check; --full re-hashes everything and finds the same.
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --path /etc/sudoers.d --format json
drop_summary "$T/out"
expect_findings "$T/out" <<'EOF'
file-added "/etc/sudoers.d/zzz_local" -
EOF
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --full --format json
drop_summary "$T/out"
diff <(findings "$T/drift.jsonl") <(findings "$T/out") || fail "--full found something else"
run 1 "$DW" check --baseline "$T/base.db" --root "$R" --full
grep -qE ' (1[0-9]|2[0-9]) files hashed, 0 trusted' "$T/out" || { cat "$T/out"; fail "--full did not re-hash"; }

# Symlinks were never followed: the loops and the link to / are plain entries.
run 0 "$DW" baseline show "$T/base.db" --entries --format json
drop_summary "$T/out"
[ "$(jq -r 'select(.path == "/usr/lib/escape") | .target' "$T/out")" = / ] || fail "symlink to / not recorded as a link"
if jq -r .path "$T/out" | grep -q '^/usr/lib/self/'; then fail "walked through a symlink"; fi
echo PASS
