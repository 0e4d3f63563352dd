# Shared helpers for the end-to-end tests. Each test script is run by CTest as
#   bash tests/e2e/test-NAME.sh BINARY SHARED_DIR
# and sources this file. Exit 0 pass, 1 fail, 77 skip (with the reason printed).
set -euo pipefail

DW=${1:?usage: test-NAME.sh DRIFTWATCH SHARED_DIR}
# A case that runs the release binary in `make check` runs the sanitizer
# build's with DW_E2E_SANITIZE=all (`make check-asan`; tests/CMakeLists.txt).
if [ "${DW_E2E_SANITIZE:-}" = all ] && [ -n "${DW_SANITIZER_BINARY:-}" ]; then
        DW=$DW_SANITIZER_BINARY
fi
# The release build's binary, for performance and memory bounds when $DW is a
# sanitizer build (tests/CMakeLists.txt); else $DW itself.
DW_RELEASE=${DW_RELEASE:-$DW}
# The tools scripts/deps.sh installs come first, ahead of whatever a user's
# PATH puts before them (a version manager's python3 shim costs most of a
# second per call, and the tests call python3 hundreds of times).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
SHARED=${2:-}

# Each test runs in a private mount namespace of its own, its scratch
# directory $T a tmpfs mounted there: nothing it mounts leaks to the host,
# the scratch space vanishes with the namespace even when the test is killed,
# and the many small files the tests make and remove cost no disk (a discard
# mount turns every unlink into a TRIM; a fsync is free). The empty mount
# point left on the host's /tmp is removed once the test is done.
# A test that builds sysroots or mounts things sources this file with
# DW_SANDBOX=host-readonly: the host's /etc, /usr and /var are then read-only
# in its namespace as well, so no mistake of its own (an empty variable in a
# path it removes) can reach them.
if [ "${DW_SCRATCH_NS:-}" != 1 ]; then
        if ! command -v unshare >/dev/null; then
                [ "${CI:-}" != true ] || { echo "FAIL: unshare (util-linux) is not installed" >&2; exit 1; }
                echo "SKIP: unshare (util-linux) is not installed: the tests need a mount namespace" >&2
                exit 77
        fi
        T=$(mktemp -d /tmp/dw-e2e.XXXXXX)
        case "$T" in /tmp/dw-e2e.?*) ;; *) echo "FAIL: unexpected scratch directory '$T'" >&2; exit 1 ;; esac
        rc=0
        # DW_NETNS=private: a network namespace of the test's own too, its
        # loopback up, for tests that run receivers on ports they restart: no
        # other test can take such a port while its receiver is down.
        netns=()
        [ "${DW_NETNS:-}" != private ] || netns=(--net)
        unshare --mount --propagation private "${netns[@]}" -- \
                env DW_SCRATCH_NS=1 DW_SCRATCH="$T" DW_SANDBOX="${DW_SANDBOX:-}" DW_NETNS="${DW_NETNS:-}" /bin/bash -c '
                mount -t tmpfs -o mode=0700 driftwatch-test "$DW_SCRATCH" ||
                        { echo "FAIL: cannot mount the scratch tmpfs on $DW_SCRATCH" >&2; exit 1; }
                if [ "$DW_NETNS" = private ]; then
                        ip link set lo up || { echo "FAIL: cannot bring up the loopback of the test network namespace" >&2; exit 1; }
                fi
                if [ "${DW_SANDBOX:-}" = host-readonly ]; then
                        for d in /etc /usr /var; do
                                mount --rbind "$d" "$d" && mount -o remount,bind,ro "$d" ||
                                        { echo "FAIL: cannot make $d read-only in the test namespace" >&2; exit 1; }
                        done
                fi
                exec /bin/bash "$0" "$@"' "$0" "$@" || rc=$?
        rmdir "${T:?}" 2>/dev/null || true
        exit "$rc"
fi
DW_SANDBOXED=0
if [ "${DW_SANDBOX:-}" = host-readonly ]; then
        for d in /etc /usr /var; do
                if [ -w "$d" ]; then echo "FAIL: $d is writable inside the test namespace" >&2; exit 1; fi
        done
        DW_SANDBOXED=1
fi
T=${DW_SCRATCH:?}
case "$T" in /tmp/dw-e2e.?*) ;; *) echo "FAIL: unexpected scratch directory '$T'" >&2; exit 1 ;; esac
[ "$(stat -f -c %T "$T")" = tmpfs ] || { echo "FAIL: scratch directory '$T' is not the test's tmpfs" >&2; exit 1; }
cleanup_hooks=()
# closefds, proc_start, reap_on_death
# shellcheck source=lib-proc.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-proc.sh"

