/* What a schedule of the agent runs (schedule.c), for agent.c. */
#pragma once

#include "agent/agent.h"
#include "report/finding.h"

struct agent_run_paths {
        const char *state_dir;          /* scan's baselines */
        const char *state_db;           /* STATE_DIR/state.db: status, mounts and posture snapshots */
        const char *journal_cursor;     /* the journal schedule's cursor file (the agent keeps it in its database) */
        const char *journal_dir;        /* NULL: the default */
        const char *scan_root;          /* the tree scan and container look at; NULL: / */
        const char *scratch_dir;        /* librpm's copies of a container's database (STATE_DIR/scratch) */
};

/* The journal directory the journal schedule reads: given, else
 * /var/log/journal when it is a directory, else /run/log/journal. */
const char *agent_journal_directory(const char *given);

/* Runs capability c into out (JSON Lines). 0 or -errno with *e. */
int agent_schedule_run(const struct dw_context *ctx, enum agent_capability c, const struct agent_run_paths *p,
                       struct output *out, struct dw_error *e);
