/* The syslog message (RFC 5424) every syslog-speaking output sends for one
 * spooled event: the ECS JSON line is the MSG, the event's id and sequence
 * travel as structured data so a relay can route or deduplicate on them
 * without parsing JSON. */
#pragma once

#include <sys/types.h>

#include "agent/output.h"
#include "basic/buf.h"

/* The structured-data ID: the name "driftwatch" under the example private
 * enterprise number of RFC 5612 (driftwatch has none registered). */
#define RFC5424_SD_ID "driftwatch@32473"
/* facility "log audit" (13, RFC 5424 table 1) */
#define RFC5424_FACILITY 13

struct rfc5424_origin {
        const char *hostname;   /* HOSTNAME; NULL or unusable: "-" */
        const char *app_name;   /* APP-NAME; NULL: "driftwatch" */
        pid_t pid;              /* PROCID; 0: "-" */
};

/* Appends to out "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID finding
 * [driftwatch@32473 id=".." seq=".."] JSON" without a trailer or framing
 * (the transport adds those): PRI from the event's severity (critical: crit,
 * high: err, medium: warning, low: notice, else info), TIMESTAMP its
 * @timestamp in UTC with microseconds. No BOM before the MSG: receivers
 * parse it as JSON. 0, -ENOMEM or -E2BIG (out's maximum). */
int rfc5424_format(const struct agent_event *ev, const struct rfc5424_origin *origin, struct buf *out);
