/* The agent's state database; see state.h. */
#define _GNU_SOURCE
#include "agent/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/event.h"
#include "basic/sqlite-util.h"
#include "rules/rules.h"

/* The schema's version (PRAGMA user_version). 0: the first one, which kept
 * the spool (agent_spool) and a copy of each event for the report
 * (agent_history); 1: one table of events, each written once, the spool
 * being the events some output still needs (agent_pending). */
#define SCHEMA_VERSION 1

static const char schema[] =
        /* Every event, once: while an output needs it (the spool), and after
         * that while it is among the newest AGENT_HISTORY_MAX (the history). */
        "CREATE TABLE IF NOT EXISTS agent_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL,"
        " severity INTEGER NOT NULL, time_ns INTEGER NOT NULL, json TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS agent_outputs (oid INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE,"
        " delivered INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0);"
        /* The event's severity is repeated here for the cap's choice of victim. */
        "CREATE TABLE IF NOT EXISTS agent_pending (oid INTEGER NOT NULL, seq INTEGER NOT NULL,"
        " severity INTEGER NOT NULL, PRIMARY KEY (oid, seq)) WITHOUT ROWID;"
        "CREATE INDEX IF NOT EXISTS agent_pending_by_seq ON agent_pending (seq);"
        "CREATE INDEX IF NOT EXISTS agent_pending_by_severity ON agent_pending (severity, seq);"
        /* The spool as a view, for whoever looks into the file with sqlite3. */
        "CREATE VIEW IF NOT EXISTS agent_spool AS SELECT * FROM agent_events e"
        " WHERE EXISTS (SELECT 1 FROM agent_pending p WHERE p.seq = e.seq);"
        "CREATE TABLE IF NOT EXISTS agent_schedules (capability TEXT PRIMARY KEY, next_run INTEGER NOT NULL,"
        " last_run INTEGER NOT NULL, last_status TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS agent_audit (node TEXT PRIMARY KEY, sec INTEGER NOT NULL,"
        " msec INTEGER NOT NULL, serial INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS agent_values (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS agent_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);";

/* From version 0: the spool's table becomes the table of events, the pending
 * rows get their event's severity, and the events only the history still
 * held join the table (migrate_history()). */
static const char migrate_v0[] =
        "ALTER TABLE agent_spool RENAME TO agent_events;"
        "DROP INDEX IF EXISTS agent_spool_by_severity;"
        "ALTER TABLE agent_pending ADD COLUMN severity INTEGER NOT NULL DEFAULT 0;"
        "UPDATE agent_pending SET severity = coalesce((SELECT e.severity FROM agent_events e"
        " WHERE e.seq = agent_pending.seq), 0);";

enum {
        Q_INSERT,
        Q_PENDING_ALL,
        Q_SELECT_PENDING,
        Q_ACK,
        Q_STILL_PENDING,
        Q_DELIVERED,
        Q_FAILED,
        Q_COUNTER_ADD,
        Q_COUNTER_GET,
        Q_VICTIM,
        Q_DELETE_SEQ,
        Q_DELETE_PENDING_SEQ,
        Q_AUDIT_GET,
        Q_AUDIT_SET,
        Q_HISTORY_TRIM,
        _Q_MAX,
};

static const char *const queries[_Q_MAX] = {
        [Q_INSERT] = "INSERT INTO agent_events (id, severity, time_ns, json) VALUES (?, ?, ?, ?)",
        [Q_PENDING_ALL] = "INSERT INTO agent_pending (oid, seq, severity) SELECT oid, ?, ? FROM agent_outputs "
                          "WHERE oid IN (SELECT value FROM json_each(?))",
        [Q_SELECT_PENDING] = "SELECT s.seq, s.id, s.severity, s.time_ns, s.json FROM agent_pending p "
                             "JOIN agent_events s ON s.seq = p.seq WHERE p.oid = ? ORDER BY p.seq LIMIT ?",
        [Q_ACK] = "DELETE FROM agent_pending WHERE oid = ? AND seq = ?",
        [Q_STILL_PENDING] = "SELECT 1 FROM agent_pending WHERE seq = ? LIMIT 1",
        [Q_DELIVERED] = "UPDATE agent_outputs SET delivered = delivered + ? WHERE oid = ?",
        [Q_FAILED] = "UPDATE agent_outputs SET failed = failed + 1 WHERE oid = ?",
        [Q_COUNTER_ADD] = "INSERT INTO agent_counters (name, value) VALUES (?, ?) "
                          "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        [Q_COUNTER_GET] = "SELECT value FROM agent_counters WHERE name = ?",
        [Q_VICTIM] = "SELECT p.seq, p.severity, length(CAST(e.json AS BLOB)) FROM agent_pending p "
                     "JOIN agent_events e ON e.seq = p.seq ORDER BY p.severity, p.seq LIMIT 1",
        [Q_DELETE_SEQ] = "DELETE FROM agent_events WHERE seq = ?",
        [Q_DELETE_PENDING_SEQ] = "DELETE FROM agent_pending WHERE seq = ?",
        [Q_AUDIT_GET] = "SELECT sec, msec, serial FROM agent_audit WHERE node = ?",
        [Q_AUDIT_SET] = "INSERT INTO agent_audit (node, sec, msec, serial) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (node) DO UPDATE SET sec = excluded.sec, msec = excluded.msec, "
                        "serial = excluded.serial",
        /* the events in (?1, ?2] no output needs any more */
        [Q_HISTORY_TRIM] = "DELETE FROM agent_events WHERE seq > ?1 AND seq <= ?2 AND NOT EXISTS "
                           "(SELECT 1 FROM agent_pending p WHERE p.seq = agent_events.seq)",
};

