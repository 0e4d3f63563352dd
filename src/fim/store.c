/* Baseline files in SQLite; see store.h.
 *
 * Layout: table meta(key, value) and table entries, one row per path, keyed by
 * the path bytes so "ORDER BY path" is the tree's own order; PRAGMA
 * application_id DB_APP_BASELINE. A baseline counts as complete only when meta
 * holds 'complete' = 1, 'entries' equals the number of rows and 'digest' the
 * SHA-256 of the meta values and every row in order (digest_begin() ...): the
 * last things written, inside the one transaction. Reading checks all three
 * and the path order, so a flipped bit, an edited row or rows served out of
 * order are refused instead of turning into false findings. */
#define _GNU_SOURCE
#include "store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/buf.h"
#include "basic/escape.h"
#include "basic/fd-util.h"
#include "basic/macros.h"
#include "basic/sha256.h"
#include "basic/sqlite-util.h"

/* A row takes at least this many bytes of the file (a b-tree cell and its
 * pointer), so a file of N bytes cannot hold more than N / MIN_ROW_BYTES rows:
 * the entry array is never reserved larger than that, whatever meta declares. */
#define MIN_ROW_BYTES 16

#define RECORD_MAX_BYTES 4096

static const char schema[] =
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE entries ("
        " path BLOB PRIMARY KEY, type INTEGER NOT NULL, mode INTEGER NOT NULL,"
        " uid INTEGER NOT NULL, gid INTEGER NOT NULL, nlink INTEGER NOT NULL,"
        " size INTEGER NOT NULL, mtime INTEGER, sha256 BLOB, target BLOB,"
        " rdev INTEGER NOT NULL, link BLOB, xattrs BLOB,"
        " dev INTEGER, ino INTEGER, ctime INTEGER, error INTEGER NOT NULL"
        ") WITHOUT ROWID;";

/* The meta values the digest covers, in this order. */
enum { M_FORMAT, M_VERSION, M_SOURCE, M_COMMIT, M_CREATED, M_HOST, M_PATHS, M_ATTRS, M_ENTRIES, M_COUNT };
static const char *const meta_keys[M_COUNT] = {
        "format", "version", "source", "commit", "created", "host", "paths", "attrs", "entries",
};

static const char older_version[] = "recorded by an older version of driftwatch, without a digest: re-create it";

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
        free(m->digest);
        *m = (struct baseline_meta) { 0 };
}

/* The digest: SHA-256 over a canonical serialisation of the meta values and
 * of every entry in order, each column as the file stores it. Integers are 8
 * bytes little-endian, byte strings a presence byte, an 8-byte length and the
 * bytes. */
static int put_u64(struct buf *b, uint64_t v)
{
        uint8_t le[8];

        for (size_t i = 0; i < sizeof(le); i++)
                le[i] = (uint8_t) (v >> (8 * i));
        return buf_append(b, le, sizeof(le));
}

static int put_bytes(struct buf *b, const void *p, size_t n, bool present)
{
        int r = buf_putc(b, (char) present);

        r = r ?: put_u64(b, present ? n : 0);
        return r ?: (present && n ? buf_append(b, p, n) : 0);
}

/* A NULL mtime column reads back as 0, and is serialised as 0. */
static int serialize_entry(struct buf *b, const struct fim_entry *e)
{
        bool st = e->flags & ENTRY_HAS_STAT, hash = e->flags & ENTRY_HAS_HASH;
        int r;

        buf_reset(b);
        r = put_bytes(b, e->path, e->path_len, true);
        r = r ?: put_u64(b, e->type & S_IFMT);
        r = r ?: put_u64(b, e->mode & 07777);
        r = r ?: put_u64(b, e->uid);
        r = r ?: put_u64(b, e->gid);
        r = r ?: put_u64(b, e->nlink);
        r = r ?: put_u64(b, e->size);
        r = r ?: put_u64(b, (uint64_t) e->mtime_ns);
        r = r ?: put_bytes(b, e->sha256, SHA256_LEN, hash);
        r = r ?: put_bytes(b, e->target, e->target_len, e->target != NULL);
        r = r ?: put_u64(b, e->rdev);
        r = r ?: put_bytes(b, e->link, e->link_len, e->link != NULL);
        r = r ?: put_bytes(b, e->xattrs, e->xattrs_len, e->xattrs_len > 0);
        r = r ?: buf_putc(b, (char) st);
        r = r ?: put_u64(b, st ? e->dev : 0);
        r = r ?: put_u64(b, st ? e->ino : 0);
        r = r ?: put_u64(b, st ? (uint64_t) e->ctime_ns : 0);
        return r ?: put_u64(b, (uint64_t) (int64_t) e->err);
}

