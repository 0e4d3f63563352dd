/* Declarative command lines; see options.h. */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "basic/path-util.h"
#include "basic/workers.h"
#include "cli.h"
#include "parse/dw-conf.h"

/* The options every command takes, wherever they appear. */
static const struct option_spec global_options[] = {
        OPT_BOOL("quiet", &cli.quiet, "no progress line and no summary (the findings only)"),
        OPT_BOOL("progress", &cli.progress, "a progress line on stderr during long walks even when it is not a terminal"),
        OPT_STRING("rules", &cli.rules_path, "FILE", "detection content layered over the built-in rules"),
        OPT_STRING("rules-dir", &cli.rules_dir, "DIR", "the directory of rules layers (/etc/driftwatch/rules.d)"),
        OPT_STRING("config", &cli.config_path, "FILE", "the configuration file (default " DEFAULT_CONFIG_PATH ")"),
        OPT_STRING("fail-on", &cli.fail_on, "SEVERITY",
                   "exit 1 only for an alert at or above SEVERITY (low, medium, high, critical); default: any"),
        OPT_STRING("min-severity", &cli.min_severity, "SEVERITY",
                   "print only findings at or above SEVERITY; the summary still counts every one"),
        OPT_BOOL("verbose", &cli.verbose, "text: the details under each finding (before and after values, process\n"
                                          "ancestry, hashes) and the events too"),
        OPT_STRING("color", &cli.color, "WHEN", "text: colour the severities: auto (on a terminal, unless NO_COLOR is\n"
                                               "set or TERM is dumb; the default), always or never"),
        OPT_END(),
};

const struct options_visitor *options_visitor;

/* While the configuration file's values are set: "'FILE': line N", for the errors. */
static const char *config_origin;

const struct option_spec *options_globals(void)
{
        return global_options;
}

#define USAGE_WIDTH 88

static const struct option_spec *find(const struct option_spec *opts, const char *name, size_t len)
{
        for (; opts->kind != OPTION_END; opts++)
                if (strlen(opts->name) == len && memcmp(opts->name, name, len) == 0)
                        return opts;
        return NULL;
}

static bool takes_argument(const struct option_spec *o)
{
        return o->kind != OPTION_BOOL;
}

static int usage(const struct command_spec *cmd, const char *fmt, ...) _printf_(2, 3);
static int usage(const struct command_spec *cmd, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (config_origin)
                error("bad configuration %s: %s", config_origin, msg);
        else if (cmd->name)
                usage_error(cmd->name, "%s", msg);
        else
                error("%s (see 'driftwatch help')", msg);   /* before any command */
        return -EINVAL;
}

/* The value of option o at argv[*i] (eq: its "=value" part, or NULL), taking
 * the next word when it needs one: 0 and *ret (NULL for a flag), or the usage
 * error printed and -EINVAL. */
static int option_value(const struct command_spec *cmd, const struct option_spec *o, const char *eq, int argc,
                        char **argv, int *i, const char **ret)
{
        *ret = NULL;
        if (!takes_argument(o))
                return eq ? usage(cmd, "--%s takes no value", o->name) : 0;
        if (eq)
                *ret = eq + 1;
        else if (*i + 1 < argc)
                *ret = argv[++*i];
        else
                return usage(cmd, "--%s needs %s", o->name, o->arg ? o->arg : "a value");
        return 0;
}

/* Every long name of cmd and the globals, for suggestions. */
static size_t option_names(const struct command_spec *cmd, const char **names, size_t max)
{
        const struct option_spec *tables[] = { cmd->options, global_options }, *o;
        size_t n = 0, t;

        for (t = 0; t < ARRAY_SIZE(tables); t++)
                for (o = tables[t]; o && o->kind != OPTION_END && n < max; o++)
                        names[n++] = o->name;
        if (n < max)
                names[n++] = "help";
        return n;
}

static bool repeatable(const struct option_spec *o)
{
        return o->kind == OPTION_PATHS || o->kind == OPTION_FILES;
}

/* Appends a copy of arg to the NULL-ended list of an OPTION_FILES. */
static int add_file(const struct option_spec *o, const char *arg)
{
        char ***list = o->value;
        size_t *n = o->count;
        char **v = realloc(*list, (*n + 2) * sizeof(char *));

        if (!v)
                return -ENOMEM;
        *list = v;
        v[*n] = strdup(arg);
        if (!v[*n])
                return -ENOMEM;
        v[++*n] = NULL;
        return 0;
}

