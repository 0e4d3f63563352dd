/* Unit tests for src/fim/entry.c and src/fim/diff.c: sorted trees of entries
 * in byte order, path prefixes, serialized xattrs, hardlink groups, attribute
 * names, the comparison of two entries and the diff of two trees. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/buf.h"
#include "fim/diff.h"
#include "fim/entry.h"

/* Adds an entry for the n bytes of path, copied into the tree's arena. */
static struct fim_entry *add_n(struct fim_tree *t, const char *path, size_t n, uint32_t type)
{
        struct fim_entry *e = fim_tree_add(t);

        assert_non_null(e);
        e->path = arena_strndup(&t->arena, path, n);
        assert_non_null(e->path);
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

static void set_target(struct fim_tree *t, struct fim_entry *e, const char *target)
{
        e->target = arena_strndup(&t->arena, target, strlen(target));
        e->target_len = (uint32_t) strlen(target);
}

static void set_hash(struct fim_entry *e, uint8_t fill)
{
        memset(e->sha256, fill, SHA256_LEN);
        e->flags |= ENTRY_HAS_HASH;
}

static const struct fim_entry *find(const struct fim_tree *t, const char *path)
{
        return fim_tree_find(t, path, strlen(path));
}

static void test_tree_sort_find(void **state)
{
        /* Byte order: '\n' < ' ' < '-' < '/' < 'b' < 0xc3 < 0xff. */
        static const struct {
                const char *p;
                size_t n;
        } sorted[] = {
                { "/", 1 },
                { "/a", 2 },
                { "/a\0z", 4 },
                { "/a\n", 3 },
                { "/a b", 4 },
                { "/a-b", 4 },
                { "/a/b", 4 },
                { "/a/\xc3\xa9", 5 },
                { "/a\xff", 3 },
                { "/b", 2 },
        };
        static const size_t order[] = { 9, 3, 7, 0, 5, 1, 8, 2, 6, 4 };
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        size_t i;

        assert_int_equal(fim_tree_new(&t), 0);
        assert_null(find(t, "/"));
        fim_tree_sort(t);       /* empty: nothing to do */

        for (i = 0; i < ARRAY_SIZE(order); i++) {
                struct fim_entry *e = add_n(t, sorted[order[i]].p, sorted[order[i]].n, S_IFREG);

                e->size = order[i];     /* remembers which one it is */
        }
        assert_int_equal(t->n, ARRAY_SIZE(sorted));
        fim_tree_sort(t);
        for (i = 0; i < ARRAY_SIZE(sorted); i++) {
                const struct fim_entry *e = &t->entries[i];

                assert_int_equal(e->path_len, sorted[i].n);
                assert_memory_equal(e->path, sorted[i].p, sorted[i].n);
                assert_int_equal(e->size, i);
        }
        for (i = 0; i < ARRAY_SIZE(sorted); i++) {
                const struct fim_entry *e = fim_tree_find(t, sorted[i].p, sorted[i].n);

                assert_ptr_equal(e, &t->entries[i]);
        }
        assert_null(find(t, "/a/c"));
        assert_null(find(t, "/0"));
        assert_null(find(t, "/c"));
        assert_null(find(t, ""));
        assert_null(fim_tree_find(t, "/a\xfe", 3));
        /* The length counts, not a terminating NUL. */
        assert_ptr_equal(fim_tree_find(t, "/a/bcd", 4), &t->entries[6]);
        assert_ptr_equal(fim_tree_find(t, "/a\0z", 2), &t->entries[1]);

        assert_true(path_compare("/a", 2, "/a/b", 4) < 0);
        assert_true(path_compare("/a/b", 4, "/a", 2) > 0);
        assert_true(path_compare("/a\xff", 3, "/a/", 3) > 0);
        assert_int_equal(path_compare("/x", 2, "/x", 2), 0);
}

static void test_tree_grows(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        char name[32];
        size_t i;

        assert_int_equal(fim_tree_new(&t), 0);
        for (i = 0; i < 3000; i++) {
                int n = snprintf(name, sizeof(name), "/d/%05zu", 2999 - i);

                add_n(t, name, (size_t) n, S_IFREG)->size = i;
        }
        fim_tree_sort(t);
        assert_int_equal(t->n, 3000);
        assert_string_equal(t->entries[0].path, "/d/00000");
        assert_int_equal(t->entries[0].size, 2999);
        assert_non_null(find(t, "/d/01234"));
        assert_int_equal(find(t, "/d/01234")->size, 2999 - 1234);
}

static void test_path_has_prefix(void **state)
{
#define HAS(path, prefix) path_has_prefix(path, strlen(path), prefix)
        assert_true(HAS("/usr", "/usr"));
        assert_true(HAS("/usr/bin", "/usr"));
        assert_true(HAS("/usr/bin/ls", "/usr"));
        assert_true(HAS("/usr/bin", "/usr/"));
        assert_true(HAS("/usr/bin", "/usr//"));
        assert_false(HAS("/usrx", "/usr"));
        assert_false(HAS("/usr-old/x", "/usr"));
        assert_false(HAS("/us", "/usr"));
        assert_false(HAS("/usr", "/usr/bin"));
        assert_false(HAS("/", "/usr"));
        assert_true(HAS("/", "/"));
        assert_true(HAS("/anything/at/all", "/"));
        assert_true(HAS("/usr", "//"));
        assert_true(HAS("/usr/bin", "/usr/bin"));
        assert_false(HAS("/usr/binx", "/usr/bin"));
#undef HAS
        /* Only len bytes of the path count. */
        assert_true(path_has_prefix("/usrx", 4, "/usr"));
        assert_false(path_has_prefix("/usr/bin", 3, "/usr"));
}

static void test_xattr_roundtrip(void **state)
{
        static const char bin[] = { 'a', 0, (char) 0xff, 'b' };
        struct xattr_pair pairs[] = {
                { "user.b", 6, "2", 1 },
                { "security.selinux", 16, "system_u:object_r:bin_t:s0", 27 },
                { "user.a", 6, "", 0 },
                { "trusted.x", 9, bin, sizeof(bin) },
        };
        struct xattr_pair again[] = { pairs[2], pairs[0], pairs[3], pairs[1] };
        static const struct {
                const char *name;
                const void *value;
                size_t value_len;
        } want[] = {
                { "security.selinux", "system_u:object_r:bin_t:s0", 27 },
                { "trusted.x", bin, sizeof(bin) },
                { "user.a", "", 0 },
                { "user.b", "2", 1 },
        };
        struct arena a;
        const uint8_t *packed, *packed2;
        uint32_t len, len2;
        struct xattr_iter it;
        const char *name;
        const uint8_t *value;
        size_t name_len, value_len, i, total = 0;

        arena_init(&a);
        assert_int_equal(xattr_pack(&a, pairs, ARRAY_SIZE(pairs), &packed, &len), 0);
        assert_non_null(packed);
        for (i = 0; i < ARRAY_SIZE(want); i++)
                total += 2 + strlen(want[i].name) + 4 + want[i].value_len;
        assert_int_equal(len, total);

        it = (struct xattr_iter) { packed, len };
        for (i = 0; i < ARRAY_SIZE(want); i++) {
                assert_true(xattr_next(&it, &name, &name_len, &value, &value_len));
                assert_int_equal(name_len, strlen(want[i].name));
                assert_memory_equal(name, want[i].name, name_len);
                assert_int_equal(value_len, want[i].value_len);
                if (value_len)
                        assert_memory_equal(value, want[i].value, value_len);
        }
        assert_false(xattr_next(&it, &name, &name_len, &value, &value_len));
        assert_int_equal(it.left, 0);

        /* Same set in another order: the same bytes, so memcmp compares sets. */
        assert_int_equal(xattr_pack(&a, again, ARRAY_SIZE(again), &packed2, &len2), 0);
        assert_int_equal(len2, len);
        assert_memory_equal(packed2, packed, len);

        /* A truncated buffer yields the complete items only, and never reads past. */
        it = (struct xattr_iter) { packed, len - 1 };
        for (i = 0; i < ARRAY_SIZE(want) - 1; i++)
                assert_true(xattr_next(&it, &name, &name_len, &value, &value_len));
        assert_false(xattr_next(&it, &name, &name_len, &value, &value_len));
        it = (struct xattr_iter) { packed, 1 };
        assert_false(xattr_next(&it, &name, &name_len, &value, &value_len));
        it = (struct xattr_iter) { packed, 2 + 16 + 3 };
        assert_false(xattr_next(&it, &name, &name_len, &value, &value_len));

        /* Nothing to pack: NULL and 0. */
        packed = (const uint8_t *) "x";
        len = 99;
        assert_int_equal(xattr_pack(&a, pairs, 0, &packed, &len), 0);
        assert_null(packed);
        assert_int_equal(len, 0);

        /* A name longer than the format allows is refused. */
        {
                char *big = calloc(70000, 1);
                struct xattr_pair p = { big, 70000, "v", 1 };

                assert_non_null(big);
                assert_int_equal(xattr_pack(&a, &p, 1, &packed, &len), -E2BIG);
                free(big);
        }
        arena_release(&a);
}

static struct fim_entry *add_inode(struct fim_tree *t, const char *path, uint32_t type, uint32_t nlink,
                                   uint64_t dev, uint64_t ino)
{
        struct fim_entry *e = add(t, path, type);

        e->nlink = nlink;
        e->dev = dev;
        e->ino = ino;
        e->flags |= ENTRY_HAS_STAT;
        return e;
}

static void expect_link(const struct fim_tree *t, const char *path, const char *link)
{
        const struct fim_entry *e = find(t, path);

        assert_non_null(e);
        if (!link) {
                if (e->link)
                        fail_msg("%s: unexpected link to %s", path, e->link);
                assert_int_equal(e->link_len, 0);
                return;
        }
        assert_non_null(e->link);
        assert_int_equal(e->link_len, strlen(link));
        assert_memory_equal(e->link, link, e->link_len);
}

static void test_link_groups(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;

        assert_int_equal(fim_tree_new(&t), 0);
        /* Added out of order: "first" means first in path order. */
        add_inode(t, "/z", S_IFREG, 2, 1, 30);
        add_inode(t, "/h", S_IFREG, 3, 1, 20);
        add_inode(t, "/c", S_IFREG, 2, 1, 10);
        add_inode(t, "/a", S_IFREG, 2, 1, 10);
        add_inode(t, "/b", S_IFREG, 1, 1, 11);
        add_inode(t, "/d", S_IFREG, 3, 1, 20);
        add_inode(t, "/e", S_IFDIR, 2, 1, 10);  /* directories never link */
        add_inode(t, "/f", S_IFREG, 3, 2, 20);  /* same inode number, other device */
        add_inode(t, "/g", S_IFREG, 3, 1, 20);
        add_inode(t, "/m", S_IFREG, 2, 1, 30);
        add_inode(t, "/n", S_IFREG, 2, 1, 40);  /* nlink 2, other link outside the tree */
        add_inode(t, "/s", S_IFLNK, 2, 1, 50);
        add_inode(t, "/t", S_IFLNK, 2, 1, 50);
        fim_tree_sort(t);
        assert_int_equal(fim_tree_link_groups(t, NULL), 0);

        expect_link(t, "/a", NULL);
        expect_link(t, "/c", "/a");
        expect_link(t, "/b", NULL);
        expect_link(t, "/d", NULL);
        expect_link(t, "/g", "/d");
        expect_link(t, "/h", "/d");
        expect_link(t, "/e", NULL);
        expect_link(t, "/f", NULL);
        expect_link(t, "/m", NULL);
        expect_link(t, "/z", "/m");
        expect_link(t, "/n", NULL);
        expect_link(t, "/s", NULL);
        expect_link(t, "/t", NULL);
}

static void test_attr_names(void **state)
{
        struct buf b;
        unsigned mask = 0;
        const char *bad = NULL;

        assert_string_equal(attr_name(0), "type");
        assert_string_equal(attr_name(5), "mtime");
        assert_string_equal(attr_name(10), "xattrs");
        assert_string_equal(attr_name(12), "ostree-checksum");
        assert_null(attr_name(13));

        assert_int_equal(attr_parse_list("mode,content,mtime", &mask, &bad), 0);
        assert_int_equal(mask, ATTR_MODE | ATTR_CONTENT | ATTR_MTIME);
        assert_int_equal(attr_parse_list("", &mask, &bad), 0);
        assert_int_equal(mask, 0);
        assert_int_equal(attr_parse_list("mode,bogus,uid", &mask, &bad), -EINVAL);
        assert_non_null(bad);
        assert_int_equal(strncmp(bad, "bogus", 5), 0);
        assert_int_equal(attr_parse_list("mod", &mask, &bad), -EINVAL);

        buf_init(&b, 0);
        assert_int_equal(attr_format_list(&b, ATTR_TYPE | ATTR_SIZE | ATTR_XATTRS), 0);
        assert_string_equal(b.data, "type,size,xattrs");
        buf_reset(&b);
        assert_int_equal(attr_format_list(&b, ATTR_ALL_LIVE), 0);
        assert_int_equal(attr_parse_list(b.data, &mask, &bad), 0);
        assert_int_equal(mask, ATTR_ALL_LIVE);
        buf_release(&b);
}

static void test_entry_compare(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
        struct xattr_pair x1 = { "user.a", 6, "1", 1 }, x2 = { "user.a", 6, "2", 1 };
        const uint8_t *xa, *xb;
        uint32_t xalen, xblen;
        struct fim_entry a, b;

        assert_int_equal(fim_tree_new(&t), 0);
        assert_int_equal(xattr_pack(&t->arena, &x1, 1, &xa, &xalen), 0);
        assert_int_equal(xattr_pack(&t->arena, &x2, 1, &xb, &xblen), 0);

        a = (struct fim_entry) {
                .path = "/f", .path_len = 2, .type = S_IFREG, .mode = 0644, .nlink = 1,
                .size = 10, .mtime_ns = 1000, .flags = ENTRY_HAS_HASH,
        };
        memset(a.sha256, 0xaa, SHA256_LEN);

        b = a;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), 0);
        b.mode = 04755;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_MODE);
        /* Only the attributes asked for. */
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED & ~ATTR_MODE), 0);
        assert_int_equal(fim_entry_compare(&a, &b, 0), 0);

        b = a;
        b.uid = 1000;
        b.gid = 1000;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_UID | ATTR_GID);
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_UID), ATTR_UID);

        b = a;
        b.sha256[31] ^= 1;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_CONTENT);
        b.size = 11;
        b.mtime_ns = 2000;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_CONTENT | ATTR_SIZE | ATTR_MTIME);
        /* No hash on one side: content cannot be compared. */
        b = a;
        b.sha256[0] ^= 1;
        b.flags &= ~ENTRY_HAS_HASH;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), 0);

        b = a;
        b.mtime_ns = 1001;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_MTIME);

        /* xattrs: other value, or none. */
        a.xattrs = xa, a.xattrs_len = xalen;
        b = a;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), 0);
        b.xattrs = xb, b.xattrs_len = xblen;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_XATTRS);
        b.xattrs = NULL, b.xattrs_len = 0;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_XATTRS);
        a.xattrs = NULL, a.xattrs_len = 0;

        /* Hardlink identity. */
        b = a;
        b.link = "/e", b.link_len = 2;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_LINK);
        a.link = "/e", a.link_len = 2;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), 0);
        a.link = NULL, a.link_len = 0;

        /* A type change is reported alone, whatever else differs. */
        b = a;
        b.type = S_IFLNK;
        b.mode = 0777;
        b.uid = 5;
        b.size = 3;
        b.flags = 0;
        b.target = "abc", b.target_len = 3;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_TYPE);
        b.type = S_IFDIR;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_TYPE);

        /* Symlink targets. */
        a = (struct fim_entry) { .path = "/l", .path_len = 2, .type = S_IFLNK, .mode = 0777,
                                 .size = 3, .target = "abc", .target_len = 3 };
        b = a;
        b.target = "abc";
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), 0);
        b.target = "abd";
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_TARGET);
        b.target = "abcd", b.target_len = 4, b.size = 4;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_TARGET | ATTR_SIZE);
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_TARGET), ATTR_TARGET);

        /* Directories: size and mtime follow from the entries and are ignored. */
        a = (struct fim_entry) { .path = "/d", .path_len = 2, .type = S_IFDIR, .mode = 0755,
                                 .size = 4096, .mtime_ns = 1 };
        b = a;
        b.size = 8192;
        b.mtime_ns = 99;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), 0);
        b.mode = 0700;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_MODE);

        /* Device numbers. */
        a = (struct fim_entry) { .path = "/c", .path_len = 2, .type = S_IFCHR, .mode = 0666,
                                 .rdev = 0x103 };
        b = a;
        b.rdev = 0x105;
        assert_int_equal(fim_entry_compare(&a, &b, ATTR_COMPARED), ATTR_RDEV);
}

