/* The syslog message (RFC 5424) every syslog-speaking output sends for one
 * spooled event (syslog+tcp://, syslog+tls://, relp://): the ECS JSON line is
 * the MSG, the event's id, severity and rule travel as structured data so a
 * relay can route or deduplicate without parsing JSON. */
#pragma once

#include "agent/output.h"
#include "basic/buf.h"

/* facility "log audit" (13, RFC 5424 table 1) unless an output's URL says another */
#define RFC5424_FACILITY_DEFAULT 13

/* Appends to msg
 *   <PRI>1 TIMESTAMP HOSTNAME driftwatch PID finding [driftwatch@32473 id=".." severity=".." rule=".."] JSON
 * without framing (the transport adds it): PRI is facility * 8 + the finding's
 * syslog severity (critical 2, high 3, medium 4, low 5), HOSTNAME the event's
 * host.name, TIMESTAMP its @timestamp. 32473 is the enterprise number RFC 5612
 * reserves for examples: driftwatch has none registered. No BOM before the
 * MSG: receivers parse it as JSON. 0, -ENOMEM or -E2BIG (msg's maximum). */
int rfc5424_format(const struct agent_event *ev, unsigned facility, struct buf *msg);
