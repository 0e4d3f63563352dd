/* Unit tests for src/fim/store.c: a baseline written and read back keeps every
 * entry and the meta data; writes replace atomically and leave no temporary
 * file behind on failure, and remove the ones killed writers left; reading
 * rejects anything that is not a complete driftwatch baseline (missing, empty,
 * random, truncated, altered, out of order, without a digest, another kind)
 * with a negative errno and a reason, without crashing or reserving memory for
 * rows the file cannot hold. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tmpdir.h"
#include "basic/sqlite-util.h"
#include "fim/diff.h"
#include "fim/store.h"

/* Per-test state: a private temporary directory. */
struct fixture {
        char dir[64];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        tmpdir_make(f->dir, "store");
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        (void) chmod(f->dir, 0700);
        tmpdir_remove(f->dir);
        free(f);
        return 0;
}

static char *path_in(const struct fixture *f, const char *name)
{
        char *p;

        assert_true(asprintf(&p, "%s/%s", f->dir, name) > 0);
        return p;
}

/* Names in dir, sorted and joined by ' ' (for comparisons of listings). */
static char *listing(const char *dir)
{
        struct dirent **names;
        char *out = NULL;
        size_t len = 0;
        FILE *fp;
        int n, i;

        n = scandir(dir, &names, NULL, alphasort);
        assert_true(n >= 0);
        fp = open_memstream(&out, &len);
        assert_non_null(fp);
        for (i = 0; i < n; i++) {
                if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
                        fprintf(fp, "%s ", names[i]->d_name);
                free(names[i]);
        }
        free(names);
        fclose(fp);
        return out;
}

/* Fails when dir holds a temporary file of baseline_write (".NAME.XXXXXX") or
 * an SQLite side file. */
static void assert_no_temp_files(const char *dir)
{
        struct dirent **names;
        int n, i;

        n = scandir(dir, &names, NULL, alphasort);
        assert_true(n >= 0);
        for (i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                bool bad = (name[0] == '.' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) ||
                           strstr(name, "-journal") || strstr(name, "-wal") || strstr(name, "-shm");

                if (bad)
                        fail_msg("left behind in %s: %s", dir, name);
                free(names[i]);
        }
        free(names);
}

static char *slurp(const char *path, size_t *ret_len)
{
        char *buf;
        FILE *fp = fopen(path, "rb");
        long n;

        assert_non_null(fp);
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        n = ftell(fp);
        assert_true(n >= 0);
        rewind(fp);
        buf = malloc((size_t) n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) n, fp), (size_t) n);
        fclose(fp);
        *ret_len = (size_t) n;
        return buf;
}

static void spew(const char *path, const void *p, size_t n)
{
        FILE *fp = fopen(path, "wb");

        assert_non_null(fp);
        if (n)
                assert_int_equal(fwrite(p, 1, n, fp), n);
        assert_int_equal(fclose(fp), 0);
}

static struct fim_entry *add_n(struct fim_tree *t, const char *path, size_t n, uint32_t type)
{
        struct fim_entry *e = fim_tree_add(t);

        assert_non_null(e);
        e->path = arena_strndup(&t->arena, path, n);
        e->path_len = (uint32_t) n;
        e->type = type;
        e->mode = type == S_IFDIR ? 0755 : 0644;
        e->nlink = 1;
        return e;
}

static struct fim_entry *add(struct fim_tree *t, const char *path, uint32_t type)
{
        return add_n(t, path, strlen(path), type);
}

/* A tree with one of everything a baseline has to keep. */
static struct fim_tree *sample_tree(void)
{
        static const char bin_value[] = { 0, 1, 2, (char) 0xff };
        struct xattr_pair xa[] = {
                { "user.z", 6, "last", 4 },
                { "security.selinux", 16, "system_u:object_r:etc_t:s0", 27 },
                { "user.bin", 8, bin_value, sizeof(bin_value) },
        };
        struct fim_tree *t;
        struct fim_entry *e;

