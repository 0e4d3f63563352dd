/* What the agent reads back from a rendered ECS line (report/output.c
 * writes it compactly, one object per line): event.id, event.severity,
 * host.name, rule.id, without parsing the whole line. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* The value of member key directly inside the top-level member object
 * ("event", "host"; NULL: of the top level itself, "@timestamp"): a string's bytes without the quotes (escapes left as
 * they are) or a number's. false when there is none. */
bool agent_json_member(const char *json, size_t len, const char *object, const char *key, const char **ret,
                       size_t *ret_n);

/* event.id of a rendered ECS line: the "id" of its "event" object when there
 * is one (hex, lowercased into out), else the SHA-256 of the line in hex: a
 * fallback until every finding carries its stable id (the same finding
 * renders the same line). 0 or -errno (libcrypto cannot be loaded). */
#define AGENT_EVENT_ID_MAX 129
int agent_event_id(const char *json, size_t len, char out[AGENT_EVENT_ID_MAX]);

/* enum severity from event.severity (ECS: 21 low, 47 medium, 73 high, 99
 * critical); SEVERITY_LOW when absent. */
int agent_event_severity(const char *json, size_t len);
