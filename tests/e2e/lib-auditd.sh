# A private auditd for the end-to-end tests that need real kernel records
# (test-audit-live.sh, test-audit-mounts-live.sh). Source after lib.sh:
#   auditd_preflight          skips unless root, no audit daemon registered and
#                             the configuration not locked; records the enabled
#                             flag and the backlog limit to restore
#   auditd_exclusive          host_lock audit-live, a plain root PATH, jq, then
#                             auditd_preflight; skips when rules with dw- keys
#                             are loaded already (not ours to touch)
#   auditd_start DIR LOG      auditd with its own configuration in DIR (no
#                             plugins), logging to LOG; waits until it registered
#                             and has it torn down (auditd_teardown, then
#                             sudoers_d_restore) by a watcher when the test is
#                             killed hard (reap_on_death, lib.sh)
#   auditd_plugin DIR [OPT...] driftwatch audit --plugin as the plugin of the
#                             auditd of DIR (before auditd_start DIR), with the
#                             options OPT (--rules FILE, --storage-root DIR): findings to
#                             $T/plugin.jsonl, errors to $T/plugin.err
#   auditd_load RULES         loads a rules file (auditctl -R), remembered for the
#                             teardown; the exit status is auditctl's
#   auditd_remember RULES     remembers a rules file the test loads itself
#   auditd_settle LOG TEXT    waits (up to 20 s) until LOG holds TEXT: the records
#                             of a scenario's last event are written, however
#                             busy the machine (follow_until: woken by the writes)
#   follow_until FILE SECS FN reads FILE from its start as it grows, FN LINE for
#                             each line until FN returns 0; 1 after SECS seconds
#   auditd_teardown           the enabled flag and backlog back, the loaded rules
#                             (of every file remembered) removed line by line (then
#                             any left with their keys),
#                             auditd stopped by its pid: each step on its own, safe
#                             to call twice, and run on every exit (a cleanup hook)
#   sudoers_d_ensure          makes /etc/sudoers.d when missing (a watch on a
#                             directory that does not exist only watches its
#                             name); sudoers_d_restore removes it again then
#   fake_bootc_setup          FAKE=$T/fake: a copy of bash as the fake bootc,
#                             probed (skips when overlays cannot be mounted)
#   overlay_run CMD...        runs CMD in a private mount namespace where an
#                             overlay puts $FAKE/upper over /usr/bin (a fake
#                             /usr/bin/bootc; the host's /usr is not touched),
#                             in the working directory $FAKE/cwd
# Only one such test runs at a time: host_lock audit-live first.

audit_status() {
        auditctl -s | awk -v k="$1" '$1 == k { print $2 }'
}

AUDITD_PID=
AUDITD_SETTINGS=
# The rules files loaded are listed in $T/.auditd-loaded, one a line, those
# in $T relative to it: so the watcher of a test killed hard (forked at
# auditd_start, T=. when it tears down) finds those loaded after it started.

auditd_preflight() {
        local status owner tool
        [ "$(id -u)" -eq 0 ] || skip "needs root (starts auditd, loads audit rules)"
        for tool in auditd auditctl seq; do
                command -v "$tool" >/dev/null || skip "$tool is not installed"
        done
        status=$(auditctl -s 2>&1) || skip "cannot query the audit subsystem: $status"
        owner=$(audit_status pid)
        [ "$owner" = 0 ] || skip "an audit daemon is registered (pid $owner); not disturbing it"
        auditd_enabled_before=$(audit_status enabled)
        [ "$auditd_enabled_before" != 2 ] || skip "the audit configuration is locked (enabled 2)"
        auditd_backlog_before=$(audit_status backlog_limit)
}

auditd_exclusive() {
        host_lock audit-live
        export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        command -v jq >/dev/null || skip "jq is not installed"
        auditd_preflight
        if auditctl -l | grep -q -- 'dw-'; then
                skip "rules with dw- keys are already loaded; not touching them"
        fi
}