        assert_int_equal(fim_tree_new(&t), 0);
        t->attrs = ATTR_ALL_LIVE;

        e = add(t, "/", S_IFDIR);
        e->mtime_ns = 1;
        e = add(t, "/etc", S_IFDIR);
        e->mode = 0750, e->uid = 0, e->gid = 10, e->nlink = 5, e->size = 4096;
        e->mtime_ns = -5;       /* before 1970 */

        e = add(t, "/etc/passwd", S_IFREG);
        e->mode = 04755, e->uid = 4294967294u, e->gid = 65534, e->nlink = 2;
        e->size = 123456789012ull, e->mtime_ns = 1700000000123456789LL, e->ctime_ns = 1700000001000000000LL;
        e->dev = 0xfd00, e->ino = 1234567, e->flags |= ENTRY_HAS_STAT | ENTRY_HAS_HASH;
        for (int i = 0; i < SHA256_LEN; i++)
                e->sha256[i] = (uint8_t) (i * 7 + 1);
        assert_int_equal(xattr_pack(&t->arena, xa, ARRAY_SIZE(xa), &e->xattrs, &e->xattrs_len), 0);

        e = add(t, "/etc/passwd-link", S_IFREG);
        e->nlink = 2, e->dev = 0xfd00, e->ino = 1234567, e->flags |= ENTRY_HAS_STAT | ENTRY_HAS_HASH;
        memset(e->sha256, 0xee, SHA256_LEN);
        e->link = "/etc/passwd", e->link_len = 11;

        /* Names with a newline, invalid UTF-8 and a space. */
        e = add(t, "/etc/we\nird \xff", S_IFREG);
        e->size = 0;
        memset(e->sha256, 0, SHA256_LEN);
        e->flags |= ENTRY_HAS_HASH;

        e = add(t, "/etc/link", S_IFLNK);
        e->mode = 0777, e->target = "../some/where \xfe\n";
        e->target_len = e->size = (uint32_t) strlen(e->target);

        e = add(t, "/etc/empty-target", S_IFLNK);
        e->mode = 0777, e->target = "", e->target_len = 0;

        e = add(t, "/dev-null", S_IFCHR);
        e->mode = 0666, e->rdev = 0x103;

        e = add(t, "/secret", S_IFREG);
        e->mode = 0600, e->err = EACCES;

        fim_tree_sort(t);
        return t;
}

static void sample_meta(struct baseline_meta *m, char **paths)
{
        *m = (struct baseline_meta) {
                .source = (char *) "dir:/srv/root",
                .commit = (char *) "0123456789abcdef",
                .created = (char *) "2024-05-01T12:00:00Z",
                .host = (char *) "build-host",
                .paths = paths,
                .n_paths = 2,
        };
}

static void assert_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
        assert_int_equal(alen, blen);
        if (alen)
                assert_memory_equal(a, b, alen);
}