static int set_value(const struct command_spec *cmd, const struct option_spec *o, const char *arg)
{
        long v;

        switch (o->kind) {
        case OPTION_STRING:
                *(const char **) o->value = arg;
                return 0;
        case OPTION_BOOL:
                *(bool *) o->value = true;
                return 0;
        case OPTION_PATHS:
                return cli_add_path(cmd->name, arg, (char ***) o->value, (size_t *) o->count) == EXIT_CLEAN
                               ? 0
                               : -EINVAL;
        case OPTION_FILES:
                if (add_file(o, arg) < 0) {
                        error("out of memory");
                        return -ENOMEM;
                }
                return 0;
        case OPTION_FORMAT:
                if (output_format_from_name(arg, (enum output_format *) o->value) < 0)
                        return usage(cmd, "unknown format '%s' (text or json)", arg);
                return 0;
        case OPTION_THREADS:
                if (cli_parse_range(arg, 1, WORKERS_MAX, &v) < 0)
                        return usage(cmd, "--threads takes a number from 1 to %d", WORKERS_MAX);
                *(unsigned *) o->value = (unsigned) v;
                return 0;
        case OPTION_NUMBER:
                if (cli_parse_range(arg, o->min, o->max, &v) < 0)
                        return usage(cmd, "--%s takes a number from %ld to %ld", o->name, o->min, o->max);
                *(long *) o->value = v;
                return 0;
        case OPTION_END:
                break;
        }
        return -EINVAL;
}

int options_global(int argc, char **argv, int *i)
{
        static const struct command_spec top = { .name = NULL };
        const char *a = strcmp(argv[*i], "-q") == 0 ? "--quiet" : strcmp(argv[*i], "-v") == 0 ? "--verbose" : argv[*i];
        const char *name, *eq, *arg;
        const struct option_spec *o;
        size_t len;

        if (strncmp(a, "--", 2) != 0)
                return 0;
        name = a + 2;
        eq = strchr(name, '=');
        len = eq ? (size_t) (eq - name) : strlen(name);
        o = find(global_options, name, len);
        if (!o)
                return 0;
        if (option_value(&top, o, eq, argc, argv, i, &arg) < 0 || set_value(&top, o, arg) < 0)
                return -EINVAL;
        return 1;
}

static bool is_global(const struct option_spec *o)
{
        return o >= global_options && o < global_options + ARRAY_SIZE(global_options);
}

/* A list option's values from the configuration file, dropped when the
 * command line gives the option: there, the command line replaces the file's. */
static void reset_list(const struct option_spec *o)
{
        cli_strv_free(*(char ***) o->value, *(size_t *) o->count);
        *(char ***) o->value = NULL;
        *(size_t *) o->count = 0;
}

/* One key of the configuration file into option o: a boolean is true, yes,
 * 1, false, no or 0; a list option (--path) takes values separated by ';'. */