/* One reported change, flattened for comparison. */
struct seen {
        enum change_kind kind;
        char path[64];
        unsigned changed;
};

struct collect {
        struct seen v[32];
        size_t n;
        size_t stop_after;      /* when non-zero, fail with -ECANCELED after this many */
};

static int collect_fn(const struct fim_change *c, void *userdata)
{
        struct collect *col = userdata;
        const struct fim_entry *e = c->new ? c->new : c->old;
        struct seen *s;

        assert_true(col->n < ARRAY_SIZE(col->v));
        assert_non_null(e);
        /* old and new are set exactly as the kind says. */
        switch (c->kind) {
        case CHANGE_ADDED:
                assert_null(c->old);
                assert_non_null(c->new);
                assert_int_equal(c->changed, 0);
                break;
        case CHANGE_REMOVED:
                assert_non_null(c->old);
                assert_null(c->new);
                assert_int_equal(c->changed, 0);
                break;
        case CHANGE_MODIFIED:
                assert_non_null(c->old);
                assert_non_null(c->new);
                assert_int_not_equal(c->changed, 0);
                assert_int_equal(path_compare(c->old->path, c->old->path_len, c->new->path,
                                              c->new->path_len), 0);
                break;
        case CHANGE_UNREADABLE:
                assert_non_null(c->new);
                assert_int_not_equal(c->new->err, 0);
                break;
        }
        s = &col->v[col->n++];
        s->kind = c->kind;
        assert_true(e->path_len < sizeof(s->path));
        memcpy(s->path, e->path, e->path_len);
        s->path[e->path_len] = '\0';
        s->changed = c->changed;
        if (col->stop_after && col->n >= col->stop_after)
                return -ECANCELED;
        return 0;
}

