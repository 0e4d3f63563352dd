/* The diff engine: walks two sorted trees side by side and reports what was
 * added, removed, modified (with the set of attributes that differ) or could not
 * be read. Pure: no I/O, no logging. */
#pragma once

#include "entry.h"

enum change_kind {
        CHANGE_ADDED,
        CHANGE_REMOVED,
        CHANGE_MODIFIED,
        CHANGE_UNREADABLE,      /* present now, but not fully readable (new->err) */
};

struct fim_change {
        enum change_kind kind;
        const struct fim_entry *old;    /* NULL when added */
        const struct fim_entry *new;    /* NULL when removed */
        unsigned changed;               /* ATTR_* that differ, for CHANGE_MODIFIED */
        const char *quality;            /* a data-quality flag, or NULL */
        /* With fim_diff_folded(): the entries below a removed or retyped
         * directory, in base and in cur, reported with it instead of one by one. */
        size_t folded_old, folded_new;
};

typedef int (*fim_change_fn)(const struct fim_change *c, void *userdata);

/* Compares 'base' with 'cur' on the attributes both recorded (and 'attrs', when
 * non-zero), below 'prefixes' only (all when n_prefixes is 0). Calls fn for each
 * change in path order; a negative return from fn stops the diff and is
 * returned. Directory size and mtime are not compared: they follow from the
 * entries, which are compared themselves. */
int fim_diff(const struct fim_tree *base, const struct fim_tree *cur, unsigned attrs,
             char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata);

/* The same, listing as `ostree diff` and `ostree admin config-diff` do: a
 * removed directory, or an entry whose type changed to or from a directory, is
 * one change, its subtree counted in folded_old / folded_new and not reported
 * entry by entry. Added directories are listed with their subtree. */
int fim_diff_folded(const struct fim_tree *base, const struct fim_tree *cur, unsigned attrs, fim_change_fn fn,
                    void *userdata);

/* For joins of their own (image verification) and diffs in chunks: the
 * folding fim_diff_folded() does. Zero-initialise; fim_fold_release() when
 * done. fim_fold_hides() tells, for each entry in path order, whether it lies
 * below a folded directory (it is then not reported); fim_fold_change() folds
 * the subtrees below c's entry into c when c removes a directory or changes a
 * type to or from one, counting them in the whole trees base and cur, or
 * through 'count' when set (a diff in chunks has only the chunk's trees). */
struct fim_fold {
        struct { char *path; size_t len; } *dirs;
        size_t n, cap;
        int (*count)(void *userdata, bool in_cur, const char *path, size_t len, size_t *ret);
        void *userdata;
};

void fim_fold_release(struct fim_fold *f);
bool fim_fold_hides(struct fim_fold *f, const struct fim_entry *e);
int fim_fold_change(struct fim_fold *f, struct fim_change *c, const struct fim_tree *base, const struct fim_tree *cur);

/* The same for one chunk of a check cut in path ranges: 'unlisted' holds the
 * directories of earlier chunks that could not be listed (sorted, or NULL),
 * whose children in this chunk are not removed either. */
int fim_diff_chunk(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                   unsigned attrs, char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata);

/* fim_diff_chunk() with folding (see fim_fold) carried from chunk to chunk. */
int fim_diff_chunk_folded(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                          unsigned attrs, struct fim_fold *fold, fim_change_fn fn, void *userdata);

/* The ATTR_* bits in which two entries differ, among 'attrs'. */
unsigned fim_entry_compare(const struct fim_entry *a, const struct fim_entry *b, unsigned attrs);
