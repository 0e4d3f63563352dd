# Package-manager awareness of check for an rpm tree: two real noarch
# packages built here with rpmbuild -bb (one spec: base-tool and its
# subpackage acl-tool) and installed into the tree with rpm --root
# --dbpath /usr/lib/sysimage/rpm (the sqlite database rpm 4.16+ makes), read
# by librpm. base-tool is installed before the baseline, acl-tool after: one
# low DW-FIM-PACKAGE-CHANGE names it; base-tool's binary modified stays high
# ("differs from package base-tool 1.0-1's sha256"); its %config file edited
# stays a finding saying the same, as an edited dpkg conffile does; its
# %ghost file, created, is owned with nothing to compare; a file no package
# owns stays as it is. A check with no findings never loads librpm. librpm never writes: the tree's files, sizes and
# mtimes are the same after each check, and the host's /var/lib/rpm and
# ~/.rpmdb (Debian rpm's default database) too. A database librpm cannot
# read is one DW-FIM-PACKAGE-DB finding, exit 1, no crash.
# The agent's scan schedule (--once, --scan-root the tree) reads the same
# database from its sandbox (CAP_DAC_READ_SEARCH only, Landlock, a seccomp
# filter refusing unshare and mount): librpm's copy is made in
# STATE_DIR/scratch instead of a private tmpfs, and acl-tool's install is
# one DW-FIM-PACKAGE-CHANGE there too; the tree is unchanged, no copy is
# left in the state directory, and a leftover copy a crashed run left there
# is removed (a look-alike that is not one of its copies is not), as the
# copy of a database librpm fails on is; a scratch directory others may
# write to is refused with one DW-FIM-PACKAGE-DB.
# (rpmbuild and the two rpm -i: about 3 s of the test's time; the four agent
# scans of the small tree well under a second.)
source "$(dirname "$0")/lib.sh"
export TZ=UTC
command -v rpmbuild >/dev/null || skip "rpmbuild is not installed (scripts/deps.sh pkg installs rpm)"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (scripts/deps.sh check installs it)"

start=$(date +%s)
R=$T/root
mkdir -p "$R/usr/bin" "$R/etc" "$T/top/SPECS"
signed_policy "$R"
rpm_spec base-tool <<'EOF'
%description
base tool
%package -n acl-tool
Summary: driftwatch test subpackage
%description -n acl-tool
acl tool
%install
mkdir -p %{buildroot}/usr/bin %{buildroot}/etc/base %{buildroot}/etc/acl
printf 'base tool\n' >%{buildroot}/usr/bin/base-tool
printf 'setting=1\n' >%{buildroot}/etc/base/base.conf
printf 'chacl\n' >%{buildroot}/usr/bin/chacl
printf 'getfacl\n' >%{buildroot}/usr/bin/getfacl
printf 'acl=1\n' >%{buildroot}/etc/acl/acl.conf
%files
/usr/bin/base-tool
%dir /etc/base
%config(noreplace) /etc/base/base.conf
%ghost /etc/base/state
%files -n acl-tool
/usr/bin/chacl
/usr/bin/getfacl
%dir /etc/acl
%config(noreplace) /etc/acl/acl.conf
EOF
HOME=$T rpmbuild --define "_topdir $T/top" -bb "$T/top/SPECS/base-tool.spec" >"$T/build.log" 2>&1 ||
        { tail -20 "$T/build.log"; fail "rpmbuild -bb failed"; }
install_rpm() {
        HOME=$T rpm --root "$R" --dbpath /usr/lib/sysimage/rpm -i --nodeps --noscripts --nosignature "$@" \
                >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "rpm -i $* failed"; }
}
install_rpm "$T/top/RPMS/noarch/base-tool-1.0-1.noarch.rpm"
[ -f "$R/usr/lib/sysimage/rpm/rpmdb.sqlite" ] || fail "rpm made no sqlite database in the tree"
run 0 "$DW" baseline create --from "dir:$R" --out "$T/b.db"
# The agent's scan schedule records its baseline of the tree (its first run).
S=$T/agent-state
agent_scan() {
        "$DW" agent --state-dir "$S" --output "file:$T/agent.jsonl" --schedule all=off --schedule scan=1h/0 \
                --heartbeat 0 --scan-root "$R" --once 2>"$T/agent.err" || { cat "$T/agent.err"; fail "agent --once failed"; }
}
agent_scan
jq -e -s 'any(.[]; .rule.id == "DW-FIM-BASELINE-RECORDED")' "$T/agent.jsonl" >/dev/null ||
        fail "the agent's first scan recorded no baseline: $(jq -c .rule.id "$T/agent.jsonl" | sort | uniq -c)"