struct agent_state {
        sqlite3 *db;
        sqlite3_stmt *q[_Q_MAX];
        bool in_transaction;
        uint64_t spool_max;
        uint64_t spool_bytes, spool_events;    /* of the events some output needs */
        int64_t last_seq;                       /* the newest event's */
        /* The events up to here that no output needs are gone (the history's
         * retention); 0: not known, the next trim looks at every event. */
        int64_t trimmed_to;
        int schema_version;                     /* of a read-only open */
        char outputs_json[AGENT_STATE_MAX_OUTPUTS * 24 + 4];    /* "[1,2]": the configured outputs' ids */
        /* what agent_state_pending() returned */
        struct agent_event *batch;
        char **batch_strings;
        size_t batch_n, batch_cap;
};

static int history_trim(struct agent_state *s);

static int fail_db(struct agent_state *s, int rc)
{
        return sqlite_errno(rc) ?: -EIO;
}

static sqlite3_stmt *query(struct agent_state *s, int which)
{
        sqlite3_reset(s->q[which]);
        sqlite3_clear_bindings(s->q[which]);
        return s->q[which];
}

/* Runs a statement that returns no row (or ignores them). */
static int step_done(struct agent_state *s, sqlite3_stmt *st)
{
        int rc;

        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : fail_db(s, rc);
}

static void batch_clear(struct agent_state *s)
{
        for (size_t i = 0; i < s->batch_n; i++)
                free(s->batch_strings[2 * i]), free(s->batch_strings[2 * i + 1]);
        s->batch_n = 0;
}

void agent_state_free(struct agent_state *s)
{
        if (!s)
                return;
        batch_clear(s);
        free(s->batch);
        free(s->batch_strings);
        for (size_t i = 0; i < _Q_MAX; i++)
                sqlite3_finalize(s->q[i]);
        if (s->in_transaction)
                (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(s->db);
        free(s);
}

static int exec_sql(struct agent_state *s, const char *sql)
{
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : fail_db(s, rc);
}

/* The spool's depth and the newest event, from the tables. */
static int spool_totals(struct agent_state *s)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(sum(length(CAST(json AS BLOB))), 0), "
                                       "(SELECT coalesce(max(seq), 0) FROM agent_events) FROM agent_events e "
                                       "WHERE EXISTS (SELECT 1 FROM agent_pending p WHERE p.seq = e.seq)",
                                -1, &st, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail_db(s, sqlite3_errcode(s->db));
        s->spool_events = (uint64_t) sqlite3_column_int64(st, 0);
        s->spool_bytes = (uint64_t) sqlite3_column_int64(st, 1);
        s->last_seq = sqlite3_column_int64(st, 2);
        s->trimmed_to = 0;
        return 0;
}

static int schema_version(struct agent_state *s, int *ret)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        if (sqlite3_step(st) != SQLITE_ROW)
                return fail_db(s, sqlite3_errcode(s->db));
        *ret = sqlite3_column_int(st, 0);
        return 0;
}

static int has_table(struct agent_state *s, const char *name, bool *ret)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st,
                                NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return fail_db(s, rc);
        *ret = rc == SQLITE_ROW;
        return 0;
}

/* Version 0's history: the events it holds that the spool no longer does
 * join the table of events, with their event.id (the history did not keep
 * it), and the history's table goes. */
