# driftwatch audit-rules: the rules file's structure (comments, -a and -w lines
# only, dw- keys, nothing that deletes rules or changes the daemon's settings),
# more specific watches before the directories containing them, surfaces with
# 'audit: off' left out, globs and unwatchable paths listed as comments (escaped),
# and --rules and --existing changing the output. Loading into the kernel is
# e2e/test-audit-live's job.
source "$(dirname "$0")/lib.sh"

# check_structure FILE: every line a comment, blank, an execve or mount rule or a watch.
check_structure() {
        local bad
        bad=$(grep -nvE '^(#.*|-a always,exit -F arch=b(64|32) -S execve,execveat -F key=dw-exec|-a always,exit -F arch=b(64|32) -S (mount,(umount,)?umount2|umount2,mount),move_mount,fsmount,mount_setattr -F key=dw-mount|-w /[^ *?[]* -p wa -k dw-[a-z0-9-]+)?$' "$1" || true)
        [ -z "$bad" ] || fail "lines that are not comments, execve or mount rules or watches: $bad"
        grep -q '^-a always,exit -F arch=b64 -S execve,execveat -F key=dw-exec$' "$1" || fail "no 64-bit execve rule"
        case $(uname -m) in
        x86_64|aarch64)
                grep -q '^-a always,exit -F arch=b32 -S execve,execveat -F key=dw-exec$' "$1" ||
                        fail "no 32-bit execve rule on $(uname -m)";;
        esac
        ! grep -qE '^-(D|b|e|f|c|i)( |$)' "$1" || fail "a line that deletes rules or changes settings"
        # No watch after one containing it, and none twice.
        awk '/^-w /{ p[++n] = $2 }
             END { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) {
                     if (p[i] == p[j]) { print "twice: " p[i]; exit 1 }
                     if (index(p[j], p[i] "/") == 1) { print p[j] " after " p[i]; exit 1 } } }' "$1" ||
                fail "watch order"
}

# The built-in rules.
run 0 "$DW" audit-rules
cp "$T/out" "$T/default.rules"
check_structure "$T/default.rules"
grep -q '^## Install: .*/etc/audit/rules.d/50-driftwatch.rules && augenrules --load' "$T/default.rules" ||
        fail "no install line in the header"
grep -q '^-w /etc -p wa -k dw-config$' "$T/default.rules" || fail "no watch on /etc"
grep -q '^-w /etc/sudoers -p wa -k dw-sudoers$' "$T/default.rules" || fail "no watch on /etc/sudoers"
grep -q '^-w /etc/sudoers.d -p wa -k dw-sudoers$' "$T/default.rules" || fail "no watch on /etc/sudoers.d"
grep -q '^-w /etc/ld.so.preload -p wa -k dw-ld-preload$' "$T/default.rules" ||
        fail "no watch on /etc/ld.so.preload (a file that may not exist yet: the kernel watches its directory)"
# From "/etc/cron.hourly/**", which does not list the directory itself.
grep -q '^-w /etc/cron.hourly -p wa -k dw-cron$' "$T/default.rules" || fail "no watch for /etc/cron.hourly/**"
sudoers=$(grep -n '^-w /etc/sudoers.d ' "$T/default.rules" | cut -d: -f1)
etc=$(grep -n '^-w /etc ' "$T/default.rules" | cut -d: -f1)
[ "$sudoers" -lt "$etc" ] || fail "/etc/sudoers.d must precede /etc"
# VAR is 'audit: off'.
! grep -qE '^-w /var |dw-var( |$)' "$T/default.rules" || fail "the VAR surface is watched"
grep -q '^#   VAR: /var /var/\*\*$' "$T/default.rules" || fail "VAR not listed as off"
# Users' ~/.ssh: auditctl has no wildcards, so the home root is watched whole
# (at its real path) when it exists here, and the glob is listed under it.
if [ -d /home ]; then
        home=$(realpath /home)
        grep -qx -- "-w $home -p wa -k dw-ssh-keys" "$T/default.rules" || fail "no watch on the home root $home"
        grep -qE "^#   /home/\*/\.ssh/\*\* +under the watch on $home \(dw-ssh-keys\)$" "$T/default.rules" ||
                fail "glob /home/*/.ssh/** not listed under the watch on $home"
else
        grep -q '^#   /home/\*/.ssh/\*\*$' "$T/default.rules" || fail "glob /home/*/.ssh/** not listed"
fi
grep -qE '^#   /etc/systemd/\*\.conf +under the watch on /etc \(dw-config\)$' "$T/default.rules" ||
        fail "glob under /etc not annotated"
# Deterministic, and --format auditctl is the default.
run 0 "$DW" audit-rules --format auditctl
cmp -s "$T/out" "$T/default.rules" || fail "--format auditctl differs from the default"
run 0 "$DW" audit-rules --help
grep -q -- '--existing' "$T/out" || fail "--help does not describe --existing"

# Custom rules: the watches follow the file; absent paths, globs and paths a
# rules line cannot hold become comments; a file name cannot start a rule line.
# The file is a layer over the built-in rules: it disables every built-in
# surface (and the bulk list naming one) to leave only its own.
R=$T/root
mkdir -p "$R/etc/app.d/inner" "$R/etc/other"
defaults=$(dirname "$0")/../../rules/default.yaml
off=$(sed -n '/^surfaces:/,/^rules:/s/^  - id: \([A-Z0-9-]*\)$/  - {id: \1, disabled: true}/p' "$defaults")
[ -n "$off" ] || fail "no surfaces found in $defaults"
cat >"$T/custom.yaml" <<EOF
version: 1
audit:
  bulk:
    surfaces: []
