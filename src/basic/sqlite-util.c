/* SQLite helpers; see sqlite-util.h. */
#define _GNU_SOURCE
#include "sqlite-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "macros.h"

/* The busy handler: 10 ms naps up to DB_BUSY_MAX_MS in all, cut short by the
 * cancel flag (a signal also ends the nap early, so the flag is seen at once). */
static int busy_wait(void *userdata, int count)
{
        const volatile sig_atomic_t *cancel = userdata;
        struct timespec nap = { .tv_nsec = 10 * 1000 * 1000 };

        if ((cancel && *cancel) || count >= DB_BUSY_MAX_MS / 10)
                return 0;
        (void) nanosleep(&nap, NULL);
        return !(cancel && *cancel);
}

static int fail(const char *why, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = why;
        return -EBADMSG;
}

int db_check_application_id(sqlite3 *db, uint32_t expected, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;
        uint32_t id;
        int rc;

        rc = sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &s, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
                if (ret_reason)
                        *ret_reason = sqlite3_errstr(rc);
                return sqlite_errno(rc) ?: -EIO;
        }
        id = (uint32_t) sqlite3_column_int64(s, 0);
        if (id == expected)
                return 0;
        if (id == 0)
                return 1;
        if (id == DB_APP_BASELINE)
                return fail("a driftwatch baseline, not a state database", ret_reason);
        if (id == DB_APP_AGENT)
                return fail("the driftwatch agent's state database", ret_reason);
        if (id == DB_APP_STATE)
                return fail(expected == DB_APP_AGENT ? "a driftwatch state database, not the agent's" :
                                                       "a driftwatch state database, not a baseline", ret_reason);
        return fail("the database of another application", ret_reason);
}

int db_set_application_id(sqlite3 *db, uint32_t id)
{
        char sql[64];

        snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", (int32_t) id);
        return sqlite_errno(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

int db_open(const char *path, const struct db_open_args *args, sqlite3 **ret_db, const char **ret_reason)
{
        _cleanup_(sqlite_closep) sqlite3 *db = NULL;
        _cleanup_(closep) int fd = -1;
        bool ro = args->flags & DB_READ_ONLY, nofollow = args->flags & DB_NOFOLLOW;
        int oflags = (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0);
        struct stat st, now;
        int rc, r;

        /* O_NONBLOCK: a FIFO must not block the open; it is refused below. */
        if (args->flags & DB_CREATE) {
                fd = open(path, oflags | O_CREAT | O_EXCL, args->mode);
                if (fd >= 0 && fchmod(fd, args->mode) < 0)
                        return negative_errno();
                if (fd < 0 && errno != EEXIST)
                        return negative_errno();
        }
        if (fd < 0)
                fd = open(path, oflags);
        if (fd < 0 && errno == ELOOP && nofollow)
                return fail("a symbolic link (not followed)", ret_reason);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return fail("not a regular file", ret_reason);
        if (args->same_as && (st.st_dev != args->same_as->st_dev || st.st_ino != args->same_as->st_ino))
                return fail("replaced while it was being opened", ret_reason);

        rc = sqlite3_open_v2(path, &db, (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                                                (nofollow ? SQLITE_OPEN_NOFOLLOW : 0), NULL);
        if (rc != SQLITE_OK) {
                if (ret_reason && db)
                        *ret_reason = sqlite3_errstr(rc);
                return db ? sqlite_errno(rc) ?: -EIO : -ENOMEM;
        }
        /* SQLite holds the file open now: the name must still be the file we
         * checked, or someone swapped it in between. */
        if ((nofollow ? lstat(path, &now) : stat(path, &now)) < 0 || now.st_dev != st.st_dev ||
            now.st_ino != st.st_ino)
                return fail("replaced while it was being opened", ret_reason);
        sqlite3_busy_handler(db, busy_wait, (void *) (uintptr_t) args->cancel);

        r = db_check_application_id(db, args->application_id, ret_reason);
        if (r < 0)
                return r;
        *ret_db = TAKE_PTR(db);
        return r;
}

int sqlite_errno(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        case SQLITE_PERM:
        case SQLITE_AUTH:
        case SQLITE_READONLY:
                return -EACCES;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT:
        case SQLITE_FORMAT:
        case SQLITE_SCHEMA:
        case SQLITE_MISMATCH:
                return -EBADMSG;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        default:
                return -EIO;
        }
}

int sqlite_fail(int rc, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = sqlite3_errstr(rc);
        return sqlite_errno(rc) ?: -EIO;
}

const char *const db_state_tables[] = {
        "status_snapshots", "status_deployments", "mount_snapshots", "mount_entries", "var_exec_roots", "var_exec",
        NULL,
};

/* Whether db holds tables other than the state tables (and SQLite's own). */
static int has_foreign_tables(sqlite3 *db, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int64_t n = 0;
        int rc;

        rc = sqlite3_prepare_v2(db,
                                "SELECT name FROM sqlite_schema WHERE name <> 'sqlite_sequence'"
                                " AND name NOT LIKE 'sqlite_autoindex_%'",
                                -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *name = (const char *) sqlite3_column_text(st, 0);
                const char *const *t;

                for (t = db_state_tables; name && *t; t++)
                        if (strcmp(*t, name) == 0)
                                break;
                if (!name || !*t)
                        n++;
        }
        if (rc != SQLITE_DONE)
                return sqlite_fail(rc, ret_reason);
        return n > 0;
}

int state_db_open(struct state_db *s, const char *path, const volatile sig_atomic_t *cancel, const char *schema,
                  const char *const *probes, const char **ret_reason)
{
        _cleanup_(sqlite_closep) sqlite3 *db = NULL;
        bool stamped;
        int rc, r;

        r = db_open(path, &(struct db_open_args) { .flags = DB_CREATE | DB_NOFOLLOW, .mode = 0600,
                                                   .application_id = DB_APP_STATE, .cancel = cancel },
                    &db, ret_reason);
        if (r < 0)
                return r;
        stamped = r == 0;
        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_BUSY && cancel && *cancel)
                return -ECANCELED;
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        /* From here on, closing db without COMMIT rolls everything back. */
        if (!stamped) {
                /* New, or written by a version that did not stamp it: ours only
                 * when it holds nothing but state tables. */
                r = has_foreign_tables(db, ret_reason);
                if (r < 0)
                        return r;
                if (r > 0)
                        return fail("not a driftwatch state database", ret_reason);
                r = db_set_application_id(db, DB_APP_STATE);
                if (r < 0)
                        return sqlite_fail(sqlite3_errcode(db), ret_reason);
        }
        rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        /* Tables of these names but another shape: someone else's database. */
        for (; probes && *probes; probes++) {
                sqlite3_stmt *probe = NULL;

                rc = sqlite3_prepare_v2(db, *probes, -1, &probe, NULL);
                sqlite3_finalize(probe);
                if (rc == SQLITE_NOMEM)
                        return -ENOMEM;
                if (rc != SQLITE_OK)
                        return fail("state tables of an unknown shape: not a driftwatch state database",
                                    ret_reason);
        }
        s->db = TAKE_PTR(db);
        s->in_transaction = true;
        return 0;
}

int state_db_commit(struct state_db *s, const char **ret_reason)
{
        int rc;

        rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        s->in_transaction = false;
        return 0;
}

void state_db_close(struct state_db *s)
{
        if (s->in_transaction)
                (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(s->db);
        *s = (struct state_db) { 0 };
}

int state_db_bad(const char *why, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = why;
        return -EBADMSG;
}
