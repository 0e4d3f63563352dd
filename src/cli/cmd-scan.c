/* driftwatch scan: option table over capability_scan (capability/scan.h). */
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capability/scan.h"
#include "cli.h"
#include "options.h"

/* The summary lines a person reads (above the findings in the text view). */
static void report(const struct scan_request *req, const struct scan_summary *sum, struct output *out,
                   const char *covered, double seconds)
{
        if (sum->image_mode) {
                cli_report_verify(sum->deployment, &sum->verify, sum->verify_alerts, out);
                cli_report_etc_diff(&sum->etc, sum->etc_alerts, out);
                if (sum->status_ran)
                        cli_report_status(&sum->status, sum->state_path, out);
                return;
        }
        if (sum->baseline_recorded) {
                cli_note(out, "%s: recorded %zu entr%s of %s (%llu file%s hashed) in '%s'; later scans check "
                              "against it",
                         sum->baseline_was_gone ? "the baseline was gone" : "no baseline yet", sum->baseline_entries,
                         sum->baseline_entries == 1 ? "y" : "ies", covered ? covered : "-", sum->check.walk.hashed,
                         plural_s(sum->check.walk.hashed), sum->baseline_path);
                return;
        }
        if (sum->check.cache_error)
                warning("stat cache not used: %s", strerror(-sum->check.cache_error));
        cli_report_check(req->root, sum->baseline_path, &sum->check, out, seconds);
        if (sum->check.alerts && out->format == OUTPUT_TEXT)
                cli_note(out, "to accept these changes: driftwatch baseline accept%s%s%s (add PATH... to accept only "
                              "those, --reason TEXT to record why)",
                        strcmp(req->state_dir, DEFAULT_STATE_DIR) ? " --state-dir '" : "",
                        strcmp(req->state_dir, DEFAULT_STATE_DIR) ? req->state_dir : "",
                        strcmp(req->state_dir, DEFAULT_STATE_DIR) ? "'" : "");
}

/* The first line: what the file drift covers (and what is absent). */
struct first_line {
        const char *covered, *root;
};

static void say_coverage(void *userdata)
{
        const struct first_line *fl = userdata;

        if (!cli.quiet)
                fprintf(stderr, "scan: file drift of %s%s%s\n", fl->covered, strcmp(fl->root, "/") ? " under " : "",
                        strcmp(fl->root, "/") ? fl->root : "");
}

/* The analysed host and the run's coverage: the root (offline, the identity
 * in its etc), or an offline sysroot's first deployment's; then the paths. */
static void scan_analysed(struct output *out, const struct scan_request *req, const struct scan_coverage *coverage)
{
        static char deployment[PATH_MAX];
        glob_t g = { 0 };

        cli_run_cover(req->sysroot ? req->sysroot : req->root);
        for (size_t i = 0; i < coverage->paths.n; i++)
                cli_run_cover(coverage->paths.v[i]);
        if (!req->sysroot) {
                cli_output_analysed(out, req->root);
                return;
        }
        /* The deployments of an offline sysroot share the host's /etc identity. */
        snprintf(deployment, sizeof(deployment), "%s/ostree/deploy/*/deploy/*.[0-9]*", req->sysroot);
        if (glob(deployment, GLOB_ONLYDIR, NULL, &g) == 0 && g.gl_pathc) {
                snprintf(deployment, sizeof(deployment), "%s", g.gl_pathv[0]);
                cli_output_analysed(out, deployment);
        } else {
                cli_output_analysed(out, NULL);
        }
        globfree(&g);
}

