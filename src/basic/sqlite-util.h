/* What every SQLite user here needs: one way to open a database file (ours,
 * regular, of the expected kind, with a cancellable busy wait), cleanup
 * helpers, and result codes as negative errno values. */
#pragma once

#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>

/* PRAGMA application_id of the two kinds of database driftwatch writes. */
#define DB_APP_BASELINE 0x44574231u     /* "DWB1" */
#define DB_APP_STATE    0x44575331u     /* "DWS1" */

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
