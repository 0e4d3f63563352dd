/* The executables under /var in SQLite; see exec-store.h.
 *
 * Tables, beside status-store.c's and mount-store.c's in the state database:
 *   var_exec_roots  one row per root: when its set was recorded, how many
 *   var_exec        the executables of each root */
#define _GNU_SOURCE
#include "exec-store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/sqlite-util.h"

struct exec_store {
        struct state_db state;
};

static const char schema[] =
        "CREATE TABLE IF NOT EXISTS var_exec_roots ("
        " root TEXT PRIMARY KEY NOT NULL, taken INTEGER NOT NULL, executables INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS var_exec ("
        " root TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL, interpreter TEXT, size INTEGER NOT NULL,"
        " mode INTEGER NOT NULL, uid INTEGER NOT NULL, gid INTEGER NOT NULL, sha256 TEXT NOT NULL,"
        " PRIMARY KEY (root, path)) WITHOUT ROWID;";

static const char select_root[] = "SELECT taken, executables FROM var_exec_roots WHERE root = ?";
static const char select_set[] =
        "SELECT path, kind, interpreter, size, mode, uid, gid, sha256 FROM var_exec WHERE root = ?";

void exec_set_release(struct exec_set *s)
{
        for (size_t i = 0; i < s->n; i++) {
                free(s->v[i].path);
                free(s->v[i].interpreter);
        }
        free(s->v);
        *s = (struct exec_set) { 0 };
}

