/* Extended attributes of an open file; see xattr-util.h. */
#define _GNU_SOURCE
#include "xattr-util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "macros.h"

int xattr_scratch_init(struct xattr_scratch *s)
{
        *s = (struct xattr_scratch) { 0 };
        s->names = malloc(XATTR_NAMES_MAX);
        s->values = malloc(XATTR_MAX_BYTES);
        s->pairs = malloc(XATTR_MAX_COUNT * sizeof(*s->pairs));
        if (!s->names || !s->values || !s->pairs) {
                xattr_scratch_release(s);
                return -ENOMEM;
        }
        return 0;
}

void xattr_scratch_release(struct xattr_scratch *s)
{
        free(s->names);
        free(s->values);
        free(s->pairs);
        *s = (struct xattr_scratch) { 0 };
}

/* O_PATH descriptors do not take f*xattr() (EBADF); their /proc/self/fd link
 * resolves to the very inode without a path walk. */
static ssize_t list_at(int fd, const char *proc, char *buf, size_t size)
{
        ssize_t n = flistxattr(fd, buf, size);

        if (n < 0 && errno == EBADF)
                n = listxattr(proc, buf, size);
        return n;
}

static ssize_t get_at(int fd, const char *proc, const char *name, void *buf, size_t size)
{
        ssize_t n = fgetxattr(fd, name, buf, size);

        if (n < 0 && errno == EBADF)
                n = getxattr(proc, name, buf, size);
        return n;
}

/* The name list into names (XATTR_NAMES_MAX bytes, the kernel's own limit on a
 * list): its length, 0 when there are none, or -errno. */
static ssize_t read_names(int fd, const char *proc, char *names)
{
        ssize_t n = list_at(fd, proc, names, XATTR_NAMES_MAX);

        if (n >= 0)
                return n;
        if (errno == ENOTSUP || errno == ENOENT)
                return 0;
        return errno == ERANGE || errno == E2BIG ? -E2BIG : negative_errno();
}

/* One value into buf, given exactly the room left in the budget: the kernel
 * writes no more than that, and a value that does not fit (or grew past it
 * meanwhile) is -E2BIG, never a write past the buffer. Its length, or
 * -ENODATA when it was removed meanwhile. */
static ssize_t read_value(int fd, const char *proc, const char *name, char *buf, size_t room)
{
        ssize_t n;

        if (room == 0)
                return get_at(fd, proc, name, NULL, 0) == 0 ? 0 : -E2BIG;
        n = get_at(fd, proc, name, buf, room);
        if (n >= 0)
                return n;
        return errno == ERANGE ? -E2BIG : negative_errno();
}

int xattr_list_fd(int fd, struct xattr_scratch *s, size_t *ret_len)
{
        char proc[sizeof("/proc/self/fd/") + 12];
        ssize_t n;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = read_names(fd, proc, s->names);
        if (n < 0)
                return (int) n;
        if (n > 0 && s->names[n - 1] != 0)
                return -EBADMSG;        /* the kernel NUL-terminates every name */
        *ret_len = (size_t) n;
        return 0;
}

bool xattr_listed(const struct xattr_scratch *s, size_t len, const char *name)
{
        const char *p, *end = s->names + len;

        for (p = s->names; p < end; p += strnlen(p, (size_t) (end - p)) + 1)
                if (strcmp(p, name) == 0)
                        return true;
        return false;
}

int xattr_read_listed(int fd, struct xattr_scratch *s, size_t len, bool (*skip)(const char *name),
                      size_t *ret_n)
{
        char proc[sizeof("/proc/self/fd/") + 12];
        size_t count = 0, used = len;   /* the names count against the byte budget too */
        const char *p, *end = s->names + len;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        for (p = s->names; p < end; p += strnlen(p, (size_t) (end - p)) + 1) {
                size_t name_len = strnlen(p, (size_t) (end - p));
                ssize_t v;

                if (name_len == 0 || p + name_len == end)
                        return -EBADMSG;        /* the kernel NUL-terminates every name */
                if (skip && skip(p))
                        continue;
                if (count == XATTR_MAX_COUNT)
                        return -E2BIG;
                v = read_value(fd, proc, p, s->values + used, XATTR_MAX_BYTES - used);
                if (v == -ENODATA)
                        continue;               /* removed meanwhile */
                if (v < 0)
                        return (int) v;
                s->pairs[count++] = (struct xattr_pair) {
                        .name = p, .name_len = name_len,
                        .value = s->values + used, .value_len = (size_t) v,
                };
                used += (size_t) v;
        }
        *ret_n = count;
        return 0;
}

int xattr_read_fd(int fd, struct xattr_scratch *s, size_t *ret_n)
{
        size_t len = 0;
        int r;

        r = xattr_list_fd(fd, s, &len);
        if (r < 0)
                return r;
        return xattr_read_listed(fd, s, len, NULL, ret_n);
}
