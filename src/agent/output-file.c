/* The file: output: file:/ABSOLUTE/PATH[?max=BYTES&keep=N], one JSON line per
 * event appended (never through a symlink), fsync'd once per batch: a batch
 * is acknowledged when its fsync returned. Past max bytes (default 100 MiB;
 * 0: never) the file is rotated before the batch that would cross it:
 * PATH.1 ... PATH.keep (default 5; older ones removed), PATH made anew. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "agent/output-internal.h"
#include "agent/url.h"
#include "basic/fd-util.h"

#define FILE_MAX_DEFAULT ((uint64_t) 100 << 20)
#define FILE_KEEP_DEFAULT 5
#define FILE_KEEP_MAX 1000

struct file_output {
        char *path;
        uint64_t max;
        unsigned keep;
        int fd;
        uint64_t size;
};

static int file_reopen(struct file_output *f, struct dw_error *e)
{
        struct stat st;

        if (f->fd >= 0)
                close(f->fd);
        f->fd = open(f->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
        if (f->fd < 0)
                return dw_error_set(e, -errno, f->path, "cannot open output '%s': %s", f->path, strerror(errno));
        if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(f->fd);
                f->fd = -1;
                return dw_error_set(e, -EINVAL, f->path, "cannot use output '%s': not a regular file", f->path);
        }
        f->size = (uint64_t) st.st_size;
        /* A line torn by a failed write is ended, so the next one starts a line. */
        if (f->size > 0) {
                char last;

                if (pread(f->fd, &last, 1, (off_t) f->size - 1) == 1 && last != '\n' && write(f->fd, "\n", 1) == 1)
                        f->size++;
        }
        return 0;
}

static int file_rotate(struct file_output *f, struct dw_error *e)
{
        char from[PATH_MAX], to[PATH_MAX];

        snprintf(to, sizeof(to), "%s.%u", f->path, f->keep);
        if (unlink(to) < 0 && errno != ENOENT)
                return dw_error_set(e, -errno, to, "cannot rotate output '%s': %s", to, strerror(errno));
        for (unsigned i = f->keep; i > 1; i--) {
                snprintf(from, sizeof(from), "%s.%u", f->path, i - 1);
                snprintf(to, sizeof(to), "%s.%u", f->path, i);
                if (rename(from, to) < 0 && errno != ENOENT)
                        return dw_error_set(e, -errno, from, "cannot rotate output '%s': %s", from, strerror(errno));
        }
        snprintf(to, sizeof(to), "%s.1", f->path);
        if (rename(f->path, to) < 0 && errno != ENOENT)
                return dw_error_set(e, -errno, f->path, "cannot rotate output '%s': %s", f->path, strerror(errno));
        return file_reopen(f, e);
}

static void file_close(struct agent_output *o)
{
        struct file_output *f = (struct file_output *) o;

        if (!f)
                return;
        if (f->fd >= 0)
                close(f->fd);
        free(f->path);
        free(f);
}

static int file_open(const char *s, struct agent_output **ret, struct dw_error *e)
{
        static const char *const known[] = { "max", "keep", NULL };
        _cleanup_(url_release) struct url u = { 0 };
        struct file_output *f;
        const char *why = NULL, *v;
        char *end;
        int r;

        r = url_parse(s, &u, &why);
        if (r < 0)
                return dw_error_set(e, r, s, "bad output '%s': %s", s, why ?: strerror(-r));
        if (u.host[0] || u.path[0] != '/')
                return dw_error_set(e, -EINVAL, s, "bad output '%s': file: takes an absolute path (file:/PATH)", s);
        if ((v = url_unknown_param(&u, known)))
                return dw_error_set(e, -EINVAL, s, "bad output '%s': unknown parameter '%s' (max, keep)", s, v);
        if (strlen(u.path) > PATH_MAX - 8)
                return dw_error_set(e, -ENAMETOOLONG, s, "bad output '%s': path too long", s);
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        *f = (struct file_output) { .max = FILE_MAX_DEFAULT, .keep = FILE_KEEP_DEFAULT, .fd = -1 };
        f->path = strdup(u.path);
        if (!f->path) {
                free(f);
                return -ENOMEM;
        }
        if ((v = url_param(&u, "max"))) {
                errno = 0;
                f->max = strtoull(v, &end, 10);
                if (errno || !*v || *end) {
                        file_close((struct agent_output *) f);
                        return dw_error_set(e, -EINVAL, s, "bad output '%s': max takes a number of bytes", s);
                }
        }
        if ((v = url_param(&u, "keep"))) {
                unsigned long k;

                errno = 0;
                k = strtoul(v, &end, 10);
                if (errno || !*v || *end || k < 1 || k > FILE_KEEP_MAX) {
                        file_close((struct agent_output *) f);
                        return dw_error_set(e, -EINVAL, s, "bad output '%s': keep takes a number from 1 to 1000", s);
                }
                f->keep = (unsigned) k;
        }
        *ret = (struct agent_output *) f;
        return 0;
}

static int file_send(struct agent_output *o, const struct agent_event *events, size_t n, bool *acked,
                     struct dw_error *e)
{
        struct file_output *f = (struct file_output *) o;
        uint64_t bytes = 0;
        int r;

        if (f->fd < 0) {
                r = file_reopen(f, e);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n; i++)
                bytes += events[i].len + 1;
        if (f->max && f->size > 0 && f->size + bytes > f->max) {
                r = file_rotate(f, e);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n; i++) {
                struct iovec iov[2] = {
                        { (void *) events[i].json, events[i].len },
                        { (void *) "\n", 1 },
                };
                ssize_t k = writev(f->fd, iov, 2);

                if (k < 0 || (size_t) k != events[i].len + 1) {
                        r = k < 0 ? -errno : -EIO;
                        close(f->fd);
                        f->fd = -1;     /* reopened, and a torn line ended, by the retry */
                        return dw_error_set(e, r, f->path, "cannot write output '%s': %s", f->path, strerror(-r));
                }
                f->size += (uint64_t) k;
        }
        if (fsync(f->fd) < 0) {
                r = -errno;
                close(f->fd);
                f->fd = -1;
                return dw_error_set(e, r, f->path, "cannot write output '%s': %s", f->path, strerror(-r));
        }
        for (size_t i = 0; i < n; i++)
                acked[i] = true;
        return 0;
}

const struct agent_output_ops agent_output_file_ops = {
        .scheme = "file",
        .open = file_open,
        .send = file_send,
        .close = file_close,
};
