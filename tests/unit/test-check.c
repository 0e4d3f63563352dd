/* Unit tests for the streamed check (src/fim/check.c) and the pieces it is
 * made of: path ranges, the chunked baseline reader, the walk restricted to a
 * range and hardlink groups carried across chunks. The central test checks a
 * changed tree in chunks of 1, 2, 3 ... baseline rows and requires exactly
 * the findings of one whole walk diffed against the whole baseline: with
 * hardlinks whose group spans chunks, a directory that cannot be listed and
 * whose children lie in later chunks, names that sort between a directory and
 * its children ("/a", "/a-b", "/a/x"), and entries added and removed at every
 * chunk edge. Run as root, the tests drop to nobody first, so that a mode 000
 * directory really cannot be listed. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/buf.h"
#include "capability/baseline.h"
#include "fim/check.h"
#include "fim/store.h"
#include "fim/walk.h"

#include "tmpdir.h"

static const char *const kinds[] = { "added", "removed", "modified", "unreadable" };

/* Appends one line per change: kind, path, changed attributes. */
static int collect(const struct fim_change *c, void *userdata)
{
        struct buf *b = userdata;
        const struct fim_entry *e = c->new ? c->new : c->old;
        int r;

        r = buf_printf(b, "%s %s ", kinds[c->kind], e->path);
        r = r ?: attr_format_list(b, c->changed);
        return r ?: buf_putc(b, '\n');
}

static void put_dir(const char *dir, const char *rel)
{
        char path[512];

        snprintf(path, sizeof(path), "%s%s", dir, rel);
        assert_int_equal(mkdir(path, 0755), 0);
}

static void put_link(const char *dir, const char *from, const char *to)
{
        char a[512], b[512];

        snprintf(a, sizeof(a), "%s%s", dir, from);
        snprintf(b, sizeof(b), "%s%s", dir, to);
        assert_int_equal(link(a, b), 0);
}

static void drop(const char *dir, const char *rel)
{
        char path[512];

        snprintf(path, sizeof(path), "%s%s", dir, rel);
        assert_int_equal(remove(path), 0);
}

/* The reference: the whole baseline against one whole walk, as a check did
 * before it was streamed. */
static void whole_check(const char *db, const char *root, char *const *prefixes, size_t n, struct buf *out)
{
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *cur = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 };
        struct walk_opts wo = { .threads = 2 };

        assert_int_equal(baseline_read(db, &base, &meta, NULL), 0);
        wo.attrs = (base->attrs & ATTR_COMPARED) | ATTR_TYPE | ATTR_STATCACHE;
        wo.cache = base;
        if (!prefixes) {
                prefixes = meta.paths;
                n = meta.n_paths;
        }
        assert_int_equal(fim_walk(root, prefixes, n, &wo, &cur, NULL), 0);
        assert_int_equal(fim_diff(base, cur, 0, prefixes, n, collect, out), 0);
        assert_int_equal(buf_puts(out, ""), 0);
}

static void chunked_check(const char *db, const char *root, char *const *prefixes, size_t n, size_t chunk_rows,
                          struct buf *out)
{
        struct fim_check_opts opts = {
                .root = root, .prefixes = prefixes, .n_prefixes = n, .threads = 2, .chunk_rows = chunk_rows,
        };
        struct fim_check_result res;

        assert_int_equal(fim_check(db, &opts, collect, out, &res), 0);
        assert_int_equal(buf_puts(out, ""), 0);
}

static void make_baseline(const char *root, const char *db)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        struct walk_opts wo = { .threads = 2 };
        static char *everything[] = { "/", NULL };
        struct baseline_meta meta = { .source = "test", .created = "now", .host = "h", .paths = everything,
                                      .n_paths = 1 };

        assert_int_equal(fim_walk(root, NULL, 0, &wo, &t, NULL), 0);
        assert_int_equal(baseline_write(db, t, &meta), 0);
}

/* A tree with what chunking must get right: hardlinks of /b/h1 in three
 * directories, names between a directory and its children, a directory of
 * several files to cut through. */
