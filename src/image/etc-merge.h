/* ostree's /etc merge at deployment time, simulated: what `ostree admin
 * deploy` (or the finalizing of a staged deployment) will do with each local
 * change, replayed on the three trees it uses: the running deployment's
 * /usr/etc (the image's defaults), its /etc (with the local changes) and the
 * next image's /usr/etc. The rules follow ostree's merge_configuration_from()
 * and copy_modified_config_file(), release by release where they differ; see
 * docs/etc-diff.md. Pure: no I/O. */
#pragma once

#include "basic/arena.h"
#include "fim/diff.h"

enum merge_fate {
        MERGE_NONE,             /* no merge target given */
        MERGE_CARRIED,          /* the local change is copied into the new /etc */
        MERGE_CARRIED_SHADOWS,  /* carried, and it hides the new image's own update of the path */
        MERGE_REMOVAL_APPLIED,  /* the local removal is applied to the new /etc */
        MERGE_DROPPED,          /* not carried (reason says why) */
        MERGE_BLOCKS_DEPLOY,    /* ostree admin deploy fails on it (reason: ostree's error) */
        MERGE_REDIRECTED,       /* the new image's symlink sends the write or removal elsewhere */
        MERGE_UNKNOWN,          /* the path could not be read: its fate cannot be told */
};

const char *merge_fate_name(enum merge_fate f);

/* Versions as YYYYMM: 2022.7 is 202207. */
#define OSTREE_VERSION_NUM(y, m) ((y) * 100 + (m))

struct merge_result {
        enum merge_fate fate;
        const char *reason;             /* why, or ostree's error; NULL when plain */
        /* What the user loses to the merge: paths ("/etc/x") of image updates it
         * hides or removes, with a word on each; n_loses shown, loses_total in all. */
        const char *loses[8];
        size_t n_loses, loses_total;
};

struct etc_merge;

/* image: the deployment's /usr/etc; local: its /etc; next: the merge target's
 * /usr/etc (paths below etc: "/x"). ostree_version: the release whose rules
 * apply (the ostree that will run the deploy). The trees must outlive m. */
int etc_merge_new(const struct fim_tree *image, const struct fim_tree *local, const struct fim_tree *next,
                  unsigned ostree_version, struct etc_merge **ret);
struct etc_merge *etc_merge_free(struct etc_merge *m);
DEFINE_FREEP(struct etc_merge, etc_merge_free)

/* Adds a difference between image and local, in path order, as
 * fim_diff_folded() reports it; in_config_diff: ostree lists it (otherwise it is
 * an xattr-only change, which the merge ignores but a directory's may still
 * travel with its metadata). Returns its index. */
int etc_merge_add(struct etc_merge *m, const struct fim_change *c, bool in_config_diff, size_t *ret_index);

/* Replays the merge: removals, then modifications, then additions. */
int etc_merge_run(struct etc_merge *m);

const struct merge_result *etc_merge_result(const struct etc_merge *m, size_t index);
/* Changes whose merge fails the deploy. */
size_t etc_merge_blockers(const struct etc_merge *m);
