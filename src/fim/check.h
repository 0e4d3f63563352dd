/* A check: walk a live tree, trusting unchanged files through a stat cache,
 * and diff it against a baseline, in chunks of path order so that memory does
 * not grow with the tree. */
#pragma once

#include "diff.h"
#include "store.h"
#include "walk.h"

struct fim_check_opts {
        const char *root;
        char *const *prefixes;          /* NULL: the baseline's own; each given must
                                         * match an entry of the baseline or the
                                         * tree, else -ENOENT and result.unmatched */
        size_t n_prefixes;
        bool full;                      /* re-hash everything */
        unsigned threads;
        /* Optional stat cache file: read when present, rewritten (atomically)
         * when this walk had to read anything. Without one, a baseline taken
         * from this same tree serves as the cache. With one, the check holds
         * the whole tree (baseline, cache and walk) in memory. */
        const char *cache_path;
        size_t chunk_rows;              /* baseline rows per chunk (0: BASELINE_CHUNK_ROWS) */
        struct walk_progress *progress;
        const volatile sig_atomic_t *cancel;
};

struct fim_check_result {
        struct walk_stats walk;
        bool cache_used, cache_written;
        int cache_error;                /* reading or writing the cache failed (not fatal) */
        const char *unmatched;          /* on -ENOENT: the prefix that matched nothing */
        bool baseline_failed;           /* the error came from reading the baseline ... */
        const char *baseline_reason;    /* ... and this says why, when not the errno (static) */
};

/* Checks the tree opts->root against the baseline file at baseline_path,
 * calling fn for each change in path order. *ret_result is filled in on
 * failure too (what failed). */
int fim_check(const char *baseline_path, const struct fim_check_opts *opts, fim_change_fn fn, void *userdata,
              struct fim_check_result *ret_result);