static int migrate_history(struct agent_state *s)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *sel = NULL, *ins = NULL;
        bool found;
        int r, rc;

        r = has_table(s, "agent_history", &found);
        if (r < 0 || !found)
                return r;
        rc = sqlite3_prepare_v2(s->db, "SELECT h.seq, h.severity, h.time_ns, h.json FROM agent_history h "
                                       "WHERE NOT EXISTS (SELECT 1 FROM agent_events e WHERE e.seq = h.seq)",
                                -1, &sel, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(s->db, "INSERT INTO agent_events (seq, id, severity, time_ns, json) "
                                               "VALUES (?, ?, ?, ?, ?)", -1, &ins, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
                const char *json = (const char *) sqlite3_column_text(sel, 3) ?: "";
                size_t len = (size_t) sqlite3_column_bytes(sel, 3);
                char id[AGENT_EVENT_ID_MAX];

                r = agent_event_id(json, len, id);
                if (r < 0)
                        return r;
                sqlite3_reset(ins);
                sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 0));
                sqlite3_bind_text(ins, 2, id, -1, SQLITE_STATIC);
                sqlite3_bind_int(ins, 3, sqlite3_column_int(sel, 1));
                sqlite3_bind_int64(ins, 4, sqlite3_column_int64(sel, 2));
                sqlite3_bind_text(ins, 5, json, (int) len, SQLITE_STATIC);
                r = step_done(s, ins);
                if (r < 0)
                        return r;
        }
        if (rc != SQLITE_DONE)
                return fail_db(s, rc);
        return exec_sql(s, "DROP TABLE agent_history");
}

/* Brings the tables to SCHEMA_VERSION, in the open's transaction: *ret_reason
 * says why not (-EBADMSG: a newer agent's). */
static int migrate(struct agent_state *s, const char **ret_reason)
{
        bool old;
        int r, v;

        r = schema_version(s, &v);
        if (r < 0)
                return r;
        if (v > SCHEMA_VERSION) {
                *ret_reason = "written by a newer driftwatch (schema version unknown)";
                return -EBADMSG;
        }
        if (v == 0) {
                r = has_table(s, "agent_spool", &old);
                if (r >= 0 && old)
                        r = exec_sql(s, migrate_v0);
                if (r >= 0 && old)
                        r = migrate_history(s);
                if (r < 0)
                        return r;
        }
        r = exec_sql(s, schema);
        if (r >= 0 && v != SCHEMA_VERSION) {
                char sql[64];

                snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
                r = exec_sql(s, sql);
        }
        return r;
}

