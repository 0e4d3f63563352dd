/* Capability: the image status of a host (bootc or rpm-ostree), compared
 * with the snapshot the previous run recorded in the state database: staged,
 * booted and rollback transitions, changes no change ticket covers, policy
 * minimums and allowed digests, the /usr overlay, pins (driftwatch status,
 * and scan on an image-mode host). */
#pragma once

#include "capability/capability.h"
#include "image/host-status.h"

struct status_request {
        const char *input;              /* file or "-" (standard input); NULL: run bootc or rpm-ostree */
        enum host_source source;        /* of input */
        const char *state_path;
        bool create_state_dir;          /* make the state's directory when missing (the default place only) */
        const char *policy_path;        /* or NULL */
        const char *tickets_path;       /* or NULL */
        int timeout_s;                  /* for bootc / rpm-ostree */
        bool flush_output;              /* the text view's summary and findings are written (output_flush())
                                         * before the snapshot is recorded: a report that went nowhere is
                                         * made again by the next run */
};

struct status_summary {
        bool first;                     /* no earlier snapshot: this run recorded the first */
        enum host_source source;
        size_t n_deployments;
        int64_t last_seen;              /* of the earlier snapshot */
        unsigned long alerts, events;   /* what this capability reported */
        unsigned long by_severity[SEVERITY_CRITICAL + 1];
};

/* The policy and ticket files (either path may be NULL: *ret stays NULL),
 * as `status` and `journal` read them. */
struct status_policy;
struct ticket_list;
int status_load_policy(const char *policy_path, const char *tickets_path, struct status_policy **ret_policy,
                       struct ticket_list **ret_tickets, struct dw_error *ret_error);

/* The status text: from req->input (a file, "-" standard input), or bootc
 * (else rpm-ostree) on PATH run for req->timeout_s. On success *ret_label
 * says where it came from, for messages ("'FILE'", "from standard input",
 * "from 'bootc status --format=json'"). */
int status_read_input(const struct dw_context *ctx, const struct status_request *req, enum host_source *ret_source,
                      char **ret_text, size_t *ret_len, char **ret_label, struct dw_error *ret_error);

/* The state database's directory made (the default place only), and the
 * error of opening it, as every capability that keeps state reports them. */
int state_mkdir(const char *state_path, struct dw_error *ret_error);
int state_open_error(int r, const char *state_path, const char *reason, struct dw_error *ret_error);

/* Reads the status, reports into out, records the new snapshot (only once
 * the findings are written: a failed run reports them again next time). */
int capability_status(const struct dw_context *ctx, const struct status_request *req, struct output *out,
                      struct status_summary *ret_summary, struct dw_error *ret_error);
