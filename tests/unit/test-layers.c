/* Unit tests for src/host/layers.c: the lowerdir= of a sysext or confext
 * overlay split into layers (escaped colons, systemd's meta layer dropped,
 * confexts/NAME of systemd-confext, the cap), and layers_owner() on directory
 * layers made here: the topmost layer that has a path provides it, a lower
 * one that has it too is shadowed. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/layers.h"
#include "tmpdir.h"

static char tmp[TMPDIR_LEN];    /* the scratch directory of every test, made by main() */

static void touch(const char *rel)
{
        char p[512];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", tmp, rel);
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        close(fd);
}

static void mkdirs(const char *rel)
{
        char p[512];

        snprintf(p, sizeof(p), "%s/%s", tmp, rel);
        assert_int_equal(mkdir(p, 0755), 0);
}

static void test_split(void **state)
{
        _cleanup_(layers_freep) struct layers *lp = calloc(1, sizeof(*lp));
        struct layers *l = lp;
        const struct union_mount *m;

        (void) state;
        assert_non_null(l);
        assert_int_equal(layers_add(l, "/usr", "/run/systemd/sysext/meta/usr:"
                                                "/run/systemd/sysext/extensions/a/usr:"
                                                "/run/systemd/sysext/extensions/b\\:c/usr:/usr"), 0);
        assert_int_equal(l->n, 1);
        m = &l->mounts[0];
        assert_false(m->confext);
        assert_int_equal(m->n, 3);              /* the meta layer is not an extension */
        assert_string_equal(m->layers[0].name, "a");
        assert_string_equal(m->layers[1].name, "b:c");
        assert_string_equal(m->layers[1].dir, "/run/systemd/sysext/extensions/b:c/usr");
        assert_null(m->layers[2].name);         /* the base */
        assert_int_equal(m->layers[2].probe, LAYER_PROBE_NONE); /* "/usr" is the overlay itself */
        /* systemd-confext merges in the same workspace: confexts/NAME */
        assert_int_equal(layers_add(l, "/etc", "/run/systemd/sysext/meta/etc:/run/systemd/sysext/confexts/x/etc:"
                                                "/run/systemd/sysext/extensions/y/etc:/etc"), 0);
        m = &l->mounts[1];
        assert_true(m->confext);
        assert_int_equal(m->n, 3);
        assert_string_equal(m->layers[0].name, "x");
        assert_string_equal(m->layers[1].name, "y");
        assert_null(m->layers[2].name);
        assert_int_equal(layers_add(l, "/etc", "/run/systemd/sysext/confexts/x/etc::/etc"), -EBADMSG);
        assert_true(l->mounts[2].confext);
}

static void test_cap(void **state)
{
        _cleanup_(layers_freep) struct layers *l = calloc(1, sizeof(*l));
        char *lower = malloc((LAYERS_MAX + 1) * 48 + 1), *p = lower;

        (void) state;
        assert_non_null(l);
        for (int i = 0; i <= LAYERS_MAX; i++)
                p += sprintf(p, "%s/run/systemd/sysext/extensions/e%d/usr", i ? ":" : "", i);
        assert_int_equal(layers_add(l, "/usr", lower), -E2BIG);
        free(lower);
}

/* The marker a merge writes into its meta layer: in no layer, on an overlay
 * whose lowerdirs had the meta layer, TARGET/.systemd-sysext and below only. */
static void test_marker(void **state)
{
        _cleanup_(layers_freep) struct layers *l = calloc(1, sizeof(*l));
        struct layer_owner o;
        char lower[512];

        (void) state;
        assert_non_null(l);
        mkdirs("mtop");
        mkdirs("mbase");
        mkdirs("plain");
        snprintf(lower, sizeof(lower), "/run/systemd/sysext/meta/usr:%s/mtop:%s/mbase", tmp, tmp);
        assert_int_equal(layers_add(l, "/usr", lower), 0);
        assert_true(l->mounts[0].meta);
        assert_int_equal(l->mounts[0].n, 2);
        snprintf(lower, sizeof(lower), "%s/plain", tmp);
        assert_int_equal(layers_add(l, "/opt", lower), 0);
        assert_false(l->mounts[1].meta);

        layers_owner(l, "/usr/.systemd-sysext", &o);
        assert_null(o.top);
        assert_true(o.meta);
        layers_owner(l, "/usr/.systemd-sysext/extensions", &o);
        assert_true(o.meta);
        layers_owner(l, "/usr/.systemd-sysextx", &o);   /* another name */
        assert_false(o.meta);
        layers_owner(l, "/usr/share/.systemd-sysext", &o);      /* not at the top */
        assert_false(o.meta);
        layers_owner(l, "/opt/.systemd-sysext", &o);    /* no meta layer in that merge */
        assert_non_null(o.mount);
        assert_false(o.meta);
        /* one written into the base is the base's, drift like any other */
        mkdirs("mbase/.systemd-sysext");
        layers_owner(l, "/usr/.systemd-sysext", &o);
        assert_ptr_equal(o.top, &l->mounts[0].layers[1]);
        assert_false(o.meta);
}

static void test_owner(void **state)
{
        _cleanup_(layers_freep) struct layers *l = calloc(1, sizeof(*l));
        struct layer_owner o;
        char lower[512], p[512];

        (void) state;
        assert_non_null(l);
        mkdirs("top");
        mkdirs("top/share");
        mkdirs("mid");
        mkdirs("mid/share");
        mkdirs("base");
        mkdirs("base/share");
        touch("top/share/new");
        touch("top/share/both");
        touch("mid/share/both");
        touch("mid/share/base-too");
        touch("base/share/base-too");
        touch("base/share/only-base");
        /* a symlink in a layer is not followed out of it */
        snprintf(p, sizeof(p), "%s/top/escape", tmp);
        assert_int_equal(symlink("/etc", p), 0);

        snprintf(lower, sizeof(lower), "%s/top:%s/mid:%s/base", tmp, tmp, tmp);
        assert_int_equal(layers_add(l, "/usr", lower), 0);
        assert_int_equal(l->mounts[0].n, 3);
        assert_int_equal(l->mounts[0].layers[0].probe, LAYER_PROBE_DIR);

        layers_owner(l, "/usr/share/new", &o);
        assert_ptr_equal(o.top, &l->mounts[0].layers[0]);
        assert_null(o.below);

        layers_owner(l, "/usr/share/both", &o);
        assert_ptr_equal(o.top, &l->mounts[0].layers[0]);
        assert_ptr_equal(o.below, &l->mounts[0].layers[1]);

        layers_owner(l, "/usr/share/base-too", &o);
        assert_ptr_equal(o.top, &l->mounts[0].layers[1]);
        assert_ptr_equal(o.below, &l->mounts[0].layers[2]);

        layers_owner(l, "/usr/share/only-base", &o);
        assert_ptr_equal(o.top, &l->mounts[0].layers[2]);
        assert_null(o.below);

        layers_owner(l, "/usr/escape/passwd", &o);      /* not through the symlink */
        assert_null(o.top);
        layers_owner(l, "/usr/share/none", &o);
        assert_non_null(o.mount);
        assert_null(o.top);
        layers_owner(l, "/usrx/share/new", &o);         /* not below /usr */
        assert_null(o.mount);
        layers_owner(l, "/usr", &o);
        assert_null(o.mount);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_owner),
                cmocka_unit_test(test_marker),
        };
        int r;

        tmpdir_make(tmp, "layers");
        r = cmocka_run_group_tests(tests, NULL, NULL);
        tmpdir_remove(tmp);
        return r;
}
