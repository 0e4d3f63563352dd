/* Unit tests for src/container/storage.c: the JSON readers of layers.json,
 * images.json and containers.json on fixture text (missing fields, ids that
 * are not 64 hex, duplicates), and ctr_storage_load() on a storage root made
 * here: the lower layers of a container from its `lower` file and l/ links,
 * top first; a parent cycle, a chain past the limit, a broken link and a
 * driver that is not overlay refused with the file named. The live
 * fallback's parsers: overlay mount options and cgroup paths. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/container.h"
#include "tmpdir.h"

/* The paths and JSON written here are short and fixed; gcc cannot see that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char tmp[TMPDIR_LEN];

/* Ids: 64 hex digits made of one repeated digit. */
static const char *id(char c)
{
        static char ids[16][CTR_ID_LEN + 1];
        char *p = ids[c >= 'a' ? c - 'a' + 10 : c - '0'];

        memset(p, c, CTR_ID_LEN);
        p[CTR_ID_LEN] = 0;
        return p;
}

static void mkdir_p(const char *fmt, ...) _printf_(1, 2);

static void mkdir_p(const char *fmt, ...)
{
        char rel[512], path[700], *s;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(rel, sizeof(rel), fmt, ap);
        va_end(ap);
        snprintf(path, sizeof(path), "%s/%s", tmp, rel);
        for (s = path + strlen(tmp) + 1; (s = strchr(s, '/')); s++) {
                *s = 0;
                (void) mkdir(path, 0755);
                *s = '/';
        }
        (void) mkdir(path, 0755);
}

static void test_parse_layers(void **state)
{
        struct ctr_layer *l = NULL;
        char *err = NULL, buf[1024];
        size_t n = 0;

        (void) state;
        snprintf(buf, sizeof(buf),
                 "[{\"id\":\"%s\",\"created\":\"2024-01-01T00:00:00Z\",\"diff-digest\":\"sha256:%s\","
                 "\"compressed-diff-digest\":\"sha256:%s\",\"diff-size\":1024},"
                 "{\"id\":\"%s\",\"parent\":\"%s\"}]",
                 id('b'), id('1'), id('2'), id('a'), id('b'));
        assert_int_equal(ctr_parse_layers(buf, strlen(buf), &l, &n, &err), 0);
        assert_int_equal(n, 2);
        /* sorted by id */
        assert_string_equal(l[0].id, id('a'));
        assert_string_equal(l[0].parent, id('b'));
        assert_int_equal(l[0].uncompressed_size, -1);
        assert_null(l[1].parent);
        assert_int_equal(l[1].uncompressed_size, 1024);
        assert_string_equal(l[1].compressed_diff_digest + 7, id('2'));
        ctr_layers_free(l, n);

        /* an empty file is an empty store */
        assert_int_equal(ctr_parse_layers("", 0, &l, &n, &err), 0);
        assert_int_equal(n, 0);
        ctr_layers_free(l, n);

        assert_int_equal(ctr_parse_layers("{}", 2, &l, &n, &err), -EBADMSG);
        assert_string_equal(err, "expected a JSON array");
        free(err), err = NULL;
        assert_int_equal(ctr_parse_layers("[{\"parent\":\"x\"}]", 16, &l, &n, &err), -EBADMSG);
        assert_string_equal(err, "entry 0: no \"id\"");
        free(err), err = NULL;
        snprintf(buf, sizeof(buf), "[{\"id\":\"../../etc\"}]");
        assert_int_equal(ctr_parse_layers(buf, strlen(buf), &l, &n, &err), -EBADMSG);
        assert_string_equal(err, "entry 0: \"id\" '../../etc' is not 64 lowercase hex digits");
        free(err), err = NULL;
        snprintf(buf, sizeof(buf), "[{\"id\":\"%s\"},{\"id\":\"%s\"}]", id('a'), id('a'));
        assert_int_equal(ctr_parse_layers(buf, strlen(buf), &l, &n, &err), -EBADMSG);
        assert_non_null(strstr(err, "listed twice"));
        free(err), err = NULL;
        snprintf(buf, sizeof(buf), "[{\"id\":\"%s\",\"parent\":\"%s\"}]", id('a'), id('a'));
        assert_int_equal(ctr_parse_layers(buf, strlen(buf), &l, &n, &err), -ELOOP);
        free(err), err = NULL;
        snprintf(buf, sizeof(buf), "[{\"id\":\"%s\",\"diff-size\":\"big\"}]", id('a'));
        assert_int_equal(ctr_parse_layers(buf, strlen(buf), &l, &n, &err), -EBADMSG);
        free(err), err = NULL;
        assert_int_equal(ctr_parse_layers("[1", 2, &l, &n, &err), -EBADMSG);
        assert_non_null(err);
        free(err);
}

