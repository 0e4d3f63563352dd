/* The file model shared by walks, baselines and the diff engine: one entry per
 * path, attributes as an image or a live tree has them, and a sorted tree of
 * entries. Paths are bytes (any name a filesystem allows), stored as
 * "/a/b" relative to the scanned root; the root itself is "/". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/arena.h"
#include "basic/sha256.h"
#include "basic/xattr-util.h"

/* The longest path an entry may have, in bytes ("/a/b" form): longer than
 * the kernel resolves in one call (PATH_MAX), since a walk opens each
 * directory through its parent; bounded because a tree's memory grows with
 * its paths. A walk records a directory whose children would pass it as
 * unreadable (ENAMETOOLONG). */
#define FIM_PATH_MAX (16 * 1024)

/* Attributes a tree records and a check compares. */
enum {
        ATTR_TYPE    = 1u << 0,
        ATTR_MODE    = 1u << 1,
        ATTR_UID     = 1u << 2,
        ATTR_GID     = 1u << 3,
        ATTR_SIZE    = 1u << 4,
        ATTR_MTIME   = 1u << 5,
        ATTR_CONTENT = 1u << 6,
        ATTR_TARGET  = 1u << 7,
        ATTR_RDEV    = 1u << 8,
        ATTR_LINK    = 1u << 9,
        ATTR_XATTRS  = 1u << 10,
        /* Not a compared attribute: dev, ino and ctime are recorded, so a later
         * walk of the same tree can trust an unchanged file without hashing. */
        ATTR_STATCACHE = 1u << 11,
        /* Not recorded: set by image verification when only ostree's object
         * checksum tells that something differs. */
        ATTR_OBJECT  = 1u << 12,
};

#define ATTR_ALL_LIVE 0xfffu
#define ATTR_COMPARED 0x7ffu

/* Names as they appear in driftwatch.changed, indexed by bit number. */
const char *attr_name(unsigned bit);
/* Parses a comma-separated list of names into a mask; -EINVAL names the culprit
 * through *ret_bad. */
int attr_parse_list(const char *s, unsigned *ret_mask, const char **ret_bad);
/* Appends the names of mask (comma-separated) to a buffer. */
struct buf;
int attr_format_list(struct buf *b, unsigned mask);

/* "file", "dir", "symlink", "char", "block", "fifo", "socket" or "unknown". */
const char *fim_type_name(uint32_t type);

enum entry_flags {
        ENTRY_HAS_HASH   = 1u << 0,
        ENTRY_HAS_STAT   = 1u << 1,     /* dev, ino, ctime valid */
        ENTRY_HASHED_NOW = 1u << 2,     /* content was read during this walk */
        ENTRY_UNLISTED   = 1u << 3,     /* a directory whose children are unknown:
                                         * it could not be (fully) listed */
};

struct fim_entry {
        const char *path;               /* NUL-terminated, path_len bytes */
        uint32_t path_len;
        uint32_t flags;
        uint32_t type;                  /* S_IFMT bits */
        uint32_t mode;                  /* 07777 bits */
        uint32_t uid, gid;
        uint32_t nlink;
        int32_t err;                    /* errno when the entry could not be read fully */
        uint64_t size;
        int64_t mtime_ns, ctime_ns;
        uint64_t dev, ino, rdev;
        uint8_t sha256[SHA256_LEN];
        const char *target;             /* symlink target, NUL-terminated, or NULL */
        uint32_t target_len;
        uint32_t link_len;
        const char *link;               /* hardlink identity: first path of the group */
        const uint8_t *xattrs;          /* serialized, see xattr_* below */
        uint32_t xattrs_len;
};

/* Entries sorted by path (byte order), the arena that owns their strings, and
 * what the producer recorded. */
struct fim_tree {
        struct fim_entry *entries;
        size_t n, cap;
        unsigned attrs;
        struct arena arena;
};

int fim_tree_new(struct fim_tree **ret);
struct fim_tree *fim_tree_free(struct fim_tree *t);
/* Appends an entry slot (zeroed) and returns it, or NULL on allocation failure. */
struct fim_entry *fim_tree_add(struct fim_tree *t);
void fim_tree_sort(struct fim_tree *t);
const struct fim_entry *fim_tree_find(const struct fim_tree *t, const char *path, size_t len);
/* Adds to 'unlisted' a copy (path, type, flag) of each directory of cur that
 * could not be listed: carried from chunk to chunk of a diff in chunks. */
