/* driftwatch: drift and persistence detection for image-mode Linux hosts.
 * Entry point: global options, then one subcommand (git style). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef DRIFTWATCH_VERSION
#define DRIFTWATCH_VERSION "0.1.0"
#endif

struct command {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
};

static const struct command commands[] = {
        { "scan",     cmd_scan,     "run every check that applies to this host (the main job)" },
        { "baseline", cmd_baseline, "create or show a baseline (directory or ostree commit)" },
        { "check",    cmd_check,    "check a tree against a baseline" },
        { "status",   cmd_status,   "bootc / rpm-ostree status: image transitions since the last run" },
        { "etc-diff", cmd_etc_diff, "compare /etc with the image's /usr/etc; predict the /etc merge" },
        { "image",    cmd_image,    "list ostree deployments; verify a deployment's /usr against its commit" },
        { "audit",    cmd_audit,    "read auditd logs into events (raw event view: --events)" },
        { "audit-rules", cmd_audit_rules, "print the auditd rules (rules.d) the audit analytics expect" },
};

static void help(FILE *f)
{
        size_t i;

        fprintf(f, "usage: driftwatch [--rules FILE] [--quiet] COMMAND [ARGS]\n\n"
                   "Finds drift and persistence on image-mode Linux hosts.\n\ncommands:\n");
        for (i = 0; i < ARRAY_SIZE(commands); i++)
                fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
        fprintf(f, "\noptions:\n"
                   "  --rules FILE   detection content to use instead of the built-in rules/default.yaml\n"
                   "  --quiet        no progress line and no summary on stderr\n"
                   "  --version      print the version\n"
                   "\nexit status: 0 no alert, 1 at least one alert, 2 usage or runtime error\n"
                   "'driftwatch COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "rules",   required_argument, NULL, 'r' },
                { "quiet",   no_argument,       NULL, 'q' },
                { "help",    no_argument,       NULL, 'h' },
                { "version", no_argument,       NULL, 'V' },
                {}
        };
        size_t i;
        int c;

        /* '+': stop at the first non-option, the subcommand. */
        while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        cli.rules_path = optarg;
                        break;
                case 'q':
                        cli.quiet = true;
                        break;
                case 'h':
                        help(stdout);
                        return EXIT_CLEAN;
                case 'V':
                        printf("driftwatch %s\n", DRIFTWATCH_VERSION);
                        return EXIT_CLEAN;
                default:
                        help(stderr);
                        return EXIT_TROUBLE;
                }
        }
        if (optind >= argc) {
                help(stderr);
                return EXIT_TROUBLE;
        }
        cli_install_signals();
        for (i = 0; i < ARRAY_SIZE(commands); i++)
                if (strcmp(argv[optind], commands[i].name) == 0) {
                        int sub_argc = argc - optind;

                        optind = 0;     /* each command parses its own options: 0 resets getopt fully */
                        return commands[i].run(sub_argc, argv + (argc - sub_argc));
                }
        fprintf(stderr, "driftwatch: unknown command '%s' (see 'driftwatch --help')\n", argv[optind]);
        return EXIT_TROUBLE;
}
