# dpkg diversions in the package-aware check: the real dpkg-divert moves
# package tool's /usr/bin/f aside for package wrapper (f.distrib), its
# /usr/bin/g aside for the administrator (a local diversion, g.orig) and its
# /usr/bin/h aside for wrapper, which ships no h. Each file is attributed
# where dpkg puts it (dpkg -L, the oracle): tool's content at f.distrib and
# g.orig, compared with the digests tool recorded for f and g; wrapper's at
# f; g and h, the administrator's, no package's. tool's h.distrib, tampered,
# differs from tool's md5sum of /usr/bin/h. A malformed diversions file is a
# DW-FIM-PACKAGE-DB finding naming its line.
source "$(dirname "$0")/lib.sh"
export TZ=UTC
command -v dpkg-divert >/dev/null || skip "dpkg-divert is not installed"

R=$T/root
A=$R/var/lib/dpkg
mkdir -p "$R/usr/bin" "$A/info" "$T/state"
signed_policy "$R"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/b.db"

# apt install tool wrapper, as dpkg does it: tool's files, then wrapper's
# preinst diverting two of them, then wrapper's own /usr/bin/f.
cat >"$A/status" <<'EOF'
Package: tool
Status: install ok installed
Maintainer: nobody <nobody@example.org>
Version: 1.0
Architecture: all
Description: the diverted files

Package: wrapper
Status: install ok installed
Maintainer: nobody <nobody@example.org>
Version: 2.0
Architecture: all
Description: the diverting one
EOF
for f in f g h; do printf 'tool %s\n' $f >"$R/usr/bin/$f"; done
printf '%s\n' /. /usr /usr/bin /usr/bin/f /usr/bin/g /usr/bin/h >"$A/info/tool.list"
(cd "$R" && md5sum usr/bin/f usr/bin/g usr/bin/h) >"$A/info/tool.md5sums"
divert() { dpkg-divert --root "$R" --admindir "$A" --rename "$@" >/dev/null 2>"$T/err" || fail "dpkg-divert $*: $(cat "$T/err")"; }
divert --package wrapper --add /usr/bin/f
divert --local --divert /usr/bin/g.orig --add /usr/bin/g
divert --package wrapper --add /usr/bin/h
printf 'wrapper f\n' >"$R/usr/bin/f"
printf '%s\n' /. /usr /usr/bin /usr/bin/f >"$A/info/wrapper.list"
(cd "$R" && md5sum usr/bin/f) >"$A/info/wrapper.md5sums"
printf 'admin g\n' >"$R/usr/bin/g"
printf 'dropped h\n' >"$R/usr/bin/h"
printf 'tampered\n' >"$R/usr/bin/h.distrib"
touch -d '2026-01-02 03:04:05' "$A/info/tool.list" "$A/info/wrapper.list"   # the install times
[ -f "$R/usr/bin/f.distrib" ] && [ -f "$R/usr/bin/g.orig" ] || fail "dpkg-divert --rename did not move the files"

run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr --format json
expect_valid_jsonl "$T/out"
jq -r 'select(.rule.id != "DW-RUN-SUMMARY") |
       [.rule.id, .driftwatch.severity, (.file.path // "-"), (.message // "-"),
        (.driftwatch.package | if . then [.name, ((.paths // []) | join(","))] | join(" ") else "-" end)]
       | join(" | ")' "$T/out" | LC_ALL=C sort >"$T/got"
diff -u - "$T/got" <<'EOF' || fail "check: the diverted files' findings differ"
DW-FIM-PACKAGE-CHANGE | low | - | package tool 1.0 (all) installed 2026-01-02T03:04:05Z: 2 files as the package shipped them (2 added, 0 modified) | tool /usr/bin/f.distrib,/usr/bin/g.orig
DW-FIM-PACKAGE-CHANGE | low | - | package wrapper 2.0 (all) installed 2026-01-02T03:04:05Z: 1 file as the package shipped it (1 added, 0 modified) | wrapper /usr/bin/f
DW-FIM-USR | high | /usr/bin/g | image content under /usr changed: /usr/bin/g added | -
DW-FIM-USR | high | /usr/bin/h | image content under /usr changed: /usr/bin/h added | -
DW-FIM-USR | high | /usr/bin/h.distrib | differs from package tool 1.0's md5sum | tool 
EOF

# The oracle: where dpkg -L says each package's regular files lie, against
# the package driftwatch names for each file.
for p in tool wrapper; do
        dpkg --root="$R" -L "$p" 2>"$T/err" >"$T/list" || fail "dpkg -L $p: $(cat "$T/err")"
        awk -v p="$p" '/^\// { if (f) print p, f; f = $0; next }
                       /^(diverted by .* to|locally diverted to): / { sub(/^[^:]*: /, ""); f = $0 }
                       END { if (f) print p, f }' "$T/list"
done | while read -r p f; do [ -f "$R$f" ] && echo "$p $f"; done | LC_ALL=C sort >"$T/dpkg"
jq -r 'select(.driftwatch.package) | .driftwatch.package as $p |
       if .file.path then "\($p.name) \(.file.path)" else $p.paths[] | "\($p.name) \(.)" end' "$T/out" |
        LC_ALL=C sort >"$T/dw"
diff -u "$T/dpkg" "$T/dw" || fail "the packages driftwatch names differ from dpkg -L's"

# A diversions file cut short: one finding naming it and its line; the file
# findings stand as they are.
printf '/usr/bin/x\n/usr/bin/x.distrib\n' >>"$A/diversions"
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr --format json
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-DB") | .message' "$T/out" >"$T/got"
[ "$(cat "$T/got")" = "cannot read package database '$R/var/lib/dpkg/diversions': line 11: malformed" ] ||
        fail "a diversions file cut short: '$(cat "$T/got")'"
[ "$(jq -r 'select(.rule.id == "DW-FIM-USR") | .file.path' "$T/out" | wc -l)" = 6 ] ||
        fail "a malformed diversions file: the per-file findings do not stand: $(jq -c . "$T/out")"
echo PASS