int cmd_scan(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(scan_summary_release) struct scan_summary sum = { 0 };
        struct scan_request req = { .state_dir = DEFAULT_STATE_DIR };
        const char *bootc = NULL, *rpm_ostree = NULL;
        enum output_format format = OUTPUT_TEXT;
        struct status_request status = { 0 };
        struct walk_progress progress = { 0 };
        unsigned threads = 0;
        const struct option_spec options[] = {
                OPT_STRING("state-dir", &req.state_dir, "DIR", "where baselines and state live; default "
                                                              DEFAULT_STATE_DIR),
                OPT_STRING("root", &req.root, "DIR", "the host's root (default /), e.g. a mounted disk image"),
                OPT_STRING("sysroot", &req.sysroot, "DIR", "an offline ostree sysroot to scan as an image-mode host"),
                OPT_STRING("allowlist", &req.allowlist, "FILE",
                           "known, owned drift: image mode, etc-diff's allowlist (default " SCAN_DEFAULT_ALLOWLIST
                           "); else check's, same format (default " SCAN_DEFAULT_FIM_ALLOWLIST "), when present"),
                OPT_STRING("approved", &req.approved, "FILE",
                           "approved extension images (inventory); default " SCAN_DEFAULT_APPROVED " when present"),
                OPT_BOOL("verify-verity", &req.verify_verity,
                         "inventory: verify each extension image's dm-verity hash tree against its root hash"),
                OPT_STRING("bootc-json", &bootc, "FILE", "bootc status saved from the host, for an offline --sysroot"),
                OPT_STRING("rpm-ostree-json", &rpm_ostree, "FILE",
                           "rpm-ostree status saved from the host, for an offline --sysroot"),
                OPT_STRING("mountinfo", &req.mountinfo, "FILE",
                           "a saved /proc/self/mountinfo for the mount step (also with --root); default this "
                           "host's, none for an offline --root or --sysroot"),
                OPT_BOOL("full", &req.full, "re-hash every file, trusting no cache"),
                OPT_FORMAT(&format),
                OPT_THREADS(&threads),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "scan",
                .description =
                        "The main job: runs every check that applies to this host.\n"
                        "On an ostree / rpm-ostree / bootc host (or with --sysroot): the deployments, the booted\n"
                        "deployment's /usr verified against its commit, its /etc compared with /usr/etc (with\n"
                        "the merge into a staged deployment predicted), and on a live host the bootc or\n"
                        "rpm-ostree status transitions since the last scan (state in the state directory).\n"
                        "Elsewhere: the first run records a baseline of /usr, /boot, /etc, ~/.ssh of root and\n"
                        "the users, the cron and at spools and the extension search paths in the state\n"
                        "directory and says so (an event in the JSON output); later runs check the host against\n"
                        "it. The state directory remembers the baseline's digest: a baseline that goes missing or\n"
                        "is replaced later is an alert. Always (except for an offline --sysroot): the inventory\n"
                        "of sysext, confext and portable images (driftwatch inventory). On this host: the mount\n"
                        "table against its last snapshot in the state directory (driftwatch mounts). Then the\n"
                        "posture of the root (driftwatch posture; not for an offline --sysroot). Last, when the\n"
                        "root holds a container engine's storage (var/lib/containers/storage), every container\n"
                        "against its image (driftwatch container diff).",
                .options = options,
        };
        _cleanup_(scan_coverage_release) struct scan_coverage coverage = { 0 };
        _cleanup_(freep) char *covered = NULL, *first = NULL;
        struct first_line fl;
        struct progress_ui *ui;
        struct dw_context ctx;
        struct timespec start;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        clock_gettime(CLOCK_MONOTONIC, &start);
        if (cli_status_input("scan", bootc, rpm_ostree, &status) != EXIT_CLEAN)
                return EXIT_TROUBLE;
        req.status_input = status.input;
        req.status_source = status.source;
        if (req.root && req.sysroot)
                return usage_error("scan", "--root and --sysroot exclude each other");
        if (req.mountinfo && !req.mountinfo[0])
                return usage_error("scan", "--mountinfo needs a file name");
        if (!req.root)
                req.root = "/";
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        if (!scan_is_image_mode(&req)) {
                if (scan_coverage(req.root, &coverage) < 0 || scan_coverage_text(&coverage, true, &first) < 0 ||
                    scan_coverage_text(&coverage, false, &covered) < 0)
                        return error("out of memory");
                req.coverage = &coverage;
                fl = (struct first_line) { first, req.root };
                if (format == OUTPUT_TEXT)
                        req.started = say_coverage;
                req.started_data = &fl;
        }
        cli_context(&ctx, rules, threads, &progress);
        cli_output_init(&out, format, ctx.host);
        scan_analysed(&out, &req, &coverage);
        ui = progress_start("scan", &progress);
        r = capability_scan(&ctx, &req, &out, &sum, &err);
        progress_stop(ui);
        fflush(stdout);
        cli_run_baseline(sum.baseline_path ? sum.baseline_path : sum.state_path);
        if (r < 0)
                return cli_fail(&err);
        if (sum.mounts_skipped)
                cli_note(&out, "mounts: skipped: %s", sum.mounts_skipped);
        else if (sum.mounts_ran)
                cli_report_mounts(&sum.mounts, sum.state_path, &out);
        report(&req, &sum, &out, covered, cli_seconds_since(&start));
        if (sum.seen_previous) {
                char ts[TIMESTAMP_LEN];

                format_timestamp(ts, sum.seen_previous_ns);
                cli_note(&out, "%lu new alert%s since the last scan at %.19sZ", sum.seen_new,
                         sum.seen_new == 1 ? "" : "s", ts);
        }
        if (sum.seen_error < 0)
                cli_note(&out, "warning: the findings of this scan could not be recorded for the next: %s",
                         strerror(-sum.seen_error));
        if (sum.inventory_ran)
                cli_report_inventory(&sum.inventory, &out);
        if (sum.posture_skipped)
                cli_note(&out, "posture: skipped: %s", sum.posture_skipped);
        else if (sum.posture_ran)
                cli_report_posture(&sum.posture, &out);
        if (sum.containers.n_storages && format == OUTPUT_TEXT)
                cli_note(&out, "containers: %zu compared with their images (%lu added, %lu modified, %lu deleted)%s",
                        sum.containers.n_containers, sum.containers.added, sum.containers.modified,
                        sum.containers.deleted,
                        sum.containers.n_failed || sum.containers.n_unreadable ? "; some could not be read" : "");
        return cli_exit_status(&out);
}
