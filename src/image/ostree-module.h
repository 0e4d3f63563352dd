/* Everything that needs libostree (and with it GLib, gpgme and some sixty
 * shared libraries) lives in a module of its own, driftwatch-ostree.so,
 * loaded on the first call that needs it: sysroot_load(), image_verify() and
 * ostree_tree_from_ref() are entry points here that load the module and call
 * into it. Commands that never read an ostree repository or sysroot start
 * without it. */
#pragma once

#include "image/ostree-source.h"
#include "image/sysroot.h"
#include "image/verify.h"

#define OSTREE_MODULE_NAME "driftwatch-ostree.so"
#define OSTREE_MODULE_SYMBOL "driftwatch_ostree_module"
/* Raised whenever the table below changes shape: a module of another build
 * is refused, never called. */
#define OSTREE_MODULE_ABI 1

struct ostree_module {
        unsigned abi;
        int (*sysroot_load)(const char *sysroot, struct sysroot **ret, char **ret_error);
        int (*image_verify)(const struct sysroot *ds, const struct sysroot_deployment *d,
                            const struct verify_opts *opts, fim_change_fn fn, void *userdata,
                            struct verify_stats *ret_stats, char **ret_error);
        int (*tree_from_ref)(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                             unsigned threads, struct fim_tree **ret, char **ret_commit,
                             struct walk_stats *ret_stats, char **ret_error);
};

/* Loads the module once per process (thread-safe): from the directory of
 * the running executable, else from DW_MODULE_DIR. The file must be a regular
 * file owned by root or by the caller and writable by nobody else: a module
 * runs with the caller's privileges. 0, or -ELIBACC with *ret_reason (static
 * or owned by the loader, valid for the process) saying why. */
int ostree_module_get(const struct ostree_module **ret, const char **ret_reason);