/* The digest is computed in steps: the meta values, then every entry in
 * order, so that neither a writer nor a reader needs all rows at once. */
struct digest {
        struct hasher *h;
        struct buf b;
};

static void digest_release(struct digest *d)
{
        hasher_free(d->h);
        d->h = NULL;
        buf_release(&d->b);
}

static int digest_begin(struct digest *d, char *const values[M_COUNT])
{
        int r;

        buf_init(&d->b, 0);
        r = hasher_new(&d->h);
        r = r ?: hasher_begin(d->h);
        for (size_t i = 0; r >= 0 && i < M_COUNT; i++) {
                buf_reset(&d->b);
                r = put_bytes(&d->b, values[i], values[i] ? strlen(values[i]) : 0, values[i] != NULL);
                r = r ?: hasher_update(d->h, d->b.data, d->b.len);
        }
        return r;
}

static int digest_entry(struct digest *d, const struct fim_entry *e)
{
        int r = serialize_entry(&d->b, e);

        return r ?: hasher_update(d->h, d->b.data, d->b.len);
}

static int digest_end(struct digest *d, char ret_hex[BASELINE_DIGEST_HEX + 1])
{
        uint8_t md[SHA256_LEN];
        int r = hasher_end(d->h, md);

        if (r < 0)
                return r;
        buf_reset(&d->b);
        r = hex_encode(&d->b, md, SHA256_LEN);
        if (r < 0)
                return r;
        memcpy(ret_hex, d->b.data, BASELINE_DIGEST_HEX + 1);
        return 0;
}

static bool is_digest(const char *s)
{
        size_t i;

        for (i = 0; i < BASELINE_DIGEST_HEX; i++)
                if (!s[i] || !strchr("0123456789abcdef", s[i]))
                        return false;
        return s[i] == '\0';
}

/* Temporary files: ".NAME.XXXXXX" beside the target, so the rename stays on
 * one filesystem and the leading dot keeps them out of globs. A writer holds
 * an flock() on its file from creation to rename; a file nobody holds locked
 * was left by a writer that was killed. */
struct temp {
        char *path;             /* NULL once renamed into place */
        int fd, dirfd;
};

static void temp_release(struct temp *t)
{
        if (t->path)
                (void) unlink(t->path);
        free(t->path);
        closep(&t->fd);
        closep(&t->dirfd);
}

static bool is_temp_of(const char *name, const char *base)
{
        size_t n = strlen(base), i;

        if (name[0] != '.' || strncmp(name + 1, base, n) != 0 || name[n + 1] != '.')
                return false;
        name += n + 2;
        for (i = 0; i < 6; i++)
                if (!isalnum((unsigned char) name[i]))
                        return false;
        return name[i] == '\0';
}

static bool same_file(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Removes the temporary files of base in dirfd that are ours (same owner), a
 * regular file, and locked by nobody. */
static void remove_stale_temps(int dirfd, const char *base)
{
        struct dirent *de;
        int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;

        if (!d) {
                closep(&dfd);
                return;
        }
        while ((de = readdir(d))) {
                _cleanup_(closep) int fd = -1;
                struct stat st, now;

                if (!is_temp_of(de->d_name, base))
                        continue;
                fd = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
                    flock(fd, LOCK_EX | LOCK_NB) < 0)
                        continue;
                /* Still that file under that name (not removed by another cleaner meanwhile). */
                if (fstatat(dirfd, de->d_name, &now, AT_SYMLINK_NOFOLLOW) == 0 && same_file(&st, &now))
                        (void) unlinkat(dirfd, de->d_name, 0);
        }
        closedir(d);
}

/* Creates a locked temporary file for 'path' with 'mode', removing stale ones first. */
static int temp_create(const char *path, mode_t mode, struct temp *ret)
{
        _cleanup_(freep) char *dir = NULL;
        _cleanup_(closep) int dirfd = -1;
        const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

        if (!*base)
                return -EISDIR;
        dir = slash ? strndup(path, (size_t) (slash - path) + (slash == path)) : strdup(".");
        if (!dir)
                return -ENOMEM;
        dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return negative_errno();
        remove_stale_temps(dirfd, base);

        /* A cleaner may have seen the new file before its lock and removed it:
         * then again, under another name. */
        for (int attempt = 0; attempt < 8; attempt++) {
                _cleanup_(freep) char *tmp = NULL;
                _cleanup_(closep) int fd = -1;
                struct stat st, now;

                if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0)
                        return -ENOMEM;
                fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
                if (fd < 0)
                        return negative_errno();
                if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0 || fchmod(fd, mode) < 0) {
                        int r = negative_errno();

                        (void) unlink(tmp);
                        return r;
                }
                if (lstat(tmp, &now) < 0 || !same_file(&st, &now))
                        continue;
                *ret = (struct temp) { .path = TAKE_PTR(tmp), .fd = TAKE_FD(fd), .dirfd = TAKE_FD(dirfd) };
                return 0;
        }
        return -EBUSY;
}