static void test_parse_images_containers(void **state)
{
        struct ctr_image *im = NULL;
        struct container *c = NULL;
        char *err = NULL, buf[2048];
        size_t n = 0;

        (void) state;
        snprintf(buf, sizeof(buf),
                 "[{\"id\":\"%s\",\"digest\":\"sha256:%s\",\"names\":[\"localhost/app:1\",\"localhost/app:latest\"],"
                 "\"layer\":\"%s\",\"metadata\":\"{}\"},{\"id\":\"%s\"}]",
                 id('9'), id('8'), id('b'), id('7'));
        assert_int_equal(ctr_parse_images(buf, strlen(buf), &im, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_string_equal(im[1].id, id('9'));
        assert_int_equal(im[1].names.n, 2);
        assert_string_equal(im[1].names.v[0], "localhost/app:1");
        assert_string_equal(im[1].layer, id('b'));
        assert_null(im[0].layer);
        ctr_images_free(im, n);
        snprintf(buf, sizeof(buf), "[{\"id\":\"%s\",\"names\":\"x\"}]", id('9'));
        assert_int_equal(ctr_parse_images(buf, strlen(buf), &im, &n, &err), -EBADMSG);
        assert_string_equal(err, "entry 0: \"names\" is not a list");
        free(err), err = NULL;

        snprintf(buf, sizeof(buf),
                 "[{\"id\":\"%s\",\"names\":[\"web\"],\"image\":\"%s\",\"layer\":\"%s\","
                 "\"metadata\":\"{\\\"image-name\\\":\\\"localhost/app:1\\\",\\\"name\\\":\\\"web\\\"}\"},"
                 "{\"id\":\"%s\",\"layer\":\"%s\",\"metadata\":\"{\\\"pod-id\\\":\\\"x\\\"}\"}]",
                 id('c'), id('9'), id('d'), id('5'), id('6'));
        assert_int_equal(ctr_parse_containers(buf, strlen(buf), &c, &n, &err), 0);
        assert_int_equal(n, 2);
        assert_string_equal(c[1].id, id('c'));
        assert_string_equal(c[1].names.v[0], "web");
        assert_string_equal(c[1].image_name, "localhost/app:1");
        assert_string_equal(c[1].engine, "podman");
        assert_string_equal(c[0].engine, "cri-o");
        assert_null(c[0].image_id);
        containers_free(c, n);
        snprintf(buf, sizeof(buf), "[{\"id\":\"%s\"}]", id('c'));
        assert_int_equal(ctr_parse_containers(buf, strlen(buf), &c, &n, &err), -EBADMSG);
        assert_string_equal(err, "entry 0: no \"layer\"");
        free(err), err = NULL;
        snprintf(buf, sizeof(buf), "[{\"id\":\"%s\",\"layer\":\"%s\",\"metadata\":\"{\"}]", id('c'), id('d'));
        assert_int_equal(ctr_parse_containers(buf, strlen(buf), &c, &n, &err), -EBADMSG);
        assert_string_equal(err, "entry 0: \"metadata\" is not a JSON object");
        free(err);
}

/* A storage root in tmp/<name>: image layers a (base) <- b, container layer
 * d on b, a container c; layers.json is 'layers' when given. */
static void make_storage(const char *name, const char *layers)
{
        char rel[256], json[2048], target[128];

        snprintf(rel, sizeof(rel), "%s/overlay-layers", name);
        mkdir_p("%s", rel);
        mkdir_p("%s/overlay-images", name);
        mkdir_p("%s/overlay-containers", name);
        mkdir_p("%s/overlay/l", name);
        mkdir_p("%s/overlay/%s/diff", name, id('a'));
        mkdir_p("%s/overlay/%s/diff", name, id('b'));
        mkdir_p("%s/overlay/%s/diff", name, id('d'));
        if (!layers) {
                snprintf(json, sizeof(json),
                         "[{\"id\":\"%s\"},{\"id\":\"%s\",\"parent\":\"%s\"},{\"id\":\"%s\",\"parent\":\"%s\"}]",
                         id('a'), id('b'), id('a'), id('d'), id('b'));
                layers = json;
        }
        snprintf(rel, sizeof(rel), "%s/overlay-layers/layers.json", name);
        tmpdir_write(tmp, rel, layers);
        snprintf(json, sizeof(json), "[{\"id\":\"%s\",\"names\":[\"localhost/app:1\"],\"layer\":\"%s\"}]", id('9'),
                 id('b'));
        snprintf(rel, sizeof(rel), "%s/overlay-images/images.json", name);
        tmpdir_write(tmp, rel, json);
        snprintf(json, sizeof(json), "[{\"id\":\"%s\",\"names\":[\"web\"],\"image\":\"%s\",\"layer\":\"%s\"}]",
                 id('c'), id('9'), id('d'));
        snprintf(rel, sizeof(rel), "%s/overlay-containers/containers.json", name);
        tmpdir_write(tmp, rel, json);
        snprintf(rel, sizeof(rel), "%s/overlay/%s/lower", name, id('d'));
        tmpdir_write(tmp, rel, "l/BBBBBBBBBBBBBBBBBBBBBBBBBB:l/AAAAAAAAAAAAAAAAAAAAAAAAAA");
        snprintf(rel, sizeof(rel), "%s/%s/overlay/l/AAAAAAAAAAAAAAAAAAAAAAAAAA", tmp, name);
        snprintf(target, sizeof(target), "../%s/diff", id('a'));
        assert_int_equal(symlink(target, rel), 0);
        snprintf(rel, sizeof(rel), "%s/%s/overlay/l/BBBBBBBBBBBBBBBBBBBBBBBBBB", tmp, name);
        snprintf(target, sizeof(target), "../%s/diff", id('b'));
        assert_int_equal(symlink(target, rel), 0);
}

static char *root_of(const char *name)
{
        static char p[300];

        snprintf(p, sizeof(p), "%s/%s", tmp, name);
        return p;
}

static void test_load(void **state)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        struct dw_error e = { 0 };
        struct ctr_lower *l = NULL;
        const struct container *c;
        char want[400];
        size_t n = 0;

        (void) state;
        make_storage("good", NULL);
        assert_int_equal(ctr_storage_load(root_of("good"), &s, &e), 0);
        assert_int_equal(s->n_containers, 1);
        c = &s->containers[0];
        assert_null(c->error);
        assert_string_equal(c->image_name, "localhost/app:1");   /* from the image's names */
        snprintf(want, sizeof(want), "%s/overlay/%s/diff", root_of("good"), id('d'));
        assert_string_equal(c->upper_dir, want);
        assert_int_equal(c->n_lowers, 2);
        assert_string_equal(c->lowers[0].layer_id, id('b'));
        assert_string_equal(c->lowers[1].layer_id, id('a'));
        snprintf(want, sizeof(want), "%s/overlay/%s/diff", root_of("good"), id('a'));
        assert_string_equal(c->lowers[1].dir, want);

        assert_int_equal(ctr_storage_image_chain(s, id('9'), &l, &n, &e), 0);
        assert_int_equal(n, 2);
        assert_string_equal(l[0].layer_id, id('b'));
        assert_string_equal(l[1].layer_id, id('a'));
        ctr_lowers_free(l, n);
        assert_int_equal(ctr_storage_image_chain(s, id('8'), &l, &n, &e), -ENOENT);
        dw_error_release(&e);
}

static void test_cycle(void **state)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        struct dw_error e = { 0 };
        struct ctr_lower *l = NULL;
        char json[1024];
        size_t n = 0;

        (void) state;
        /* a -> b -> a: the container's layer d sits on it */
        snprintf(json, sizeof(json),
                 "[{\"id\":\"%s\",\"parent\":\"%s\"},{\"id\":\"%s\",\"parent\":\"%s\"},"
                 "{\"id\":\"%s\",\"parent\":\"%s\"}]",
                 id('a'), id('b'), id('b'), id('a'), id('d'), id('b'));
        make_storage("cycle", json);
        assert_int_equal(ctr_storage_load(root_of("cycle"), &s, &e), 0);
        /* the container is loaded, with the reason it cannot be read */
        assert_non_null(s->containers[0].error);
        assert_non_null(strstr(s->containers[0].error, "is its own ancestor"));
        assert_non_null(strstr(s->containers[0].error, "layers.json"));
        assert_int_equal(ctr_storage_image_chain(s, id('9'), &l, &n, &e), -ELOOP);
        assert_non_null(strstr(dw_error_reason(&e), "its own ancestor"));
        dw_error_release(&e);
}