int agent_state_open(const char *dir, uint64_t spool_max, struct agent_state **ret, struct dw_error *e)
{
        _cleanup_(agent_state_freep) struct agent_state *s = NULL;
        _cleanup_(freep) char *path = NULL;
        const char *reason = NULL;
        struct stat st;
        int r;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return dw_error_set(e, -errno, dir, "cannot create state directory '%s': %s", dir, strerror(errno));
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return dw_error_set(e, -ENOTDIR, dir, "cannot use state directory '%s': not a directory", dir);
        if (asprintf(&path, "%s/" AGENT_STATE_DB, dir) < 0)
                return dw_error_set(e, -ENOMEM, NULL, "out of memory");
        s = calloc(1, sizeof(*s));
        if (!s)
                return dw_error_set(e, -ENOMEM, NULL, "out of memory");
        s->spool_max = spool_max;
        strcpy(s->outputs_json, "[]");
        r = db_open(path, &(struct db_open_args) { .flags = DB_CREATE | DB_NOFOLLOW, .mode = 0600,
                                                   .application_id = DB_APP_AGENT },
                    &s->db, &reason);
        if (r < 0)
                return dw_error_set(e, r, path, "cannot open agent state '%s': %s", path,
                                    reason ?: strerror(-r));
        /* WAL: a commit is one append and fsync; readers never block the agent. */
        r = exec_sql(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF");
        if (r < 0)
                return dw_error_set(e, r, path, "cannot open agent state '%s': %s", path,
                                    sqlite3_errmsg(s->db));
        r = exec_sql(s, "BEGIN IMMEDIATE");
        if (r >= 0 && db_check_application_id(s->db, DB_APP_AGENT, NULL) == 1)
                r = db_set_application_id(s->db, DB_APP_AGENT);
        if (r >= 0)
                r = migrate(s, &reason);
        if (r >= 0)
                r = exec_sql(s, "COMMIT");
        if (r < 0)
                return dw_error_set(e, r, path, "cannot open agent state '%s': %s", path,
                                    reason ?: sqlite3_errmsg(s->db));
        for (size_t i = 0; i < _Q_MAX; i++) {
                int rc = sqlite3_prepare_v3(s->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL);

                if (rc != SQLITE_OK)
                        return dw_error_set(e, -EBADMSG, path, "cannot use agent state '%s': %s", path,
                                            "tables of an unknown shape");
        }
        r = spool_totals(s);
        if (r < 0)
                return dw_error_set(e, r, path, "cannot read agent state '%s': %s", path, sqlite3_errmsg(s->db));
        *ret = TAKE_PTR(s);
        return 0;
}

int agent_state_open_readonly(const char *dir, struct agent_state **ret, struct dw_error *e)
{
        _cleanup_(agent_state_freep) struct agent_state *s = NULL;
        _cleanup_(freep) char *path = NULL;
        const char *reason = NULL;
        int r;

        if (asprintf(&path, "%s/" AGENT_STATE_DB, dir) < 0)
                return dw_error_set(e, -ENOMEM, NULL, "out of memory");
        s = calloc(1, sizeof(*s));
        if (!s)
                return dw_error_set(e, -ENOMEM, NULL, "out of memory");
        r = db_open(path, &(struct db_open_args) { .flags = DB_READ_ONLY | DB_NOFOLLOW,
                                                   .application_id = DB_APP_AGENT },
                    &s->db, &reason);
        if (r == 1)     /* an empty file, or a database the agent did not stamp */
                r = -EBADMSG, reason = "not a driftwatch agent state";
        if (r < 0)
                return dw_error_set(e, r, path, "cannot open agent state '%s': %s", path,
                                    reason ?: strerror(-r));
        /* Not migrated here: the readers know each version's tables. */
        r = schema_version(s, &s->schema_version);
        if (r < 0)
                return dw_error_set(e, r, path, "cannot read agent state '%s': %s", path, sqlite3_errmsg(s->db));
        *ret = TAKE_PTR(s);
        return 0;
}

int agent_state_begin(struct agent_state *s)
{
        int r;

        if (s->in_transaction)
                return 0;
        r = exec_sql(s, "BEGIN IMMEDIATE");
        if (r >= 0)
                s->in_transaction = true;
        return r;
}

int agent_state_commit(struct agent_state *s)
{
        int r;

        if (!s->in_transaction)
                return 0;
        r = exec_sql(s, "COMMIT");
        if (r >= 0)
                s->in_transaction = false;
        return r;
}

int agent_state_data_version(struct agent_state *s, int64_t *ret)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL);

        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return fail_db(s, rc);
        *ret = sqlite3_column_int64(st, 0);
        return 0;
}

void agent_state_rollback(struct agent_state *s)
{
        if (!s->in_transaction)
                return;
        (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->in_transaction = false;
        (void) spool_totals(s);
}

int agent_state_counter_add(struct agent_state *s, const char *name, int64_t delta)
{
        sqlite3_stmt *st = query(s, Q_COUNTER_ADD);

        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, delta);
        return step_done(s, st);
}

int agent_state_counter_get(struct agent_state *s, const char *name, int64_t *ret)
{
        sqlite3_stmt *st = query(s, Q_COUNTER_GET);
        int rc;

        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return fail_db(s, rc);
        *ret = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        return 0;
}

int agent_state_set_outputs(struct agent_state *s, const char *const *urls, size_t n, int64_t *ret_ids)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *ins = NULL, *sel = NULL, *drop = NULL;
        size_t i, off;
        int rc, r;

        if (n > AGENT_STATE_MAX_OUTPUTS)
                return -E2BIG;
        rc = sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO agent_outputs (url) VALUES (?)", -1, &ins, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(s->db, "SELECT oid FROM agent_outputs WHERE url = ?", -1, &sel, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        off = 0;
        s->outputs_json[off++] = '[';
        for (i = 0; i < n; i++) {
                sqlite3_reset(ins);
                sqlite3_bind_text(ins, 1, urls[i], -1, SQLITE_STATIC);
                r = step_done(s, ins);
                if (r < 0)
                        return r;
                sqlite3_reset(sel);
                sqlite3_bind_text(sel, 1, urls[i], -1, SQLITE_STATIC);
                if (sqlite3_step(sel) != SQLITE_ROW)
                        return fail_db(s, sqlite3_errcode(s->db));
                ret_ids[i] = sqlite3_column_int64(sel, 0);
                off += (size_t) snprintf(s->outputs_json + off, sizeof(s->outputs_json) - off, "%s%lld",
                                         i ? "," : "", (long long) ret_ids[i]);
        }
        s->outputs_json[off++] = ']';
        s->outputs_json[off] = '\0';
        /* An output taken out of the configuration: its backlog goes, counted. */
        rc = sqlite3_prepare_v2(s->db, "DELETE FROM agent_pending WHERE oid NOT IN (SELECT value FROM json_each(?))",
                                -1, &drop, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_text(drop, 1, s->outputs_json, -1, SQLITE_STATIC);
        r = step_done(s, drop);
        if (r < 0)
                return r;
        if (sqlite3_changes(s->db) > 0) {
                r = agent_state_counter_add(s, "dropped-unconfigured", sqlite3_changes(s->db));
                if (r < 0)
                        return r;
        }
        r = spool_totals(s);
        if (r < 0)
                return r;
        return history_trim(s);
}