surfaces:
$off
  - id: EARLY-OFF
    surface: early-off
    name: not watched
    audit: off
    paths: ["$R/etc/app.d/off/**"]
  - id: APP
    surface: app
    name: application configuration
    severity: high
    paths: ["$R/etc/app.d/**", $R/etc/app.conf, $R/etc/app.d/off]
  - id: INNER-2
    surface: inner
    name: everything else
    severity: medium
    audit: event
    paths: [$R/etc/app.d/inner, "$R/etc/*.glob", "$R/gone/sub/x", "$R/with space", "$R/../up",
            "//$R//etc//", "$R/etc/new\nline"]
  - id: QUIET
    surface: quiet
    name: quiet
    audit: off
    paths: ["$R/quiet/**", "$R/etc/other"]
EOF
run 0 "$DW" --rules "$T/custom.yaml" audit-rules
cp "$T/out" "$T/custom.rules"
check_structure "$T/custom.rules"
diff -u - <(grep '^-' "$T/custom.rules") <<EOF || fail "custom watches"
$(grep '^-a ' "$T/default.rules")
-w $R/etc/app.d/inner -p wa -k dw-app
-w $R/etc/app.d -p wa -k dw-app
-w $R/etc/app.conf -p wa -k dw-app
-w $R/etc -p wa -k dw-inner-2
EOF
grep -q "^#   $R/gone/sub/x\$" "$T/custom.rules" || fail "path with a missing parent not listed"
grep -qF "#   $R/etc/*.glob" "$T/custom.rules" || fail "glob not listed"
grep -qF "#   $R/with space" "$T/custom.rules" || fail "path with a space not listed"
grep -qF "#   $R/etc/new\\nline" "$T/custom.rules" || fail "path with a newline not escaped"
grep -qF "#   QUIET: $R/quiet/** $R/etc/other" "$T/custom.rules" || fail "off surface not listed"
grep -qE "^#   $R/etc/app.d/off +under the watch on $R/etc/app.d \(dw-app\)\$" "$T/custom.rules" ||
        fail "a path an earlier off surface takes is not listed"
! grep -q "^-w $R/etc/other" "$T/custom.rules" || fail "a path of an off surface is watched"
cmp -s "$T/custom.rules" "$T/default.rules" && fail "--rules did not change the output"

# --existing: only paths that exist now (app.conf does not).
run 0 "$DW" --rules "$T/custom.yaml" audit-rules --existing
check_structure "$T/out"
! grep -q "^-w $R/etc/app.conf " "$T/out" || fail "--existing kept a missing file"
grep -q "^-w $R/etc/app.d " "$T/out" || fail "--existing dropped an existing directory"
grep -q "^#   $R/etc/app.conf " "$T/out" || fail "--existing does not list what it left out"
touch "$R/etc/app.conf"
run 0 "$DW" --rules "$T/custom.yaml" audit-rules --existing
grep -q "^-w $R/etc/app.conf -p wa -k dw-app\$" "$T/out" || fail "--existing missed an existing file"

# Home roots (audit.home_roots): one watch for each that exists and has a
# surface glob below it, at its real path (a symlink to one already watched
# adds nothing); a missing one is listed; one without a glob below is not
# watched (its literal paths are, as everywhere).
mkdir -p "$R/homes/bob/.ssh" "$R/plain" "$R/sp ace"
ln -s "$R/homes" "$R/home"
ln -s "$R/sp ace" "$R/spacelink"
cat >"$T/homes.yaml" <<EOF
version: 1
audit:
  home_roots: [$R/home, $R/homes, $R/nohome, $R/plain, $R/spacelink]
surfaces:
  - id: USER-KEYS
    surface: user-keys
    name: users' keys
    severity: high
    paths: ["$R/home/*/.ssh/**", "$R/homes/*/.ssh/**", "$R/nohome/*/.ssh/**", "$R/plain/.ssh",
            "$R/spacelink/*/.ssh/**"]
EOF
run 0 "$DW" --rules "$T/homes.yaml" audit-rules
check_structure "$T/out"
got=$(grep -e "$R" "$T/out" | grep '^-w ')
[ "$got" = "-w $R/plain/.ssh -p wa -k dw-user-keys
-w $R/homes -p wa -k dw-user-keys" ] || fail "home root watches: $got"
grep -qE "^#   $R/home/\*/\.ssh/\*\* +under the watch on $R/homes \(dw-user-keys\)$" "$T/out" ||
        fail "a glob below the symlinked home root is not listed under its watch"
grep -qx "#   $R/nohome" "$T/out" || fail "a missing home root is not listed"
grep -qxF "#   $R/sp ace" "$T/out" || fail "a home root whose real path a rules line cannot hold is not listed"
for bad in relative/home "$R/*/home"; do
        printf 'version: 1\naudit:\n  home_roots: [%s]\n' "$bad" >"$T/badhome.yaml"
        run 2 "$DW" --rules "$T/badhome.yaml" audit-rules
        expect_one_error_line "$bad"
done

# Usage and bad input: exit 2, one line.
run 2 "$DW" audit-rules --format json
expect_one_error_line json
run 2 "$DW" audit-rules extra
expect_one_error_line extra
run 2 "$DW" --rules "$T/missing.yaml" audit-rules
expect_one_error_line "$T/missing.yaml"
long=$(printf 'K%.0s' $(seq 1 300))
sed "s/id: APP/id: $long/" "$T/custom.yaml" >"$T/long.yaml"
run 2 "$DW" --rules "$T/long.yaml" audit-rules
expect_one_error_line "$long"
exit 0
