/* Journal cursors and cursor files; see cursor.h. */
#define _GNU_SOURCE
#include "cursor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/macros.h"

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* n hex digits (1 to 16) as a number. */
static int hex_u64(const char *s, size_t n, uint64_t *ret)
{
        uint64_t v = 0;

        if (n == 0 || n > 16)
                return -EBADMSG;
        for (size_t i = 0; i < n; i++) {
                if (!is_hex(s[i]))
                        return -EBADMSG;
                v = v << 4 | (uint64_t) (s[i] <= '9' ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
        }
        *ret = v;
        return 0;
}

int journal_cursor_parse(const char *s, size_t len, struct journal_cursor *ret)
{
        struct journal_cursor c = { 0 };
        unsigned seen = 0;
        const char *end = s + len;

        if (len == 0 || len > JOURNAL_CURSOR_MAX)
                return -EBADMSG;
        while (s < end) {
                const char *semi = memchr(s, ';', (size_t) (end - s)), *v = s + 2;
                size_t n = (size_t) ((semi ? semi : end) - v);
                const char *keys = "sibmtx", *k;
                uint64_t x;

                if (end - s < 2 || s[1] != '=' || !(k = memchr(keys, s[0], 6)) || (seen & 1u << (k - keys)))
                        return -EBADMSG;
                seen |= 1u << (k - keys);
                if (s[0] == 's' || s[0] == 'b') {
                        /* 128-bit ids: 32 hex digits */
                        if (n != 32)
                                return -EBADMSG;
                        for (size_t i = 0; i < n; i++)
                                if (!is_hex(v[i]))
                                        return -EBADMSG;
                        if (s[0] == 's')
                                memcpy(c.seqnum_id, v, 32);
                } else {
                        if (hex_u64(v, n, &x) < 0)
                                return -EBADMSG;
                        if (s[0] == 'i')
                                c.seqnum = x;
                        else if (s[0] == 't') {
                                c.realtime_us = x;
                                c.has_realtime = true;
                        }
                }
                s = semi ? semi + 1 : end;
                if (semi && s == end)
                        return -EBADMSG;        /* a trailing ';' */
        }
        if ((seen & 3u) != 3u)
                return -EBADMSG;
        *ret = c;
        return 0;
}

int cursor_file_read(const char *path, char **ret)
{
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        _cleanup_(freep) char *data = NULL;
        struct journal_cursor c;
        struct stat st;
        size_t len;
        int r;

        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EBADMSG;
        r = read_fd_all(fd, JOURNAL_CURSOR_MAX + 1, &data, &len);
        if (r < 0)
                return r;
        if (len > 0 && data[len - 1] == '\n')
                data[--len] = '\0';
        if (len > JOURNAL_CURSOR_MAX)
                return -EFBIG;
        if (memchr(data, '\0', len) || journal_cursor_parse(data, len, &c) < 0)
                return -EBADMSG;
        *ret = TAKE_PTR(data);
        return 0;
}

int cursor_file_write(const char *path, const char *cursor)
{
        _cleanup_(freep) char *tmp = NULL;
        _cleanup_(closep) int fd = -1;
        const char *slash = strrchr(path, '/');
        int dir_len = slash ? (int) (slash - path) + 1 : 0;     /* with its '/' */
        int r;

        /* ".NAME.XXXXXX" beside it: the rename stays on one filesystem. */
        if (asprintf(&tmp, "%.*s.%s.XXXXXX", dir_len, path, path + dir_len) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return negative_errno();
        r = fchmod(fd, 0600) < 0 ? negative_errno() : 0;
        if (r >= 0)
                r = write_all(fd, cursor, strlen(cursor));
        if (r >= 0)
                r = write_all(fd, "\n", 1);
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r >= 0 && rename(tmp, path) < 0)
                r = negative_errno();
        if (r < 0)
                (void) unlink(tmp);
        return r;
}