static void make_fixture(const char *root)
{
        char name[128];

        /* "d PATH" a directory, "f PATH" a file (its path as content), "l PATH"
         * a hardlink to /b/h1, "n PATH COUNT" COUNT files PATH0, PATH1 ... */
        static const char *const fixture[] = {
                "d ", "d /a", "f /a/x", "f /a-b", "f /a0", "d /b", "f /b/h1", "d /c", "n /c/f0 10",
                "d /d", "f /d/gone1", "f /d/gone2", "d /m", "l /m/h3", "d /sealed", "n /sealed/s 6",
                "d /z", "l /z/h2",
        };
        for (size_t i = 0; i < ARRAY_SIZE(fixture); i++) {
                const char *p = fixture[i] + 2;
                int count;

                switch (fixture[i][0]) {
                case 'd':
                        put_dir(root, p);
                        break;
                case 'f':
                        tmpdir_write(root, p, p);
                        break;
                case 'l':
                        put_link(root, "/b/h1", p);
                        break;
                default:
                        count = atoi(strchr(p, ' ') + 1);
                        for (int k = 0; k < count; k++) {
                                snprintf(name, sizeof(name), "%.*s%d", (int) strcspn(p, " "), p, k);
                                tmpdir_write(root, name, name);
                        }
                }
        }
}

static void test_streamed_equals_whole(void **state)
{
        char dir[TMPDIR_LEN], root[TMPDIR_LEN + 8], db[TMPDIR_LEN + 8], name[128];
        struct buf want, got;
        size_t rows = 0;

        (void) state;
        tmpdir_make(dir, "check");
        snprintf(root, sizeof(root), "%s/r", dir);
        snprintf(db, sizeof(db), "%s/b.db", dir);
        make_fixture(root);
        make_baseline(root, db);

        /* Changes: removed and added at every place, content, a new first
         * link of the group (every other member's link changes), a directory
         * gone and one new, one that can no longer be listed. */
        drop(root, "/c/f03");
        drop(root, "/c/f07");
        tmpdir_write(root, "/c/f03x", "new");
        tmpdir_write(root, "/a/y", "y");
        tmpdir_write(root, "/a-c", "ac");
        tmpdir_write(root, "/c/f05", "changed content");
        put_link(root, "/b/h1", "/b/h0");
        drop(root, "/d/gone1");
        drop(root, "/d/gone2");
        drop(root, "/d");
        put_dir(root, "/e");
        tmpdir_write(root, "/e/new", "n");
        snprintf(name, sizeof(name), "%s/sealed", root);
        assert_int_equal(chmod(name, 0), 0);

        buf_init(&want, 0);
        buf_init(&got, 0);
        whole_check(db, root, NULL, 0, &want);
        /* The fixture does what it should: these findings are in the reference. */
        assert_non_null(strstr(want.data, "modified /z/h2 link\n"));
        assert_non_null(strstr(want.data, "modified /m/h3 link\n"));
        assert_non_null(strstr(want.data, "unreadable /sealed \n"));
        assert_null(strstr(want.data, "/sealed/s"));
        assert_non_null(strstr(want.data, "removed /d/gone2 \n"));
        assert_non_null(strstr(want.data, "added /a-c \n"));
        assert_non_null(strstr(want.data, "added /a/y \n"));

        {
                _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
                _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };

                assert_int_equal(baseline_read(db, &t, &m, NULL), 0);
                rows = t->n;
        }
        for (size_t k = 0; k <= rows + 1; k++) {
                buf_reset(&got);
                chunked_check(db, root, NULL, 0, k, &got);
                if (strcmp(got.data, want.data) != 0)
                        fail_msg("chunks of %zu rows:\n%s\nwhole:\n%s", k, got.data, want.data);
        }

        /* Given prefixes: one only the live tree has, one only the baseline. */
        {
                char *prefixes[] = { "/c", "/e", "/d/gone1", "/sealed" };

                buf_reset(&want);
                whole_check(db, root, prefixes, 4, &want);
                for (size_t k = 1; k <= 4; k++) {
                        buf_reset(&got);
                        chunked_check(db, root, prefixes, 4, k, &got);
                        if (strcmp(got.data, want.data) != 0)
                                fail_msg("prefixes, chunks of %zu rows:\n%s\nwhole:\n%s", k, got.data, want.data);
                }
        }
        /* A prefix that matches nothing anywhere: an error before any finding. */
        {
                char *prefixes[] = { "/c", "/nowhere" };
                struct fim_check_opts opts = { .root = root, .prefixes = prefixes, .n_prefixes = 2, .chunk_rows = 2 };
                struct fim_check_result res;

                buf_reset(&got);
                assert_int_equal(fim_check(db, &opts, collect, &got, &res), -ENOENT);
                assert_string_equal(res.unmatched, "/nowhere");
                assert_int_equal(got.len, 0);
        }
        assert_int_equal(chmod(name, 0755), 0);
        buf_release(&want);
        buf_release(&got);
        tmpdir_remove(dir);
}