int exec_set_add(struct exec_set *s, const struct exec_record *e)
{
        struct exec_record *n;

        if (s->n >= EXEC_STORE_MAX)
                return -E2BIG;
        if (s->n == s->allocated) {
                size_t a = s->allocated ? s->allocated * 2 : 64;

                n = reallocarray(s->v, a, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                s->v = n;
                s->allocated = a;
        }
        n = &s->v[s->n];
        *n = *e;
        n->path = strdup(e->path);
        n->interpreter = e->interpreter ? strdup(e->interpreter) : NULL;
        if (!n->path || (e->interpreter && !n->interpreter)) {
                free(n->path);
                free(n->interpreter);
                return -ENOMEM;
        }
        s->n++;
        return 0;
}

static int by_path(const void *a, const void *b)
{
        return strcmp(((const struct exec_record *) a)->path, ((const struct exec_record *) b)->path);
}

void exec_set_sort(struct exec_set *s)
{
        if (s->n > 1)
                qsort(s->v, s->n, sizeof(*s->v), by_path);
}

const char *exec_kind_name(enum exec_kind k)
{
        return k == EXEC_ELF ? "elf" : "script";
}

struct exec_store *exec_store_free(struct exec_store *s)
{
        if (!s)
                return NULL;
        state_db_close(&s->state);
        free(s);
        return NULL;
}

int exec_store_open(const char *path, const volatile sig_atomic_t *cancel, struct exec_store **ret,
                    const char **ret_reason)
{
        static const char *const probes[] = { select_root, select_set, NULL };
        _cleanup_(exec_store_freep) struct exec_store *s = NULL;
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

/* One row of select_set into a record of s. */
static int load_row(sqlite3_stmt *st, struct exec_set *s, const char **ret_reason)
{
        const char *path = (const char *) sqlite3_column_text(st, 0);
        const char *kind = (const char *) sqlite3_column_text(st, 1);
        const char *interp = (const char *) sqlite3_column_text(st, 2);
        const char *sha = (const char *) sqlite3_column_text(st, 7);
        struct exec_record e = { 0 };
        int r;

        if (!path || path[0] != '/' || !kind || !sha || strlen(sha) > EXEC_SHA256_HEX ||
            (strcmp(kind, "elf") != 0 && strcmp(kind, "script") != 0))
                return state_db_bad("a recorded executable of an unknown shape", ret_reason);
        e.path = (char *) path;
        e.kind = strcmp(kind, "elf") == 0 ? EXEC_ELF : EXEC_SCRIPT;
        e.interpreter = (char *) interp;
        e.size = (uint64_t) sqlite3_column_int64(st, 3);
        e.mode = (uint32_t) sqlite3_column_int64(st, 4);
        e.uid = (uint32_t) sqlite3_column_int64(st, 5);
        e.gid = (uint32_t) sqlite3_column_int64(st, 6);
        memcpy(e.sha256, sha, strlen(sha) + 1);
        r = exec_set_add(s, &e);
        if (r == -E2BIG)
                return state_db_bad("more recorded executables than a set holds", ret_reason);
        return r;
}

int exec_store_load(struct exec_store *s, const char *root, struct exec_set *ret, int64_t *ret_taken,
                    const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL, *rows = NULL;
        struct exec_set set = { 0 };
        int64_t taken, count;
        int rc, r = 0;

        rc = sqlite3_prepare_v2(s->state.db, select_root, -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return sqlite_fail(rc, ret_reason);
        taken = sqlite3_column_int64(st, 0);
        count = sqlite3_column_int64(st, 1);

        rc = sqlite3_prepare_v2(s->state.db, select_set, -1, &rows, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(rows, 1, root, -1, SQLITE_STATIC);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        while (r >= 0 && (rc = sqlite3_step(rows)) == SQLITE_ROW)
                r = load_row(rows, &set, ret_reason);
        if (r >= 0 && rc != SQLITE_DONE)
                r = sqlite_fail(rc, ret_reason);
        if (r >= 0 && (int64_t) set.n != count)
                r = state_db_bad("a recorded set of executables with missing rows", ret_reason);
        if (r < 0) {
                exec_set_release(&set);
                return r;
        }
        exec_set_sort(&set);
        *ret = set;
        if (ret_taken)
                *ret_taken = taken;
        return 1;
}

static int run(struct exec_store *s, const char *sql, const char *root, int64_t a, int64_t b,
               const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(s->state.db, sql, -1, &st, NULL);
        rc = rc ?: sqlite3_bind_text(st, 1, root, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK && sqlite3_bind_parameter_count(st) >= 3) {
                rc = sqlite3_bind_int64(st, 2, a);
                rc = rc ?: sqlite3_bind_int64(st, 3, b);
        }
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        return rc == SQLITE_DONE ? 0 : sqlite_fail(rc, ret_reason);
}

int exec_store_replace(struct exec_store *s, const char *root, const struct exec_set *cur, int64_t now,
                       const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *ins = NULL;
        int rc, r;

        r = run(s, "DELETE FROM var_exec WHERE root = ?", root, 0, 0, ret_reason);
        r = r ?: run(s, "INSERT OR REPLACE INTO var_exec_roots (root, taken, executables) VALUES (?, ?, ?)", root,
                     now, (int64_t) cur->n, ret_reason);
        if (r < 0)
                return r;
        rc = sqlite3_prepare_v2(s->state.db, "INSERT INTO var_exec VALUES (?,?,?,?,?,?,?,?,?)", -1, &ins, NULL);
        if (rc != SQLITE_OK)
                return sqlite_fail(rc, ret_reason);
        for (size_t i = 0; i < cur->n; i++) {
                const struct exec_record *e = &cur->v[i];

                sqlite3_reset(ins);
                rc = sqlite3_bind_text(ins, 1, root, -1, SQLITE_STATIC);
                rc = rc ?: sqlite3_bind_text(ins, 2, e->path, -1, SQLITE_STATIC);
                rc = rc ?: sqlite3_bind_text(ins, 3, exec_kind_name(e->kind), -1, SQLITE_STATIC);
                rc = rc ?: (e->interpreter ? sqlite3_bind_text(ins, 4, e->interpreter, -1, SQLITE_STATIC)
                                           : sqlite3_bind_null(ins, 4));
                rc = rc ?: sqlite3_bind_int64(ins, 5, (sqlite3_int64) e->size);
                rc = rc ?: sqlite3_bind_int64(ins, 6, e->mode);
                rc = rc ?: sqlite3_bind_int64(ins, 7, e->uid);
                rc = rc ?: sqlite3_bind_int64(ins, 8, e->gid);
                rc = rc ?: sqlite3_bind_text(ins, 9, e->sha256, -1, SQLITE_STATIC);
                if (rc == SQLITE_OK)
                        rc = sqlite3_step(ins);
                if (rc != SQLITE_DONE)
                        return sqlite_fail(rc, ret_reason);
        }
        return 0;
}

int exec_store_commit(struct exec_store *s, const char **ret_reason)
{
        return state_db_commit(&s->state, ret_reason);
}