static int config_value(const struct command_spec *cmd, const struct option_spec *o, const char *value)
{
        _cleanup_(freep) char *copy = NULL;
        char *save = NULL, *w;
        bool b;
        int r;

        if (o->kind == OPTION_BOOL) {
                if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
                        b = value[0] == 'y';
                else if (keyfile_boolean(value, &b) < 0)
                        return usage(cmd, "--%s takes true or false, not '%s'", o->name, value);
                *(bool *) o->value = b;
                return 0;
        }
        if (!repeatable(o))
                return set_value(cmd, o, value);
        copy = strdup(value);
        if (!copy)
                return error("out of memory"), -ENOMEM;
        for (w = strtok_r(copy, ";", &save); w; w = strtok_r(NULL, ";", &save)) {
                w += strspn(w, " \t");
                if (!*w)
                        continue;
                if (o->kind == OPTION_PATHS && path_has_dotdot(w))
                        return usage(cmd, "--%s '%s' must not contain '..'", o->name, w);
                r = set_value(cmd, o, w);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* state-dir = DIR as the default of a command's --state DB: DIR/state.db,
 * as scan keeps it (DEFAULT_STATE_DB). The string lives as long as the process. */
static int config_state_db(const struct command_spec *cmd, const struct option_spec *o, const char *dir)
{
        static char *db;

        free(db);
        if (asprintf(&db, "%s/state.db", dir) < 0) {
                db = NULL;
                return error("out of memory"), -ENOMEM;
        }
        return set_value(cmd, o, db);
}

/* The configuration file's values as the defaults of cmd's options and the
 * global ones: [driftwatch] first, then the command's own group, which wins.
 * The command line, parsed after, wins over both; a global option given
 * before the command's name is not overwritten. A key in the command's group
 * that is none of its options is an error; one in [driftwatch] applies to the
 * commands that have that option. from_config[k]: cmd->options[k] was set. */
static int apply_config(const struct command_spec *cmd, bool *from_config, size_t max)
{
        const char *groups[] = { DW_CONF_GROUP, cmd->name };
        bool preset[ARRAY_SIZE(global_options)];
        char origin[PATH_MAX + 32];
        size_t g, i;
        int r = 0;

        if (!cli_conf || !cmd->name)
                return 0;
        for (i = 0; i + 1 < ARRAY_SIZE(global_options); i++) {
                const struct option_spec *o = &global_options[i];

                preset[i] = o->kind == OPTION_BOOL ? *(bool *) o->value : *(const char **) o->value != NULL;
        }
        for (g = 0; g < ARRAY_SIZE(groups) && r >= 0; g++)
                for (i = 0; i < cli_conf->kf->n && r >= 0; i++) {
                        const struct keyfile_entry *e = &cli_conf->kf->v[i];
                        const struct option_spec *o;

                        if (strcmp(e->group, groups[g]) != 0 || strcmp(e->key, "outputs") == 0)
                                continue;
                        if (g == 0 && !dw_conf_applies(e->key, cmd->name))
                                continue;
                        o = cmd->options ? find(cmd->options, e->key, strlen(e->key)) : NULL;
                        if (!o)
                                o = find(global_options, e->key, strlen(e->key));
                        /* status and mounts keep their database in the state directory. */
                        if (g == 0 && !o && strcmp(e->key, "state-dir") == 0 && cmd->options)
                                o = find(cmd->options, "state", 5);
                        /* [driftwatch] format is text or json; audit-rules' --format is another. */
                        if (g == 0 && o && strcmp(e->key, "format") == 0 && o->kind != OPTION_FORMAT)
                                continue;
                        snprintf(origin, sizeof(origin), "'%s': line %u", cli_conf_path, e->line);
                        config_origin = origin;
                        if (!o || o->value == &cli.config_path) {
                                if (g > 0)
                                        r = usage(cmd, "'%s' has no option --%s", cmd->name, e->key);
                        } else if (is_global(o)) {
                                if (!preset[o - global_options])
                                        r = config_value(cmd, o, e->value);
                        } else if (strcmp(e->key, o->name) != 0) {
                                r = config_state_db(cmd, o, e->value);
                        } else {
                                r = config_value(cmd, o, e->value);
                                if ((size_t) (o - cmd->options) < max)
                                        from_config[o - cmd->options] = true;
                        }
                        config_origin = NULL;
                }
        return r < 0 ? -EINVAL : 0;
}

int options_parse(const struct command_spec *cmd, int argc, char **argv, char ***ret_operands,
                  size_t *ret_n_operands)
{
        _cleanup_(freep) char **operands = calloc((size_t) argc + 1, sizeof(char *));
        const struct option_spec *o;
        bool seen[128] = { false }, from_config[128] = { false };
        bool only_operands = false;
        size_t n = 0;
        int i, r;

        if (!operands)
                return error("out of memory"), -ENOMEM;
        if (!options_visitor) {
                r = apply_config(cmd, from_config, ARRAY_SIZE(from_config));
                if (r < 0)
                        return r;
        }
        for (i = 1; i < argc; i++) {
                const char *a = argv[i], *name, *eq, *arg = NULL;
                size_t len;

                if (only_operands || a[0] != '-' || a[1] == '\0') {
                        operands[n++] = argv[i];        /* "-" is standard input: an operand */
                        continue;
                }
                if (strcmp(a, "--") == 0) {
                        only_operands = true;
                        continue;
                }
                if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        if (options_visitor)
                                options_visitor->command(cmd, options_visitor->userdata);
                        else
                                options_help(cmd, stdout);
                        return PARSE_EXIT;
                }
                if (strcmp(a, "-q") == 0)
                        a = "--quiet";
                if (strcmp(a, "-v") == 0)
                        a = "--verbose";
                if (a[1] != '-')
                        return usage(cmd, "unknown option '%s'", a);
                name = a + 2;
                eq = strchr(name, '=');
                len = eq ? (size_t) (eq - name) : strlen(name);
                o = cmd->options ? find(cmd->options, name, len) : NULL;
                if (!o)
                        o = find(global_options, name, len);
                if (!o) {
                        const char *names[128], *hint;
                        char typo[64];

                        snprintf(typo, sizeof(typo), "%.*s", (int) (len < 63 ? len : 63), name);
                        hint = options_suggest(typo, names, option_names(cmd, names, ARRAY_SIZE(names)));
                        if (hint)
                                return usage(cmd, "unknown option '--%s'; did you mean '--%s'?", typo, hint);
                        return usage(cmd, "unknown option '--%s'", typo);
                }
                if (option_value(cmd, o, eq, argc, argv, &i, &arg) < 0)
                        return -EINVAL;
                if (o >= cmd->options && cmd->options && (size_t) (o - cmd->options) < ARRAY_SIZE(seen)) {
                        size_t k = (size_t) (o - cmd->options);

                        if (seen[k] && !repeatable(o) && o->kind != OPTION_BOOL)
                                return usage(cmd, "--%s is given twice", o->name);
                        if (!seen[k] && from_config[k] && repeatable(o))
                                reset_list(o);
                        seen[k] = true;
                }
                r = set_value(cmd, o, arg);
                if (r < 0)
                        return r;
        }
        for (o = cmd->options; o && o->kind != OPTION_END; o++)
                if ((o->flags & OPTION_REQUIRED) && !seen[o - cmd->options] && !from_config[o - cmd->options])
                        return usage(cmd, "--%s is required", o->name);
        if (n < cmd->min_operands)
                return usage(cmd, "missing %s", cmd->operands ? cmd->operands : "operand");
        if (n > cmd->max_operands)
                return usage(cmd, "unexpected argument '%s'", operands[cmd->max_operands]);
        *ret_n_operands = n;
        *ret_operands = TAKE_PTR(operands);
        return PARSE_OK;
}

int options_run(const struct command_spec *cmd, int argc, char **argv, char ***ret_operands,
                size_t *ret_n_operands)
{
        char **operands = NULL;
        size_t n = 0;
        int r = options_parse(cmd, argc, argv, &operands, &n);

        if (r == PARSE_OK && ret_operands) {
                *ret_operands = operands;
                *ret_n_operands = n;
        } else {
                free(operands);
        }
        return r;
}

int options_exit(int r)
{
        return r == PARSE_EXIT ? EXIT_CLEAN : EXIT_TROUBLE;
}

int options_dispatch(const char *group, const struct subcommand *subs, size_t n, int argc, char **argv)
{
        const char *names[16], *hint;
        size_t i;

        if (argc >= 2)
                for (i = 0; i < n; i++)
                        if (strcmp(argv[1], subs[i].name) == 0) {
                                static char name[64];   /* what the text summary names */

                                snprintf(name, sizeof(name), "%s %s", group, subs[i].name);
                                cli.command = name;
                                return subs[i].run(argc - 1, argv + 1);
                        }
        if (argc >= 2 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0) {
                for (i = 0; i < n && i < ARRAY_SIZE(names); i++)
                        names[i] = subs[i].name;
                hint = options_suggest(argv[1], names, i);
                if (hint)
                        return usage_error(group, "unknown subcommand '%s'; did you mean '%s'?", argv[1], hint);
                return usage_error(group, "unknown subcommand '%s'", argv[1]);
        }
        if (argc < 2)
                return usage_error(group, "a subcommand is required");
        if (options_visitor) {
                options_visitor->group(group, subs, n, options_visitor->userdata);
                for (i = 0; i < n; i++) {
                        char *help[] = { (char *) subs[i].name, (char *) "--help", NULL };

                        subs[i].run(2, help);
                }
                return EXIT_CLEAN;
        }
        printf("usage: driftwatch %s SUBCOMMAND [OPTIONS]\n\nsubcommands:\n", group);
        for (i = 0; i < n; i++)
                printf("  %-12s %s\n", subs[i].name, subs[i].summary);
        printf("\n'driftwatch %s SUBCOMMAND --help' describes each.\n", group);
        return EXIT_CLEAN;
}

/* Appends one usage item, wrapping under the command name. */
static void usage_item(FILE *f, const char *item, size_t indent, size_t *col)
{
        size_t len = strlen(item);

        if (*col + 1 + len > USAGE_WIDTH) {
                fprintf(f, "\n%*s", (int) indent, "");
                *col = indent;
        } else {
                fputc(' ', f);
                (*col)++;
        }
        fputs(item, f);
        *col += len;
}

#define HELP_COLUMNS 80

/* The len bytes of word at column *col, or first on a new line that starts
 * at column indent when they would pass HELP_COLUMNS. */
static void help_word(FILE *f, const char *word, size_t len, size_t indent, size_t *col)
{
        if (*col > indent && *col + 1 + len > HELP_COLUMNS) {
                fprintf(f, "\n%*s", (int) indent, "");
                *col = indent;
        } else if (*col > indent) {
                fputc(' ', f);
                (*col)++;
        }
        fwrite(word, 1, len, f);
        *col += len;
}

/* The words of s (a word longer than a line gets one of its own). */
static void help_words(FILE *f, const char *s, size_t indent, size_t *col)
{
        while (*s) {
                size_t len = strcspn(s, " \n");

                if (len)
                        help_word(f, s, len, indent, col);
                s += len;
                s += strspn(s, " \n");
        }
}

void options_help(const struct command_spec *cmd, FILE *f)
{
        const struct option_spec *o;
        char item[128];
        size_t col, indent, width = 0;

        col = (size_t) fprintf(f, "usage: driftwatch %s", cmd->name);
        indent = col + 1;
        for (o = cmd->options; o && o->kind != OPTION_END; o++) {
                bool req = o->flags & OPTION_REQUIRED;

                if (o->flags & OPTION_HIDDEN)
                        continue;
                snprintf(item, sizeof(item), "%s--%s%s%s%s%s", req ? "" : "[", o->name, o->arg ? " " : "",
                         o->arg ? o->arg : "", req ? "" : "]", repeatable(o) ? "..." : "");
                usage_item(f, item, indent, &col);
        }
        if (cmd->operands)
                usage_item(f, cmd->operands, indent, &col);
        fputc('\n', f);
        if (cmd->description)
                fprintf(f, "\n%s\n", cmd->description);
        else if (cmd->summary)
                fprintf(f, "\n%s.\n", cmd->summary);

        for (o = cmd->options; o && o->kind != OPTION_END; o++) {
                size_t w = strlen(o->name) + (o->arg ? strlen(o->arg) + 1 : 0);

                if (w > width)
                        width = w;
        }
        if (cmd->options && cmd->options->kind != OPTION_END)
                fputs("\noptions:\n", f);
        /* the help beside its option, or below it when the options are wide */
        indent = width + 6 <= HELP_COLUMNS / 2 ? width + 6 : 8;
        for (o = cmd->options; o && o->kind != OPTION_END; o++) {
                if (o->flags & OPTION_HIDDEN)
                        continue;
                snprintf(item, sizeof(item), "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
                fprintf(f, "  --%-*s  ", (int) width, item);
                col = width + 6;
                if (indent < col) {
                        fprintf(f, "\n%*s", (int) indent, "");
                        col = indent;
                }
                help_words(f, o->help, indent, &col);
                if (repeatable(o))
                        help_words(f, "(repeatable)", indent, &col);
                fputc('\n', f);
        }
        fputs("\nglobal options (before or after the command):", f);
        col = strlen("global options (before or after the command):");
        for (o = global_options; o->kind != OPTION_END; o++) {
                snprintf(item, sizeof(item), "--%s%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "",
                         o[1].kind == OPTION_END ? ";" : ",");
                help_word(f, item, strlen(item), 2, &col);     /* an option and its argument together */
        }
        help_words(f, "see 'driftwatch help'", 2, &col);
        fputc('\n', f);
}

/* Optimal string alignment distance, capped: enough for "did you mean". */
static size_t distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), i, j;
        size_t d[3][65];

        if (la > 64 || lb > 64)
                return 99;
        for (j = 0; j <= lb; j++)
                d[0][j] = j;
        for (i = 1; i <= la; i++) {
                size_t *row = d[i % 3], *prev = d[(i + 2) % 3], *prev2 = d[(i + 1) % 3];

                row[0] = i;
                for (j = 1; j <= lb; j++) {
                        size_t cost = a[i - 1] != b[j - 1], best = prev[j] + 1;

                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        if (prev[j - 1] + cost < best)
                                best = prev[j - 1] + cost;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < best)
                                best = prev2[j - 2] + 1;
                        row[j] = best;
                }
        }
        return d[la % 3][lb];
}

const char *options_suggest(const char *typo, const char *const *names, size_t n)
{
        const char *best = NULL;
        size_t best_d = 3, i;

        for (i = 0; i < n; i++) {
                size_t d = distance(typo, names[i]);

                if (d < best_d || (d == best_d && best && strlen(names[i]) < strlen(best))) {
                        best = names[i];
                        best_d = d;
                }
        }
        return best;
}
