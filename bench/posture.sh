#!/usr/bin/env bash
# The whole `driftwatch posture` of this machine's / (signature policy,
# registries, units, cron, linker and shells, dispatcher scripts, mount
# options, SELinux and the walk for executables under /var) against the
# three oracles of the same files in the same run: `sshd -T` (the effective
# sshd configuration), `visudo -c` (sudoers and its includes) and
# `systemd-analyze verify` of the units in /etc/systemd/system. Goal: the
# whole posture check in less time than the three together.
#   bench/posture.sh [--runs N] [BUILD_DIR]
# Needs root (sshd -T and visudo read root-only files); a missing
# /run/sshd (sshd -T refuses to run without it) is made for the run and
# removed after. The /var executables are recorded in a scratch state
# database, not the host's.
set -euo pipefail
name=posture
runs=5
build=build
while [ $# -gt 0 ]; do
        case $1 in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
        *) build=$1; shift ;;
        esac
done
cd "$(dirname "$0")/.."
source bench/lib.sh
require_gnu_time
[ -x "$build/driftwatch" ] || die "no $build/driftwatch: run 'make build' first"
sshd=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$sshd" ] || die "sshd is missing (openssh-server, scripts/deps.sh)"
command -v visudo >/dev/null || die "visudo is missing (sudo)"
command -v systemd-analyze >/dev/null || die "systemd-analyze is missing (systemd)"
[ "$(id -u)" = 0 ] || die "run it as root: sshd -T and visudo -c read root-only files"
tmp=$(mktemp -d /tmp/dw-bench-posture.XXXXXX)
made_run_sshd=
cleanup() {
        [ -z "$made_run_sshd" ] || rmdir /run/sshd
        rm -rf "${tmp:?}"
}
trap cleanup EXIT
if [ ! -d /run/sshd ]; then
        mkdir -m 0755 /run/sshd
        made_run_sshd=1
fi
mapfile -t units < <(find /etc/systemd/system -maxdepth 1 ! -type d \( -name '*.service' -o -name '*.socket' \
        -o -name '*.timer' -o -name '*.path' -o -name '*.mount' -o -name '*.target' \) | sort)
[ "${#units[@]}" -gt 0 ] || die "no units in /etc/systemd/system to verify"
note "$name: $runs runs; ${#units[@]} units in /etc/systemd/system"

# Untimed: the first posture records the /var executables, later ones compare.
"$build/driftwatch" posture --state "$tmp/state.db" --format json >"$tmp/first.json" 2>/dev/null || [ $? = 1 ] ||
        die "driftwatch posture failed"
measure posture 0,1 "$tmp/posture.json" "$build/driftwatch" posture --state "$tmp/state.db" --format json
measure sshd 0 /dev/null "$sshd" -T
measure visudo 0 /dev/null visudo -c
measure analyze 0,1 /dev/null systemd-analyze verify "${units[@]}"
median_s[oracles]=$(awk -v a="${median_s[sshd]}" -v b="${median_s[visudo]}" -v c="${median_s[analyze]}" \
        'BEGIN { printf "%.3f", a + b + c }')
peak_mib[oracles]=-

echo
printf '  %-44s %10s %14s\n' "command (median of $runs)" "wall s" "peak RSS MiB"
row "driftwatch posture (whole, $(jq -s length "$tmp/posture.json") findings)" posture
row "sshd -T" sshd
row "visudo -c" visudo
row "systemd-analyze verify (${#units[@]} units)" analyze
row "the three oracles together" oracles
echo
ratio "oracles together / driftwatch posture" oracles posture ">=" 1
exit $((goals_missed > 0))
