/* Baseline files in SQLite; see store.h.
 *
 * Layout: table meta(key, value) and table entries, one row per path, keyed by
 * the path bytes so "ORDER BY path" is the tree's own order. A baseline counts
 * as complete only when meta holds 'complete' = 1 and 'entries' equals the
 * number of rows: the last thing written, inside the one transaction. */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/buf.h"
#include "basic/macros.h"
#include "basic/sqlite-util.h"

/* SQLite's message, copied out of the connection before it closes. */
static __thread char db_reason[160];

static const char *keep_reason(sqlite3 *db)
{
        snprintf(db_reason, sizeof(db_reason), "%s", sqlite3_errmsg(db));
        return db_reason;
}

static const char schema[] =
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE entries ("
        " path BLOB PRIMARY KEY, type INTEGER NOT NULL, mode INTEGER NOT NULL,"
        " uid INTEGER NOT NULL, gid INTEGER NOT NULL, nlink INTEGER NOT NULL,"
        " size INTEGER NOT NULL, mtime INTEGER, sha256 BLOB, target BLOB,"
        " rdev INTEGER NOT NULL, link BLOB, xattrs BLOB,"
        " dev INTEGER, ino INTEGER, ctime INTEGER, error INTEGER NOT NULL"
        ") WITHOUT ROWID;";

void baseline_meta_release(struct baseline_meta *m)
{
        size_t i;

        free(m->source);
        free(m->commit);
        free(m->created);
        free(m->host);
        for (i = 0; i < m->n_paths; i++)
                free(m->paths[i]);
        free(m->paths);
        *m = (struct baseline_meta) { 0 };
}

static int put_meta(sqlite3 *db, const char *key, const char *value)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;
        int rc;

        if (!value)
                return 0;
        rc = sqlite3_prepare_v2(db, "INSERT INTO meta VALUES (?, ?)", -1, &s, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(s);
        return rc == SQLITE_DONE ? 0 : sqlite_errno(rc);
}

static int bind_blob_or_null(sqlite3_stmt *s, int col, const void *p, size_t n, bool present)
{
        if (!present)
                return sqlite3_bind_null(s, col);
        return sqlite3_bind_blob(s, col, n ? p : "", (int) n, SQLITE_STATIC);
}

static int insert_entries(sqlite3 *db, const struct fim_tree *tree)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;
        size_t i;
        int rc;

        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                -1, &s, NULL);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        for (i = 0; i < tree->n; i++) {
                const struct fim_entry *e = &tree->entries[i];
                bool st = e->flags & ENTRY_HAS_STAT;

                sqlite3_reset(s);
                rc = bind_blob_or_null(s, 1, e->path, e->path_len, true);
                rc = rc ?: sqlite3_bind_int(s, 2, (int) e->type);
                rc = rc ?: sqlite3_bind_int(s, 3, (int) e->mode);
                rc = rc ?: sqlite3_bind_int64(s, 4, e->uid);
                rc = rc ?: sqlite3_bind_int64(s, 5, e->gid);
                rc = rc ?: sqlite3_bind_int64(s, 6, e->nlink);
                rc = rc ?: sqlite3_bind_int64(s, 7, (sqlite3_int64) e->size);
                rc = rc ?: (tree->attrs & ATTR_MTIME) ? sqlite3_bind_int64(s, 8, e->mtime_ns)
                                                       : sqlite3_bind_null(s, 8);
                rc = rc ?: bind_blob_or_null(s, 9, e->sha256, SHA256_LEN, e->flags & ENTRY_HAS_HASH);
                rc = rc ?: bind_blob_or_null(s, 10, e->target, e->target_len, e->target != NULL);
                rc = rc ?: sqlite3_bind_int64(s, 11, (sqlite3_int64) e->rdev);
                rc = rc ?: bind_blob_or_null(s, 12, e->link, e->link_len, e->link != NULL);
                rc = rc ?: bind_blob_or_null(s, 13, e->xattrs, e->xattrs_len, e->xattrs_len > 0);
                rc = rc ?: st ? sqlite3_bind_int64(s, 14, (sqlite3_int64) e->dev) : sqlite3_bind_null(s, 14);
                rc = rc ?: st ? sqlite3_bind_int64(s, 15, (sqlite3_int64) e->ino) : sqlite3_bind_null(s, 15);
                rc = rc ?: st ? sqlite3_bind_int64(s, 16, e->ctime_ns) : sqlite3_bind_null(s, 16);
                rc = rc ?: sqlite3_bind_int(s, 17, e->err);
                if (rc != SQLITE_OK)
                        return sqlite_errno(rc);
                rc = sqlite3_step(s);
                if (rc != SQLITE_DONE)
                        return sqlite_errno(rc);
        }
        return 0;
}