/* The history's retention: an event no output needs any more stays while it
 * is among the newest AGENT_HISTORY_MAX, and goes after that (looked at in
 * steps of 64 events; every event, when trimmed_to is not known). */
static int history_trim(struct agent_state *s)
{
        int64_t hi = s->last_seq - AGENT_HISTORY_MAX;
        sqlite3_stmt *st;
        int r;

        if (hi - s->trimmed_to < (s->trimmed_to ? 64 : 1))
                return 0;
        st = query(s, Q_HISTORY_TRIM);
        sqlite3_bind_int64(st, 1, s->trimmed_to);
        sqlite3_bind_int64(st, 2, hi);
        r = step_done(s, st);
        if (r >= 0)
                s->trimmed_to = hi;
        return r;
}

/* The event seq of bytes left the spool (every output acknowledged it, or the
 * cap dropped it): it stays as history unless it is past the history's
 * retention or too large for it. */
static int spool_left(struct agent_state *s, int64_t seq, uint64_t bytes)
{
        sqlite3_stmt *st;

        s->spool_bytes -= MIN(bytes, s->spool_bytes);
        s->spool_events -= s->spool_events > 0;
        if (seq > s->last_seq - AGENT_HISTORY_MAX && bytes <= AGENT_HISTORY_EVENT_MAX)
                return 0;
        st = query(s, Q_DELETE_SEQ);
        sqlite3_bind_int64(st, 1, seq);
        return step_done(s, st);
}

/* Takes the event seq out of every pending set. */
static int spool_drop(struct agent_state *s, int64_t seq, uint64_t bytes)
{
        sqlite3_stmt *st = query(s, Q_DELETE_PENDING_SEQ);
        int r;

        sqlite3_bind_int64(st, 1, seq);
        r = step_done(s, st);
        if (r < 0)
                return r;
        return spool_left(s, seq, bytes);
}

/* The cap: the oldest of the lowest severity go first. */
static int enforce_cap(struct agent_state *s, uint64_t *ret_dropped)
{
        char name[64];
        uint64_t dropped = 0;
        int r;

        while (s->spool_max && s->spool_bytes > s->spool_max && s->spool_events > 0) {
                sqlite3_stmt *st = query(s, Q_VICTIM);
                int64_t seq, bytes;
                int sev, rc;

                rc = sqlite3_step(st);
                if (rc == SQLITE_DONE)
                        break;
                if (rc != SQLITE_ROW)
                        return fail_db(s, rc);
                seq = sqlite3_column_int64(st, 0);
                sev = sqlite3_column_int(st, 1);
                bytes = sqlite3_column_int64(st, 2);
                sqlite3_reset(st);
                r = spool_drop(s, seq, (uint64_t) bytes);
                if (r < 0)
                        return r;
                snprintf(name, sizeof(name), "dropped-policy-%s",
                         sev >= SEVERITY_LOW && sev <= SEVERITY_CRITICAL ? severity_name(sev) : "agent");
                r = agent_state_counter_add(s, name, 1);
                if (r < 0)
                        return r;
                dropped++;
        }
        if (dropped) {
                r = agent_state_counter_add(s, "dropped-policy", (int64_t) dropped);
                if (r < 0)
                        return r;
        }
        *ret_dropped = dropped;
        return 0;
}

