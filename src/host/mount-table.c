/* The mount table, read with libmount; see mount-table.h.
 *
 * libmount's parser skips a line it cannot read unless told otherwise, and
 * guesses the format (mountinfo, mtab, fstab) from the first line: we check
 * the shape of every line ourselves first (bounded length, a newline at the
 * end, two numbers in front), let libmount do the unescaping and the optional
 * fields, and count what it returns, so no line goes missing silently. */
#define _GNU_SOURCE
#include "mount-table.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "libmount-dl.h"

struct mount_table *mount_table_new(void)
{
        struct mount_table *t = calloc(1, sizeof(*t));

        if (t)
                arena_init(&t->arena);
        return t;
}

struct mount_table *mount_table_free(struct mount_table *t)
{
        if (!t)
                return NULL;
        free(t->entries);
        arena_release(&t->arena);
        free(t);
        return NULL;
}

struct mount_entry *mount_table_add(struct mount_table *t)
{
        struct mount_entry *e;

        if (t->n >= MOUNT_TABLE_MAX_ENTRIES)
                return NULL;
        if (t->n == t->allocated) {
                size_t n = t->allocated ? t->allocated * 2 : 64;

                if (n > MOUNT_TABLE_MAX_ENTRIES)
                        n = MOUNT_TABLE_MAX_ENTRIES;
                e = reallocarray(t->entries, n, sizeof(*e));
                if (!e)
                        return NULL;
                t->entries = e;
                t->allocated = n;
        }
        e = &t->entries[t->n++];
        *e = (struct mount_entry) { .id = -1, .parent = -1, .root = "", .target = "", .fstype = "",
                                    .source = "", .options = "", .super_options = "" };
        return e;
}

const char *mount_table_strdup(struct mount_table *t, const char *s)
{
        if (!s || !*s)
                return "";
        return arena_strndup(&t->arena, s, strlen(s));
}

bool mount_option(const char *options, const char *name, const char **ret_value, size_t *ret_len)
{
        size_t n = strlen(name);
        const char *p = options;

        while (p && *p) {
                const char *end = strchrnul(p, ',');

                if ((size_t) (end - p) >= n && strncmp(p, name, n) == 0 && (p[n] == '=' || p + n == end)) {
                        const char *v = p[n] == '=' ? p + n + 1 : end;

                        if (ret_value)
                                *ret_value = v;
                        if (ret_len)
                                *ret_len = (size_t) (end - v);
                        return true;
                }
                p = *end ? end + 1 : NULL;
        }
        return false;
}

bool mount_entry_read_only(const struct mount_entry *e)
{
        return mount_option(e->options, "ro", NULL, NULL);
}

bool path_is_under(const char *path, const char *base)
{
        size_t n = strlen(base);

        if (n == 1 && base[0] == '/')
                return path[0] == '/';
        return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static int fail(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **ret_error, int r, const char *fmt, ...)
{
        va_list ap;

        if (ret_error) {
                va_start(ap, fmt);
                if (vasprintf(ret_error, fmt, ap) < 0)
                        *ret_error = NULL;
                va_end(ap);
        }
        return r;
}

/* The shape of every line, before libmount sees any: "ID PARENT ..." with a
 * newline at the end. Returns the number of lines. */
static int check_lines(const char *buf, size_t len, size_t *ret_lines, char **ret_error)
{
        const char *p = buf, *end = buf + len;
        size_t line = 0;

        if (len == 0)
                return fail(ret_error, -EBADMSG, "empty: no mounts (a mount table has at least the root)");
        if (len > MOUNT_TABLE_MAX_BYTES)
                return fail(ret_error, -E2BIG, "larger than %zu MiB", MOUNT_TABLE_MAX_BYTES >> 20);
        if (memchr(buf, '\0', len))
                return fail(ret_error, -EBADMSG, "a NUL byte: not a mountinfo text");
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *q = p;

                line++;
                if (!nl)
                        return fail(ret_error, -EBADMSG, "line %zu is cut short (no newline at the end)", line);
                if ((size_t) (nl - p) > MOUNT_LINE_MAX)
                        return fail(ret_error, -E2BIG, "line %zu is longer than %d bytes", line, MOUNT_LINE_MAX);
                if (line > MOUNT_TABLE_MAX_ENTRIES)
                        return fail(ret_error, -E2BIG, "more than %d mounts", MOUNT_TABLE_MAX_ENTRIES);
                for (int field = 0; field < 2; field++) {
                        int64_t id = 0;

                        if (q == nl || *q < '0' || *q > '9')
                                return fail(ret_error, -EBADMSG,
                                            "line %zu is not a mountinfo line (mount id and parent id first)", line);
                        /* The kernel's ids are ints: libmount would wrap a larger one. */
                        while (q < nl && *q >= '0' && *q <= '9' && id <= INT_MAX)
                                id = id * 10 + (*q++ - '0');
                        if (id > INT_MAX)
                                return fail(ret_error, -EBADMSG, "line %zu: a mount id larger than %d", line, INT_MAX);
                        if (q == nl || *q != ' ')
                                return fail(ret_error, -EBADMSG,
                                            "line %zu is not a mountinfo line (mount id and parent id first)", line);
                        q++;
                }
                p = nl + 1;
        }
        *ret_lines = line;
        return 0;
}

