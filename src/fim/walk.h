/* Parallel walk of a live tree into a fim_tree: metadata of every entry below
 * the given prefixes, xattrs, symlink targets and SHA-256 of regular files.
 * Never follows a symlink and never leaves the root; does not descend into
 * pseudo filesystems (proc, sysfs, cgroup ...). */
#pragma once

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "entry.h"

enum walk_phase {
        WALK_PHASE_NONE,
        WALK_PHASE_PLAN,                /* fim_walk_plan(): counting entries and bytes */
        WALK_PHASE_METADATA,            /* a walk's listing pass (small files hashed in it) */
        WALK_PHASE_HASHING,             /* a walk's read pass: the large files */
};

/* Counters a progress line reads while another thread walks. All zero is a
 * valid start; only the place needs walk_progress_set_place(). */
struct walk_progress {
        atomic_ullong entries;          /* entries recorded so far */
        atomic_ullong hash_total;       /* files to hash, known after the metadata pass */
        atomic_ullong hashed;           /* files hashed so far */
        atomic_ullong bytes;            /* bytes hashed so far */
        atomic_bool wanted;             /* someone draws it: totals are worth a stat per file */
        atomic_int phase;               /* enum walk_phase */
        atomic_ullong done_bytes;       /* bytes of regular files hashed or trusted from the stat cache */
        atomic_ullong total_bytes;      /* of the whole job; 0: unknown */
        atomic_ullong total_entries;    /* of the whole job; 0: unknown */
        atomic_uint place_lock;
        char place[64];                 /* the top directory walked now ("/usr") */
};

/* The place part of a progress line: the first component of path ("/usr"
 * for "/usr/lib/x"), under a small lock; get copies it out (n > 0). */
void walk_progress_set_place(struct walk_progress *p, const char *path);
void walk_progress_get_place(struct walk_progress *p, char *buf, size_t n);

struct walk_opts {
        unsigned threads;               /* 0: one per online CPU */
        unsigned attrs;                 /* ATTR_* to record (ATTR_ALL_LIVE by default) */
        /* Entries known from an earlier walk of the same tree: when dev, ino,
         * ctime, mtime, size, mode, uid and gid all match, the known hash, xattrs
         * and target are taken instead of reading the file again. The result
         * shares path, xattr and target strings with the cache: keep the cache
         * alive as long as the result. */
        const struct fim_tree *cache;
        bool full;                      /* ignore the cache: read everything */
        /* Optional: feeds bytes into each regular file's hash ahead of its
         * content (ostree's object checksum covers a metadata header first).
         * Called after the entry's stat and xattrs are filled in. */
        int (*content_prefix)(const struct fim_entry *e, struct hasher *h, void *userdata);
        void *userdata;
        /* Optional: record only the paths in [lo, hi) (lo NULL: from the first,
         * hi NULL: to the last), and list only the directories that are in it
         * or whose subtree meets it. A walk in ascending ranges is one walk
         * cut in pieces: see fim_check(). */
        const struct path_range *range;
        /* Optional: hardlink groups carried over from the walks of earlier
         * ranges (see fim_tree_link_groups()). */
        struct fim_links *links;
        struct walk_progress *progress; /* optional */
        const volatile sig_atomic_t *cancel;  /* optional: stop early with -ECANCELED */
        /* Optional bounds for walks of places anybody can fill (posture's
         * look at /var): past max_entries children (0: no bound) nothing more
         * is recorded or listed; a directory more than max_depth components
         * below the root (0: no bound) is not listed; the directories named
         * in skip (absolute, normalized) are neither recorded nor listed.
         * walk_stats says how much each left out. */
        size_t max_entries;
        unsigned max_depth;
        char *const *skip;
        size_t n_skip;
};

struct walk_stats {
        unsigned long long entries, hashed, cached, bytes_hashed, errors;
        unsigned long long over_limit;  /* children left out past max_entries */
        unsigned long long too_deep;    /* directories not listed past max_depth */
        unsigned long long skipped;     /* directories of skip met and left out */
};

/* Adds the counters of s to sum (the walks of several ranges). */
void walk_stats_add(struct walk_stats *sum, const struct walk_stats *s);

/* Walks root (an absolute or relative directory) below each prefix ("/" for
 * everything; prefixes that do not exist are skipped). Entries that could not
 * be read are recorded with err set, never fatal. Fails only when root itself
 * cannot be opened, on allocation failure or on cancel. */
int fim_walk(const char *root, char *const *prefixes, size_t n_prefixes,
             const struct walk_opts *opts, struct fim_tree **ret, struct walk_stats *ret_stats);

/* Cuts the tree below the prefixes into ranges of about per_range entries
 * each, for a walk in pieces (struct walk_opts.range): a pass over the names
 * in path order, reading directories but stat'ing only what readdir does not
 * type. Memory: the names of one directory per level. *ret gets the cuts
 * (path_cuts_release()). */
int fim_walk_plan(const char *root, char *const *prefixes, size_t n_prefixes, size_t per_range,
                  struct walk_progress *progress,
                  const volatile sig_atomic_t *cancel, struct path_cuts *ret);

/* Between the ranges of a walk in pieces, once their trees are freed: hands
 * the freed memory back to the system, so that heap fragments left by one
 * range's arrays do not add up over many ranges. */
void walk_range_done(void);
