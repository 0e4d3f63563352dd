/* Unit tests for the helpers a hostile tree meets first: src/basic/fd-util.c
 * (opening below a root, with and without openat2; opening only what is a
 * regular file, in a process and in its forked child; a directory moved
 * away; reads a signal interrupts),
 * src/basic/xattr-util.c, the bounded, sparse-aware and cancellable hashing of
 * src/basic/sha256.c and the saturating time conversion of time-util.c. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "tmpdir.h"
#include "basic/fd-util.h"
#include "basic/macros.h"
#include "basic/sha256.h"
#include "basic/time-util.h"
#include "basic/xattr-util.h"

struct scratch {
        char dir[TMPDIR_LEN];
        int fd;
};

static int setup(void **state)
{
        struct scratch *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        tmpdir_make(s->dir, "fd-util");
        s->fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(s->fd >= 0);
        *state = s;
        return 0;
}

static int teardown(void **state)
{
        struct scratch *s = *state;

        close(s->fd);
        tmpdir_remove(s->dir);
        free(s);
        return 0;
}

static void put(int dirfd, const char *name, const char *text)
{
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write_all(fd, text, strlen(text)), 0);
        close(fd);
}

/* Whether opening 'name' with fn generates an IN_OPEN event: the kernel's
 * witness that the inode was opened (a tape rewinds, a tty is taken). */
static bool opened_by(int dirfd, const char *dir, const char *name, int (*fn)(int, const char *))
{
        char path[128], ev[sizeof(struct inotify_event) + NAME_MAX + 1];
        int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC), fd;
        ssize_t n;

        assert_true(in >= 0);
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_true(inotify_add_watch(in, path, IN_OPEN) >= 0);
        fd = fn(dirfd, name);
        if (fd >= 0)
                close(fd);
        n = read(in, ev, sizeof(ev));
        close(in);
        return n > 0;
}

static int plain_open(int dirfd, const char *name)
{
        return openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
}

static int safe_open(int dirfd, const char *name)
{
        return open_regular_at(dirfd, name, NULL);
}

static void test_open_regular_only(void **state)
{
        struct scratch *s = *state;
        struct stat st;
        int fd;

        put(s->fd, "file", "content");
        assert_int_equal(mkfifoat(s->fd, "fifo", 0600), 0);
        assert_int_equal(mknodat(s->fd, "null", S_IFCHR | 0600, makedev(1, 3)), 0);
        assert_int_equal(symlinkat("file", s->fd, "link"), 0);

        fd = open_regular_at(s->fd, "file", &st);
        assert_true(fd >= 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_size, 7);
        close(fd);
        assert_int_equal(open_regular_at(s->fd, "fifo", NULL), -ESTALE);
        assert_int_equal(open_regular_at(s->fd, "null", NULL), -ESTALE);
        assert_int_equal(open_regular_at(s->fd, "link", NULL), -ELOOP);
        assert_int_equal(open_regular_at(s->fd, "missing", NULL), -ENOENT);

        /* The device and the FIFO are never opened; a plain open does open them
         * (the control that shows the witness works). */
        assert_false(opened_by(s->fd, s->dir, "null", safe_open));
        assert_false(opened_by(s->fd, s->dir, "fifo", safe_open));
        assert_true(opened_by(s->fd, s->dir, "null", plain_open));
        assert_true(opened_by(s->fd, s->dir, "file", safe_open));

        assert_int_equal(mkdirat(s->fd, "d", 0755), 0);
        put(s->fd, "d/inner", "x");
        fd = open_regular_beneath(s->fd, "d/inner", &st);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(open_regular_beneath(s->fd, "null", NULL), -ESTALE);
}

