/* Extended attributes of an open file, each value sized on its own. The one
 * reader of xattrs from a live tree; the limits here also bound what an ostree
 * commit may carry into an entry. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* An entry may carry at most this many attributes and this many bytes of names
 * and values together; beyond either the set is refused with -E2BIG (the walk
 * records the entry as unreadable for its xattrs and still compares the rest).
 * Linux itself caps one value at 64 KiB and the name list at 64 KiB. */
#define XATTR_MAX_COUNT 1024
#define XATTR_MAX_BYTES ((size_t) 1 << 20)
#define XATTR_NAMES_MAX ((size_t) 65536)

struct xattr_pair {
        const char *name;
        size_t name_len;
        const void *value;
        size_t value_len;
};

/* Working memory of one reader (one per thread): the name list, the values
 * and the pairs that point into them, valid until the next read. */
struct xattr_scratch {
        char *names;
        char *values;
        struct xattr_pair *pairs;
};

int xattr_scratch_init(struct xattr_scratch *s);
void xattr_scratch_release(struct xattr_scratch *s);

/* Reads every attribute of fd (O_PATH descriptors of symlinks and devices
 * too, through /proc/self/fd) into s; *ret_n pairs in s->pairs. Each value is
 * read on its own into the room left in the entry's budget (the kernel never
 * writes past it, and says ERANGE when the value does not fit): one call per
 * value, none past the buffer, whatever the values do meanwhile. Attributes
 * removed meanwhile are skipped; a filesystem without xattrs gives 0 pairs.
 * -E2BIG past XATTR_MAX_COUNT / XATTR_MAX_BYTES. */
int xattr_read_fd(int fd, struct xattr_scratch *s, size_t *ret_n);

/* The two halves of xattr_read_fd(), for a caller that decides from the names
 * alone whether it needs the values: the name list of fd into s->names (its
 * length in *ret_len; one flistxattr()), whether a name is in it, and the
 * values of the listed names skip() does not reject (NULL: all) into
 * s->pairs, under the same limits. */
int xattr_list_fd(int fd, struct xattr_scratch *s, size_t *ret_len);
bool xattr_listed(const struct xattr_scratch *s, size_t len, const char *name);
int xattr_read_listed(int fd, struct xattr_scratch *s, size_t len, bool (*skip)(const char *name),
                      size_t *ret_n);
