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

/* The same event as one line of the text view (`audit --events --format
 * text`): its time, serial, action (the syscall or the record
 * type), process ("comm[pid] exe"), the path it is about, its key and
 * "failed" when the call failed; every value from the log escaped
 * (escape_text: one token each, nothing reaches the terminal raw). */
int audit_event_text_render(struct audit_event_json *v, const struct audit_event *ev);