static const char *kind_name(enum change_kind k)
{
        static const char *const names[] = { "added", "removed", "modified", "unreadable" };

        return (unsigned) k < ARRAY_SIZE(names) ? names[k] : "?";
}

static void expect_changes(const struct collect *col, const struct seen *want, size_t n)
{
        bool same = col->n == n;
        size_t i;

        for (i = 0; same && i < n; i++)
                same = strcmp(col->v[i].path, want[i].path) == 0 && col->v[i].kind == want[i].kind &&
                       col->v[i].changed == want[i].changed;
        if (!same)
                for (i = 0; i < col->n; i++)
                        print_message("  got %s %s %#x\n", kind_name(col->v[i].kind), col->v[i].path,
                                      col->v[i].changed);
        assert_int_equal(col->n, n);
        for (i = 0; i < n; i++) {
                assert_string_equal(col->v[i].path, want[i].path);
                assert_string_equal(kind_name(col->v[i].kind), kind_name(want[i].kind));
                assert_int_equal(col->v[i].changed, want[i].changed);
        }
}

/* base and cur: a small tree before and after a set of changes. */
static void build_trees(struct fim_tree **ret_base, struct fim_tree **ret_cur)
{
        struct fim_tree *base, *cur;
        struct fim_entry *e;

        assert_int_equal(fim_tree_new(&base), 0);
        assert_int_equal(fim_tree_new(&cur), 0);
        base->attrs = cur->attrs = ATTR_ALL_LIVE;

        add(base, "/", S_IFDIR)->mtime_ns = 1;
        add(base, "/etc", S_IFDIR)->size = 4096;
        e = add(base, "/etc/a", S_IFREG);
        e->size = 5, set_hash(e, 1);
        e = add(base, "/etc/b", S_IFREG);
        e->size = 5, set_hash(e, 2);
        e = add(base, "/etc/c", S_IFREG);
        e->size = 5, e->mtime_ns = 100, set_hash(e, 3);
        add(base, "/usr", S_IFDIR);
        e = add(base, "/usr/x", S_IFREG);
        set_hash(e, 4);
        e = add(base, "/usr/y", S_IFLNK);
        set_target(base, e, "x");
        e = add(base, "/usr/z", S_IFREG);
        set_hash(e, 5);
        add(base, "/usr\xff", S_IFREG);         /* sorts after everything below /usr */

        /* "/" and "/etc" change only in mtime and size: not reported. */
        add(cur, "/", S_IFDIR)->mtime_ns = 2;
        add(cur, "/etc", S_IFDIR)->size = 8192;
        e = add(cur, "/etc/a", S_IFREG);
        e->size = 6, set_hash(e, 0x11);                 /* content and size */
        /* /etc/b removed */
        e = add(cur, "/etc/c", S_IFREG);
        e->size = 5, e->mtime_ns = 200, set_hash(e, 3); /* touched only */
        e = add(cur, "/etc/d", S_IFREG);                /* added */
        set_hash(e, 6);
        add(cur, "/usr", S_IFDIR);
        e = add(cur, "/usr/x", S_IFREG);
        e->mode = 04755, set_hash(e, 4);                /* setuid now */
        e = add(cur, "/usr/y", S_IFLNK);
        set_target(cur, e, "/tmp/evil");
        e->size = 0;
        e = add(cur, "/usr/z", S_IFREG);
        e->err = 13;                                    /* EACCES: unreadable now */
        add(cur, "/usr\xff", S_IFREG);
        add(cur, "/var", S_IFDIR);
        e = add(cur, "/var/u", S_IFREG);
        e->err = 13;                                    /* new and unreadable */

        fim_tree_sort(base);
        fim_tree_sort(cur);
        *ret_base = base;
        *ret_cur = cur;
}

