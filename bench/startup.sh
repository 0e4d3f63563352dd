#!/usr/bin/env bash
# Start-up cost: CPU time of `driftwatch --version` against `ostree --version`
# and `aide --version` in the same run, the smallest program's start-up (a
# C program that returns at once, linked against libc alone) as the floor.
# A small runner starts each command N times (default 300) with posix_spawn
# and adds up the user and system CPU that wait4() reports for it: the
# process's own CPU from exec to exit, without a shell's fork in the figure.
# The commands take turns, run by run, so a noisy neighbour hits them alike.
#   bench/startup.sh [--runs N] [BUILD_DIR]
set -euo pipefail
name=startup
runs=300
build=build
while [ $# -gt 0 ]; do
        case $1 in
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
        *) build=$1; shift ;;
        esac
done
cd "$(dirname "$0")/.."
source bench/lib.sh
[ -x "$build/driftwatch" ] || die "no $build/driftwatch: run 'make build' first"
command -v ostree >/dev/null || die "ostree is missing (scripts/deps.sh)"
command -v aide >/dev/null || die "aide is missing (scripts/deps.sh)"
command -v cc >/dev/null || die "no C compiler (scripts/deps.sh)"
tmp=$(mktemp -d /tmp/dw-bench-startup.XXXXXX)
trap 'rm -rf "${tmp:?}"' EXIT
printf 'int main(void) { return 0; }\n' >"$tmp/floor.c"
cc -O2 -o "$tmp/floor" "$tmp/floor.c" || die "cannot build the floor program"

# runner RUNS CMD... -- CMD... --: starts each command RUNS times in turn,
# stdout and stderr to /dev/null; prints each command's CPU ms per run.
cat >"$tmp/runner.c" <<'C'
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
        char **cmd[16];
        double cpu[16] = { 0 };
        int n = 0, runs = atoi(argv[1]);
        posix_spawn_file_actions_t fa;

        for (int i = 2; i < argc && n < 16; i++) {
                cmd[n++] = &argv[i];
                while (i < argc && strcmp(argv[i], "--") != 0)
                        i++;
                argv[i] = NULL;
        }
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        for (int r = 0; r < runs; r++)
                for (int c = 0; c < n; c++) {
                        struct rusage ru;
                        pid_t pid;
                        int status;

                        if (posix_spawnp(&pid, cmd[c][0], &fa, NULL, cmd[c], environ) != 0 ||
                            wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                                fprintf(stderr, "'%s' did not run cleanly\n", cmd[c][0]);
                                return 1;
                        }
                        cpu[c] += ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
                                  ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
                }
        for (int c = 0; c < n; c++)
                printf("%.3f\n", cpu[c] / runs);
        return 0;
}
C
cc -O2 -o "$tmp/runner" "$tmp/runner.c" || die "cannot build the runner"

keys=(floor driftwatch ostree aide)
mapfile -t cpu < <("$tmp/runner" "$runs" "$tmp/floor" -- "$build/driftwatch" --version -- ostree --version -- \
        aide --version --) || die "a command failed to start"
[ "${#cpu[@]}" -eq 4 ] || die "the runner printed ${#cpu[@]} figures, expected 4"
declare -A ms
for i in "${!keys[@]}"; do
        ms[${keys[$i]}]=${cpu[$i]}
done
echo "start-up CPU per run (user + system from exec to exit, $runs runs each, in turn):"
for key in "${keys[@]}"; do
        printf '  %-22s %6.2f ms\n' "$key" "${ms[$key]}"
done
awk -v d="${ms[driftwatch]}" -v o="${ms[ostree]}" -v a="${ms[aide]}" -v f="${ms[floor]}" 'BEGIN {
        printf "driftwatch --version: %.1fx less CPU than ostree --version, %.1fx less than aide --version, %.2f ms above the floor\n",
               o / d, a / d, d - f }'