/* open_beneath and the walk it falls back to without openat2 agree. */
static void test_open_beneath_both_ways(void **state)
{
        int (*const ways[])(int, const char *, int) = { open_beneath, open_beneath_fallback };
        struct scratch *s = *state;
        size_t i;

        assert_int_equal(mkdirat(s->fd, "a", 0755), 0);
        assert_int_equal(mkdirat(s->fd, "a/b", 0755), 0);
        put(s->fd, "a/b/f", "x");
        assert_int_equal(symlinkat("b", s->fd, "a/via-link"), 0);
        assert_int_equal(symlinkat("/etc", s->fd, "a/abs"), 0);
        for (i = 0; i < ARRAY_SIZE(ways); i++) {
                int fd = ways[i](s->fd, "a/b/f", O_RDONLY);

                assert_true(fd >= 0);
                close(fd);
                fd = ways[i](s->fd, "a//b/", O_RDONLY | O_DIRECTORY);
                assert_true(fd >= 0);
                close(fd);
                fd = ways[i](s->fd, "", O_RDONLY | O_DIRECTORY);
                assert_true(fd >= 0);
                close(fd);
                assert_true(ways[i](s->fd, "a/via-link/f", O_RDONLY) < 0);
                assert_true(ways[i](s->fd, "a/abs/passwd", O_RDONLY) < 0);
                assert_true(ways[i](s->fd, "a/via-link", O_RDONLY) < 0);
                assert_true(ways[i](s->fd, "../etc/passwd", O_RDONLY) < 0);
                assert_int_equal(ways[i](s->fd, "a/missing", O_RDONLY), -ENOENT);
        }
}

