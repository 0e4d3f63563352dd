/* Line splitting over a fixed buffer; see reader.h. */
#include "reader.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fd-util.h"

/* Bytes asked of each read(): large enough that the syscall cost vanishes. */
#define READ_CHUNK ((size_t) 256 << 10)

struct line_reader {
        line_read_fn fn;
        void *userdata;
        int fd;
        char *buf;
        size_t size;            /* max_line + READ_CHUNK */
        size_t max_line;
        size_t start, end;      /* unconsumed bytes are buf[start, end) */
        size_t scan;            /* no newline in buf[start, scan) */
        bool eof;
        bool skipping;          /* inside an over-long line, dropping to its newline */
        uint64_t offset;
};

static ssize_t read_fd(void *userdata, void *p, size_t n)
{
        struct line_reader *r = userdata;

        return read_retry(r->fd, p, n);
}

int line_reader_new_fn(line_read_fn fn, void *userdata, size_t max_line, struct line_reader **ret)
{
        struct line_reader *r;

        if (max_line == 0)
                max_line = LINE_READER_DEFAULT_MAX;
        if (max_line > LINE_READER_MAX_MAX)
                return -EINVAL;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->size = max_line + READ_CHUNK;
        r->buf = malloc(r->size);
        if (!r->buf) {
                free(r);
                return -ENOMEM;
        }
        r->fn = fn;
        r->userdata = userdata;
        r->fd = -1;
        r->max_line = max_line;
        *ret = r;
        return 0;
}

int line_reader_new(int fd, size_t max_line, struct line_reader **ret)
{
        struct line_reader *r;
        int k;

        k = line_reader_new_fn(read_fd, NULL, max_line, &r);
        if (k < 0)
                return k;
        r->userdata = r;
        r->fd = fd;
        *ret = r;
        return 0;
}

void line_reader_free(struct line_reader *r)
{
        if (!r)
                return;
        free(r->buf);
        free(r);
}

uint64_t line_reader_offset(const struct line_reader *r)
{
        return r->offset;
}

static void consume(struct line_reader *r, size_t to)
{
        r->offset += to - r->start;
        r->start = r->scan = to;
}

int line_reader_next(struct line_reader *r, const char **ret_line, size_t *ret_len, unsigned *ret_flags)
{
        for (;;) {
                const char *nl = NULL;
                size_t len;
                ssize_t n;

                if (r->scan < r->end)
                        nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
                if (nl) {
                        size_t at = (size_t) (nl - r->buf);

                        len = at - r->start;
                        *ret_line = r->buf + r->start;
                        consume(r, at + 1);
                        if (r->skipping) {
                                r->skipping = false;
                                continue;
                        }
                        *ret_flags = 0;
                        if (len > r->max_line) {
                                len = r->max_line;
                                *ret_flags = LINE_TRUNCATED;
                        }
                        *ret_len = len;
                        return 1;
                }
                r->scan = r->end;
                if (r->skipping) {
                        consume(r, r->end);
                } else if (r->end - r->start > r->max_line) {
                        /* Too long and no newline yet: hand out the maximum, drop the
                         * rest up to the newline. */
                        *ret_line = r->buf + r->start;
                        *ret_len = r->max_line;
                        *ret_flags = LINE_TRUNCATED;
                        consume(r, r->end);
                        r->skipping = true;
                        return 1;
                }
                if (r->eof) {
                        if (r->start == r->end)
                                return 0;
                        *ret_line = r->buf + r->start;
                        *ret_len = r->end - r->start;
                        *ret_flags = LINE_NO_NEWLINE;
                        consume(r, r->end);
                        return 1;
                }
                if (r->start > 0) {
                        memmove(r->buf, r->buf + r->start, r->end - r->start);
                        r->end -= r->start;
                        r->scan -= r->start;
                        r->start = 0;
                }
                n = r->fn(r->userdata, r->buf + r->end, r->size - r->end);
                if (n < 0)
                        return (int) n;
                if (n == 0)
                        r->eof = true;
                else
                        r->end += (size_t) n;
        }
}
