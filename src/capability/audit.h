/* Capability: audit logs. Generating the auditd rules the analytics expect
 * (driftwatch audit-rules). */
#pragma once

#include <stdio.h>

#include "capability/capability.h"

struct audit_rules_request {
        bool existing;                  /* watch only paths that exist on this host */
        const char *format;             /* "auditctl" (NULL: the same) */
        const char *rules_path;         /* where ctx->rules came from, for the header; NULL: built-in */
};

/* Writes the auditd rules for ctx->rules to f. 0, or -errno with *ret_error. */
int capability_audit_rules(const struct dw_context *ctx, const struct audit_rules_request *req, FILE *f,
                           struct dw_error *ret_error);
