/* The inputs of an audit analysis; see input.h. */
#define _GNU_SOURCE
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/reader.h"
#include "basic/escape.h"
#include "basic/time-util.h"

/* "audit.log.7" -> base "audit.log", rotation 7; "audit.log" -> rotation -1. */
static long rotation_of(const char *p, size_t *ret_base_len)
{
        const char *dot = strrchr(p, '.'), *c;
        long n = 0;

        *ret_base_len = strlen(p);
        if (!dot || !dot[1] || strchr(dot, '/'))
                return -1;
        for (c = dot + 1; *c; c++) {
                if (*c < '0' || *c > '9' || n > 100000000)
                        return -1;
                n = n * 10 + (*c - '0');
        }
        *ret_base_len = (size_t) (dot - p);
        return n;
}

/* Rotated logs oldest first: the same base with a higher number is older,
 * the base itself (the live log) comes last. */
static int cmp_rotation(const void *x, const void *y)
{
        const char *a = *(char *const *) x, *b = *(char *const *) y;
        size_t la, lb;
        long na = rotation_of(a, &la), nb = rotation_of(b, &lb);
        int c = memcmp(a, b, la < lb ? la : lb);

        if (c != 0 || la != lb)
                return c != 0 ? c : la < lb ? -1 : 1;
        if (na == nb)
                return 0;
        if (na < 0 || nb < 0)
                return na < 0 ? 1 : -1;
        return na > nb ? -1 : 1;
}

void audit_inputs_release(struct audit_inputs *in)
{
        strv_release(&in->files);
        strv_release(&in->sources);
}

/* Appends the files of one input, each with the input it came from. */
static int add_files(struct audit_inputs *in, const char *arg, char *const *files, size_t n,
                     struct dw_error *ret_error)
{
        size_t i;

        if (n > AUDIT_INPUT_MAX_FILES || in->files.n > AUDIT_INPUT_MAX_FILES - n)
                return dw_error_set(ret_error, -E2BIG, arg, "'%s' names more than %d audit logs", arg,
                                    AUDIT_INPUT_MAX_FILES);
        for (i = 0; i < n; i++)
                if (strv_push(&in->files, files[i]) < 0 || strv_push(&in->sources, arg) < 0)
                        return dw_error_set(ret_error, -ENOMEM, arg, "out of memory");
        return 0;
}

/* "audit.log" and "audit.log.N": the logs auditd writes and rotates. */
static bool is_audit_log_name(const char *name)
{
        size_t base;

        if (strcmp(name, "audit.log") == 0)
                return true;
        return rotation_of(name, &base) >= 0 && base == 9 && strncmp(name, "audit.log", 9) == 0;
}

static int add_directory(struct audit_inputs *in, const char *dir, struct dw_error *ret_error)
{
        _cleanup_(strv_release) struct strv found = { 0 };
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d)
                return dw_error_set(ret_error, -errno, dir, "cannot open audit log directory '%s': %s", dir,
                                    strerror(errno));
        errno = 0;
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_(freep) char *p = NULL;

                if (!is_audit_log_name(de->d_name))
                        continue;
                if (found.n >= AUDIT_INPUT_MAX_FILES)
                        r = -E2BIG;
                else if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
                        r = -ENOMEM;
                else
                        r = strv_push(&found, p);
                errno = 0;
        }
        if (r >= 0 && errno)
                r = -errno;
        closedir(d);
        if (r < 0)
                return dw_error_set(ret_error, r, dir, "cannot list audit log directory '%s': %s", dir,
                                    strerror(-r));
        if (found.n == 0)
                return dw_error_set(ret_error, -ENOENT, dir, "no audit.log files in directory '%s'", dir);
        qsort(found.v, found.n, sizeof(char *), cmp_rotation);
        return add_files(in, dir, found.v, found.n, ret_error);
}

