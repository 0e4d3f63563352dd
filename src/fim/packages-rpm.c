/* A tree's rpm database through librpm, in a child on a private copy; see packages-rpm.h. */
#define _GNU_SOURCE
#include "packages-rpm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rpm/rpmdb.h>
#include <rpm/rpmfiles.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmmacro.h>
#include <rpm/rpmpgp.h>
#include <rpm/rpmts.h>

#include "basic/dlopen-util.h"
#include "basic/fd-util.h"
#include "basic/macros.h"

const char *const rpmdb_dirs[2] = { "usr/lib/sysimage/rpm", "var/lib/rpm" };
const char *const rpmdb_files[3] = { "rpmdb.sqlite", "Packages.db", "Packages" };

/* The copies in a scratch directory: COPY_PREFIX and mkdtemp's suffix; what
 * librpm and SQLite write there at most this many levels deep. */
#define COPY_PREFIX "rpmdb-copy."
#define COPY_DEPTH_MAX 4

/* librpm 4.16 to 4.20 (soname 9, 10 from 4.19), loaded on first use: a
 * check of a dpkg tree, or one with no findings, never maps it nor its
 * dependencies (lua, popt, libgcrypt, a second user of sqlite). The entry
 * points used are the same in both. */
static const char *const sonames[][2] = {
        { "librpmio.so.10", "librpm.so.10" },
        { "librpmio.so.9", "librpm.so.9" },
};

static struct {
        int (*rpmPushMacro)(rpmMacroContext, const char *, const char *, const char *, int);
        void (*rpmlogSetCallback)(rpmlogCallback, rpmlogCallbackData);
        const char *(*rpmlogRecMessage)(rpmlogRec);
        rpmlogLvl (*rpmlogRecPriority)(rpmlogRec);
        int (*rpmReadConfigFiles)(const char *, const char *);
        rpmts (*rpmtsCreate)(void);
        int (*rpmtsSetRootDir)(rpmts, const char *);
        int (*rpmtsOpenDB)(rpmts, int);
        rpmdbMatchIterator (*rpmtsInitIterator)(const rpmts, rpmDbiTagVal, const void *, size_t);
        Header (*rpmdbNextIterator)(rpmdbMatchIterator);
        rpmdbMatchIterator (*rpmdbFreeIterator)(rpmdbMatchIterator);
        rpmts (*rpmtsFree)(rpmts);
        const char *(*headerGetString)(Header, rpmTagVal);
        uint64_t (*headerGetNumber)(Header, rpmTagVal);
        rpmfiles (*rpmfilesNew)(rpmstrPool, Header, rpmTagVal, rpmfiFlags);
        rpmfi (*rpmfilesIter)(rpmfiles, int);
        int (*rpmfiNext)(rpmfi);
        const char *(*rpmfiFN)(rpmfi);
        rpmfileAttrs (*rpmfiFFlags)(rpmfi);
        const unsigned char *(*rpmfiFDigest)(rpmfi, int *, size_t *);
        rpmfi (*rpmfiFree)(rpmfi);
        rpmfiles (*rpmfilesFree)(rpmfiles);
} rpm;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_error;

#define SYM(name) DL_SYMBOL(#name, rpm.name)

static void load(void)
{
        const struct dl_symbol io[] = {
                SYM(rpmPushMacro), SYM(rpmlogSetCallback), SYM(rpmlogRecMessage), SYM(rpmlogRecPriority),
        };
        const struct dl_symbol lib[] = {
                SYM(rpmReadConfigFiles), SYM(rpmtsCreate),       SYM(rpmtsSetRootDir),   SYM(rpmtsOpenDB),
                SYM(rpmtsInitIterator),  SYM(rpmdbNextIterator), SYM(rpmdbFreeIterator), SYM(rpmtsFree),
                SYM(headerGetString),    SYM(headerGetNumber),   SYM(rpmfilesNew),       SYM(rpmfilesIter),
                SYM(rpmfiNext),          SYM(rpmfiFN),           SYM(rpmfiFFlags),       SYM(rpmfiFDigest),
                SYM(rpmfiFree),          SYM(rpmfilesFree),
        };

        for (size_t i = 0; i < ARRAY_SIZE(sonames); i++) {
                load_error = dlopen_symbols(sonames[i][0], io, ARRAY_SIZE(io));
                if (load_error == 0)
                        load_error = dlopen_symbols(sonames[i][1], lib, ARRAY_SIZE(lib));
                if (load_error != -ELIBACC)
                        return;
        }
}

