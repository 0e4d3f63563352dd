/* The man pages and completion scripts, from the option tables; see generate.h.
 * Each command is run with --help while options_visitor is set: its table
 * comes here instead of being printed. */
#define _GNU_SOURCE
#include "generate.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"

#define MAX_TABLES 64

/* help and version describe the others: no page of their own. */
static bool has_page(const struct command *c)
{
        return strcmp(c->name, "help") != 0 && strcmp(c->name, "version") != 0;
}

/* Runs c with --help while v is the visitor: 0, or -ENOENT when c's --help
 * reached no table. */
static int visit(const struct command *c, const struct options_visitor *v, unsigned *calls)
{
        char *help[] = { (char *) c->name, (char *) "--help", NULL };
        unsigned before = *calls;

        options_visitor = v;
        c->run(2, help);
        options_visitor = NULL;
        return *calls > before ? 0 : -ENOENT;
}

static void ignore_command(const struct command_spec *cmd, void *userdata)
{
        (*(unsigned *) userdata)++;
}

static void note_group(const char *group, const struct subcommand *subs, size_t n, void *userdata)
{
        (*(unsigned *) userdata) += 1000;
}

bool command_has_subcommands(const struct command *c)
{
        unsigned calls = 0;
        const struct options_visitor v = { ignore_command, note_group, &calls };

        (void) visit(c, &v, &calls);
        return calls >= 1000;
}

/* Text for roff: '\' as \e, '-' as \-, a line that starts with '.' or '\'' guarded. */
static void roff(FILE *f, const char *s)
{
        bool bol = true;

        for (; s && *s; s++) {
                if (bol && (*s == '.' || *s == '\''))
                        fputs("\\&", f);
                bol = *s == '\n';
                if (*s == '\\')
                        fputs("\\e", f);
                else if (*s == '-')
                        fputs("\\-", f);
                else
                        fputc(*s, f);
        }
}

/* A description as roff: paragraphs filled, a blank line a new paragraph,
 * indented lines (tables of sources, examples) kept as they are. */
static void roff_text(FILE *f, const char *s)
{
        bool nofill = false;

        while (s && *s) {
                const char *nl = strchr(s, '\n');
                size_t len = nl ? (size_t) (nl - s) : strlen(s);
                _cleanup_(freep) char *line = strndup(s, len);

                if (!line)
                        return;
                if (len == 0) {
                        fputs(nofill ? ".fi\n.PP\n" : ".PP\n", f);
                        nofill = false;
                } else {
                        if ((line[0] == ' ') != nofill)
                                fputs(nofill ? ".fi\n" : ".nf\n", f);
                        nofill = line[0] == ' ';
                        roff(f, line);
                        fputc('\n', f);
                }
                s = nl ? nl + 1 : s + len;
        }
        if (nofill)
                fputs(".fi\n", f);
}

static bool repeatable(const struct option_spec *o)
{
        return o->kind == OPTION_PATHS || o->kind == OPTION_FILES;
}

static void man_option_name(FILE *f, const struct option_spec *o)
{
        fputs("\\fB\\-\\-", f);
        roff(f, o->name);
        fputs("\\fR", f);
        if (o->arg) {
                fputs(" \\fI", f);
                roff(f, o->arg);
                fputs("\\fR", f);
        }
}

static void man_options(FILE *f, const struct option_spec *o)
{
        for (; o && o->kind != OPTION_END; o++) {
                if (o->flags & OPTION_HIDDEN)
                        continue;
                fputs(".TP\n", f);
                man_option_name(f, o);
                fputc('\n', f);
                roff(f, o->help);
                fputs(repeatable(o) ? " (repeatable)\n" : "\n", f);
        }
}

struct man {
        FILE *f;
        unsigned pass;          /* 0: the synopsis lines, 1: the body */
        unsigned calls;
        bool group;
};

