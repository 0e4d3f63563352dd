/* Declarative command lines, in git's parse-options shape: one table per
 * command gives the parsing, the usage line, --help and every usage error, so
 * none of them can drift from the others. The global options (--quiet,
 * --rules FILE) are accepted by every command, before or after its name. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum option_kind {
        OPTION_END,
        OPTION_STRING,          /* const char *: the argument as given */
        OPTION_BOOL,            /* bool: set when present */
        OPTION_PATHS,           /* char ** + size_t: repeatable --path, '..' refused */
        OPTION_FILES,           /* char ** + size_t: a repeatable file name, as given ('-' too) */
        OPTION_FORMAT,          /* enum output_format: text or json */
        OPTION_THREADS,         /* unsigned: 1 to 64 */
        OPTION_NUMBER,          /* long: from min to max */
};

enum {
        OPTION_REQUIRED = 1u << 0,      /* the command cannot run without it */
        OPTION_HIDDEN = 1u << 1,        /* parsed, not listed in --help */
};

struct option_spec {
        enum option_kind kind;
        const char *name;               /* long name without the dashes */
        void *value;
        void *count;                    /* OPTION_PATHS, OPTION_FILES: the size_t count */
        const char *arg;                /* what the argument is, for the help: "FILE" */
        const char *help;
        unsigned flags;
        long min, max;                  /* OPTION_NUMBER */
};

#define OPT_STRING(n, v, a, h)  { OPTION_STRING, (n), (v), NULL, (a), (h), 0, 0, 0 }
#define OPT_REQUIRED_STRING(n, v, a, h) { OPTION_STRING, (n), (v), NULL, (a), (h), OPTION_REQUIRED, 0, 0 }
#define OPT_BOOL(n, v, h)       { OPTION_BOOL, (n), (v), NULL, NULL, (h), 0, 0, 0 }
#define OPT_PATHS(n, v, c, a, h) { OPTION_PATHS, (n), (v), (c), (a), (h), 0, 0, 0 }
#define OPT_FILES(n, v, c, a, h) { OPTION_FILES, (n), (v), (c), (a), (h), 0, 0, 0 }
#define OPT_FORMAT(v)           { OPTION_FORMAT, "format", (v), NULL, "FORMAT", \
                                  "text (default) or json (JSON Lines, ECS field names)", 0, 0, 0 }
#define OPT_THREADS(v)          { OPTION_THREADS, "threads", (v), NULL, "N", \
                                  "worker threads (default: one per CPU)", 0, 0, 0 }
#define OPT_NUMBER(n, v, lo, hi, a, h) { OPTION_NUMBER, (n), (v), NULL, (a), (h), 0, (lo), (hi) }
#define OPT_END()               { OPTION_END, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }

/* One command: "check", or "baseline create" for a subcommand. */
struct command_spec {
        const char *name;
        const char *summary;            /* one line, for 'driftwatch help' */
        const char *description;        /* paragraphs for --help; may be NULL */
        const char *operands;           /* positional operands for the usage line, or NULL */
        size_t min_operands, max_operands;
        const struct option_spec *options;
};

/* A command of subcommands ("baseline create", "image verify"). */
struct subcommand {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
};

/* What --help does instead of printing the help, for the generators of the
 * man pages and completion (src/cli/generate.c): a command's table goes to
 * command(), a command of subcommands goes to group() and then each of its
 * subcommands' tables to command(). NULL: --help prints the help. */
struct options_visitor {
        void (*command)(const struct command_spec *cmd, void *userdata);
        void (*group)(const char *group, const struct subcommand *subs, size_t n, void *userdata);
        void *userdata;
};
extern const struct options_visitor *options_visitor;

/* The global options' table (--quiet, --rules, --rules-dir, --config). */
const struct option_spec *options_globals(void);

enum {
        PARSE_OK = 0,
        PARSE_EXIT = 1,         /* --help was printed: exit 0 */
};

/* Parses argv[1..argc) (argv[0] is the command's name) against cmd's table
 * and the global options, in any order; "--" ends the options. The operands
 * are left in argv order in *ret_operands (pointers into argv; free() the
 * array). Usage errors are printed, one line, and give -EINVAL. */
int options_parse(const struct command_spec *cmd, int argc, char **argv, char ***ret_operands,
                  size_t *ret_n_operands);

/* A global option (--quiet, --rules FILE, ...) at argv[*i], before a command's
 * name: 1 when it was one (its value taken, *i on the last word used), 0 when
 * argv[*i] is no global option, -EINVAL with the error printed. */
int options_global(int argc, char **argv, int *i);

/* options_parse() for commands that take no operands (ret_operands may be
 * NULL then, and operands are refused). */
int options_run(const struct command_spec *cmd, int argc, char **argv, char ***ret_operands,
                size_t *ret_n_operands);
/* The exit status for a parse that did not give PARSE_OK. */
int options_exit(int r);


/* Runs the subcommand argv[1] names with argv[1..argc), or prints the list
 * (--help: stdout, exit 0; nothing or an unknown name: a usage error). */
int options_dispatch(const char *group, const struct subcommand *subs, size_t n, int argc, char **argv);

/* The usage line, description and options of cmd, as --help prints them. */
void options_help(const struct command_spec *cmd, FILE *f);

/* The name in names[0..n) closest to 'typo' (at most two edits away), or NULL. */
const char *options_suggest(const char *typo, const char *const *names, size_t n);