/* The child's side: buffered records into the pipe. */
struct writer {
        int fd, err_fd;         /* the records; the error message */
        int error;
        size_t n;
        char buf[1 << 16];
};

static void put(struct writer *w, const void *p, size_t n)
{
        while (!w->error && n) {
                size_t k;

                if (w->n == sizeof(w->buf)) {
                        w->error = write_all(w->fd, w->buf, w->n);
                        w->n = 0;
                }
                k = MIN(n, sizeof(w->buf) - w->n);
                memcpy(w->buf + w->n, p, k);
                w->n += k;
                p = (const char *) p + k;
                n -= k;
        }
}

static void put_string(struct writer *w, const char *s)
{
        size_t n = s ? strnlen(s, UINT16_MAX) : 0;
        uint16_t len = (uint16_t) n;

        put(w, &len, sizeof(len));
        put(w, s, n);
}

static void flush(struct writer *w)
{
        if (!w->error && w->n)
                w->error = write_all(w->fd, w->buf, w->n);
        w->n = 0;
}

/* The child's exit status when it could not make its private mount
 * namespace: the parent may then try again with a copy in the scratch
 * directory. */
#define CHILD_NO_NAMESPACE 2

/* The child's exit with status after writing why (one line of text) to the error pipe. */
static _Noreturn void child_vfail(struct writer *w, int status, const char *fmt, va_list ap)
{
        char msg[512];

        vsnprintf(msg, sizeof(msg), fmt, ap);
        for (char *c = msg; *c; c++)
                if (*c == '\n' || (unsigned char) *c < ' ')
                        *c = *c == '\n' && !c[1] ? '\0' : ' ';
        (void) write_all(w->err_fd, msg, strlen(msg));
        _exit(status);
}

static _Noreturn __attribute__((format(printf, 2, 3))) void child_fail(struct writer *w, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        child_vfail(w, 1, fmt, ap);
}

static _Noreturn __attribute__((format(printf, 2, 3))) void child_no_namespace(struct writer *w, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        child_vfail(w, CHILD_NO_NAMESPACE, fmt, ap);
}

/* librpm's first error (it logs rather than returns them: the first is the
 * cause), the private mount point it names left out. */
static char rpm_error[512];
static const char *rpm_mnt;

static int on_rpm_log(rpmlogRec rec, rpmlogCallbackData data)
{
        const char *m = rpm.rpmlogRecMessage(rec);
        size_t n = 0, k = rpm_mnt ? strlen(rpm_mnt) : 0;

        (void) data;
        if (rpm.rpmlogRecPriority(rec) > RPMLOG_ERR || rpm_error[0] || !m)
                return 0;       /* never printed */
        while (*m && n + 16 < sizeof(rpm_error)) {
                if (k && strncmp(m, rpm_mnt, k) == 0 && (m[k] == '/' || !m[k] || m[k] == ' ' || m[k] == '\n')) {
                        const char *s = m[k] == '/' ? "" : "its copy";

                        memcpy(rpm_error + n, s, strlen(s));
                        n += strlen(s);
                        m += k + (m[k] == '/');
                        continue;
                }
                rpm_error[n++] = *m++;
        }
        rpm_error[n] = '\0';
        return 0;
}

/* A place for the private tmpfs: a directory that is there on any host,
 * covered in the child's namespace only. */
