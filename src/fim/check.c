/* A check against a baseline; see check.h. */
#include "check.h"

#include <errno.h>
#include <string.h>

int fim_check(const struct fim_tree *baseline, const struct baseline_meta *meta,
              const struct fim_check_opts *opts, fim_change_fn fn, void *userdata,
              struct fim_check_result *ret_result)
{
        _cleanup_(fim_tree_freep) struct fim_tree *cache = NULL, *cur = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta cache_meta = { 0 };
        struct fim_check_result res = { 0 };
        char *const *prefixes = opts->prefixes;
        size_t n_prefixes = opts->n_prefixes;
        struct walk_opts wo = {
                .threads = opts->threads,
                .full = opts->full,
                .progress = opts->progress,
                .cancel = opts->cancel,
        };
        int r;

        if (!prefixes) {
                prefixes = meta->paths;
                n_prefixes = meta->n_paths;
        }
        /* Read only what the baseline can be compared on, plus the cache keys. */
        wo.attrs = (baseline->attrs & ATTR_COMPARED) | ATTR_TYPE | ATTR_STATCACHE;
        if (opts->cache_path && !opts->full) {
                r = baseline_read(opts->cache_path, &cache, &cache_meta, NULL);
                if (r >= 0 && strcmp(cache_meta.source ? cache_meta.source : "", opts->root) == 0 &&
                    (cache->attrs & wo.attrs) == wo.attrs)
                        wo.cache = cache;
                else if (r < 0 && r != -ENOENT)
                        res.cache_error = r;
        }
        if (!wo.cache && (baseline->attrs & ATTR_STATCACHE))
                wo.cache = baseline;
        res.cache_used = wo.cache != NULL;

        r = fim_walk(opts->root, prefixes, n_prefixes, &wo, &cur, &res.walk);
        if (r < 0)
                return r;
        for (size_t i = 0; opts->prefixes && i < n_prefixes; i++)
                if (fim_tree_unmatched_prefix(baseline, prefixes + i, 1) &&
                    fim_tree_unmatched_prefix(cur, prefixes + i, 1)) {
                        if (ret_result)
                                ret_result->unmatched = prefixes[i];
                        return -ENOENT;
                }

        r = fim_diff(baseline, cur, 0, prefixes, n_prefixes, fn, userdata);
        if (r < 0)
                return r;

        if (opts->cache_path && res.walk.hashed > 0) {
                struct baseline_meta m = {
                        .source = (char *) opts->root,
                        .paths = (char **) prefixes,
                        .n_paths = n_prefixes,
                };

                r = baseline_write(opts->cache_path, cur, &m);
                if (r < 0)
                        res.cache_error = r;
                else
                        res.cache_written = true;
        }
        if (ret_result)
                *ret_result = res;
        return 0;
}
