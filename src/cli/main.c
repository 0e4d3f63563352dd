/* driftwatch: drift and persistence detection for image-mode Linux hosts.
 * Entry point: global options, then one command (git style); 'help' and
 * 'version' are commands too. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "generate.h"
#include "options.h"
#include "parse/dw-conf.h"

#ifndef DRIFTWATCH_VERSION
#define DRIFTWATCH_VERSION "0.1.0"
#endif

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct command commands[] = {
        { "scan",        cmd_scan,        "run every check that applies to this host (the main job)" },
        { "baseline",    cmd_baseline,    "create or show a baseline (directory or ostree commit)" },
        { "check",       cmd_check,       "check a tree against a baseline" },
        { "status",      cmd_status,      "bootc / rpm-ostree status: image transitions since the last run" },
        { "etc-diff",    cmd_etc_diff,    "compare /etc with the image's /usr/etc; predict the /etc merge" },
        { "image",       cmd_image,       "list ostree deployments; verify a deployment's /usr against its commit" },
        { "mounts",      cmd_mounts,      "mount table snapshots: new overlays, /usr read-write, verity removed" },
        { "posture",     cmd_posture,     "the settings that decide what the next upgrade accepts: signature policy, ostree remotes, registries" },
        { "audit",       cmd_audit,       "auditd logs to explained alerts (raw event view: --events)" },
        { "journal",     cmd_journal,     "journal analytics: deployments, extension merges, audit pipeline health" },
        { "inventory",   cmd_inventory,   "sysext, confext and portable images: what is there, what is merged" },
        { "audit-rules", cmd_audit_rules, "print the auditd rules (rules.d) the audit analytics expect" },
        /* container drift */
        { "container",   cmd_container,   "containers against their images: files added, modified, deleted; image digests; pod posture" },
        { "agent",       cmd_agent,       "the daemon: every check on a schedule, the audit stream live, findings shipped to the SIEM" },
        { "report",      cmd_report,      "the evidence report: per NIST 800-53 control, checks, findings, allowlists and their trend" },
        { "help",        cmd_help,        "describe driftwatch, or one command" },
        { "version",     cmd_version,     "print the version" },
};

static void help(FILE *f)
{
        size_t i;

        fprintf(f, "usage: driftwatch [--quiet] [--verbose] [--rules FILE] [--rules-dir DIR] COMMAND [ARGS]\n\n"
                   "Finds drift and persistence on image-mode Linux hosts.\n\ncommands:\n");
        for (i = 0; i < ARRAY_SIZE(commands); i++)
                fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
        fprintf(f, "\nglobal options (before or after the command):\n"
                   "  --rules FILE     detection content layered over the built-in rules/default.yaml:\n"
                   "                   it adds, replaces or disables surfaces and rules by id\n"
                   "  --rules-dir DIR  more layers, every DIR/*.yaml in name order after --rules\n"
                   "                   (default " DEFAULT_RULES_DIR ", skipped when missing)\n"
                   "  --quiet, -q      no progress line and no summary (the findings only)\n"
                   "  --progress       the progress line of long walks even when stderr is not a terminal\n"
                   "  --verbose, -v    text: the details under each finding, and the events\n"
                   "  --color WHEN     text: colour the severities: auto (a terminal without NO_COLOR),\n"
                   "                   always or never\n"
                   "  --config FILE    the configuration file (default " DEFAULT_CONFIG_PATH "):\n"
                   "                   defaults for the options; the command line wins\n"
                   "  --format FMT     before the command: the command's --format\n"
                   "  --version        print the version\n"
                   "\nexit status: 0 no alert, 1 at least one alert, 2 usage or runtime error\n"
                   "'driftwatch help COMMAND' (or 'driftwatch COMMAND --help') describes each command.\n");
}

static const struct command *find_command(const char *name)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(commands); i++)
                if (strcmp(name, commands[i].name) == 0)
                        return &commands[i];
        return NULL;
}

static int unknown_command(const char *name)
{
        const char *names[ARRAY_SIZE(commands)], *hint;
        size_t i;

        for (i = 0; i < ARRAY_SIZE(commands); i++)
                names[i] = commands[i].name;
        hint = options_suggest(name, names, ARRAY_SIZE(names));
        if (hint)
                return error("unknown command '%s'; did you mean '%s'? (see 'driftwatch help')", name, hint);
        return error("unknown command '%s' (see 'driftwatch help')", name);
}

/* Each group of the configuration file names a command ("scan") or a
 * subcommand ("baseline create"), not a typo or a group of subcommands:
 * EXIT_CLEAN, or the error (file and line) printed and EXIT_TROUBLE. */
