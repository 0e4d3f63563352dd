/* A bounded reader for sshd_config(5) files as OpenSSH's sshd splits them
 * (servconf.c load_server_config, process_server_config_line_depth; misc.c
 * strdelim, argv_split): one directive a line, leading and trailing
 * whitespace dropped, the keyword ended by whitespace, a quote or one '='
 * ("Keyword=value", "Keyword = value"), '#' lines and empty lines skipped,
 * the arguments split on blanks with "..." / '...' quoting and the \" \' \\
 * and "\ " escapes undone, a '#' that starts an argument ending the line. A
 * keyword without an argument or an unterminated quote is an error, as sshd
 * makes it. A NUL byte ends its line there and drops the newline (sshd
 * copies each line with strlen()), so the next line continues it. Keywords are not interpreted here (posture-sshd.c
 * knows them). Pure: (buf, len) in, directives out; never prints. */
#pragma once

#include <stddef.h>

#include "basic/macros.h"

#define SSHD_CONFIG_MAX_BYTES ((size_t) 1 << 20)        /* a file */
#define SSHD_CONFIG_MAX_LINE 65536                      /* bytes a line */
#define SSHD_CONFIG_MAX_DIRECTIVES 16384                /* a file */
#define SSHD_CONFIG_MAX_ARGS 1024                       /* a directive */

struct sshd_directive {
        char *keyword;                  /* as written (sshd compares it case-insensitively) */
        char **args;                    /* quotes and escapes undone, up to a '#' argument */
        size_t n_args;                  /* at least 1 */
        char *rest;                     /* the raw text after the keyword and its delimiter (ForceCommand,
                                         * AuthorizedKeysCommand and Match read this) */
        unsigned line;
};

struct sshd_config {
        struct sshd_directive *v;
        size_t n;
        size_t allocated;               /* grows by doubling */
};

/* -EBADMSG (malformed) or -E2BIG (a limit) with *ret_error "line N: reason". */
int sshd_config_parse(const char *buf, size_t len, struct sshd_config **ret, char **ret_error);
struct sshd_config *sshd_config_free(struct sshd_config *c);
DEFINE_FREEP(struct sshd_config, sshd_config_free)

/* sshd's strdelim(): the next token of *s, split on blanks, a quote or one
 * '=' (a quoted token loses its quotes); NULL at the end or on an
 * unterminated quote. *s is modified in place. */
char *sshd_strdelim(char **s);