int agent_state_spool_add(struct agent_state *s, const char *json, size_t len, const char *id, int severity,
                          int64_t time_ns, uint64_t *ret_dropped)
{
        uint64_t dropped = 0;
        sqlite3_stmt *st;
        int64_t seq;
        int r;

        if (len > AGENT_EVENT_MAX_BYTES)
                return -E2BIG;
        st = query(s, Q_INSERT);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, severity);
        sqlite3_bind_int64(st, 3, time_ns);
        sqlite3_bind_text(st, 4, json, (int) len, SQLITE_STATIC);
        r = step_done(s, st);
        if (r < 0)
                return r;
        seq = sqlite3_last_insert_rowid(s->db);
        s->last_seq = MAX(s->last_seq, seq);
        st = query(s, Q_PENDING_ALL);
        sqlite3_bind_int64(st, 1, seq);
        sqlite3_bind_int(st, 2, severity);
        sqlite3_bind_text(st, 3, s->outputs_json, -1, SQLITE_STATIC);
        r = step_done(s, st);
        if (r < 0)
                return r;
        if (sqlite3_changes(s->db) > 0) {
                s->spool_bytes += len;
                s->spool_events++;
                r = enforce_cap(s, &dropped);
        } else if (len > AGENT_HISTORY_EVENT_MAX) {     /* no output needs it, and too large for the history */
                st = query(s, Q_DELETE_SEQ);
                sqlite3_bind_int64(st, 1, seq);
                r = step_done(s, st);
        }
        if (r >= 0)
                r = history_trim(s);
        if (r >= 0 && ret_dropped)
                *ret_dropped = dropped;
        return r;
}

static char *dup_column(sqlite3_stmt *st, int col)
{
        const unsigned char *t = sqlite3_column_text(st, col);
        int n = sqlite3_column_bytes(st, col);
        char *p = malloc((size_t) n + 1);

        if (p && t)
                memcpy(p, t, (size_t) n);
        if (p)
                p[t ? n : 0] = '\0';
        return p;
}

int agent_state_pending(struct agent_state *s, int64_t output, size_t max, size_t max_bytes,
                        const struct agent_event **ret, size_t *ret_n)
{
        sqlite3_stmt *st;
        size_t bytes = 0;
        int rc;

        batch_clear(s);
        if (max > s->batch_cap) {
                struct agent_event *b = reallocarray(s->batch, max, sizeof(*b));
                char **strs;

                if (!b)
                        return -ENOMEM;
                s->batch = b;
                strs = reallocarray(s->batch_strings, max * 2, sizeof(*strs));
                if (!strs)
                        return -ENOMEM;
                s->batch_strings = strs;
                s->batch_cap = max;
        }
        st = query(s, Q_SELECT_PENDING);
        sqlite3_bind_int64(st, 1, output);
        sqlite3_bind_int64(st, 2, (int64_t) max);
        while (s->batch_n < max && bytes < max_bytes && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct agent_event *ev = &s->batch[s->batch_n];
                char *id = dup_column(st, 1), *json = dup_column(st, 4);

                if (!id || !json) {
                        free(id), free(json);
                        sqlite3_reset(st);
                        return -ENOMEM;
                }
                s->batch_strings[2 * s->batch_n] = id;
                s->batch_strings[2 * s->batch_n + 1] = json;
                *ev = (struct agent_event) {
                        .seq = sqlite3_column_int64(st, 0),
                        .id = id,
                        .json = json,
                        .len = (size_t) sqlite3_column_bytes(st, 4),
                        .severity = sqlite3_column_int(st, 2),
                        .time_ns = sqlite3_column_int64(st, 3),
                };
                bytes += ev->len;
                s->batch_n++;
        }
        sqlite3_reset(st);
        *ret = s->batch;
        *ret_n = s->batch_n;
        return 0;
}

int agent_state_ack(struct agent_state *s, int64_t output, const struct agent_event *events, const bool *acked,
                    size_t n)
{
        int64_t delivered = 0;
        sqlite3_stmt *st;
        int r, rc;

        for (size_t i = 0; i < n; i++) {
                if (!acked[i])
                        continue;
                st = query(s, Q_ACK);
                sqlite3_bind_int64(st, 1, output);
                sqlite3_bind_int64(st, 2, events[i].seq);
                r = step_done(s, st);
                if (r < 0)
                        return r;
                if (sqlite3_changes(s->db) == 0)        /* acknowledged before */
                        continue;
                delivered++;
                st = query(s, Q_STILL_PENDING);
                sqlite3_bind_int64(st, 1, events[i].seq);
                rc = sqlite3_step(st);
                sqlite3_reset(st);
                if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                        return fail_db(s, rc);
                if (rc == SQLITE_DONE) {        /* no output needs it any more */
                        r = spool_left(s, events[i].seq, events[i].len);
                        if (r < 0)
                                return r;
                }
        }
        st = query(s, Q_DELIVERED);
        sqlite3_bind_int64(st, 1, delivered);
        sqlite3_bind_int64(st, 2, output);
        return step_done(s, st);
}