static void test_long_chain(void **state)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        struct dw_error e = { 0 };
        struct ctr_lower *l = NULL;
        size_t n = 0, i, len = 0, cap = (CTR_CHAIN_MAX + 2) * 160;
        char *json = malloc(cap);

        (void) state;
        assert_non_null(json);
        len += snprintf(json + len, cap - len, "[");
        for (i = 0; i <= CTR_CHAIN_MAX; i++) {
                len += snprintf(json + len, cap - len, "%s{\"id\":\"%064zx\"", i ? "," : "", i + 1);
                if (i)
                        len += snprintf(json + len, cap - len, ",\"parent\":\"%064zx\"", i);
                len += snprintf(json + len, cap - len, "}");
        }
        snprintf(json + len, cap - len, "]");
        mkdir_p("long/overlay-layers");
        tmpdir_write(tmp, "long/overlay-layers/layers.json", json);
        free(json);
        assert_int_equal(ctr_storage_load(root_of("long"), &s, &e), 0);
        {
                char top[CTR_ID_LEN + 1];

                snprintf(top, sizeof(top), "%064x", CTR_CHAIN_MAX + 1);
                assert_int_equal(ctr_storage_layer_chain(s, top, &l, &n, &e), -E2BIG);
                assert_non_null(strstr(dw_error_reason(&e), "more than 500 ancestors"));
                dw_error_release(&e);
                snprintf(top, sizeof(top), "%064x", CTR_CHAIN_MAX);
                assert_int_equal(ctr_storage_layer_chain(s, top, &l, &n, &e), 0);
                assert_int_equal(n, CTR_CHAIN_MAX);
                ctr_lowers_free(l, n);
        }
}