/* libmount's entry points (libmount-dl.h), set by mount_table_parse() before any use. */
static const struct libmount_api *mnt;

static int parse_error(struct libmnt_table *tb, const char *filename, int line)
{
        int *first = mnt->table_get_userdata(tb);

        (void) filename;
        if (first && *first == 0)
                *first = line;
        return 1;       /* skip the line; we fail once libmount is done */
}

static void mnt_unref_tablep(struct libmnt_table **tb)
{
        if (*tb)
                mnt->unref_table(*tb);
}

static void mnt_free_iterp(struct libmnt_iter **it)
{
        if (*it)
                mnt->free_iter(*it);
}

int mount_table_parse(const char *buf, size_t len, struct mount_table **ret, char **ret_error)
{
        _cleanup_(mount_table_freep) struct mount_table *t = NULL;
        _cleanup_(mnt_unref_tablep) struct libmnt_table *tb = NULL;
        _cleanup_(mnt_free_iterp) struct libmnt_iter *it = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        struct libmnt_fs *fs;
        size_t lines = 0;
        int first_bad = 0, r;

        if (ret_error)
                *ret_error = NULL;
        r = check_lines(buf, len, &lines, ret_error);
        if (r < 0)
                return r;
        r = libmount_load(&mnt);
        if (r < 0)
                return fail(ret_error, r, "libmount (libmount.so.1) cannot be loaded");
        t = mount_table_new();
        tb = mnt->new_table();
        it = mnt->new_iter(MNT_ITER_FORWARD);
        f = fmemopen((void *) buf, len, "r");
        if (!t || !tb || !it || !f)
                return -ENOMEM;
        mnt->table_set_userdata(tb, &first_bad);
        r = mnt->table_set_parser_errcb(tb, parse_error);
        if (r >= 0)
                r = mnt->table_parse_stream(tb, f, "mountinfo");
        if (first_bad > 0)
                return fail(ret_error, -EBADMSG, "line %d is not a valid mountinfo line", first_bad);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_error, -EBADMSG, "libmount cannot read it: %s", strerror(-r));
        if ((size_t) mnt->table_get_nents(tb) != lines)
                return fail(ret_error, -EBADMSG, "%zu lines but libmount read %d mounts", lines,
                            mnt->table_get_nents(tb));

        while (mnt->table_next_fs(tb, it, &fs) == 0) {
                struct mount_entry *e = mount_table_add(t);
                dev_t dev = mnt->fs_get_devno(fs);

                if (!e)
                        return -ENOMEM;         /* the count was checked above */
                e->id = mnt->fs_get_id(fs);
                e->parent = mnt->fs_get_parent_id(fs);
                e->major = major(dev);
                e->minor = minor(dev);
                e->root = mount_table_strdup(t, mnt->fs_get_root(fs));
                e->target = mount_table_strdup(t, mnt->fs_get_target(fs));
                e->fstype = mount_table_strdup(t, mnt->fs_get_fstype(fs));
                e->source = mount_table_strdup(t, mnt->fs_get_source(fs));
                e->options = mount_table_strdup(t, mnt->fs_get_vfs_options(fs));
                e->super_options = mount_table_strdup(t, mnt->fs_get_fs_options(fs));
                if (!e->root || !e->target || !e->fstype || !e->source || !e->options || !e->super_options)
                        return -ENOMEM;
                if (!e->target[0] || !e->fstype[0])
                        return fail(ret_error, -EBADMSG, "mount %" PRId64 " has no target or type", e->id);
        }
        *ret = TAKE_PTR(t);
        return 0;
}
