/* Host status snapshots in the SQLite state database (`driftwatch status
 * --state DB`): the last one is what the next run compares with.
 *
 * A session is one write transaction: status_store_open() begins it (and
 * creates the tables the first time), status_store_last() loads the newest
 * snapshot, status_store_record() adds the new one, status_store_commit()
 * makes it durable. status_store_free() without a commit rolls everything
 * back, so a failed run leaves the database as it was. */
#pragma once

#include <signal.h>
#include <stdint.h>

#include "basic/macros.h"
#include "host-status.h"

/* Distinct snapshots kept; older ones are deleted as new ones come. */
#define STATUS_STORE_MAX_SNAPSHOTS 1000

struct status_store;

struct status_snapshot_info {
        int64_t id;
        int64_t first_seen, last_seen;  /* seconds since the epoch */
        int64_t checks;                 /* runs that saw this snapshot */
};

/* Opens the database at path, which must be a regular file (not a symlink)
 * or absent: then it is created with mode 0600, in a directory that must
 * exist. Refuses a database of another application or kind (PRAGMA
 * application_id, or foreign tables in an unmarked one). Begins the session,
 * waiting up to DB_BUSY_MAX_MS for another run's lock, or until *cancel is
 * set: -ECANCELED. On failure *ret_reason (if given) is a static string. */
int status_store_open(const char *path, const volatile sig_atomic_t *cancel, struct status_store **ret,
                      const char **ret_reason);
/* The newest snapshot, owned by the store: 0 and *ret NULL when there is none yet. */
int status_store_last(struct status_store *s, const struct host_status **ret,
                      struct status_snapshot_info *ret_info, const char **ret_reason);
/* Records hs as seen at 'now': a new snapshot, or when hs equals the newest
 * one, that one's last_seen and checks. */
int status_store_record(struct status_store *s, const struct host_status *hs, int64_t now,
                        const char **ret_reason);
int status_store_commit(struct status_store *s, const char **ret_reason);
struct status_store *status_store_free(struct status_store *s);

DEFINE_FREEP(struct status_store, status_store_free)
