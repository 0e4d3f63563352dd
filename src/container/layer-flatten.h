/* Image layers flattened into one tree, as the OCI image specification
 * (layer.md) applies a changeset: each layer's entries replace the ones of the
 * layers below, a whiteout ".wh.NAME" removes NAME (and what lies below it)
 * from the layers below, ".wh..wh..opq" makes its directory opaque (hides
 * everything the layers below hold in it). No file is ever written: entries
 * are metadata and content digests, so a hostile layer can at worst be
 * refused.
 *
 * A layer is staged entry by entry (layer_flatten_add), then either committed
 * (its DiffID verified) or dropped. Every path is checked when it is staged:
 * normalised, no "..", not absolute, never below a symlink or a non-directory
 * of the tree as it stands, at most LAYER_PATH_DEPTH_MAX components. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fim/entry.h"

#define LAYER_PATH_DEPTH_MAX 256
/* The root directory is the runtime's, not the image's: containers/storage
 * ignores a layer's "./" member and gives every layer's root this mode (owner
 * root), which a container's merged root shows. */
#define LAYER_ROOT_MODE 0555
#define LAYER_ENTRIES_MAX (10u * 1000 * 1000)     /* entries in the tree and in one layer */

struct layer_flatten;

int layer_flatten_new(struct layer_flatten **ret);
struct layer_flatten *layer_flatten_free(struct layer_flatten *f);
DEFINE_FREEP(struct layer_flatten, layer_flatten_free)

/* Turns a tar member name into the tree's "/a/b" form in ret (FIM_PATH_MAX
 * bytes and a NUL): "./a/b", "a/b/", "a//b" and "a/./b" are "/a/b", "." and
 * "./" are "/". -EBADMSG for an absolute name, a ".." component, an empty
 * name or NUL bytes; -ENAMETOOLONG past FIM_PATH_MAX or LAYER_PATH_DEPTH_MAX
 * components. */
int layer_path_normalize(const char *name, size_t len, char *ret, size_t *ret_len);

/* Stages one member of the current layer (a "/" member is ignored, see LAYER_ROOT_MODE). e->path is the normalised path
 * (copied); for a hardlink, hardlink is the normalised path of its target (an
 * entry staged earlier in this layer or present below), whose attributes the
 * link shares. A whiteout name stages the removal instead. -EBADMSG with
 * *ret_reason (a static string) for a member no layer may hold: a path below
 * a symlink or a non-directory, a whiteout of nothing nameable, a hardlink to
 * nothing or to a directory; -E2BIG past LAYER_ENTRIES_MAX. */
int layer_flatten_add(struct layer_flatten *f, const struct fim_entry *e, const char *hardlink,
                      const char **ret_reason);
/* Applies the staged layer: whiteouts and opaque directories remove from the
 * layers below, then the staged entries replace theirs (a non-directory that
 * replaces a directory removes what was below it). */
int layer_flatten_commit(struct layer_flatten *f);
/* Forgets the staged layer (a layer whose DiffID did not match). */
void layer_flatten_drop(struct layer_flatten *f);
/* The tree the committed layers make, sorted, every parent present (a parent
 * no layer named is a directory 0755 owned by root, as extraction creates it),
 * hardlink groups filled in; only entries at or below prefixes when
 * n_prefixes > 0. The flattener is left empty. */
int layer_flatten_finish(struct layer_flatten *f, char *const *prefixes, size_t n_prefixes,
                         struct fim_tree **ret);
