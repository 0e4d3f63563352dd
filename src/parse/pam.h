/* A bounded reader for one Linux-PAM configuration file (pam.d(5), pam.conf)
 * as libpam's pam_handlers.c reads it: a '#' ends the line's text wherever
 * it stands, a '\' at the end of a line continues it, blank lines are
 * skipped; each line is "[service] type control module-path [args...]" with
 * the type case-insensitive and a leading '-' for "silent if the module is
 * missing", the control one of required, requisite, sufficient, optional,
 * include, substack, or a "[value=action ...]" list (which may hold blanks),
 * and arguments in "[...]" keeping their blanks. "@include FILE" includes
 * every type of FILE. A line libpam would turn into a failing entry (an
 * unknown type or control, a missing module, a bad [...] list) is an error
 * here. Pure: (buf, len) in, entries out; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"
#include "basic/strv.h"

#define PAM_MAX_BYTES ((size_t) 1 << 20)
#define PAM_MAX_ENTRIES 4096
#define PAM_MAX_ARGS 256
#define PAM_MAX_LINE 65536

struct pam_entry {
        unsigned line;                  /* where the logical line starts */
        char *service;                  /* pam.conf's first column, else NULL */
        bool at_include;                /* "@include FILE": module is FILE, no type or control */
        bool silent;                    /* "-type" */
        char *type;                     /* "auth", "account", "session", "password" (lower case) */
        char *control;                  /* "required" ... "substack" (lower case) or "[...]" as written */
        char *module;                   /* the module path, or the file of include / substack */
        struct strv args;
};

struct pam_file {
        struct pam_entry *v;
        size_t n;
};

/* conf: the lines have pam.conf's service column. -EBADMSG (malformed) or
 * -E2BIG (a limit) with *ret_error "line N: reason". */
int pam_parse(const char *buf, size_t len, bool conf, struct pam_file **ret, char **ret_error);
struct pam_file *pam_file_free(struct pam_file *f);
DEFINE_FREEP(struct pam_file, pam_file_free)

/* The action ("ok", "done", "ignore", "bad", "die", "reset" or a number) a
 * control takes for the return value 'value' ("success", "default", ...):
 * the keywords as libpam expands them, a [...] list's own entry or else its
 * "default" (else "bad"). Written into buf (at most size bytes). */
const char *pam_control_action(const char *control, const char *value, char *buf, size_t size);
