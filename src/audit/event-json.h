/* The raw event view (driftwatch audit --events): one JSON line per assembled
 * event, with ECS field names (@timestamp, event.*, host.name, process.*,
 * user.*, file.path) and the audit details under driftwatch.audit. Library
 * code: renders into a buffer, never writes. */
#pragma once

#include <stdint.h>

#include "audit/event.h"
#include "basic/buf.h"
#include "report/finding.h"

struct audit_event_json {
        struct buf line;                /* the last rendered line, with its newline */
        struct buf values;              /* decoded values of records without SYSCALL */
        struct buf title;               /* process.title */
        uint64_t ts_sec;                /* the second ts_text was made for */
        char ts_text[TIMESTAMP_LEN];
};

void audit_event_json_init(struct audit_event_json *v);
void audit_event_json_release(struct audit_event_json *v);

/* Renders ev into v->line (replacing what was there): 0, or -ENOMEM / -E2BIG
 * (v->line then holds nothing to write). */
int audit_event_json_render(struct audit_event_json *v, const struct audit_event *ev);