static void test_diff(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *cur = NULL;
        static const struct seen want[] = {
                { CHANGE_MODIFIED, "/etc/a", ATTR_SIZE | ATTR_CONTENT },
                { CHANGE_REMOVED, "/etc/b", 0 },
                { CHANGE_MODIFIED, "/etc/c", ATTR_MTIME },
                { CHANGE_ADDED, "/etc/d", 0 },
                { CHANGE_MODIFIED, "/usr/x", ATTR_MODE },
                { CHANGE_MODIFIED, "/usr/y", ATTR_TARGET },
                { CHANGE_UNREADABLE, "/usr/z", 0 },
                { CHANGE_ADDED, "/var", 0 },
                { CHANGE_ADDED, "/var/u", 0 },
                { CHANGE_UNREADABLE, "/var/u", 0 },
        };
        struct collect col = { 0 };

        build_trees(&base, &cur);
        assert_int_equal(fim_diff(base, cur, 0, NULL, 0, collect_fn, &col), 0);
        expect_changes(&col, want, ARRAY_SIZE(want));

        /* The unreadable entry that existed before carries both sides. */
        {
                struct collect c2 = { 0 };
                char *const prefixes[] = { "/usr/z" };

                assert_int_equal(fim_diff(base, cur, 0, prefixes, 1, collect_fn, &c2), 0);
                assert_int_equal(c2.n, 1);
                assert_int_equal(c2.v[0].kind, CHANGE_UNREADABLE);
        }

        /* A tree against itself: nothing. */
        col = (struct collect) { 0 };
        assert_int_equal(fim_diff(base, base, 0, NULL, 0, collect_fn, &col), 0);
        assert_int_equal(col.n, 0);
}

