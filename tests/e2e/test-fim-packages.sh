# Package-manager awareness of check and scan: a tree with a dpkg database
# (var/lib/dpkg/status, info/*.list, info/*.md5sums, var/log/dpkg.log) gets
# the package "acl" installed after its baseline. The files that are as the
# package shipped them (md5sums; a conffile's digest in status) become ONE
# DW-FIM-PACKAGE-CHANGE finding with driftwatch.package; the one modified
# against its md5sum stays a high DW-FIM-USR finding saying so; a file no
# package owns stays as it is; a chmod of a package's file is not explained.
# A malformed database is a DW-FIM-PACKAGE-DB finding (exit 1, no crash), and
# the per-file findings stand. The text view against a golden file.
source "$(dirname "$0")/lib.sh"
export TZ=UTC

R=$T/root
mkdir -p "$R/etc" "$R/usr/bin" "$R/usr/share/man/man1" "$R/boot" "$R/var/lib/dpkg/info" "$R/var/log" "$T/state"
printf 'base\n' >"$R/usr/bin/base-tool"
ln -s usr/bin "$R/bin"      # a merged /usr
cat >"$R/var/lib/dpkg/status" <<'EOF'
Package: base-files
Status: install ok installed
Priority: required
Version: 12.4
Architecture: amd64
Description: base files
 with a continuation line

EOF
printf '/.\n/usr\n/usr/bin\n/usr/bin/base-tool\n' >"$R/var/lib/dpkg/info/base-files.list"
(cd "$R" && md5sum usr/bin/base-tool) >"$R/var/lib/dpkg/info/base-files.md5sums"
# no dpkg.log line for it: the install time is the .list's mtime
touch -d '2026-01-02 03:04:05' "$R/var/lib/dpkg/info/base-files.list"
signed_policy "$R"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/b.db"
run 0 "$DW" scan --root "$R" --state-dir "$T/state"

# apt install acl: its files, its database entries, its log line.
mkdir -p "$R/usr/share/doc/acl" "$R/etc/acl"
printf 'chacl binary\n' >"$R/usr/bin/chacl"
printf 'getfacl binary\n' >"$R/usr/bin/getfacl"
printf 'setfacl binary\n' >"$R/usr/bin/setfacl"    # listed as /bin/setfacl, as before the merge
printf 'man page\n' >"$R/usr/share/man/man1/chacl.1.gz"
printf 'copyright\n' >"$R/usr/share/doc/acl/copyright"
printf 'conf\n' >"$R/etc/acl/acl.conf"
ln -s getfacl "$R/usr/bin/getfacl-link"
cat >>"$R/var/lib/dpkg/status" <<EOF
Package: acl
Status: install ok installed
Version: 2.3.1-3
Architecture: amd64
Conffiles:
 /etc/acl/acl.conf $(md5sum <"$R/etc/acl/acl.conf" | cut -d' ' -f1)
Description: access control list utilities

Package: removed-one
Status: deinstall ok config-files
Version: 1.0
Architecture: all
EOF
printf '%s\n' /. /etc /etc/acl /etc/acl/acl.conf /usr /usr/bin /usr/bin/chacl /usr/bin/getfacl \
        /usr/bin/getfacl-link /usr/share /usr/share/doc /usr/share/doc/acl /usr/share/doc/acl/copyright \
        /usr/share/man /usr/share/man/man1 /usr/share/man/man1/chacl.1.gz /bin /bin/setfacl \
        >"$R/var/lib/dpkg/info/acl:amd64.list"
(cd "$R" && md5sum usr/bin/chacl usr/bin/getfacl usr/share/man/man1/chacl.1.gz usr/share/doc/acl/copyright \
        bin/setfacl) \
        >"$R/var/lib/dpkg/info/acl:amd64.md5sums"
cat >"$R/var/log/dpkg.log" <<'EOF'
2026-11-20 09:00:00 startup archives unpack
2026-11-20 09:00:01 install acl:amd64 <none> 2.3.1-3
2026-11-20 09:00:02 status half-installed acl:amd64 2.3.1-3
2026-11-20 09:00:03 status installed acl:amd64 2.3.1-3
garbage line that is not dpkg's
EOF
# tampering: a package file whose content is not its md5sum; a chmod of another
printf 'trojaned\n' >"$R/usr/bin/getfacl"
chmod 4755 "$R/usr/bin/base-tool"
# and a file no package owns
printf 'dropped\n' >"$R/usr/bin/dropper"

