/* Reads an ostree commit into a fim_tree through libostree, without a
 * checkout: dirtree and dirmeta objects give the layout and directory
 * metadata, content objects give each file's metadata, xattrs and bytes (as a
 * checkout would have them, whatever the repository mode). */
#pragma once

#include <stddef.h>

#include "fim/entry.h"
#include "fim/walk.h"

/* Resolves ref (a ref, remote:ref or commit checksum) in the repository at
 * repo_path and records every entry below prefixes (all when n_prefixes is 0).
 * *ret_commit receives the commit checksum; *ret_stats (if given) counts the
 * entries and the distinct content objects hashed. On failure *ret_error (if
 * given) may hold libostree's one-line reason; free() it. Runs in the ostree
 * module (see ostree-module.h): -ELIBACC when it cannot be loaded. */
int ostree_tree_from_ref(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                         unsigned threads, struct fim_tree **ret, char **ret_commit,
                         struct walk_stats *ret_stats, char **ret_error);