static void assert_same_tree(const struct fim_tree *want, const struct fim_tree *got)
{
        const unsigned kept = ENTRY_HAS_HASH | ENTRY_HAS_STAT;

        assert_int_equal(got->n, want->n);
        assert_int_equal(got->attrs, want->attrs);
        for (size_t i = 0; i < want->n; i++) {
                const struct fim_entry *a = &want->entries[i], *b = &got->entries[i];

                assert_bytes(a->path, a->path_len, b->path, b->path_len);
                assert_int_equal(b->path[b->path_len], '\0');
                assert_int_equal(b->flags & kept, a->flags & kept);
                assert_int_equal(b->type, a->type);
                assert_int_equal(b->mode, a->mode);
                assert_int_equal(b->uid, a->uid);
                assert_int_equal(b->gid, a->gid);
                assert_int_equal(b->nlink, a->nlink);
                assert_int_equal(b->err, a->err);
                assert_int_equal(b->size, a->size);
                assert_int_equal(b->mtime_ns, a->mtime_ns);
                assert_int_equal(b->rdev, a->rdev);
                if (a->flags & ENTRY_HAS_STAT) {
                        assert_int_equal(b->dev, a->dev);
                        assert_int_equal(b->ino, a->ino);
                        assert_int_equal(b->ctime_ns, a->ctime_ns);
                }
                if (a->flags & ENTRY_HAS_HASH)
                        assert_memory_equal(b->sha256, a->sha256, SHA256_LEN);
                if (a->target) {
                        assert_non_null(b->target);
                        assert_bytes(a->target, a->target_len, b->target, b->target_len);
                        assert_int_equal(b->target[b->target_len], '\0');
                } else
                        assert_null(b->target);
                if (a->link) {
                        assert_non_null(b->link);
                        assert_bytes(a->link, a->link_len, b->link, b->link_len);
                } else
                        assert_null(b->link);
                assert_bytes(a->xattrs, a->xattrs_len, b->xattrs, b->xattrs_len);
                /* And the diff engine agrees there is no difference. */
                assert_int_equal(fim_entry_compare(a, b, ATTR_COMPARED), 0);
        }
}

static void test_roundtrip(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db");
        _cleanup_(fim_tree_freep) struct fim_tree *t = sample_tree(), *got = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        char *paths[] = { "/etc", "/usr/lib", NULL };
        struct baseline_meta meta;
        const char *reason = "unset";
        struct stat st;

        sample_meta(&meta, paths);
        assert_int_equal(baseline_write(path, t, &meta), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0640);
        assert_no_temp_files(f->dir);

        assert_int_equal(baseline_read(path, &got, &m, &reason), 0);
        assert_null(reason);
        assert_non_null(got);
        assert_same_tree(t, got);
        assert_non_null(fim_tree_find(got, "/etc/we\nird \xff", 13));

        assert_string_equal(m.source, "dir:/srv/root");
        assert_string_equal(m.commit, "0123456789abcdef");
        assert_string_equal(m.created, "2024-05-01T12:00:00Z");
        assert_string_equal(m.host, "build-host");
        assert_int_equal(m.n_paths, 2);
        assert_string_equal(m.paths[0], "/etc");
        assert_string_equal(m.paths[1], "/usr/lib");
        assert_null(m.paths[2]);
        assert_int_equal(m.attrs, ATTR_ALL_LIVE);
        assert_int_equal(m.entries, t->n);
}

static void test_roundtrip_minimal(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "min.db");
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL, *got = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        struct baseline_meta meta = { .source = (char *) "ostree:/repo:ref" };
        struct fim_entry *e;

        /* No commit, no paths, no mtime recorded, one entry. */
        assert_int_equal(fim_tree_new(&t), 0);
        t->attrs = ATTR_TYPE | ATTR_MODE | ATTR_CONTENT;
        e = add(t, "/x", S_IFREG);
        e->mtime_ns = 42;       /* not recorded: comes back as 0 */
        assert_int_equal(baseline_write(path, t, &meta), 0);
        assert_int_equal(baseline_read(path, &got, &m, NULL), 0);
        assert_int_equal(got->n, 1);
        assert_int_equal(got->attrs, ATTR_TYPE | ATTR_MODE | ATTR_CONTENT);
        assert_int_equal(got->entries[0].mtime_ns, 0);
        assert_string_equal(m.source, "ostree:/repo:ref");
        assert_null(m.commit);
        assert_null(m.host);
        assert_int_equal(m.n_paths, 0);
        assert_non_null(m.paths);
        assert_null(m.paths[0]);
        assert_int_equal(m.attrs, ATTR_TYPE | ATTR_MODE | ATTR_CONTENT);
        assert_int_equal(m.entries, 1);
}

