/* Unit tests for src/host/mounts-diff.c and mount-table.c: the changes between
 * two mount tables (matched by target, source, type and root, whatever their
 * ids), the watch list, verity options, the image-mode posture, and mountinfo
 * text no kernel writes. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basic/buf.h"
#include "host/mounts-diff.h"

static const char *const watch_globs[] = { "/etc/sudoers.d", "/etc/sudoers.d/**", "/etc/cron*", "/usr/local",
                                           "/usr/local/**", "/run/extensions", "/run/extensions/**" };

static struct strv watch = { (char **) watch_globs, sizeof(watch_globs) / sizeof(watch_globs[0]) };

static const char base[] =
        "1 0 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
        "2 1 254:1 / /usr ro,relatime - ext4 /dev/vdb ro\n"
        "3 1 0:5 / /run rw,nosuid - tmpfs tmpfs rw,mode=755\n"
        "4 1 0:6 / /proc rw - proc proc rw\n";

static struct mount_table *table(const char *text)
{
        struct mount_table *t = NULL;
        char *err = NULL;

        if (mount_table_parse(text, strlen(text), &t, &err) < 0)
                fail_msg("parse: %s", err ? err : "?");
        return t;
}

static int collect(const struct mount_change *c, void *userdata)
{
        static const char *const names[] = { "overlay-new", "usr-rw", "usr-rw-image", "verity-removed",
                                             "watched-new", "watched-removed", "watched-options" };
        struct buf *b = userdata;
        const struct mount_entry *e = c->after ? c->after : c->before;

        return buf_printf(b, "%s %s%s%s;", names[c->kind], e->target, c->detail ? " " : "", c->detail ? c->detail : "");
}

/* The changes from a to b as "kind target;..." ("" for none). */
static char *diff(const char *a, const char *b, bool image_mode)
{
        struct mount_table *ta = table(a), *tb = table(b);
        struct mounts_policy p = { .watch = &watch, .image_mode = image_mode };
        struct buf out;
        char *s;

        buf_init(&out, 1 << 20);
        assert_int_equal(mounts_diff(ta, tb, &p, collect, &out), 0);
        assert_int_equal(mounts_posture(tb, &p, collect, &out), 0);
        assert_int_equal(buf_putc(&out, '\0'), 0);
        s = strdup(out.data);
        buf_release(&out);
        mount_table_free(ta);
        mount_table_free(tb);
        return s;
}

static void expect(const char *a, const char *b, bool image_mode, const char *want)
{
        char *got = diff(a, b, image_mode);

        assert_string_equal(got, want);
        free(got);
}

static char *with(const char *extra)
{
        char *s;

        assert_true(asprintf(&s, "%s%s", base, extra) > 0);
        return s;
}

static void test_unchanged_and_ids_reused(void **state)
{
        /* The same mounts under other ids and in another order: nothing changed. */
        const char *renumbered = "11 0 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                                 "14 11 0:6 / /proc rw - proc proc rw\n"
                                 "12 11 254:1 / /usr ro,relatime - ext4 /dev/vdb ro\n"
                                 "13 11 0:5 / /run rw,nosuid - tmpfs tmpfs rw,mode=755\n";

        (void) state;
        expect(base, base, false, "");
        expect(base, renumbered, false, "");
}

static void test_overlay_on_usr(void **state)
{
        char *b = with("9 2 0:40 / /usr rw,relatime - overlay overlay rw,lowerdir=/usr,upperdir=/x/u,workdir=/x/w\n"
                       "10 1 0:41 / /opt/app ro - overlay overlay ro,lowerdir=/a:/b\n");

        (void) state;
        expect(base, b, false, "overlay-new /usr;overlay-new /opt/app;");
        /* On an image-mode host the writable overlay on /usr is also the posture finding. */
        expect(base, b, true, "overlay-new /usr;overlay-new /opt/app;usr-rw-image /usr;");
        /* An overlay elsewhere is no finding. */
        free(b);
        b = with("5 1 0:9 / /srv rw - overlay o rw\n");
        expect(base, b, false, "");
        free(b);
}

