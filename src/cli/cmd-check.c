/* driftwatch check: a tree against a baseline. run_check() is shared with scan. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "basic/escape.h"
#include "cli.h"
#include "fim/check.h"
#include "fim/findings.h"

static void help(FILE *f)
{
        fprintf(f, "usage: driftwatch check --baseline FILE [--root DIR] [--path PREFIX]... [--full]\n"
                   "                        [--cache FILE] [--format text|json] [--threads N]\n\n"
                   "Reports every entry added, removed or modified under DIR since the baseline, with the\n"
                   "attributes that changed (content, type, mode, uid, gid, size, target, xattr:NAME, mtime ...).\n"
                   "Unchanged files are trusted by their inode, ctime, mtime and size and not hashed again.\n\n"
                   "options:\n"
                   "  --baseline FILE    the baseline (from 'driftwatch baseline create')\n"
                   "  --root DIR         the tree to check (default /)\n"
                   "  --path PREFIX      check only below PREFIX (repeatable; default: the baseline's paths)\n"
                   "  --full             re-hash every file, trusting no cache\n"
                   "  --cache FILE       stat cache to read and update (for baselines of another tree)\n"
                   "  --format FORMAT    text (default) or json (JSON Lines, ECS field names)\n"
                   "  --threads N        worker threads (default: one per CPU)\n");
}

static double elapsed(const struct timespec *start)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double) (now.tv_sec - start->tv_sec) + (double) (now.tv_nsec - start->tv_nsec) / 1e9;
}

int run_check(const struct check_request *req)
{
        _cleanup_(fim_tree_freep) struct fim_tree *baseline = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct walk_progress progress = { 0 };
        struct fim_check_opts opts = {
                .root = req->root,
                .prefixes = req->n_paths ? req->paths : NULL,
                .n_prefixes = req->n_paths,
                .full = req->full,
                .threads = req->threads,
                .cache_path = req->cache_path,
                .progress = &progress,
                .cancel = &cli_cancel,
        };
        struct fim_check_result res = { 0 };
        struct fim_reporter rep;
        struct output out;
        struct progress_ui *ui;
        struct timespec start;
        const char *reason = NULL;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &start);
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        r = baseline_read(req->baseline_path, &baseline, &meta, &reason);
        if (r < 0)
                return error("cannot read baseline '%s': %s", req->baseline_path, reason ? reason : strerror(-r));

        output_init(&out, req->format, stdout, cli_hostname());
        rep = (struct fim_reporter) { .rules = rules, .out = &out,
                                      .root = strcmp(req->root, "/") == 0 ? NULL : req->root };
        ui = progress_start("check", &progress);
        r = fim_check(baseline, &meta, &opts, fim_report_change, &rep, &res);
        progress_stop(ui);
        fflush(stdout);
        if (r == -ECANCELED)
                return error("interrupted");
        if (r < 0 && out.error)
                return error("cannot write output: %s", strerror(-out.error));
        if (r == -ENOENT && res.unmatched)
                return error("path '%s' matches nothing in baseline '%s' or under '%s'", res.unmatched,
                             req->baseline_path, req->root);
        if (r < 0)
                return error("cannot check root '%s': %s", req->root, strerror(-r));
        if (res.cache_error)
                warning("stat cache '%s' not used or not updated: %s", req->cache_path, strerror(-res.cache_error));
        if (!cli.quiet && req->format == OUTPUT_TEXT)
                fprintf(stderr,
                        "checked %llu entries under %s against '%s': %lu alerts (%lu critical, %lu high, "
                        "%lu medium, %lu low); %llu files hashed, %llu trusted from the stat cache, %.2f s\n",
                        res.walk.entries, req->root, req->baseline_path, out.alerts,
                        out.by_severity[SEVERITY_CRITICAL], out.by_severity[SEVERITY_HIGH],
                        out.by_severity[SEVERITY_MEDIUM], out.by_severity[SEVERITY_LOW], res.walk.hashed,
                        res.walk.cached, elapsed(&start));
        return cli_exit_status(&out);
}

int cmd_check(int argc, char **argv)
{
        static const struct option opts[] = {
                { "baseline", required_argument, NULL, 'b' },
                { "root",     required_argument, NULL, 'R' },
                { "path",     required_argument, NULL, 'p' },
                { "full",     no_argument,       NULL, 'f' },
                { "cache",    required_argument, NULL, 'c' },
                { "format",   required_argument, NULL, 'F' },
                { "threads",  required_argument, NULL, 't' },
                { "help",     no_argument,       NULL, 'h' },
                {}
        };
        struct check_request req = { .root = "/" };
        int c, r = EXIT_CLEAN;

        while (r == EXIT_CLEAN && (c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        req.baseline_path = optarg;
                        break;
                case 'R':
                        req.root = optarg;
                        break;
                case 'p':
                        /* Prefixes are stored one a line in a baseline's description. */
                        if (has_control(optarg, strlen(optarg))) {
                                _cleanup_(freep) char *e = NULL;

                                (void) escape_text_alloc(optarg, &e);
                                r = usage_error("check", "--path '%s' contains a control character", e ?: "?");
                                break;
                        }
                        r = cli_add_path("check", optarg, &req.paths, &req.n_paths);
                        break;
                case 'f':
                        req.full = true;
                        break;
                case 'c':
                        req.cache_path = optarg;
                        break;
                case 'F':
                        r = cli_format_option("check", optarg, &req.format);
                        break;
                case 't':
                        r = cli_threads_option("check", optarg, &req.threads);
                        break;
                case 'h':
                        help(stdout);
                        cli_strv_free(req.paths, req.n_paths);
                        return EXIT_CLEAN;
                default:
                        r = EXIT_TROUBLE;
                }
        }
        if (r == EXIT_CLEAN && !req.baseline_path)
                r = usage_error("check", "--baseline is required");
        if (r == EXIT_CLEAN && optind < argc)
                r = usage_error("check", "unexpected argument '%s'", argv[optind]);
        if (r == EXIT_CLEAN)
                r = run_check(&req);
        cli_strv_free(req.paths, req.n_paths);
        return r;
}