/* Makes the (written) temporary file durable under the name 'path'. */
static int temp_commit(struct temp *t, const char *path)
{
        if (fsync(t->fd) < 0 || rename(t->path, path) < 0)
                return negative_errno();
        free(t->path);
        t->path = NULL;
        (void) fsync(t->dirfd);
        return 0;
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

/* Why a query failed: a missing table means the file is something else. */
static int db_fail(int rc, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = (rc & 0xff) == SQLITE_ERROR ? "not a driftwatch baseline" : sqlite3_errstr(rc);
        return rc == SQLITE_NOMEM ? -ENOMEM : -EBADMSG;
}

/* The value of key (*ret NULL when there is none). */
static int get_meta(sqlite3 *db, const char *key, char **ret, const char **ret_reason)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;
        const unsigned char *v;
        int rc;

        rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &s, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) {
                *ret = NULL;
                return 0;
        }
        if (rc != SQLITE_ROW)
                return db_fail(rc, ret_reason);
        v = sqlite3_column_text(s, 0);
        *ret = v ? strdup((const char *) v) : NULL;
        return v && !*ret ? -ENOMEM : 0;
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

/* meta as stored: the digested values, the digest and the completion mark. */
struct stored_meta {
        char *v[M_COUNT];
        char *digest, *complete;
};

static void stored_meta_release(struct stored_meta *s)
{
        for (size_t i = 0; i < M_COUNT; i++)
                free(s->v[i]);
        free(s->digest);
        free(s->complete);
}

static int bad(const char *why, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = why;
        return -EBADMSG;
}

/* Reads meta and checks that it describes a complete baseline of this
 * version. 'stamped': the file carries our application id. */
