/* driftwatch etc-diff: option table over capability_etc_diff (capability/image.h). */
#include <stdio.h>
#include <stdlib.h>

#include "capability/image.h"
#include "cli.h"
#include "options.h"

void cli_report_etc_diff(const struct etc_diff_summary *sum, unsigned long alerts, struct output *out)
{
        char merge[512] = "", blockers[128] = "";

        if (out->format != OUTPUT_TEXT)
                return;
        if (sum->merge_target)
                snprintf(merge, sizeof(merge), "; into %s the merge carries %lu local change%s, %lu of them hiding "
                         "an image update", sum->merge_target, sum->carried, plural_s(sum->carried), sum->shadows);
        if (sum->blockers)
                snprintf(blockers, sizeof(blockers), "; the deploy will FAIL on %lu of them (see merge-blocked)",
                         sum->blockers);
        cli_note(out, "/etc of deployment %s: %lu difference%s from /usr/etc (%lu beyond ostree config-diff), "
                      "%lu allowlisted, %lu alert%s%s%s", sum->deployment, sum->differences,
                 plural_s(sum->differences), sum->beyond, sum->allowed, alerts, plural_s(alerts), merge, blockers);
}

int cmd_etc_diff(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(etc_diff_summary_release) struct etc_diff_summary sum = { 0 };
        _cleanup_(sysroot_freep) struct sysroot *ds = NULL;
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        const char *sysroot = NULL, *which = "booted";
        enum output_format format = OUTPUT_TEXT;
        struct etc_diff_request req = { 0 };
        unsigned threads = 0;
        const struct option_spec options[] = {
                OPT_STRING("sysroot", &sysroot, "DIR", "an offline sysroot; default: this host"),
                OPT_STRING("deployment", &which, "WHICH",
                           "booted (default), staged, pending, rollback or a commit checksum"),
                OPT_STRING("allowlist", &req.allowlist, "FILE",
                           "known local configuration (path or glob, optional sha256, owner, reason, expires); "
                           "matches become events, not alerts"),
                OPT_STRING("merge-into", &req.merge, "TARGET",
                           "predict ostree's three-way merge into TARGET: staged, pending, rollback, a deployment "
                           "checksum, or a commit or ref of the sysroot's repository; default: the staged "
                           "deployment when there is one"),
                OPT_BOOL("no-merge", &req.no_merge, "do not predict the merge"),
                OPT_STRING("ostree-version", &req.ostree_version, "YEAR.N",
                           "predict the merge as this ostree release performs it (the ostree of the deployment that "
                           "runs the upgrade); default: " DW_OSTREE_VERSION),
                OPT_FORMAT(&format),
                OPT_THREADS(&threads),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "etc-diff",
                .description =
                        "Compares /etc with the image's defaults in /usr/etc: the paths `ostree admin config-diff`\n"
                        "reports (modified, added, removed; a removed directory once), and what it ignores (xattrs,\n"
                        "SELinux labels). Each finding names its persistence surface, severity, ATT&CK and NIST tags.\n"
                        "With a merge target, each change says what ostree's /etc merge will do with it, including\n"
                        "the changes the deploy will fail on (with ostree's error) and what the user loses.",
                .options = options,
        };
        const struct sysroot_deployment *d;
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        if (req.merge && req.no_merge)
                return usage_error("etc-diff", "--merge-into and --no-merge exclude each other");
        if (req.allowlist && capability_check_allowlist(req.allowlist, &err) < 0)
                return cli_fail(&err);
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        if (capability_open_sysroot(sysroot, which, true, &ds, &d, &err) < 0)
                return cli_fail(&err);
        cli_context(&ctx, rules, threads, NULL);
        cli_output_init(&out, format, ctx.host);
        cli_output_analysed(&out, ds->live ? "/" : d->path);
        cli_run_cover(d->path);
        if (capability_etc_diff(&ctx, ds, d, &req, &out, &sum, &err) < 0)
                return cli_fail(&err);
        cli_report_etc_diff(&sum, out.alerts, &out);
        return cli_exit_status(&out);
}
