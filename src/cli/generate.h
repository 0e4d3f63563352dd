/* The man pages and shell completion, generated from the same option tables
 * as --help (through options_visitor), so that none of them can drift: the
 * hidden commands 'driftwatch __man' and 'driftwatch __completion', which the
 * build runs (CMakeLists.txt). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One entry of main.c's command table. */
struct command {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
};

/* driftwatch __man [COMMAND | --all DIR]: the roff of driftwatch(1) (no
 * COMMAND) or driftwatch-COMMAND(1) on stdout, or every page written into
 * DIR. EXIT_CLEAN, or the error printed and EXIT_TROUBLE. */
int generate_man(const struct command *cmds, size_t n, const char *version, int argc, char **argv);
/* driftwatch __completion bash|zsh [FILE]: the completion script on stdout or into FILE. */
int generate_completion(const struct command *cmds, size_t n, int argc, char **argv);
/* Whether c is a command of subcommands ("baseline", "image"), from its table. */
bool command_has_subcommands(const struct command *c);
