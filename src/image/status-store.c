/* Status snapshots in SQLite; see status-store.h.
 *
 * Tables (their names leave room for other state in the same database):
 *   status_snapshots   one row per distinct host status: when it was first and
 *                      last seen, by how many runs, source and host flags
 *   status_deployments the deployments of each snapshot, in input order
 * Everything a run writes happens inside one BEGIN IMMEDIATE transaction,
 * which also keeps two concurrent runs from comparing with the same snapshot.
 * PRAGMA application_id DB_APP_STATE marks the file as a state database; the
 * mount snapshots (host/mount-store.c) share the file, opened the same way
 * (db_open_state()). */
#define _GNU_SOURCE
#include "status-store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/sqlite-util.h"

struct status_store {
        struct state_db state;
        bool loaded;
        struct host_status *last;
        struct status_snapshot_info info;
};

static const char schema[] =
        "CREATE TABLE IF NOT EXISTS status_snapshots ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
        " checks INTEGER NOT NULL, source TEXT NOT NULL, rollback_queued INTEGER NOT NULL, usr_overlay TEXT);"
        "CREATE TABLE IF NOT EXISTS status_deployments ("
        " snapshot INTEGER NOT NULL, idx INTEGER NOT NULL, role TEXT NOT NULL, image TEXT, transport TEXT,"
        " digest TEXT, version TEXT, timestamp INTEGER, checksum TEXT, serial INTEGER, stateroot TEXT,"
        " pinned INTEGER NOT NULL, download_only INTEGER NOT NULL, incompatible INTEGER NOT NULL,"
        " PRIMARY KEY (snapshot, idx)) WITHOUT ROWID;";

static const char select_snapshot[] =
        "SELECT id, first_seen, last_seen, checks, source, rollback_queued, usr_overlay"
        " FROM status_snapshots ORDER BY id DESC LIMIT 1";
static const char select_deployments[] =
        "SELECT role, image, transport, digest, version, timestamp, checksum, serial, stateroot, pinned,"
        " download_only, incompatible FROM status_deployments WHERE snapshot = ? ORDER BY idx";

struct status_store *status_store_free(struct status_store *s)
{
        if (!s)
                return NULL;
        state_db_close(&s->state);
        host_status_free(s->last);
        free(s);
        return NULL;
}

int status_store_open(const char *path, const volatile sig_atomic_t *cancel, struct status_store **ret,
                      const char **ret_reason)
{
        static const char *const probes[] = { select_snapshot, select_deployments, NULL };
        _cleanup_(status_store_freep) struct status_store *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        /* Created 0600 (image names and digests of this host), never through a
         * symlink someone planted; one transaction until status_store_commit(). */
        r = state_db_open(&s->state, path, cancel, schema, probes, ret_reason);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

static const char *column_text(sqlite3_stmt *st, int col)
{
        return (const char *) sqlite3_column_text(st, col);
}

static int load_deployments(struct status_store *s, struct host_status *hs, int64_t id, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->state.db, select_deployments, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, id);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                enum deployment_role role;
                struct deployment *d;
                const char *text = column_text(st, 0);

                if (!text || deployment_role_from_name(text, &role) < 0)
                        return state_db_bad("a deployment with an unknown role", ret_reason);
                d = host_status_add(hs, role);
                if (!d)
                        return state_db_bad("a snapshot with too many deployments", ret_reason);
                errno = 0;
                d->image = host_status_strdup(hs, column_text(st, 1));
                d->transport = host_status_strdup(hs, column_text(st, 2));
                d->digest = host_status_strdup(hs, column_text(st, 3));
                d->version = host_status_strdup(hs, column_text(st, 4));
                if (sqlite3_column_type(st, 5) != SQLITE_NULL)
                        d->timestamp = sqlite3_column_int64(st, 5);
                d->checksum = host_status_strdup(hs, column_text(st, 6));
                if (sqlite3_column_type(st, 7) != SQLITE_NULL)
                        d->serial = sqlite3_column_int64(st, 7);
                d->stateroot = host_status_strdup(hs, column_text(st, 8));
                d->pinned = sqlite3_column_int(st, 9) != 0;
                d->download_only = sqlite3_column_int(st, 10) != 0;
                d->incompatible = sqlite3_column_int(st, 11) != 0;
                if (errno == ENOMEM)
                        return -ENOMEM;
        }
        return rc == SQLITE_DONE ? 0 : sqlite_fail(rc, ret_reason);
}

static int load_last(struct status_store *s, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_(host_status_freep) struct host_status *hs = NULL;
        enum host_source source;
        const char *text;
        int rc, r;

        rc = sqlite3_prepare_v2(s->state.db, select_snapshot, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
                s->loaded = true;
                return 0;
        }
        if (rc != SQLITE_ROW)
                return sqlite_fail(rc, ret_reason);
        text = column_text(st, 4);
        if (!text || host_source_from_name(text, &source) < 0)
                return state_db_bad("a snapshot with an unknown source", ret_reason);
        hs = host_status_new(source);
        if (!hs)
                return -ENOMEM;
        s->info = (struct status_snapshot_info) {
                .id = sqlite3_column_int64(st, 0),
                .first_seen = sqlite3_column_int64(st, 1),
                .last_seen = sqlite3_column_int64(st, 2),
                .checks = sqlite3_column_int64(st, 3),
        };
        hs->rollback_queued = sqlite3_column_int(st, 5) != 0;
        if (column_text(st, 6)) {
                hs->usr_overlay = host_status_strdup(hs, column_text(st, 6));
                if (!hs->usr_overlay)
                        return -ENOMEM;
        }
        r = load_deployments(s, hs, s->info.id, ret_reason);
        if (r < 0)
                return r;
        s->last = TAKE_PTR(hs);
        s->loaded = true;
        return 0;
}