static void man_command(const struct command_spec *cmd, void *userdata)
{
        struct man *m = userdata;
        const struct option_spec *o;
        FILE *f = m->f;

        m->calls++;
        if (m->pass == 0) {
                fputs("\\fBdriftwatch ", f);
                roff(f, cmd->name);
                fputs("\\fR", f);
                for (o = cmd->options; o && o->kind != OPTION_END; o++) {
                        bool req = o->flags & OPTION_REQUIRED;

                        if (o->flags & OPTION_HIDDEN)
                                continue;
                        fputs(req ? " " : " [", f);
                        man_option_name(f, o);
                        fputs(req ? "" : "]", f);
                        fputs(repeatable(o) ? "..." : "", f);
                }
                if (cmd->operands) {
                        fputc(' ', f);
                        roff(f, cmd->operands);
                }
                fputs("\n.br\n", f);
                return;
        }
        if (m->group) {
                fputs(".SS \"driftwatch ", f);
                roff(f, cmd->name);
                fputs("\"\n", f);
        } else {
                fputs(".SH DESCRIPTION\n", f);
        }
        roff_text(f, cmd->description ?: cmd->summary);
        if (cmd->options && cmd->options->kind != OPTION_END) {
                fputs(m->group ? ".PP\nOptions:\n" : ".SH OPTIONS\n", f);
                man_options(f, cmd->options);
        }
}

static void man_group(const char *group, const struct subcommand *subs, size_t n, void *userdata)
{
        struct man *m = userdata;
        size_t i;

        m->calls++;
        m->group = true;
        if (m->pass == 0)
                return;
        fputs(".SH SUBCOMMANDS\n", m->f);
        for (i = 0; i < n; i++) {
                fputs(".TP\n\\fB", m->f);
                roff(m->f, subs[i].name);
                fputs("\\fR\n", m->f);
                roff(m->f, subs[i].summary);
                fputc('\n', m->f);
        }
}

static void man_header(FILE *f, const char *page, const char *summary, const char *version)
{
        const char *p;

        fputs(".\\\" Generated from driftwatch's option tables by 'driftwatch __man'; do not edit.\n.TH \"", f);
        for (p = page; *p; p++)
                fputc(*p == '-' ? '-' : toupper((unsigned char) *p), f);
        fprintf(f, "\" \"1\" \"\" \"driftwatch %s\" \"driftwatch manual\"\n.SH NAME\n", version);
        roff(f, page);
        fputs(" \\- ", f);
        roff(f, summary);
        fputs("\n", f);
}

static void man_footer(FILE *f, const char *group)
{
        fputs(".SH GLOBAL OPTIONS\nGiven before or after the command's name.\n", f);
        man_options(f, options_globals());
        fputs(".SH CONFIGURATION\n"
              "Every option can be given a default in the configuration file, \\fI" DEFAULT_CONFIG_PATH "\\fR\n"
              "(or the file \\fB\\-\\-config\\fR names): \\fIoption\\fR = \\fIvalue\\fR, the option's long name\n"
              "without its dashes, in the group \\fB[", f);
        roff(f, group ? group : "COMMAND");
        fputs("]\\fR for this command, or in \\fB[driftwatch]\\fR for every command that has the option.\n"
              "The command line wins over the file. See \\fBdriftwatch\\fR(1) and docs/configuration.md.\n"
              ".SH EXIT STATUS\n.TP\n0\nnothing to look at: no alert\n.TP\n1\nat least one alert\n"
              ".TP\n2\na usage or runtime error (one line on standard error)\n.SH SEE ALSO\n", f);
        fputs(group ? "\\fBdriftwatch\\fR(1)\n" : "", f);
}

static int man_page(const struct command *c, const char *version, FILE *f)
{
        struct man m = { .f = f };
        const struct options_visitor v = { man_command, man_group, &m };
        char page[128];
        int r;

        snprintf(page, sizeof(page), "driftwatch-%s", c->name);
        man_header(f, page, c->summary, version);
        fputs(".SH SYNOPSIS\n", f);
        r = visit(c, &v, &m.calls);
        if (r < 0)
                return r;
        m.pass = 1;
        r = visit(c, &v, &m.calls);
        if (r < 0)
                return r;
        man_footer(f, c->name);
        return 0;
}

