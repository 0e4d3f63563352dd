/* /etc against the image's defaults in /usr/etc, the way `ostree admin
 * config-diff` compares them, and more: xattrs and SELinux labels (which
 * config-diff ignores) and directory metadata are compared too and flagged as
 * beyond config-diff. With a merge target, each local change also says what
 * ostree's three-way merge will do with it at the next deployment. */
#pragma once

#include <signal.h>

#include "fim/diff.h"

enum merge_fate {
        MERGE_NONE,             /* no merge target given */
        MERGE_CARRIED,          /* the local change is copied into the new /etc */
        MERGE_CARRIED_SHADOWS,  /* carried, and it hides the new image's own update of the file */
        MERGE_REMOVAL_APPLIED,  /* the local removal is applied to the new /etc */
        MERGE_DROPPED,          /* not carried: the merge ignores xattrs and directory metadata */
};

const char *merge_fate_name(enum merge_fate f);

struct etc_change {
        const struct fim_change *c;     /* old: image's /usr/etc entry; new: /etc entry (paths below /etc) */
        const char *path;               /* "/etc/..." */
        size_t path_len;
        bool beyond_config_diff;        /* xattr-only change, or a directory's metadata */
        enum merge_fate fate;
};

typedef int (*etc_change_fn)(const struct etc_change *ec, void *userdata);

struct etc_diff_opts {
        unsigned threads;
        /* The merge target's /usr/etc, with paths below /usr/etc ("/x"): a
         * staged or other deployment, or a commit. NULL: no prediction. */
        const struct fim_tree *merge_image;
        const volatile sig_atomic_t *cancel;
};

#define ETC_ATTRS (ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE | ATTR_CONTENT | ATTR_TARGET | ATTR_XATTRS)

/* Walks a directory holding an /etc (or /usr/etc) with the attributes etc-diff
 * compares; paths come out relative to it ("/x"). */
int etc_walk(const char *dir, unsigned threads, const volatile sig_atomic_t *cancel, struct fim_tree **ret);

/* Compares deploy_path/usr/etc with deploy_path/etc and calls fn per change in
 * path order. */
int etc_diff(const char *deploy_path, const struct etc_diff_opts *opts, etc_change_fn fn, void *userdata);