static void test_bad_lower(void **state)
{
        _cleanup_(ctr_storage_freep) struct ctr_storage *s = NULL;
        struct dw_error e = { 0 };
        char rel[300];

        (void) state;
        make_storage("badlink", NULL);
        /* a short link that leaves the storage */
        snprintf(rel, sizeof(rel), "%s/badlink/overlay/l/AAAAAAAAAAAAAAAAAAAAAAAAAA", tmp);
        assert_int_equal(unlink(rel), 0);
        assert_int_equal(symlink("/etc", rel), 0);
        assert_int_equal(ctr_storage_load(root_of("badlink"), &s, &e), 0);
        assert_non_null(s->containers[0].error);
        assert_non_null(strstr(s->containers[0].error, "points to '/etc', not a layer"));
        s = ctr_storage_free(s);

        make_storage("badlower", NULL);
        snprintf(rel, sizeof(rel), "badlower/overlay/%s/lower", id('d'));
        tmpdir_write(tmp, rel, "/abs/path");
        assert_int_equal(ctr_storage_load(root_of("badlower"), &s, &e), 0);
        assert_non_null(strstr(s->containers[0].error, "unexpected entry '/abs/path'"));
        s = ctr_storage_free(s);

        /* the lower file names only one of the two image layers */
        make_storage("short", NULL);
        snprintf(rel, sizeof(rel), "short/overlay/%s/lower", id('d'));
        tmpdir_write(tmp, rel, "l/BBBBBBBBBBBBBBBBBBBBBBBBBB");
        assert_int_equal(ctr_storage_load(root_of("short"), &s, &e), 0);
        assert_non_null(strstr(s->containers[0].error, "lists 1 layers where layers.json has 2"));
}

