# Every surface of the built-in rules (rules/default.yaml) is reported under
# its own rule ids for a path of its own: `check` raises DW-FIM-<id>, etc-diff
# DW-ETC-<id> for the surfaces with paths in /etc, and `audit` DW-AUD-<id> for
# a write by an ordinary process unless the surface's audit is off; a path in
# /etc no surface claims (CONFIG disabled by a layer) is DW-ETC-DRIFT; each
# audit command's program and verb is its DW-AUD-<id>. The path of a surface is
# made from the first of its globs that no earlier surface claims first
# ('**' and '*' become one component), so a surface added to the rules is
# tested without a change here. (The scenarios behind examples/findings.)
DW_SANDBOX=host-readonly source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-ostree.sh"
source "$(dirname "$0")/audit-gen.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
RULES=$(dirname "$0")/../../rules/default.yaml

# "ID AUDIT PATH ETC_PATH" of each surface (ETC_PATH: its first such path in
# /etc, or -), and "ID PROGRAM VERB..." of each command.
python3 - "$RULES" >"$T/surfaces" 2>"$T/commands" <<'PY'
import re, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
def rx(glob):
    out = ""
    for part in re.split(r"(\*\*|\*)", glob):
        out += ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
    return re.compile(out + r"\Z")
surfaces = [(s["id"], s.get("audit", "alert"), [rx(g) for g in s["paths"]], s["paths"]) for s in doc["surfaces"]]
def first(path):
    return next(i for i, _, rs, _ in surfaces if any(r.match(path) for r in rs))
for sid, audit, _, globs in surfaces:
    cands = [re.sub(r"\*\*?", "x", g) for g in globs if "*" in g] + [g for g in globs if "*" not in g]
    own = [p for p in cands if first(p) == sid]
    if not own:
        sys.exit("surface %s: every path of its globs is claimed by an earlier surface" % sid)
    etc = next((p for p in own if p.startswith("/etc/")), "-")
    print(sid, audit if audit is not False else "off", own[0], etc)
for c in doc["audit"]["commands"]:
    print(c["id"], c["program"][0], c["verbs"][0], file=sys.stderr)
PY
[ "$(wc -l <"$T/surfaces")" -ge 20 ] || fail "only $(wc -l <"$T/surfaces") surfaces in $RULES"
[ "$(wc -l <"$T/commands")" -ge 10 ] || fail "only $(wc -l <"$T/commands") audit commands in $RULES"

# check: one new file on every surface.
R=$T/root
mkdir -p "$R"
run 0 "$DW" --quiet baseline create --from "dir:$R" --out "$T/base.db"
while read -r id audit path etc; do
        mkdir -p "$R$(dirname "$path")"
        printf '%s\n' "$id" >"$R$path"
done <"$T/surfaces"
run 1 "$DW" --quiet check --baseline "$T/base.db" --root "$R" --format json
jq -r 'select(.event.action == "file-added") | "\(.rule.id) \(.file.path)"' "$T/out" | LC_ALL=C sort >"$T/got"
while read -r id audit path etc; do echo "DW-FIM-$id $path"; done <"$T/surfaces" | LC_ALL=C sort >"$T/want"
comm -23 "$T/want" "$T/got" >"$T/lost"
[ ! -s "$T/lost" ] || fail "check did not report these under their surface's rule: $(cat "$T/lost")"

# etc-diff: the same files in a deployment's /etc, and one no surface claims
# once a layer disables CONFIG.
S=$T/sysroot
make_os_tree "$T/v1" 1.0
make_sysroot "$S"
commit_tree "$S" "$T/v1" 1.0 >/dev/null
deploy "$S"
E=$(deployment_dir "$S" 0)/etc
while read -r id audit path path; do
        [ "$path" != - ] || continue
        mkdir -p "$E$(dirname "${path#/etc}")"
        printf '%s\n' "$id" >"$E${path#/etc}"
        echo "DW-ETC-$id $path"
done <"$T/surfaces" | LC_ALL=C sort >"$T/want"
[ "$(wc -l <"$T/want")" -ge 10 ] || fail "only $(wc -l <"$T/want") surfaces with a path in /etc"
run 1 "$DW" --quiet etc-diff --sysroot "$S" --no-merge --format json
jq -r 'select(.event.action == "file-added") | "\(.rule.id) \(.file.path)"' "$T/out" | LC_ALL=C sort >"$T/got"
comm -23 "$T/want" "$T/got" >"$T/lost"
[ ! -s "$T/lost" ] || fail "etc-diff did not report these under their surface's rule: $(cat "$T/lost")"
mkdir -p "$T/layers"
printf 'version: 1\nsurfaces:\n  - id: CONFIG\n    disabled: true\n' >"$T/layers/50-no-config.yaml"
printf 'x\n' >"$E/zz-unclaimed.conf"
run 1 "$DW" --quiet --rules-dir "$T/layers" etc-diff --sysroot "$S" --no-merge --format json
jq -e -s 'any(.[]; .rule.id == "DW-ETC-DRIFT" and .file.path == "/etc/zz-unclaimed.conf")' "$T/out" >/dev/null ||
        fail "a path of /etc no surface claims is not DW-ETC-DRIFT"

# audit: a write by an editor in a login session to every watched surface (two
# minutes apart: not one bulk change), and each command's program run with its
# verb.
{
        gen_exec 1000 1 1000 3 pts0 /usr/bin/bash bash -bash
        while read -r id audit path etc; do
                [ "$audit" = off ] || { gen_later 120; gen_write 1001 1000 1000 3 /usr/bin/vi vi "$path"; }
        done <"$T/surfaces"
        pid=2000
        while read -r id program verb; do
                pid=$((pid + 1))
                # shellcheck disable=SC2086 # a verb of two words is two arguments
                gen_exec $pid 1000 1000 3 pts0 "/usr/bin/$program" "${program:0:15}" "$program" $verb --json img
        done <"$T/commands"
} >"$T/audit.log"
run 1 "$DW" --quiet audit --format json "$T/audit.log"
jq -r '.rule.id' "$T/out" | LC_ALL=C sort -u >"$T/got"
{ awk '$2 != "off" { print "DW-AUD-" $1 }' "$T/surfaces"; awk '{ print $1 }' "$T/commands"; } | LC_ALL=C sort >"$T/want"
comm -23 "$T/want" "$T/got" >"$T/lost"
[ ! -s "$T/lost" ] || fail "audit did not report: $(cat "$T/lost" | tr '\n' ' ')"
echo PASS
