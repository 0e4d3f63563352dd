/* Capability: a live tree against a baseline (driftwatch check, and scan on a
 * host that is not image-mode). */
#pragma once

#include "capability/capability.h"

struct tree_check_request {
        const char *baseline_path;
        const char *root;               /* the tree ("/" for the host) */
        char *const *paths;             /* NULL: the baseline's own; each given must match something */
        size_t n_paths;
        bool full;                      /* re-hash everything */
        const char *cache_path;         /* optional stat cache file */
        const char *approved_path;      /* approved extension images (root "/" with merged extensions), or NULL */
        const char *allowlist_path;     /* the FIM allowlist (etc-diff's format), or NULL */
        bool record_reported;           /* leave the paths reported in BASELINE.reported (baseline accept) */
};

struct tree_check_summary {
        struct walk_stats walk;
        int cache_error;                /* the stat cache was not used or not updated (not fatal) */
        unsigned long alerts;           /* alerts this check reported */
        unsigned long allowed;          /* findings an allowlist entry allowed */
        int reported_error;             /* what was reported could not be recorded (not fatal) */
};

/* Reads the baseline, walks the tree and reports one finding per change into
 * out. 0, or -errno with *ret_error (-ECANCELED when ctx->cancel was set). */
int capability_tree_check(const struct dw_context *ctx, const struct tree_check_request *req, struct output *out,
                          struct tree_check_summary *ret_summary, struct dw_error *ret_error);
