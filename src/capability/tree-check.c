/* Capability: a tree against a baseline; see tree-check.h. */
#include "tree-check.h"

#include <errno.h>
#include <string.h>

#include "fim/check.h"
#include "fim/findings.h"
#include "fim/store.h"
#include "union.h"

int capability_tree_check(const struct dw_context *ctx, const struct tree_check_request *req, struct output *out,
                          struct tree_check_summary *ret_summary, struct dw_error *ret_error)
{
        struct fim_check_opts opts = {
                .root = req->root,
                .prefixes = req->n_paths ? req->paths : NULL,
                .n_prefixes = req->n_paths,
                .full = req->full,
                .threads = ctx->threads,
                .cache_path = req->cache_path,
                .progress = ctx->progress,
                .cancel = ctx->cancel,
        };
        struct fim_check_result res = { 0 };
        struct fim_reporter rep = {
                .rules = ctx->rules,
                .out = out,
                .root = strcmp(req->root, "/") == 0 ? NULL : req->root,
        };
        _cleanup_(union_check_freep) struct union_check *u = NULL;
        int r;

        /* The live host: changes under merged extensions are attributed to their layer. */
        if (strcmp(req->root, "/") == 0) {
                r = union_check_open(ctx, req->approved_path, &u, ret_error);
                if (r < 0)
                        return r;
        }
        if (u) {
                union_check_set_reporter(u, &rep);
                r = union_report_merged(u, out);
                if (r < 0)
                        return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                            strerror(-(out->error ?: r)));
        }
        r = fim_check(req->baseline_path, &opts, u ? union_report_change : fim_report_change, u ? (void *) u : &rep,
                      &res);
        if (r < 0 && res.baseline_failed)
                return dw_error_set(ret_error, r, req->baseline_path, "cannot read baseline '%s': %s",
                                    req->baseline_path, res.baseline_reason ? res.baseline_reason : strerror(-r));
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0 && out->error)
                return dw_error_set(ret_error, out->error, NULL, "cannot write output: %s", strerror(-out->error));
        if (r == -ENOENT && res.unmatched)
                return dw_error_set(ret_error, r, res.unmatched, "path '%s' matches nothing in baseline '%s' or under '%s'",
                                    res.unmatched, req->baseline_path, req->root);
        if (r < 0)
                return dw_error_set(ret_error, r, req->root, "cannot check root '%s': %s", req->root, strerror(-r));
        if (ret_summary)
                *ret_summary = (struct tree_check_summary) { .walk = res.walk, .cache_error = res.cache_error };
        return 0;
}
