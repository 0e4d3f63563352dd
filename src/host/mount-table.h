/* The mount table: /proc/self/mountinfo (or a saved copy) parsed with
 * libmount into plain entries a diff, a store and a report can use without
 * libmount. Parsers take (buf, len), never print, and fail with -EBADMSG
 * (malformed, truncated or empty input) or -E2BIG (a limit) and a one-line
 * reason. docs/internals/host.md describes the limits. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/arena.h"
#include "basic/macros.h"

#define MOUNT_TABLE_MAX_BYTES ((size_t) 32 << 20)
#define MOUNT_TABLE_MAX_ENTRIES 100000          /* the kernel's default fs.mount-max */
#define MOUNT_LINE_MAX 65536                    /* one line: four escaped paths of PATH_MAX and options */

/* One mount. Strings are unescaped (\040 is a space again, \012 a newline),
 * NUL-terminated, never NULL ("" when absent), in the table's arena. */
struct mount_entry {
        int64_t id, parent;             /* mount ids; -1 unknown */
        unsigned major, minor;          /* st_dev of the file system */
        const char *root;               /* the directory of the file system mounted there */
        const char *target;
        const char *fstype;
        const char *source;
        const char *options;            /* per-mount (VFS) options: ro, nosuid, ... */
        const char *super_options;      /* the file system's: lowerdir=, verity=, ... */
};

struct mount_table {
        struct mount_entry *entries;
        size_t n, allocated;
        struct arena arena;
};

/* Parses a mountinfo text. An empty input, a line without its newline (cut
 * short), a line libmount cannot read, a NUL byte, or a line that is not a
 * mountinfo line (fstab, mtab shapes) is -EBADMSG with the line number in
 * *ret_error (free() it). */
int mount_table_parse(const char *buf, size_t len, struct mount_table **ret, char **ret_error);

struct mount_table *mount_table_new(void);
struct mount_table *mount_table_free(struct mount_table *t);
/* Appends an entry (ids -1, strings ""); NULL past MOUNT_TABLE_MAX_ENTRIES or
 * without memory. */
struct mount_entry *mount_table_add(struct mount_table *t);
/* Copies s into the table's arena ("" for NULL); NULL without memory. */
const char *mount_table_strdup(struct mount_table *t, const char *s);

/* The value of option 'name' in a comma-separated list: true when present,
 * *ret_value and *ret_len (either may be NULL) then the text after '=' (len 0 for
 * a bare flag). */
bool mount_option(const char *options, const char *name, const char **ret_value, size_t *ret_len);
/* Whether the per-mount options say read-only. */
bool mount_entry_read_only(const struct mount_entry *e);
/* Whether path is base or below it ("/usr" is under "/usr" and "/", not "/us"). */
bool path_is_under(const char *path, const char *base);

DEFINE_FREEP(struct mount_table, mount_table_free)
