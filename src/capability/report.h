/* The evidence report (driftwatch report, docs/report.md): per NIST 800-53
 * control of REPORT_CONTROLS, the checks that ran and when, their findings
 * (alerts by severity, the latest few), the allowlists with owners and expiry,
 * and the trend of alerts and allowlist use over time; from the agent's state
 * (its schedules, counters, outputs and event history) and from JSON Lines
 * files of one-shot runs. The control of a finding comes from its rule in the
 * ruleset (`controls:`), else from the finding's own driftwatch.controls.
 * Rendered as self-contained HTML (inline CSS and SVG), JSON or Markdown.
 * Library code: never prints but to the FILE it is given. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "basic/error.h"
#include "rules/rules.h"

enum report_format {
        REPORT_HTML,
        REPORT_JSON,
        REPORT_MARKDOWN,
};

int report_format_from_name(const char *name, enum report_format *ret);

/* Bytes of one JSON line of a --from file, and of one file. */
#define REPORT_LINE_MAX ((size_t) 1 << 20)
#define REPORT_FILE_MAX ((uint64_t) 1 << 30)
/* Alerts listed per control, newest first. */
#define REPORT_LATEST 5
/* Points of the trend: the newest ones. */
#define REPORT_TREND_MAX 200

struct report_request {
        const char *state_dir;          /* the agent's state, or NULL */
        char **from;                    /* JSON Lines files of one-shot runs */
        size_t n_from;
        char **etc_allowlists, **fim_allowlists;
        size_t n_etc_allowlists, n_fim_allowlists;
        enum report_format format;
        int64_t now;                    /* seconds since the epoch: expiry is judged against it */
};

/* Reads the inputs and writes the report to f. Bad input (a state that is not
 * the agent's, a line that is not JSON, a truncated file): -EBADMSG, with *e
 * naming the input. */
int capability_report(const struct ruleset *rules, const struct report_request *req, FILE *f, struct dw_error *e);