static void test_diff_reverse(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *cur = NULL;
        static const struct seen want[] = {
                { CHANGE_MODIFIED, "/etc/a", ATTR_SIZE | ATTR_CONTENT },
                { CHANGE_ADDED, "/etc/b", 0 },
                { CHANGE_MODIFIED, "/etc/c", ATTR_MTIME },
                { CHANGE_REMOVED, "/etc/d", 0 },
                { CHANGE_MODIFIED, "/usr/x", ATTR_MODE },
                { CHANGE_MODIFIED, "/usr/y", ATTR_TARGET },
                /* /usr/z: readable now; its old side had no hash, so no content diff */
                { CHANGE_REMOVED, "/var", 0 },
                { CHANGE_REMOVED, "/var/u", 0 },
        };
        struct collect col = { 0 };

        build_trees(&base, &cur);
        assert_int_equal(fim_diff(cur, base, 0, NULL, 0, collect_fn, &col), 0);
        expect_changes(&col, want, ARRAY_SIZE(want));
}

static void test_diff_prefixes(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *cur = NULL;
        static const struct seen want_etc[] = {
                { CHANGE_MODIFIED, "/etc/a", ATTR_SIZE | ATTR_CONTENT },
                { CHANGE_REMOVED, "/etc/b", 0 },
                { CHANGE_MODIFIED, "/etc/c", ATTR_MTIME },
                { CHANGE_ADDED, "/etc/d", 0 },
        };
        static const struct seen want_two[] = {
                { CHANGE_MODIFIED, "/etc/c", ATTR_MTIME },
                { CHANGE_MODIFIED, "/usr/y", ATTR_TARGET },
        };
        char *const etc[] = { "/etc" };
        char *const two[] = { "/usr/y", "/etc/c/" };
        char *const none[] = { "/opt", "/us" };
        char *const root[] = { "/" };
        struct collect col = { 0 };

        build_trees(&base, &cur);
        assert_int_equal(fim_diff(base, cur, 0, etc, 1, collect_fn, &col), 0);
        expect_changes(&col, want_etc, ARRAY_SIZE(want_etc));

        col = (struct collect) { 0 };
        assert_int_equal(fim_diff(base, cur, 0, two, 2, collect_fn, &col), 0);
        expect_changes(&col, want_two, ARRAY_SIZE(want_two));

        col = (struct collect) { 0 };
        assert_int_equal(fim_diff(base, cur, 0, none, 2, collect_fn, &col), 0);
        assert_int_equal(col.n, 0);

        col = (struct collect) { 0 };
        assert_int_equal(fim_diff(base, cur, 0, root, 1, collect_fn, &col), 0);
        assert_int_equal(col.n, 10);
}