static void test_usr_read_write(void **state)
{
        const char *rw = "1 0 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                         "2 1 254:1 / /usr rw,relatime - ext4 /dev/vdb ro\n";
        const char *ro = "1 0 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                         "2 1 254:1 / /usr ro,relatime - ext4 /dev/vdb ro\n";
        /* No /usr mount: / is what /usr is. */
        const char *root_ro = "1 0 254:0 / / ro - ext4 /dev/vda ro\n";
        const char *root_rw = "1 0 254:0 / / rw - ext4 /dev/vda rw\n";

        (void) state;
        expect(ro, rw, false, "usr-rw /usr;");
        /* Back to read-only: an option change of a mount above /usr/local. */
        expect(rw, ro, false, "watched-options /usr;");
        expect(root_ro, root_rw, false, "usr-rw /;");
        /* Image mode: rw at all, every time, the unchanged table too. */
        expect(rw, rw, true, "usr-rw-image /usr;");
        expect(ro, ro, true, "");
}

static void test_verity(void **state)
{
        const char *req = "1 0 0:30 / / ro - overlay composefs ro,lowerdir=/a,datadir=/b,verity=require\n";
        const char *on = "1 0 0:30 / / ro - overlay composefs ro,lowerdir=/a,datadir=/b,verity=on\n";
        const char *off = "1 0 0:30 / / ro - overlay composefs ro,lowerdir=/a,datadir=/b\n";
        const char *digest = "1 0 0:30 / / ro - composefs /img.cfs ro,digest=abc,basedir=/o\n";
        const char *nodigest = "1 0 0:31 / / ro - composefs /other.cfs ro,basedir=/o\n";

        (void) state;
        expect(req, on, false, "verity-removed / verity=require;");
        expect(req, off, false, "verity-removed / verity=require;");
        expect(on, off, false, "verity-removed / verity=on;");
        expect(off, req, false, "");
        /* Replaced at the same target by another source: compared too. */
        expect(digest, nodigest, false, "verity-removed / digest;");
}

static void test_watched(void **state)
{
        char *sudo = with("20 1 0:50 / /etc/sudoers.d rw - tmpfs tmpfs rw\n");
        char *sudo_ro = with("20 1 0:50 / /etc/sudoers.d ro - tmpfs tmpfs rw\n");
        char *etc = with("21 1 0:51 / /etc rw - tmpfs tmpfs rw\n");
        char *cron = with("22 1 0:52 / /etc/cron.d rw - tmpfs none rw\n");
        char *user = with("23 3 0:53 / /run/user/1000 rw - tmpfs tmpfs rw\n");
        char *ext = with("24 3 254:2 /x /run/extensions rw - ext4 /dev/vdc rw\n");

        (void) state;
        expect(base, sudo, false, "watched-new /etc/sudoers.d;");
        expect(sudo, base, false, "watched-removed /etc/sudoers.d;");
        expect(sudo, sudo_ro, false, "watched-options /etc/sudoers.d;");
        /* A mount above a watched path hides it. */
        expect(base, etc, false, "watched-new /etc;");
        expect(base, cron, false, "watched-new /etc/cron.d;");
        expect(base, user, false, "");
        expect(base, ext, false, "watched-new /run/extensions;");
        assert_string_equal(mounts_watched(&watch, "/etc"), "/etc/sudoers.d");
        assert_null(mounts_watched(&watch, "/etcx"));
        assert_null(mounts_watched(&watch, "/run/user"));
        free(sudo), free(sudo_ro), free(etc), free(cron), free(user), free(ext);
}

static void test_image_mode(void **state)
{
        struct mount_table *t = table("1 0 0:30 / / ro - overlay composefs ro,verity=require\n");
        struct mount_table *u = table("1 0 254:0 / / rw - ext4 /dev/vda rw\n2 1 254:0 /sysroot /sysroot ro - ext4 /dev/vda rw\n");
        struct mount_table *v = table(base);

        (void) state;
        assert_true(mount_table_image_mode(t));
        assert_true(mount_table_image_mode(u));
        assert_false(mount_table_image_mode(v));
        assert_int_equal(mount_verity_level(&t->entries[0]), 2);
        mount_table_free(t), mount_table_free(u), mount_table_free(v);
}