static void test_roundtrip_empty_tree(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "empty.db");
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL, *got = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        struct baseline_meta meta = { .source = (char *) "dir:/" };

        assert_int_equal(fim_tree_new(&t), 0);
        t->attrs = ATTR_COMPARED;
        assert_int_equal(baseline_write(path, t, &meta), 0);
        assert_int_equal(baseline_read(path, &got, &m, NULL), 0);
        assert_int_equal(got->n, 0);
        assert_int_equal(m.entries, 0);
        assert_int_equal(m.attrs, ATTR_COMPARED);
}

static void test_relative_path(void **state)
{
        struct fixture *f = *state;
        _cleanup_(fim_tree_freep) struct fim_tree *t = sample_tree(), *got = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        struct baseline_meta meta = { .source = (char *) "dir:/" };
        char cwd[4096];

        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(chdir(f->dir), 0);
        assert_int_equal(baseline_write("rel.db", t, &meta), 0);
        assert_int_equal(baseline_read("rel.db", &got, &m, NULL), 0);
        assert_int_equal(chdir(cwd), 0);
        assert_same_tree(t, got);
        assert_no_temp_files(f->dir);
}

static void test_overwrite(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db"), *names = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *t1 = sample_tree(), *t2 = NULL, *got = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        struct baseline_meta meta1 = { .source = (char *) "dir:/one" };
        struct baseline_meta meta2 = { .source = (char *) "dir:/two" };
        struct stat st1, st2;

        assert_int_equal(baseline_write(path, t1, &meta1), 0);
        assert_int_equal(stat(path, &st1), 0);

        assert_int_equal(fim_tree_new(&t2), 0);
        t2->attrs = ATTR_COMPARED;
        add(t2, "/only", S_IFREG)->size = 1;
        assert_int_equal(baseline_write(path, t2, &meta2), 0);
        assert_int_equal(stat(path, &st2), 0);
        /* Replaced by rename, not rewritten in place. */
        assert_true(st1.st_ino != st2.st_ino);

        assert_int_equal(baseline_read(path, &got, &m, NULL), 0);
        assert_int_equal(got->n, 1);
        assert_string_equal(got->entries[0].path, "/only");
        assert_string_equal(m.source, "dir:/two");
        assert_int_equal(m.attrs, ATTR_COMPARED);

        names = listing(f->dir);
        assert_string_equal(names, "base.db ");
}

/* Expects baseline_read to fail with err (and a reason when want_reason). */
static void expect_read_fails(const char *path, int err, bool want_reason, const char *reason_part)
{
        struct fim_tree *t = NULL;
        struct baseline_meta m = { 0 };
        const char *reason = NULL;
        int r;

        r = baseline_read(path, &t, &m, &reason);
        if (r != err)
                print_error("baseline_read(%s) = %d (%s), reason %s\n", path, r, strerror(-r),
                            reason ? reason : "(null)");
        assert_int_equal(r, err);
        assert_null(t);
        assert_null(m.source);
        assert_null(m.paths);
        if (want_reason) {
                assert_non_null(reason);
                assert_true(reason[0] != '\0');
        }
        if (reason_part) {
                assert_non_null(reason);
                if (!strstr(reason, reason_part))
                        fail_msg("reason '%s' does not mention '%s'", reason, reason_part);
        }
        /* Without ret_reason: the same error. */
        assert_int_equal(baseline_read(path, &t, &m, NULL), err);
        assert_null(t);
}

static void test_read_missing(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "missing.db"), *names = NULL;

        expect_read_fails(path, -ENOENT, false, NULL);
        /* Reading must not create the file. */
        names = listing(f->dir);
        assert_string_equal(names, "");
}

static void test_read_not_regular(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *dir = path_in(f, "adir"), *fifo = path_in(f, "fifo");

        assert_int_equal(mkdir(dir, 0700), 0);
        expect_read_fails(dir, -EBADMSG, true, "regular");
        assert_int_equal(mkfifo(fifo, 0600), 0);
        expect_read_fails(fifo, -EBADMSG, true, "regular");
        expect_read_fails("/dev/null", -EBADMSG, true, "regular");
}

