/* The overlay diff engine: a container's merged view (its upper directory
 * over the image layers) against the image alone (the layers), resolved as
 * the kernel's overlayfs resolves them: whiteouts (character device 0/0, and
 * the xattr forms trusted.overlay.whiteout / user.overlay.whiteout), opaque
 * directories, redirect_dir, metacopy. One report per path that differs,
 * with what differs; content compared by size, then byte by byte. The
 * names of a directory are compared on 'threads' threads (0: one per CPU),
 * the reports made in path order on the calling one. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "basic/error.h"
#include "container/container.h"

enum ovl_change {
        OVL_ADDED,
        OVL_MODIFIED,
        OVL_DELETED,
};

/* Why a path differs, beyond its attributes. */
enum {
        OVL_NOTE_OPAQUE   = 1u << 0,    /* below a directory made opaque (removed and recreated) */
        OVL_NOTE_METACOPY = 1u << 1,    /* the upper file holds metadata only; its data is a lower file's */
        OVL_NOTE_REDIRECT = 1u << 2,    /* a directory renamed (redirect_dir), or below one */
        OVL_NOTE_WHITEOUT = 1u << 3,    /* deleted by a whiteout (else hidden by an opaque directory) */
        OVL_NOTE_INJECTED = 1u << 4,    /* from the container's own lower layer (Docker's -init): the runtime's */
};

struct ovl_change_entry {
        enum ovl_change change;
        const char *path;               /* "/a/b" inside the container; any bytes */
        size_t path_len;
        unsigned changed;               /* ATTR_* bits of fim/entry.h (OVL_MODIFIED) */
        unsigned notes;                 /* OVL_NOTE_* */
        const char *layer;              /* the image layer the original came from (modified, deleted) */
        struct stat before;             /* modified, deleted */
        struct stat after;              /* added, modified */
        const char *renamed_from;       /* a directory renamed (redirect_dir): its old path, else NULL */
        size_t renamed_from_len;
        const char *target;             /* a symlink's target now (added, modified), or NULL */
        size_t target_len;
        char head[4];                   /* the first bytes of the content now (regular files) */
        size_t head_len;
};

/* Called for every change, in path order, on the thread that called
 * ovl_diff(); a negative return stops the diff and is returned. */
typedef int (*ovl_change_fn)(const struct ovl_change_entry *e, void *userdata);

/* Limits on what the upper directory (root inside the container) controls. */
#define OVL_DIR_NAMES_MAX (1u << 20)   /* names of one directory, all layers together */
#define OVL_DEPTH_MAX 1024

/* Compares upper over lowers (top first) with lowers alone; the first
 * n_own lowers are the container's own (Docker's -init layer): merged in
 * the container's view only, what comes from them noted OVL_NOTE_INJECTED. The upper
 * directory is walked beneath its root, no symlink followed. -ENOENT when
 * upper is gone; -ECANCELED; *ret_error names the directory. */
int ovl_diff(const char *upper, const struct ctr_lower *lowers, size_t n_lowers, size_t n_own,
             unsigned threads, const volatile sig_atomic_t *cancel,
             ovl_change_fn fn, void *userdata, struct dw_error *ret_error);