# Lazy: a check with no findings never maps librpm (the loader's trace).
LD_DEBUG=files LD_DEBUG_OUTPUT="$T/ld" "$DW" check --baseline "$T/b.db" --root "$R" >/dev/null 2>&1 ||
        fail "check of the unchanged tree did not exit 0"
ls "$T"/ld.* >/dev/null 2>&1 || fail "LD_DEBUG traced nothing: the witness does not work here"
! grep -q 'file=librpm' "$T"/ld.* || fail "a check with no findings loads librpm"
rm -f "${T:?}"/ld.*

install_rpm "$T/top/RPMS/noarch/acl-tool-1.0-1.noarch.rpm"
printf 'trojaned\n' >"$R/usr/bin/base-tool"
printf 'setting=2\n' >"$R/etc/base/base.conf"
printf 'runtime state\n' >"$R/etc/base/state"
printf 'dropped\n' >"$R/usr/bin/dropper"

# state: the tree (and the host's rpm places) as the check must leave them
state() {
        find "$R" -printf '%P %y %s %T@ %m\n' | LC_ALL=C sort
        ls -la --time-style=full-iso /var/lib/rpm ~/.rpmdb 2>&1 || true
}
state >"$T/before"
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr/bin --path /etc --format json
state | diff -u "$T/before" - || fail "check changed the tree or the host's rpm database"
expect_valid_jsonl "$T/out"
now=$(date +%s)
jq -r --argjson start "$start" --argjson now "$now" 'select(.rule.id != "DW-RUN-SUMMARY") |
       [.rule.id, .driftwatch.severity, .event.action, (.file.path // "-"), (.message // "-"),
        (.driftwatch.package | if . then [.name, .version, .architecture, .manager, (.installed_from // "-"),
         (if .installed then (.installed | fromdateiso8601) as $t | if $t >= $start and $t <= $now
          then "installed-in-test" else "installed-\($t)" end else "-" end),
         (if .config_file then "config" else "-" end), (if .ghost_file then "ghost" else "-" end),
         (.files // "-"), (.paths // [] | join(","))] | join(" ") else "-" end)]
       | join(" | ")' "$T/out" | sed -E 's/installed [0-9TZ:-]+:/installed TIME:/' | LC_ALL=C sort >"$T/got"
diff -u - "$T/got" <<'EOF' || fail "check: the rpm tree's findings differ"
DW-FIM-CONFIG | medium | file-added | /etc/base/state | a %ghost file of package base-tool 1.0-1, which records no content for it | base-tool 1.0-1 noarch rpm rpmdb installed-in-test - ghost - 
DW-FIM-CONFIG | medium | file-modified | /etc/base/base.conf | differs from package base-tool 1.0-1's sha256 | base-tool 1.0-1 noarch rpm rpmdb installed-in-test config - - 
DW-FIM-PACKAGE-CHANGE | low | package-changed | - | package acl-tool 1.0-1 (noarch) installed TIME: 4 files as the package shipped them (4 added, 0 modified) | acl-tool 1.0-1 noarch rpm rpmdb installed-in-test - - 4 /etc/acl,/etc/acl/acl.conf,/usr/bin/chacl,/usr/bin/getfacl
DW-FIM-USR | high | file-added | /usr/bin/dropper | image content under /usr changed: /usr/bin/dropper added | -
DW-FIM-USR | high | file-modified | /usr/bin/base-tool | differs from package base-tool 1.0-1's sha256 | base-tool 1.0-1 noarch rpm rpmdb installed-in-test - - - 
EOF

# The agent's scan, in its sandbox: the same fold through a copy in
# STATE_DIR/scratch. A crashed run's copy there goes; a look-alike stays.
mkdir -p "$S/scratch/rpmdb-copy.Ab12Yz" "$S/scratch/rpmdb-copy.notmine"
printf 'stale\n' >"$S/scratch/rpmdb-copy.Ab12Yz/rpmdb.sqlite"
: >"$T/agent.jsonl"
sqlite3 "$S/agent.db" "UPDATE agent_schedules SET next_run = 0 WHERE capability = 'scan'"
state >"$T/before"
agent_scan
state | diff -u "$T/before" - || fail "the agent's scan changed the tree or the host's rpm database"
expect_valid_jsonl "$T/agent.jsonl"
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-DB") | .message' "$T/agent.jsonl" >"$T/got"
[ ! -s "$T/got" ] || fail "the agent's scan could not read the rpm database: $(cat "$T/got")"
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-CHANGE") | [.driftwatch.package.name, .driftwatch.package.manager,
       .driftwatch.package.files, (.driftwatch.package.paths | join(","))] | join(" ")' "$T/agent.jsonl" >"$T/got"
diff -u - "$T/got" <<'EOF' || fail "the agent's scan did not fold acl-tool's install"
acl-tool rpm 4 /etc/acl,/etc/acl/acl.conf,/usr/bin/chacl,/usr/bin/getfacl
EOF
jq -r 'select(.file.path == "/usr/bin/base-tool") | .message' "$T/agent.jsonl" >"$T/got"
[ "$(cat "$T/got")" = "differs from package base-tool 1.0-1's sha256" ] ||
        fail "the agent's scan: /usr/bin/base-tool says '$(cat "$T/got")'"
[ "$(ls -A "$S/scratch")" = rpmdb-copy.notmine ] ||
        fail "the state directory's scratch holds '$(ls -A "$S/scratch" | tr '\n' ' ')' after the agent's scan"
# A scratch directory others may write to is not used: one finding says why.
chmod 0777 "$S/scratch"
: >"$T/agent.jsonl"
sqlite3 "$S/agent.db" "UPDATE agent_schedules SET next_run = 0 WHERE capability = 'scan'"
agent_scan
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-DB") | .message' "$T/agent.jsonl" >"$T/got"
[ "$(cat "$T/got")" = "cannot read package database '$R/usr/lib/sysimage/rpm': cannot make librpm's copy in '$S/scratch': others may write to it" ] ||
        fail "a scratch directory others may write to: '$(cat "$T/got")'"

# A database librpm cannot read: one finding naming it, the file findings
# stand, the tree untouched.
printf 'not a database, not at all: %01000d\n' 0 >"$R/usr/lib/sysimage/rpm/rpmdb.sqlite"
state >"$T/before"
run 1 "$DW" check --baseline "$T/b.db" --root "$R" --path /usr/bin --path /etc --format json
state | diff -u "$T/before" - || fail "check of a corrupt database changed the tree"
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-DB") | .message' "$T/out" >"$T/got"
grep -q "^cannot read package database '$R/usr/lib/sysimage/rpm': librpm cannot open it: .*file is not a database$" "$T/got" && [ "$(wc -l <"$T/got")" = 1 ] ||
        fail "a corrupt rpm database: '$(cat "$T/got")'"
[ "$(jq -r 'select(.rule.id == "DW-FIM-USR" or .rule.id == "DW-FIM-CONFIG") | .file.path' "$T/out" | wc -l)" -ge 8 ] ||
        fail "a corrupt rpm database: the per-file findings do not stand: $(jq -c . "$T/out")"
# The same from the agent's sandbox: librpm fails on its copy, which is removed all the same.
chmod 0700 "$S/scratch"
: >"$T/agent.jsonl"
sqlite3 "$S/agent.db" "UPDATE agent_schedules SET next_run = 0 WHERE capability = 'scan'"
agent_scan
state | diff -u "$T/before" - || fail "the agent's scan of a corrupt database changed the tree"
jq -r 'select(.rule.id == "DW-FIM-PACKAGE-DB") | .message' "$T/agent.jsonl" >"$T/got"
grep -q "^cannot read package database '$R/usr/lib/sysimage/rpm': librpm cannot open it: .*file is not a database$" "$T/got" &&
        [ "$(wc -l <"$T/got")" = 1 ] || fail "the agent's scan of a corrupt rpm database: '$(cat "$T/got")'"
[ "$(ls -A "$S/scratch")" = rpmdb-copy.notmine ] ||
        fail "librpm failed and its copy stays: '$(ls -A "$S/scratch" | tr '\n' ' ')'"
echo PASS
