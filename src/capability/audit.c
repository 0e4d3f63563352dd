/* Capability: audit logs; see audit.h. */
#define _GNU_SOURCE
#include "audit.h"

#include <errno.h>
#include <string.h>

#include "audit/rules-gen.h"

int capability_audit_rules(const struct dw_context *ctx, const struct audit_rules_request *req, FILE *f,
                           struct dw_error *ret_error)
{
        struct audit_rules_options o = { .existing = req->existing, .rules_source = req->rules_path };

        if (req->format && strcmp(req->format, "auditctl") != 0)
                return dw_error_set(ret_error, -EINVAL, req->format, "unknown format '%s' (auditctl)", req->format);
        return audit_rules_write(ctx->rules, &o, f, ret_error);
}