int agent_state_output_failed(struct agent_state *s, int64_t output)
{
        sqlite3_stmt *st = query(s, Q_FAILED);

        sqlite3_bind_int64(st, 1, output);
        return step_done(s, st);
}

int agent_state_output_counts(struct agent_state *s, int64_t output, struct agent_output_counts *ret)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "SELECT (SELECT count(*) FROM agent_pending WHERE oid = ?1), delivered, failed "
                                       "FROM agent_outputs WHERE oid = ?1", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_int64(st, 1, output);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return rc == SQLITE_DONE ? -ENOENT : fail_db(s, rc);
        *ret = (struct agent_output_counts) {
                .pending = (uint64_t) sqlite3_column_int64(st, 0),
                .delivered = (uint64_t) sqlite3_column_int64(st, 1),
                .failed = (uint64_t) sqlite3_column_int64(st, 2),
        };
        return 0;
}

void agent_state_spool_depth(const struct agent_state *s, uint64_t *ret_events, uint64_t *ret_bytes)
{
        *ret_events = s->spool_events;
        *ret_bytes = s->spool_bytes;
}

int agent_state_schedule_get(struct agent_state *s, const char *capability, struct agent_schedule_state *ret)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "SELECT next_run, last_run, last_status FROM agent_schedules "
                                       "WHERE capability = ?", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_text(st, 1, capability, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        *ret = (struct agent_schedule_state) { 0 };
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return fail_db(s, rc);
        ret->next_run = sqlite3_column_int64(st, 0);
        ret->last_run = sqlite3_column_int64(st, 1);
        snprintf(ret->last_status, sizeof(ret->last_status), "%s",
                 (const char *) sqlite3_column_text(st, 2) ?: "");
        return 0;
}

int agent_state_schedule_set(struct agent_state *s, const char *capability, const struct agent_schedule_state *in)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO agent_schedules (capability, next_run, last_run, "
                                       "last_status) VALUES (?, ?, ?, ?)", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_text(st, 1, capability, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, in->next_run);
        sqlite3_bind_int64(st, 3, in->last_run);
        sqlite3_bind_text(st, 4, in->last_status, -1, SQLITE_STATIC);
        return step_done(s, st);
}

int agent_state_audit_get(struct agent_state *s, const char *node, struct agent_audit_position *ret, bool *ret_found)
{
        sqlite3_stmt *st = query(s, Q_AUDIT_GET);
        int rc;

        sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return fail_db(s, rc);
        *ret_found = rc == SQLITE_ROW;
        if (rc == SQLITE_ROW)
                *ret = (struct agent_audit_position) {
                        .sec = (uint64_t) sqlite3_column_int64(st, 0),
                        .msec = (uint32_t) sqlite3_column_int64(st, 1),
                        .serial = (uint64_t) sqlite3_column_int64(st, 2),
                };
        sqlite3_reset(st);
        return 0;
}

int agent_state_audit_list(struct agent_state *s, size_t max, agent_audit_position_fn fn, void *userdata)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc, r = 0;

        rc = sqlite3_prepare_v2(s->db, "SELECT node, sec, msec, serial FROM agent_audit "
                                       "ORDER BY sec DESC, msec DESC LIMIT ?", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_int64(st, 1, (int64_t) MIN(max, (size_t) INT64_MAX));
        while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct agent_audit_position p = {
                        .sec = (uint64_t) sqlite3_column_int64(st, 1),
                        .msec = (uint32_t) sqlite3_column_int64(st, 2),
                        .serial = (uint64_t) sqlite3_column_int64(st, 3),
                };
                const char *node = (const char *) sqlite3_column_text(st, 0);

                r = fn(node ?: "", &p, userdata);
        }
        if (r < 0)
                return r;
        return rc == SQLITE_DONE ? 0 : fail_db(s, rc);
}

int agent_state_audit_set(struct agent_state *s, const char *node, const struct agent_audit_position *p)
{
        sqlite3_stmt *st = query(s, Q_AUDIT_SET);

        sqlite3_bind_text(st, 1, node, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (int64_t) p->sec);
        sqlite3_bind_int64(st, 3, p->msec);
        sqlite3_bind_int64(st, 4, (int64_t) p->serial);
        return step_done(s, st);
}

int agent_state_get_text(struct agent_state *s, const char *key, char **ret)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "SELECT value FROM agent_values WHERE key = ?", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
                *ret = NULL;
                return 0;
        }
        if (rc != SQLITE_ROW)
                return fail_db(s, rc);
        *ret = dup_column(st, 0);
        return *ret ? 0 : -ENOMEM;
}