# DW_SAMPLE_DIR=DIR (examples/generate-findings.sh collects the sample
# findings from the suite's own runs): $DW becomes DIR/bin/TEST/driftwatch, a
# wrapper that execs the binary (same pid, arguments, standard input, stderr
# and exit status) and, when --format json or jsonl is given, also copies what
# it prints on stdout into DIR/TEST.*.jsonl (and the command line into a .cmd
# file beside it), as it copies the agent's --output file:PATH: a regular file is followed by a tail of its own from where
# the binary starts writing; a pipe or /dev/null gets a tee between the binary
# and it. A terminal is left alone. The tests that look at the build directory
# around $DW, copy the binary or ldd it run it unwrapped, as does the one whose
# stdout is a pipe nobody reads (a tee would take the EPIPE); so does
# $DW_RELEASE, for the performance and memory bounds.
if [ -n "${DW_SAMPLE_DIR:-}" ]; then
        case ${0##*/} in
        test-install.sh | test-options-docs.sh | test-units.sh | test-agent-guard.sh | test-bad-input.sh | \
                test-closed-output.sh | test-image-verify-on-top.sh | test-scan-live-mounts.sh | \
                test-posture-selinux-live.sh) ;;
        *)
                sample_test=${0##*/}
                sample_test=${sample_test%.sh}
                mkdir -p "$DW_SAMPLE_DIR/bin/$sample_test" || fail "cannot create '$DW_SAMPLE_DIR/bin/$sample_test'"
                { printf '#!/bin/bash\nreal=%q out=%q/%q\n' "$(realpath "$DW")" "$(realpath "$DW_SAMPLE_DIR")" "$sample_test"
                  declare -f closefds
                  cat <<'EOF'
json= prev=
for a in "$@"; do
        case $prev in --format) case $a in json | jsonl) json=1 ;; esac ;; esac
        case $a in --format=json | --format=jsonl) json=1 ;; esac
        prev=$a
done
f=$out.$$.${EPOCHREALTIME/./}
# The copiers are no children of the binary (they are orphans at once: a test
# may look at its children) and keep none of the caller's other descriptors
# (a pipe's reader would wait for them: closefds, lib.sh's, above).
# The agent's file outputs (JSON Lines whatever the format), followed by name.
n=0 prev=
for a in "$@"; do
        case $prev/$a in
        --output/file:?*) n=$((n + 1)); ( (closefds; exec tail -n +1 -F -s 0.05 --pid=$$ "${a#file:}" </dev/null >"$f.$n.jsonl" 2>/dev/null) & ) ;;
        esac
        case $a in --output=file:?*) n=$((n + 1)); ( (closefds; exec tail -n +1 -F -s 0.05 --pid=$$ "${a#--output=file:}" </dev/null >"$f.$n.jsonl" 2>/dev/null) & ) ;; esac
        prev=$a
done
{ [ -n "$json" ] && [ -e /proc/self/fd/1 ] && ! [ -t 1 ]; } || exec "$real" "$@"
printf '%q ' "$@" >"$f.cmd"
if [ -f /proc/self/fd/1 ]; then
        # (its own open of the file by name, which tail follows with inotify,
        # as the binary writes: a test may truncate it right after the exit)
        pos=0
        while read -r k v; do [ "$k" != pos: ] || pos=$v; done </proc/self/fdinfo/1
        ( (closefds; exec tail -c +$((pos + 1)) -s 0.02 --pid=$$ -f "$(readlink /proc/$$/fd/1)" </dev/null >"$f.jsonl" 2>/dev/null) & )
else
        mkfifo "$f.fifo"
        ( (closefds; exec tee -a "$f.jsonl" <"$f.fifo" 2>/dev/null) & )
        exec >"$f.fifo"
        rm -f "$f.fifo"
fi
exec "$real" "$@"
EOF
                } >"$DW_SAMPLE_DIR/bin/$sample_test/driftwatch" && chmod +x "$DW_SAMPLE_DIR/bin/$sample_test/driftwatch" ||
                        fail "cannot write the sample wrapper in '$DW_SAMPLE_DIR/bin/$sample_test'"
                DW=$DW_SAMPLE_DIR/bin/$sample_test/driftwatch
                ;;
        esac
fi