static void test_refused(void **state)
{
        struct ctr_storage *s = NULL;
        struct dw_error e = { 0 };

        (void) state;
        mkdir_p("vfs/vfs-layers");
        assert_int_equal(ctr_storage_load(root_of("vfs"), &s, &e), -EOPNOTSUPP);
        assert_non_null(strstr(dw_error_reason(&e), "unsupported storage driver 'vfs'"));
        dw_error_release(&e);
        mkdir_p("empty");
        assert_int_equal(ctr_storage_load(root_of("empty"), &s, &e), -ENOENT);
        dw_error_release(&e);
        mkdir_p("broken/overlay-layers");
        tmpdir_write(tmp, "broken/overlay-layers/layers.json", "[{\"id\":1}]");
        assert_int_equal(ctr_storage_load(root_of("broken"), &s, &e), -EBADMSG);
        assert_non_null(strstr(dw_error_reason(&e), "broken/overlay-layers/layers.json': entry 0"));
        dw_error_release(&e);
        assert_null(s);
}

/* The live fallback's parsers (live.c): overlay options as mountinfo shows
 * them, and the container a cgroup path names. */
static void test_overlay_options(void **state)
{
        (void) state;
        struct strv lowers = { 0 };
        char *upper = NULL, *err = NULL;

        /* \040 a space, \134 a backslash (overlayfs' own escape of ':'), \054 a comma */
        assert_int_equal(ctr_parse_overlay_options("rw,lowerdir=/s/l/A\\040b:/s/l\\134:2:/c\\054d,upperdir=/u\\040p,"
                                                   "workdir=/w,uuid=on",
                                                   &upper, &lowers, &err), 0);
        assert_string_equal(upper, "/u p");
        assert_int_equal(lowers.n, 3);
        assert_string_equal(lowers.v[0], "/s/l/A b");
        assert_string_equal(lowers.v[1], "/s/l:2");
        assert_string_equal(lowers.v[2], "/c,d");
        free(upper);
        strv_release(&lowers);

        assert_int_equal(ctr_parse_overlay_options("lowerdir=/a::/b,upperdir=/u", &upper, &lowers, &err), -EOPNOTSUPP);
        assert_non_null(strstr(err, "data-only"));
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("ro,lowerdir=/a:/b", &upper, &lowers, &err), -EOPNOTSUPP);
        assert_non_null(strstr(err, "no upperdir"));
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("lowerdir=l/AB:/b,upperdir=/u", &upper, &lowers, &err), -EBADMSG);
        assert_non_null(strstr(err, "'l/AB'"));
        free(err), err = NULL;
        /* Relative lowerdirs (containers-storage and overlay2 mount from their
         * root, upperdir ROOT/ID/diff, workdir ROOT/ID/work): resolved there. */
        assert_int_equal(ctr_parse_overlay_options("rw,lowerdir=l/AB:l/C\134:D:/abs,upperdir=/s/overlay/c1/diff,"
                                                   "workdir=/s/overlay/c1/work,uuid=on",
                                                   &upper, &lowers, &err), 0);
        assert_string_equal(upper, "/s/overlay/c1/diff");
        assert_int_equal(lowers.n, 3);
        assert_string_equal(lowers.v[0], "/s/overlay/l/AB");
        assert_string_equal(lowers.v[1], "/s/overlay/l/C:D");
        assert_string_equal(lowers.v[2], "/abs");
        free(upper);
        strv_release(&lowers);
        /* ... never out of it, and not for another shape of mount (its cwd unknown) */
        assert_int_equal(ctr_parse_overlay_options("lowerdir=l/../../etc,upperdir=/s/o/c1/diff,workdir=/s/o/c1/work",
                                                   &upper, &lowers, &err), -EBADMSG);
        assert_non_null(strstr(err, "leaves the layer store"));
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("lowerdir=./l/A,upperdir=/s/o/c1/diff,workdir=/s/o/c1/work",
                                                   &upper, &lowers, &err), -EBADMSG);
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("lowerdir=l/A,upperdir=/s/o/c1/diff,workdir=/s/o/c2/work",
                                                   &upper, &lowers, &err), -EBADMSG);
        assert_non_null(strstr(err, "cannot know"));
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("lowerdir=l/A,upperdir=/s/o/../diff,workdir=/s/o/../work",
                                                   &upper, &lowers, &err), -EBADMSG);
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("lowerdir=l/A,upperdir=/u/up,workdir=/u/work",
                                                   &upper, &lowers, &err), -EBADMSG);
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("lowerdir=/a\\000b,upperdir=/u", &upper, &lowers, &err), -EBADMSG);
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("upperdir=/u", &upper, &lowers, &err), -EBADMSG);
        free(err), err = NULL;
        assert_int_equal(ctr_parse_overlay_options("lowerdir=/a:,upperdir=/u", &upper, &lowers, &err), -EBADMSG);
        free(err), err = NULL;
}

