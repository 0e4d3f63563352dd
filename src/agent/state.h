/* The agent's state database, STATE_DIR/agent.db (SQLite, WAL, application
 * id DB_APP_AGENT): the rendered events, each written once, with one pending
 * set per output (the spool: the events some output still needs; the
 * history: the newest of them, delivered or not), the schedules, the audit
 * stream position per node, the journal cursor and the counters. A database
 * of an older schema (PRAGMA user_version) is migrated on open. Every change is made inside a transaction the
 * caller opens (agent_state_begin()) and commits, so a kill -9 leaves the
 * state of the last commit. Library code: never prints. docs/agent.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/output.h"
#include "basic/error.h"
#include "basic/macros.h"

#define AGENT_STATE_DB "agent.db"
#define AGENT_STATE_MAX_OUTPUTS 16
/* Bytes of one spooled event's JSON: a mount table snapshot is one event. */
#define AGENT_EVENT_MAX_BYTES ((size_t) 64 << 20)
/* The severity the spool keeps the agent's own events at (heartbeat, spool
 * full, an output failing): above every finding's, so the cap drops them
 * last, and the counts of what it dropped reach the SIEM. An
 * output shows them at the severity of their JSON (agent_event_severity()). */
#define AGENT_SEVERITY_OWN 5
/* The history the evidence report reads (docs/report.md): the newest
 * AGENT_HISTORY_MAX events, of those of at most AGENT_HISTORY_EVENT_MAX bytes,
 * delivered or not. An event stays in the table while an output needs it or
 * it is one of them. */
#define AGENT_HISTORY_MAX 10000
#define AGENT_HISTORY_EVENT_MAX ((size_t) 64 << 10)

struct agent_state;

/* Opens (creating dir 0700 and the database 0600 when missing, never
 * through a symlink) the state of the agent. spool_max: the cap of the
 * spool's JSON bytes (0: none). -EBADMSG for a file that is not the agent's
 * database, with *e naming it. */
int agent_state_open(const char *dir, uint64_t spool_max, struct agent_state **ret, struct dw_error *e);
/* Opens an existing state read-only (the report): -ENOENT when there is none,
 * -EBADMSG for a file that is not the agent's database; *e names it. Only
 * the agent_state_foreach_*() readers below work on it. */
int agent_state_open_readonly(const char *dir, struct agent_state **ret, struct dw_error *e);
void agent_state_free(struct agent_state *s);
DEFINE_FREEP(struct agent_state, agent_state_free)

int agent_state_begin(struct agent_state *s);
int agent_state_commit(struct agent_state *s);
void agent_state_rollback(struct agent_state *s);
/* PRAGMA data_version: changes when another connection (another process)
 * committed to the database since the last call, never for this one's own
 * commits. What the agent's self-protection compares. */
int agent_state_data_version(struct agent_state *s, int64_t *ret);

/* The outputs by URL, in order: ret_ids[i] is urls[i]'s id. Pending sets of
 * outputs no longer configured are dropped (counted in "dropped-unconfigured").
 * In a transaction. */
int agent_state_set_outputs(struct agent_state *s, const char *const *urls, size_t n, int64_t *ret_ids);

/* Appends one event to the spool, pending for every configured output. Past
 * the cap, the oldest events of the lowest severity are dropped until the
 * spool fits (the new one too, when it is the lowest and the spool is full of
 * higher ones): *ret_dropped (may be NULL) is how many; they are counted in
 * "dropped-policy" and "dropped-policy-<severity>". In a transaction. */
int agent_state_spool_add(struct agent_state *s, const char *json, size_t len, const char *id, int severity,
                          int64_t time_ns, uint64_t *ret_dropped);

/* Events pending for output, oldest first, at most max (and about max_bytes
 * of JSON); owned by s until the next call. */
int agent_state_pending(struct agent_state *s, int64_t output, size_t max, size_t max_bytes,
                        const struct agent_event **ret, size_t *ret_n);
/* events[i] (as agent_state_pending() returned them) acknowledged by output
 * where acked[i]: out of its pending set; an event no output still needs
 * leaves the spool (and stays as history). Counts "delivered" for
 * the output. In a transaction. */
int agent_state_ack(struct agent_state *s, int64_t output, const struct agent_event *events, const bool *acked,
                    size_t n);
/* Counts a failed delivery attempt of output. In a transaction. */
int agent_state_output_failed(struct agent_state *s, int64_t output);

struct agent_output_counts {
        uint64_t pending, delivered, failed;
};
int agent_state_output_counts(struct agent_state *s, int64_t output, struct agent_output_counts *ret);

/* Spool depth: events and JSON bytes. */
void agent_state_spool_depth(const struct agent_state *s, uint64_t *ret_events, uint64_t *ret_bytes);

struct agent_schedule_state {
        int64_t next_run, last_run;     /* CLOCK_REALTIME seconds; 0: never */
        char last_status[512];          /* "ok", or the error's reason; "" never */
};
/* 0 and *ret; 0 with *ret zeroed when the capability has no row yet. */
int agent_state_schedule_get(struct agent_state *s, const char *capability, struct agent_schedule_state *ret);
int agent_state_schedule_set(struct agent_state *s, const char *capability, const struct agent_schedule_state *st);

/* The newest audit event handed to the analytics, per node ("" for none):
 * *ret_found false when the node has none yet. */
struct agent_audit_position {
        uint64_t sec, serial;
        uint32_t msec;
};
int agent_state_audit_get(struct agent_state *s, const char *node, struct agent_audit_position *ret, bool *ret_found);
int agent_state_audit_set(struct agent_state *s, const char *node, const struct agent_audit_position *p);
/* Each node's position, the newest first, at most max: fn for each (its
 * negative return stops the list and is returned). The audit stream's child
 * is given them at its start (audit-child.h). */
typedef int (*agent_audit_position_fn)(const char *node, const struct agent_audit_position *p, void *userdata);
int agent_state_audit_list(struct agent_state *s, size_t max, agent_audit_position_fn fn, void *userdata);

/* Small named values (the journal cursor): *ret NULL when unset (free()). */
int agent_state_get_text(struct agent_state *s, const char *key, char **ret);
int agent_state_set_text(struct agent_state *s, const char *key, const char *value);

/* Named counters ("dropped-policy", ...). */
int agent_state_counter_add(struct agent_state *s, const char *name, int64_t delta);
int agent_state_counter_get(struct agent_state *s, const char *name, int64_t *ret);

/* The readers of the report: fn for each schedule (by capability), each
 * counter (by name), each output (by url) and each event of the history
 * (oldest first); fn's negative return stops the walk and is returned. A
 * state written before the history existed has none; one of the previous
 * schema, not yet migrated, is read as it is. */
int agent_state_foreach_schedule(struct agent_state *s,
                                 int (*fn)(const char *capability, const struct agent_schedule_state *st, void *u),
                                 void *u);
int agent_state_foreach_counter(struct agent_state *s, int (*fn)(const char *name, int64_t value, void *u), void *u);
int agent_state_foreach_output(struct agent_state *s,
                               int (*fn)(const char *url, const struct agent_output_counts *c, void *u), void *u);
int agent_state_foreach_history(struct agent_state *s, int (*fn)(const struct agent_event *ev, void *u), void *u);