static void test_read_empty(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "empty.db");
        size_t len;

        spew(path, "", 0);
        expect_read_fails(path, -EBADMSG, true, NULL);
        /* Reading leaves the file as it was. */
        free(slurp(path, &len));
        assert_int_equal(len, 0);
}

static void fill_random(char *p, size_t n, uint32_t seed)
{
        for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                p[i] = (char) (seed >> 16);
        }
}

static void test_read_random(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "random.db");
        static char bytes[65536];

        fill_random(bytes, sizeof(bytes), 1);
        spew(path, bytes, sizeof(bytes));
        expect_read_fails(path, -EBADMSG, true, NULL);

        /* Small files too. */
        spew(path, bytes, 7);
        expect_read_fails(path, -EBADMSG, true, NULL);
        spew(path, "hello\n", 6);
        expect_read_fails(path, -EBADMSG, true, NULL);

        /* Random pages behind a valid SQLite header. */
        memcpy(bytes, "SQLite format 3", 16);
        spew(path, bytes, sizeof(bytes));
        expect_read_fails(path, -EBADMSG, true, NULL);
}

static void write_sample(const char *path)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = sample_tree();
        char *paths[] = { "/etc", "/usr/lib", NULL };
        struct baseline_meta meta;

        sample_meta(&meta, paths);
        assert_int_equal(baseline_write(path, t, &meta), 0);
}

static void test_read_truncated(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db"), *data = NULL;
        size_t len;

        write_sample(path);
        data = slurp(path, &len);
        assert_true(len > 4096);

        /* Cut to half, and to just the header. */
        spew(path, data, len / 2);
        expect_read_fails(path, -EBADMSG, true, NULL);
        spew(path, data, 100);
        expect_read_fails(path, -EBADMSG, true, NULL);

        /* Full length, but every page after the first (8 KiB) is garbage. */
        assert_true(len > 8192);
        fill_random(data + 8192, len - 8192, 7);
        spew(path, data, len);
        expect_read_fails(path, -EBADMSG, true, NULL);
}

