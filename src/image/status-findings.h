/* Turns two host status snapshots into findings: the transitions between them
 * (staged image new or changed, booted image changed, rollback performed,
 * rollback target changed, newly pinned deployments), the change tickets that
 * cover them or not, and the state of the current one (/usr overlay, rollback
 * queued, policy minimums and allowed digests). docs/status.md lists them. */
#pragma once

#include <stdint.h>

#include "basic/buf.h"
#include "host-status.h"
#include "report/finding.h"
#include "status-policy.h"

struct status_check {
        const struct ruleset *rules;
        struct output *out;
        const struct status_policy *policy;     /* NULL: none */
        const struct ticket_list *tickets;      /* NULL: no change control */
        /* When the changes happened: after the previous snapshot was last seen,
         * by now. A ticket's window must overlap this interval. */
        int64_t since, now;
};

/* The host's deployments as `bootc status` prints them: staged, booted
 * ('*'), rollback, then the others, each with its image reference (or ostree
 * commit), short digest, version and build time, and "Pinned: yes". Values are
 * escaped. 0 or -ENOMEM. */
int status_render_text(const struct host_status *hs, struct buf *b);

/* Emits every finding for cur, compared with prev (NULL on the first run).
 * Returns 0 or the first error of output_emit(). */
int status_report(const struct status_check *c, const struct host_status *prev, const struct host_status *cur);
