/* Running a helper program (bootc, rpm-ostree) and collecting its output, with
 * a cap on the output and a time limit. No shell is involved. */
#pragma once

#include <signal.h>
#include <stddef.h>

/* Looks name up in $PATH (a default of /usr/local/bin:/usr/bin:/bin when
 * unset): the first regular, executable file. Returns 0 with *ret owning the
 * path, or -ENOENT. */
int find_executable(const char *name, char **ret);

struct spawn_result {
        char *out;              /* stdout, NUL-terminated */
        size_t out_len;
        char *err_line;         /* last non-empty line of stderr, printable ASCII only; NULL if none */
        int status;             /* exit code, or 128 + signal number */
};

void spawn_result_release(struct spawn_result *r);

/* Runs path with argv (argv[0] is the name shown to the program), stdin from
 * /dev/null, default signal dispositions. Collects stdout up to max bytes and
 * the last line of stderr. Returns 0 once the program has exited (whatever its
 * status); -EFBIG when stdout exceeds max, -ETIMEDOUT after timeout_ms,
 * -ECANCELED when *cancel becomes non-zero: in those cases the program is
 * killed (SIGKILL to its pid) and reaped. */
int spawn_capture(const char *path, char *const argv[], size_t max, int timeout_ms,
                  const volatile sig_atomic_t *cancel, struct spawn_result *ret);