static int write_db(const char *tmp, const struct fim_tree *tree, const struct baseline_meta *meta)
{
        _cleanup_(sqlite_closep) sqlite3 *db = NULL;
        _cleanup_(buf_release) struct buf b;
        char num[32];
        size_t i;
        int rc, r;

        buf_init(&b, 0);
        rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        /* The file is private until renamed: no journal is needed, and durability
         * comes from the fsync before the rename. */
        rc = sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;"
                              "BEGIN;", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);

        r = insert_entries(db, tree);
        if (r < 0)
                return r;

        for (i = 0; i < meta->n_paths && r >= 0; i++)
                r = buf_printf(&b, "%s%s", i ? "\n" : "", meta->paths[i]);
        if (r < 0)
                return r;
        r = put_meta(db, "format", BASELINE_FORMAT);
        snprintf(num, sizeof(num), "%d", BASELINE_VERSION);
        r = r ?: put_meta(db, "version", num);
        r = r ?: put_meta(db, "source", meta->source);
        r = r ?: put_meta(db, "commit", meta->commit);
        r = r ?: put_meta(db, "created", meta->created);
        r = r ?: put_meta(db, "host", meta->host);
        r = r ?: put_meta(db, "paths", b.data ? b.data : "");
        buf_reset(&b);
        r = r ?: attr_format_list(&b, tree->attrs);
        r = r ?: put_meta(db, "attrs", b.data ? b.data : "");
        snprintf(num, sizeof(num), "%zu", tree->n);
        r = r ?: put_meta(db, "entries", num);
        r = r ?: put_meta(db, "complete", "1");
        if (r < 0)
                return r;
        rc = sqlite3_exec(db, "COMMIT;", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        rc = sqlite3_close_v2(TAKE_PTR(db));
        return sqlite_errno(rc);
}

int baseline_write(const char *path, const struct fim_tree *tree, const struct baseline_meta *meta)
{
        _cleanup_(freep) char *tmp = NULL, *dir = NULL;
        _cleanup_(closep) int fd = -1, dirfd = -1;
        const char *slash = strrchr(path, '/');
        sigset_t block, old;
        int r;

        /* The temporary file lives beside the target, so the rename stays on
         * one filesystem, and its leading dot keeps it out of globs. */
        dir = slash ? strndup(path, (size_t) (slash - path) + (slash == path)) : strdup(".");
        if (!dir || asprintf(&tmp, "%s/.%s.XXXXXX", dir, slash ? slash + 1 : path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        (void) fchmod(fd, 0640);

        r = write_db(tmp, tree, meta);
        if (r >= 0 && fsync(fd) < 0)
                r = negative_errno();
        if (r < 0) {
                unlink(tmp);
                return r;
        }

        /* The rename is the commit point; a signal must not land between a
         * complete file and its name. */
        sigfillset(&block);
        sigprocmask(SIG_BLOCK, &block, &old);
        if (rename(tmp, path) < 0) {
                r = negative_errno();
                unlink(tmp);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return r;
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd >= 0)
                (void) fsync(dirfd);
        return 0;
}

static char *get_meta(sqlite3 *db, const char *key)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;
        const unsigned char *v;

        if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &s, NULL) != SQLITE_OK ||
            sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_step(s) != SQLITE_ROW)
                return NULL;
        v = sqlite3_column_text(s, 0);
        return v ? strdup((const char *) v) : NULL;
}

