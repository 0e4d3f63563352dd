# driftwatch audit --plugin under a real auditd knows the systemd unit of a
# writer: a private auditd (lib-auditd.sh) runs driftwatch as its plugin (a
# plugin conf in its plugin_dir; auditd 3.0 passes a plugin at most two
# arguments, so a root-owned wrapper in the test directory adds --output) with
# the rules `driftwatch audit-rules` prints. A shell moved into a test cgroup
# named like a unit (driftwatch-test-runPID.service, under the name=systemd
# hierarchy on cgroup v1 or hybrid hosts, under /sys/fs/cgroup on v2) then
#   a. writes a file in /etc/sudoers.d itself and stays alive: its unit;
#   b. runs a short-lived sh that writes another and exits at once: the unit of
#      the sh or, once it is gone, of its nearest living ancestor, the shell;
# and the test's own shell writes a third outside the unit, which must not get
# it. Skipped unless root with auditd and no audit daemon registered. Cleanup
# on every exit: auditd torn down (lib-auditd.sh), the shell killed and reaped,
# the test cgroup removed, the test files removed from /etc.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-auditd.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, creates a cgroup)"
auditd_exclusive
SUF=run$$
unit=driftwatch-test-$SUF.service
cg=
in_unit=/etc/sudoers.d/driftwatch-unit-$SUF.test          # sudo ignores names with a dot
by_child=/etc/sudoers.d/driftwatch-unit-child-$SUF.test
outside=/etc/sudoers.d/driftwatch-unit-outside-$SUF.test
writer=

remove_writer_and_cgroup() {
        if [ -n "$writer" ]; then
                kill "$writer" 2>/dev/null || true
                wait "$writer" 2>/dev/null || true
                writer=
        fi
        if [ -n "$cg" ] && [ -d "$cg" ]; then rmdir "$cg"; fi
}
remove_test_files() {
        rm -f "${in_unit:?}" "${by_child:?}" "${outside:?}"
        sudoers_d_restore
}
cleanup_hooks+=(remove_writer_and_cgroup remove_test_files)
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
sudoers_d_ensure

# ---- auditd with driftwatch as its plugin ----

# Writes to the bulk surfaces (sudoers.d among them) are held for the bulk
# window (60 s by default) before a lone one is reported: 2 s here.
cat >"$T/window.yaml" <<EOT
version: 1
audit:
  bulk:
    window_seconds: 2
EOT
auditd_plugin "$T/auditd" --rules "$T/window.yaml"
auditd_start "$T/auditd" "$T/log/audit.log"
run 0 "$DW" audit-rules
cp "$T/out" "$T/dw.rules"
auditd_load "$T/dw.rules" >"$T/auditctl.out" 2>&1 || { cat "$T/auditctl.out"; fail "auditctl -R rejected the rules"; }

# ---- the writer in the unit ----

# As systemd starts a unit's process: moved into the cgroup, then exec. (The
# unit of a process image is read once, at its first event: one moved after
# its exec keeps what it had.)
mkfifo "$T/go" "$T/done"
cat >"$T/writer.sh" <<'EOT'
if [ "$1" = wait ]; then
        read -r _ <"$2"
        shift 2
        exec /bin/bash "$0" write "$@"
fi
echo "# driftwatch test" >"$2"
sh -c 'echo "# driftwatch test" >"$0"' "$3"
read -r _ <"$4"
EOT
bash "$T/writer.sh" wait "$T/go" "$in_unit" "$by_child" "$T/done" &
writer=$!
reap_on_death "$writer"
unit_cgroup "$unit"
cg=$CG
echo "$writer" >"$cg/cgroup.procs" || fail "cannot move pid $writer into '$cg'"
grep -q "/$unit\$" "/proc/$writer/cgroup" || fail "pid $writer is not in '$cg'"
echo go >"$T/go"
sh -c 'echo "# driftwatch test" >"$0"' "$outside"

# unit_of PATH: the unit of the finding on PATH ("-": none).
unit_of() {
        jq -r --arg p "$1" 'select(.file.path == $p) | .driftwatch.systemd.unit // "-"' "$T/plugin.jsonl" 2>/dev/null
}
for i in $(seq 1 600); do   # up to 60 s on a busy machine
        [ -n "$(unit_of "$in_unit")" ] && [ -n "$(unit_of "$by_child")" ] && [ -n "$(unit_of "$outside")" ] && break
        sleep 0.1
done
echo done >"$T/done"
wait "$writer" || fail "the writer in the unit failed"
writer=
rmdir "$cg"
cg=
[ -s "$T/plugin.jsonl" ] || { cat "$T/plugin.err" "$T/auditd/auditd.out"; fail "the plugin wrote no findings"; }
expect_valid_jsonl "$T/plugin.jsonl"
[ "$(unit_of "$in_unit")" = "$unit" ] ||
        { cat "$T/plugin.jsonl"; fail "a: the write by the shell in '$unit' does not name it"; }
[ "$(unit_of "$by_child")" = "$unit" ] ||
        { cat "$T/plugin.jsonl"; fail "b: the write by the shell's short-lived child does not name '$unit'"; }
[ -n "$(unit_of "$outside")" ] || { cat "$T/plugin.jsonl"; fail "the write outside the unit is missing"; }
[ "$(unit_of "$outside")" != "$unit" ] || { cat "$T/plugin.jsonl"; fail "the write outside the unit names '$unit'"; }
echo "PASS"
