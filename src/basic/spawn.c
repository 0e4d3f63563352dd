/* Running helper programs; see spawn.h. posix_spawn with two pipes read by
 * poll() until both close, under a deadline on the monotonic clock. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "macros.h"

extern char **environ;

#define SPAWN_STDERR_MAX 4096   /* stderr kept: its tail, for the last line */

int find_executable(const char *name, char **ret)
{
        const char *path = getenv("PATH"), *p;

        if (!path || !*path)
                path = "/usr/local/bin:/usr/bin:/bin";
        for (p = path;; p++) {
                size_t n = strcspn(p, ":");
                _cleanup_(freep) char *full = NULL;
                struct stat st;

                if (asprintf(&full, "%.*s/%s", (int) n, n ? p : ".", name) < 0)
                        return -ENOMEM;
                if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0) {
                        *ret = TAKE_PTR(full);
                        return 0;
                }
                p += n;
                if (!*p)
                        return -ENOENT;
        }
}

void spawn_result_release(struct spawn_result *r)
{
        free(r->out);
        free(r->err_line);
        *r = (struct spawn_result) { 0 };
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The last non-empty line of s, with anything but printable ASCII replaced. */
static char *last_line(const char *s, size_t n)
{
        size_t end = n, start;
        char *line;

        while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r' || s[end - 1] == ' '))
                end--;
        if (end == 0)
                return NULL;
        start = end;
        while (start > 0 && s[start - 1] != '\n')
                start--;
        line = strndup(s + start, end - start);
        for (char *c = line; c && *c; c++)
                if (*c < 0x20 || *c == 0x7f)
                        *c = '?';
        return line;
}

/* Reads what fd has into b; the stderr buffer keeps only its last part. */
static int drain(int fd, struct buf *b, bool tail, bool *eof)
{
        char chunk[16384];
        ssize_t k;

        do
                k = read(fd, chunk, sizeof(chunk));
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return errno == EAGAIN ? 0 : negative_errno();
        if (k == 0) {
                *eof = true;
                return 0;
        }
        if (tail && b->len + (size_t) k > SPAWN_STDERR_MAX) {
                size_t keep = b->len > SPAWN_STDERR_MAX / 2 ? SPAWN_STDERR_MAX / 2 : b->len;

                memmove(b->data, b->data + b->len - keep, keep);
                b->len = keep;
                if ((size_t) k > SPAWN_STDERR_MAX / 2) {
                        memmove(chunk, chunk + k - SPAWN_STDERR_MAX / 2, SPAWN_STDERR_MAX / 2);
                        k = SPAWN_STDERR_MAX / 2;
                }
        }
        return buf_append(b, chunk, (size_t) k);
}

static int spawn_child(const char *path, char *const argv[], int out_fd, int err_fd, pid_t *ret_pid)
{
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, all;
        int r;

        sigemptyset(&none);
        sigfillset(&all);
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        /* The child starts with every signal at its default (ours ignores
         * SIGPIPE and catches SIGINT) and none blocked. */
        r = posix_spawnattr_setsigdefault(&attr, &all);
        r = r ?: posix_spawnattr_setsigmask(&attr, &none);
        r = r ?: posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
        r = r ?: posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        r = r ?: posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
        r = r ?: posix_spawn_file_actions_adddup2(&fa, err_fd, STDERR_FILENO);
        r = r ?: posix_spawn(ret_pid, path, &fa, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        posix_spawn_file_actions_destroy(&fa);
        return -r;
}

/* Reaps pid: at once (after SIGKILL) when kill_it, else waiting until the
 * deadline (a program may close its output and go on running), then killing it. */
static int wait_child(pid_t pid, bool kill_it, long long deadline, const volatile sig_atomic_t *cancel,
                      int *ret_status)
{
        const struct timespec tick = { 0, 10 * 1000 * 1000 };
        int st, r = 0;
        pid_t p;

        while (!kill_it) {
                p = waitpid(pid, &st, WNOHANG);
                if (p == pid)
                        goto done;
                if (p < 0 && errno != EINTR)
                        return negative_errno();
                if (cancel && *cancel)
                        r = -ECANCELED;
                else if (now_ms() >= deadline)
                        r = -ETIMEDOUT;
                kill_it = r < 0;
                if (!kill_it)
                        nanosleep(&tick, NULL);
        }
        (void) kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
done:
        *ret_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return r;
}

int spawn_capture(const char *path, char *const argv[], size_t max, int timeout_ms,
                  const volatile sig_atomic_t *cancel, struct spawn_result *ret)
{
        _cleanup_(closep) int out_r = -1, out_w = -1, err_r = -1, err_w = -1;
        _cleanup_(buf_release) struct buf out, err;
        long long deadline = now_ms() + timeout_ms;
        bool out_eof = false, err_eof = false;
        int fds[2], status, k, r = 0;
        pid_t pid;

        buf_init(&out, max);
        buf_init(&err, SPAWN_STDERR_MAX + 1);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        out_r = fds[0], out_w = fds[1];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return negative_errno();
        err_r = fds[0], err_w = fds[1];
        r = spawn_child(path, argv, out_w, err_w, &pid);
        if (r < 0)
                return r;
        close(TAKE_FD(out_w));
        close(TAKE_FD(err_w));

        while (r >= 0 && !(out_eof && err_eof)) {
                struct pollfd p[2] = { { out_eof ? -1 : out_r, POLLIN, 0 }, { err_eof ? -1 : err_r, POLLIN, 0 } };
                long long left = deadline - now_ms();
                int n;

                if (cancel && *cancel)
                        r = -ECANCELED;
                else if (left <= 0)
                        r = -ETIMEDOUT;
                if (r < 0)
                        break;
                n = poll(p, 2, left > 250 ? 250 : (int) left);  /* wake up to see *cancel */
                if (n < 0 && errno != EINTR)
                        r = negative_errno();
                if (n <= 0)
                        continue;
                if (p[0].revents)
                        r = drain(out_r, &out, false, &out_eof);
                if (r >= 0 && p[1].revents)
                        r = drain(err_r, &err, true, &err_eof);
                if (r == -E2BIG)
                        r = -EFBIG;
        }
        k = wait_child(pid, r < 0, deadline, cancel, &status);
        if (r >= 0)
                r = k;
        if (r < 0)
                return r;
        *ret = (struct spawn_result) { .out_len = out.len, .status = status };
        ret->err_line = err.len ? last_line(err.data, err.len) : NULL;
        ret->out = buf_steal(&out);
        if (!ret->out) {
                spawn_result_release(ret);
                return -ENOMEM;
        }
        return 0;
}