/* One line per entry, with what a baseline records of it. */
static void dump_baseline(const char *db, struct buf *out)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };

        assert_int_equal(baseline_read(db, &t, &m, NULL), 0);
        buf_reset(out);
        for (size_t i = 0; i < t->n; i++) {
                const struct fim_entry *e = &t->entries[i];

                assert_int_equal(buf_printf(out, "%s %o %o %u %llu %lld %d %x %s ", e->path, e->type, e->mode,
                                            e->nlink, (unsigned long long) e->size, (long long) e->mtime_ns,
                                            e->err, e->flags, e->link ? e->link : "-"), 0);
                for (size_t k = 0; k < SHA256_LEN; k++)
                        assert_int_equal(buf_printf(out, "%02x", e->sha256[k]), 0);
                assert_int_equal(buf_putc(out, '\n'), 0);
        }
        assert_int_equal(buf_puts(out, ""), 0);
}

/* A scratch directory and the paths a test of baseline create uses in it:
 * the tree's root "r", its source "dir:.../r" and the baseline "b.db". */
struct scratch {
        char dir[TMPDIR_LEN], root[TMPDIR_LEN + 8], db[TMPDIR_LEN + 8], source[TMPDIR_LEN + 16];
};

static void scratch_make(struct scratch *s, const char *name)
{
        tmpdir_make(s->dir, name);
        snprintf(s->root, sizeof(s->root), "%s/r", s->dir);
        snprintf(s->db, sizeof(s->db), "%s/b.db", s->dir);
        snprintf(s->source, sizeof(s->source), "dir:%s", s->root);
}

/* baseline create walks a directory in ranges of chunk_entries: whatever
 * their size, the baseline holds the same entries, hardlinks included. */
static void test_create_chunked(void **state)
{
        struct dw_context ctx = { .threads = 2 };
        struct scratch sc;
        const char *root = sc.root, *db = sc.db, *source = sc.source;
        struct buf want, got;

        (void) state;
        scratch_make(&sc, "create");
        make_fixture(root);
        buf_init(&want, 0);
        buf_init(&got, 0);
        for (size_t k = 0; k <= 40; k++) {
                struct baseline_create_request req = { .source = source, .out = db, .chunk_entries = k };
                struct dw_error err = { 0 };

                assert_int_equal(capability_baseline_create(&ctx, &req, NULL, &err), 0);
                dw_error_release(&err);
                dump_baseline(db, k ? &got : &want);
                if (k == 0) {
                        assert_non_null(strstr(want.data, "/z/h2 100000 644 3 "));
                        assert_non_null(strstr(want.data, " /b/h1 "));
                        continue;
                }
                if (strcmp(got.data, want.data) != 0)
                        fail_msg("ranges of %zu entries:\n%s\nwhole:\n%s", k, got.data, want.data);
        }
        /* A --path that matches nothing writes nothing, in ranges too. */
        {
                char *paths[] = { "/c", "/nowhere" };
                struct baseline_create_request req = { .source = source, .out = db, .chunk_entries = 2,
                                                       .paths = paths, .n_paths = 2, .paths_must_match = true };
                struct dw_error err = { 0 };

                assert_int_equal(capability_baseline_create(&ctx, &req, NULL, &err), -ENOENT);
                dw_error_release(&err);
        }
        buf_release(&want);
        buf_release(&got);
        tmpdir_remove(sc.dir);
}

