/* /etc against the image's defaults in /usr/etc, listed the way `ostree admin
 * config-diff` lists them (a removed or retyped directory once, with what was
 * below it counted), and more: xattrs and SELinux labels, which config-diff
 * ignores, are compared too and flagged as beyond config-diff. With a merge
 * target, each change also says what ostree's merge will do with it at the
 * next deployment (etc-merge.h), including the changes that make it fail. */
#pragma once

#include <signal.h>

#include "etc-merge.h"
#include "fim/diff.h"

struct etc_change {
        const struct fim_change *c;     /* old: image's /usr/etc entry; new: /etc entry (paths below /etc) */
        bool beyond_config_diff;        /* an xattr-only change, or one of /etc itself */
        const struct merge_result *merge; /* NULL: no merge target */
};

typedef int (*etc_change_fn)(const struct etc_change *ec, void *userdata);

struct etc_diff_opts {
        unsigned threads;
        /* The merge target's /usr/etc, with paths below /usr/etc ("/x"): a
         * staged or other deployment, or a commit. NULL: no prediction. */
        const struct fim_tree *merge_image;
        unsigned ostree_version;        /* whose merge rules apply (OSTREE_VERSION_NUM) */
        const volatile sig_atomic_t *cancel;
};

struct etc_diff_stats {
        size_t blockers;                /* changes on which the deploy fails */
};

#define ETC_ATTRS (ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE | ATTR_CONTENT | ATTR_TARGET | ATTR_XATTRS)

/* Walks a directory holding an /etc (or /usr/etc) with the attributes etc-diff
 * compares; paths come out relative to it ("/x"). The directory itself is
 * opened without following a symlink: -ELOOP when it is one. */
int etc_walk(const char *dir, unsigned threads, const volatile sig_atomic_t *cancel, struct fim_tree **ret);

/* Compares deploy_path/usr/etc with deploy_path/etc and calls fn per change in
 * path order. */
int etc_diff(const char *deploy_path, const struct etc_diff_opts *opts, etc_change_fn fn, void *userdata,
             struct etc_diff_stats *ret_stats);
