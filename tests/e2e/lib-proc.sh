# Process helpers of the end-to-end tests, sourced by lib.sh and by the
# benchmarks that start the tests' daemons (bench/agent.sh): they need T (a
# scratch directory of the caller's) and fail.

# closefds: closes every descriptor of this (sub)shell above 2, so that what
# it starts keeps no pipe, FIFO or lock of the test's open (a reader of the
# pipe would never see its end).
closefds() {
        local fd
        for fd in /proc/$BASHPID/fd/*; do
                fd=${fd##*/}
                [ "$fd" -gt 2 ] && eval "exec $fd>&-"
        done
}

# proc_start PID: sets REPLY to the start time of process PID (clock ticks
# after boot, the 22nd field of /proc/PID/stat), which tells it from a later
# process given the same pid; 1 when PID does not run (a zombie does not).
# No fork: the watchers of reap_on_death call it five times a second.
proc_start() {
        local stat f
        { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
        # the fields after the command name, which may hold spaces and ")"
        read -r -a f <<<"${stat##*) }"
        case ${f[0]} in Z | X) return 1 ;; esac
        REPLY=${f[19]}
}

# reap_on_death PID [COMMAND]: when this test's shell ends and PID still runs
# (the same process: its start time), COMMAND is run (eval, in a copy of this
# shell as it is now: a function that reads what the test recorded in $T),
# then PID is sent SIGTERM and, 5 s later, SIGKILL. This is for the test
# killed hard (SIGKILL from ctest's timeout or a user), whose EXIT trap never
# runs: a test that ends otherwise has stopped PID in its cleanup hooks, and
# the watcher does nothing. The watcher is an orphan (no child the test
# waits for or sees), with /dev/null as its standard descriptors and no
# other (closefds); it ends as soon as PID does. Its working directory is $T,
# and COMMAND runs with T=. : once the test's shell is gone, the shell that
# ran unshare removes the mount point, which detaches the tmpfs from $T in
# every namespace, but a working directory on it still reaches it. (So
# what COMMAND reads lies in $T and is named by "$T/...", not by a path
# expanded before.) host_lock's holder waits for the watchers before it lets
# the lock go.
reap_on_death() {
        local pid=${1:?} cmd=${2:-} start self
        proc_start "$pid" || return 0
        start=$REPLY
        proc_start "$$" || fail "cannot read the start time of the test's shell"
        self=$REPLY
        mkdir -p "$T/.reap"
        (
                trap - EXIT
                set +e
                closefds
                cd "$T" || exit
                exec </dev/null >/dev/null 2>&1
                reap_watch "$pid" "$start" "$self" "$cmd" &
        )
}

# reap_watch PID START SELF COMMAND: the watcher of reap_on_death.
reap_watch() {
        local pid=$1 start=$2 self=$3 cmd=$4 nap i
        : >"$T/.reap/$BASHPID"
        # a pipe of its own, read and written by it alone: read -t waits on
        # it without a fork (sleep would be one five times a second)
        exec {nap}<> <(:)
        # shellcheck disable=SC2015
        while proc_start "$$" && [ "$REPLY" = "$self" ]; do
                proc_start "$pid" && [ "$REPLY" = "$start" ] || exit 0
                read -r -t 0.2 -u "$nap" _
        done
        proc_start "$pid" && [ "$REPLY" = "$start" ] || exit 0
        [ -z "$cmd" ] || ( exec {nap}<&-; T=.; eval "$cmd" )
        for ((i = 0; i < 50; i++)); do
                proc_start "$pid" && [ "$REPLY" = "$start" ] || exit 0
                [ "$i" -ne 0 ] || { kill -TERM "$pid"; kill -CONT "$pid"; }
                read -r -t 0.1 -u "$nap" _
        done
        kill -KILL "$pid"
}