static void test_diff_attrs(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *cur = NULL;
        static const struct seen want_mode[] = {
                { CHANGE_REMOVED, "/etc/b", 0 },
                { CHANGE_ADDED, "/etc/d", 0 },
                { CHANGE_MODIFIED, "/usr/x", ATTR_MODE },
                { CHANGE_UNREADABLE, "/usr/z", 0 },
                { CHANGE_ADDED, "/var", 0 },
                { CHANGE_ADDED, "/var/u", 0 },
                { CHANGE_UNREADABLE, "/var/u", 0 },
        };
        static const struct seen want_no_mtime[] = {
                { CHANGE_MODIFIED, "/etc/a", ATTR_SIZE | ATTR_CONTENT },
                { CHANGE_REMOVED, "/etc/b", 0 },
                { CHANGE_ADDED, "/etc/d", 0 },
                { CHANGE_MODIFIED, "/usr/x", ATTR_MODE },
                { CHANGE_MODIFIED, "/usr/y", ATTR_TARGET },
                { CHANGE_UNREADABLE, "/usr/z", 0 },
                { CHANGE_ADDED, "/var", 0 },
                { CHANGE_ADDED, "/var/u", 0 },
                { CHANGE_UNREADABLE, "/var/u", 0 },
        };
        struct collect col = { 0 };

        build_trees(&base, &cur);
        /* Asked for mode only: other modifications are not reported. */
        assert_int_equal(fim_diff(base, cur, ATTR_MODE, NULL, 0, collect_fn, &col), 0);
        expect_changes(&col, want_mode, ARRAY_SIZE(want_mode));

        /* An attribute one side did not record is not compared. */
        col = (struct collect) { 0 };
        base->attrs &= ~ATTR_MTIME;
        assert_int_equal(fim_diff(base, cur, 0, NULL, 0, collect_fn, &col), 0);
        expect_changes(&col, want_no_mtime, ARRAY_SIZE(want_no_mtime));
        base->attrs |= ATTR_MTIME;

        /* The same with the mtime attribute removed from cur instead. */
        col = (struct collect) { 0 };
        cur->attrs &= ~ATTR_MTIME;
        assert_int_equal(fim_diff(base, cur, 0, NULL, 0, collect_fn, &col), 0);
        expect_changes(&col, want_no_mtime, ARRAY_SIZE(want_no_mtime));
}