int fim_tree_keep_unlisted(struct fim_tree *unlisted, const struct fim_tree *cur);
/* The entries strictly below directory 'path' (its descendants), which the
 * byte order keeps together: indexes [*ret_lo, *ret_hi). */
void fim_tree_below(const struct fim_tree *t, const char *path, size_t len, size_t *ret_lo, size_t *ret_hi);
size_t fim_tree_count_below(const struct fim_tree *t, const char *path, size_t len);
/* A hash index over a tree's paths: constant-time lookups where a walk asks
 * for every path it meets (binary search costs a string compare per level). */
struct fim_index {
        const struct fim_tree *tree;
        uint32_t *slots;                /* entry index + 1; 0 is empty */
        size_t mask;
};

int fim_index_build(const struct fim_tree *t, struct fim_index *ret);
void fim_index_release(struct fim_index *idx);
const struct fim_entry *fim_index_find(const struct fim_index *idx, const char *path, size_t len);

/* Hardlink groups carried across trees that cover ascending, disjoint path
 * ranges (the chunks of a streamed walk): the first path of every group seen
 * so far, by device and inode. Grows with the hardlinked inodes, not the tree. */
struct fim_links;

int fim_links_new(struct fim_links **ret);
struct fim_links *fim_links_free(struct fim_links *l);

/* Fills in 'link' for regular files that share an inode inside the tree and,
 * when 'carry' is given, with the trees it was given before (all of them
 * before this one in path order); this tree's groups are then added to it. */
int fim_tree_link_groups(struct fim_tree *t, struct fim_links *carry);

/* Keeps only the entries at or below prefix and makes their paths relative
 * to it ("/usr/etc/x" becomes "/x", "/usr/etc" itself "/"). Order is kept. */
void fim_tree_reroot(struct fim_tree *t, const char *prefix);

int path_compare(const char *a, size_t alen, const char *b, size_t blen);
/* A half-open range of paths in path order; a NULL bound is open. */
struct path_range {
        const char *lo, *hi;
        size_t lo_len, hi_len;
};

/* Whether path lies in r (NULL: everything); whether some path below the directory 'path' does. */
bool path_range_contains(const struct path_range *r, const char *path, size_t len);
bool path_range_meets_subtree(const struct path_range *r, const char *path, size_t len);

/* Ascending paths that cut path order into ranges: range 0 is everything
 * before cut 0, range i [cut i-1, cut i), the last one from the last cut on. */
struct path_cut {
        char *path;
        size_t len;
};

struct path_cuts {
        struct path_cut *cuts;
        size_t n;
};

int path_cuts_add(struct path_cuts *c, const char *path, size_t len);
/* Sorts the cuts and drops duplicates (cuts added out of order). */
void path_cuts_sort(struct path_cuts *c);
void path_cuts_release(struct path_cuts *c);
/* Range i of n + 1; its bounds point into c. */
void path_cuts_range(const struct path_cuts *c, size_t i, struct path_range *ret);

/* Whether path equals prefix or lies below it ("/" is below everything). */
bool path_has_prefix(const char *path, size_t len, const char *prefix);
/* The first of prefixes that no entry of t lies at or below, or NULL when
 * each names something: a --path that matches nothing is a user's mistake. */
const char *fim_tree_unmatched_prefix(const struct fim_tree *t, char *const *prefixes, size_t n);

/* Serialized xattrs: repeated [u16 name_len][name][u32 value_len][value], sorted
 * by name, so two sets compare with memcmp. */
struct xattr_iter {
        const uint8_t *p;
        size_t left;
};

bool xattr_next(struct xattr_iter *it, const char **ret_name, size_t *ret_name_len,
                const uint8_t **ret_value, size_t *ret_value_len);

#include "basic/macros.h"
DEFINE_FREEP(struct fim_tree, fim_tree_free)
DEFINE_FREEP(struct fim_links, fim_links_free)

/* Sorts pairs by name and serializes them into the arena. n == 0 gives NULL/0;
 * -E2BIG past XATTR_MAX_COUNT attributes or XATTR_MAX_BYTES of names and values. */
int xattr_pack(struct arena *a, struct xattr_pair *pairs, size_t n,
               const uint8_t **ret, uint32_t *ret_len);