/* A directory held open and then moved out of the root is no longer beneath. */
static void test_verify_beneath_after_move(void **state)
{
        struct scratch *s = *state;
        char from[128], to[128];
        int fd;

        assert_int_equal(mkdirat(s->fd, "root", 0755), 0);
        assert_int_equal(mkdirat(s->fd, "root/d", 0755), 0);
        assert_int_equal(mkdirat(s->fd, "outside", 0755), 0);
        fd = openat(s->fd, "root/d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        {
                _cleanup_(closep) int root = openat(s->fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                assert_int_equal(fd_verify_beneath(root, "d", fd), 0);
                snprintf(from, sizeof(from), "%s/root/d", s->dir);
                snprintf(to, sizeof(to), "%s/outside/d", s->dir);
                assert_int_equal(rename(from, to), 0);
                assert_int_equal(fd_verify_beneath(root, "d", fd), -ESTALE);
                /* Something else in its place is not it either. */
                assert_int_equal(mkdirat(s->fd, "root/d", 0755), 0);
                assert_int_equal(fd_verify_beneath(root, "d", fd), -ESTALE);
        }
        close(fd);
}

/* The first n components of rel. */
static char *components(const char *rel, unsigned n)
{
        const char *p = rel;
        char *r;

        for (unsigned i = 0; i < n && p; i++)
                p = strchr(p + 1, '/');
        r = p ? strndup(rel, (size_t) (p - rel)) : strdup(rel);
        assert_non_null(r);
        return r;
}

/* Paths past PATH_MAX (25 levels of 200-byte names, 5,024 bytes): opened
 * both ways, still never through a symlink, and a deep directory moved out of
 * the root is no longer beneath it. */
static void test_open_beneath_long(void **state)
{
        int (*const ways[])(int, const char *, int) = { open_beneath, open_beneath_fallback };
        struct scratch *s = *state;
        _cleanup_(freep) char *rel = NULL, *file = NULL, *doubled = NULL, *via = NULL, *mid = NULL,
                             *first = NULL;
        _cleanup_(closep) int root = -1, deep = -1, at = -1;
        struct stat want, got;
        size_t i, o;

        assert_int_equal(mkdirat(s->fd, "root", 0755), 0);
        assert_int_equal(mkdirat(s->fd, "outside", 0755), 0);
        root = openat(s->fd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(root >= 0);
        deep = tmpdir_chain(root, 25, &rel);
        assert_true(strlen(rel) > PATH_MAX);
        put(deep, "f", "deep");
        assert_int_equal(fstatat(deep, "f", &want, 0), 0);
        assert_true(asprintf(&file, "%s/f", rel) > 0);
        /* Every '/' doubled: the pieces are cut elsewhere. */
        doubled = malloc(2 * strlen(file) + 1);
        assert_non_null(doubled);
        for (i = o = 0; file[i]; i++) {
                doubled[o++] = file[i];
                if (file[i] == '/')
                        doubled[o++] = '/';
        }
        doubled[o] = '\0';
        /* In level 21, past PATH_MAX, a symlink to its child, level 22: not
         * followed, though it leads nowhere outside. */
        mid = components(rel, 21);
        assert_true(strlen(mid) > PATH_MAX);
        at = open_beneath(root, mid, O_PATH | O_DIRECTORY);
        assert_true(at >= 0);
        {
                _cleanup_(freep) char *child = strndup(rel + strlen(mid) + 1, 200);

                assert_int_equal(symlinkat(child, at, "ln"), 0);
        }
        assert_true(asprintf(&via, "%s/ln%s", mid, file + strlen(mid) + 1 + 200) > 0);

        for (i = 0; i < ARRAY_SIZE(ways); i++) {
                _cleanup_(closep) int fd = ways[i](root, file, O_RDONLY), fd2 = ways[i](root, doubled, O_RDONLY);

                assert_true(fd >= 0);
                assert_int_equal(fstat(fd, &got), 0);
                assert_true(got.st_ino == want.st_ino && got.st_dev == want.st_dev);
                assert_true(fd2 >= 0);
                assert_int_equal(fstat(fd2, &got), 0);
                assert_true(got.st_ino == want.st_ino);
                assert_true(ways[i](root, via, O_RDONLY) < 0);
        }
        {
                _cleanup_(closep) int fd = open_regular_beneath(root, file, NULL);

                assert_true(fd >= 0);
        }

        /* The deepest directory, verified by its long path; then level 1 moves out. */
        assert_int_equal(fd_verify_beneath(root, rel, deep), 0);
        first = components(rel, 1);
        assert_int_equal(renameat(root, first, s->fd, "outside/moved"), 0);
        assert_int_equal(fd_verify_beneath(root, rel, deep), -ESTALE);
}

static void on_alarm(int sig)
{
        (void) sig;
}

/* A signal ends a read of a silent pipe: -EINTR, not a retry. */
static void test_read_interrupted(void **state)
{
        struct sigaction sa = { .sa_handler = on_alarm }, old;
        int p[2];
        char c;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        sigemptyset(&sa.sa_mask);
        assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
        alarm(1);
        assert_int_equal(read_retry(p[0], &c, 1), -EINTR);
        sigaction(SIGALRM, &old, NULL);
        close(p[0]);
        close(p[1]);
}

static void hash_of(int fd, uint64_t size, const volatile sig_atomic_t *cancel, uint8_t out[SHA256_LEN],
                    uint64_t *ret_size, int want)
{
        struct hasher *h = NULL;

        assert_int_equal(hasher_new(&h), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(hasher_fd(h, fd, size, cancel, out, ret_size), want);
        hasher_free(h);
}

static void test_hash_bounded_sparse_cancel(void **state)
{
        struct scratch *s = *state;
        static char buf[6 << 20];
        uint8_t a[SHA256_LEN], b[SHA256_LEN], want[SHA256_LEN];
        volatile sig_atomic_t stop = 1;
        uint64_t n = 0;
        int fd;

        /* 6 MiB (holes are looked for past 4 MiB) with data at the start, the middle, the end, holes
         * between: hashed sparse-aware and as a stream, the same digest. */
        memset(buf, 0, sizeof(buf));
        memcpy(buf, "start", 5);
        memcpy(buf + (1 << 20) + 7, "middle", 6);
        memcpy(buf + sizeof(buf) - 3, "end", 3);
        assert_int_equal(sha256_buf(buf, sizeof(buf), want), 0);
        fd = openat(s->fd, "sparse", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, sizeof(buf)), 0);
        assert_int_equal(pwrite(fd, "start", 5, 0), 5);
        assert_int_equal(pwrite(fd, "middle", 6, (1 << 20) + 7), 6);
        assert_int_equal(pwrite(fd, "end", 3, sizeof(buf) - 3), 3);
        hash_of(fd, sizeof(buf), NULL, a, &n, 0);
        assert_int_equal(n, sizeof(buf));
        assert_memory_equal(a, want, SHA256_LEN);
        hash_of(fd, HASH_TO_EOF, NULL, b, &n, 0);
        assert_memory_equal(b, want, SHA256_LEN);

        /* Never past the size stat'ed: a file that grows is not read on. */
        assert_int_equal(sha256_buf(buf, 5, want), 0);
        hash_of(fd, 5, NULL, a, &n, 0);
        assert_int_equal(n, 5);
        assert_memory_equal(a, want, SHA256_LEN);

        /* Shrunk since: what is there, no zeros made up. */
        assert_int_equal(ftruncate(fd, 4), 0);
        assert_int_equal(sha256_buf(buf, 4, want), 0);
        hash_of(fd, sizeof(buf), NULL, a, &n, 0);
        assert_int_equal(n, 4);
        assert_memory_equal(a, want, SHA256_LEN);

        /* Cancelled: stops. */
        hash_of(fd, sizeof(buf), &stop, a, &n, -ECANCELED);
        close(fd);
}

static void test_timespec_saturates(void **state)
{
        struct timespec far = { .tv_sec = 32503680000, .tv_nsec = 5 };
        struct timespec before = { .tv_sec = -10000000000, .tv_nsec = 0 };
        struct timespec normal = { .tv_sec = 1700000000, .tv_nsec = 123 };
        struct timespec edge = { .tv_sec = INT64_MAX / 1000000000, .tv_nsec = 999999999 };

        assert_true(timespec_to_ns(&far) == INT64_MAX);
        assert_true(timespec_to_ns(&before) == INT64_MIN);
        assert_true(timespec_to_ns(&normal) == 1700000000000000123LL);
        assert_true(timespec_to_ns(&edge) == INT64_MAX);
}

static void test_xattrs_sized_each(void **state)
{
        struct xattr_scratch x;
        char path[128], big[65536];
        size_t n = 0, i;
        int fd;

        memset(big, 'A', sizeof(big));
        /* tmpfs takes large and many user.* attributes; elsewhere it may not. */
        snprintf(path, sizeof(path), "/dev/shm/dw-unit-xattr.%d", (int) getpid());
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || fsetxattr(fd, "user.probe", big, sizeof(big), 0) < 0) {
                if (fd >= 0)
                        unlink(path);
                if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
                        fail_msg("/dev/shm takes no 64 KiB user xattrs (a failure under CI=true)");
                print_message("skipped: /dev/shm takes no 64 KiB user xattrs\n");
                skip();
        }
        assert_int_equal(fremovexattr(fd, "user.probe"), 0);
        assert_int_equal(xattr_scratch_init(&x), 0);
        /* Six values of 64 KiB: read whole, each into its own room. */
        for (i = 0; i < 6; i++) {
                char name[32];

                snprintf(name, sizeof(name), "user.big%zu", i);
                big[0] = (char) ('0' + i);
                assert_int_equal(fsetxattr(fd, name, big, sizeof(big), 0), 0);
        }
        assert_int_equal(xattr_read_fd(fd, &x, &n), 0);
        assert_int_equal(n, 6);
        for (i = 0; i < n; i++) {
                assert_int_equal(x.pairs[i].value_len, sizeof(big));
                assert_int_equal(((const char *) x.pairs[i].value)[0], x.pairs[i].name[8]);
        }
        /* Past the count limit: -E2BIG, never a write past the scratch. */
        for (i = 0; i <= XATTR_MAX_COUNT; i++) {
                char name[32];

                snprintf(name, sizeof(name), "user.n%zu", i);
                assert_int_equal(fsetxattr(fd, name, "x", 1, 0), 0);
        }
        assert_int_equal(xattr_read_fd(fd, &x, &n), -E2BIG);
        xattr_scratch_release(&x);
        close(fd);
        unlink(path);
}

/* A reopen in a child of fork() after one in its parent: the child's own
 * descriptor, not the parent's fd directory (the agent's schedules). */
static void test_open_regular_after_fork(void **state)
{
        struct scratch *s = *state;
        int fd, status;
        pid_t pid;

        put(s->fd, "file", "content");
        fd = open_regular_at(s->fd, "file", NULL);
        assert_true(fd >= 0);
        close(fd);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* the parent's descriptor numbers shifted: not the same number here */
                int pad = open("/dev/null", O_RDONLY | O_CLOEXEC);

                fd = open_regular_at(s->fd, "file", NULL);
                _exit(pad >= 0 && fd >= 0 ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open_regular_only, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_regular_after_fork, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_beneath_both_ways, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_beneath_after_move, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_beneath_long, setup, teardown),
                cmocka_unit_test(test_read_interrupted),
                cmocka_unit_test_setup_teardown(test_hash_bounded_sparse_cancel, setup, teardown),
                cmocka_unit_test(test_timespec_saturates),
                cmocka_unit_test(test_xattrs_sized_each),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
