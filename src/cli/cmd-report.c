/* driftwatch report: option table over capability_report (capability/report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capability/report.h"
#include "capability/scan.h"
#include "cli.h"
#include "options.h"

/* The runs are the --from files, then the operands. */
static int report_run(const char *state_dir, char **from, size_t n_from, char **operands, size_t n_operands,
                      char **etc, size_t n_etc, char **fim, size_t n_fim, struct report_request *req)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        _cleanup_(freep) char **runs = NULL;
        char *def_etc[1], *def_fim[1];
        int r;

        runs = calloc(n_from + n_operands + 1, sizeof(char *));
        if (!runs)
                return error("out of memory");
        for (size_t i = 0; i < n_from; i++)
                runs[i] = from[i];
        for (size_t i = 0; i < n_operands; i++)
                runs[n_from + i] = operands[i];
        n_from += n_operands;
        r = cli_load_rules(&rules);
        if (r != EXIT_CLEAN)
                return r;
        /* the host's own state and allowlists, when no run file says otherwise */
        req->state_dir = state_dir ?: n_from == 0 ? DEFAULT_STATE_DIR : NULL;
        if (n_etc == 0 && !state_dir && n_from == 0 && access(SCAN_DEFAULT_ALLOWLIST, F_OK) == 0)
                def_etc[0] = (char *) SCAN_DEFAULT_ALLOWLIST, etc = def_etc, n_etc = 1;
        if (n_fim == 0 && !state_dir && n_from == 0 && access(SCAN_DEFAULT_FIM_ALLOWLIST, F_OK) == 0)
                def_fim[0] = (char *) SCAN_DEFAULT_FIM_ALLOWLIST, fim = def_fim, n_fim = 1;
        req->from = runs;
        req->n_from = n_from;
        req->etc_allowlists = etc;
        req->n_etc_allowlists = n_etc;
        req->fim_allowlists = fim;
        req->n_fim_allowlists = n_fim;
        req->now = (int64_t) time(NULL);
        r = capability_report(rules, req, stdout, &err);
        if (r < 0)
                return cli_fail(&err);
        return EXIT_CLEAN;
}

int cmd_report(int argc, char **argv)
{
        _cleanup_(freep) char **operands = NULL;
        char **from = NULL, **etc = NULL, **fim = NULL;
        size_t n_from = 0, n_etc = 0, n_fim = 0, n_operands = 0;
        struct report_request req = { .format = REPORT_HTML };
        const char *state_dir = NULL, *format = NULL;
        const struct option_spec options[] = {
                OPT_STRING("state-dir", &state_dir, "DIR",
                           "the agent's state directory; default " DEFAULT_STATE_DIR " when no run file is given"),
                OPT_FILES("from", &from, &n_from, "FILE",
                          "a JSON Lines file of one-shot runs (--format json output); repeatable, operands too"),
                OPT_FILES("etc-allowlist", &etc, &n_etc, "FILE",
                          "the /etc allowlist (etc-diff, scan); default " SCAN_DEFAULT_ALLOWLIST " if it exists"),
                OPT_FILES("fim-allowlist", &fim, &n_fim, "FILE",
                          "the FIM allowlist (check, scan); default " SCAN_DEFAULT_FIM_ALLOWLIST " if it exists"),
                OPT_STRING("format", &format, "FORMAT", "html (default: self-contained), json or markdown"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "report",
                .description =
                        "Writes the evidence report on standard output: per NIST 800-53 control, the checks that\n"
                        "ran and when, their findings (alerts by severity, the latest few), the allowlists with\n"
                        "owners and expiry, and the trend of alerts and allowlist use over time as a chart. It\n"
                        "reads the agent's state (its schedules, outputs, counters and event history) and JSON\n"
                        "Lines files of one-shot runs (hosts without the agent). A finding's controls are its\n"
                        "rule's `controls:`. docs/report.md describes the sections.",
                .operands = "[FILE]...",
                .max_operands = SIZE_MAX,
                .options = options,
        };
        int r = options_run(&spec, argc, argv, &operands, &n_operands);

        if (r != PARSE_OK)
                r = options_exit(r);
        else if (format && report_format_from_name(format, &req.format) < 0)
                r = usage_error("report", "unknown format '%s' (html, json or markdown)", format);
        else
                r = report_run(state_dir, from, n_from, operands, n_operands, etc, n_etc, fim, n_fim, &req);
        cli_strv_free(from, n_from);
        cli_strv_free(etc, n_etc);
        cli_strv_free(fim, n_fim);
        return r;
}

