/* What the subcommands share: exit codes, one-line errors, options every
 * command takes, cancellation by signal, and the progress line. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "basic/macros.h"
#include "fim/walk.h"
#include "report/finding.h"
#include "rules/rules.h"

enum {
        EXIT_CLEAN = 0,         /* nothing to look at */
        EXIT_ALERT = 1,         /* at least one alert */
        EXIT_TROUBLE = 2,       /* usage or runtime error */
        EXIT_CLOSED_OUTPUT = 141, /* stdout closed by its reader: 128 + SIGPIPE, no message */
};

#define DEFAULT_STATE_DIR "/var/lib/driftwatch"
/* The state database of status and mounts (scan keeps its own under --state-dir). */
#define DEFAULT_STATE_DB DEFAULT_STATE_DIR "/state.db"
/* Rules layers every command reads after --rules (docs/rules.md). */
#define DEFAULT_RULES_DIR "/etc/driftwatch/rules.d"

/* The configuration file (--config FILE names another; docs/configuration.md). */
#define DEFAULT_CONFIG_PATH "/etc/driftwatch/driftwatch.conf"

struct cli_globals {
        const char *rules_path;         /* --rules: a layer over the built-in rules */
        const char *rules_dir;          /* --rules-dir; NULL: DEFAULT_RULES_DIR */
        bool quiet;
        bool progress;                  /* --progress: the progress line even when stderr is no terminal */
        const char *config_path;        /* --config */
        const char *fail_on;            /* --fail-on: exit 1 only for alerts at or above it */
        const char *min_severity;       /* --min-severity: findings printed at or above it */
        enum severity fail_on_level, min_level;         /* parsed by cli_load_rules(); 0: unset */
        bool verbose;                   /* -v, --verbose: the text view's details */
        const char *color;              /* --color: auto, always, never */
        bool use_color;                 /* parsed by cli_load_rules() */
        const char *command;            /* "check", "image verify": what the text summary names */
};

extern struct cli_globals cli;
/* The configuration file cli_config_load() read (NULL: none), and its name. */
struct dw_conf;
extern struct dw_conf *cli_conf;
extern const char *cli_conf_path;
/* Reads the file --config names anywhere in argv (before a "--"), or else
 * DEFAULT_CONFIG_PATH when it exists: EXIT_CLEAN, or the error printed (one
 * line, the file and the line) and EXIT_TROUBLE. */
int cli_config_load(int argc, char **argv);
/* rule-reference-base of the configuration file's [driftwatch], or NULL. */
const char *cli_rule_reference_base(void);
extern volatile sig_atomic_t cli_cancel;

/* Prints "driftwatch: <message>" on stderr and returns EXIT_TROUBLE. */
int error(const char *fmt, ...) _printf_(1, 2);
void warning(const char *fmt, ...) _printf_(1, 2);
/* Prints a usage error and the hint to use --help; returns EXIT_TROUBLE. */
int usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);

/* Seconds on the monotonic clock since start (taken with CLOCK_MONOTONIC). */
struct timespec;
double cli_seconds_since(const struct timespec *start);

/* Prints the one line of a capability's error and returns EXIT_TROUBLE. */
struct dw_error;
int cli_fail(const struct dw_error *e);
/* This machine as observer.*: its hostname and /etc/machine-id, read once. */
struct output_host;
const struct output_host *cli_observer(void);
/* The context a capability runs in from the command line: the rules, the
 * signal-driven cancel flag, this host's name. */
struct dw_context;
void cli_context(struct dw_context *ret, const struct ruleset *rules, unsigned threads,
                 struct walk_progress *progress);

void cli_install_signals(void);
/* The built-in rules, the --rules layer, then the layers of the rules
 * directory; EXIT_CLEAN, or the error printed and EXIT_TROUBLE. */
int cli_load_rules(struct ruleset **ret);
/* What a command whose events are its record (status, journal, inventory,
 * mounts, posture) starts with: the rules loaded into *ret_rules, the context
 * (one thread, no progress) and the output on stdout in format, events shown.
 * EXIT_CLEAN, or the error printed and EXIT_TROUBLE. */