# rpm_spec NAME: the head of a noarch test package's spec (version 1.0-1);
# its %description, subpackages, %install and %files follow on stdin. The
# spec is written to $T/top/SPECS/NAME.spec for rpmbuild --define "_topdir $T/top".
rpm_spec() {
        mkdir -p "$T/top/SPECS"
        {
                printf 'Name: %s\nVersion: 1.0\nRelease: 1\nSummary: driftwatch test package\n' "${1:?}"
                printf 'License: MIT\nBuildArch: noarch\n'
                cat
        } >"$T/top/SPECS/$1.spec"
}

# sample_keep FILE...: the JSON output of a run the DW_SAMPLE_DIR wrapper
# cannot see (a chrooted or copied binary, above) kept for
# examples/generate-findings.sh all the same; nothing without DW_SAMPLE_DIR.
sample_keep() {
        local f
        [ -n "${DW_SAMPLE_DIR:-}" ] || return 0
        for f; do
                cp -- "$f" "$DW_SAMPLE_DIR/${0##*/}.kept.$BASHPID.$RANDOM.jsonl" || fail "cannot keep '$f' as a sample"
        done
}

cleanup() {
        local rc=$? h
        for h in "${cleanup_hooks[@]}"; do
                eval "$h" || true
        done
        jsonl_check_kept || rc=1
        # The scratch tmpfs, immutable deployments and all, is detached at
        # once (a process the test failed to stop may keep the namespace
        # alive); its memory goes when the last file on it is closed.
        cd /
        umount --lazy "${T:?}" 2>/dev/null || true
        exit "$rc"
}
trap cleanup EXIT

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# skip REASON: the test cannot run here. Under CI=true, where scripts/deps.sh
# guarantees every tool and ../shared lies beside the checkout, that is a failure.
skip() {
        if [ "${CI:-}" = true ]; then
                fail "cannot run: $* (a failure under CI=true)"
        fi
        echo "SKIP: $*" >&2
        exit 77
}

# sanitized: whether $DW is the AddressSanitizer build (as `make check` runs
# the suite): its memory is no measure of ours, so a memory bound is checked
# on $DW_RELEASE instead.
sanitized() {
        if [ -z "${DW_SANITIZED:-}" ]; then
                DW_SANITIZED=no
                case $(ldd "$DW" 2>/dev/null || true) in *libasan*) DW_SANITIZED=yes ;; esac
        fi
        [ "$DW_SANITIZED" = yes ]
}

# host_lock NAME: tests that touch the host (auditd and its rules, files in
# /etc) take a lock of their name first, so two runs of the suite on one
# machine wait for each other instead of colliding. The lock is held by a
# flock process of its own until this shell exits, however it exits, and
# then until the watchers of reap_on_death are done (a test killed hard has
# its auditd stopped and rules removed before the next run may start): no
# daemon a test starts (auditd, conmon) inherits it, so none that outlives a
# test killed hard can hold every later run's lock. (tail's output goes to
# /dev/null: tail -f ends when the pipe it writes to closes.)
host_lock() {
        local f=/run/lock/driftwatch-test-$1.lock got=
        mkfifo "$T/.host-lock-$1" || fail "cannot make the fifo for lock '$f'"
        flock -o -w 900 "$f" sh -c 'echo held; exec >/dev/null; cd "$1" || exit; tail --pid="$0" -f /dev/null
                for w in .reap/*; do [ ! -e "$w" ] || tail -s 0.1 --pid="${w##*/}" -f /dev/null; done' "$$" "$T" \
                >"$T/.host-lock-$1" </dev/null 2>/dev/null &
        read -r got <"$T/.host-lock-$1" || true
        [ "$got" = held ] || fail "another run held '$f' for 15 minutes"
}

# status_of PID FIELD: FIELD of /proc/PID/status (Seccomp, CapBnd, VmRSS...).
status_of() {
        sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# wait_jq FILE JQ_FILTER WHAT: waits (10 s at most) until a line of FILE
# matches JQ_FILTER, else fails saying WHAT.
wait_jq() {
        for _ in $(seq 1 200); do
                jq -e -s "any(.[]; $2)" "$1" >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        fail "$3"
}

# run EXPECTED_EXIT CMD...: runs CMD, stdout to $T/out, stderr to $T/err, and
# checks the exit status.
run() {
        local want=$1 rc=0
        shift
        "$@" >"$T/out" 2>"$T/err" || rc=$?
        if [ "$rc" -ne "$want" ]; then
                echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
                fail "'$*' exited $rc, expected $want"
        fi
}

# findings FILE: action, path (JSON-quoted, so control characters show as
# escapes) and changed attributes (or -) of each JSON Lines finding, one per
# line, sorted: the shape the expectations are written in. The run summary
# (DW-RUN-SUMMARY, every run's last line) is not a finding.
findings() {
        jq -r 'select(.rule.id != "DW-RUN-SUMMARY") | [.event.action, (.file.path | tojson),
                (.driftwatch.changed | if length == 0 then "-" else join(",") end)] | join(" ")' "$1" |
                LC_ALL=C sort
}

