/* Capability: baselines. Recording one from a directory or an ostree commit
 * (driftwatch baseline create, and the first scan), and describing one
 * (driftwatch baseline show). */
#pragma once

#include <stdio.h>

#include "capability/capability.h"

struct baseline_create_request {
        const char *source;             /* "dir:PATH", "ostree:REPO:REF", or an image:
                                         * "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]",
                                         * "docker-archive:FILE[:TAG]" (container/oci-image.h) */
        const char *out;                /* the baseline to write, replaced only once complete */
        const char *storage_root;       /* containers-storage: sources; NULL: the default */
        char *const *paths;             /* NULL: everything */
        size_t n_paths;
        bool paths_must_match;          /* each path must match an entry (a user's --path) */
        size_t chunk_entries;           /* dir sources: entries per range walked (0: BASELINE_CHUNK_ROWS) */
};

struct baseline_create_summary {
        size_t entries;
        char *commit;                   /* ostree sources: the commit read; images: the
                                         * config digest (image ID); free() it */
        struct walk_stats walk;
};

/* Reads the source and writes the baseline. A source that yields nothing, or
 * (paths_must_match) a path that matches nothing, writes no baseline:
 * -ENOENT. 0, or -errno with *ret_error. */
int capability_baseline_create(const struct dw_context *ctx, const struct baseline_create_request *req,
                               struct baseline_create_summary *ret_summary, struct dw_error *ret_error);

struct baseline_show_request {
        const char *path;
        bool entries;                   /* every entry too */
        enum output_format format;
};

/* Writes the baseline's description (and entries) to f, every value from the
 * file escaped. 0, or -errno with *ret_error. */
int capability_baseline_show(const struct baseline_show_request *req, FILE *f, struct dw_error *ret_error);