static int add_glob(struct audit_inputs *in, const char *pattern, struct dw_error *ret_error)
{
        glob_t g;
        int r;

        r = glob(pattern, GLOB_NOSORT, NULL, &g);
        if (r == 0) {
                qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_rotation);
                r = add_files(in, pattern, g.gl_pathv, g.gl_pathc, ret_error);
        } else if (r == GLOB_NOMATCH) {
                r = dw_error_set(ret_error, -ENOENT, pattern, "no audit log matches '%s'", pattern);
        } else {
                r = dw_error_set(ret_error, r == GLOB_NOSPACE ? -ENOMEM : -EIO, pattern, "cannot expand '%s'",
                                 pattern);
        }
        globfree(&g);
        return r;
}

int audit_inputs_add(struct audit_inputs *in, const char *arg, struct dw_error *ret_error)
{
        char *self[] = { (char *) arg };
        struct stat st;

        if (strcmp(arg, "-") != 0 && stat(arg, &st) == 0 && S_ISDIR(st.st_mode))
                return add_directory(in, arg, ret_error);
        /* "-", an existing file, a missing one without wildcards: opened
         * later, and a missing or unreadable file is reported then. */
        if (strcmp(arg, "-") == 0 || access(arg, F_OK) == 0 || !strpbrk(arg, "*?["))
                return add_files(in, arg, self, 1, ret_error);
        return add_glob(in, arg, ret_error);
}


/* ---- reading ---- */

#define DEFAULT_POLL_MS 250
/* A followed file's last bytes read, compared with what the file holds there
 * now: a file truncated and written past the old offset is read again. */
#define FINGERPRINT_BYTES 4096

enum mode {
        MODE_PLAIN,             /* a file, read to its end */
        MODE_STREAM,            /* standard input or a pipe: read as data arrives, to its end */
        MODE_FOLLOW,            /* the last file, read as it grows, across rotation and truncation */
};

struct source {
        const char *name;       /* for messages: the path, or "standard input" */
        const char *path;       /* NULL: standard input */
        int fd;
        enum mode mode;
        dev_t dev;              /* MODE_FOLLOW: the file fd reads */
        ino_t ino;
        bool rotated;           /* the path names another file now: read fd to its end, then switch */
        bool truncated;         /* the file shrank below what was read: read it again from the start */
        bool at_end;            /* MODE_FOLLOW: the last read found the end: look again before reading */
        bool not_regular;       /* MODE_FOLLOW: the path names something else (said once) */
        int watch_fd;           /* MODE_FOLLOW: inotify on the path's directory, or -1 (polling only) */
        size_t tail_len;        /* MODE_FOLLOW: the last bytes read, up to FINGERPRINT_BYTES */
        char tail[FINGERPRINT_BYTES];
};

struct reading {
        struct audit_assembler *a;
        const struct audit_input_options *o;
        unsigned poll_ms;
        bool live;              /* following, or reading standard input: a signal is the normal end */
        uint64_t quiet_since;   /* CLOCK_MONOTONIC ms of the last line or idle call */
        struct dw_error *error;
};

static bool cancelled(const struct reading *rd)
{
        return rd->o->cancel && *rd->o->cancel;
}

/* The end of reading at a cancellation: normal for a live stream. */
static int cancel_end(struct reading *rd)
{
        return rd->live ? 0 : dw_error_set(rd->error, -ECANCELED, NULL, "interrupted");
}

static int read_error(struct reading *rd, const struct source *s, int r)
{
        return dw_error_set(rd->error, r, s->name, "cannot read audit log '%s': %s", s->name, strerror(-r));
}

static void note(const struct reading *rd, const char *fmt, ...) _printf_(2, 3);
static void note(const struct reading *rd, const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL;
        va_list ap;
        int r;

        if (!rd->o->note)
                return;
        va_start(ap, fmt);
        r = escape_message(&msg, ERROR_REASON_MAX, fmt, ap);
        va_end(ap);
        if (r >= 0)
                rd->o->note(rd->o->userdata, msg);
}