run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr --path /etc --format json
expect_valid_jsonl "$T/out"
jq -r 'select(.rule.id != "DW-RUN-SUMMARY" and .event.dataset == "driftwatch.fim") |
       [.rule.id, .driftwatch.severity, .event.action, (.file.path // "-"), (.message // "-"),
        (.driftwatch.package | if . then [.name, .version, .architecture, (.installed // "-"),
         (.installed_from // "-"), (.files // "-"), (.paths // [] | join(","))] | join(" ") else "-" end)]
       | join(" | ")' "$T/out" | LC_ALL=C sort >"$T/got"
# (the var/ database itself lies outside --path /usr --path /etc)
diff -u - "$T/got" <<'EOF' || fail "check: package findings differ"
DW-FIM-PACKAGE-CHANGE | low | package-changed | - | package acl 2.3.1-3 (amd64) installed 2026-11-20T09:00:03Z: 9 files as the package shipped them (9 added, 0 modified) | acl 2.3.1-3 amd64 2026-11-20T09:00:03Z dpkg.log 9 /etc/acl,/etc/acl/acl.conf,/usr/bin/chacl,/usr/bin/getfacl-link,/usr/bin/setfacl,/usr/share/doc,/usr/share/doc/acl,/usr/share/doc/acl/copyright,/usr/share/man/man1/chacl.1.gz
DW-FIM-SETUID | high | file-modified | /usr/bin/base-tool | owned by package base-files 12.4, which does not explain this change | base-files 12.4 amd64 2026-01-02T03:04:05Z list-mtime - 
DW-FIM-USR | high | file-added | /usr/bin/dropper | image content under /usr changed: /usr/bin/dropper added | -
DW-FIM-USR | high | file-added | /usr/bin/getfacl | differs from package acl 2.3.1-3's md5sum | acl 2.3.1-3 amd64 2026-11-20T09:00:03Z dpkg.log - 
EOF


# The text view: one line for the package (tests/golden/text/fim-packages.txt;
# UPDATE_GOLDEN=1 writes it).
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr --path /etc
golden=$(dirname "$0")/../golden/text/fim-packages.txt
sed -E -e "s|$T|T|g" -e 's/[0-9]+\.[0-9]{2} s\b/S.SS s/g' "$T/out" >"$T/text"
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$T/text" "$golden"; fi
diff -u "$golden" "$T/text" || fail "check: the text view differs from $golden"

# scan: the same, the database found under --root.
run 1 "$DW" scan --root "$R" --state-dir "$T/state" --format json
jq -r 'select(.event.dataset == "driftwatch.fim") | .rule.id' "$T/out" | LC_ALL=C sort | uniq -c |
        awk '{ printf "%s %s\n", $2, $1 }' >"$T/got"
printf 'DW-FIM-PACKAGE-CHANGE 1\nDW-FIM-SETUID 1\nDW-FIM-USR 2\n' | diff -u - "$T/got" || fail "scan: package findings differ"

# A malformed database: one finding naming the file, the files' findings stand.
cp "$R/var/lib/dpkg/info/acl:amd64.md5sums" "$T/md5sums"
printf 'not-a-digest  usr/bin/x\n' >>"$R/var/lib/dpkg/info/acl:amd64.md5sums"
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr --path /etc --format json
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-DB") | .message' "$T/out" >"$T/got"
[ "$(cat "$T/got")" = "cannot read package database '$R/var/lib/dpkg/info/acl:amd64.md5sums': line 6: malformed" ] ||
        fail "malformed md5sums: '$(cat "$T/got")'"
[ "$(jq -r 'select(.rule.id == "DW-FIM-USR" or .rule.id == "DW-FIM-SETUID") | .file.path' "$T/out" | wc -l)" = 10 ] ||
        fail "malformed md5sums: the per-file findings do not stand: $(jq -c . "$T/out")"
cp "$T/md5sums" "$R/var/lib/dpkg/info/acl:amd64.md5sums"
head -c 100000 /dev/zero | tr '\0' x >>"${R:?}/var/lib/dpkg/status"
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr --path /etc --format json
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-DB") | .message' "$T/out" >"$T/got"
[ "$(cat "$T/got")" = "cannot read package database '$R/var/lib/dpkg/status': line 21: past the limits of a package database" ] ||
        fail "a status line past the limit: '$(cat "$T/got")'"
echo PASS
