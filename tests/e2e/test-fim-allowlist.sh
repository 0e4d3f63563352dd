# The FIM allowlist (etc-diff's format: owner, reason, expiry) on check and on
# scan of a host that is not image mode: an allowed change is an event naming
# the entry and no alert; an expired entry allows nothing and is reported
# itself; a missing allowlist is refused.
source "$(dirname "$0")/lib.sh"

R=$T/root
mkdir -p "$R/etc" "$R/usr" "$R/boot" "$T/state"
printf 'a\n' >"$R/etc/a"
printf 'b\n' >"$R/etc/b"
signed_policy "$R"
cat >"$T/allow.yaml" <<'EOF2'
version: 1
allow:
  - path: /etc/a
    owner: ops
    reason: local tuning
    expires: 2099-01-01
  - path: /etc/b
    owner: ops
    reason: old hack
    expires: 2024-01-01
EOF2
run 0 "$DW" baseline create --from "dir:$R" --out "$T/b.db"
run 0 "$DW" scan --root "$R" --state-dir "$T/state"
printf 'a2\n' >>"$R/etc/a"
printf 'b2\n' >>"$R/etc/b"

for cmd in check scan; do
        if [ "$cmd" = check ]; then
                run 1 "$DW" check --baseline "$T/b.db" --root "$R" --allowlist "$T/allow.yaml" --format json
        else
                run 1 "$DW" scan --root "$R" --state-dir "$T/state" --allowlist "$T/allow.yaml" --format json
        fi
        jq -r 'select(.event.dataset == "driftwatch.fim") |
               [.event.kind, .event.action, .file.path, .rule.id, (.driftwatch.allowlist // "-"),
                (.driftwatch.quality | join(",") | if . == "" then "-" else . end)] | join(" | ")' "$T/out" >"$T/got"
        diff -u - "$T/got" <<'EOF2' || fail "$cmd --allowlist: findings differ"
event | file-modified | /etc/a | DW-FIM-CONFIG | local tuning (owner ops, expires 2099-01-01, line 3) | -
alert | file-modified | /etc/b | DW-FIM-CONFIG | - | allowlist-entry-expired
alert | allowlist-expired | /etc/b | DW-FIM-ALLOW-EXPIRED | - | -
EOF2
done
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --allowlist "$T/allow.yaml"
grep -qx '1 change allowed by the allowlist (shown as events)' "$T/out" || fail "check's summary: $(cat "$T/out")"
grep -q '^check: 2 alerts' "$T/out" || fail "an allowed change counted as an alert: $(cat "$T/out")"
grep -qx 'event    file-modified  /etc/a  DW-FIM-CONFIG  \[size mtime content\]  allowed: local tuning (owner ops, expires 2099-01-01, line 3)' "$T/out" ||
        fail "the allowed change is not shown as allowed: $(cat "$T/out")"
run 2 "$DW" check --baseline "$T/b.db" --root "$R" --allowlist "$T/none.yaml"
run 2 "$DW" scan --root "$R" --state-dir "$T/state" --allowlist "$T/none.yaml"
[ "$(cat "$T/err")" = "driftwatch: cannot read allowlist '$T/none.yaml': No such file or directory" ] ||
        fail "missing allowlist: $(cat "$T/err")"
echo PASS