# no_findings FILE: the output of a run holds no finding: nothing, or (JSON)
# only the run summary every run ends with.
no_findings() {
        ! grep -qv '"rule":{"id":"DW-RUN-SUMMARY"' "$1"
}

# drop_summary FILE: the findings of a JSON run without the run summary it
# ends with, for the tests that look at the findings alone.
drop_summary() {
        grep -v '"rule":{"id":"DW-RUN-SUMMARY"' "$1" >"$1.findings" || true
        mv "$1.findings" "$1"
}

# expect_findings FILE <<EOF ... EOF: compares findings FILE with stdin.
expect_findings() {
        local want="$T/want.$RANDOM"
        LC_ALL=C sort >"$want"
        if ! diff -u "$want" <(findings "$1"); then
                fail "findings differ from the expectation (- expected, + got)"
        fi
}

# expect_valid_jsonl FILE: every line of FILE must be one JSON value. The
# tests call this after most runs, and a jq start costs more than the run it
# checks: FILE is copied aside (named by the caller's line) and every copy is
# checked in one jq when the test ends (jsonl_check_kept, from the EXIT trap);
# $T/.jsonl-kept.index says which file each copy is and which line asked.
expect_valid_jsonl() {
        local d=$T/.jsonl-kept from=${BASH_SOURCE[1]:-test} name
        [ -d "$d" ] || mkdir -p "$d"
        jsonl_kept=$((${jsonl_kept:-0} + 1))
        name=$jsonl_kept.$BASHPID
        cp -- "$1" "$d/$name" || fail "cannot keep a copy of $1 to check"
        printf '%s\t%s\t%s\n' "$name" "${from##*/}:${BASH_LINENO[0]}" "$1" >>"$d.index"
}

# jsonl_values_and_lines FILE...: "VALUES LINES" of the files together: JSON
# values jq reads from them, and lines (a last one without a newline counts).
jsonl_values_and_lines() {
        echo "$(jq -n 'reduce inputs as $_ (0; . + 1)' -- "$@" 2>/dev/null || echo invalid)" \
                "$(awk 'END { print NR }' "$@")"
}