static void main_page(const struct command *cmds, size_t n, const char *version, FILE *f)
{
        size_t i;
        bool first = true;

        man_header(f, "driftwatch", "drift and persistence detection for image-mode Linux hosts", version);
        fputs(".SH SYNOPSIS\n\\fBdriftwatch\\fR [\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
              ".SH DESCRIPTION\n"
              "driftwatch finds drift and persistence on image-mode Linux hosts (bootc, rpm-ostree, ostree)\n"
              "and, with a recorded baseline, on any host: files changed against the image or the baseline,\n"
              "/etc against the image's defaults, deployment and status transitions, extension images,\n"
              "mounts, posture settings, and auditd logs explained. Findings are text for a person or\n"
              "JSON Lines with ECS field names for a SIEM. Each command has its own page.\n"
              ".SH COMMANDS\n", f);
        for (i = 0; i < n; i++) {
                fputs(".TP\n\\fB", f);
                roff(f, cmds[i].name);
                fputs("\\fR\n", f);
                roff(f, cmds[i].summary);
                if (has_page(&cmds[i])) {
                        fputs(" See \\fBdriftwatch\\-", f);
                        roff(f, cmds[i].name);
                        fputs("\\fR(1).", f);
                }
                fputc('\n', f);
        }
        fputs(".SH GLOBAL OPTIONS\n", f);
        man_options(f, options_globals());
        fputs(".TP\n\\fB\\-\\-format\\fR \\fIFORMAT\\fR\nbefore the command: the command's \\fB\\-\\-format\\fR\n"
              ".TP\n\\fB\\-\\-help\\fR\nthe help of driftwatch, or of the command\n"
              ".TP\n\\fB\\-\\-version\\fR\nprint the version\n"
              ".SH FILES\n.TP\n\\fI" DEFAULT_CONFIG_PATH "\\fR\n"
              "the configuration file: defaults for the options, in groups [driftwatch] (every command)\n"
              "and [COMMAND]; \\fBoutputs\\fR there says where the agent ships findings\n"
              ".TP\n\\fI" DEFAULT_RULES_DIR "\\fR\nrules layers over the built-in rules, in name order\n"
              ".TP\n\\fI" DEFAULT_STATE_DIR "\\fR\nbaselines and state of scan, status and mounts\n", f);
        man_footer(f, NULL);
        for (i = 0; i < n; i++) {
                if (!has_page(&cmds[i]))
                        continue;
                fputs(first ? "" : ",\n", f);
                fputs("\\fBdriftwatch\\-", f);
                roff(f, cmds[i].name);
                fputs("\\fR(1)", f);
                first = false;
        }
        fputs("\n", f);
}

static const struct command *find(const struct command *cmds, size_t n, const char *name)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (strcmp(cmds[i].name, name) == 0 && has_page(&cmds[i]))
                        return &cmds[i];
        return NULL;
}

static int write_page(const char *dir, const char *page, const struct command *c, const struct command *cmds,
                      size_t n, const char *version)
{
        _cleanup_(fclosep) FILE *f = NULL;
        char path[PATH_MAX];
        int r = 0;

        snprintf(path, sizeof(path), "%s/%s.1", dir, page);
        f = fopen(path, "we");
        if (!f)
                return error("cannot write man page '%s': %s", path, strerror(errno));
        if (c)
                r = man_page(c, version, f);
        else
                main_page(cmds, n, version, f);
        if (r < 0)
                return error("command '%s' has no option table", c->name);
        if (fflush(f) != 0 || ferror(f))
                return error("cannot write man page '%s': %s", path, strerror(errno ?: EIO));
        return EXIT_CLEAN;
}

