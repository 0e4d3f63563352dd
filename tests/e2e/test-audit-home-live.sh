# Users' ~/.ssh against a real auditd (newcomer.md S22): auditctl has no
# wildcards, so audit-rules watches each home root (audit.home_roots) that has
# a surface glob below it as a whole, at its real path. Here the home root is
# one made under the test's directory, named through a symlink as /home is on
# image-mode hosts, with the SSH-KEYS surface pointed at it by a rules layer.
# The rules audit-rules prints load with auditctl; a new authorized_keys in a
# user's ~/.ssh is one DW-AUD-SSH-KEYS alert; a write elsewhere in the home is
# logged but is no finding. Skipped unless root with auditd and no audit
# daemon registered. Cleanup on every exit (lib-auditd.sh): the rules removed,
# auditd stopped, the audit settings restored.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-auditd.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, loads audit rules)"
auditd_exclusive

# The home root: a real directory, named in the rules through a symlink.
REAL=$(realpath "$T")/homes
mkdir -p "$REAL/alice/.ssh"
ln -s "$REAL" "$T/home"
defaults=$(dirname "$0")/../../rules/default.yaml
ssh=$(sed -n '/^  - id: SSH-KEYS$/,/^$/p' "$defaults")
[ -n "$ssh" ] || fail "no SSH-KEYS surface in $defaults"
cat >"$T/layer.yaml" <<EOF
version: 1
audit:
  home_roots: [$T/home]
surfaces:
$(echo "$ssh" | sed "s|paths: \[|paths: [\"$T/home/*/.ssh/**\", |")
EOF
grep -qF "\"$T/home/*/.ssh/**\"" "$T/layer.yaml" || fail "the layer does not name the test's home root: $(cat "$T/layer.yaml")"

run 0 "$DW" --rules "$T/layer.yaml" audit-rules
cp "$T/out" "$T/dw.rules"
grep -qx -- "-w $REAL -p wa -k dw-ssh-keys" "$T/dw.rules" ||
        fail "no watch on the home root's real path: $(grep -n "$REAL\|$T/home" "$T/dw.rules")"
grep -qE "^#   $T/home/\*/\.ssh/\*\* +under the watch on $REAL \(dw-ssh-keys\)$" "$T/dw.rules" ||
        fail "the glob is not listed under the home root's watch: $(grep -n "$T/home" "$T/dw.rules")"

LOG=$T/log/audit.log
auditd_start "$T/auditd" "$LOG"
auditd_load "$T/dw.rules" >"$T/auditctl.out" 2>&1 || { cat "$T/auditctl.out"; fail "auditctl -R rejected the rules"; }
diff -u <(grep '^-' "$T/dw.rules" | sort) <(auditctl -l | grep -- 'dw-' | sort) ||
        fail "auditctl -l differs from the rules loaded"

# A key planted in alice's ~/.ssh, and a file elsewhere in her home.
bash -c 'echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDriftwatchTestKey test" > "$1/alice/.ssh/authorized_keys"
         echo notes > "$1/alice/notes.txt"; true' _ "$T/home"
auditd_settle "$LOG" "alice/notes.txt"
auditd_teardown
! auditctl -l | grep -q -- 'dw-' || fail "dw- rules left after the teardown"

run 1 "$DW" --rules "$T/layer.yaml" audit --format json "$LOG"
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
# The records name the files as they were opened: through the symlink.
got=$(jq -s -c --arg k "$T/home/alice/.ssh/authorized_keys" --arg n "$T/home/alice/notes.txt" '
        [([.[] | select(.file.path == $k) | [.rule.id, .event.kind, .event.action, .driftwatch.surface]] | unique),
         ([.[] | select(.file.path == $n)] | length),
         ([.[] | select(.event.kind == "alert") | .rule.id] | unique)]' "$T/out")
[ "$got" = '[[["DW-AUD-SSH-KEYS","alert","file-added","authorized_keys"]],0,["DW-AUD-SSH-KEYS"]]' ] ||
        { jq -c '[.event.kind, .rule.id, .file.path]' "$T/out" >&2; fail "findings: $got"; }
echo PASS
