# Rules layering (docs/rules.md): a --rules file and the *.yaml files of the
# rules directory are layers over the built-in rules, merged by id. A layer
# that only adds a surface keeps every built-in rule (no finding goes out with
# "rule": null); a new surface goes before the built-in ones; a disabled rule's
# findings are dropped from the output and the exit status; the directory's
# files come after --rules, in name order; errors name the file and the line.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit-gen.sh"

command -v jq >/dev/null || skip "jq is not installed"

# No layer from this machine's /etc/driftwatch/rules.d: an empty directory.
mkdir "$T/none"
NONE=(--rules-dir "$T/none")

cat >"$T/r.yaml" <<'EOT'
version: 1
surfaces:
  - id: SPECIAL
    surface: special
    name: special sudo policy
    severity: critical
    paths: ["/etc/sudoers.d/special"]
EOT

# The review's reproduction: a keyed syscall without its PATH records and a
# serial gap, under a rules file that knows nothing of the health rules.
{
        echo 'type=SYSCALL msg=audit(1700000100.000:500): arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=241 a3=1b6 items=2 ppid=1 pid=3000 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="sh" exe="/usr/bin/dash" key="priv_esc_persist"'
        echo 'type=SYSCALL msg=audit(1700000102.000:505): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=3001 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="cat" exe="/usr/bin/cat" key=(null)'
} >"$T/health.log"
run 1 "$DW" --quiet "${NONE[@]}" --rules "$T/r.yaml" audit --format json "$T/health.log"
drop_summary "$T/out"
expect_valid_jsonl "$T/out"
[ "$(jq -r '.rule.id' "$T/out" | LC_ALL=C sort | tr '\n' ' ')" = "DW-AUD-PATH-MISSING DW-AUD-SEQUENCE-GAP " ] ||
        { cat "$T/out"; fail "health findings under a layer lack their rules"; }
[ "$(jq -r 'select(.rule.name == null or .rule.name == "") | .rule.id' "$T/out")" = "" ] ||
        fail "a finding without its rule's name"

# A new surface goes before the built-in ones: the more specific one wins; the
# built-in SUDOERS surface still covers the rest of sudoers.d.
{
        gen_write 1002 1 1000 3 /usr/bin/cp cp /etc/sudoers.d/special
        gen_write 1003 1 1000 3 /usr/bin/cp cp /etc/sudoers.d/other
} >"$T/writes.log"
run 1 "$DW" --quiet "${NONE[@]}" --rules "$T/r.yaml" audit --format json "$T/writes.log"
drop_summary "$T/out"
[ "$(jq -r '[.file.path, .rule.id, .driftwatch.severity] | join(" ")' "$T/out" | LC_ALL=C sort)" = \
  "/etc/sudoers.d/other DW-AUD-SUDOERS high
/etc/sudoers.d/special DW-AUD-SPECIAL critical" ] || { cat "$T/out"; fail "layer surface order"; }

# A disabled rule: its finding disappears, and the exit status says no alert.
{
        echo 'type=SYSCALL msg=audit(1700000100.000:500): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=3001 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="cat" exe="/usr/bin/cat" key=(null)'
        echo 'type=SYSCALL msg=audit(1700000101.000:900): arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=0 a2=0 a3=0 items=0 ppid=1 pid=3001 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=3 comm="cat" exe="/usr/bin/cat" key=(null)'
} >"$T/gap.log"
run 1 "$DW" --quiet "${NONE[@]}" audit --format json "$T/gap.log"
drop_summary "$T/out"
[ "$(jq -r .rule.id "$T/out")" = DW-AUD-SEQUENCE-GAP ] || { cat "$T/out"; fail "no gap finding"; }
printf 'version: 1\nrules:\n  - id: DW-AUD-SEQUENCE-GAP\n    disabled: true\n' >"$T/quiet.yaml"
run 0 "$DW" --quiet "${NONE[@]}" --rules "$T/quiet.yaml" audit --format json "$T/gap.log"
drop_summary "$T/out"
no_findings "$T/out" || { cat "$T/out"; fail "a disabled rule's finding is still reported"; }

# A disabled surface is gone: its writes fall to the next matching surface.
printf 'version: 1\nsurfaces:\n  - id: SUDOERS\n    disabled: true\n' >"$T/nosudo.yaml"
run 1 "$DW" --quiet "${NONE[@]}" --rules "$T/nosudo.yaml" audit --format json "$T/writes.log"
drop_summary "$T/out"
[ "$(jq -r .rule.id "$T/out" | sort -u)" = DW-AUD-CONFIG ] || { cat "$T/out"; fail "disabled surface still matches"; }

# The rules directory: after --rules, every *.yaml in name order; other names
# and hidden files are not read.
mkdir "$T/rules.d"
printf 'version: 1\nsurfaces:\n  - id: SPECIAL\n    surface: special\n    name: special\n    severity: low\n    paths: ["/etc/sudoers.d/special"]\n' \
        >"$T/rules.d/10-low.yaml"
sed 's/severity: low/severity: medium/' "$T/rules.d/10-low.yaml" >"$T/rules.d/20-medium.yaml"
echo 'not: [yaml' >"$T/rules.d/README"
echo 'not: [yaml' >"$T/rules.d/.hidden.yaml"
run 1 "$DW" --quiet --rules-dir "$T/rules.d" --rules "$T/r.yaml" audit --format json "$T/writes.log"
drop_summary "$T/out"
[ "$(jq -r 'select(.file.path == "/etc/sudoers.d/special") | .driftwatch.severity' "$T/out")" = medium ] ||
        { cat "$T/out"; fail "rules.d layers are not applied last and in name order"; }

# Errors: one line naming the file and the line; a missing --rules-dir.
printf 'version: 1\nrules:\n  - id: DW-NOPE-NOPE\n    disabled: true\n' >"$T/rules.d/30-bad.yaml"
run 2 "$DW" --quiet --rules-dir "$T/rules.d" audit --format json "$T/writes.log"
drop_summary "$T/out"
expect_one_error_line "$T/rules.d/30-bad.yaml"
grep -q "line 3: cannot disable rule 'DW-NOPE-NOPE'" "$T/err" || { cat "$T/err"; fail "error lacks line and id"; }
# --rules-dir after the command name (commands with option tables) as well.
mkdir "$T/tree"
echo x >"$T/tree/f"
run 0 "$DW" --quiet "${NONE[@]}" baseline create --from dir:"$T/tree" --out "$T/b.db"
run 2 "$DW" --quiet check --baseline "$T/b.db" --root "$T/tree" --rules-dir "$T/rules.d"
expect_one_error_line "$T/rules.d/30-bad.yaml"
rm -f "${T:?}/rules.d/30-bad.yaml"
printf 'version: 1\nsurfaces:\n  - id: SUDOERS\n    disabled: true\n    severity: low\n' >"$T/extra.yaml"
run 2 "$DW" --quiet "${NONE[@]}" --rules "$T/extra.yaml" audit "$T/writes.log"
expect_one_error_line "$T/extra.yaml"
run 2 "$DW" --quiet --rules-dir "$T/missing" audit "$T/writes.log"
expect_one_error_line "$T/missing"
mkfifo "$T/rules.d/40-fifo.yaml"
run 2 timeout 10 "$DW" --quiet --rules-dir "$T/rules.d" audit "$T/writes.log"
expect_one_error_line "$T/rules.d/40-fifo.yaml"
exit 0
