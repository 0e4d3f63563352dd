/* Capability: journal analytics (driftwatch journal): deployments judged by
 * the policy's maintenance windows, extension merges matched to change
 * tickets or deployments, audit records that lost their PATH records, from
 * journal files, directories or an export or JSON stream (journal/analyze.h),
 * once or following a live journal from a saved cursor. */
#pragma once

#include "capability/capability.h"
#include "journal/analyze.h"

enum journal_input_kind {
        JOURNAL_INPUT_FILE,
        JOURNAL_INPUT_DIRECTORY,
        JOURNAL_INPUT_EXPORT,           /* an export stream: a file or "-" (standard input) */
};

enum journal_stream_format {
        JOURNAL_STREAM_DETECT,          /* '{' first: json, else export */
        JOURNAL_STREAM_EXPORT,          /* journalctl -o export */
        JOURNAL_STREAM_JSON,            /* journalctl -o json, one entry a line */
};

struct journal_input {
        enum journal_input_kind kind;
        const char *path;
};

struct journal_request {
        const struct journal_input *inputs;     /* none: the export stream on standard input */
        size_t n_inputs;
        const char *policy_path;                /* or NULL */
        const char *tickets_path;               /* or NULL */
        int64_t merge_window_s;                 /* 0: JOURNAL_MERGE_WINDOW_DEFAULT */
        enum journal_stream_format stream_format;
        /* Start after the cursor in this file and save the last entry's there
         * (journalctl's --cursor-file); with follow, wait for new entries until
         * cancelled. Both read one directory or journal files opened together. */
        const char *cursor_file;
        bool follow;
};

/* Reads one input into on_entry through the bounded parser p (a journal
 * file or directory through sd-journal, an export stream in chunks). 0, or
 * -errno with *ret_error naming the input (on_entry's own errors are
 * reported as the output's). */
int journal_read_input(const struct dw_context *ctx, const struct journal_input *in, struct export_parser *p,
                       export_entry_fn on_entry, void *userdata, struct dw_error *ret_error);

int capability_journal(const struct dw_context *ctx, const struct journal_request *req, struct output *out,
                       struct journal_stats *ret_stats, struct dw_error *ret_error);
