/* What changed between two snapshots of the mount table, and what the
 * current one says on its own: pure functions over struct mount_table, no
 * libmount, no I/O (unit-tested in tests/unit/test-mounts.c). The capability
 * (capability/mounts.c) turns each change into a DW-MNT-* finding.
 *
 * Mount ids are reused by the kernel, so mounts are matched by (target,
 * source, fstype, root); two mounts with the same key pair up in table order.
 * A mount whose key changed (remounted with another source) shows as one
 * that went and one that came at the same target; their options are compared
 * too. */
#pragma once

#include <stdbool.h>

#include "basic/strv.h"
#include "host/mount-table.h"

enum mount_change_kind {
        MOUNT_OVERLAY_NEW,              /* an overlay appeared on /usr, /etc or /opt, or below them */
        MOUNT_USR_RW,                   /* /usr was read-only and is read-write now */
        MOUNT_USR_RW_IMAGE,             /* image-mode host: /usr is read-write (every snapshot) */
        MOUNT_VERITY_REMOVED,           /* a mount's verity= / digest= options are gone or weaker */
        MOUNT_WATCHED_NEW,              /* a mount appeared over a watched path */
        MOUNT_WATCHED_REMOVED,          /* a mount over a watched path went away */
        MOUNT_WATCHED_OPTIONS,          /* the options of a mount over a watched path changed */
        _MOUNT_CHANGE_MAX,
};

struct mount_change {
        enum mount_change_kind kind;
        const struct mount_entry *before;       /* NULL: appeared */
        const struct mount_entry *after;        /* NULL: went away */
        const char *watched;                    /* the watch glob that made it count, or NULL */
        const char *detail;                     /* what is gone ("verity=require"), or NULL; static */
};

struct mounts_policy {
        const struct strv *watch;       /* globs (rules' mounts.watch): over these, a mount is a finding */
        bool image_mode;                /* /usr comes from an image (ostree, composefs) */
};

typedef int (*mount_change_fn)(const struct mount_change *c, void *userdata);

/* Calls fn for every change from prev to cur, in cur's order (then prev's for
 * mounts that went away); stops at fn's first negative return and returns it. */
int mounts_diff(const struct mount_table *prev, const struct mount_table *cur, const struct mounts_policy *p,
                mount_change_fn fn, void *userdata);
/* The findings of cur alone (MOUNT_USR_RW_IMAGE), for every snapshot, the
 * first of a boot too. */
int mounts_posture(const struct mount_table *cur, const struct mounts_policy *p, mount_change_fn fn,
                   void *userdata);

/* The mount that is visible at 'path': the last one (the kernel lists a mount
 * after the one it covers) whose target is path or its nearest ancestor. */
const struct mount_entry *mount_table_covering(const struct mount_table *t, const char *path);
/* Whether the table looks like an image-mode host's: /sysroot mounted, or
 * the root a composefs (an overlay whose source is composefs). */
bool mount_table_image_mode(const struct mount_table *t);
/* The glob of watch that 'target' is, is below, or would hide (an ancestor of
 * its fixed part: a mount on /etc hides /etc/sudoers.d); NULL when none. */
const char *mounts_watched(const struct strv *watch, const char *target);
/* 2 verity=require, 1 verity=on (or a composefs digest=), 0 none. */
int mount_verity_level(const struct mount_entry *e);