static int check_config_groups(void)
{
        size_t i;

        for (i = 0; cli_conf && i < cli_conf->kf->n; i++) {
                const struct keyfile_entry *e = &cli_conf->kf->v[i];
                const char *sp = strchr(e->group, ' ');
                char first[64];
                size_t k;

                if (strcmp(e->group, DW_CONF_GROUP) == 0)
                        continue;
                snprintf(first, sizeof(first), "%.*s", (int) (sp ? (size_t) (sp - e->group) : strlen(e->group)),
                         e->group);
                for (k = 0; k < ARRAY_SIZE(commands); k++)
                        if (strcmp(first, commands[k].name) == 0)
                                break;
                if (k == ARRAY_SIZE(commands))
                        return error("bad configuration '%s': line %u: no command '%s' for [%s]", cli_conf_path,
                                     e->line, first, e->group);
                if (!sp && command_has_subcommands(&commands[k]))
                        return error("bad configuration '%s': line %u: [%s] has subcommands: name one, as "
                                     "[%s SUBCOMMAND]", cli_conf_path, e->line, e->group, e->group);
        }
        return EXIT_CLEAN;
}

static int cmd_help(int argc, char **argv)
{
        const struct command *c;
        char *sub[] = { NULL, NULL, "--help", NULL };

        if (argc < 2) {
                help(stdout);
                return EXIT_CLEAN;
        }
        if (argc > 3)
                return usage_error("help", "unexpected argument '%s'", argv[3]);
        c = find_command(argv[1]);
        if (!c || c->run == cmd_help || c->run == cmd_version)
                return c ? (help(stdout), EXIT_CLEAN) : unknown_command(argv[1]);
        /* 'help baseline create' is 'baseline create --help'. */
        sub[0] = argv[1];
        if (argc == 3) {
                sub[1] = argv[2];
                return c->run(3, sub);
        }
        sub[1] = "--help";
        sub[2] = NULL;
        return c->run(2, sub);
}

static int cmd_version(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--help") != 0)
                return usage_error("version", "unexpected argument '%s'", argv[1]);
        printf("driftwatch %s\n", DRIFTWATCH_VERSION);
        return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
        const char *format = NULL;
        const struct command *c;
        char **sub;
        int i, n;

        /* The global options before the command; --format there is the command's. */
        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];
                int r = options_global(argc, argv, &i);

                if (r < 0)
                        return EXIT_TROUBLE;
                if (r > 0)
                        continue;
                if (strcmp(a, "--format") == 0 && i + 1 >= argc)
                        return error("--format needs FORMAT (see 'driftwatch help')");
                else if (strcmp(a, "--format") == 0)
                        format = argv[++i];
                else if (strncmp(a, "--format=", 9) == 0)
                        format = a + 9;
                else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
                        return help(stdout), EXIT_CLEAN;
                else if (strcmp(a, "--version") == 0)
                        return cmd_version(1, argv);
                else
                        return error("unknown option '%s' (see 'driftwatch help')", a);
        }
        if (i >= argc) {
                help(stderr);
                return EXIT_TROUBLE;
        }
        /* Hidden: the man pages and completion, from the option tables (the build runs these). */
        if (strcmp(argv[i], "__man") == 0)
                return generate_man(commands, ARRAY_SIZE(commands), DRIFTWATCH_VERSION, argc - i, argv + i);
        if (strcmp(argv[i], "__completion") == 0)
                return generate_completion(commands, ARRAY_SIZE(commands), argc - i, argv + i);
        c = find_command(argv[i]);
        if (!c)
                return unknown_command(argv[i]);
        /* The configuration file's values become the options' defaults. */
        if (c->run != cmd_help && c->run != cmd_version &&
            (cli_config_load(argc, argv) != EXIT_CLEAN || check_config_groups() != EXIT_CLEAN))
                return EXIT_TROUBLE;
        cli_install_signals();
        cli.command = c->name;  /* what the text summary names; "image verify": options_dispatch() */

        /* The command sees its own name, its arguments, and a --format given
         * before its name as if it came after. */
        n = argc - i;
        sub = calloc((size_t) n + 3, sizeof(char *));
        if (!sub)
                return error("out of memory");
        memcpy(sub, argv + i, (size_t) n * sizeof(char *));
        if (format) {
                sub[n++] = "--format";
                sub[n++] = (char *) format;
        }
        cli_run_begin();
        i = c->run(n, sub);
        free(sub);
        /* What is still buffered: a reader that went away ends quietly, any
         * other failure to write is an error, never a clean exit. */
        if (i != EXIT_TROUBLE && i != EXIT_CLOSED_OUTPUT && (fflush(stdout) == EOF || ferror(stdout))) {
                if (errno == EPIPE)
                        return EXIT_CLOSED_OUTPUT;
                return error("cannot write output: %s", strerror(errno ?: EIO));
        }
        return i;
}
