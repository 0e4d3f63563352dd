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
};

typedef int (*fim_change_fn)(const struct fim_change *c, void *userdata);

/* Compares 'base' with 'cur' on the attributes both recorded (and 'attrs', when
 * non-zero), below 'prefixes' only (all when n_prefixes is 0). Calls fn for each
 * change in path order; a negative return from fn stops the diff and is
 * returned. Directory size and mtime are not compared: they follow from the
 * entries, which are compared themselves. */
int fim_diff(const struct fim_tree *base, const struct fim_tree *cur, unsigned attrs,
             char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata);

/* The same for one chunk of a check cut in path ranges: 'unlisted' holds the
 * directories of earlier chunks that could not be listed (sorted, or NULL),
 * whose children in this chunk are not removed either. */
int fim_diff_chunk(const struct fim_tree *base, const struct fim_tree *cur, const struct fim_tree *unlisted,
                   unsigned attrs, char *const *prefixes, size_t n_prefixes, fim_change_fn fn, void *userdata);

/* The ATTR_* bits in which two entries differ, among 'attrs'. */
unsigned fim_entry_compare(const struct fim_entry *a, const struct fim_entry *b, unsigned attrs);
