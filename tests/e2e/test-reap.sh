# reap_on_death (lib.sh): no daemon a test starts outlives the test's shell
# killed with SIGKILL (ctest's timeout, kill -9), whose EXIT trap never runs.
# A child test (a bash sourcing lib.sh, as every test does) starts a
# background sleep, an rsyslogd (lib-rsyslog.sh) and an auditd under the
# audit-live lock with a rule of its own key and a backlog limit of its own
# (lib-auditd.sh), and is killed with SIGKILL: within a few seconds the three
# are gone, the rule removed and the backlog limit back. The watchers keep
# none of the child's descriptors and are no children of it; a child that
# ends normally leaves no watcher behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-rsyslog.sh"
source "$(dirname "$0")/lib-auditd.sh"
need_rsyslog
[ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, loads audit rules)"
command -v auditd >/dev/null || skip "auditd is not installed"
KEY=dw-reap-test

cat >"$T/child.sh" <<'EOF'
source "$E2E/lib.sh"
source "$E2E/lib-rsyslog.sh"
source "$E2E/lib-auditd.sh"
sleep 600 &
s=$!
reap_on_death "$s"
echo "sleep $s" >>"$INFO"
port=$(free_port)
rsyslog_conf_tcp "$port" "$T/received" >"$T/rsyslog.conf"
rsyslog_start "$T/rsyslog.conf"
echo "rsyslogd $(rsyslogd_pid receiver)" >>"$INFO"
if [ "$MODE" = kill ]; then
        auditd_exclusive
        auditd_start "$T/auditd" "$T/log/audit.log"
        printf -- '-w /etc/driftwatch-reap-test -p wa -k %s\n' "$KEY" >"$T/reap.rules"
        auditd_load "$T/reap.rules" >/dev/null || fail "auditctl -R rejected the rule"
        auditctl -b $((auditd_backlog_before + 1)) >/dev/null
        echo "auditd $AUDITD_PID" >>"$INFO"
else
        kill "$s"
        wait "$s" || true
fi
for w in "$T"/.reap/*; do echo "watcher ${w##*/}" >>"$INFO"; done
echo "shell $$" >>"$INFO"
echo ready >>"$INFO"
if [ "$MODE" = kill ]; then
        exec {h}<> <(:)
        read -r -t 600 -u "$h" _ || true
fi
EOF

# child MODE: runs the child test in the background, its standard output a
# pipe (CHILD_OUT, read by cat into $T/MODE.out), and waits until it is ready
# (60 s: another test may hold the audit-live lock); PIDS[what] and
# STARTS[what] then name its processes.
declare -A PIDS STARTS
child() {
        local mode=$1 i what pid
        INFO=$T/$mode.info
        : >"$INFO"
        env -u DW_SCRATCH_NS -u DW_SCRATCH -u DW_SANDBOX -u DW_NETNS E2E="$(cd "$(dirname "$0")" && pwd)" \
                INFO="$INFO" MODE="$mode" KEY="$KEY" bash "$T/child.sh" "$DW" "$SHARED" 2>"$T/$mode.err" |
                cat >"$T/$mode.out" &
        CHILD_OUT=$!
        for ((i = 0; i < 600; i++)); do
                grep -qx ready "$INFO" && break
                kill -0 "$CHILD_OUT" 2>/dev/null || break
                sleep 0.1
        done
        if ! grep -qx ready "$INFO"; then
                grep -q '^SKIP' "$T/$mode.err" && skip "the child test skips: $(cat "$T/$mode.err")"
                cat "$T/$mode.err" >&2
                fail "the $mode child did not get ready"
        fi
        PIDS=() STARTS=()
        while read -r what pid; do
                [ "$what" != ready ] || continue
                PIDS[$what.$pid]=$pid
                if proc_start "$pid"; then STARTS[$what.$pid]=$REPLY; fi
                # the child's shell is stopped too should this test be killed hard
                [ "$what" != shell ] || reap_on_death "$pid"
        done <"$INFO"
}

