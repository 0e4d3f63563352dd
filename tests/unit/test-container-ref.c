/* Unit tests for src/container/reference.c (image references normalized as
 * distribution's ParseNormalizedNamed does), the kubelet's imageID forms,
 * src/container/privilege.c and the approved manifest reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/approved.h"
#include "container/kube.h"
#include "container/privilege.h"
#include "container/reference.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* want NULL: refused. Otherwise the normalized string, name and tag (NULL: none). */
static const struct {
        const char *in, *want, *name, *tag;
} cases[] = {
        { "busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox", "latest" },
        { "busybox:1.36", "docker.io/library/busybox:1.36", "docker.io/library/busybox", "1.36" },
        { "library/busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox", "latest" },
        { "user/app", "docker.io/user/app:latest", "docker.io/user/app", "latest" },
        { "docker.io/nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx", "latest" },
        { "index.docker.io/nginx:1", "docker.io/library/nginx:1", "docker.io/library/nginx", "1" },
        { "index.docker.io/user/app", "docker.io/user/app:latest", "docker.io/user/app", "latest" },
        { "quay.io/x/y:42", "quay.io/x/y:42", "quay.io/x/y", "42" },
        { "quay.io/y", "quay.io/y:latest", "quay.io/y", "latest" },            /* no library/ elsewhere */
        /* registry host detection: '.', ':', localhost, upper case */
        { "localhost/app", "localhost/app:latest", "localhost/app", "latest" },
        { "localhost:5000/app:2", "localhost:5000/app:2", "localhost:5000/app", "2" },
        { "registry:5000/team/api", "registry:5000/team/api:latest", "registry:5000/team/api", "latest" },
        { "Registry/app", "Registry/app:latest", "Registry/app", "latest" },
        { "registry/app", "docker.io/registry/app:latest", "docker.io/registry/app", "latest" },
        { "127.0.0.1:5000/a/b/c", "127.0.0.1:5000/a/b/c:latest", "127.0.0.1:5000/a/b/c", "latest" },
        { "[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app", "latest" },
        /* a port-looking tag without a registry */
        { "localhost:5000", "docker.io/library/localhost:5000", "docker.io/library/localhost", "5000" },
        /* digests: no default tag; a tag beside a digest is kept */
        { "nginx@sha256:" H64, "docker.io/library/nginx@sha256:" H64, "docker.io/library/nginx", NULL },
        { "nginx:1.25@sha256:" H64, "docker.io/library/nginx:1.25@sha256:" H64, "docker.io/library/nginx", "1.25" },
        { "r.io:443/a@sha256:" H64, "r.io:443/a@sha256:" H64, "r.io:443/a", NULL },
        { "a__b/c-d.e_f--g", "docker.io/a__b/c-d.e_f--g:latest", "docker.io/a__b/c-d.e_f--g", "latest" },
        { "busybox:_Tag.1-x", "docker.io/library/busybox:_Tag.1-x", "docker.io/library/busybox", "_Tag.1-x" },
        /* refused */
        { "Busybox", NULL, NULL, NULL },                 /* upper case repository */
        { "docker.io/Library/busybox", NULL, NULL, NULL },
        { "quay.io/X/y", NULL, NULL, NULL },
        { "", NULL, NULL, NULL },
        { "nginx@sha256:" "0123", NULL, NULL, NULL },    /* short digest */
        { "nginx@sha256:" "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", NULL, NULL, NULL },
        { "nginx@md5:0123456789abcdef0123456789abcdef", NULL, NULL, NULL },
        { "nginx@" H64, NULL, NULL, NULL },              /* no algorithm */
        { "nginx@sha256:" H64 "@sha256:" H64, NULL, NULL, NULL },
        { H64, NULL, NULL, NULL },                       /* an image id */
        { "nginx:", NULL, NULL, NULL },
        { "nginx:.x", NULL, NULL, NULL },
        { "nginx:-x", NULL, NULL, NULL },
        { "quay.io/", NULL, NULL, NULL },
        { "quay.io//x", NULL, NULL, NULL },
        { "/x", NULL, NULL, NULL },
        { "a/b/", NULL, NULL, NULL },
        { "a..b", NULL, NULL, NULL },
        { "a-/b", NULL, NULL, NULL },
        { "-a", NULL, NULL, NULL },
        { "a b", NULL, NULL, NULL },
        { "quay.io:99999999/x", NULL, NULL, NULL },
        { "-quay.io/x", NULL, NULL, NULL },
        { "quay.io./x", NULL, NULL, NULL },
};

static void test_table(void **state)
{
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct image_ref r = { 0 };
                const char *reason = NULL;
                int k = image_ref_parse(cases[i].in, strlen(cases[i].in), &r, &reason);

                if (!cases[i].want) {
                        if (k != -EINVAL)
                                fail_msg("'%s' accepted as '%s'", cases[i].in, r.string);
                        assert_non_null(reason);
                        continue;
                }
                if (k != 0)
                        fail_msg("'%s' refused: %s", cases[i].in, reason);
                assert_string_equal(r.string, cases[i].want);
                assert_string_equal(r.name, cases[i].name);
                if (cases[i].tag)
                        assert_string_equal(r.tag, cases[i].tag);
                else
                        assert_null(r.tag);
                image_ref_release(&r);
        }
        (void) state;
}