static int split_paths(const char *s, struct baseline_meta *m)
{
        const char *p = s;

        m->paths = calloc(1, sizeof(char *));
        if (!m->paths)
                return -ENOMEM;
        while (*p) {
                size_t n = strcspn(p, "\n");
                char **np = realloc(m->paths, (m->n_paths + 2) * sizeof(char *));

                if (!np)
                        return -ENOMEM;
                m->paths = np;
                m->paths[m->n_paths] = strndup(p, n);
                if (!m->paths[m->n_paths])
                        return -ENOMEM;
                m->paths[++m->n_paths] = NULL;
                p += n;
                if (*p)
                        p++;
        }
        return 0;
}

static int read_meta(sqlite3 *db, struct baseline_meta *m, const char **ret_reason)
{
        _cleanup_(freep) char *format = NULL, *version = NULL, *complete = NULL, *paths = NULL,
                              *attrs = NULL, *entries = NULL;
        char *end;
        int r;

        format = get_meta(db, "format");
        if (!format || strcmp(format, BASELINE_FORMAT) != 0) {
                *ret_reason = "not a driftwatch baseline";
                return -EBADMSG;
        }
        version = get_meta(db, "version");
        if (!version || strcmp(version, "1") != 0) {
                *ret_reason = "unsupported baseline version";
                return -EBADMSG;
        }
        complete = get_meta(db, "complete");
        entries = get_meta(db, "entries");
        if (!complete || strcmp(complete, "1") != 0 || !entries) {
                *ret_reason = "baseline is incomplete";
                return -EBADMSG;
        }
        errno = 0;
        m->entries = strtoull(entries, &end, 10);
        if (errno || *end || end == entries) {
                *ret_reason = "bad entry count";
                return -EBADMSG;
        }
        attrs = get_meta(db, "attrs");
        if (!attrs || attr_parse_list(attrs, &m->attrs, NULL) < 0) {
                *ret_reason = "bad attribute list";
                return -EBADMSG;
        }
        m->source = get_meta(db, "source");
        m->commit = get_meta(db, "commit");
        m->created = get_meta(db, "created");
        m->host = get_meta(db, "host");
        paths = get_meta(db, "paths");
        r = split_paths(paths ? paths : "", m);
        if (r < 0)
                return r;
        return 0;
}

static const void *column_copy(sqlite3_stmt *s, int col, struct arena *a, uint32_t *ret_len,
                               bool nul, int *r)
{
        const void *p = sqlite3_column_blob(s, col);
        int n = sqlite3_column_bytes(s, col);
        void *q;

        *ret_len = 0;
        if (sqlite3_column_type(s, col) == SQLITE_NULL)
                return NULL;
        q = nul ? (void *) arena_strndup(a, p ? p : "", (size_t) n)
                : arena_memdup(a, p, (size_t) n);
        if (!q)
                *r = -ENOMEM;
        *ret_len = (uint32_t) n;
        return q;
}

