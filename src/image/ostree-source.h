/* Reads an ostree commit into a fim_tree through libostree, without a
 * checkout: dirtree and dirmeta objects give the layout and directory
 * metadata, content objects give each file's metadata, xattrs and bytes (as a
 * checkout would have them, whatever the repository mode). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "fim/entry.h"
#include "fim/walk.h"

/* Resolves ref (a ref, remote:ref or commit checksum) in the repository at
 * repo_path and records every entry below prefixes (all when n_prefixes is 0).
 * *ret_commit receives the commit checksum; *ret_stats (if given) counts the
 * entries and the distinct content objects hashed. On failure *ret_error (if
 * given) may hold libostree's one-line reason; free() it. */
int ostree_tree_from_ref(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
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