auditd_start() {
        local dir=${1:?} log=${2:?} i
        mkdir -p "$dir/plugins" "$(dirname "$log")"
        cat >"$dir/auditd.conf" <<END_OF_AUDITD_CONF
local_events = yes
write_logs = yes
log_file = $log
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
q_depth = 20000
overflow_action = IGNORE
max_restarts = 0
plugin_dir = $dir/plugins
end_of_event_timeout = 2
END_OF_AUDITD_CONF
        chmod 0600 "$dir/auditd.conf"
        # Without the host lock's descriptor (lib.sh, host_lock): an auditd
        # that outlived a test killed hard must not hold every later run's lock.
        auditd -n -s nochange -c "$dir" >"$dir/auditd.out" 2>&1 9>&- &
        AUDITD_PID=$!
        for i in $(seq 1 100); do
                [ "$(audit_status pid)" = "$AUDITD_PID" ] && break
                kill -0 "$AUDITD_PID" 2>/dev/null || { cat "$dir/auditd.out"; fail "auditd exited at start"; }
                sleep 0.1
        done
        [ "$(audit_status pid)" = "$AUDITD_PID" ] ||
                { cat "$dir/auditd.out"; fail "auditd (pid $AUDITD_PID) did not register in 10 s"; }
        AUDITD_SETTINGS=1
        auditctl -b 8192 >/dev/null
        # Enabled before any rule loads, as at boot (audit=1, or auditd's own
        # start): with an exclude rule loaded while auditing was off, this
        # kernel (6.18) drops the first SYSCALL record after `auditctl -e 1`
        # about one time in three, and its event reaches the log without it.
        auditctl -e 1 >/dev/null
        reap_on_death "$AUDITD_PID" 'auditd_teardown; sudoers_d_restore'
}

auditd_plugin() {
        local dir=${1:?}
        shift
        mkdir -p "$dir/plugins"
        # auditd 3.0 passes a plugin at most two arguments: a root-owned
        # wrapper adds the rest.
        cat >"$dir/dw-plugin" <<EOT
#!/bin/sh
exec "$(readlink -f "$DW")" audit --plugin $* --output "$T/plugin.jsonl" 2>"$T/plugin.err"
EOT
        chmod 0750 "$dir/dw-plugin"
        cat >"$dir/plugins/driftwatch.conf" <<EOT
active = yes
direction = out
path = $dir/dw-plugin
type = always
args = audit --plugin
format = string
EOT
        chmod 0640 "$dir/plugins/driftwatch.conf"
}

auditd_remember() {
        local p
        p=$(realpath -m -- "$1")
        printf '%s\n' "${p#"$T"/}" >>"$T/.auditd-loaded"
}

auditd_load() {
        auditd_remember "$1"
        auditctl -R "$1"
}

# follow_until FILE SECONDS FN: FILE from its first line as it is written
# (tail -F: inotify wakes it at each write, nothing polls), FN LINE called for
# each line until FN returns 0 (FN keeps its own state); 1 when SECONDS pass
# first. FILE need not exist yet.
follow_until() {
        local file=${1:?} end=$((SECONDS + ${2:?})) fn=${3:?} line fd tailpid rc=1

        exec {fd}< <(exec tail -n +1 -F -- "$file" 2>/dev/null)
        tailpid=$!
        while [ "$SECONDS" -lt "$end" ] && IFS= read -r -t "$((end - SECONDS))" -u "$fd" line; do
                if "$fn" "$line"; then
                        rc=0
                        break
                fi
        done
        kill "$tailpid" 2>/dev/null || true
        exec {fd}<&-
        return "$rc"
}

settle_text=
settle_match() {
        [[ $1 == *"$settle_text"* ]]
}

auditd_settle() {
        local log=${1:?}
        settle_text=${2:?}
        follow_until "$log" 20 settle_match || fail "auditd did not log '$settle_text' within 20 s"
}