static int read_entries(sqlite3 *db, struct fim_tree *t, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;
        int rc, r = 0;

        rc = sqlite3_prepare_v2(db,
                                "SELECT path, type, mode, uid, gid, nlink, size, mtime, sha256, target,"
                                " rdev, link, xattrs, dev, ino, ctime, error FROM entries ORDER BY path",
                                -1, &s, NULL);
        if (rc != SQLITE_OK) {
                /* No entries table of our shape: not a baseline, whatever it is. */
                *ret_reason = keep_reason(db);
                return rc == SQLITE_NOMEM ? -ENOMEM : -EBADMSG;
        }
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                struct fim_entry *e = fim_tree_add(t);
                uint32_t len;

                if (!e)
                        return -ENOMEM;
                e->path = column_copy(s, 0, &t->arena, &e->path_len, true, &r);
                if (r < 0)
                        return r;
                if (!e->path || e->path_len == 0 || e->path[0] != '/') {
                        *ret_reason = "entry with a bad path";
                        return -EBADMSG;
                }
                e->type = (uint32_t) sqlite3_column_int(s, 1) & S_IFMT;
                e->mode = (uint32_t) sqlite3_column_int(s, 2) & 07777;
                e->uid = (uint32_t) sqlite3_column_int64(s, 3);
                e->gid = (uint32_t) sqlite3_column_int64(s, 4);
                e->nlink = (uint32_t) sqlite3_column_int64(s, 5);
                e->size = (uint64_t) sqlite3_column_int64(s, 6);
                e->mtime_ns = sqlite3_column_int64(s, 7);
                if (sqlite3_column_type(s, 8) == SQLITE_BLOB) {
                        if (sqlite3_column_bytes(s, 8) != SHA256_LEN) {
                                *ret_reason = "entry with a bad hash";
                                return -EBADMSG;
                        }
                        memcpy(e->sha256, sqlite3_column_blob(s, 8), SHA256_LEN);
                        e->flags |= ENTRY_HAS_HASH;
                }
                e->target = column_copy(s, 9, &t->arena, &e->target_len, true, &r);
                e->rdev = (uint64_t) sqlite3_column_int64(s, 10);
                e->link = column_copy(s, 11, &t->arena, &e->link_len, true, &r);
                e->xattrs = column_copy(s, 12, &t->arena, &len, false, &r);
                e->xattrs_len = len;
                if (sqlite3_column_type(s, 13) != SQLITE_NULL) {
                        e->dev = (uint64_t) sqlite3_column_int64(s, 13);
                        e->ino = (uint64_t) sqlite3_column_int64(s, 14);
                        e->ctime_ns = sqlite3_column_int64(s, 15);
                        e->flags |= ENTRY_HAS_STAT;
                }
                e->err = sqlite3_column_int(s, 16);
                if (r < 0)
                        return r;
        }
        if (rc != SQLITE_DONE) {
                *ret_reason = keep_reason(db);
                return sqlite_errno(rc) ?: -EBADMSG;
        }
        return 0;
}

int baseline_read(const char *path, struct fim_tree **ret_tree, struct baseline_meta *ret_meta,
                  const char **ret_reason)
{
        _cleanup_(sqlite_closep) sqlite3 *db = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        const char *reason = NULL;
        struct stat st;
        int rc, r;

        if (!ret_reason)
                ret_reason = &reason;
        *ret_reason = NULL;
        /* Refuse anything but a regular file up front: SQLite would happily
         * create an empty database, or block on a FIFO. */
        if (stat(path, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode)) {
                *ret_reason = "not a regular file";
                return -EBADMSG;
        }
        rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        r = read_meta(db, &m, ret_reason);
        if (r == -EBADMSG && !*ret_reason)
                *ret_reason = "not a driftwatch baseline";
        if (r < 0) {
                /* A corrupt file shows up as a failed query; name it as such. */
                if (sqlite3_errcode(db) != SQLITE_OK && sqlite3_errcode(db) != SQLITE_ROW &&
                    sqlite3_errcode(db) != SQLITE_DONE) {
                        *ret_reason = keep_reason(db);
                        return -EBADMSG;
                }
                return r;
        }
        r = fim_tree_new(&t);
        if (r < 0)
                return r;
        /* Size the array once from the declared count (checked against the rows
         * below); growth by doubling would hold up to twice the memory. */
        if (m.entries > BASELINE_MAX_ENTRIES) {
                *ret_reason = "entry count out of range";
                return -EBADMSG;
        }
        if (m.entries) {
                t->entries = malloc(m.entries * sizeof(*t->entries));
                if (!t->entries)
                        return -ENOMEM;
                t->cap = m.entries;
        }
        r = read_entries(db, t, ret_reason);
        if (r < 0)
                return r;
        if (t->n != m.entries) {
                *ret_reason = "entry count does not match: truncated or altered";
                return -EBADMSG;
        }
        t->attrs = m.attrs;
        *ret_tree = TAKE_PTR(t);
        *ret_meta = m;
        m = (struct baseline_meta) { 0 };
        return 0;
}
