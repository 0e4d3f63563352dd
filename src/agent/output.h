/* The output interface every shipping backend of the agent implements: one
 * destination named by URL, fed batches of spooled events, acknowledging each
 * event it delivered (at-least-once delivery: an event leaves an output's
 * pending set only when acknowledged). Backends: src/agent/output-*.c; the
 * table of schemes is agent_output_lookup() in src/agent/output.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/error.h"

/* One spooled event: the ECS JSON line (no newline) and its stable event.id. */
struct agent_event {
        int64_t seq;            /* spool sequence number, increasing */
        const char *id;         /* event.id (hex) */
        const char *json;       /* one ECS JSON object, NUL-terminated */
        size_t len;
        int severity;           /* enum severity of report/finding.h */
        int64_t time_ns;        /* @timestamp */
};

/* A destination named by URL: relp://, syslog+tcp://, syslog+tls://, https:// (_bulk or HEC, chosen by the
 * URL's path or a query parameter), journal:, file:PATH. Options come from the URL's query
 * (?ca=FILE&cert=FILE&key=FILE&index=NAME&token=...) and the configuration file. */
struct agent_output;
struct agent_output_ops {
        const char *scheme;
        int (*open)(const char *url, struct agent_output **ret, struct dw_error *e);
        /* Deliver events[0..n). Sets acked[i] for each event the receiver acknowledged (RELP txnr,
         * HTTP per-item status); returns 0 when the connection worked (even if some items were refused:
         * those are retried), -errno when it failed as a whole (then nothing new is acked; the agent
         * backs off and retries). Never blocks longer than the timeout given at open (default 10 s).
         * Returning 0, it may fill e with a warning: events the receiver refused for good, dropped (acked)
         * and counted (output-http.c); the agent reports it (DW-AGENT-OUTPUT-REFUSED). */
        int (*send)(struct agent_output *o, const struct agent_event *events, size_t n, bool *acked,
                    struct dw_error *e);
        void (*close)(struct agent_output *o);
};
const struct agent_output_ops *agent_output_lookup(const char *url);   /* by scheme; NULL: unknown */
