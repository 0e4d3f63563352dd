/* A check against a baseline; see check.h.
 *
 * Streamed: the baseline is cut into chunks of consecutive rows, and each
 * chunk covers a range of paths [lo, hi). For each chunk in turn the walk
 * records the live entries of that range only (using the chunk as its stat
 * cache), the two are diffed and both freed, so findings come out in path
 * order as from one whole diff while memory holds one chunk. What crosses
 * chunks is small: the hardlink groups seen so far, the directories that
 * could not be listed, and the walk's counters. */
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Whether the live tree has an entry at or below prefix (in the sense of
 * path_has_prefix()): a walk of the prefix's own path and nothing else. */
static int live_has(const struct fim_check_opts *opts, const char *prefix)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        _cleanup_(freep) char *hi = NULL;
        char *const seeds[] = { (char *) prefix };
        size_t n = strlen(prefix);
        struct path_range range;
        struct walk_opts wo = { .threads = 1, .attrs = ATTR_TYPE, .range = &range, .cancel = opts->cancel };
        int r;

        while (n > 1 && prefix[n - 1] == '/')
                n--;
        hi = malloc(n + 1);
        if (!hi)
                return -ENOMEM;
        memcpy(hi, prefix, n);
        hi[n] = '\0';
        range = (struct path_range) { .lo = prefix, .lo_len = n, .hi = hi, .hi_len = n + 1 };
        r = fim_walk(opts->root, seeds, 1, &wo, &t, NULL);
        return r < 0 ? r : t->n > 0;
}

/* Remembers the directories of cur that could not be listed: their children
 * may lie in later chunks. */
/* The walk of a check, and the prefixes it covers (the baseline's own by
 * default): it reads only what the baseline can be compared on, plus the
 * stat cache's keys. */
static void setup_walk(const struct fim_check_opts *opts, const struct baseline_meta *meta, struct walk_opts *ret_wo,
                       char *const **ret_prefixes, size_t *ret_n)
{
        *ret_wo = (struct walk_opts) {
                .threads = opts->threads,
                .attrs = (meta->attrs & ATTR_COMPARED) | ATTR_TYPE | ATTR_STATCACHE,
                .full = opts->full,
                .progress = opts->progress,
                .cancel = opts->cancel,
        };
        *ret_prefixes = opts->prefixes ? opts->prefixes : meta->paths;
        *ret_n = opts->prefixes ? opts->n_prefixes : meta->n_paths;
}

static int check_streamed(const char *baseline_path, const struct fim_check_opts *opts, fim_change_fn fn,
                          void *userdata, struct fim_check_result *res)
{
        _cleanup_(baseline_reader_freep) struct baseline_reader *rd = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 };
        _cleanup_(fim_links_freep) struct fim_links *links = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *unlisted = NULL, *base = NULL;
        char *const *prefixes;
        size_t n_prefixes, n_chunks;
        struct walk_opts wo;
        int r;

        r = baseline_reader_open(baseline_path, opts->chunk_rows, &rd, &meta, &res->baseline_reason);
        if (r < 0) {
                res->baseline_failed = true;
                return r;
        }
        setup_walk(opts, &meta, &wo, &prefixes, &n_prefixes);
        res->cache_used = meta.attrs & ATTR_STATCACHE;
        if (opts->progress) {
                /* The bytes the baseline recorded are what the walk covers. */
                atomic_store(&opts->progress->total_bytes, baseline_reader_bytes(rd));
                atomic_store(&opts->progress->total_entries, meta.entries);
        }
        /* Before any finding: a --path that matches nothing is a mistake. */
        for (size_t i = 0; opts->prefixes && i < n_prefixes; i++) {
                r = baseline_reader_has_prefix(rd, prefixes[i]);
                if (r == 0)
                        r = live_has(opts, prefixes[i]);
                if (r < 0)
                        return r;
                if (r == 0) {
                        res->unmatched = prefixes[i];
                        return -ENOENT;
                }
        }
        r = fim_links_new(&links);
        r = r ?: fim_tree_new(&unlisted);
        if (r < 0)
                return r;
        wo.links = links;

        /* One tree holds each chunk in turn: its array and arena are reused,
         * not grown again from nothing for every chunk. */
        r = fim_tree_new(&base);
        if (r < 0)
                return r;
        n_chunks = baseline_reader_chunks(rd);
        for (size_t i = 0; i < n_chunks; i++) {
                _cleanup_(fim_tree_freep) struct fim_tree *cur = NULL;
                struct walk_stats stats = { 0 };
                struct path_range range;

                baseline_reader_chunk_range(rd, i, &range);
                base->n = 0;
                arena_reset(&base->arena);
                r = baseline_reader_next_chunk(rd, base, &res->baseline_reason);
                if (r < 0) {
                        res->baseline_failed = res->baseline_reason != NULL;
                        return r;
                }
                /* The chunk is the stat cache of its range. */
                wo.cache = (meta.attrs & ATTR_STATCACHE) ? base : NULL;
                wo.range = &range;
                r = fim_walk(opts->root, prefixes, n_prefixes, &wo, &cur, &stats);
                if (r < 0)
                        return r;
                walk_stats_add(&res->walk, &stats);
                r = fim_diff_chunk(base, cur, unlisted, 0, prefixes, n_prefixes, fn, userdata);
                r = r ?: fim_tree_keep_unlisted(unlisted, cur);
                if (r < 0)
                        return r;
                cur = fim_tree_free(cur);
                walk_range_done();
        }
        return 0;
}

