/* driftwatch journal: option table over capability_journal (capability/journal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capability/journal.h"
#include "cli.h"
#include "options.h"

int cmd_journal(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(freep) struct journal_input *inputs = NULL;
        struct journal_request req = { 0 };
        struct journal_stats stats = { 0 };
        char **files = NULL, **dirs = NULL;
        size_t n_files = 0, n_dirs = 0;
        enum output_format format = OUTPUT_TEXT;
        long window = JOURNAL_MERGE_WINDOW_DEFAULT;
        const char *input_format = NULL;
        const struct option_spec options[] = {
                OPT_FILES("file", &files, &n_files, "FILE",
                          "a journal file, or a `journalctl -o export` or `-o json` stream ('-': standard input)"),
                OPT_FILES("directory", &dirs, &n_dirs, "DIR", "a journal directory (/var/log/journal)"),
                OPT_STRING("policy", &req.policy_path, "FILE", "maintenance-window lines (docs/journal.md)"),
                OPT_STRING("tickets", &req.tickets_path, "FILE",
                           "change tickets, 'TICKET NAME FROM UNTIL' lines: an extension merge, soft-reboot or "
                           "reboot no ticket or deployment covers is an alert"),
                OPT_NUMBER("merge-window", &window, 1, 30L * 86400, "SECONDS",
                           "how far a merge may be from a deployment to count as part of it; default 900"),
                OPT_STRING("input-format", &input_format, "export|json",
                           "what a stream is: `journalctl -o export` or `-o json`; default: json when its first "
                           "byte is '{'"),
                OPT_STRING("cursor-file", &req.cursor_file, "FILE",
                           "start after the cursor in FILE and save the last entry's cursor there, as journalctl "
                           "--cursor-file does"),
                OPT_BOOL("follow", &req.follow,
                         "keep reading the journal (--directory or journal files) as it grows, until SIGINT or "
                         "SIGTERM"),
                OPT_FORMAT(&format),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "journal",
                .description =
                        "Reads the systemd journal (files, directories, or `journalctl -o export` on standard\n"
                        "input when no --file or --directory is given) and reports: new deployments by rpm-ostree\n"
                        "or bootc (outside the policy's maintenance windows: alerts), systemd-sysext and\n"
                        "systemd-confext merges no change ticket or deployment accounts for (alerts), soft-reboots,\n"
                        "reboots and kexec outside tickets, windows and deployments (alerts), audit\n"
                        "records that arrived without their PATH records, fields over the 64 KiB limit, a\n"
                        "clock going backwards and records lost since a saved cursor (--cursor-file, --follow).\n"
                        "docs/journal.md describes the formats.",
                .options = options,
        };
        struct dw_context ctx;
        _cleanup_(output_release) struct output out = { 0 };   /* what a failed run held */
        size_t i;
        int r = options_run(&spec, argc, argv, NULL, NULL);

        if (r != PARSE_OK) {
                cli_strv_free(files, n_files);
                cli_strv_free(dirs, n_dirs);
                return options_exit(r);
        }
        if (input_format && strcmp(input_format, "export") != 0 && strcmp(input_format, "json") != 0) {
                cli_strv_free(files, n_files);
                cli_strv_free(dirs, n_dirs);
                return usage_error("journal", "--input-format must be export or json, not '%s'", input_format);
        }
        req.stream_format = !input_format ? JOURNAL_STREAM_DETECT :
                            strcmp(input_format, "json") == 0 ? JOURNAL_STREAM_JSON : JOURNAL_STREAM_EXPORT;
        inputs = calloc(n_files + n_dirs + 1, sizeof(*inputs));
        if (!inputs) {
                cli_strv_free(files, n_files);
                cli_strv_free(dirs, n_dirs);
                return error("out of memory");
        }
        for (i = 0; i < n_files; i++)
                inputs[req.n_inputs++] = (struct journal_input) { JOURNAL_INPUT_EXPORT, files[i] };
        for (i = 0; i < n_dirs; i++)
                inputs[req.n_inputs++] = (struct journal_input) { JOURNAL_INPUT_DIRECTORY, dirs[i] };
        req.inputs = inputs;
        req.merge_window_s = window;
        r = cli_start_record(&rules, &ctx, &out, format);      /* deployments, accounted merges */
        for (i = 0; i < req.n_inputs; i++)
                cli_run_cover(req.inputs[i].path);
        if (!req.n_inputs)
                cli_run_cover("-");
        if (r == EXIT_CLEAN && req.follow)
                output_text_stream(&out, "following the journal: findings as they come, the summary when it stops");
        if (r == EXIT_CLEAN && capability_journal(&ctx, &req, &out, &stats, &err) < 0) {
                r = cli_fail(&err);
        } else if (r == EXIT_CLEAN) {
                if (format == OUTPUT_TEXT)
                        cli_note(&out, "read %llu entr%s: %llu deployment%s, %llu extension merge%s (%llu "
                                       "unaccounted for), %llu soft-reboot%s and %llu reboot%s (%llu unscheduled)",
                                 (unsigned long long) stats.entries, stats.entries == 1 ? "y" : "ies",
                                 (unsigned long long) stats.deployments, plural_s(stats.deployments),
                                 (unsigned long long) stats.merges, plural_s(stats.merges),
                                 (unsigned long long) stats.merges_unmatched,
                                 (unsigned long long) stats.soft_reboots, plural_s(stats.soft_reboots),
                                 (unsigned long long) stats.reboots, plural_s(stats.reboots),
                                 (unsigned long long) stats.reboots_unscheduled);
                r = cli_exit_status(&out);
        }
        cli_strv_free(files, n_files);
        cli_strv_free(dirs, n_dirs);
        return r;
}