static void test_long(void **state)
{
        char buf[IMAGE_REF_MAX + 2];
        struct image_ref r = { 0 };
        const char *reason = NULL;

        memset(buf, 'a', sizeof(buf) - 1);
        buf[sizeof(buf) - 1] = '\0';
        assert_int_equal(image_ref_parse(buf, strlen(buf), &r, &reason), -EINVAL);
        /* a name of 256 bytes after normalization */
        memset(buf, 'a', 300);
        memcpy(buf, "quay.io/", 8);
        buf[300] = '\0';
        assert_int_equal(image_ref_parse(buf, strlen(buf), &r, &reason), -EINVAL);
        (void) state;
}

static void test_image_id(void **state)
{
        struct image_ref r = { 0 };
        const char *reason = NULL;

        assert_int_equal(image_id_parse("docker-pullable://nginx@sha256:" H64, &r, &reason), IMAGE_ID_REPO_DIGEST);
        assert_string_equal(r.string, "docker.io/library/nginx@sha256:" H64);
        image_ref_release(&r);
        assert_int_equal(image_id_parse("quay.io/x/y@sha256:" H64, &r, &reason), IMAGE_ID_REPO_DIGEST);
        assert_string_equal(r.digest, "sha256:" H64);
        image_ref_release(&r);
        assert_int_equal(image_id_parse("sha256:" H64, &r, &reason), IMAGE_ID_IMAGE_ID);
        assert_int_equal(image_id_parse("docker://sha256:" H64, &r, &reason), IMAGE_ID_IMAGE_ID);
        assert_int_equal(image_id_parse("sha256:xyz", &r, &reason), -EINVAL);
        assert_null(r.name);
        (void) state;
}

static void test_host_paths(void **state)
{
        char what[256];

        assert_int_equal(host_path_classify("/", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("/etc/", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("/etc/kubernetes/pki", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("/var/lib/extensions", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("/etc/extensions/x", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_string_equal(what, "the sysext search path /etc/extensions");
        assert_int_equal(host_path_classify("/var/lib", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_non_null(strstr(what, "below it"));
        assert_int_equal(host_path_classify("/var/log/../lib/confexts/x", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("/run/containerd/containerd.sock", what, sizeof(what)),
                         HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("/var/run", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("relative/x", what, sizeof(what)), HOST_PATH_SENSITIVE);
        assert_int_equal(host_path_classify("/var/log/web", what, sizeof(what)), HOST_PATH_PLAIN);
        assert_int_equal(host_path_classify("/etcetera", what, sizeof(what)), HOST_PATH_PLAIN);
        assert_int_equal(host_path_classify("/usr/lib/extensionsx", what, sizeof(what)), HOST_PATH_PLAIN);
        (void) state;
}

static void test_approved(void **state)
{
        static const char text[] = "# comment\n\n  busybox@sha256:" H64 "   # trailing\r\n"
                                   "quay.io/x/y:1@sha256:" H64 "\n";
        struct approved *a = NULL;
        char *why = NULL;

        assert_int_equal(approved_parse(text, strlen(text), &a, &why), 0);
        assert_int_equal(a->n, 2);
        assert_int_equal(a->v[0].line, 3);
        assert_non_null(approved_find(a, "docker.io/library/busybox", "sha256:" H64));
        assert_null(approved_find(a, "docker.io/library/nginx", "sha256:" H64));
        assert_non_null(approved_find_name(a, "quay.io/x/y"));
        approved_free(a);

        a = NULL;
        assert_int_equal(approved_parse("nginx:1.25\n", 11, &a, &why), -EBADMSG);
        assert_string_equal(why, "line 1: 'nginx:1.25' has no @sha256: digest");
        free(why);
        why = NULL;
        assert_int_equal(approved_parse("# only\n", 7, &a, &why), -ENODATA);
        free(why);
        why = NULL;
        assert_int_equal(approved_parse("a@sha256:1 b\n", 13, &a, &why), -EBADMSG);
        free(why);
        why = NULL;
        assert_int_equal(approved_parse("x\0y\n", 4, &a, &why), -EBADMSG);
        free(why);
        assert_null(a);
        (void) state;
}

/* kubectl get pods -o yaml (one List document) and podman kube play YAML
 * (several documents) read alike; aliases refused. */
static void test_yaml(void **state)
{
        static const char list[] = "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n"
                                   "  spec:\n    hostPID: true\n    containers: [{name: c, image: x}]\n";
        static const char docs[] = "kind: ConfigMap\nmetadata: {name: m}\n---\nkind: Pod\nmetadata: {name: b}\n"
                                   "spec:\n  containers:\n  - name: c\n    securityContext: {runAsUser: 0, "
                                   "privileged: 'true'}\n";
        struct kube_objects *k = NULL;
        char *why = NULL;

        assert_int_equal(kube_parse_yaml(list, strlen(list), &k, &why), 0);
        assert_int_equal(k->n_pods, 1);
        assert_string_equal(k->pods[0].name, "a");
        assert_int_equal(k->pods[0].host_pid, 1);
        kube_objects_free(k);
        k = NULL;
        /* 'true' quoted is a string: the API server would refuse it, so do we. */
        assert_int_equal(kube_parse_yaml(docs, strlen(docs), &k, &why), -EBADMSG);
        assert_non_null(strstr(why, "privileged: not a boolean"));
        free(why);
        why = NULL;
        assert_int_equal(kube_parse_yaml("a: &x 1\nb: *x\n", 14, &k, &why), -EBADMSG);
        assert_non_null(strstr(why, "alias"));
        free(why);
        why = NULL;
        assert_int_equal(kube_parse_yaml("a: 1\na: 2\n", 10, &k, &why), -EBADMSG);
        free(why);
        assert_null(k);
        (void) state;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_long),
                cmocka_unit_test(test_image_id),
                cmocka_unit_test(test_host_paths),
                cmocka_unit_test(test_approved),
                cmocka_unit_test(test_yaml),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