int status_store_last(struct status_store *s, const struct host_status **ret,
                      struct status_snapshot_info *ret_info, const char **ret_reason)
{
        int r;

        if (!s->loaded) {
                r = load_last(s, ret_reason);
                if (r < 0)
                        return r;
        }
        *ret = s->last;
        if (ret_info)
                *ret_info = s->info;
        return 0;
}

static int bind_text(sqlite3_stmt *st, int col, const char *s)
{
        return s ? sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, col);
}

static int bind_int_or_null(sqlite3_stmt *st, int col, int64_t v, bool present)
{
        return present ? sqlite3_bind_int64(st, col, v) : sqlite3_bind_null(st, col);
}

static int insert_deployments(struct status_store *s, const struct host_status *hs, int64_t id,
                              const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->state.db, "INSERT INTO status_deployments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                                &st, NULL);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        for (size_t i = 0; i < hs->n_deployments; i++) {
                const struct deployment *d = &hs->deployments[i];

                sqlite3_reset(st);
                rc = sqlite3_bind_int64(st, 1, id);
                rc = rc ?: sqlite3_bind_int64(st, 2, (sqlite3_int64) i);
                rc = rc ?: bind_text(st, 3, deployment_role_name(d->role));
                rc = rc ?: bind_text(st, 4, d->image);
                rc = rc ?: bind_text(st, 5, d->transport);
                rc = rc ?: bind_text(st, 6, d->digest);
                rc = rc ?: bind_text(st, 7, d->version);
                rc = rc ?: bind_int_or_null(st, 8, d->timestamp, d->timestamp != HOST_TIME_UNKNOWN);
                rc = rc ?: bind_text(st, 9, d->checksum);
                rc = rc ?: bind_int_or_null(st, 10, d->serial, d->serial >= 0);
                rc = rc ?: bind_text(st, 11, d->stateroot);
                rc = rc ?: sqlite3_bind_int(st, 12, d->pinned);
                rc = rc ?: sqlite3_bind_int(st, 13, d->download_only);
                rc = rc ?: sqlite3_bind_int(st, 14, d->incompatible);
                if (rc == SQLITE_OK)
                        rc = sqlite3_step(st);
                if (rc != SQLITE_DONE)
                        return sqlite_fail(rc, ret_reason);
        }
        return 0;
}

static int exec_with(struct status_store *s, const char *sql, int64_t a, int64_t b, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->state.db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, a);
        if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) > 1)
                rc = sqlite3_bind_int64(st, 2, b);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        return rc == SQLITE_DONE ? 0 : sqlite_fail(rc, ret_reason);
}

int status_store_record(struct status_store *s, const struct host_status *hs, int64_t now,
                        const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        const struct host_status *last;
        int64_t id;
        int rc, r;

        r = status_store_last(s, &last, NULL, ret_reason);
        if (r < 0)
                return r;
        if (last && host_status_equal(last, hs))
                return exec_with(s, "UPDATE status_snapshots SET last_seen = ?, checks = checks + 1 WHERE id = ?",
                                 now, s->info.id, ret_reason);

        rc = sqlite3_prepare_v2(s->state.db,
                                "INSERT INTO status_snapshots (first_seen, last_seen, checks, source,"
                                " rollback_queued, usr_overlay) VALUES (?1, ?1, 1, ?2, ?3, ?4)",
                                -1, &st, NULL);
        rc = rc ?: sqlite3_bind_int64(st, 1, now);
        rc = rc ?: bind_text(st, 2, host_source_name(hs->source));
        rc = rc ?: sqlite3_bind_int(st, 3, hs->rollback_queued);
        rc = rc ?: bind_text(st, 4, hs->usr_overlay);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return sqlite_fail(rc, ret_reason);
        id = sqlite3_last_insert_rowid(s->state.db);
        r = insert_deployments(s, hs, id, ret_reason);
        /* History is bounded: the oldest snapshots go. */
        r = r ?: exec_with(s, "DELETE FROM status_snapshots WHERE id <= ?1 - ?2", id, STATUS_STORE_MAX_SNAPSHOTS,
                           ret_reason);
        r = r ?: exec_with(s, "DELETE FROM status_deployments WHERE snapshot <= ?1 - ?2", id,
                           STATUS_STORE_MAX_SNAPSHOTS, ret_reason);
        return r;
}

int status_store_commit(struct status_store *s, const char **ret_reason)
{
        return state_db_commit(&s->state, ret_reason);
}
