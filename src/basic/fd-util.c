/* Symlink-safe opening below a root; see fd-util.h. */
#define _GNU_SOURCE
#include "fd-util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "buf.h"
#include "macros.h"

static int open_walk(int rootfd, const char *rel, int flags)
{
        _cleanup_(closep) int dir = -1;
        const char *p = rel;
        char name[256];

        dir = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return negative_errno();
        for (;;) {
                size_t n;
                bool last;
                int fd;

                while (*p == '/')
                        p++;
                n = strcspn(p, "/");
                last = p[n] == '\0' || p[n + strspn(p + n, "/")] == '\0';
                if (n == 0) {
                        fd = openat(dir, ".", flags | O_CLOEXEC);
                        return fd < 0 ? negative_errno() : fd;
                }
                if (n >= sizeof(name))
                        return -ENAMETOOLONG;
                memcpy(name, p, n);
                name[n] = '\0';
                if (strcmp(name, "..") == 0)
                        return -EXDEV;
                fd = openat(dir, name, last ? flags | O_NOFOLLOW | O_CLOEXEC
                                            : O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return negative_errno();
                if (last)
                        return fd;
                close(dir);
                dir = fd;
                p += n;
        }
}

/* One openat2() beneath dirfd, retried while a rename elsewhere in the tree
 * races the lookup (EAGAIN); a renamer that never stops must not keep us
 * here forever. */
static int openat2_beneath(int dirfd, const char *rel, int flags)
{
        struct open_how how = {
                .flags = (unsigned) (flags | O_NOFOLLOW | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        unsigned tries = 0;
        long fd;

        do
                fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN && ++tries < OPEN_BENEATH_RETRIES);
        return fd < 0 ? negative_errno() : (int) fd;
}

/* The kernel takes at most PATH_MAX - 1 bytes of path in one call: a longer
 * rel is resolved in pieces that end at a '/', each beneath the directory the
 * piece before reached (so never through a symlink nor above the root). */
static int openat2_beneath_pieces(int rootfd, const char *rel, int flags)
{
        _cleanup_(closep) int dir = -1;
        char piece[PATH_MAX];

        for (;;) {
                int at = dir >= 0 ? dir : rootfd, fd;
                const char *cut;

                if (strnlen(rel, PATH_MAX) < PATH_MAX)
                        return openat2_beneath(at, rel[0] ? rel : ".", flags);
                cut = memrchr(rel, '/', PATH_MAX - 1);
                if (!cut || cut == rel)
                        return -ENAMETOOLONG;   /* one name longer than PATH_MAX */
                memcpy(piece, rel, (size_t) (cut - rel));
                piece[cut - rel] = '\0';
                fd = openat2_beneath(at, piece, O_PATH | O_DIRECTORY);
                if (fd < 0)
                        return fd;
                if (dir >= 0)
                        close(dir);
                dir = fd;
                rel = cut + strspn(cut, "/");
        }
}

int open_beneath(int rootfd, const char *rel, int flags)
{
        static bool no_openat2;
        int fd;

        if (!rel[0])
                rel = ".";
        if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
                fd = openat2_beneath_pieces(rootfd, rel, flags);
                if (fd != -ENOSYS)
                        return fd;
                __atomic_store_n(&no_openat2, true, __ATOMIC_RELAXED);
        }
        return open_walk(rootfd, rel, flags);
}

int open_beneath_fallback(int rootfd, const char *rel, int flags)
{
        return open_walk(rootfd, rel[0] ? rel : ".", flags);
}

/* /proc/self/fd, opened once for the process: a reopen then looks up one name
 * in it instead of walking /proc, self and fd each time (a walk reopens every
 * file it reads). Kept open for the life of the process; -1 when /proc is not
 * mounted (then the full path is tried, and fails the same way). A child of
 * fork() forgets it: the descriptor names its parent's fd directory, where
 * its own descriptors are not (the agent's schedules are such children). */
static int proc_dir = -2;
static pthread_once_t proc_dir_once = PTHREAD_ONCE_INIT;

static void proc_fd_dir_forget(void)
{
        int d = __atomic_exchange_n(&proc_dir, -2, __ATOMIC_ACQ_REL);

        if (d >= 0)
                close(d);
}

static void proc_fd_dir_at_fork(void)
{
        (void) pthread_atfork(NULL, NULL, proc_fd_dir_forget);
}

static int proc_fd_dir(void)
{
        int d = __atomic_load_n(&proc_dir, __ATOMIC_ACQUIRE), expected = -2;

        if (d != -2)
                return d;
        pthread_once(&proc_dir_once, proc_fd_dir_at_fork);
        d = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (d < 0)
                d = -1;
        if (!__atomic_compare_exchange_n(&proc_dir, &expected, d, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                if (d >= 0)
                        close(d);
                d = expected;   /* another thread's */
        }
        return d;
}

int fd_reopen(int fd, int flags)
{
        char name[sizeof("/proc/self/fd/") + 12];
        int dir = proc_fd_dir(), r;

        if (dir >= 0) {
                snprintf(name, sizeof(name), "%d", fd);
                r = openat(dir, name, flags | O_CLOEXEC);
        } else {
                snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
                r = open(name, flags | O_CLOEXEC);
        }
        return r < 0 ? negative_errno() : r;
}

/* Opens the regular file behind the O_PATH descriptor pfd for reading. */
static int reopen_regular(int pfd, struct stat *ret_st)
{
        struct stat st;
        int fd;

        if (fstat(pfd, &st) < 0)
                return negative_errno();
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        if (!S_ISREG(st.st_mode))
                return -ESTALE;
        fd = fd_reopen(pfd, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return fd;
        if (ret_st)
                *ret_st = st;
        return fd;
}

int open_regular_at(int dirfd, const char *name, struct stat *ret_st)
{
        _cleanup_(closep) int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

        if (pfd < 0)
                return negative_errno();
        return reopen_regular(pfd, ret_st);
}

int open_regular_beneath(int rootfd, const char *rel, struct stat *ret_st)
{
        _cleanup_(closep) int pfd = open_beneath(rootfd, rel, O_PATH);

        if (pfd < 0)
                return pfd;
        return reopen_regular(pfd, ret_st);
}

int fd_verify_beneath(int rootfd, const char *rel, int fd)
{
        _cleanup_(closep) int now = open_beneath(rootfd, rel, O_PATH);
        struct stat a, b;

        if (now < 0)
                return now == -ENOENT || now == -ELOOP || now == -ENOTDIR ? -ESTALE : now;
        if (fstat(now, &a) < 0 || fstat(fd, &b) < 0)
                return negative_errno();
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? 0 : -ESTALE;
}

ssize_t read_retry(int fd, void *p, size_t n)
{
        ssize_t k = read(fd, p, n);

        return k < 0 ? negative_errno() : k;
}

int pread_full(int fd, void *p, size_t n, uint64_t off)
{
        char *c = p;

        if (off > (uint64_t) INT64_MAX || n > (uint64_t) INT64_MAX - off)
                return -EOVERFLOW;
        while (n > 0) {
                ssize_t k = pread(fd, c, n, (off_t) off);

                if (k < 0 && errno == EINTR)
                        continue;       /* a file read is not a wait: finish it */
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        return -ENODATA;
                c += k;
                n -= (size_t) k;
                off += (uint64_t) k;
        }
        return 0;
}

int read_fd_all(int fd, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_(buf_release) struct buf b;
        char chunk[16384];
        ssize_t n;
        int r;

        buf_init(&b, max);
        for (;;) {
                n = read_retry(fd, chunk, sizeof(chunk));
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        break;
                r = buf_append(&b, chunk, (size_t) n);
                if (r < 0)
                        return r == -E2BIG ? -EFBIG : r;
        }
        if (ret_len)
                *ret_len = b.len;
        *ret = buf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

int read_file_beneath(int rootfd, const char *rel, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_(closep) int fd = open_beneath(rootfd, rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);

        if (fd < 0)
                return fd;
        return read_fd_all(fd, max, ret, ret_len);
}

int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
        struct stat st;

        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        return read_fd_all(fd, max, ret, ret_len);
}

int write_all(int fd, const void *p, size_t n)
{
        const char *c = p;

        while (n > 0) {
                ssize_t k = write(fd, c, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                c += k;
                n -= (size_t) k;
        }
        return 0;
}

static int name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int dir_names_with_suffix(int dirfd, const char *suffix, size_t max, struct strv *ret)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        size_t k = strlen(suffix);
        DIR *d;
        struct dirent *de;
        int fd, r = 0;

        fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                r = negative_errno();
                close(fd);
                return r;
        }
        while (r >= 0 && (errno = 0, de = readdir(d))) {
                size_t n = strlen(de->d_name);

                if (de->d_name[0] == '.' || n <= k || strcmp(de->d_name + n - k, suffix) != 0)
                        continue;
                r = names.n >= max ? -E2BIG : strv_push(&names, de->d_name);
        }
        if (r >= 0 && errno)
                r = negative_errno();
        closedir(d);
        if (r < 0)
                return r;
        if (names.n)
                qsort(names.v, names.n, sizeof(*names.v), name_cmp);
        *ret = names;
        names = (struct strv) { 0 };
        return 0;
}
