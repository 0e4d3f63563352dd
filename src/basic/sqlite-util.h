/* What every SQLite user here needs: one way to open a database file (ours,
 * regular, of the expected kind, with a cancellable busy wait), cleanup
 * helpers, and result codes as negative errno values. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>

/* PRAGMA application_id of the kinds of database driftwatch writes. */
#define DB_APP_BASELINE 0x44574231u     /* "DWB1" */
#define DB_APP_STATE    0x44575331u     /* "DWS1" */
#define DB_APP_AGENT    0x44574131u     /* "DWA1": the agent's spool and schedules (agent/state.h) */

/* How long a connection waits for another one's lock, in 10 ms steps. */
#define DB_BUSY_MAX_MS 10000

enum {
        DB_READ_ONLY = 1u << 0,         /* else read-write */
        DB_CREATE    = 1u << 1,         /* create it (O_EXCL, 'mode') when it does not exist */
        DB_NOFOLLOW  = 1u << 2,         /* refuse a symlink as the last component */
};

struct db_open_args {
        unsigned flags;                 /* DB_* */
        mode_t mode;                    /* of a file DB_CREATE creates, whatever the umask */
        uint32_t application_id;        /* the kind expected: DB_APP_* */
        const struct stat *same_as;     /* when set: the file must be this one (dev, ino) */
        const volatile sig_atomic_t *cancel;    /* set: a busy wait gives up (NULL: none) */
};

/* Opens the database at 'path'. We open (or create) the file first, refuse
 * anything but a regular file, and SQLite then opens that same file (checked
 * by device and inode) without creating anything or following a symlink when
 * DB_NOFOLLOW is given. Returns 0 for a database of args->application_id, 1
 * for one without an application id (a new, empty file, or one written by an
 * older version: the caller decides, and stamps it with
 * db_set_application_id()). -EBADMSG when it is not a regular file, not a
 * database, a symlink under DB_NOFOLLOW, or a database of another kind or
 * application; *ret_reason (if given) then says which, as a static string. */
int db_open(const char *path, const struct db_open_args *args, sqlite3 **ret_db, const char **ret_reason);

/* The application id check of db_open(), for a database opened otherwise
 * (sqlite3_deserialize). Same returns. */
int db_check_application_id(sqlite3 *db, uint32_t expected, const char **ret_reason);
int db_set_application_id(sqlite3 *db, uint32_t id);

/* The tables of the state database (DB_APP_STATE), whoever writes them:
 * status-store.c (status_*), host/mount-store.c (mount_*) and host/exec-store.c
 * (var_exec*). A file that holds other tables and no application id is
 * someone else's. NULL-terminated. */
extern const char *const db_state_tables[];

/* One writer's connection to the state database (DB_APP_STATE). */
struct state_db {
        sqlite3 *db;
        bool in_transaction;
};

/* Opens (creating it 0600 when missing, never through a symlink) the state
 * database at 'path' into *s: the file is checked as db_open() does, stamped
 * DB_APP_STATE when it holds nothing but state tables, and a BEGIN IMMEDIATE
 * transaction is open on return, until state_db_commit(); state_db_close()
 * before that rolls everything back. 'schema' (CREATE TABLE IF NOT EXISTS
 * ...) is run in it; each statement of 'probes' (NULL-terminated) must then
 * prepare, or the tables have another shape: -EBADMSG. Same returns as
 * db_open(), plus -ECANCELED when the cancel flag ended a wait for the lock. */
int state_db_open(struct state_db *s, const char *path, const volatile sig_atomic_t *cancel, const char *schema,
                  const char *const *probes, const char **ret_reason);
int state_db_commit(struct state_db *s, const char **ret_reason);
void state_db_close(struct state_db *s);
/* A state database whose content is not what we wrote: *ret_reason (may be
 * NULL) = why, -EBADMSG. */
int state_db_bad(const char *why, const char **ret_reason);

/* rc as -errno (-EIO when it has none) with sqlite3_errstr(rc) as the reason. */
int sqlite_fail(int rc, const char **ret_reason);

/* SQLITE_* (extended codes too) -> 0 or -errno: -EBADMSG for a file that is
 * not a database or is corrupt, -EBUSY when locked, -ENOSPC, -EACCES ... */
int sqlite_errno(int rc);

static inline void sqlite_closep(sqlite3 **db)
{
        if (*db)
                sqlite3_close_v2(*db);
}

static inline void sqlite_finalizep(sqlite3_stmt **s)
{
        if (*s)
                sqlite3_finalize(*s);
}
