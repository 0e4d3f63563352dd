/* driftwatch check: option table over capability_tree_check (capability/tree-check.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capability/tree-check.h"
#include "cli.h"
#include "options.h"

void cli_report_check(const char *root, const char *baseline, const struct tree_check_summary *sum,
                      struct output *out, double seconds)
{
        if (out->format == OUTPUT_TEXT) {
                cli_note(out, "checked %llu entr%s under %s against '%s': %llu file%s hashed, %llu trusted from "
                              "the stat cache, %.2f s",
                         sum->walk.entries, sum->walk.entries == 1 ? "y" : "ies", root, baseline, sum->walk.hashed,
                         plural_s(sum->walk.hashed), sum->walk.cached, seconds);
                if (sum->allowed)
                        cli_note(out, "%lu %s allowed by the allowlist (shown as events)", sum->allowed,
                                 sum->allowed == 1 ? "change" : "changes");
        }
        if (sum->reported_error == -E2BIG)
                warning("too many changes to record for 'baseline accept' without paths: name the paths");
        else if (sum->reported_error)
                warning("cannot record what was reported beside '%s' (for 'baseline accept'): %s", baseline,
                        strerror(-sum->reported_error));
}

struct check_request {
        const char *baseline_path;
        const char *root;
        char **paths;
        size_t n_paths;
        bool full;
        unsigned threads;
        const char *cache_path;
        const char *approved_path;
        const char *allowlist_path;
        enum output_format format;
};

static int run_check(const struct check_request *req)
{
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        struct walk_progress progress = { 0 };
        struct tree_check_request tr = {
                .baseline_path = req->baseline_path,
                .root = req->root,
                .paths = req->paths,
                .n_paths = req->n_paths,
                .full = req->full,
                .cache_path = req->cache_path,
                .approved_path = req->approved_path,
                .allowlist_path = req->allowlist_path,
                .record_reported = true,
        };
        struct tree_check_summary sum = { 0 };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        struct progress_ui *ui;
        struct timespec start;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &start);
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        cli_context(&ctx, rules, req->threads, &progress);
        cli_output_init(&out, req->format, ctx.host);
        cli_output_analysed(&out, req->root);
        cli_run_cover(req->root);
        for (size_t i = 0; i < req->n_paths; i++)
                cli_run_cover(req->paths[i]);
        cli_run_baseline(req->baseline_path);
        ui = progress_start("check", &progress);
        r = capability_tree_check(&ctx, &tr, &out, &sum, &err);
        progress_stop(ui);
        fflush(stdout);
        if (r < 0)
                return cli_fail(&err);
        if (sum.cache_error)
                warning("stat cache '%s' not used or not updated: %s", req->cache_path, strerror(-sum.cache_error));
        cli_report_check(req->root, req->baseline_path, &sum, &out, cli_seconds_since(&start));
        if (sum.alerts && out.format == OUTPUT_TEXT)
                cli_note(&out, "to accept these changes: driftwatch baseline accept --baseline '%s'%s%s%s (add "
                               "PATH... to accept only those, --reason TEXT to record why)",
                        req->baseline_path, strcmp(req->root, "/") ? " --root '" : "",
                        strcmp(req->root, "/") ? req->root : "", strcmp(req->root, "/") ? "'" : "");
        return cli_exit_status(&out);
}

int cmd_check(int argc, char **argv)
{
        struct check_request req = { .root = "/" };
        const struct option_spec options[] = {
                OPT_REQUIRED_STRING("baseline", &req.baseline_path, "FILE",
                                    "the baseline (from 'driftwatch baseline create')"),
                OPT_STRING("root", &req.root, "DIR", "the tree to check (default /)"),
                OPT_PATHS("path", &req.paths, &req.n_paths, "PREFIX",
                          "check only below PREFIX; default: the baseline's paths"),
                OPT_BOOL("full", &req.full, "re-hash every file, trusting no cache"),
                OPT_STRING("cache", &req.cache_path, "FILE",
                           "stat cache to read and update (for baselines of another tree)"),
                OPT_STRING("approved", &req.approved_path, "FILE",
                           "approved extension images: on a host with merged extensions, their files are "
                           "events naming the extension, not drift"),
                OPT_STRING("allowlist", &req.allowlist_path, "FILE",
                           "known, owned drift (etc-diff's allowlist format): an allowed change is an "
                           "event, an expired entry allows nothing and is reported"),
                OPT_FORMAT(&req.format),
                OPT_THREADS(&req.threads),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "check",
                .description =
                        "Reports every entry added, removed or modified under DIR since the baseline, with the\n"
                        "attributes that changed (content, type, mode, uid, gid, size, target, xattr:NAME, mtime ...).\n"
                        "Unchanged files are trusted by their inode, ctime, mtime and size and not hashed again.",
                .options = options,
        };
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r == PARSE_OK)
                r = run_check(&req);
        else
                r = options_exit(r);
        cli_strv_free(req.paths, req.n_paths);
        return r;
}
