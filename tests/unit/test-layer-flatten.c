/* Unit tests for src/container/layer-flatten.c and the JSON readers of
 * src/container/oci-json.c: member names normalised or refused, layers
 * flattened as the OCI image spec says (a later entry replaces, a whiteout
 * removes a path and what is below it, an opaque directory hides the lower
 * layers' children but not its own layer's, a file replacing a directory
 * removes its children), hostile members refused, hardlink groups; index,
 * manifest, config and docker manifest.json documents accepted and refused. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "container/layer-flatten.h"
#include "container/oci-image.h"
#include "container/tar-split.h"

/* Stages "TYPE PATH" members: f file, d dir, l symlink (target "/t"), h
 * hardlink ("h PATH TARGET"); whiteouts are plain files named .wh.*. */
static int stage(struct layer_flatten *f, const char *const *members, const char **ret_reason)
{
        for (; *members; members++) {
                char type, name[256], link[256] = "", path[FIM_PATH_MAX], lpath[FIM_PATH_MAX];
                struct fim_entry e = { .mode = 0644 };
                size_t len, llen;
                int r;

                assert_true(sscanf(*members, "%c %255s %255s", &type, name, link) >= 2);
                r = layer_path_normalize(name, strlen(name), path, &len);
                if (r < 0)
                        return r;
                e.path = path;
                e.path_len = (uint32_t) len;
                e.type = type == 'd' ? S_IFDIR : type == 'l' ? S_IFLNK : S_IFREG;
                if (type == 'l') {
                        e.target = "/t";
                        e.target_len = 2;
                }
                if (type == 'h')
                        assert_int_equal(layer_path_normalize(link, strlen(link), lpath, &llen), 0);
                r = layer_flatten_add(f, &e, type == 'h' ? lpath : NULL, ret_reason);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void commit(struct layer_flatten *f, const char *const *members)
{
        const char *reason = NULL;

        assert_int_equal(stage(f, members, &reason), 0);
        assert_int_equal(layer_flatten_commit(f), 0);
}

/* The finished tree as "TYPE PATH" lines joined by spaces. */
static char *finish(struct layer_flatten *f)
{
        struct fim_tree *t = NULL;
        char *s = calloc(1, 4096);

        assert_int_equal(layer_flatten_finish(f, NULL, 0, &t), 0);
        for (size_t i = 0; i < t->n; i++) {
                const struct fim_entry *e = &t->entries[i];

                snprintf(s + strlen(s), 4096 - strlen(s), "%s%s%s%s", i ? " " : "",
                         e->type == S_IFDIR ? "d" : e->type == S_IFLNK ? "l" : "f", e->path,
                         e->link ? "=" : "");
        }
        fim_tree_free(t);
        return s;
}

static void test_normalize(void **state)
{
        char out[FIM_PATH_MAX];
        size_t len;

        (void) state;
        assert_int_equal(layer_path_normalize("./a//b/./c/", 11, out, &len), 0);
        assert_string_equal(out, "/a/b/c");
        assert_int_equal(layer_path_normalize("./", 2, out, &len), 0);
        assert_string_equal(out, "/");
        assert_int_equal(layer_path_normalize("/etc/x", 6, out, &len), -EBADMSG);
        assert_int_equal(layer_path_normalize("a/../../x", 9, out, &len), -EBADMSG);
        assert_int_equal(layer_path_normalize("", 0, out, &len), -EBADMSG);
        assert_int_equal(layer_path_normalize("a\0b", 3, out, &len), -EBADMSG);
        {
                char deep[2 * (LAYER_PATH_DEPTH_MAX + 1) + 1] = "";

                for (int i = 0; i <= LAYER_PATH_DEPTH_MAX; i++)
                        strcat(deep, "a/");
                assert_int_equal(layer_path_normalize(deep, strlen(deep), out, &len), -ENAMETOOLONG);
        }
}

static void test_flatten(void **state)
{
        struct layer_flatten *f = NULL;
        char *s;

        (void) state;
        assert_int_equal(layer_flatten_new(&f), 0);
        commit(f, (const char *const[]) { "d ./", "d etc", "f etc/passwd", "f etc/gone", "d opt/dir",
                                          "f opt/dir/a", "d opt/dir/sub", "f opt/dir/sub/b", "d var",
                                          "f var/x", "f keep", NULL });
        /* Layer 2: a whiteout, an opaque directory with a new child, a file over a directory. */
        commit(f, (const char *const[]) { "f etc/.wh.gone", "d opt/dir", "f opt/dir/.wh..wh..opq",
                                          "f opt/dir/c", "f var", "f etc/passwd", NULL });
        s = finish(f);
        assert_string_equal(s, "d/ d/etc f/etc/passwd f/keep d/opt d/opt/dir f/opt/dir/c f/var");
        free(s);
        layer_flatten_free(f);
}

static void test_whiteout_then_readd(void **state)
{
        struct layer_flatten *f = NULL;
        char *s;

        (void) state;
        assert_int_equal(layer_flatten_new(&f), 0);
        commit(f, (const char *const[]) { "d a", "f a/x", "f a/y", NULL });
        commit(f, (const char *const[]) { "f .wh.a", NULL });
        commit(f, (const char *const[]) { "f a/x", NULL });     /* parent made again */
        s = finish(f);
        assert_string_equal(s, "d/ d/a f/a/x");
        free(s);
        layer_flatten_free(f);
        /* Root opaque: everything below goes, the layer's own entries stay. */
        assert_int_equal(layer_flatten_new(&f), 0);
        commit(f, (const char *const[]) { "f old", "d dir", "f dir/x", NULL });
        commit(f, (const char *const[]) { "f .wh..wh..opq", "f new", NULL });
        s = finish(f);
        assert_string_equal(s, "d/ f/new");
        free(s);
        layer_flatten_free(f);
        /* Within a layer, order counts: a file over a directory removes what
         * was staged below it before, not what comes after a new directory. */
        assert_int_equal(layer_flatten_new(&f), 0);
        commit(f, (const char *const[]) { "d p", "f p/lower", NULL });
        commit(f, (const char *const[]) { "d o", "f o/x", "f o", "f p", "d p", "f p/y", NULL });
        s = finish(f);
        assert_string_equal(s, "d/ f/o d/p f/p/y");
        free(s);
        layer_flatten_free(f);
}

static void test_hostile(void **state)
{
        static const char *const cases[][3] = {
                { "l lnk", "f lnk/passwd", NULL },      /* below a symlink of the same layer */
                { "f file", "f file/x", NULL },         /* below a file */
                { "f dir/.wh..", NULL },                /* a whiteout of ".." */
                { "f dir/.wh.", NULL },                 /* of nothing */
                { "h hard nothing", NULL },             /* a hardlink to nothing */
                { "d d", "h hard d", NULL },            /* to a directory */
                { "l lnk", "f lnk/.wh.passwd", NULL },  /* a whiteout through a symlink */
        };
        struct layer_flatten *f = NULL;
        const char *reason = NULL;

        (void) state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(layer_flatten_new(&f), 0);
                reason = NULL;
                assert_int_equal(stage(f, cases[i], &reason), -EBADMSG);
                assert_non_null(reason);
                layer_flatten_free(f);
        }
        /* Through a symlink of a lower layer; a dropped layer leaves nothing. */
        assert_int_equal(layer_flatten_new(&f), 0);
        commit(f, (const char *const[]) { "l etc", NULL });
        assert_int_equal(stage(f, (const char *const[]) { "f x", "f etc/passwd", NULL }, &reason), -EBADMSG);
        assert_string_equal(reason, "path through a symlink");
        layer_flatten_drop(f);
        {
                char *s = finish(f);

                assert_string_equal(s, "d/ l/etc");
                free(s);
        }
        layer_flatten_free(f);
}

static void test_hardlinks(void **state)
{
        struct layer_flatten *f = NULL;
        char *s;

        (void) state;
        assert_int_equal(layer_flatten_new(&f), 0);
        commit(f, (const char *const[]) { "f a", "h b a", "h c a", NULL });
        commit(f, (const char *const[]) { "h d a", NULL });     /* to a lower layer: a copy */
        s = finish(f);
        assert_string_equal(s, "d/ f/a f/b= f/c= f/d");
        free(s);
        layer_flatten_free(f);
}

#define DIG "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_json(void **state)
{
        static const char index2[] =
                "{\"manifests\":[{\"digest\":\"" DIG "\",\"size\":3,"
                "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}},"
                "{\"digest\":\"" DIG "\",\"size\":4}]}";
        static const char manifest[] =
                "{\"config\":{\"digest\":\"" DIG "\",\"size\":10},\"layers\":["
                "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" DIG "\",\"size\":5}]}";
        static const char docker[] = "[{\"Config\":\"c.json\",\"RepoTags\":[\"localhost/x:latest\"],"
                                     "\"Layers\":[\"a/layer.tar\",\"b/layer.tar\"]}]";
        struct oci_descriptor d = { 0 };
        struct oci_manifest m = { 0 };
        struct docker_manifest dm = { 0 };
        uint8_t(*ids)[SHA256_LEN] = NULL;
        size_t n = 0;
        char *reason = NULL;

        (void) state;
        assert_int_equal(oci_index_select(index2, strlen(index2), "v1", &d, &reason), 0);
        assert_int_equal(d.size, 3);
        oci_descriptor_release(&d);
        assert_int_equal(oci_index_select(index2, strlen(index2), NULL, &d, &reason), -EINVAL);
        free(reason);
        reason = NULL;
        assert_int_equal(oci_index_select(index2, strlen(index2), "v2", &d, &reason), -ENOENT);
        free(reason);
        reason = NULL;
        assert_int_equal(oci_manifest_parse(manifest, strlen(manifest), &m, &reason), 0);
        assert_int_equal(m.n_layers, 1);
        assert_int_equal(m.config.size, 10);
        oci_manifest_release(&m);
        assert_int_equal(oci_manifest_parse("{\"config\":{}}", 13, &m, &reason), -EBADMSG);
        free(reason);
        reason = NULL;
        assert_int_equal(oci_config_diff_ids("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DIG "\"]}}",
                                             strlen("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DIG "\"]}}"),
                                             &ids, &n, &reason),
                         0);
        assert_int_equal(n, 1);
        assert_int_equal(ids[0][0], 0x01);
        free(ids);
        assert_int_equal(oci_config_diff_ids("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha512:00\"]}}", 52,
                                             &ids, &n, &reason),
                         -EBADMSG);
        free(reason);
        reason = NULL;
        assert_int_equal(docker_manifest_parse(docker, strlen(docker), "latest", &dm, &reason), 0);
        assert_int_equal(dm.n_layers, 2);
        assert_string_equal(dm.layers[1], "b/layer.tar");
        docker_manifest_release(&dm);
        assert_int_equal(docker_manifest_parse("[{\"Config\":\"../c\",\"Layers\":[]}]", 31, NULL, &dm, &reason),
                         -EBADMSG);
        free(reason);
}

/* vbatts/tar-split's storage.Entry: type 1 is a file (name, size; its bytes
 * come from the diff directory), type 2 a raw segment (base64 payload). */
static void test_tarsplit_line(void **state)
{
        static const char seg[] = "{\"type\":2,\"payload\":\"YWJj\",\"position\":0}";
        static const char file[] = "{\"type\":1,\"name\":\"./etc/motd\",\"size\":8,\"payload\":\"AAAAAAAAAAA=\",\"position\":1}";
        static const char raw[] = "{\"type\":1,\"name_raw\":\"/w==\",\"position\":2}";
        struct tarsplit_entry e = { 0 };
        char *reason = NULL;

        (void) state;
        assert_int_equal(tarsplit_parse_line(seg, strlen(seg), &e, &reason), 0);
        assert_int_equal(e.type, 2);
        assert_int_equal(e.payload_len, 3);
        assert_memory_equal(e.payload, "abc", 3);
        tarsplit_entry_release(&e);
        assert_int_equal(tarsplit_parse_line(file, strlen(file), &e, &reason), 0);
        assert_int_equal(e.type, 1);
        assert_string_equal(e.name, "./etc/motd");
        assert_int_equal(e.size, 8);
        tarsplit_entry_release(&e);
        assert_int_equal(tarsplit_parse_line(raw, strlen(raw), &e, &reason), 0);
        assert_string_equal(e.name, "\xff");
        tarsplit_entry_release(&e);
        assert_int_equal(tarsplit_parse_line("{\"type\":3}", 10, &e, &reason), -EBADMSG);
        free(reason);
        reason = NULL;
        assert_int_equal(tarsplit_parse_line("{\"type\":1,\"size\":-1,\"name\":\"x\"}", 31, &e, &reason), -EBADMSG);
        free(reason);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_normalize),  cmocka_unit_test(test_flatten),
                cmocka_unit_test(test_whiteout_then_readd), cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_hardlinks),  cmocka_unit_test(test_json),
                cmocka_unit_test(test_tarsplit_line),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