# jsonl_check_kept: the files expect_valid_jsonl kept are JSON Lines, or the
# test fails naming the first that is not and the line that asked.
jsonl_check_kept() {
        local d=$T/.jsonl-kept f from file n
        [ -d "$d" ] || return 0
        n=$(jsonl_values_and_lines "$d"/*)
        [ "${n% *}" != "${n#* }" ] || return 0
        while IFS=$'\t' read -r f from file; do
                n=$(jsonl_values_and_lines "$d/$f")
                [ "${n% *}" = "${n#* }" ] && continue
                echo "FAIL: $file is not valid JSON Lines (checked for $from)" >&2
                return 1
        done <"$d.index"
        echo "FAIL: the outputs kept to check are not valid JSON Lines together" >&2
        return 1
}

# One line on stderr, naming the input.
expect_one_error_line() {
        local name=$1
        [ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "expected exactly one error line"; }
        grep -qF -- "$name" "$T/err" || { cat "$T/err"; fail "error does not name '$name'"; }
}

# deep_at DIR LEVEL OP NAME [TEXT]: a chain of directories named dNN and 197
# 'x' (200 bytes) below DIR, made down to LEVEL as needed; then in the one at
# LEVEL (0: DIR itself) OP on NAME: write (TEXT), big (2 MiB of 'B'), suid (a
# file of mode 4755), rm. "deep_at DIR LEVEL mkdir" only makes the chain.
# Through directory descriptors: its paths may pass PATH_MAX, past which
# mkdir -p and the shell's redirections fail.
deep_at() {
        command -v python3 >/dev/null || skip "python3 is not installed"
        python3 -c '
import os, sys
op, fd = sys.argv[3], os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
for i in range(1, int(sys.argv[2]) + 1):
        name = "d%02d" % i + "x" * 197
        try:
                os.mkdir(name, 0o755, dir_fd=fd)
        except FileExistsError:
                pass
        sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        os.close(fd)
        fd = sub
def write(data, mode=0o644):
        f = os.open(sys.argv[4], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode, dir_fd=fd)
        os.write(f, data)
        os.fchmod(f, mode)
        os.close(f)
if op == "write":
        write(sys.argv[5].encode())
elif op == "big":
        write(b"B" * (2 << 20))
elif op == "suid":
        write(b"#!/bin/sh\n", 0o4755)
elif op == "rm":
        os.unlink(sys.argv[4], dir_fd=fd)
' "$@"
}

# deep_chain LEVEL: the path of deep_at's directory at LEVEL, relative to the
# top of the chain: "/d01xxx.../dNNxxx...".
deep_chain() {
        local i p=""
        for ((i = 1; i <= $1; i++)); do
                p+=/$(printf 'd%02d' "$i")$(printf 'x%.0s' {1..197})
        done
        printf '%s' "$p"
}

# unit_cgroup NAME: makes a test cgroup named like a systemd unit where systemd
# would look for it (the name=systemd hierarchy on cgroup v1 or hybrid hosts,
# /sys/fs/cgroup on v2; skips without either) and sets CG to its path. The
# caller removes it (rmdir) once no process is left in it.
unit_cgroup() {
        local root old
        if [ -f /sys/fs/cgroup/systemd/cgroup.procs ]; then
                root=/sys/fs/cgroup/systemd
        elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
                root=/sys/fs/cgroup
        else
                skip "no name=systemd or cgroup v2 hierarchy at /sys/fs/cgroup"
        fi
        CG=$root/${1:?}
        # A test killed hard leaves its cgroup (empty once its watcher killed
        # the process in it): the callers hold the audit-live lock, so an
        # empty one of this name is a leftover (rmdir refuses one in use).
        for old in "$root"/driftwatch-test-run*.service; do
                [ ! -d "$old" ] || rmdir "$old" 2>/dev/null || true
        done
        mkdir "$CG" || fail "cannot create the test cgroup '$CG'"
}

# need_journal_remote: sets REMOTE to systemd-journal-remote, which makes real
# journal files from export streams (--output=FILE.journal), or skips.
need_journal_remote() {
        REMOTE=/lib/systemd/systemd-journal-remote
        [ -x "$REMOTE" ] || REMOTE=/usr/lib/systemd/systemd-journal-remote
        [ -x "$REMOTE" ] || skip "systemd-journal-remote is not installed (Debian package systemd-journal-remote)"
}

# drop_posture FILE: the JSON Lines of FILE without the posture records
# (event.dataset driftwatch.posture), which `scan` adds after its other steps;
# FILE.all keeps them all.
drop_posture() {
        cp "$1" "$1.all"
        jq -c 'select(.event.dataset != "driftwatch.posture")' "$1.all" >"$1"
}

# signed_policy ROOT: a signature policy under ROOT that requires a signature
# with a key that exists, so that posture raises nothing about it.
signed_policy() {
        mkdir -p "$1/etc/containers" "$1/etc/pki"
        printf 'key\n' >"$1/etc/pki/k.gpg"
        printf '{"default": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/etc/pki/k.gpg"}]}\n' \
                >"$1/etc/containers/policy.json"
}

# containers_storage DIR NAME IMAGE: a containers-storage (overlay driver) at
# DIR with one image IMAGE and one container NAME on it; the image layer's and
# the container's upper directories are $CS_LOWER and $CS_UPPER, with etc/ made.
containers_storage() {
        local s=$1 l u id
        l=$(printf '%064x' 1) u=$(printf '%064x' 2) id=$(printf '%064x' 3)
        mkdir -p "$s"/{overlay-layers,overlay-images,overlay-containers,overlay/l} "$s/overlay/$l/diff/etc" \
                "$s/overlay/$u/diff/etc"
        ln -s "../$l/diff" "$s/overlay/l/AAAA"
        printf 'l/AAAA' >"$s/overlay/$u/lower"
        printf '[{"id":"%s"},{"id":"%s","parent":"%s"}]' "$l" "$u" "$l" >"$s/overlay-layers/layers.json"
        printf '[{"id":"%s","names":["%s"],"layer":"%s"}]' "$id" "$3" "$l" >"$s/overlay-images/images.json"
        printf '[{"id":"%s","names":["%s"],"image":"%s","layer":"%s"}]' "$id" "$2" "$id" "$u" \
                >"$s/overlay-containers/containers.json"
        CS_LOWER=$s/overlay/$l/diff CS_UPPER=$s/overlay/$u/diff
}
