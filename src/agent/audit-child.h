/* The audit stream's child (docs/agent.md, "The audit stream" and
 * "Privileges"): with --audit-stdin the agent forks one long-lived child
 * that owns standard input, confines itself (agent_sandbox_child(): no
 * writes, no exec) and runs the assembler and detector `audit --plugin`
 * uses over it; it writes into a pipe the agent reads, one record a line:
 *
 *   {...}                                a finding, JSON rendered by report/output.c
 *   !TEXT                                the child's error, control characters as '?'
 *   @position NODE SEC MSEC SERIAL       a node's saved position (below)
 *   @counts EVENTS RESENT                the events analysed and resent events skipped
 *
 * A finding is a JSON object: its line starts with '{', which no record
 * does; '@' starts no JSON value, and every byte of the stream the child
 * writes is inside a JSON string (escaped: no newline) or a record's field
 * (NODE is "x" and the node name's bytes in hex, the numbers decimal), so a
 * hostile audit line cannot start a line of its own, let alone forge a
 * position. The records of an event follow its findings: the agent commits
 * what it read in one transaction, so a position it saves never runs ahead
 * of the findings it covers (a prefix of the pipe is all a kill leaves).
 *
 * The saved position lags the newest event analysed by the analytics'
 * longest hold (replay_s of stream time): the findings of every event up to
 * it are out, and the events after it, sent again after a restart, are
 * analysed again. Library code: never prints but into the pipe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/state.h"
#include "capability/capability.h"

#define AUDIT_CHILD_MAX_NODES 256
#define AUDIT_CHILD_NODE_MAX 128        /* a node name's bytes, its NUL included */

/* A node's position saved in the state, handed to the child at its start. */
struct audit_child_saved {
        char node[AUDIT_CHILD_NODE_MAX];
        struct agent_audit_position pos;
};

/* In the child, sandboxed: analyses in_fd until its end, or until its
 * parent sends SIGTERM (SIGTERM, SIGINT and SIGHUP blocked by the caller;
 * from anyone else they are ignored: the agent stops its child itself,
 * after what it read). Findings go through out (JSON, writing into f), the
 * records into f. The events of each node at or before its saved position
 * are skipped, counted as resent. Returns the exit status: 0 at the end
 * (what the analytics held reported, every position settled), 1 when the
 * analytics failed (a '!' line says why), 3 when the pipe cannot be written. */
int audit_child_run(const struct dw_context *ctx, const struct audit_child_saved *saved, size_t n_saved, int in_fd,
                    struct output *out, FILE *f);

/* A '!' line: TEXT with its control characters replaced. */
void audit_child_error(FILE *f, const char *text);

/* A line of the child's pipe, in the agent. */
enum audit_child_record_kind {
        AUDIT_CHILD_RECORD_NONE,      /* empty, or not one of ours: ignored */
        AUDIT_CHILD_RECORD_FINDING,
        AUDIT_CHILD_RECORD_ERROR,
        AUDIT_CHILD_RECORD_POSITION,
        AUDIT_CHILD_RECORD_COUNTS,
};
struct audit_child_record {
        enum audit_child_record_kind kind;
        const char *text;       /* FINDING: the JSON; ERROR: the text after '!' */
        size_t len;
        char node[AUDIT_CHILD_NODE_MAX];
        struct agent_audit_position pos;
        uint64_t events, resent;
};
/* 0 and *ret, or -EBADMSG for a line starting with '@' that is no record. */
int audit_child_record_parse(const char *line, size_t len, struct audit_child_record *ret);
