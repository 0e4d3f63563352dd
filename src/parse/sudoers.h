/* A bounded reader for one sudoers file (sudoers(5)) as sudo's grammar reads
 * it: logical lines (a '\' at the end of a line continues it, '#' starts a
 * comment unless it begins an include directive or a numeric id such as
 * "#1000"), include directives (#include, @include, #includedir,
 * @includedir), Defaults lines with their binding (":user", "@host",
 * "!cmnd", ">runas"), alias definitions (User_Alias, Runas_Alias, Host_Alias,
 * Cmnd_Alias, several per line joined by ':') and user specifications
 * "users hosts = (runas) OPTION=x TAG: command, ... : hosts = ...", with the
 * runas list and tags of a command carried over to the commands after it as
 * sudo does. A line sudo's grammar refuses (a missing '=', an unknown tag,
 * an alias name not in capitals, a relative command path, an unbalanced
 * parenthesis) is an error. Defaults names are not checked against sudo's
 * table. Pure: (buf, len) in, entries out; never prints. Includes are not
 * followed here: the caller resolves them (src/host/posture-sudo.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"
#include "basic/strv.h"

#define SUDOERS_MAX_BYTES ((size_t) 1 << 20)
#define SUDOERS_MAX_ENTRIES 4096        /* lines that say something, per file */
#define SUDOERS_MAX_ITEMS 1024          /* users, commands, settings ... on one line */
#define SUDOERS_MAX_LINE 65536          /* bytes of one logical line */

enum sudoers_kind {
        SUDOERS_INCLUDE,
        SUDOERS_INCLUDEDIR,
        SUDOERS_DEFAULTS,
        SUDOERS_ALIAS,
        SUDOERS_SPEC,
};

/* One command of a user specification, with what applies to it. */
struct sudoers_cmnd {
        char *hosts;                    /* "ALL", "web1,!web2" */
        char *runas_users;              /* NULL: none given (root); "" for "()" or "(:group)" */
        char *runas_groups;             /* NULL: none given */
        char *tags;                     /* "NOPASSWD,SETENV" as in effect for it, or NULL */
        bool nopasswd;                  /* NOPASSWD in effect (a later PASSWD: clears it) */
        bool negated;                   /* "!command" */
        char *command;                  /* "ALL", an alias name, "/usr/bin/x args", "sudoedit /f", "list" */
};

/* One setting of a Defaults line. */
struct sudoers_default {
        char *name;
        bool negated;                   /* "!name" (an odd number of '!') */
        char op;                        /* 0 (a flag), '=', '+' (+=) or '-' (-=) */
        char *value;                    /* quotes removed; NULL for a flag */
};

struct sudoers_entry {
        enum sudoers_kind kind;
        unsigned line;                  /* where the logical line starts */
        char *path;                     /* include, includedir: as written (quotes removed) */
        char binding;                   /* defaults: 0, ':', '@', '!', '>' */
        struct strv bound;              /* defaults: the list it binds to */
        struct sudoers_default *defaults;
        size_t n_defaults;
        char *alias_type;               /* alias: "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias" */
        char *name;                     /* alias: its name */
        struct strv members;            /* alias: members as written ("!x", "/bin/sh -c x") */
        struct strv users;              /* spec: the user list as written ("%sudo", "!bob", "ALIAS") */
        struct sudoers_cmnd *cmnds;     /* spec */
        size_t n_cmnds;
};

struct sudoers {
        struct sudoers_entry *v;
        size_t n;
};

/* -EBADMSG (malformed) or -E2BIG (a limit) with *ret_error "line N: reason". */
int sudoers_parse(const char *buf, size_t len, struct sudoers **ret, char **ret_error);
struct sudoers *sudoers_free(struct sudoers *s);
DEFINE_FREEP(struct sudoers, sudoers_free)

/* Whether word names an alias as sudo's lexer has it: [A-Z][A-Z0-9_]*, not ALL. */
bool sudoers_is_alias_name(const char *word);