/* Writes size bytes of text, repeated, into name in the directory at. */
static void put_at(int at, const char *name, const char *text, size_t size)
{
        int fd = openat(at, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        size_t n = strlen(text);
        static char chunk[65536];

        assert_true(fd >= 0);
        for (size_t i = 0; i < sizeof(chunk); i++)
                chunk[i] = text[i % n];
        for (size_t done = 0, k; done < size; done += k) {
                k = size - done < sizeof(chunk) ? size - done : sizeof(chunk) / n * n;
                assert_int_equal(write(fd, chunk, k), (ssize_t) k);
        }
        close(fd);
}

/* "/", the first n components of rel, then suffix. */
static char *components_path(const char *rel, unsigned n, const char *suffix)
{
        const char *p = rel;
        char *r = NULL;

        for (unsigned i = 0; i < n && p; i++)
                p = strchr(p + 1, '/');
        assert_true(asprintf(&r, "/%.*s%s", (int) (p ? (size_t) (p - rel) : strlen(rel)), rel, suffix) > 0);
        return r;
}

/* Paths past PATH_MAX: a chain of 25 levels of 200-byte names (5,024 bytes)
 * with a file at each of levels 19 to 25, a 2 MiB file (hashed by the pass
 * for large files, which opens it again by its path) and, at level 22, more
 * subdirectories than the walk keeps open at once (the rest are opened by
 * their path when their turn comes). Created in ranges of any size, the
 * baseline holds every entry, none unreadable; checked in chunks of any size
 * after changes deep down, the findings are those of the whole check. */
static void test_deep_paths(void **state)
{
        static const size_t sizes[] = { 5, 64, 1000 };
        _cleanup_(freep) char *rel = NULL, *deep_file = NULL, *wide = NULL, *big = NULL, *line = NULL;
        _cleanup_(closep) int rootfd = -1;
        struct dw_context ctx = { .threads = 2 };
        struct buf want, got;
        struct scratch sc;

        (void) state;
        scratch_make(&sc, "deep");
        assert_int_equal(mkdir(sc.root, 0755), 0);
        rootfd = open(sc.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(rootfd >= 0);
        for (unsigned level = 19; level <= 25; level++) {
                _cleanup_(freep) char *r = NULL;
                _cleanup_(closep) int fd = tmpdir_chain(rootfd, level, &r);

                put_at(fd, "f", r, 64);
                if (level == 23)
                        put_at(fd, "big", "B", 2 << 20);
                if (level == 22) {
                        assert_int_equal(mkdirat(fd, "wide", 0755), 0);
                        for (int k = 0; k < 520; k++) {
                                char name[32];

                                snprintf(name, sizeof(name), "wide/s%03d", k);
                                assert_int_equal(mkdirat(fd, name, 0755), 0);
                        }
                }
                if (level == 25)
                        rel = TAKE_PTR(r);
        }
        assert_true(asprintf(&deep_file, "/%s/f", rel) > 0);
        assert_true(strlen(deep_file) > PATH_MAX);

        buf_init(&want, 0);
        buf_init(&got, 0);
        for (size_t i = 0; i <= ARRAY_SIZE(sizes); i++) {
                struct baseline_create_request req = { .source = sc.source, .out = sc.db,
                                                       .chunk_entries = i ? sizes[i - 1] : 0 };
                struct dw_error err = { 0 };

                assert_int_equal(capability_baseline_create(&ctx, &req, NULL, &err), 0);
                dw_error_release(&err);
                dump_baseline(sc.db, i ? &got : &want);
                if (i > 0 && strcmp(got.data, want.data) != 0)
                        fail_msg("ranges of %zu entries differ from the whole walk", sizes[i - 1]);
        }
        {
                _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
                _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
                const struct fim_entry *e;

                assert_int_equal(baseline_read(sc.db, &t, &m, NULL), 0);
                /* The root, 25 levels, 7 files, big, wide and 520 directories in it. */
                assert_int_equal(t->n, 1 + 25 + 7 + 1 + 1 + 520);
                for (size_t i = 0; i < t->n; i++)
                        if (t->entries[i].err)
                                fail_msg("%.80s... (%u bytes) unreadable: %s", t->entries[i].path,
                                         t->entries[i].path_len, strerror(t->entries[i].err));
                e = fim_tree_find(t, deep_file, strlen(deep_file));
                assert_non_null(e);
                assert_true(e->flags & ENTRY_HAS_HASH);
                big = components_path(rel, 23, "/big");
                e = fim_tree_find(t, big, strlen(big));
                assert_non_null(e);
                assert_true((e->flags & ENTRY_HAS_HASH) && e->size == 2 << 20);
                wide = components_path(rel, 22, "/wide/s519");
                assert_non_null(fim_tree_find(t, wide, strlen(wide)));
        }

        /* Changes beyond PATH_MAX: content at level 25, a file added at 24,
         * one removed at 22. */
        {
                _cleanup_(freep) char *r = NULL;
                _cleanup_(closep) int d25 = tmpdir_chain(rootfd, 25, &r);
                _cleanup_(closep) int d24 = openat(d25, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_(closep) int d23 = openat(d24, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                _cleanup_(closep) int d22 = openat(d23, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                put_at(d25, "f", "changed", 64);
                put_at(d24, "new", "new", 3);
                assert_int_equal(unlinkat(d22, "f", 0), 0);
        }
        buf_reset(&want);
        whole_check(sc.db, sc.root, NULL, 0, &want);
        assert_true(asprintf(&line, "modified %s mtime,content\n", deep_file) > 0);
        assert_non_null(strstr(want.data, line));
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
                buf_reset(&got);
                chunked_check(sc.db, sc.root, NULL, 0, sizes[i], &got);
                if (strcmp(got.data, want.data) != 0)
                        fail_msg("chunks of %zu rows differ from the whole check", sizes[i]);
        }
        buf_release(&want);
        buf_release(&got);
        tmpdir_remove(sc.dir);
}

static void test_path_range(void **state)
{
        struct path_range r = { .lo = "/a-b", .lo_len = 4, .hi = "/a/x", .hi_len = 4 };

        (void) state;
        assert_false(path_range_contains(&r, "/a", 2));
        assert_true(path_range_contains(&r, "/a-b", 4));
        assert_true(path_range_contains(&r, "/a-c/q", 6));
        assert_true(path_range_contains(&r, "/a/", 3));
        assert_false(path_range_contains(&r, "/a/x", 4));
        /* "/a" is before the range, but "/a/" ... lies in it. */
        assert_true(path_range_meets_subtree(&r, "/a", 2));
        assert_true(path_range_meets_subtree(&r, "/", 1));
        assert_false(path_range_meets_subtree(&r, "/a/x", 4));
        assert_false(path_range_meets_subtree(&r, "/a-a", 4));
        assert_true(path_range_meets_subtree(&r, "/a-b", 4));
        assert_false(path_range_meets_subtree(&r, "/b", 2));
        /* A range of one path: nothing below it. */
        r = (struct path_range) { .lo = "/a", .lo_len = 2, .hi = "/a\0", .hi_len = 3 };
        assert_true(path_range_contains(&r, "/a", 2));
        assert_false(path_range_contains(&r, "/a-b", 4));
        assert_false(path_range_meets_subtree(&r, "/a", 2));
        assert_true(path_range_meets_subtree(NULL, "/a", 2));
        assert_true(path_range_contains(NULL, "/a", 2));
}

/* A tree of regular files with these paths (sorted), each its own mtime. */
static struct fim_tree *tree_of(const char *const *paths, size_t n)
{
        struct fim_tree *t;

        assert_int_equal(fim_tree_new(&t), 0);
        t->attrs = ATTR_ALL_LIVE;
        for (size_t i = 0; i < n; i++) {
                struct fim_entry *e = fim_tree_add(t);

                assert_non_null(e);
                e->path = paths[i];
                e->path_len = (uint32_t) strlen(paths[i]);
                e->type = S_IFREG;
                e->mtime_ns = (int64_t) i;
        }
        return t;
}

/* Chunks of a reader cover the rows exactly once, in order, and each chunk's
 * rows lie in its range. */
static void test_reader_chunks(void **state)
{
        char dir[TMPDIR_LEN], db[TMPDIR_LEN + 8];
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        static char *everything[] = { "/", NULL };
        struct baseline_meta meta = { .source = "test", .paths = everything, .n_paths = 1 };
        const char *const paths[] = { "/", "/a", "/a-b", "/a/x", "/a0", "/b", "/b/c", "/b/c/d" };

        (void) state;
        tmpdir_make(dir, "reader");
        snprintf(db, sizeof(db), "%s/b.db", dir);
        t = tree_of(paths, ARRAY_SIZE(paths));
        assert_int_equal(baseline_write(db, t, &meta), 0);
        for (size_t k = 1; k <= ARRAY_SIZE(paths) + 1; k++) {
                _cleanup_(baseline_reader_freep) struct baseline_reader *rd = NULL;
                _cleanup_(baseline_meta_release) struct baseline_meta m = { 0 };
                size_t seen = 0, n;

                assert_int_equal(baseline_reader_open(db, k, &rd, &m, NULL), 0);
                n = baseline_reader_chunks(rd);
                assert_int_equal(n, (ARRAY_SIZE(paths) + k - 1) / k);
                for (size_t i = 0; i < n; i++) {
                        _cleanup_(fim_tree_freep) struct fim_tree *c = NULL;
                        struct path_range r;

                        baseline_reader_chunk_range(rd, i, &r);
                        assert_int_equal(fim_tree_new(&c), 0);
                        assert_int_equal(baseline_reader_next_chunk(rd, c, NULL), 0);
                        for (size_t j = 0; j < c->n; j++, seen++) {
                                assert_string_equal(c->entries[j].path, paths[seen]);
                                assert_true(path_range_contains(&r, c->entries[j].path, c->entries[j].path_len));
                        }
                }
                assert_int_equal(seen, ARRAY_SIZE(paths));
                assert_int_equal(baseline_reader_has_prefix(rd, "/a"), 1);
                assert_int_equal(baseline_reader_has_prefix(rd, "/b/c/"), 1);
                assert_int_equal(baseline_reader_has_prefix(rd, "/a-"), 0);
                assert_int_equal(baseline_reader_has_prefix(rd, "/c"), 0);
                assert_int_equal(baseline_reader_has_prefix(rd, "/"), 1);
        }
        tmpdir_remove(dir);
}

/* A baseline written in pieces is the one written whole. */
static void test_writer_pieces(void **state)
{
        char dir[TMPDIR_LEN], whole[TMPDIR_LEN + 8], pieces[TMPDIR_LEN + 8];
        char d1[BASELINE_DIGEST_HEX + 1], d2[BASELINE_DIGEST_HEX + 1];
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        _cleanup_(baseline_writer_freep) struct baseline_writer *w = NULL;
        static char *everything[] = { "/", NULL };
        struct baseline_meta meta = { .source = "test", .created = "now", .paths = everything, .n_paths = 1 };
        const char *const paths[] = { "/", "/a", "/a-b", "/a/x", "/a0" };

        (void) state;
        tmpdir_make(dir, "writer");
        snprintf(whole, sizeof(whole), "%s/w.db", dir);
        snprintf(pieces, sizeof(pieces), "%s/p.db", dir);
        t = tree_of(paths, ARRAY_SIZE(paths));
        assert_int_equal(baseline_write(whole, t, &meta), 0);
        assert_int_equal(baseline_writer_new(pieces, ATTR_ALL_LIVE, &w), 0);
        for (size_t i = 0; i < t->n; i += 2) {
                struct fim_tree piece = { .entries = t->entries + i, .n = t->n - i < 2 ? t->n - i : 2 };

                assert_int_equal(baseline_writer_add(w, &piece), 0);
        }
        assert_int_equal(baseline_writer_commit(w, &meta), 0);
        assert_int_equal(baseline_read_digest(whole, d1, NULL), 0);
        assert_int_equal(baseline_read_digest(pieces, d2, NULL), 0);
        assert_string_equal(d1, d2);
        tmpdir_remove(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_range),
                cmocka_unit_test(test_reader_chunks),
                cmocka_unit_test(test_writer_pieces),
                cmocka_unit_test(test_streamed_equals_whole),
                cmocka_unit_test(test_create_chunked),
                cmocka_unit_test(test_deep_paths),
        };

        /* Root lists any directory: run as nobody, so mode 000 means unlistable. */
        if (geteuid() == 0) {
                const struct passwd *pw = getpwnam("nobody");

                if (!pw || setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
                        fprintf(stderr, "test-check: cannot drop root privileges to nobody\n");
                        return 1;
                }
        }
        return cmocka_run_group_tests(tests, NULL, NULL);
}