/* Runs SQL on a baseline file directly. */
static void exec_sql(const char *path, const char *sql)
{
        sqlite3 *db = NULL;
        char *err = NULL;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
        if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
                fail_msg("%s: %s", sql, err);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void test_read_foreign_sqlite(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *p1 = path_in(f, "other.db"), *p2 = path_in(f, "meta.db"),
                               *p3 = path_in(f, "nometa.db");

        /* Some other application's database. */
        exec_sql(p1, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
        expect_read_fails(p1, -EBADMSG, true, NULL);

        /* A meta table, but not ours. */
        exec_sql(p2, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                     "INSERT INTO meta VALUES ('format', 'something-else');");
        expect_read_fails(p2, -EBADMSG, true, "not a driftwatch baseline");

        /* A real baseline whose meta table was dropped. */
        write_sample(p3);
        exec_sql(p3, "DROP TABLE meta;");
        expect_read_fails(p3, -EBADMSG, true, NULL);
}

static void test_read_altered(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db");
        static const struct {
                const char *sql;
                const char *reason;
        } cases[] = {
                { "DELETE FROM meta WHERE key = 'complete';", "incomplete" },
                { "UPDATE meta SET value = '0' WHERE key = 'complete';", "incomplete" },
                { "DELETE FROM meta WHERE key = 'entries';", "incomplete" },
                { "DELETE FROM entries WHERE path = CAST('/etc/link' AS BLOB);", "count" },
                { "INSERT INTO entries (path, type, mode, uid, gid, nlink, size, rdev, error)"
                  " VALUES (CAST('/new' AS BLOB), 32768, 420, 0, 0, 1, 0, 0, 0);", "count" },
                { "UPDATE meta SET value = '12x' WHERE key = 'entries';", "entry count" },
                { "UPDATE meta SET value = '' WHERE key = 'entries';", "entry count" },
                { "UPDATE meta SET value = '3' WHERE key = 'version';", "version" },
                { "UPDATE meta SET value = '1' WHERE key = 'version';", "older version" },
                { "DELETE FROM meta WHERE key = 'digest';", "older version" },
                { "UPDATE meta SET value = 'abc' WHERE key = 'digest';", "digest" },
                { "UPDATE entries SET uid = 7 WHERE path = CAST('/etc' AS BLOB);", "do not match their digest" },
                { "UPDATE entries SET path = CAST('/etc/passwd-lin' AS BLOB)"
                  " WHERE path = CAST('/etc/passwd-link' AS BLOB);", "do not match their digest" },
                { "UPDATE meta SET value = 'dir:/elsewhere' WHERE key = 'source';", "do not match their digest" },
                { "UPDATE meta SET value = '/etc' WHERE key = 'paths';", "do not match their digest" },
                { "UPDATE entries SET path = '/etc/link' WHERE path = CAST('/etc/link' AS BLOB);", "BLOB" },
                { "PRAGMA application_id = 0;", "not marked" },
                { "PRAGMA application_id = 1234;", "another application" },
                { "DELETE FROM meta WHERE key = 'version';", "version" },
                { "UPDATE meta SET value = 'driftwatch' WHERE key = 'format';", "not a driftwatch baseline" },
                { "UPDATE meta SET value = 'mode,bogus' WHERE key = 'attrs';", "attribute" },
                { "UPDATE entries SET sha256 = x'0011' WHERE sha256 IS NOT NULL;", "hash" },
                { "UPDATE entries SET path = CAST('relative' AS BLOB) WHERE path = CAST('/' AS BLOB);", "path" },
                { "UPDATE entries SET path = x'' WHERE path = CAST('/' AS BLOB);", "path" },
                { "DROP TABLE entries;", NULL },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                unlink(path);
                write_sample(path);
                exec_sql(path, cases[i].sql);
                print_message("  %s\n", cases[i].sql);
                expect_read_fails(path, -EBADMSG, true, cases[i].reason);
        }
}

static void test_read_deleted_row_count(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db");
        _cleanup_(fim_tree_freep) struct fim_tree *t = sample_tree();
        sqlite3 *db = NULL;
        sqlite3_stmt *s = NULL;

        /* The row count in the file matches the tree before anything is altered. */
        write_sample(path);
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM entries", -1, &s, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int64(s, 0), t->n);
        sqlite3_finalize(s);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);

        exec_sql(path, "DELETE FROM entries WHERE path = (SELECT path FROM entries ORDER BY path DESC LIMIT 1);");
        expect_read_fails(path, -EBADMSG, true, "entry count does not match");
}

static void test_write_missing_dir(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "nope/base.db"), *names = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *t = sample_tree();
        struct baseline_meta meta = { .source = (char *) "dir:/" };

        assert_int_equal(baseline_write(path, t, &meta), -ENOENT);
        names = listing(f->dir);
        assert_string_equal(names, "");
}

static void test_write_failure_keeps_target(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db"), *before = NULL, *after = NULL,
                               *names = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *dup = NULL, *got = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        struct baseline_meta meta = { .source = (char *) "dir:/dup" };
        size_t len_before, len_after;
        int r;

        write_sample(path);
        before = slurp(path, &len_before);

        /* The same path twice cannot be stored: the write fails part way. */
        assert_int_equal(fim_tree_new(&dup), 0);
        dup->attrs = ATTR_COMPARED;
        add(dup, "/a", S_IFREG);
        add(dup, "/b", S_IFREG);
        add(dup, "/b", S_IFREG);
        r = baseline_write(path, dup, &meta);
        assert_true(r < 0);

        after = slurp(path, &len_after);
        assert_int_equal(len_after, len_before);
        assert_memory_equal(after, before, len_before);
        assert_no_temp_files(f->dir);
        names = listing(f->dir);
        assert_string_equal(names, "base.db ");
        assert_int_equal(baseline_read(path, &got, &m, NULL), 0);
        assert_string_equal(m.source, "dir:/srv/root");
}