static int read_meta(sqlite3 *db, bool stamped, struct stored_meta *sm, struct baseline_meta *m,
                     const char **ret_reason)
{
        const char *version;
        char *end;
        size_t i;
        int r;

        for (i = 0; i < M_COUNT; i++) {
                r = get_meta(db, meta_keys[i], &sm->v[i], ret_reason);
                if (r < 0)
                        return r;
        }
        r = get_meta(db, "digest", &sm->digest, ret_reason);
        r = r ?: get_meta(db, "complete", &sm->complete, ret_reason);
        if (r < 0)
                return r;

        if (!sm->v[M_FORMAT] || strcmp(sm->v[M_FORMAT], BASELINE_FORMAT) != 0)
                return bad("not a driftwatch baseline", ret_reason);
        version = sm->v[M_VERSION];
        if (version && strcmp(version, "1") == 0)
                return bad(older_version, ret_reason);
        if (!version || strtoul(version, &end, 10) != BASELINE_VERSION || *end)
                return bad("unsupported baseline version", ret_reason);
        if (!stamped)
                return bad("corrupt: not marked as a driftwatch baseline", ret_reason);
        if (!sm->complete || strcmp(sm->complete, "1") != 0 || !sm->v[M_ENTRIES])
                return bad("baseline is incomplete", ret_reason);
        errno = 0;
        m->entries = strtoull(sm->v[M_ENTRIES], &end, 10);
        if (errno || *end || end == sm->v[M_ENTRIES] || !isdigit((unsigned char) sm->v[M_ENTRIES][0]))
                return bad("bad entry count", ret_reason);
        if (m->entries > BASELINE_MAX_ENTRIES)
                return bad("entry count out of range", ret_reason);
        if (!sm->v[M_ATTRS] || attr_parse_list(sm->v[M_ATTRS], &m->attrs, NULL) < 0)
                return bad("bad attribute list", ret_reason);
        if (!sm->digest)
                return bad(older_version, ret_reason);
        if (!is_digest(sm->digest))
                return bad("corrupt: a malformed digest", ret_reason);

        char **copies[] = { &m->source, &m->commit, &m->created, &m->host };
        for (i = 0; i < ARRAY_SIZE(copies); i++)
                if (sm->v[M_SOURCE + i] && !(*copies[i] = strdup(sm->v[M_SOURCE + i])))
                        return -ENOMEM;
        return split_paths(sm->v[M_PATHS] ? sm->v[M_PATHS] : "", m);
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

/* Rows in path order as they come out of the file, each checked against the
 * one before, counted against the declared count and fed into the digest:
 * neither a full load nor a streaming reader keeps more than one row to
 * check them. */
struct rows {
        sqlite3_stmt *stmt;
        unsigned long long n, declared;
        struct buf last;                /* the path of the previous row */
        struct digest digest;
        bool digested;                  /* the rows go into the digest */
};

static void rows_release(struct rows *rs)
{
        sqlite_finalizep(&rs->stmt);
        rs->stmt = NULL;
        buf_release(&rs->last);
        digest_release(&rs->digest);
}

static int rows_begin(struct rows *rs, sqlite3 *db, char *const values[M_COUNT], unsigned long long declared,
                      const char **ret_reason)
{
        int rc, r;

        *rs = (struct rows) { .declared = declared, .digested = values != NULL };
        buf_init(&rs->last, 0);
        r = values ? digest_begin(&rs->digest, values) : 0;
        if (r < 0)
                return r;
        rc = sqlite3_prepare_v2(db,
                                "SELECT path, type, mode, uid, gid, nlink, size, mtime, sha256, target,"
                                " rdev, link, xattrs, dev, ino, ctime, error FROM entries ORDER BY path",
                                -1, &rs->stmt, NULL);
        return rc == SQLITE_OK ? 0 : db_fail(rc, ret_reason);
}

/* Decodes the next row into a new entry of t: 1, or 0 after the last. */
static int rows_next(struct rows *rs, struct fim_tree *t, const char **ret_reason)
{
        sqlite3_stmt *s = rs->stmt;
        struct fim_entry *e;
        uint32_t len;
        int rc, r = 0;

        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return db_fail(rc, ret_reason);
        if (rs->n == rs->declared)
                return bad("entry count does not match: truncated or altered", ret_reason);
        e = fim_tree_add(t);
        if (!e)
                return -ENOMEM;
        /* A TEXT path sorts before every BLOB: the merge diff would go astray. */
        if (sqlite3_column_type(s, 0) != SQLITE_BLOB)
                return bad("corrupt: an entry whose path is not a BLOB", ret_reason);
        e->path = column_copy(s, 0, &t->arena, &e->path_len, true, &r);
        if (r < 0)
                return r;
        if (!e->path || e->path_len == 0 || e->path[0] != '/')
                return bad("entry with a bad path", ret_reason);
        if (rs->n > 0 && path_compare(rs->last.data, rs->last.len, e->path, e->path_len) >= 0)
                return bad("corrupt: entries out of path order", ret_reason);
        buf_reset(&rs->last);
        r = buf_append(&rs->last, e->path, e->path_len);
        if (r < 0)
                return r;
        e->type = (uint32_t) sqlite3_column_int(s, 1) & S_IFMT;
        e->mode = (uint32_t) sqlite3_column_int(s, 2) & 07777;
        e->uid = (uint32_t) sqlite3_column_int64(s, 3);
        e->gid = (uint32_t) sqlite3_column_int64(s, 4);
        e->nlink = (uint32_t) sqlite3_column_int64(s, 5);
        e->size = (uint64_t) sqlite3_column_int64(s, 6);
        e->mtime_ns = sqlite3_column_int64(s, 7);
        if (sqlite3_column_type(s, 8) == SQLITE_BLOB) {
                if (sqlite3_column_bytes(s, 8) != SHA256_LEN)
                        return bad("entry with a bad hash", ret_reason);
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
        rs->n++;
        r = rs->digested ? digest_entry(&rs->digest, e) : 0;
        return r < 0 ? r : 1;
}

/* After the last row: the count as declared, and the digest of the rows
 * into ret_hex (when digested and asked for). */
static int rows_end(struct rows *rs, char *ret_hex, const char **ret_reason)
{
        if (rs->n != rs->declared)
                return bad("entry count does not match: truncated or altered", ret_reason);
        return rs->digested && ret_hex ? digest_end(&rs->digest, ret_hex) : 0;
}

static int check_digest(const char *computed, const char *declared, const char **ret_reason)
{
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION      /* so that mutated entries reach the diff */
        if (strcmp(computed, declared) != 0)
                return bad("corrupt: entries do not match their digest", ret_reason);
#endif
        return 0;
}

/* The bytes the database occupies: what bounds the rows it can hold. */
static uint64_t db_bytes(sqlite3 *db)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;

        if (sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                               -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW)
                return 0;
        return (uint64_t) sqlite3_column_int64(s, 0);
}

/* Loads and validates the baseline in db; 'stamped' as for read_meta(). */
static int load(sqlite3 *db, bool stamped, struct fim_tree **ret_tree, struct baseline_meta *ret_meta,
                const char **ret_reason)
{
        _cleanup_(stored_meta_release) struct stored_meta sm = { 0 };
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        _cleanup_(rows_release) struct rows rs = { 0 };
        char digest[BASELINE_DIGEST_HEX + 1];
        uint64_t reserve;
        int r;

        r = read_meta(db, stamped, &sm, &m, ret_reason);
        if (r < 0)
                return r;
        r = fim_tree_new(&t);
        if (r < 0)
                return r;
        /* Sized once from the declared count (checked against the rows below),
         * as doubling would hold up to twice the memory; but never more than the
         * file can hold, whatever it declares. */
        reserve = m.entries;
        if (reserve > db_bytes(db) / MIN_ROW_BYTES)
                reserve = db_bytes(db) / MIN_ROW_BYTES;
        if (reserve) {
                t->entries = malloc(reserve * sizeof(*t->entries));
                if (!t->entries)
                        return -ENOMEM;
                t->cap = reserve;
        }
        r = rows_begin(&rs, db, sm.v, m.entries, ret_reason);
        while (r >= 0 && (r = rows_next(&rs, t, ret_reason)) > 0)
                ;
        r = r ?: rows_end(&rs, digest, ret_reason);
        r = r ?: check_digest(digest, sm.digest, ret_reason);
        if (r < 0)
                return r;
        t->attrs = m.attrs;
        m.digest = TAKE_PTR(sm.digest);
        *ret_tree = TAKE_PTR(t);
        *ret_meta = m;
        m = (struct baseline_meta) { 0 };
        return 0;
}

/* ret_reason may be NULL in all of these. */
static int open_baseline(const char *path, sqlite3 **ret_db, const char **ret_reason)
{
        if (ret_reason)
                *ret_reason = NULL;
        return db_open(path, &(struct db_open_args) { .flags = DB_READ_ONLY, .application_id = DB_APP_BASELINE },
                       ret_db, ret_reason);
}

int baseline_read(const char *path, struct fim_tree **ret_tree, struct baseline_meta *ret_meta,
                  const char **ret_reason)
{
        _cleanup_(sqlite_closep) sqlite3 *db = NULL;
        int r = open_baseline(path, &db, ret_reason);

        return r < 0 ? r : load(db, r == 0, ret_tree, ret_meta, ret_reason);
}

int baseline_read_buf(const void *buf, size_t len, struct fim_tree **ret_tree, struct baseline_meta *ret_meta,
                      const char **ret_reason)
{
        _cleanup_(sqlite_closep) sqlite3 *db = NULL;
        unsigned char *copy;
        int rc, r;

        if (ret_reason)
                *ret_reason = NULL;
        rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL);
        if (rc != SQLITE_OK)
                return -ENOMEM;
        copy = sqlite3_malloc64(len ? len : 1);
        if (!copy)
                return -ENOMEM;
        if (len)
                memcpy(copy, buf, len);
        /* SQLite frees the copy, on failure too. */
        rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64) len, (sqlite3_int64) len,
                                 SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc) ?: -EIO;
        r = db_check_application_id(db, DB_APP_BASELINE, ret_reason);
        return r < 0 ? r : load(db, r == 0, ret_tree, ret_meta, ret_reason);
}