int generate_man(const struct command *cmds, size_t n, const char *version, int argc, char **argv)
{
        const struct command *c;
        char page[128];
        size_t i;

        if (argc == 3 && strcmp(argv[1], "--all") == 0) {
                if (write_page(argv[2], "driftwatch", NULL, cmds, n, version) != EXIT_CLEAN)
                        return EXIT_TROUBLE;
                for (i = 0; i < n; i++) {
                        if (!has_page(&cmds[i]))
                                continue;
                        snprintf(page, sizeof(page), "driftwatch-%s", cmds[i].name);
                        if (write_page(argv[2], page, &cmds[i], cmds, n, version) != EXIT_CLEAN)
                                return EXIT_TROUBLE;
                }
                return EXIT_CLEAN;
        }
        if (argc > 2)
                return usage_error("__man", "expected [COMMAND] or --all DIR");
        if (argc == 1) {
                main_page(cmds, n, version, stdout);
                return EXIT_CLEAN;
        }
        c = find(cmds, n, argv[1]);
        if (!c)
                return error("no man page for '%s'", argv[1]);
        if (man_page(c, version, stdout) < 0)
                return error("command '%s' has no option table", c->name);
        return EXIT_CLEAN;
}

/* Completion: every table, copied while its command runs (the strings in
 * them are literals; the values they point to are not used). */
struct table {
        const char *name;
        struct option_spec *options;
};

struct tables {
        struct table v[MAX_TABLES];
        size_t n;
        unsigned calls;
        struct {
                const char *name;
                const struct subcommand *subs;
                size_t n;
        } groups[16];
        size_t n_groups;
};

static void tables_release(struct tables *t)
{
        size_t i;

        for (i = 0; i < t->n; i++)
                free(t->v[i].options);
}

static void collect_command(const struct command_spec *cmd, void *userdata)
{
        struct tables *t = userdata;
        size_t k = 0;

        t->calls++;
        if (t->n >= MAX_TABLES)
                return;
        while (cmd->options && cmd->options[k].kind != OPTION_END)
                k++;
        t->v[t->n].name = cmd->name;
        t->v[t->n].options = calloc(k + 1, sizeof(struct option_spec));
        if (t->v[t->n].options && k)
                memcpy(t->v[t->n].options, cmd->options, k * sizeof(struct option_spec));
        if (t->v[t->n].options)
                t->n++;
}

static void collect_group(const char *group, const struct subcommand *subs, size_t n, void *userdata)
{
        struct tables *t = userdata;

        t->calls++;
        if (t->n_groups < ARRAY_SIZE(t->groups)) {
                t->groups[t->n_groups].name = group;
                t->groups[t->n_groups].subs = subs;
                t->groups[t->n_groups++].n = n;
        }
}

/* What an option's argument is, for the shells: NULL for a flag. */
static const char *arg_kind(const struct option_spec *o)
{
        if (o->kind == OPTION_BOOL)
                return NULL;
        if (o->kind == OPTION_FORMAT)
                return "format";
        if (o->kind == OPTION_PATHS || (o->arg && strstr(o->arg, "DIR")))
                return "dir";
        if (o->kind == OPTION_FILES || (o->arg && (strstr(o->arg, "FILE") || strstr(o->arg, "PATH"))))
                return "file";
        return "word";
}

/* s in single quotes for either shell. */
static void sq(FILE *f, const char *s)
{
        fputc('\'', f);
        for (; *s; s++)
                if (*s == '\'')
                        fputs("'\\''", f);
                else
                        fputc(*s, f);
        fputc('\'', f);
}

/* The key of one entry of an associative array, up to its value: zsh's
 * arrays are "key value ...", bash's "[key]=value ...". */
static void assoc_key(FILE *f, bool zsh, const char *key)
{
        fputs(zsh ? "        " : "        [", f);
        sq(f, key);
        fputs(zsh ? " " : "]=", f);
}