static void test_diff_mtime_only(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *cur = NULL;
        struct fim_entry *e;
        struct collect col = { 0 };

        assert_int_equal(fim_tree_new(&base), 0);
        assert_int_equal(fim_tree_new(&cur), 0);
        base->attrs = cur->attrs = ATTR_COMPARED;
        e = add(base, "/f", S_IFREG);
        e->size = 3, e->mtime_ns = 1700000000000000000LL, set_hash(e, 7);
        e = add(cur, "/f", S_IFREG);
        e->size = 3, e->mtime_ns = 1700000000000000001LL, set_hash(e, 7);

        assert_int_equal(fim_diff(base, cur, 0, NULL, 0, collect_fn, &col), 0);
        assert_int_equal(col.n, 1);
        assert_int_equal(col.v[0].kind, CHANGE_MODIFIED);
        assert_int_equal(col.v[0].changed, ATTR_MTIME);
}

static void test_diff_empty_and_stop(void **state)
{
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *cur = NULL, *empty = NULL;
        struct collect col = { 0 };
        size_t n_all;

        build_trees(&base, &cur);
        assert_int_equal(fim_tree_new(&empty), 0);
        empty->attrs = ATTR_ALL_LIVE;

        /* Everything added, then everything removed, in path order. */
        assert_int_equal(fim_diff(empty, cur, 0, NULL, 0, collect_fn, &col), 0);
        n_all = col.n;
        assert_int_equal(n_all, cur->n + 2);    /* two unreadable entries report twice */
        for (size_t i = 1; i < col.n; i++)
                assert_true(strcmp(col.v[i - 1].path, col.v[i].path) <= 0);

        col = (struct collect) { 0 };
        assert_int_equal(fim_diff(base, empty, 0, NULL, 0, collect_fn, &col), 0);
        assert_int_equal(col.n, base->n);
        for (size_t i = 0; i < col.n; i++)
                assert_int_equal(col.v[i].kind, CHANGE_REMOVED);

        col = (struct collect) { 0 };
        assert_int_equal(fim_diff(empty, empty, 0, NULL, 0, collect_fn, &col), 0);
        assert_int_equal(col.n, 0);

        /* A negative return from the callback stops the diff and is returned. */
        col = (struct collect) { .stop_after = 2 };
        assert_int_equal(fim_diff(base, cur, 0, NULL, 0, collect_fn, &col), -ECANCELED);
        assert_int_equal(col.n, 2);
        /* Also when it stops on the "added" half of a new unreadable entry. */
        col = (struct collect) { .stop_after = 9 };
        assert_int_equal(fim_diff(base, cur, 0, NULL, 0, collect_fn, &col), -ECANCELED);
        assert_int_equal(col.n, 9);
        assert_int_equal(col.v[8].kind, CHANGE_ADDED);
        assert_string_equal(col.v[8].path, "/var/u");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_tree_sort_find),
                cmocka_unit_test(test_tree_grows),
                cmocka_unit_test(test_path_has_prefix),
                cmocka_unit_test(test_xattr_roundtrip),
                cmocka_unit_test(test_link_groups),
                cmocka_unit_test(test_attr_names),
                cmocka_unit_test(test_entry_compare),
                cmocka_unit_test(test_diff),
                cmocka_unit_test(test_diff_reverse),
                cmocka_unit_test(test_diff_prefixes),
                cmocka_unit_test(test_diff_attrs),
                cmocka_unit_test(test_diff_mtime_only),
                cmocka_unit_test(test_diff_empty_and_stop),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
