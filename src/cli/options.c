/* Declarative command lines; see options.h. */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "basic/workers.h"
#include "cli.h"

/* The options every command takes, wherever they appear. */
static const struct option_spec global_options[] = {
        OPT_BOOL("quiet", &cli.quiet, "no progress line and no summary on stderr"),
        OPT_STRING("rules", &cli.rules_path, "FILE", "detection content layered over the built-in rules"),
        OPT_STRING("rules-dir", &cli.rules_dir, "DIR", "the directory of rules layers (/etc/driftwatch/rules.d)"),
        OPT_END(),
};

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
        if (cmd->name)
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
        const char *a = strcmp(argv[*i], "-q") == 0 ? "--quiet" : argv[*i], *name, *eq, *arg;
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

int options_parse(const struct command_spec *cmd, int argc, char **argv, char ***ret_operands,
                  size_t *ret_n_operands)
{
        _cleanup_(freep) char **operands = calloc((size_t) argc + 1, sizeof(char *));
        const struct option_spec *o;
        bool seen[128] = { false };
        bool only_operands = false;
        size_t n = 0;
        int i, r;

        if (!operands)
                return error("out of memory"), -ENOMEM;
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
                        options_help(cmd, stdout);
                        return PARSE_EXIT;
                }
                if (strcmp(a, "-q") == 0)
                        a = "--quiet";
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
                        seen[k] = true;
                }
                r = set_value(cmd, o, arg);
                if (r < 0)
                        return r;
        }
        for (o = cmd->options; o && o->kind != OPTION_END; o++)
                if ((o->flags & OPTION_REQUIRED) && !seen[o - cmd->options])
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
                        if (strcmp(argv[1], subs[i].name) == 0)
                                return subs[i].run(argc - 1, argv + 1);
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
        for (o = cmd->options; o && o->kind != OPTION_END; o++) {
                if (o->flags & OPTION_HIDDEN)
                        continue;
                snprintf(item, sizeof(item), "%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
                fprintf(f, "  --%-*s  %s%s\n", (int) width, item, o->help,
                        repeatable(o) ? " (repeatable)" : "");
        }
        fputs("\nglobal options (before or after the command): --quiet, --rules FILE, --rules-dir DIR; "
              "see 'driftwatch help'\n", f);
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