static const char bash_body[] =
        "_driftwatch_kind() {\n"
        "        local k=${_driftwatch_arguments[\"$1 $2\"]}\n"
        "        printf '%s' \"${k:-${_driftwatch_arguments[\"* $2\"]}}\"\n"
        "}\n"
        "_driftwatch() {\n"
        "        local cur=${COMP_WORDS[COMP_CWORD]} prev= p= i w k=\n"
        "        ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
        "        for ((i = 1; i < COMP_CWORD; i++)); do\n"
        "                w=${COMP_WORDS[i]}\n"
        "                case $w in\n"
        "                --) break ;;\n"
        "                --*=*) ;;\n"
        "                -*) [[ -n $(_driftwatch_kind \"$p\" \"$w\") ]] && ((i++)) ;;\n"
        "                *) if [[ -z $p ]]; then\n"
        "                        p=$w\n"
        "                   elif [[ $p != *' '* && -n ${_driftwatch_subcommands[$p]} ]]; then\n"
        "                        p=\"$p $w\"\n"
        "                   fi ;;\n"
        "                esac\n"
        "        done\n"
        "        COMPREPLY=()\n"
        "        [[ $prev == --* && $prev != *=* ]] && k=$(_driftwatch_kind \"$p\" \"$prev\")\n"
        "        case $k in\n"
        "        file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
        "        dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\")); return ;;\n"
        "        format) COMPREPLY=($(compgen -W 'text json' -- \"$cur\")); return ;;\n"
        "        word) return ;;\n"
        "        esac\n"
        "        if [[ $cur == -* && -z $p ]]; then\n"
        "                COMPREPLY=($(compgen -W \"$_driftwatch_global --format --help --version\" -- \"$cur\"))\n"
        "        elif [[ $cur == -* ]]; then\n"
        "                COMPREPLY=($(compgen -W \"${_driftwatch_options[$p]} $_driftwatch_global --help\" -- \"$cur\"))\n"
        "        elif [[ -z $p || $p == help ]]; then\n"
        "                COMPREPLY=($(compgen -W \"$_driftwatch_commands\" -- \"$cur\"))\n"
        "        elif [[ $p != *' '* && -n ${_driftwatch_subcommands[$p]} ]]; then\n"
        "                COMPREPLY=($(compgen -W \"${_driftwatch_subcommands[$p]}\" -- \"$cur\"))\n"
        "        else\n"
        "                compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))\n"
        "        fi\n"
        "}\n"
        "complete -F _driftwatch driftwatch\n";

static const char zsh_body[] =
        "_driftwatch() {\n"
        "        local cur=${words[CURRENT]} prev=${words[CURRENT-1]} p= i w k= key\n"
        "        for (( i = 2; i < CURRENT; i++ )); do\n"
        "                w=${words[i]}\n"
        "                case $w in\n"
        "                (--) break ;;\n"
        "                (--*=*) ;;\n"
        "                (-*) key=\"$p $w\"; k=${_driftwatch_arguments[$key]}; key=\"* $w\"\n"
        "                     [[ -n $k || -n ${_driftwatch_arguments[$key]} ]] && (( i++ )) ;;\n"
        "                (*) if [[ -z $p ]]; then\n"
        "                        p=$w\n"
        "                    elif [[ $p != *' '* && -n ${_driftwatch_subcommands[$p]} ]]; then\n"
        "                        p=\"$p $w\"\n"
        "                    fi ;;\n"
        "                esac\n"
        "        done\n"
        "        k=\n"
        "        if [[ $prev == --* && $prev != *=* ]]; then\n"
        "                key=\"$p $prev\"; k=${_driftwatch_arguments[$key]}\n"
        "                key=\"* $prev\"; [[ -n $k ]] || k=${_driftwatch_arguments[$key]}\n"
        "        fi\n"
        "        case $k in\n"
        "        (file) _files; return ;;\n"
        "        (dir) _files -/; return ;;\n"
        "        (format) compadd text json; return ;;\n"
        "        (word) _message 'a value'; return ;;\n"
        "        esac\n"
        "        if [[ $cur == -* && -z $p ]]; then\n"
        "                compadd -- ${=_driftwatch_global} --format --help --version\n"
        "        elif [[ $cur == -* ]]; then\n"
        "                compadd -- ${=_driftwatch_options[$p]} ${=_driftwatch_global} --help\n"
        "        elif [[ -z $p || $p == help ]]; then\n"
        "                _describe command _driftwatch_described\n"
        "        elif [[ $p != *' '* && -n ${_driftwatch_subcommands[$p]} ]]; then\n"
        "                compadd -- ${=_driftwatch_subcommands[$p]}\n"
        "        else\n"
        "                _files\n"
        "        fi\n"
        "}\n"
        "_driftwatch \"$@\"\n";