static const char *mount_point(void)
{
        static const char *const dirs[] = { "/tmp", "/run", "/mnt", "/media", "/srv", "/opt" };
        struct stat st;

        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                if (lstat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
                        return dirs[i];
        return NULL;
}

/* The database's regular files (not the dot files, not SQLite's -shm, not
 * Berkeley DB's __db.* environment) copied from dbdir into the directory at to. */
static void copy_database(struct writer *w, int dbdir, const char *to)
{
        _cleanup_(closep) int todir = open(to, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int d = fcntl(dbdir, F_DUPFD_CLOEXEC, 3);
        DIR *dir = d >= 0 ? fdopendir(d) : NULL;
        uint64_t total = 0;
        struct dirent *de;

        if (todir < 0 || !dir)
                child_fail(w, "cannot list the database directory: %s", strerror(errno));
        rewinddir(dir);         /* its offset is shared with the parent's descriptor */
        while ((de = readdir(dir))) {
                size_t n = strlen(de->d_name);
                _cleanup_(closep) int in = -1, out = -1;
                struct stat st;
                uint64_t left;

                if (de->d_name[0] == '.' || strncmp(de->d_name, "__db.", 5) == 0 ||
                    (n > 4 && strcmp(de->d_name + n - 4, "-shm") == 0))
                        continue;
                /* Not open_regular_at(): its reopen needs /proc; O_NOFOLLOW, O_NONBLOCK and the fstat below are as safe. */
                if (fstatat(dbdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                in = openat(dbdir, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (in < 0)
                        child_fail(w, "cannot open '%s': %s", de->d_name, strerror(errno));
                if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;       /* replaced since */
                total += (uint64_t) st.st_size;
                if (total > RPMDB_COPY_MAX)
                        child_fail(w, "its files are larger than 2 GiB together");
                out = openat(todir, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        child_fail(w, "cannot copy '%s': %s", de->d_name, strerror(errno));
                for (left = (uint64_t) st.st_size; left > 0;) {
                        ssize_t k = sendfile(out, in, NULL, (size_t) MIN(left, (uint64_t) 1 << 30));

                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                child_fail(w, "cannot copy '%s': %s", de->d_name, k < 0 ? strerror(errno) : "it shrank");
                        left -= (uint64_t) k;
                }
        }
        closedir(dir);
}

/* Whether d (len bytes) is all zeros: rpm records a %ghost's or a directory's digest so. */
static bool all_zero(const unsigned char *d, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (d[i])
                        return false;
        return true;
}

/* The private tmpfs, in a mount namespace of the child's own: its mount
 * point. The host never sees it; it vanishes with the child. */
static const char *private_tmpfs(struct writer *w)
{
        const char *mnt;
        char size[64];

        if (unshare(CLONE_NEWNS) < 0)
                child_no_namespace(w, "cannot make a private mount namespace for librpm's copy: %s%s", strerror(errno),
                                   errno == EPERM ? " (reading an rpm database needs CAP_SYS_ADMIN)" : "");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                child_no_namespace(w, "cannot make the mounts private: %s", strerror(errno));
        mnt = mount_point();
        snprintf(size, sizeof(size), "mode=0700,size=%llu", (unsigned long long) (RPMDB_COPY_MAX + (256u << 20)));
        if (!mnt || mount("driftwatch-rpmdb", mnt, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, size) < 0)
                child_no_namespace(w, "cannot mount a private tmpfs for librpm's copy: %s",
                                   mnt ? strerror(errno) : "no place");
        return mnt;
}

/* copy: the private directory the parent made for the copy; NULL: a tmpfs
 * in a mount namespace of the child's own. */
static _Noreturn void child(int out, int err, int dbdir, const char *copy)
{
        static struct writer w;
        const char *mnt;
        rpmdbMatchIterator mi;
        Header h;
        rpmts ts;

        w.fd = out;
        w.err_fd = err;
        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        mnt = copy ?: private_tmpfs(&w);
        /* What SQLite would put in a temporary file goes beside the copy. */
        if (copy && (setenv("SQLITE_TMPDIR", copy, 1) < 0 || setenv("TMPDIR", copy, 1) < 0))
                child_fail(&w, "cannot point librpm at its copy: %s", strerror(errno));
        copy_database(&w, dbdir, mnt);
        rpm_mnt = mnt;
        close(dbdir);

        rpm.rpmlogSetCallback(on_rpm_log, NULL);
        if (rpm.rpmReadConfigFiles(NULL, NULL) != 0)
                child_fail(&w, "librpm cannot read its configuration: %s", rpm_error[0] ? rpm_error : "failed");
        rpm.rpmPushMacro(NULL, "_dbpath", NULL, mnt, RMIL_CMDLINE);
        ts = rpm.rpmtsCreate();
        if (!ts || rpm.rpmtsSetRootDir(ts, "/") != 0 || rpm.rpmtsOpenDB(ts, O_RDONLY) != 0)
                child_fail(&w, "librpm cannot open it: %s", rpm_error[0] ? rpm_error : "failed");
        mi = rpm.rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0);
        while (mi && (h = rpm.rpmdbNextIterator(mi))) {
                const char *ver = rpm.headerGetString(h, RPMTAG_VERSION), *rel = rpm.headerGetString(h, RPMTAG_RELEASE);
                char version[512];
                int64_t installed = (int64_t) rpm.headerGetNumber(h, RPMTAG_INSTALLTIME);
                rpmfiles files;
                rpmfi fi;

                snprintf(version, sizeof(version), "%s%s%s", ver ? ver : "", rel ? "-" : "", rel ? rel : "");
                put(&w, "P", 1);
                put_string(&w, rpm.headerGetString(h, RPMTAG_NAME));
                put_string(&w, version);
                put_string(&w, rpm.headerGetString(h, RPMTAG_ARCH));
                put(&w, &installed, sizeof(installed));
                files = rpm.rpmfilesNew(NULL, h, RPMTAG_BASENAMES, 0);
                fi = files ? rpm.rpmfilesIter(files, RPMFI_ITER_FWD) : NULL;
                while (fi && rpm.rpmfiNext(fi) >= 0) {
                        rpmfileAttrs attrs = rpm.rpmfiFFlags(fi);
                        int algo = 0;
                        size_t dlen = 0;
                        const unsigned char *d = rpm.rpmfiFDigest(fi, &algo, &dlen);
                        uint8_t flags = (uint8_t) (((attrs & RPMFILE_CONFIG) ? RPMDB_FILE_CONFIG : 0) |
                                                   ((attrs & RPMFILE_GHOST) ? RPMDB_FILE_GHOST : 0));
                        uint8_t keep;

                        /* MD5 (old rpms) and SHA-256 only: what the walker and the dpkg side compare */
                        keep = d && !(attrs & RPMFILE_GHOST) && !all_zero(d, dlen) &&
                                               ((algo == PGPHASHALGO_MD5 && dlen == 16) ||
                                                (algo == PGPHASHALGO_SHA256 && dlen == 32))
                                       ? (uint8_t) dlen : 0;
                        put(&w, "F", 1);
                        put_string(&w, rpm.rpmfiFN(fi));
                        put(&w, &flags, 1);
                        put(&w, &keep, 1);
                        put(&w, d, keep);
                }
                rpm.rpmfiFree(fi);
                rpm.rpmfilesFree(files);
                if (w.error)
                        _exit(1);
        }
        rpm.rpmdbFreeIterator(mi);
        if (rpm_error[0])       /* a damaged header was skipped: its files are unknown */
                child_fail(&w, "%s", rpm_error);
        rpm.rpmtsFree(ts);
        put(&w, "E", 1);
        flush(&w);
        _exit(w.error ? 1 : 0);
}

/* What one child left: its records, its error line, how it ended. */
struct child_result {
        char *buf, *err;
        size_t len, err_len;
        int status;
};

static void child_result_release(struct child_result *c)
{
        free(c->buf);
        free(c->err);
        *c = (struct child_result) { 0 };
}

/* Runs the child on dbdir (copy: see child()) and collects what it left
 * into *ret. 0, or -errno: the pipes, the fork, -EFBIG for records past
 * RPMDB_RECORDS_MAX. */
static int run_child(int dbdir, const char *copy, struct child_result *ret)
{
        int fds[2], efds[2], r;
        pid_t pid;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(efds, O_CLOEXEC) < 0) {
                r = -errno;
                close(fds[0]);
                close(fds[1]);
                return r;
        }
        pid = fork();
        if (pid == 0) {
                close(fds[0]);
                close(efds[0]);
                child(fds[1], efds[1], dbdir, copy);
        }
        r = pid < 0 ? -errno : 0;
        close(fds[1]);
        close(efds[1]);
        if (r == 0) {
                r = read_fd_all(fds[0], RPMDB_RECORDS_MAX, &ret->buf, &ret->len);
                if (r < 0)
                        (void) kill(pid, SIGKILL);
                (void) read_fd_all(efds[0], 4096, &ret->err, &ret->err_len);
                while (waitpid(pid, &ret->status, 0) < 0)
                        if (errno != EINTR) {
                                ret->status = 0;
                                break;
                        }
        }
        close(fds[0]);
        close(efds[0]);
        return r;
}

/* Whether name is one of the copies' names: COPY_PREFIX and mkdtemp's six
 * letters and digits. */
static bool copy_name(const char *name)
{
        size_t n = strlen(COPY_PREFIX);

        if (strncmp(name, COPY_PREFIX, n) != 0 || strlen(name + n) != 6)
                return false;
        for (const char *c = name + n; *c; c++)
                if (!isalnum((unsigned char) *c))
                        return false;
        return true;
}

/* Removes the directory name below at with what it holds, no symlink
 * followed, at most depth levels down. 0, or the first -errno. */
static int remove_tree(int at, const char *name, unsigned depth)
{
        int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r = 0;
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;

        if (!d) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                return r;
        }
        while ((de = readdir(d))) {
                struct stat st;
                int k;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        k = -errno;
                else if (S_ISDIR(st.st_mode))
                        k = depth > 1 ? remove_tree(dirfd(d), de->d_name, depth - 1) : -ELOOP;
                else
                        k = unlinkat(dirfd(d), de->d_name, 0) < 0 ? -errno : 0;
                if (k < 0 && k != -ENOENT && r == 0)
                        r = k;
        }
        closedir(d);
        if (unlinkat(at, name, AT_REMOVEDIR) < 0 && r == 0)
                r = -errno;
        return r;
}

/* The database read by a child on a copy in a private directory (mkdtemp,
 * 0700) beneath scratch, for a process that may not have a mount namespace.
 * scratch is made when missing and must be a directory of this user that
 * nobody else may write to; it is locked (flock) while the copy lives, so a
 * copy found there is a crashed run's and is removed. 0 with *ret, or -errno
 * with *ret_reason (heap; NULL when out of memory, or when the child could
 * not be run: then the caller names the error). */
static int read_in_scratch(int dbdir, const char *scratch, struct child_result *ret, char **ret_reason)
{
        _cleanup_(closep) int fd = -1;
        _cleanup_(freep) char *copy = NULL;
        const char *why = NULL;
        struct stat st;
        DIR *d;
        int dfd, r;

        if (mkdir(scratch, 0700) < 0 && errno != EEXIST)
                goto fail;
        fd = open(scratch, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                goto fail;
        if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                errno = EPERM;
                why = st.st_uid != geteuid() ? "it belongs to another user" : "others may write to it";
                goto fail;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                why = errno == EWOULDBLOCK ? "another run is using it" : NULL;
                goto fail;
        }
        dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (!d) {
                r = errno;
                if (dfd >= 0)
                        close(dfd);
                errno = r;
                goto fail;
        }
        for (struct dirent *de; (de = readdir(d));)
                if (copy_name(de->d_name))
                        (void) remove_tree(fd, de->d_name, COPY_DEPTH_MAX);
        closedir(d);
        if (asprintf(&copy, "%s/" COPY_PREFIX "XXXXXX", scratch) < 0) {
                copy = NULL;
                return -ENOMEM;
        }
        if (!mkdtemp(copy))
                goto fail;
        r = run_child(dbdir, copy, ret);
        (void) remove_tree(fd, strrchr(copy, '/') + 1, COPY_DEPTH_MAX);
        return r;
fail:
        r = -errno;
        (void) asprintf(ret_reason, "cannot make librpm's copy in '%s': %s", scratch, why ?: strerror(-r));
        return r;
}

int rpmdb_read(int dbdir, const char *scratch, char **ret, size_t *ret_len, char **ret_reason)
{
        _cleanup_(child_result_release) struct child_result c = { 0 };
        char *why = NULL;
        int r;

        pthread_once(&load_once, load);
        if (load_error < 0) {
                *ret_reason = strdup("librpm (librpm9) is not installed or is not rpm 4.16 or later");
                return load_error;
        }
        r = run_child(dbdir, NULL, &c);
        if (r >= 0 && scratch && WIFEXITED(c.status) && WEXITSTATUS(c.status) == CHILD_NO_NAMESPACE) {
                child_result_release(&c);
                r = read_in_scratch(dbdir, scratch, &c, &why);
                if (r < 0 && why) {
                        *ret_reason = why;
                        return r;
                }
        }
        if (r < 0) {
                *ret_reason = strdup(r == -EFBIG ? "its records are larger than 1 GiB" : strerror(-r));
                return r == -EFBIG ? -E2BIG : r;
        }
        if (c.err && c.err_len) {
                *ret_reason = TAKE_PTR(c.err);
                return -EBADMSG;
        }
        if (WIFSIGNALED(c.status)) {
                (void) asprintf(ret_reason, "librpm was killed by signal %d reading it", WTERMSIG(c.status));
                return -EBADMSG;
        }
        if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
                (void) asprintf(ret_reason, "librpm failed reading it (exit status %d)", WEXITSTATUS(c.status));
                return -EBADMSG;
        }
        *ret = TAKE_PTR(c.buf);
        *ret_len = c.len;
        return 0;
}

/* The parent's side: a bounded reader of the records. */
struct reader {
        const char *p, *end;
};

static bool get(struct reader *rd, void *out, size_t n)
{
        if ((size_t) (rd->end - rd->p) < n)
                return false;
        memcpy(out, rd->p, n);
        rd->p += n;
        return true;
}

static bool get_string(struct reader *rd, const char **ret, size_t *ret_len)
{
        uint16_t n;

        if (!get(rd, &n, sizeof(n)) || (size_t) (rd->end - rd->p) < n)
                return false;
        *ret = rd->p;
        *ret_len = n;
        rd->p += n;
        return true;
}

int rpmdb_records_parse(const char *buf, size_t len, int (*on_package)(const struct rpmdb_package *p, void *userdata),
                        int (*on_file)(const struct rpmdb_file *f, void *userdata), void *userdata)
{
        struct reader rd = { buf, buf + len };
        bool in_package = false;
        int r;

        for (;;) {
                char kind;

                if (!get(&rd, &kind, 1))
                        return -EBADMSG;        /* no end record */
                if (kind == 'E')
                        return rd.p == rd.end ? 0 : -EBADMSG;
                if (kind == 'P') {
                        struct rpmdb_package p;

                        if (!get_string(&rd, &p.name, &p.name_len) || !get_string(&rd, &p.version, &p.version_len) ||
                            !get_string(&rd, &p.arch, &p.arch_len) || !get(&rd, &p.installed, sizeof(p.installed)) ||
                            p.name_len == 0)
                                return -EBADMSG;
                        r = on_package(&p, userdata);
                        if (r < 0)
                                return r;
                        in_package = true;
                } else if (kind == 'F') {
                        struct rpmdb_file f = { 0 };
                        uint8_t flags, dlen;

                        if (!in_package || !get_string(&rd, &f.path, &f.path_len) || !get(&rd, &flags, 1) ||
                            !get(&rd, &dlen, 1) || (dlen != 0 && dlen != 16 && dlen != 32) ||
                            (size_t) (rd.end - rd.p) < dlen || f.path_len == 0 || f.path[0] != '/')
                                return -EBADMSG;
                        f.flags = flags;
                        f.digest = dlen ? (const uint8_t *) rd.p : NULL;
                        f.digest_len = dlen;
                        rd.p += dlen;
                        r = on_file(&f, userdata);
                        if (r < 0)
                                return r;
                } else
                        return -EBADMSG;
        }
}