/* Remembers the last bytes read from a followed file. */
static void tail_add(struct source *s, const char *p, size_t n)
{
        size_t keep;

        if (n >= FINGERPRINT_BYTES) {
                memcpy(s->tail, p + n - FINGERPRINT_BYTES, FINGERPRINT_BYTES);
                s->tail_len = FINGERPRINT_BYTES;
                return;
        }
        keep = s->tail_len + n > FINGERPRINT_BYTES ? FINGERPRINT_BYTES - n : s->tail_len;
        memmove(s->tail, s->tail + s->tail_len - keep, keep);
        memcpy(s->tail + keep, p, n);
        s->tail_len = keep + n;
}

static int follow_check(struct source *s);

/* The line reader's read function. -EAGAIN: nothing to read now (or a signal
 * came), try again after a wait; 0: the end of this file. */
static ssize_t source_read(void *userdata, void *p, size_t n)
{
        struct source *s = userdata;
        ssize_t k;

        /* After a wait at the end, first whether the file is still the one
         * read (truncated and refilled while this process was not looking). */
        if (s->mode == MODE_FOLLOW && s->at_end) {
                s->at_end = false;
                k = follow_check(s);
                if (k < 0)
                        return k;
                if (s->truncated)
                        return 0;
        }

        if (s->mode == MODE_STREAM) {
                struct pollfd pfd = { .fd = s->fd, .events = POLLIN };

                k = poll(&pfd, 1, 0);
                if (k == 0 || (k < 0 && errno == EINTR))
                        return -EAGAIN;
                if (k < 0)
                        return -errno;
        }
        k = read(s->fd, p, n);
        if (k < 0)
                return errno == EINTR || errno == EAGAIN ? -EAGAIN : -errno;
        if (k == 0 && s->mode == MODE_FOLLOW && !s->rotated && !s->truncated) {
                s->at_end = true;
                return -EAGAIN;         /* the end of what was written so far */
        }
        if (k > 0 && s->mode == MODE_FOLLOW)
                tail_add(s, p, (size_t) k);
        return k;
}

/* At the end of a followed file: 1 when it was truncated (it shrank below
 * the offset, or the bytes before the offset are not the ones read: truncated
 * and written past it since) or the path names another file now (read on: the
 * end of this one comes next), 0 when neither. */
static int follow_check(struct source *s)
{
        char now[FINGERPRINT_BYTES];
        struct stat st;
        ssize_t k;
        off_t pos;

        pos = lseek(s->fd, 0, SEEK_CUR);
        if (fstat(s->fd, &st) < 0 || pos < 0)
                return -errno;
        if (st.st_size < pos || (off_t) s->tail_len > pos) {
                s->truncated = true;
                return 1;
        }
        if (s->tail_len) {
                k = pread(s->fd, now, s->tail_len, pos - (off_t) s->tail_len);
                if (k < 0)
                        return -errno;
                if ((size_t) k != s->tail_len || memcmp(now, s->tail, s->tail_len) != 0) {
                        s->truncated = true;
                        return 1;
                }
        }
        /* A path that does not exist for a moment (between auditd's rename and
         * its new file) is no change yet. */
        if (stat(s->path, &st) == 0 && (st.st_dev != s->dev || st.st_ino != s->ino)) {
                s->rotated = true;
                return 1;
        }
        return 0;
}

/* Opens the followed path again: 1 when open, 0 when it does not exist (yet)
 * or is not a regular file (a FIFO or a directory for a moment: it is never
 * opened, only waited out, with one warning), or -errno. */
static int follow_open(const struct reading *rd, struct source *s)
{
        struct stat st;
        int fd;

        if (stat(s->path, &st) == 0 && !S_ISREG(st.st_mode)) {
                if (!s->not_regular)
                        note(rd, "audit log '%s' is not a regular file: waiting for one", s->name);
                s->not_regular = true;
                return 0;
        }
        /* O_NONBLOCK: a FIFO put in its place since the stat does not block the open. */
        fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0) {
                int e = errno;

                close(fd);
                return -e;
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return 0;       /* replaced in between: the next look says so */
        }
        if (s->fd >= 0)
                close(s->fd);
        s->fd = fd;
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->rotated = s->truncated = s->at_end = s->not_regular = false;
        s->tail_len = 0;
        return 1;
}

