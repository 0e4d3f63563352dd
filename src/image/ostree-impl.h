/* Inside the ostree module only (it links libostree and GLib): the
 * implementations behind the entry points of ostree-module.h, and what they
 * share. Nothing outside src/image/{sysroot-ostree,ostree-source,verify,
 * ostree-plugin}.c includes this. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "image/ostree-source.h"
#include "image/sysroot.h"
#include "image/verify.h"

int sysroot_load_ostree(const char *sysroot, struct sysroot **ret, char **ret_error);

int image_verify_ostree(const struct sysroot *ds, const struct sysroot_deployment *d,
                        const struct verify_opts *opts, fim_change_fn fn, void *userdata,
                        struct verify_stats *ret_stats, char **ret_error);

/* ostree_tree_from_ref() of ostree-source.h. */
int ostree_tree_read(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                     unsigned threads, struct fim_tree **ret, char **ret_commit,
                     struct walk_stats *ret_stats, char **ret_error);

/* The commit's layout only, without reading any content object: directories
 * with their dirmeta (type, mode, uid, gid, xattrs), and files with type 0
 * (unknown) and, in sha256, the binary ostree object checksum the dirtree
 * names. What `image verify` compares a deployment with. */
int ostree_tree_layout(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                       struct fim_tree **ret, char **ret_commit, char **ret_error);

/* Packs an ostree xattr array (a(ayay), names with their NUL) into the arena
 * as fim entries carry them (see xattr_pack); the limits of xattr-util.h apply:
 * -E2BIG past them. NULL packs as no attributes. */
int ostree_xattrs_pack(struct arena *a, GVariant *xattrs, const uint8_t **ret, uint32_t *ret_len);