static void test_cgroup(void **state)
{
        (void) state;
        static const struct {
                const char *before, *after, *id, *runtime;
        } cases[] = {
                { "0::/machine.slice/libpod-", ".scope/container\n", "1", "podman" },
                { "0::/libpod_parent/libpod-", "\n", "2", "podman" },
                { "12:pids:/kubepods/besteffort/pod1/crio-", ".scope\n0::/\n", "3", "cri-o" },
                { "0::/system.slice/docker-", ".scope\n", "4", "docker" },
                { "5:memory:/docker/", "\n", "5", "docker" },
                { "0::/machine.slice/libpod-conmon-", ".scope\n", NULL, NULL },
                { "0::/user.slice/user-0.slice/session-1.scope\n", NULL, NULL },
                { "0::/machine.slice/libpod-", "0.scope\n", NULL, NULL },
                { "0::/x/notlibpod-", ".scope\n", NULL, NULL },
        };
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char id[65], text[256], *got = NULL;
                const char *runtime = NULL;
                int r;

                memset(id, cases[i].id ? cases[i].id[0] : 'a', 64);
                id[64] = 0;
                snprintf(text, sizeof(text), "%s%s%s", cases[i].before, id, cases[i].after);
                r = ctr_parse_cgroup(text, strlen(text), &got, &runtime);
                assert_int_equal(r, cases[i].id ? 1 : 0);
                if (cases[i].id) {
                        assert_string_equal(got, id);
                        assert_string_equal(runtime, cases[i].runtime);
                }
                free(got);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_layers),
                cmocka_unit_test(test_parse_images_containers),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_cycle),
                cmocka_unit_test(test_long_chain),
                cmocka_unit_test(test_bad_lower),
                cmocka_unit_test(test_refused),
                cmocka_unit_test(test_overlay_options),
                cmocka_unit_test(test_cgroup),
        };
        int r;

        tmpdir_make(tmp, "container-storage");
        r = cmocka_run_group_tests(tests, NULL, NULL);
        tmpdir_remove(tmp);
        return r;
}