static void follow_watch(struct source *s)
{
        _cleanup_(freep) char *dir = strdup(s->path);
        char *slash = dir ? strrchr(dir, '/') : NULL;

        s->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (s->watch_fd < 0 || !dir)
                return;
        if (slash)
                slash[slash == dir] = '\0';     /* "/audit.log" -> "/" */
        /* Growth, truncation, rotation: anything that happens in the directory
         * wakes the wait, which then looks at the file. Without a watch (limits,
         * other file systems) the wait polls. */
        if (inotify_add_watch(s->watch_fd, slash ? dir : ".",
                              IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                                      IN_MOVED_TO | IN_MOVE_SELF | IN_DELETE_SELF) < 0) {
                close(s->watch_fd);
                s->watch_fd = -1;
        }
}

/* Waits for input: ticks the assembler, calls the idle callback once poll_ms
 * passed without a line, then sleeps until data (standard input), a change in
 * the followed file's directory, a signal, or the next idle time. 0, the
 * consumer's negative error, or -errno with the error set. */
static int wait_input(struct reading *rd, struct source *s, bool got_lines)
{
        uint64_t now = clock_ms(CLOCK_MONOTONIC);
        struct pollfd pfd = { .fd = s->mode == MODE_STREAM ? s->fd : s->watch_fd, .events = POLLIN };
        char drain[4096];
        int r;

        if (got_lines)
                rd->quiet_since = now;
        r = audit_assembler_tick(rd->a, now);
        if (r < 0)
                return r;
        if (now - rd->quiet_since >= rd->poll_ms) {
                if (rd->o->idle)
                        rd->o->idle(rd->o->userdata, clock_ms(CLOCK_REALTIME));
                rd->quiet_since = now;
        }
        if (cancelled(rd))
                return 0;
        /* A signal landing between the check above and poll() is seen when the
         * timeout ends, at most poll_ms later; any other one interrupts poll(). */
        r = poll(&pfd, pfd.fd >= 0 ? 1 : 0, (int) (rd->poll_ms - (now - rd->quiet_since)));
        if (r < 0 && errno != EINTR)
                return dw_error_set(rd->error, -errno, s->name, "cannot wait for audit log '%s': %s", s->name,
                                    strerror(errno));
        /* One read: what it leaves wakes the next wait at once. */
        if (r > 0 && s->mode == MODE_FOLLOW)
                (void) !read(s->watch_fd, drain, sizeof(drain));
        return 0;
}

/* At the end of a followed file (rotated or truncated): the same file from
 * its start, or the file the path names now, once it exists. */
