# Shared by the tests that run a real auditd (test-audit-live*.sh), sourced
# after lib.sh and host_lock audit-live: the audit status, auditd started with
# its own configuration and log in a test directory, and the teardown steps,
# each safe to run twice. The caller runs audit_live_preflight, sets KEYS
# (keys besides dw-* that only its rules use) and adds teardown to
# cleanup_hooks.
APID=
RULES_LOADED=
ENABLED_SET=

# audit_status FIELD: a field of `auditctl -s`.
audit_status() {
        auditctl -s | awk -v k="$1" '$1 == k { print $2 }'
}

# audit_live_preflight: skips unless the audit subsystem can be queried, no
# audit daemon is registered (a running auditd is never disturbed) and the
# configuration is not locked; sets enabled_before and backlog_before.
audit_live_preflight() {
        local status owner
        status=$(auditctl -s 2>&1) || skip "cannot query the audit subsystem: $status"
        owner=$(audit_status pid)
        [ "$owner" = 0 ] || skip "an audit daemon is registered (pid $owner); not disturbing it"
        enabled_before=$(audit_status enabled)
        [ "$enabled_before" != 2 ] || skip "the audit configuration is locked (enabled 2)"
        backlog_before=$(audit_status backlog_limit)
}

# unload_rules: exactly the lines of the file RULES_LOADED, each deleted with
# the same fields (-a as -d, -w as -W), in one auditctl run that goes on past
# a line that did not load (-c); then what is left of our keys (-W fails when
# the path changed type since the load). The caller made sure none of them
# was loaded before the test, so what is left of them is ours.
unload_rules() {
        [ -n "$RULES_LOADED" ] || return 0
        local k
        { echo -c; sed -n -e 's/^-a /-d /p' -e 's/^-w /-W /p' "$RULES_LOADED"; } >"$T/unload.rules"
        auditctl -R "$T/unload.rules" >"$T/auditctl.unload" 2>&1 || true
        for k in $(auditctl -l | grep -o 'dw-[a-z0-9-]*' | sort -u) ${KEYS:-}; do
                auditctl -l | grep -q -- "key=$k\$\|-k $k\$" || continue
                auditctl -D -k "$k" >/dev/null 2>&1 || true
        done
        RULES_LOADED=
}

restore_settings() {
        [ -n "$ENABLED_SET" ] || return 0
        auditctl -e "$enabled_before" >/dev/null || true
        auditctl -b "$backlog_before" >/dev/null || true
        ENABLED_SET=
}

stop_auditd() {
        [ -n "$APID" ] || return 0
        local i
        kill -TERM "$APID" 2>/dev/null || true
        for i in $(seq 1 100); do
                kill -0 "$APID" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$APID" 2>/dev/null; then
                echo "auditd (pid $APID) ignored SIGTERM for 10 s: SIGKILL" >&2
                kill -KILL "$APID" 2>/dev/null || true
        fi
        wait "$APID" 2>/dev/null || true
        APID=
}

# The enabled flag first: with auditing off again, removing the rules logs
# nothing more.
teardown() {
        restore_settings
        unload_rules
        stop_auditd
}

# start_auditd DIR: auditd with its configuration, no plugins and its log
# (DIR/audit.log) in DIR, registered as the audit daemon; backlog 8192.
start_auditd() {
        local dir=$1 i
        mkdir -p "$dir/plugins"
        cat >"$dir/auditd.conf" <<EOC
local_events = yes
write_logs = yes
log_file = $dir/audit.log
log_group = root
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 20
max_log_file = 64
num_logs = 2
max_log_file_action = IGNORE
priority_boost = 0
name_format = NONE
space_left = 2
space_left_action = IGNORE
verify_email = no
action_mail_acct = root
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
use_libwrap = no
distribute_network = no
q_depth = 2000
overflow_action = IGNORE
max_restarts = 0
plugin_dir = $dir/plugins
end_of_event_timeout = 2
EOC
        chmod 0600 "$dir/auditd.conf"
        auditd -n -s nochange -c "$dir" >"$dir/auditd.out" 2>&1 &
        APID=$!
        for i in $(seq 1 100); do
                [ "$(audit_status pid)" = "$APID" ] && break
                kill -0 "$APID" 2>/dev/null || { cat "$dir/auditd.out"; fail "auditd exited at start"; }
                sleep 0.1
        done
        [ "$(audit_status pid)" = "$APID" ] || { cat "$dir/auditd.out"; fail "auditd (pid $APID) did not register in 10 s"; }
        ENABLED_SET=1
        auditctl -b 8192 >/dev/null
}