/* output_init() for standard output, with --min-severity applied, this host
 * as the analysed host and the observer; the output the run's summary goes to. */
void cli_output_init(struct output *o, enum output_format format, const char *host);
/* The analysed host is the one whose root is root (not "/": its etc/hostname
 * and etc/machine-id, left out when it has none), or unknown (root NULL: a
 * log from elsewhere). */
void cli_output_analysed(struct output *o, const char *root);
/* The run summary (DW-RUN-SUMMARY, JSON only): main() starts its clock, it
 * names cli.command; a command adds what it covers (roots, paths, inputs:
 * strings that outlive the command) and the baseline or state it used.
 * cli_exit_status() and cli_fail() emit it. */
void cli_run_begin(void);
void cli_run_cover(const char *what);
void cli_run_baseline(const char *path);
int cli_start_record(struct ruleset **ret_rules, struct dw_context *ret_ctx, struct output *ret_out,
                     enum output_format format);
/* "s" unless n is 1: "%llu file%s". */
static inline const char *plural_s(unsigned long long n)
{
        return n == 1 ? "" : "s";
}
/* v bytes as a person reads them, into buf (n bytes): "212 B", "310 MiB", "1.9 GiB". */
void human_bytes(char *buf, size_t n, double v);
/* A decimal number from min to max (-EINVAL otherwise). */
int cli_parse_range(const char *s, long min, long max, long *ret);
/* Appends a --path value, refusing '..' components. */
int cli_add_path(const char *cmd, const char *p, char ***paths, size_t *n);
void cli_strv_free(char **v, size_t n);
/* The end of a command's output (output_finish(): the text view's summary
 * and the findings held back; JSON: the run summary, DW-RUN-SUMMARY, as its
 * last line), then the exit status for its counts. */
int cli_exit_status(struct output *o);
/* A line of the command's summary: in the text view on standard output
 * after the counts (output_note(); not with --quiet), else on stderr (not
 * with --quiet). */
void cli_note(struct output *o, const char *fmt, ...) _printf_(2, 3);
/* --color WHEN (NULL: auto) for an output that is a terminal or not: -EINVAL
 * for another word. */
int cli_color_choose(const char *when, bool tty, bool *ret);

/* The progress line on stderr during long walks, only on a terminal (or with
 * --progress): "driftwatch WHAT: PHASE ...", WHAT the command the user ran. */
struct progress_ui;
struct progress_ui *progress_start(const char *what, struct walk_progress *p);
void progress_stop(struct progress_ui *ui);

/* Subcommands. */
int cmd_scan(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_image(int argc, char **argv);
int cmd_etc_diff(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_audit_rules(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_mounts(int argc, char **argv);
/* container drift */
int cmd_container(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_posture(int argc, char **argv);
/* the agent (issue #15) */
int cmd_agent(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* container digests | posture (cmd-container.c dispatches) */
int cmd_container_digests(int argc, char **argv);
int cmd_container_posture(int argc, char **argv);

/* The lines of a command's summary a person reads (cli_note(): in the text
 * view above the findings; nothing with --quiet). */
struct verify_stats;
struct etc_diff_summary;
struct status_summary;
struct status_request;
struct tree_check_summary;
struct inventory_summary;
struct mounts_summary;
void cli_report_verify(const char *deployment, const struct verify_stats *stats, unsigned long alerts,
                       struct output *out);
void cli_report_etc_diff(const struct etc_diff_summary *sum, unsigned long alerts, struct output *out);
void cli_report_status(const struct status_summary *sum, const char *state_path, struct output *out);
void cli_report_check(const char *root, const char *baseline, const struct tree_check_summary *sum,
                      struct output *out, double seconds);
void cli_report_inventory(const struct inventory_summary *sum, struct output *out);
void cli_report_mounts(const struct mounts_summary *sum, const char *state_path, struct output *out);
struct posture_summary;
void cli_report_posture(const struct posture_summary *sum, struct output *out);
/* --bootc-json / --rpm-ostree-json: at most one, into req's input. */
int cli_status_input(const char *cmd, const char *bootc, const char *rpm_ostree, struct status_request *req);

