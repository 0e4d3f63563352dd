/* The process behind an ECS document, process.* and user.*: one renderer for
 * the findings (output.c) and the raw audit event view (audit/event-json.c).
 * Values are byte strings, so an argument holding a NUL (hex-encoded in the
 * log) keeps it; a NULL s leaves the field out. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "parse/audit-record.h"
#include "report/json.h"

struct ecs_process {
        long long pid, ppid;                    /* -1: unknown */
        struct audit_str name;                  /* comm */
        struct audit_str executable;
        struct audit_str title;                 /* PROCTITLE, arguments joined */
        /* process.args, present when n_args > 0: byte strings, or (args NULL)
         * C strings, a NULL one written as "". */
        const struct audit_str *args;
        const char *const *args_cstr;
        size_t n_args;
        struct audit_str parent_name, parent_executable;
        long long uid, euid, auid;              /* left out unless audit_id_set() */
        struct audit_str auid_name;
};

/* A C string (NULL: absent) as an ecs_process value. */
static inline struct audit_str ecs_cstr(const char *s)
{
        return (struct audit_str) { s, s ? strlen(s) : 0 };
}

/* Writes the "process" object (pid, name, executable, args, title, parent)
 * and, when an id or the login name is known, the "user" object (id,
 * effective.id when it differs, audit.id and audit.name). */
void ecs_json_process(struct json *j, const struct ecs_process *p);
