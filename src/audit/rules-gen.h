/* The auditd rules the audit analytics expect, generated from the loaded
 * detection content: execve logging (the process tree and the command rules)
 * and one write/attribute watch per surface path that auditctl can watch, more
 * specific paths first because the kernel keys an event by the first rule that
 * matches, and a watch on the whole of each home root (audit.home_roots) with
 * a surface glob below it, for users' ~/.ssh. Globs, paths missing here and paths a rules line cannot hold are
 * listed as comments; surfaces with 'audit: off' are left out. The output only
 * adds rules: no -D, and none of the daemon's settings (-b, -f, -e).
 * docs/audit-rules.md explains it. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "basic/error.h"
#include "rules/rules.h"

struct audit_rules_options {
        bool existing;                  /* watch only paths that exist on this host */
        const char *rules_source;       /* the rules file the header names; NULL: the built-in rules */
        const char *machine;            /* uname's machine, for the execve ABIs; NULL: this host's */
};

/* The kernel's AUDIT_MAX_KEY_LEN. */
#define AUDIT_RULES_KEY_MAX 256

/* The key of a surface's watches: "dw-" and its id in lower case (-E2BIG
 * past AUDIT_RULES_KEY_MAX). */
int audit_surface_key(const struct surface *s, char key[static AUDIT_RULES_KEY_MAX + 1]);

/* Writes the rules for rs to f. 0, or -errno with *ret_error: -E2BIG for a
 * surface id too long for an audit key (naming it), or a write error. */
int audit_rules_write(const struct ruleset *rs, const struct audit_rules_options *o, FILE *f,
                      struct dw_error *ret_error);