static void test_parse_escapes(void **state)
{
        struct mount_table *t =
                table("1 0 0:1 / / rw - ext4 /dev/vda rw\n"
                      "2 1 0:2 / /mnt/a\\040b\\012c\\033[31m rw,nosuid shared:1 master:2 - tmpfs my\\040src rw\n");

        (void) state;
        assert_int_equal(t->n, 2);
        assert_string_equal(t->entries[1].target, "/mnt/a b\nc\033[31m");
        assert_string_equal(t->entries[1].source, "my src");
        assert_string_equal(t->entries[1].options, "rw,nosuid");
        assert_int_equal(t->entries[1].id, 2);
        assert_int_equal(t->entries[1].parent, 1);
        mount_table_free(t);
}

static void refused(const char *text, size_t len, int want, const char *reason)
{
        struct mount_table *t = NULL;
        char *err = NULL;

        assert_int_equal(mount_table_parse(text, len, &t, &err), want);
        assert_null(t);
        assert_non_null(err);
        if (!strstr(err, reason))
                fail_msg("'%s' does not say '%s'", err, reason);
        free(err);
}

#define S(s) s, strlen(s)

static void test_parse_refused(void **state)
{
        (void) state;
        refused("", 0, -EBADMSG, "empty");
        refused(S("1 0 0:1 / / rw - ext4 /dev/vda rw"), -EBADMSG, "line 1 is cut short");
        refused(S("1 0 0:1 / / rw - ext4 /dev/vda rw\n2 1 0:2 / /x rw\n"), -EBADMSG, "line 2");
        refused(S("/dev/vda / ext4 rw 0 0\n"), -EBADMSG, "not a mountinfo line");
        refused("1 0 0:1 / / rw - ext4\0 /dev/vda rw\n", 35, -EBADMSG, "NUL");
        refused(S("# comment\n"), -EBADMSG, "not a mountinfo line");
}

/* 100,000 mounts, all replaced by others: parsed and compared in bounded time. */
static void test_large(void **state)
{
        struct buf a, b;
        struct mount_table *ta, *tb;
        struct mounts_policy p = { .watch = &watch };
        struct buf out;
        clock_t start = clock();

        (void) state;
        buf_init(&a, 64 << 20);
        buf_init(&b, 64 << 20);
        buf_init(&out, 1 << 20);
        for (int i = 1; i <= MOUNT_TABLE_MAX_ENTRIES; i++) {
                assert_int_equal(buf_printf(&a, "%d 1 0:1 / /m/%d rw - tmpfs t rw\n", i, i), 0);
                assert_int_equal(buf_printf(&b, "%d 1 0:1 / /m/%d rw - tmpfs u rw\n", i, i), 0);
        }
        assert_int_equal(mount_table_parse(a.data, a.len, &ta, NULL), 0);
        assert_int_equal(mount_table_parse(b.data, b.len, &tb, NULL), 0);
        assert_int_equal(mounts_diff(ta, tb, &p, collect, &out), 0);
        assert_int_equal(out.len, 0);
        assert_true((clock() - start) / CLOCKS_PER_SEC < 20);
        /* One more is past the limit. */
        assert_int_equal(buf_printf(&a, "0 1 0:1 / /m/x rw - tmpfs t rw\n"), 0);
        refused(a.data, a.len, -E2BIG, "more than 100000 mounts");
        mount_table_free(ta), mount_table_free(tb);
        buf_release(&a), buf_release(&b), buf_release(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unchanged_and_ids_reused), cmocka_unit_test(test_overlay_on_usr),
                cmocka_unit_test(test_usr_read_write),           cmocka_unit_test(test_verity),
                cmocka_unit_test(test_watched),                  cmocka_unit_test(test_image_mode),
                cmocka_unit_test(test_parse_escapes),            cmocka_unit_test(test_parse_refused),
                cmocka_unit_test(test_large),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
