/* Capability: accepting drift (driftwatch baseline accept). The current state
 * of named paths (a path names itself and everything below it) is taken into
 * a baseline, read and written in chunks of path order; the previous baseline
 * is kept as history (FILE.1 ... FILE.ACCEPT_HISTORY, newest first), and who
 * accepted what, when and why is appended to FILE.accepts. A check leaves
 * what it reported in FILE.reported, which an accept without paths takes. */
#pragma once

#include <stdio.h>

#include "capability/capability.h"

#define ACCEPT_HISTORY 5                /* previous baselines kept */
#define ACCEPT_LOG_MAX 200              /* accept records kept in FILE.accepts */
#define ACCEPT_LOG_PATHS_MAX 1000       /* paths listed per record (the rest counted) */
#define ACCEPT_REPORTED_MAX ((size_t) 64 << 20) /* bytes of FILE.reported read */

struct accept_request {
        const char *baseline_path;
        const char *root;               /* NULL: the baseline's dir: source, else "/" */
        char **paths;                   /* NULL: what the last check reported (FILE.reported); trailing
                                         * slashes are trimmed in place */
        size_t n_paths;
        const char *user;               /* who accepts */
        const char *reason;             /* why, or NULL */
        const char *record_path;        /* the state directory's baseline record, or NULL */
};

struct accept_summary {
        unsigned long changes;          /* entries whose state was taken in */
        size_t n_paths;                 /* paths accepted */
        bool nothing_reported;          /* no paths given, and the last check reported nothing */
        char before[65], after[65];     /* digests */
        char *history;                  /* where the previous baseline was kept; free() it */
};

/* 0, or -errno with *ret_error: -ENOENT for a path that matches nothing in
 * the baseline nor the tree (nothing written), or when no check recorded what
 * it reported; -EBUSY when another accept of the same baseline runs. */
int capability_baseline_accept(const struct dw_context *ctx, const struct accept_request *req, struct output *out,
                               struct accept_summary *ret_summary, struct dw_error *ret_error);

/* The accept records of the baseline at path (FILE.accepts), if any, in text
 * or as one JSON object per line. */
int capability_accepts_show(const char *baseline_path, enum output_format format, FILE *f, struct dw_error *ret_error);

/* Records what a check reported (paths, NUL-separated) in FILE.reported:
 * opened before the check, one call per finding, committed (renamed) after. */
struct reported_writer;
int reported_writer_new(const char *baseline_path, struct reported_writer **ret);
int reported_writer_add(struct reported_writer *w, const char *path, size_t len);
int reported_writer_commit(struct reported_writer *w);
struct reported_writer *reported_writer_free(struct reported_writer *w);
DEFINE_FREEP(struct reported_writer, reported_writer_free)