static int follow_next(struct reading *rd, struct source *s)
{
        int r;

        if (s->truncated && !s->rotated) {
                s->truncated = false;
                s->tail_len = 0;
                return lseek(s->fd, 0, SEEK_SET) < 0 ? read_error(rd, s, -errno) : 0;
        }
        while (!cancelled(rd)) {
                r = follow_open(rd, s);
                if (r < 0)
                        return dw_error_set(rd->error, r, s->name, "cannot open audit log '%s': %s", s->name,
                                            strerror(-r));
                if (r > 0)
                        return 0;
                r = wait_input(rd, s, false);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* Feeds one input into the assembler. 0 (also when cancelled in a live mode),
 * -errno with the error set, or the consumer's negative error. */
static int read_source(struct reading *rd, struct source *s)
{
        _cleanup_(line_reader_freep) struct line_reader *lr = NULL;
        bool got_lines = false;
        const char *line;
        unsigned flags;
        size_t len;
        int r;

        rd->quiet_since = clock_ms(CLOCK_MONOTONIC);
        for (;;) {
                if (cancelled(rd))
                        return cancel_end(rd);
                if (!lr) {
                        r = line_reader_new_fn(source_read, s, 0, &lr);
                        if (r < 0)
                                return read_error(rd, s, r);
                }
                r = line_reader_next(lr, &line, &len, &flags);
                if (r > 0) {
                        got_lines = true;
                        r = audit_assembler_feed(rd->a, line, len, flags);
                        if (r < 0)
                                return r;       /* the consumer's error: the caller reports it */
                        continue;
                }
                if (r == -EAGAIN) {
                        if (s->mode == MODE_PLAIN)
                                continue;       /* a signal: look at the cancel flag, read again */
                        if (s->mode == MODE_FOLLOW) {
                                r = follow_check(s);
                                if (r < 0)
                                        return read_error(rd, s, r);
                                if (r > 0)
                                        continue;
                        }
                        r = wait_input(rd, s, got_lines);
                        if (r != 0)
                                return r;
                        got_lines = false;
                        continue;
                }
                if (r < 0)
                        return read_error(rd, s, r);
                if (s->mode != MODE_FOLLOW)
                        return 0;
                /* A new reader for the next file: a line cut at the end of the
                 * old one is not glued to the start of the new one. */
                line_reader_free(lr);
                lr = NULL;
                r = follow_next(rd, s);
                if (r != 0)
                        return r;
        }
}

int audit_inputs_read(const struct audit_inputs *in, struct audit_assembler *a, const struct audit_input_options *o,
                      struct dw_error *ret_error)
{
        static const struct audit_input_options defaults = { 0 };
        const struct strv *files = &in->files;
        struct reading rd = { .a = a, .o = o ? o : &defaults, .error = ret_error };
        uint64_t input_records = 0;     /* records before the current input */
        bool input_quiet_ok = false;    /* it has a stream or a followed file */
        size_t i;
        int r = 0;

        rd.poll_ms = rd.o->poll_ms ? rd.o->poll_ms : DEFAULT_POLL_MS;
        if (rd.poll_ms > INT_MAX)
                rd.poll_ms = INT_MAX;
        rd.live = rd.o->follow;
        for (i = 0; i < files->n; i++)
                rd.live = rd.live || strcmp(files->v[i], "-") == 0;
        for (i = 0; i < files->n && r == 0; i++) {
                const char *input = i < in->sources.n ? in->sources.v[i] : NULL;
                bool last_of_input = !input || i + 1 == files->n || i + 1 >= in->sources.n ||
                                     strcmp(in->sources.v[i + 1], input) != 0;
                bool is_stdin = strcmp(files->v[i], "-") == 0;
                struct source s = {
                        .name = is_stdin ? "standard input" : files->v[i],
                        .path = is_stdin ? NULL : files->v[i],
                        .fd = -1,
                        .watch_fd = -1,
                };
                struct stat st;

                if (cancelled(&rd))
                        return cancel_end(&rd);
                if (is_stdin)
                        s.fd = STDIN_FILENO;
                else
                        s.fd = open(s.path, O_RDONLY | O_CLOEXEC);
                if (s.fd < 0)
                        return dw_error_set(ret_error, -errno, s.name, "cannot open audit log '%s': %s", s.name,
                                            strerror(errno));
                if (is_stdin)
                        s.mode = MODE_STREAM;
                else if (rd.o->follow && i + 1 == files->n) {
                        if (fstat(s.fd, &st) == 0 && S_ISREG(st.st_mode)) {
                                s.mode = MODE_FOLLOW;
                                s.dev = st.st_dev;
                                s.ino = st.st_ino;
                                follow_watch(&s);
                        } else
                                s.mode = MODE_STREAM;   /* a pipe or device: read as it comes, to its end */
                }
                r = read_source(&rd, &s);
                if (!is_stdin && s.fd >= 0)
                        close(s.fd);
                if (s.watch_fd >= 0)
                        close(s.watch_fd);
                if (s.mode != MODE_PLAIN)
                        input_quiet_ok = true;
                if (r == 0 && input && last_of_input) {
                        uint64_t records = audit_assembler_stats(a)->records;

                        if (records == input_records && !input_quiet_ok && !cancelled(&rd))
                                r = dw_error_set(ret_error, -ENOMSG, input, "no audit records in '%s'", input);
                        input_records = records;
                        input_quiet_ok = false;
                }
        }
        return r;
}