int baseline_read_meta(const char *path, struct baseline_meta *ret_meta, const char **ret_reason)
{
        _cleanup_(sqlite_closep) sqlite3 *db = NULL;
        _cleanup_(stored_meta_release) struct stored_meta sm = { 0 };
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        int r = open_baseline(path, &db, ret_reason);

        r = r < 0 ? r : read_meta(db, r == 0, &sm, &m, ret_reason);
        if (r < 0)
                return r;
        m.digest = TAKE_PTR(sm.digest);
        *ret_meta = m;
        m = (struct baseline_meta) { 0 };
        return 0;
}

int baseline_read_digest(const char *path, char ret_digest[static BASELINE_DIGEST_HEX + 1], const char **ret_reason)
{
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        int r = baseline_read_meta(path, &m, ret_reason);

        if (r < 0)
                return r;
        memcpy(ret_digest, m.digest, BASELINE_DIGEST_HEX + 1);
        return 0;
}

/* Writing: rows go into the temporary file as they come; the digest is
 * computed at the end by reading them back in order, one at a time, since it
 * covers the meta values (the row count among them) ahead of the rows. */
struct baseline_writer {
        struct temp tmp;
        char *path;
        sqlite3 *db;
        sqlite3_stmt *insert;
        unsigned attrs;
        unsigned long long n;
};

