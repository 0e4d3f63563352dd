/* Mount table snapshots in SQLite; see mount-store.h.
 *
 * Tables, beside status-store.c's in the same state database:
 *   mount_snapshots  one row per run: boot id, when, how many mounts
 *   mount_entries    the mounts of each snapshot, in table order */
#define _GNU_SOURCE
#include "mount-store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/sqlite-util.h"

struct mount_store {
        struct state_db state;
        struct mount_table *last;
};

static const char schema[] =
        "CREATE TABLE IF NOT EXISTS mount_snapshots ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT, boot_id TEXT NOT NULL, taken INTEGER NOT NULL,"
        " mounts INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS mount_entries ("
        " snapshot INTEGER NOT NULL, idx INTEGER NOT NULL, mount_id INTEGER, parent_id INTEGER,"
        " major INTEGER NOT NULL, minor INTEGER NOT NULL, root TEXT NOT NULL, target TEXT NOT NULL,"
        " fstype TEXT NOT NULL, source TEXT NOT NULL, options TEXT NOT NULL, super_options TEXT NOT NULL,"
        " PRIMARY KEY (snapshot, idx)) WITHOUT ROWID;";

static const char select_snapshot[] =
        "SELECT id, taken, mounts FROM mount_snapshots WHERE boot_id = ? ORDER BY id DESC LIMIT 1";
static const char select_entries[] =
        "SELECT mount_id, parent_id, major, minor, root, target, fstype, source, options, super_options"
        " FROM mount_entries WHERE snapshot = ? ORDER BY idx";

struct mount_store *mount_store_free(struct mount_store *s)
{
        if (!s)
                return NULL;
        state_db_close(&s->state);
        mount_table_free(s->last);
        free(s);
        return NULL;
}

int mount_store_open(const char *path, const volatile sig_atomic_t *cancel, struct mount_store **ret,
                     const char **ret_reason)
{
        static const char *const probes[] = { select_snapshot, select_entries, NULL };
        _cleanup_(mount_store_freep) struct mount_store *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        r = state_db_open(&s->state, path, cancel, schema, probes, ret_reason);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

static int load_entries(struct mount_store *s, struct mount_table *t, int64_t id, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->state.db, select_entries, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, id);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct mount_entry *e = mount_table_add(t);
                const char **field[] = { &e->root, &e->target, &e->fstype, &e->source, &e->options,
                                         &e->super_options };

                if (!e)
                        return t->n >= MOUNT_TABLE_MAX_ENTRIES ? state_db_bad("a snapshot with too many mounts", ret_reason)
                                                               : -ENOMEM;
                e->id = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
                e->parent = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
                e->major = (unsigned) sqlite3_column_int64(st, 2);
                e->minor = (unsigned) sqlite3_column_int64(st, 3);
                for (size_t i = 0; i < ARRAY_SIZE(field); i++) {
                        *field[i] = mount_table_strdup(t, (const char *) sqlite3_column_text(st, 4 + (int) i));
                        if (!*field[i])
                                return -ENOMEM;
                }
        }
        return rc == SQLITE_DONE ? 0 : sqlite_fail(rc, ret_reason);
}

int mount_store_last(struct mount_store *s, const char *boot_id, const struct mount_table **ret,
                     struct mount_snapshot_info *ret_info, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        _cleanup_(mount_table_freep) struct mount_table *t = NULL;
        struct mount_snapshot_info info;
        int rc, r;

        rc = sqlite3_prepare_v2(s->state.db, select_snapshot, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 1, boot_id, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
                *ret = NULL;
                return 0;
        }
        if (rc != SQLITE_ROW)
                return sqlite_fail(rc, ret_reason);
        info = (struct mount_snapshot_info) { .id = sqlite3_column_int64(st, 0),
                                              .taken = sqlite3_column_int64(st, 1) };
        t = mount_table_new();
        if (!t)
                return -ENOMEM;
        r = load_entries(s, t, info.id, ret_reason);
        if (r < 0)
                return r;
        if ((int64_t) t->n != sqlite3_column_int64(st, 2))
                return state_db_bad("a mount snapshot with missing mounts", ret_reason);
        mount_table_free(s->last);
        s->last = TAKE_PTR(t);
        *ret = s->last;
        if (ret_info)
                *ret_info = info;
        return 0;
}

static int bind_str(sqlite3_stmt *st, int col, const char *s)
{
        return sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
}

static int bind_id(sqlite3_stmt *st, int col, int64_t v)
{
        return v >= 0 ? sqlite3_bind_int64(st, col, v) : sqlite3_bind_null(st, col);
}

/* sql with ?1 the newest snapshot id, ?2 how many to keep. */
static int prune(struct mount_store *s, const char *sql, int64_t id, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->state.db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, id);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 2, MOUNT_STORE_MAX_SNAPSHOTS);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        return rc == SQLITE_DONE ? 0 : sqlite_fail(rc, ret_reason);
}

int mount_store_record(struct mount_store *s, const char *boot_id, const struct mount_table *t, int64_t now,
                       const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL, *ins = NULL;
        int64_t id;
        int rc, r;

        rc = sqlite3_prepare_v2(s->state.db, "INSERT INTO mount_snapshots (boot_id, taken, mounts) VALUES (?, ?, ?)", -1,
                                &st, NULL);
        rc = rc ?: bind_str(st, 1, boot_id);
        rc = rc ?: sqlite3_bind_int64(st, 2, now);
        rc = rc ?: sqlite3_bind_int64(st, 3, (sqlite3_int64) t->n);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return sqlite_fail(rc, ret_reason);
        id = sqlite3_last_insert_rowid(s->state.db);

        rc = sqlite3_prepare_v2(s->state.db, "INSERT INTO mount_entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", -1, &ins, NULL);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        for (size_t i = 0; i < t->n; i++) {
                const struct mount_entry *e = &t->entries[i];

                sqlite3_reset(ins);
                rc = sqlite3_bind_int64(ins, 1, id);
                rc = rc ?: sqlite3_bind_int64(ins, 2, (sqlite3_int64) i);
                rc = rc ?: bind_id(ins, 3, e->id);
                rc = rc ?: bind_id(ins, 4, e->parent);
                rc = rc ?: sqlite3_bind_int64(ins, 5, e->major);
                rc = rc ?: sqlite3_bind_int64(ins, 6, e->minor);
                rc = rc ?: bind_str(ins, 7, e->root);
                rc = rc ?: bind_str(ins, 8, e->target);
                rc = rc ?: bind_str(ins, 9, e->fstype);
                rc = rc ?: bind_str(ins, 10, e->source);
                rc = rc ?: bind_str(ins, 11, e->options);
                rc = rc ?: bind_str(ins, 12, e->super_options);
                if (rc == SQLITE_OK)
                        rc = sqlite3_step(ins);
                if (rc != SQLITE_DONE)
                        return sqlite_fail(rc, ret_reason);
        }
        /* History is bounded: the oldest snapshots go, whatever their boot. */
        r = prune(s, "DELETE FROM mount_snapshots WHERE id <= ?1 - ?2", id, ret_reason);
        r = r ?: prune(s, "DELETE FROM mount_entries WHERE snapshot <= ?1 - ?2", id, ret_reason);
        return r;
}

int mount_store_commit(struct mount_store *s, const char **ret_reason)
{
        return state_db_commit(&s->state, ret_reason);
}
