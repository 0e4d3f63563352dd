/* Mount table snapshots in the state database (the file `status` uses;
 * db_open_state()). One writer at a time: the store opens a BEGIN IMMEDIATE
 * transaction that mount_store_commit() ends; freeing it before that rolls
 * back, so a failed run leaves no half-written snapshot. Functions return 0
 * or -errno with a static reason in *ret_reason. */
#pragma once

#include <signal.h>
#include <stdint.h>

#include "basic/macros.h"
#include "host/mount-table.h"

#define MOUNT_STORE_MAX_SNAPSHOTS 8     /* kept per database, the newest */
#define MOUNT_BOOT_ID_MAX 64

struct mount_store;

struct mount_snapshot_info {
        int64_t id;
        int64_t taken;                  /* seconds since the epoch */
};

int mount_store_open(const char *path, const volatile sig_atomic_t *cancel, struct mount_store **ret,
                     const char **ret_reason);
/* The newest snapshot recorded with this boot id (*ret NULL when none); it
 * stays owned by the store. */
int mount_store_last(struct mount_store *s, const char *boot_id, const struct mount_table **ret,
                     struct mount_snapshot_info *ret_info, const char **ret_reason);
/* Records t as a new snapshot and drops the oldest beyond the limit. */
int mount_store_record(struct mount_store *s, const char *boot_id, const struct mount_table *t, int64_t now,
                       const char **ret_reason);
int mount_store_commit(struct mount_store *s, const char **ret_reason);
struct mount_store *mount_store_free(struct mount_store *s);

DEFINE_FREEP(struct mount_store, mount_store_free)