struct baseline_writer *baseline_writer_free(struct baseline_writer *w)
{
        if (!w)
                return NULL;
        sqlite_finalizep(&w->insert);
        sqlite_closep(&w->db);
        temp_release(&w->tmp);
        free(w->path);
        free(w);
        return NULL;
}

int baseline_writer_new(const char *path, unsigned attrs, struct baseline_writer **ret)
{
        _cleanup_(baseline_writer_freep) struct baseline_writer *w = NULL;
        struct stat st;
        int rc, r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->tmp = (struct temp) { .fd = -1, .dirfd = -1 };
        w->attrs = attrs;
        w->path = strdup(path);
        if (!w->path)
                return -ENOMEM;
        r = temp_create(path, 0640, &w->tmp);
        if (r < 0)
                return r;
        if (fstat(w->tmp.fd, &st) < 0)
                return negative_errno();
        r = db_open(w->tmp.path, &(struct db_open_args) { .flags = DB_NOFOLLOW, .application_id = DB_APP_BASELINE,
                                                          .same_as = &st }, &w->db, NULL);
        if (r < 0)
                return r;
        /* The file is private until renamed: no journal is needed, and durability
         * comes from the fsync before the rename. */
        rc = sqlite3_exec(w->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;"
                                 "BEGIN;", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(w->db, schema, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_prepare_v2(w->db, "INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                        -1, &w->insert, NULL);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        r = db_set_application_id(w->db, DB_APP_BASELINE);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

int baseline_writer_add(struct baseline_writer *w, const struct fim_tree *tree)
{
        sqlite3_stmt *s = w->insert;
        int rc;

        for (size_t i = 0; i < tree->n; i++) {
                const struct fim_entry *e = &tree->entries[i];
                bool st = e->flags & ENTRY_HAS_STAT;

                if (w->n == BASELINE_MAX_ENTRIES)
                        return -E2BIG;
                sqlite3_reset(s);
                rc = bind_blob_or_null(s, 1, e->path, e->path_len, true);
                rc = rc ?: sqlite3_bind_int(s, 2, (int) e->type);
                rc = rc ?: sqlite3_bind_int(s, 3, (int) e->mode);
                rc = rc ?: sqlite3_bind_int64(s, 4, e->uid);
                rc = rc ?: sqlite3_bind_int64(s, 5, e->gid);
                rc = rc ?: sqlite3_bind_int64(s, 6, e->nlink);
                rc = rc ?: sqlite3_bind_int64(s, 7, (sqlite3_int64) e->size);
                rc = rc ?: (w->attrs & ATTR_MTIME) ? sqlite3_bind_int64(s, 8, e->mtime_ns) : sqlite3_bind_null(s, 8);
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
                w->n++;
        }
        return 0;
}

/* The digest of the rows the file holds, read back in order. */
static int digest_rows(sqlite3 *db, char *const values[M_COUNT], unsigned long long n,
                       char ret_hex[BASELINE_DIGEST_HEX + 1])
{
        _cleanup_(fim_tree_freep) struct fim_tree *row = NULL;
        _cleanup_(rows_release) struct rows rs = { 0 };
        int r;

        r = fim_tree_new(&row);
        r = r ?: rows_begin(&rs, db, values, n, NULL);
        while (r >= 0 && (r = rows_next(&rs, row, NULL)) > 0) {
                row->n = 0;
                arena_reset(&row->arena);
        }
        return r ?: rows_end(&rs, ret_hex, NULL);
}

int baseline_writer_commit(struct baseline_writer *w, const struct baseline_meta *meta)
{
        _cleanup_(buf_release) struct buf paths, attrs;
        char version[16], entries[32], digest[BASELINE_DIGEST_HEX + 1];
        char *values[M_COUNT];
        size_t i;
        int rc, r = 0;

        buf_init(&paths, 0);
        buf_init(&attrs, 0);
        for (i = 0; i < meta->n_paths && r >= 0; i++)
                r = buf_printf(&paths, "%s%s", i ? "\n" : "", meta->paths[i]);
        r = r ?: buf_puts(&paths, "");
        r = r ?: attr_format_list(&attrs, w->attrs);
        r = r ?: buf_puts(&attrs, "");
        if (r < 0)
                return r;
        snprintf(version, sizeof(version), "%d", BASELINE_VERSION);
        snprintf(entries, sizeof(entries), "%llu", w->n);
        values[M_FORMAT] = (char *) BASELINE_FORMAT;
        values[M_VERSION] = version;
        values[M_SOURCE] = meta->source;
        values[M_COMMIT] = meta->commit;
        values[M_CREATED] = meta->created;
        values[M_HOST] = meta->host;
        values[M_PATHS] = paths.data;
        values[M_ATTRS] = attrs.data;
        values[M_ENTRIES] = entries;
        for (i = 0; i < M_COUNT && r >= 0; i++)
                r = put_meta(w->db, meta_keys[i], values[i]);
        r = r ?: digest_rows(w->db, values, w->n, digest);
        r = r ?: put_meta(w->db, "digest", digest);
        r = r ?: put_meta(w->db, "complete", "1");
        if (r < 0)
                return r;
        rc = sqlite3_exec(w->db, "COMMIT;", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        sqlite_finalizep(&w->insert);
        w->insert = NULL;
        rc = sqlite3_close_v2(TAKE_PTR(w->db));
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        return temp_commit(&w->tmp, w->path);
}

int baseline_write(const char *path, const struct fim_tree *tree, const struct baseline_meta *meta)
{
        _cleanup_(baseline_writer_freep) struct baseline_writer *w = NULL;
        int r;

        r = baseline_writer_new(path, tree->attrs, &w);
        r = r ?: baseline_writer_add(w, tree);
        return r ?: baseline_writer_commit(w, meta);
}

/* Streaming reads: a first pass validates everything as baseline_read() does
 * and notes a chunk boundary every chunk_rows rows; the second pass serves
 * the rows chunk by chunk. Both run in one read transaction, so the rows
 * served are the rows verified (a writer would wait for our read lock, and
 * baselines are replaced by rename, which leaves our file as it was); the
 * second pass still checks order and count, which cost nothing, but does not
 * hash the rows again. */
struct baseline_reader {
        sqlite3 *db;
        struct stored_meta sm;
        struct rows rows;
        size_t chunk_rows, next_chunk;
        unsigned attrs;
        struct path_cuts cuts;          /* the first path of chunks 1, 2 ... */
        unsigned long long bytes;       /* the size total of its regular files */
};

struct baseline_reader *baseline_reader_free(struct baseline_reader *rd)
{
        if (!rd)
                return NULL;
        rows_release(&rd->rows);
        stored_meta_release(&rd->sm);
        path_cuts_release(&rd->cuts);
        sqlite_closep(&rd->db);
        free(rd);
        return NULL;
}

int baseline_reader_open(const char *path, size_t chunk_rows, struct baseline_reader **ret,
                         struct baseline_meta *ret_meta, const char **ret_reason)
{
        _cleanup_(baseline_reader_freep) struct baseline_reader *rd = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        _cleanup_(fim_tree_freep) struct fim_tree *row = NULL;
        char digest[BASELINE_DIGEST_HEX + 1];
        bool stamped;
        int rc, r;

        rd = calloc(1, sizeof(*rd));
        if (!rd)
                return -ENOMEM;
        rd->chunk_rows = chunk_rows ? chunk_rows : BASELINE_CHUNK_ROWS;
        r = open_baseline(path, &rd->db, ret_reason);
        if (r < 0)
                return r;
        stamped = r == 0;
        rc = sqlite3_exec(rd->db, "BEGIN;", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
                return db_fail(rc, ret_reason);
        r = read_meta(rd->db, stamped, &rd->sm, &m, ret_reason);
        r = r ?: fim_tree_new(&row);
        r = r ?: rows_begin(&rd->rows, rd->db, rd->sm.v, m.entries, ret_reason);
        while (r >= 0 && (r = rows_next(&rd->rows, row, ret_reason)) > 0) {
                if (rd->rows.n > 1 && (rd->rows.n - 1) % rd->chunk_rows == 0)
                        r = path_cuts_add(&rd->cuts, row->entries[0].path, row->entries[0].path_len);
                if (row->entries[0].type == S_IFREG)
                        rd->bytes += row->entries[0].size;
                row->n = 0;
                arena_reset(&row->arena);
        }
        r = r ?: rows_end(&rd->rows, digest, ret_reason);
        r = r ?: check_digest(digest, rd->sm.digest, ret_reason);
        rows_release(&rd->rows);
        r = r ?: rows_begin(&rd->rows, rd->db, NULL, m.entries, ret_reason);
        if (r < 0)
                return r;
        rd->attrs = m.attrs;
        m.digest = strdup(rd->sm.digest);
        if (!m.digest)
                return -ENOMEM;
        *ret = TAKE_PTR(rd);
        *ret_meta = m;
        m = (struct baseline_meta) { 0 };
        return 0;
}

unsigned long long baseline_reader_bytes(const struct baseline_reader *rd)
{
        return rd->bytes;
}

size_t baseline_reader_chunks(const struct baseline_reader *rd)
{
        return rd->cuts.n + 1;
}

void baseline_reader_chunk_range(const struct baseline_reader *rd, size_t i, struct path_range *ret)
{
        path_cuts_range(&rd->cuts, i, ret);
}

int baseline_reader_next_chunk(struct baseline_reader *rd, struct fim_tree *t, const char **ret_reason)
{
        bool last = rd->next_chunk == rd->cuts.n;
        size_t start = t->n;
        int r = 1;

        if (rd->next_chunk > rd->cuts.n)
                return -EINVAL;
        if (ret_reason)
                *ret_reason = NULL;
        while ((last || t->n - start < rd->chunk_rows) && (r = rows_next(&rd->rows, t, ret_reason)) > 0)
                ;
        if (r < 0)
                return r;
        t->attrs = rd->attrs;
        rd->next_chunk++;
        return last ? rows_end(&rd->rows, NULL, ret_reason) : 0;
}

/* 1 when some row's path lies in [lo, hi), else 0. */
static int rows_between(sqlite3 *db, const char *lo, size_t lo_len, const char *hi, size_t hi_len)
{
        _cleanup_(sqlite_finalizep) sqlite3_stmt *s = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, "SELECT 1 FROM entries WHERE path >= ?1 AND path < ?2 LIMIT 1", -1, &s, NULL);
        rc = rc ?: sqlite3_bind_blob(s, 1, lo, (int) lo_len, SQLITE_STATIC);
        rc = rc ?: sqlite3_bind_blob(s, 2, hi, (int) hi_len, SQLITE_STATIC);
        if (rc != SQLITE_OK)
                return sqlite_errno(rc);
        rc = sqlite3_step(s);
        return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : sqlite_errno(rc);
}

int baseline_reader_has_prefix(struct baseline_reader *rd, const char *prefix)
{
        _cleanup_(freep) char *lo = NULL, *hi = NULL;
        size_t n = strlen(prefix);
        int r;

        while (n > 1 && prefix[n - 1] == '/')
                n--;
        if (n == 1 && prefix[0] == '/')
                return rd->rows.declared > 0;
        lo = malloc(n + 1);
        hi = malloc(n + 1);
        if (!lo || !hi)
                return -ENOMEM;
        /* The prefix itself: [P, P "\0"); below it: [P "/", P "0"). */
        memcpy(lo, prefix, n);
        memcpy(hi, prefix, n);
        hi[n] = '\0';
        r = rows_between(rd->db, lo, n, hi, n + 1);
        if (r != 0)
                return r;
        lo[n] = '/';
        hi[n] = '0';
        return rows_between(rd->db, lo, n + 1, hi, n + 1);
}

/* The record: "digest HEX" on a line, after a comment. */
int baseline_record_read(const char *path, char ret_digest[static BASELINE_DIGEST_HEX + 1])
{
        _cleanup_(closep) int fd = -1;
        _cleanup_(freep) char *text = NULL;
        const char *p;
        struct stat st;
        size_t len;
        int r;

        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP ? -EBADMSG : negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADMSG;
        r = read_fd_all(fd, RECORD_MAX_BYTES, &text, &len);
        if (r < 0)
                return r == -EFBIG ? -EBADMSG : r;
        p = strncmp(text, "digest ", 7) == 0 ? text : strstr(text, "\ndigest ");
        if (!p)
                return -EBADMSG;
        p += *p == '\n' ? 8 : 7;
        if (strlen(p) < BASELINE_DIGEST_HEX + 1 || p[BASELINE_DIGEST_HEX] != '\n')
                return -EBADMSG;
        memcpy(ret_digest, p, BASELINE_DIGEST_HEX);
        ret_digest[BASELINE_DIGEST_HEX] = '\0';
        return is_digest(ret_digest) ? 0 : -EBADMSG;
}

int store_write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
        _cleanup_(temp_release) struct temp tmp = { .fd = -1, .dirfd = -1 };
        int r = temp_create(path, mode, &tmp);

        r = r ?: write_all(tmp.fd, p, n);
        return r ?: temp_commit(&tmp, path);
}

int baseline_record_write(const char *path, const char *digest)
{
        _cleanup_(temp_release) struct temp tmp = { .fd = -1, .dirfd = -1 };
        char text[160];
        int n, r;

        if (!is_digest(digest))
                return -EINVAL;
        n = snprintf(text, sizeof(text), "# driftwatch: the digest of the baseline this state directory holds\n"
                                         "digest %s\n", digest);
        r = temp_create(path, 0600, &tmp);
        r = r ?: write_all(tmp.fd, text, (size_t) n);
        return r ?: temp_commit(&tmp, path);
}
