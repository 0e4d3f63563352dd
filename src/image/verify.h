/* Image verification: every entry under a deployment's /usr against its ostree
 * commit, by ostree's own object checksums (header with uid, gid, mode, symlink
 * target and xattrs, then content), never by inode identity: a deployed file is
 * a hardlink to its repository object, so an in-place edit changes both. */
#pragma once

#include "sysroot.h"
#include "fim/diff.h"
#include "fim/walk.h"

struct verify_opts {
        unsigned threads;
        char *const *prefixes;          /* NULL: /usr */
        size_t n_prefixes;
        struct walk_progress *progress;
        const volatile sig_atomic_t *cancel;
};

struct verify_stats {
        unsigned long long entries, files, mismatched, corrupt_objects;
        /* Filled by capability_image_verify on the running deployment: the
         * extensions merged on top of its /usr now (not verified:
         * they are not part of the deployment), comma-separated, cut short
         * with "..." past the buffer. */
        unsigned n_on_top;
        char on_top[256];
};

/* Calls fn once per difference (added, removed, modified, unreadable) in path
 * order. A modified file's 'changed' names the attributes that differ from the
 * repository object; when the object is the deployed inode itself (edited in
 * place through the hardlink) only ATTR_OBJECT is known, with the quality flag
 * "repository-object-modified". -ENOENT: the deployment's commit is not in the
 * repository (*ret_error says so). Runs in the ostree module (see
 * ostree-module.h): -ELIBACC when it cannot be loaded. */
int image_verify(const struct sysroot *ds, const struct sysroot_deployment *d, const struct verify_opts *opts,
                 fim_change_fn fn, void *userdata, struct verify_stats *ret_stats, char **ret_error);
