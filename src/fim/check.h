/* A check: walk a live tree, trusting unchanged files through a stat cache,
 * and diff it against a baseline. */
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
         * from this same tree serves as the cache. */
        const char *cache_path;
        struct walk_progress *progress;
        const volatile sig_atomic_t *cancel;
};

struct fim_check_result {
        struct walk_stats walk;
        bool cache_used, cache_written;
        int cache_error;                /* reading or writing the cache failed (not fatal) */
        const char *unmatched;          /* on -ENOENT: the prefix that matched nothing */
};

int fim_check(const struct fim_tree *baseline, const struct baseline_meta *meta,
              const struct fim_check_opts *opts, fim_change_fn fn, void *userdata,
              struct fim_check_result *ret_result);
