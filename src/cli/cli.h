/* What the subcommands share: exit codes, one-line errors, options every
 * command takes, cancellation by signal, and the progress line. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "basic/macros.h"
#include "fim/walk.h"
#include "report/finding.h"
#include "report/rules.h"

enum {
        EXIT_CLEAN = 0,         /* nothing to look at */
        EXIT_ALERT = 1,         /* at least one alert */
        EXIT_TROUBLE = 2,       /* usage or runtime error */
};

#define DEFAULT_STATE_DIR "/var/lib/driftwatch"
/* Rules layers every command reads after --rules (docs/rules.md). */
#define DEFAULT_RULES_DIR "/etc/driftwatch/rules.d"

struct cli_globals {
        const char *rules_path;         /* --rules: a layer over the built-in rules */
        const char *rules_dir;          /* --rules-dir; NULL: DEFAULT_RULES_DIR */
        bool quiet;
};

extern struct cli_globals cli;
extern volatile sig_atomic_t cli_cancel;

/* Prints "driftwatch: <message>" on stderr and returns EXIT_TROUBLE. */
int error(const char *fmt, ...) _printf_(1, 2);
void warning(const char *fmt, ...) _printf_(1, 2);
/* Prints a usage error and the hint to use --help; returns EXIT_TROUBLE. */
int usage_error(const char *cmd, const char *fmt, ...) _printf_(2, 3);

/* Prints the one line of a capability's error and returns EXIT_TROUBLE. */
struct dw_error;
int cli_fail(const struct dw_error *e);
/* The context a capability runs in from the command line: the rules, the
 * signal-driven cancel flag, this host's name. */
struct dw_context;
void cli_context(struct dw_context *ret, const struct ruleset *rules, unsigned threads,
                 struct walk_progress *progress);

void cli_install_signals(void);
/* The built-in rules, the --rules layer, then the layers of the rules
 * directory; EXIT_CLEAN, or the error printed and EXIT_TROUBLE. */
int cli_load_rules(struct ruleset **ret);
const char *cli_hostname(void);
/* A decimal number from min to max (-EINVAL otherwise). */
int cli_parse_range(const char *s, long min, long max, long *ret);
int cli_parse_threads(const char *s, unsigned *ret);
/* --format and --threads values for command cmd: EXIT_CLEAN, or the usage error
 * printed and EXIT_TROUBLE. */
int cli_format_option(const char *cmd, const char *arg, enum output_format *ret);
int cli_threads_option(const char *cmd, const char *arg, unsigned *ret);
/* Appends a --path value, refusing '..' components. */
int cli_add_path(const char *cmd, const char *p, char ***paths, size_t *n);
void cli_strv_free(char **v, size_t n);
/* Exit status for an output's counts. */
int cli_exit_status(const struct output *o);

/* The progress line on stderr during long walks, only on a terminal. */
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

/* The image-mode checks shared by their commands and 'scan', each reporting
 * into an output the caller owns (so 'scan' runs them all into one stream):
 * the capability, its error printed, its summary on stderr; EXIT_CLEAN when
 * the check ran. */
struct sysroot;
struct sysroot_deployment;
struct etc_diff_request;
int cli_image_verify(const struct dw_context *ctx, struct output *out, const struct sysroot *ds,
                     const struct sysroot_deployment *d);
int cli_etc_diff(const struct dw_context *ctx, struct output *out, const struct sysroot *ds,
                 const struct sysroot_deployment *d, const struct etc_diff_request *req);

struct status_request {
        const char *input;              /* file or "-"; NULL: run bootc or rpm-ostree */
        int source;                     /* enum host_source of input */
        const char *state_path;
        const char *policy_path;
        const char *tickets_path;
        enum output_format format;
        int timeout_s;
};

/* Reads the host's image status, reports transitions since the last snapshot
 * and records the new one. */
int run_status(struct output *out, const struct ruleset *rules, const struct status_request *req);

/* Walks dir below paths and writes a baseline to out (dir: sources), as
 * 'baseline create' and the first 'scan' do. Refuses to write a baseline of
 * nothing, and with paths_must_match one in which a path matches nothing.
 * Prints its own errors. */
int cli_baseline_from_dir(const char *dir, char *const *paths, size_t n_paths, bool paths_must_match,
                          unsigned threads, const char *out, size_t *ret_entries, struct walk_stats *ret_stats);

/* The check shared by 'check' and 'scan'. */
struct check_request {
        const char *baseline_path;
        const char *root;
        char **paths;
        size_t n_paths;
        bool full;
        unsigned threads;
        const char *cache_path;
        enum output_format format;
};

int run_check(const struct check_request *req);
