/* driftwatch mounts: option table over capability_mounts (capability/mounts.h). */
#include <stdio.h>
#include <string.h>

#include "basic/time-util.h"
#include "capability/mounts.h"
#include "cli.h"
#include "options.h"

void cli_report_mounts(const struct mounts_summary *sum, const char *state_path, struct output *out)
{
        /* The text view has its lines from capability_mounts() (mounts_note()). */
        if (sum->baseline && out->format != OUTPUT_TEXT)
                cli_note(out, "no mount snapshot of this boot yet: recorded the baseline (%zu mount%s) in '%s'; "
                              "later runs report what changed",
                         sum->n_mounts, plural_s(sum->n_mounts), state_path);
}

int cmd_mounts(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct mounts_request req = { .state_path = DEFAULT_STATE_DB };
        struct mounts_summary sum = { 0 };
        enum output_format format = OUTPUT_TEXT;
        long timeout = 120;
        const struct option_spec options[] = {
                OPT_STRING("state", &req.state_path, "DB", "the state database; default " DEFAULT_STATE_DB),
                OPT_STRING("mountinfo", &req.mountinfo, "FILE",
                           "a saved copy of /proc/self/mountinfo instead of this host's (offline)"),
                OPT_STRING("boot-id", &req.boot_id, "ID",
                           "the boot the table belongs to; default this host's (" MOUNTS_BOOT_ID_PATH ")"),
                OPT_STRING("bootc-status", &req.bootc_status, "FILE",
                           "`bootc status --format=json` output to join (composefs, usrOverlay); default: run "
                           "bootc when it is installed and the table is this host's"),
                OPT_FORMAT(&format),
                OPT_NUMBER("timeout", &timeout, 1, 3600, "SECONDS", "how long bootc may take; default 120"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "mounts",
                .description =
                        "Reads the mount table (/proc/self/mountinfo, or the file given) with libmount, records it\n"
                        "in the state database and reports what changed since the previous snapshot of the same\n"
                        "boot: a new overlay on /usr, /etc or /opt, /usr remounted read-write, verity options\n"
                        "removed, mounts that came, went or changed over the persistence surfaces and extension\n"
                        "paths (rules' mounts.watch). On an image-mode host a writable /usr is an alert on every\n"
                        "run; bootc's composefs state is joined. The first snapshot of a boot is the baseline.\n"
                        "Every run also reports the whole table as one event. docs/mounts.md has the details.",
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK)
                return options_exit(r);
        if (!req.state_path[0])
                return usage_error("mounts", "--state needs a file name");
        if (req.mountinfo && !req.mountinfo[0])
                return usage_error("mounts", "--mountinfo needs a file name");
        req.create_state_dir = strcmp(req.state_path, DEFAULT_STATE_DB) == 0;
        req.flush_output = true;
        req.timeout_s = (int) timeout;
        r = cli_start_record(&rules, &ctx, &out, format);      /* events too: the baseline and the snapshot */
        if (r != EXIT_CLEAN)
                return r;
        cli_run_cover(req.mountinfo ? req.mountinfo : "/proc/self/mountinfo");
        cli_run_baseline(req.state_path);
        if (capability_mounts(&ctx, &req, &out, &sum, &err) < 0)
                return cli_fail(&err);
        cli_report_mounts(&sum, req.state_path, &out);
        return cli_exit_status(&out);
}
