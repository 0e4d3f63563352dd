/* Baseline files: a fim_tree and its description in one SQLite database,
 * written atomically (a complete temporary file renamed over the target) and
 * validated when read. The same format serves as the stat cache of a check. */
#pragma once

#include <stddef.h>

#include "entry.h"

#define BASELINE_FORMAT "driftwatch-baseline"
#define BASELINE_VERSION 1
#define BASELINE_MAX_ENTRIES 100000000ULL      /* refuse more rows than this */

struct baseline_meta {
        char *source;           /* "dir:/srv/root", "ostree:/repo:ref" */
        char *commit;           /* ostree commit, when the source had one */
        char *created;          /* RFC 3339 UTC */
        char *host;
        char **paths;           /* prefixes recorded; NULL-terminated */
        size_t n_paths;
        unsigned attrs;         /* ATTR_* recorded */
        unsigned long long entries;
};

void baseline_meta_release(struct baseline_meta *m);

/* Writes tree and meta to 'path' atomically. On failure an existing file at
 * 'path' is untouched and no temporary file is left behind. */
int baseline_write(const char *path, const struct fim_tree *tree, const struct baseline_meta *meta);

/* Reads and validates a baseline. -EBADMSG: not a (complete) driftwatch
 * baseline, corrupt or truncated; *ret_reason then says why in a few words. */
int baseline_read(const char *path, struct fim_tree **ret_tree, struct baseline_meta *ret_meta,
                  const char **ret_reason);