static void completion(const struct command *cmds, size_t n, const struct tables *t, bool zsh, FILE *f)
{
        const struct option_spec *g = options_globals(), *o;
        const char *kind;
        size_t i, j;

        fprintf(f, "%s# %s completion for driftwatch: generated from its option tables by\n"
                   "# 'driftwatch __completion %s'; do not edit.\n",
                zsh ? "#compdef driftwatch\n" : "", zsh ? "zsh" : "bash", zsh ? "zsh" : "bash");
        fputs(zsh ? "typeset -gA _driftwatch_subcommands _driftwatch_options _driftwatch_arguments\n"
                    "typeset -ga _driftwatch_described\n"
                  : "declare -gA _driftwatch_subcommands _driftwatch_options _driftwatch_arguments\n", f);
        fputs("_driftwatch_commands='", f);
        for (i = 0; i < n; i++)
                fprintf(f, "%s%s", i ? " " : "", cmds[i].name);
        fputs("'\n_driftwatch_global='", f);
        for (o = g; o->kind != OPTION_END; o++)
                fprintf(f, "%s--%s", o == g ? "" : " ", o->name);
        fputs(" -q'\n", f);
        if (zsh) {
                fputs("_driftwatch_described=(\n", f);
                for (i = 0; i < n; i++) {
                        char item[512];

                        snprintf(item, sizeof(item), "%s:%s", cmds[i].name, cmds[i].summary);
                        fputs("        ", f);
                        sq(f, item);
                        fputc('\n', f);
                }
                fputs(")\n", f);
        }
        fputs("_driftwatch_subcommands=(\n", f);
        for (i = 0; i < t->n_groups; i++) {
                assoc_key(f, zsh, t->groups[i].name);
                fputc('\'', f);
                for (j = 0; j < t->groups[i].n; j++)
                        fprintf(f, "%s%s", j ? " " : "", t->groups[i].subs[j].name);
                fputs("'\n", f);
        }
        fputs(")\n_driftwatch_options=(\n", f);
        for (i = 0; i < t->n; i++) {
                assoc_key(f, zsh, t->v[i].name);
                fputc('\'', f);
                for (o = t->v[i].options; o->kind != OPTION_END; o++)
                        if (!(o->flags & OPTION_HIDDEN))
                                fprintf(f, "%s--%s", o == t->v[i].options ? "" : " ", o->name);
                fputs("'\n", f);
        }
        fputs(")\n_driftwatch_arguments=(\n", f);
        for (i = 0; i <= t->n; i++)
                for (o = i < t->n ? t->v[i].options : g; o->kind != OPTION_END; o++) {
                        char key[256];

                        kind = arg_kind(o);
                        if (!kind)
                                continue;
                        snprintf(key, sizeof(key), "%s --%s", i < t->n ? t->v[i].name : "*", o->name);
                        assoc_key(f, zsh, key);
                        fprintf(f, "%s\n", kind);
                }
        fprintf(f, "        %s'* --format'%sformat\n)\n", zsh ? "" : "[", zsh ? " " : "]=");
        fputs(zsh ? zsh_body : bash_body, f);
}

int generate_completion(const struct command *cmds, size_t n, int argc, char **argv)
{
        _cleanup_(tables_release) struct tables t = { 0 };
        const struct options_visitor v = { collect_command, collect_group, &t };
        size_t i;

        _cleanup_(fclosep) FILE *out = NULL;

        if (argc < 2 || argc > 3 || (strcmp(argv[1], "bash") != 0 && strcmp(argv[1], "zsh") != 0))
                return usage_error("__completion", "expected bash or zsh, and an output file or none");
        for (i = 0; i < n; i++)
                if (has_page(&cmds[i]) && visit(&cmds[i], &v, &t.calls) < 0)
                        return error("command '%s' has no option table", cmds[i].name);
        if (argc == 3 && !(out = fopen(argv[2], "we")))
                return error("cannot write completion '%s': %s", argv[2], strerror(errno));
        completion(cmds, n, &t, strcmp(argv[1], "zsh") == 0, out ?: stdout);
        if (out && (fflush(out) != 0 || ferror(out)))
                return error("cannot write completion '%s': %s", argv[2], strerror(errno ?: EIO));
        return EXIT_CLEAN;
}