static void test_write_over_directory(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "target"), *inner = path_in(f, "target/keep"),
                               *names = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *t = sample_tree();
        struct baseline_meta meta = { .source = (char *) "dir:/" };
        struct stat st;

        /* The rename cannot replace a directory: the write fails at the last step. */
        assert_int_equal(mkdir(path, 0700), 0);
        spew(inner, "x", 1);
        assert_true(baseline_write(path, t, &meta) < 0);
        assert_int_equal(stat(path, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(stat(inner, &st), 0);
        assert_no_temp_files(f->dir);
        names = listing(f->dir);
        assert_string_equal(names, "target ");
}

static void test_write_read_only_dir(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = NULL, *names = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        struct baseline_meta meta = { .source = (char *) "dir:/" };

        if (geteuid() == 0)
                skip();         /* root writes anywhere */
        path = path_in(f, "base.db");
        t = sample_tree();
        assert_int_equal(chmod(f->dir, 0500), 0);
        assert_int_equal(baseline_write(path, t, &meta), -EACCES);
        assert_int_equal(chmod(f->dir, 0700), 0);
        names = listing(f->dir);
        assert_string_equal(names, "");
}


/* Rows that arrive out of path order (a damaged b-tree, a view) are refused. */
static void test_read_out_of_order(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db");

        write_sample(path);
        exec_sql(path, "ALTER TABLE entries RENAME TO e2;"
                       "CREATE VIEW entries AS SELECT * FROM e2 UNION ALL SELECT * FROM e2 WHERE path = x'2f';");
        expect_read_fails(path, -EBADMSG, true, "out of path order");
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* A small file that declares 10^8 entries: refused by the row count, without
 * first reserving 16 GB for them (the reader runs under a 1 GiB address-space
 * limit, which the sanitizers' shadow memory does not allow). */
static void test_read_huge_declared_count(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db");
        int status;
        pid_t pid;

        write_sample(path);
        exec_sql(path, "UPDATE meta SET value = '100000000' WHERE key = 'entries';");
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct fim_tree *t = NULL;
                struct baseline_meta m = { 0 };
                const char *reason = NULL;
                int r;
#ifndef UNDER_ASAN
                struct rlimit rl = { .rlim_cur = 1ul << 30, .rlim_max = 1ul << 30 };

                if (setrlimit(RLIMIT_AS, &rl) < 0)
                        _exit(4);
#endif
                r = baseline_read(path, &t, &m, &reason);
                _exit(r == -EBADMSG && reason && strstr(reason, "count") ? 0 : r == -ENOMEM ? 3 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) == 3)
                fail_msg("baseline_read ran out of memory: it reserved the declared count");
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* The digest: a stable function of what was written, and returned on read. */
static void test_digest(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *p1 = path_in(f, "a.db"), *p2 = path_in(f, "b.db");
        _cleanup_(fim_tree_freep) struct fim_tree *got = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
        char d1[BASELINE_DIGEST_HEX + 1], d2[BASELINE_DIGEST_HEX + 1];
        const char *reason = NULL;

        write_sample(p1);
        write_sample(p2);
        assert_int_equal(baseline_read_digest(p1, d1, &reason), 0);
        assert_int_equal(baseline_read_digest(p2, d2, &reason), 0);
        assert_int_equal(strlen(d1), BASELINE_DIGEST_HEX);
        assert_string_equal(d1, d2);
        assert_int_equal(baseline_read(p1, &got, &m, &reason), 0);
        assert_non_null(m.digest);
        assert_string_equal(m.digest, d1);
        exec_sql(p2, "UPDATE meta SET value = 'other-host' WHERE key = 'host';");
        expect_read_fails(p2, -EBADMSG, true, "digest");
}

/* The same validation on a database image in memory. */
static void test_read_buf(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db"), *data = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *t = sample_tree(), *got = NULL;
        struct baseline_meta m = { 0 };
        const char *reason = NULL;
        size_t len;

        write_sample(path);
        data = slurp(path, &len);
        assert_int_equal(baseline_read_buf(data, len, &got, &m, &reason), 0);
        assert_same_tree(t, got);
        assert_string_equal(m.host, "build-host");
        baseline_meta_release(&m);
        fim_tree_free(TAKE_PTR(got));

        data[len / 2] ^= 0x10;
        assert_true(baseline_read_buf(data, len, &got, &m, &reason) < 0);
        assert_null(got);
        assert_true(baseline_read_buf(data, 100, &got, &m, &reason) < 0);
        assert_true(baseline_read_buf("", 0, &got, &m, &reason) < 0);
        assert_null(got);
}

/* A state database is not a baseline, and says so. */
static void test_read_state_database(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "state.db");
        char sql[64];

        snprintf(sql, sizeof(sql), "PRAGMA application_id = %d;", (int) DB_APP_STATE);
        exec_sql(path, sql);
        expect_read_fails(path, -EBADMSG, true, "state database");
}

static int open_locked(const char *path)
{
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        assert_true(fd >= 0);
        assert_int_equal(flock(fd, LOCK_EX), 0);
        return fd;
}

/* Temporary files a killed writer left beside the target are removed by the
 * next write; one a live writer holds locked, and other names, are kept. */
static void test_write_removes_stale_temps(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "base.db"), *stale = path_in(f, ".base.db.Ab12Cd"),
                               *locked = path_in(f, ".base.db.Zz99Yy"), *other = path_in(f, ".other.db.Ab12Cd"),
                               *longer = path_in(f, ".base.db.Ab12Cde"), *names = NULL;
        int fd;

        spew(stale, "x", 1);
        spew(other, "x", 1);
        spew(longer, "x", 1);
        fd = open_locked(locked);
        write_sample(path);
        names = listing(f->dir);
        assert_string_equal(names, ".base.db.Ab12Cde .base.db.Zz99Yy .other.db.Ab12Cd base.db ");
        close(fd);
        unlink(locked);
        unlink(other);
        unlink(longer);
        assert_no_temp_files(f->dir);
}

static void test_record(void **state)
{
        struct fixture *f = *state;
        _cleanup_(freep) char *path = path_in(f, "baseline.record"), *names = NULL;
        static const char d[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        char got[BASELINE_DIGEST_HEX + 1];
        struct stat st;

        assert_int_equal(baseline_record_read(path, got), -ENOENT);
        assert_int_equal(baseline_record_write(path, d), 0);
        assert_int_equal(baseline_record_read(path, got), 0);
        assert_string_equal(got, d);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(baseline_record_write(path, "not a digest"), -EINVAL);
        names = listing(f->dir);
        assert_string_equal(names, "baseline.record ");

        spew(path, "digest 0123\n", 12);
        assert_int_equal(baseline_record_read(path, got), -EBADMSG);
        spew(path, "# x\ndigest 0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n", 76);
        assert_int_equal(baseline_record_read(path, got), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
                T(test_roundtrip),
                T(test_roundtrip_minimal),
                T(test_roundtrip_empty_tree),
                T(test_relative_path),
                T(test_overwrite),
                T(test_read_missing),
                T(test_read_not_regular),
                T(test_read_empty),
                T(test_read_random),
                T(test_read_truncated),
                T(test_read_foreign_sqlite),
                T(test_read_altered),
                T(test_read_deleted_row_count),
                T(test_read_out_of_order),
                T(test_read_huge_declared_count),
                T(test_digest),
                T(test_read_buf),
                T(test_read_state_database),
                T(test_write_removes_stale_temps),
                T(test_record),
                T(test_write_missing_dir),
                T(test_write_failure_keeps_target),
                T(test_write_over_directory),
                T(test_write_read_only_dir),
#undef T
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
