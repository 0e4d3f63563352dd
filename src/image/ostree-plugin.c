/* The ostree module's one exported symbol: the table ostree-module.c looks
 * up after loading driftwatch-ostree.so. */
#include "image/ostree-impl.h"
#include "image/ostree-module.h"

__attribute__((visibility("default"))) const struct ostree_module driftwatch_ostree_module = {
        .abi = OSTREE_MODULE_ABI,
        .sysroot_load = sysroot_load_ostree,
        .image_verify = image_verify_ostree,
        .tree_from_ref = ostree_tree_read,
};