int agent_state_set_text(struct agent_state *s, const char *key, const char *value)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO agent_values (key, value) VALUES (?, ?)", -1, &st,
                                NULL);
        if (rc != SQLITE_OK)
                return fail_db(s, rc);
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        return step_done(s, st);
}

/* Prepares sql for a reader: -EBADMSG when the tables have another shape. */
static int prepare_reader(struct agent_state *s, const char *sql, sqlite3_stmt **ret)
{
        int rc = sqlite3_prepare_v2(s->db, sql, -1, ret, NULL);

        if (rc == SQLITE_ERROR)
                return -EBADMSG;
        return rc == SQLITE_OK ? 0 : fail_db(s, rc);
}

static int reader_end(struct agent_state *s, int rc)
{
        return rc == SQLITE_DONE ? 0 : fail_db(s, rc);
}

int agent_state_foreach_schedule(struct agent_state *s,
                                 int (*fn)(const char *capability, const struct agent_schedule_state *st, void *u),
                                 void *u)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare_reader(s, "SELECT capability, next_run, last_run, last_status FROM agent_schedules "
                              "ORDER BY capability", &st);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct agent_schedule_state row = { .next_run = sqlite3_column_int64(st, 1),
                                                    .last_run = sqlite3_column_int64(st, 2) };

                snprintf(row.last_status, sizeof(row.last_status), "%s",
                         (const char *) sqlite3_column_text(st, 3) ?: "");
                r = fn((const char *) sqlite3_column_text(st, 0) ?: "", &row, u);
                if (r < 0)
                        return r;
        }
        return reader_end(s, rc);
}

int agent_state_foreach_counter(struct agent_state *s, int (*fn)(const char *name, int64_t value, void *u), void *u)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare_reader(s, "SELECT name, value FROM agent_counters ORDER BY name", &st);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                r = fn((const char *) sqlite3_column_text(st, 0) ?: "", sqlite3_column_int64(st, 1), u);
                if (r < 0)
                        return r;
        }
        return reader_end(s, rc);
}

int agent_state_foreach_output(struct agent_state *s,
                               int (*fn)(const char *url, const struct agent_output_counts *c, void *u), void *u)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int r, rc;

        r = prepare_reader(s, "SELECT o.url, o.delivered, o.failed, (SELECT count(*) FROM agent_pending p "
                              "WHERE p.oid = o.oid) FROM agent_outputs o ORDER BY o.oid", &st);
        if (r < 0)
                return r;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct agent_output_counts c = { .delivered = (uint64_t) sqlite3_column_int64(st, 1),
                                                 .failed = (uint64_t) sqlite3_column_int64(st, 2),
                                                 .pending = (uint64_t) sqlite3_column_int64(st, 3) };

                r = fn((const char *) sqlite3_column_text(st, 0) ?: "", &c, u);
                if (r < 0)
                        return r;
        }
        return reader_end(s, rc);
}

int agent_state_foreach_history(struct agent_state *s, int (*fn)(const struct agent_event *ev, void *u), void *u)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int r, rc;

        if (s->schema_version == 0)     /* its own table, if it has one yet */
                r = prepare_reader(s, "SELECT seq, '', severity, time_ns, json FROM agent_history ORDER BY seq", &st);
        else
                r = prepare_reader(s, "SELECT seq, id, severity, time_ns, json FROM agent_events WHERE seq > "
                                      "(SELECT coalesce(max(seq), 0) FROM agent_events) - ?1 "
                                      "AND length(CAST(json AS BLOB)) <= ?2 ORDER BY seq", &st);
        if (r == -EBADMSG && s->schema_version == 0)    /* written before the history existed */
                return 0;
        if (r < 0)
                return r;
        if (s->schema_version > 0) {
                sqlite3_bind_int64(st, 1, AGENT_HISTORY_MAX);
                sqlite3_bind_int64(st, 2, (int64_t) AGENT_HISTORY_EVENT_MAX);
        }
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct agent_event ev = { .seq = sqlite3_column_int64(st, 0),
                                          .id = (const char *) sqlite3_column_text(st, 1) ?: "",
                                          .severity = sqlite3_column_int(st, 2),
                                          .time_ns = sqlite3_column_int64(st, 3),
                                          .json = (const char *) sqlite3_column_text(st, 4) ?: "",
                                          .len = (size_t) sqlite3_column_bytes(st, 4) };

                r = fn(&ev, u);
                if (r < 0)
                        return r;
        }
        return reader_end(s, rc);
}
