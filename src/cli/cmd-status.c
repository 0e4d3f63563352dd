/* driftwatch status: option table over capability_status (capability/status.h). */
#include <stdio.h>
#include <string.h>

#include "basic/time-util.h"
#include "capability/status.h"
#include "cli.h"
#include "options.h"

void cli_report_status(const struct status_summary *sum, const char *state_path, struct output *out)
{
        /* The text view has its lines from capability_status() (status_note()). */
        if (sum->first && out->format != OUTPUT_TEXT)
                cli_note(out, "no status snapshot yet: recorded the first one (%s, %zu deployment%s) in '%s'; later "
                              "runs report what changed",
                         host_source_name(sum->source), sum->n_deployments, plural_s(sum->n_deployments), state_path);
}

int cli_status_input(const char *cmd, const char *bootc, const char *rpm_ostree, struct status_request *req)
{
        if (bootc && rpm_ostree)
                return usage_error(cmd, "give one of --bootc-json and --rpm-ostree-json");
        req->input = bootc ?: rpm_ostree;
        req->source = bootc ? HOST_SOURCE_BOOTC : HOST_SOURCE_RPM_OSTREE;
        return EXIT_CLEAN;
}

int cmd_status(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct status_request req = { .state_path = DEFAULT_STATE_DB };
        struct status_summary sum = { 0 };
        const char *bootc = NULL, *rpm_ostree = NULL;
        enum output_format format = OUTPUT_TEXT;
        long timeout = 120;
        const struct option_spec options[] = {
                OPT_STRING("bootc-json", &bootc, "FILE", "`bootc status --format=json` output ('-': standard input)"),
                OPT_STRING("rpm-ostree-json", &rpm_ostree, "FILE",
                           "`rpm-ostree status --json` output ('-': standard input)"),
                OPT_STRING("state", &req.state_path, "DB", "the state database; default " DEFAULT_STATE_DB),
                OPT_STRING("policy", &req.policy_path, "FILE", "minimum-version, minimum-timestamp, allowed-digest lines"),
                OPT_STRING("tickets", &req.tickets_path, "FILE",
                           "change tickets, 'TICKET DIGEST FROM UNTIL' lines: a staged, booted or rollback change "
                           "no ticket covers is an alert"),
                OPT_FORMAT(&format),
                OPT_NUMBER("timeout", &timeout, 1, 3600, "SECONDS", "how long bootc or rpm-ostree may take; default 120"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "status",
                .description =
                        "Reads the image status of this host (`bootc status --format=json`, or `rpm-ostree status\n"
                        "--json` where there is no bootc; or the file given), records it in the state database and\n"
                        "reports what changed since the previous run: staged image new or changed, booted image\n"
                        "changed, rollback performed, rollback target changed, newly pinned deployments. Every run\n"
                        "also reports an unlocked /usr (overlay), a queued rollback, and deployments below the\n"
                        "policy's minimum or with a digest it does not allow. The first run records the first\n"
                        "snapshot and says so. docs/status.md describes the policy and ticket formats.",
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        if (cli_status_input("status", bootc, rpm_ostree, &req) != EXIT_CLEAN)
                return EXIT_TROUBLE;
        if (!req.state_path[0])
                return usage_error("status", "--state needs a file name");
        req.create_state_dir = strcmp(req.state_path, DEFAULT_STATE_DB) == 0;
        req.timeout_s = (int) timeout;
        req.flush_output = true;
        r = cli_start_record(&rules, &ctx, &out, format);      /* events too: pins and covered changes */
        if (r != EXIT_CLEAN)
                return r;
        cli_run_cover(req.input ? req.input : "/");
        cli_run_baseline(req.state_path);
        if (capability_status(&ctx, &req, &out, &sum, &err) < 0)
                return cli_fail(&err);
        cli_report_status(&sum, req.state_path, &out);
        return cli_exit_status(&out);
}
