/* The layers of the merged hierarchies (/usr, /opt, /etc) of the live host:
 * systemd-sysext and systemd-confext mount an overlay whose lowerdir= lists
 * one directory per extension (/run/systemd/sysext/extensions/NAME/usr;
 * confext, v254 and later: /run/systemd/sysext/confexts/NAME/etc, the same
 * workspace), topmost first, and the base hierarchy last. layers_owner() says
 * which layer provides a path and whether a lower one has it too (the upper
 * one shadows it). Collection only; capability/union.c makes findings.
 * docs/internals/host.md ("Layers of a merged hierarchy") has the contract. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macros.h"

#define LAYERS_MAX 64                   /* lower dirs read per overlay */
#define LAYERS_MAX_MOUNTS 8             /* overlays read (/usr, /opt, /etc) */

/* The workspace both systemd-sysext and systemd-confext merge in (sysext.c
 * merge_subprocess(), v252 to v257): a tmpfs in the merge's own namespace. */
#define LAYERS_WORKSPACE "/run/systemd/sysext/"

struct fs_reader;

/* Copies the next dir of a lowerdir= value at *p into buf (room for
 * strlen(*p) + 1 bytes), "\:" unescaped to a colon, and moves *p past it and
 * its colon: the dir's length, 0 for an empty one. */
size_t layers_lowerdir_next(const char **p, char *buf);

enum lowerdir_kind {
        LOWERDIR_OUTSIDE,               /* not in the workspace: the base, or no systemd merge */
        LOWERDIR_META,                  /* systemd's meta layer (the merge's marker files) */
        LOWERDIR_EXTENSION,             /* LAYERS_WORKSPACE "extensions/NAME/..." or "confexts/NAME/..." */
};

/* What a lower dir of a merge is. For LOWERDIR_EXTENSION, *ret_name points
 * at the name inside dir (*ret_len bytes, not terminated) and *ret_confext
 * says whether it is a confext's; untouched otherwise. */
enum lowerdir_kind layers_lowerdir_kind(const char *dir, const char **ret_name, size_t *ret_len, bool *ret_confext);

/* How a layer's files are reached. The lower dirs systemd-sysext v252 names
 * live only in the mount namespace of the merge, so an extension layer is
 * read from its image (layers_attach_image) and the base through a clone of
 * the mount below the overlay. */
enum layer_probe {
        LAYER_PROBE_NONE,               /* cannot be looked into */
        LAYER_PROBE_DIR,                /* a directory: fstatat below dirfd */
        LAYER_PROBE_IMAGE,              /* a squashfs or erofs image, read in userspace */
};

struct layer {
        char *name;                     /* the extension; NULL: the base hierarchy */
        char *dir;                      /* the lower dir as the mount table names it */
        char *image;                    /* the extension's image, once attached */
        enum layer_probe probe;
        int dirfd;                      /* LAYER_PROBE_DIR: the hierarchy inside the layer (O_PATH) */
        int fd;                         /* LAYER_PROBE_IMAGE: the image file */
        struct fs_reader *fs;
};

struct union_mount {
        char *target;                   /* "/usr" */
        bool confext;                   /* lowerdirs of systemd-confext */
        bool meta;                      /* the lowerdirs have systemd's meta layer (dropped from layers[]) */
        int64_t merge_time;             /* ctime of the merge's marker, seconds; 0: not known */
        struct layer layers[LAYERS_MAX];        /* topmost first; the base last */
        size_t n;
};

struct layers {
        struct union_mount *mounts;
        size_t n;
};

/* The overlays on /usr, /opt and /etc of this host's mount table whose lower
 * dirs are systemd-sysext / confext ones (others are not extensions). 0 with
 * *ret (n may be 0), or -errno; -ELIBACC when libmount is missing. */
int layers_read(struct layers **ret);

/* Adds the overlay on target with this lowerdir= value (colons separate the
 * dirs, "\:" is a colon inside one); extension names are taken from the
 * dirs layers_lowerdir_extension() recognises, systemd's meta layer
 * is dropped and the last dir is the base. Each dir that can be opened is
 * probed as a directory. -E2BIG past LAYERS_MAX dirs, -EBADMSG on an empty
 * dir. For layers_read() and for tests. */
int layers_add(struct layers *l, const char *target, const char *lowerdir);

/* Reads the extension layer named name of every mount of its class
 * (confext for /etc) from its image: a directory (its hierarchy below it, no
 * symlink followed) or a squashfs / erofs image (read in userspace). A layer
 * already reachable keeps its probe; an image of another form leaves it
 * LAYER_PROBE_NONE. 0, or -errno when out of memory. */
int layers_attach_image(struct layers *l, const char *name, bool confext, const char *image, const char *form);

struct layer_owner {
        const struct union_mount *mount;        /* NULL: path is in no merged hierarchy */
        const struct layer *top;                /* the layer that provides path; NULL: none known */
        const struct layer *below;              /* the first lower layer that has it too (shadowed) */
        bool below_unknown;                     /* a lower layer could not be looked into */
        bool meta;                              /* in no layer, every one looked into, and one of the
                                                 * marker files the merge writes into its meta layer */
};

/* The marker directory a merge writes into its meta layer, at the top of
 * the hierarchy: ".systemd-sysext", ".systemd-confext" for /etc. */
#define LAYERS_MARKER_SYSEXT ".systemd-sysext"
#define LAYERS_MARKER_CONFEXT ".systemd-confext"

/* Which layer provides the absolute path: the topmost layer that has it
 * (lstat per layer, stopping at the second hit); or, when none has it and
 * the merge has a meta layer (which cannot be looked into: it lives in the
 * merge's own mount namespace), whether the path is the merge's marker
 * (TARGET/.systemd-sysext or below). Never fails: what cannot be looked into
 * is "not known". */
void layers_owner(const struct layers *l, const char *path, struct layer_owner *ret);

struct layers *layers_free(struct layers *l);
DEFINE_FREEP(struct layers, layers_free)