# gone KEY: the process PIDS[KEY] no longer runs.
gone() {
        ! proc_start "${PIDS[$1]}" || [ "$REPLY" != "${STARTS[$1]:-}" ]
}

# Should this test fail half-way, the child's processes go by pid, and its
# rule and backlog limit with them.
kill_child() {
        local k
        for k in "${!PIDS[@]}"; do
                gone "$k" || kill -KILL "${PIDS[$k]}" 2>/dev/null || true
        done
        auditctl -D -k "$KEY" >/dev/null 2>&1 || true
        if [ "$(audit_status pid)" = 0 ] && [ "$(audit_status backlog_limit)" != "$backlog_before" ]; then
                auditctl -b "$backlog_before" >/dev/null || true
        fi
}
backlog_before=$(audit_status backlog_limit)
cleanup_hooks=(kill_child "${cleanup_hooks[@]}")

# ---- killed with SIGKILL ----
child kill
shell=$(awk '$1 == "shell" { print $2 }' "$INFO")
auditd_pid=$(awk '$1 == "auditd" { print $2 }' "$INFO")
[ "$(audit_status pid)" = "$auditd_pid" ] || fail "the child's auditd (pid $auditd_pid) is not registered"
auditctl -l | grep -q -- "-k $KEY\$" || fail "the child's rule is not loaded"
[ "$(audit_status backlog_limit)" = $((backlog_before + 1)) ] || fail "the child did not change the backlog limit"
# The watchers are orphans, with no descriptor the child's shell has open
# (its stdout is a pipe: cat above would wait for them).
shell_fds=$(for f in /proc/"$shell"/fd/*; do readlink "$f"; done | grep -vx /dev/null | sort -u)
watchers=0
for k in "${!PIDS[@]}"; do
        [ "${k%%.*}" = watcher ] || continue
        watchers=$((watchers + 1))
        w=${PIDS[$k]}
        [ "$(status_of "$w" PPid)" != "$shell" ] || fail "watcher $w is a child of the test's shell"
        for f in /proc/"$w"/fd/*; do
                t=$(readlink "$f") || continue
                case $t in /dev/null | pipe:*) ;; *) fail "watcher $w has '$t' open" ;; esac
                ! grep -qxF -- "$t" <<<"$shell_fds" || fail "watcher $w keeps the test's '$t' open"
        done
done
[ "$watchers" -eq 3 ] || fail "expected 3 watchers (sleep, rsyslogd, auditd), found $watchers"

kill -KILL "$shell"
killed_at=$SECONDS
for what in sleep rsyslogd auditd watcher; do
        for k in "${!PIDS[@]}"; do
                [ "${k%%.*}" = "$what" ] || continue
                while ! gone "$k"; do
                        [ $((SECONDS - killed_at)) -lt 8 ] ||
                                fail "$what (pid ${PIDS[$k]}) still runs 8 s after the test was killed"
                        sleep 0.1
                done
        done
done
! auditctl -l | grep -q -- "-k $KEY\$" || fail "the rule with key $KEY outlived the killed test"
wait "$CHILD_OUT" 2>/dev/null || true

# Under the lock, which the killed child's holder lets go once its watchers
# are done: the host as it was.
host_lock audit-live
[ "$(audit_status pid)" = 0 ] || fail "an audit daemon (pid $(audit_status pid)) is registered after the test"
[ "$(audit_status backlog_limit)" = "$backlog_before" ] ||
        fail "backlog limit $(audit_status backlog_limit) after the killed test, $backlog_before before"
! auditctl -l | grep -q -- "$KEY" || fail "a rule with key $KEY is loaded after the test"

# ---- ended normally: the test stopped its daemons, the watchers just go ----
child normal
wait "$CHILD_OUT" || fail "the normal child failed: $(cat "$T/normal.err")"
for k in "${!PIDS[@]}"; do
        for _ in $(seq 1 20); do
                gone "$k" && break
                sleep 0.1
        done
        gone "$k" || fail "${k%%.*} (pid ${PIDS[$k]}) still runs 2 s after the test ended"
done
exit 0
