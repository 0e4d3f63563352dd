/* Capability: a tree against a baseline; see tree-check.h. */
#include "tree-check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fim/check.h"
#include "fim/findings.h"
#include "fim/store.h"
#include "image/allowlist.h"
#include "accept.h"
#include "package-fold.h"
#include "union.h"

/* What a check does to each finding before it is emitted: the allowlist
 * applied, and an alert that stands recorded for baseline accept. */
struct amend {
        struct allowlist *allow;
        struct package_fold *packages;  /* NULL: the tree has no package database */
        struct reported_writer *reported;
        int64_t now;
        unsigned long allowed;
        char allowed_by[512];
};

static int amend_finding(struct finding *f, const struct fim_change *c, void *userdata)
{
        struct amend *a = userdata;
        const struct fim_entry *e = c->new ? c->new : c->old;

        a->allowed += (unsigned long) allowlist_apply(a->allow, f,
                                                      c->new && (c->new->flags & ENTRY_HAS_HASH) ? c->new->sha256
                                                                                                 : NULL,
                                                      a->now, a->allowed_by, sizeof(a->allowed_by));
        int folded = 0, r;

        if (!f->alert)
                return 0;
        /* What a package install explains goes into the package's finding. */
        if (!f->allowed_by) {
                folded = package_fold_amend(a->packages, f, c);
                if (folded < 0)
                        return folded;
        }
        r = reported_writer_add(a->reported, e->path, e->path_len);
        return r < 0 ? r : folded;
}

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
        _cleanup_(allowlist_freep) struct allowlist *allow = NULL;
        _cleanup_(reported_writer_freep) struct reported_writer *reported = NULL;
        _cleanup_(package_fold_freep) struct package_fold *packages = NULL;
        struct amend amend = { .now = (int64_t) time(NULL) };
        unsigned long alerts = out->alerts;
        int r, reported_error = 0;

        if (req->allowlist_path) {
                r = allowlist_load(req->allowlist_path, false, &allow, ret_error);
                if (r < 0)
                        return r;
        }
        if (req->record_reported) {
                r = reported_writer_new(req->baseline_path, &reported);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "out of memory");
        }
        r = package_fold_new(ctx, req->root, out, &packages);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        amend.packages = packages;
        amend.allow = allow;
        amend.reported = reported;
        rep.amend = amend_finding;
        rep.amend_data = &amend;

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
        r = package_fold_report(packages);
        if (r < 0)
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        r = allowlist_report(allow, amend.now, ruleset_rule(ctx->rules, "DW-FIM-ALLOW-EXPIRED"),
                             ruleset_rule(ctx->rules, "DW-FIM-ALLOW-UNUSED"), "allowlist", "driftwatch.fim", out);
        if (r < 0)
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        if (reported)
                reported_error = reported_writer_commit(reported);
        if (ret_summary)
                *ret_summary = (struct tree_check_summary) { .walk = res.walk, .cache_error = res.cache_error,
                                                             .alerts = out->alerts - alerts,
                                                             .allowed = amend.allowed,
                                                             .reported_error = reported_error };
        return 0;
}
