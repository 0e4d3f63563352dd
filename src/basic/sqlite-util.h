/* What every SQLite user here needs: cleanup helpers and result codes as
 * negative errno values. */
#pragma once

#include <sqlite3.h>

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