auditd_unload_rules() {
        [ -s "$T/.auditd-loaded" ] || return 0
        local k rules i
        mapfile -t rules <"$T/.auditd-loaded"
        for i in "${!rules[@]}"; do
                [[ ${rules[i]} == /* ]] || rules[i]=$T/${rules[i]}
        done
        # Exactly the lines we loaded, each deleted with the same fields (-a as
        # -d, -w as -W), in one auditctl run that goes on past a line that did
        # not load (-c).
        { echo -c; sed -n -e 's/^-a /-d /p' -e 's/^-w /-W /p' "${rules[@]}"; } >"$T/auditd.unload"
        auditctl -R "$T/auditd.unload" >"$T/auditctl.unload" 2>&1 || true
        # -W fails when the path changed type since the load (auditctl picks a
        # file or directory watch by stat()). The tests load only when no rule
        # with their keys was there before, so one left with them is theirs.
        for k in $(grep -h -o -e '-k [A-Za-z0-9_-]*' -e 'key=[A-Za-z0-9_-]*' "${rules[@]}" |
                   sed -e 's/^-k //' -e 's/^key=//' | sort -u); do
                auditctl -D -k "$k" >/dev/null 2>&1 || true
        done
        rm -f "${T:?}/.auditd-loaded"
}

auditd_restore_settings() {
        [ -n "$AUDITD_SETTINGS" ] || return 0
        auditctl -e "$auditd_enabled_before" >/dev/null || true
        auditctl -b "$auditd_backlog_before" >/dev/null || true
        AUDITD_SETTINGS=
}

auditd_stop() {
        [ -n "$AUDITD_PID" ] || return 0
        local i
        kill -TERM "$AUDITD_PID" 2>/dev/null || true
        for i in $(seq 1 100); do
                kill -0 "$AUDITD_PID" 2>/dev/null || break
                sleep 0.1
        done
        if kill -0 "$AUDITD_PID" 2>/dev/null; then
                echo "auditd (pid $AUDITD_PID) ignored SIGTERM for 10 s: SIGKILL" >&2
                kill -KILL "$AUDITD_PID" 2>/dev/null || true
        fi
        wait "$AUDITD_PID" 2>/dev/null || true
        AUDITD_PID=
}

# The enabled flag first: with auditing off again, removing the rules logs
# nothing more. (Also the watcher's command when the test is killed hard: it
# runs in a copy of the test's shell from auditd_start, so all it knows of
# what came later is in $T.)
auditd_teardown() {
        auditd_restore_settings
        auditd_unload_rules
        auditd_stop
}
cleanup_hooks+=(auditd_teardown)

# $T/.sudoers-d-created: sudoers_d_ensure made /etc/sudoers.d (a file, for
# the watcher).
sudoers_d_ensure() {
        if [ ! -d /etc/sudoers.d ]; then
                mkdir -m 0750 /etc/sudoers.d
                : >"$T/.sudoers-d-created"
        fi
}

sudoers_d_restore() {
        if [ -e "$T/.sudoers-d-created" ]; then
                rmdir /etc/sudoers.d 2>/dev/null || true
                rm -f "${T:?}/.sudoers-d-created"
        fi
}

overlay_run() {
        unshare --mount --propagation private -- /bin/sh -c '
                /bin/mount -t overlay overlay -o "lowerdir=/usr/bin,upperdir=$1/upper,workdir=$1/work" /usr/bin || exit 97
                shift
                cd "$0" && exec "$@"' "${FAKE:?}/cwd" "$FAKE" "$@"
}

fake_bootc_setup() {
        local probe
        FAKE=$T/fake
        mkdir -p "$FAKE/upper" "$FAKE/work" "$FAKE/cwd"
        cp /bin/bash "$FAKE/upper/bootc"
        probe=$(overlay_run /usr/bin/bootc -c 'readlink /proc/$$/exe; true' 2>&1) ||
                skip "cannot mount an overlay on /usr/bin in a private mount namespace: $probe"
        [ "$probe" = /usr/bin/bootc ] || fail "the fake bootc runs as '$probe', not /usr/bin/bootc"
}