/* With a separate stat cache file, which is read and rewritten whole: the
 * check is not streamed (see docs/internals/fim.md). */
static int check_with_cache(const char *baseline_path, const struct fim_check_opts *opts, fim_change_fn fn,
                            void *userdata, struct fim_check_result *res)
{
        _cleanup_(fim_tree_freep) struct fim_tree *baseline = NULL, *cache = NULL, *cur = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 }, cache_meta = { 0 };
        char *const *prefixes;
        size_t n_prefixes;
        struct walk_opts wo;
        int r;

        r = baseline_read(baseline_path, &baseline, &meta, &res->baseline_reason);
        if (r < 0) {
                res->baseline_failed = true;
                return r;
        }
        setup_walk(opts, &meta, &wo, &prefixes, &n_prefixes);
        if (!opts->full) {
                r = baseline_read(opts->cache_path, &cache, &cache_meta, NULL);
                if (r >= 0 && strcmp(cache_meta.source ? cache_meta.source : "", opts->root) == 0 &&
                    (cache->attrs & wo.attrs) == wo.attrs)
                        wo.cache = cache;
                else if (r < 0 && r != -ENOENT)
                        res->cache_error = r;
        }
        if (!wo.cache && (baseline->attrs & ATTR_STATCACHE))
                wo.cache = baseline;
        res->cache_used = wo.cache != NULL;

        r = fim_walk(opts->root, prefixes, n_prefixes, &wo, &cur, &res->walk);
        if (r < 0)
                return r;
        for (size_t i = 0; opts->prefixes && i < n_prefixes; i++)
                if (fim_tree_unmatched_prefix(baseline, prefixes + i, 1) &&
                    fim_tree_unmatched_prefix(cur, prefixes + i, 1)) {
                        res->unmatched = prefixes[i];
                        return -ENOENT;
                }

        r = fim_diff(baseline, cur, 0, prefixes, n_prefixes, fn, userdata);
        if (r < 0)
                return r;

        if (res->walk.hashed > 0) {
                struct baseline_meta m = {
                        .source = (char *) opts->root,
                        .paths = (char **) prefixes,
                        .n_paths = n_prefixes,
                };

                r = baseline_write(opts->cache_path, cur, &m);
                if (r < 0)
                        res->cache_error = r;
                else
                        res->cache_written = true;
        }
        return 0;
}

int fim_check(const char *baseline_path, const struct fim_check_opts *opts, fim_change_fn fn, void *userdata,
              struct fim_check_result *ret_result)
{
        struct fim_check_result res = { 0 };
        int r;

        if (opts->cache_path)
                r = check_with_cache(baseline_path, opts, fn, userdata, &res);
        else
                r = check_streamed(baseline_path, opts, fn, userdata, &res);
        if (ret_result)
                *ret_result = res;
        return r;
}
